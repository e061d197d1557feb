"""Every primitive's value and derivatives, forward and reverse, first and second order.

References: SymPy (the symbolic derivative, lambdified), the complex-step method for analytic
functions, and central differences for all. Tolerances: SymPy and complex step agree with exact
derivatives to a few ulps, so adlab must match them to 1e-12 relative; central differences with
h = 1e-6 carry an O(h²·f''') truncation and O(eps/h) rounding error of about 1e-9, hence 1e-7.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

import adlab as ad
from conftest import central_difference, complex_step, numeric_jacobian

X = sp.Symbol("x", real=True)
Y = sp.Symbol("y", real=True)


def relu_sym(x):
    return sp.Piecewise((x, x > 0), (0, True))


# id, adlab function, SymPy expression builder, points (away from kinks), analytic (complex step ok)
UNARY = [
    ("log", ad.log, sp.log, [0.3, 2.0, 7.5], True),
    ("exp", ad.exp, sp.exp, [-2.0, 0.0, 1.3], True),
    ("sin", ad.sin, sp.sin, [-1.0, 0.5, 5.0], True),
    ("cos", ad.cos, sp.cos, [-1.0, 0.5, 5.0], True),
    ("tan", ad.tan, sp.tan, [-1.2, 0.4, 1.0], True),
    ("tanh", ad.tanh, sp.tanh, [-2.0, 0.1, 0.7], True),
    ("sqrt", ad.sqrt, sp.sqrt, [0.25, 2.0, 9.0], True),
    ("abs", ad.abs, sp.Abs, [-2.5, -0.1, 1.5], False),
    ("sigmoid", ad.sigmoid, lambda x: 1 / (1 + sp.exp(-x)), [-20.0, -2.0, 0.0, 3.0], True),
    ("relu", ad.relu, relu_sym, [-1.5, 0.2, 2.0], False),
    ("neg", lambda x: -x, lambda x: -x, [-1.0, 3.0], True),
    ("pos", lambda x: +x, lambda x: x, [-1.0, 3.0], True),
    ("builtin abs", lambda x: abs(x), sp.Abs, [-2.0, 3.0], False),
    # constants mixing freely with traced values, on either side
    ("2*x", lambda x: 2 * x, lambda x: 2 * x, [-1.0, 3.0], True),
    ("x*2", lambda x: x * 2, lambda x: x * 2, [-1.0, 3.0], True),
    ("x+2", lambda x: x + 2, lambda x: x + 2, [-1.0, 3.0], True),
    ("2+x", lambda x: 2 + x, lambda x: 2 + x, [-1.0, 3.0], True),
    ("x-2", lambda x: x - 2, lambda x: x - 2, [-1.0, 3.0], True),
    ("2-x", lambda x: 2 - x, lambda x: 2 - x, [-1.0, 3.0], True),
    ("x/2", lambda x: x / 2, lambda x: x / 2, [-1.0, 3.0], True),
    ("1/x", lambda x: 1 / x, lambda x: 1 / x, [-1.5, 0.5, 3.0], True),
    ("x**3", lambda x: x ** 3, lambda x: x ** 3, [-1.5, 0.0, 2.0], True),
    ("x**2", lambda x: x ** 2, lambda x: x ** 2, [-1.5, 0.0, 2.0], True),
    ("x**-2", lambda x: x ** -2, lambda x: x ** -2, [-1.5, 0.5, 2.0], True),
    ("x**0.5", lambda x: x ** 0.5, sp.sqrt, [0.5, 4.0], True),
    ("x**1.5", lambda x: x ** 1.5, lambda x: x ** sp.Rational(3, 2), [0.5, 4.0], True),
    ("2**x", lambda x: 2 ** x, lambda x: 2 ** x, [-1.0, 0.0, 3.0], True),
    ("x**x", lambda x: x ** x, lambda x: x ** x, [0.5, 2.0], True),
    ("np.sin(x)", np.sin, sp.sin, [0.5], True),
    ("np.exp(x)", np.exp, sp.exp, [0.5], True),
    ("np.log(x)", np.log, sp.log, [0.5], True),
    ("np.sqrt(x)", np.sqrt, sp.sqrt, [0.5], True),
    ("np.tanh(x)", np.tanh, sp.tanh, [0.5], True),
    ("np.abs(x)", np.abs, sp.Abs, [-0.5], False),
    ("np.negative(x)", np.negative, lambda x: -x, [0.5], True),
]
UNARY_PARAMS = [pytest.param(fn, sym, x, analytic, id=f"{name}@{x}")
                for name, fn, sym, points, analytic in UNARY for x in points]


def _sympy(sym, order=2, modules="numpy"):
    exprs = [sym(X)]
    for _ in range(order):  # DiracDelta (the derivative of a kink) is 0 at our points: no kinks
        exprs.append(sp.diff(exprs[-1], X).replace(sp.DiracDelta, lambda *a: sp.S.Zero))
    return [sp.lambdify(X, e, modules) for e in exprs]


def _rel(a, b, rel=1e-12, abs_=1e-13):
    return a == pytest.approx(float(b), rel=rel, abs=abs_)


@pytest.mark.parametrize("fn, sym, x, analytic", UNARY_PARAMS)
def test_unary_value_and_first_derivative(fn, sym, x, analytic):
    f, df, _ = _sympy(sym)
    # value: traced and untraced calls agree with SymPy
    assert _rel(float(fn(x)), f(x))
    assert _rel(ad.forward(fn, x).value, f(x))
    assert _rel(ad.reverse(fn, (x,)).value, f(x))
    # forward mode (two entry points) and reverse mode (three) against SymPy
    assert _rel(ad.forward(fn, x).tangent, df(x))
    assert _rel(ad.jvp(fn, (x,), (1.0,))[1], df(x))
    assert _rel(ad.grad(fn)(x), df(x))
    assert _rel(ad.reverse(fn, (x,)).grad[0], df(x))
    assert _rel(ad.value_and_grad(fn)(x)[1], df(x))
    # a second, purely numerical reference
    plain = sp.lambdify(X, sym(X), "math")
    assert ad.grad(fn)(x) == pytest.approx(central_difference(plain, x), rel=1e-7, abs=1e-8)
    if analytic:
        holo = sp.lambdify(X, sym(X), "cmath")
        assert _rel(ad.grad(fn)(x), complex_step(holo, x), rel=1e-13)


@pytest.mark.parametrize("fn, sym, x, analytic", UNARY_PARAMS)
def test_unary_second_derivative(fn, sym, x, analytic):
    _, _, d2f = _sympy(sym)
    ref = d2f(x)
    dfn = ad.grad(fn)
    assert _rel(ad.grad(dfn)(x), ref, rel=1e-11)                        # reverse over reverse
    assert _rel(ad.jvp(dfn, (x,), (1.0,))[1], ref, rel=1e-11)           # forward over reverse
    tangent = lambda x: ad.jvp(fn, (x,), (1.0,))[1]  # noqa: E731
    assert _rel(ad.jvp(tangent, (x,), (1.0,))[1], ref, rel=1e-11)       # forward over forward
    assert _rel(ad.grad(tangent)(x), ref, rel=1e-11)                    # reverse over forward
    assert _rel(ad.hessian(fn)(x), ref, rel=1e-11)


def test_third_derivatives_of_the_elementary_functions():
    for name, fn, sym, points, _ in UNARY[:9]:
        d3f = _sympy(sym, order=3)[3]
        for x in points:
            got = ad.grad(ad.grad(ad.grad(fn)))(x)
            assert _rel(got, d3f(x), rel=1e-10), (name, x)


ELEMENTWISE = [(name, fn, sym) for name, fn, sym, _, _ in UNARY[:10]]


@pytest.mark.parametrize("name, fn, sym", ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
def test_unary_on_arrays_is_elementwise(name, fn, sym):
    x = np.array([[0.3, 0.9], [1.1, 2.0]]) * (-1 if name in ("abs", "relu") else 1)
    if name in ("abs", "relu"):
        x[0, 0] = 0.7  # mixed signs, no zero
    f, df, d2f = _sympy(sym)
    assert np.allclose(fn(x), f(x), rtol=1e-13, atol=0)
    g = ad.grad(lambda x: ad.sum(fn(x)))(x)
    assert g.shape == x.shape and np.allclose(g, df(x), rtol=1e-12, atol=1e-14)
    for mode in ("forward", "reverse"):
        jac = ad.jacobian(fn, mode=mode)(x)
        assert jac.shape == (2, 2, 2, 2)
        assert np.allclose(jac.reshape(4, 4), np.diag(df(x).ravel()), rtol=1e-12, atol=1e-14)
    h = ad.grad(lambda x: ad.sum(ad.grad(lambda x: ad.sum(fn(x)))(x)))(x)
    assert np.allclose(h, d2f(x) * np.ones_like(x), rtol=1e-11, atol=1e-13)


# -------------------------------------------------------------------------------- binary

BINARY = [
    ("add", lambda x, y: x + y, lambda x, y: x + y, [(1.5, -2.0)]),
    ("sub", lambda x, y: x - y, lambda x, y: x - y, [(1.5, -2.0)]),
    ("mul", lambda x, y: x * y, lambda x, y: x * y, [(1.5, -2.0), (0.0, 3.0)]),
    ("div", lambda x, y: x / y, lambda x, y: x / y, [(1.5, -2.0), (0.0, 0.5)]),
    ("pow", lambda x, y: x ** y, lambda x, y: x ** y, [(1.5, -2.0), (2.0, 0.5), (0.7, 3.0)]),
    ("maximum", ad.maximum, sp.Max, [(1.5, -2.0), (-1.0, 2.0)]),
    ("minimum", ad.minimum, sp.Min, [(1.5, -2.0), (-1.0, 2.0)]),
    ("np.maximum", np.maximum, sp.Max, [(1.5, -2.0)]),
    ("np.power", np.power, lambda x, y: x ** y, [(1.5, 2.5)]),
    ("np.true_divide", np.true_divide, lambda x, y: x / y, [(1.5, 2.5)]),
    ("np.multiply", np.multiply, lambda x, y: x * y, [(1.5, 2.5)]),
    ("np.subtract", np.subtract, lambda x, y: x - y, [(1.5, 2.5)]),
    ("np.add", np.add, lambda x, y: x + y, [(1.5, 2.5)]),
    ("np.minimum", np.minimum, sp.Min, [(1.5, 2.5)]),
    ("arctan2", ad.arctan2, sp.atan2, [(1.5, -2.0), (-0.7, 0.3), (-1.0, -0.5)]),
    ("np.arctan2", np.arctan2, sp.atan2, [(0.4, 2.5)]),
]
BINARY_PARAMS = [pytest.param(fn, sym, p, id=f"{name}@{p}")
                 for name, fn, sym, points in BINARY for p in points]


@pytest.mark.parametrize("fn, sym, point", BINARY_PARAMS)
def test_binary_partials_forward_reverse_and_hessian(fn, sym, point):
    expr = sym(X, Y)
    subs = {X: point[0], Y: point[1]}
    value = float(expr.evalf(subs=subs))
    grad_ref = [float(sp.diff(expr, v).evalf(subs=subs)) for v in (X, Y)]
    hess_ref = [[float(sp.diff(expr, a, b).evalf(subs=subs)) for b in (X, Y)] for a in (X, Y)]

    assert _rel(float(fn(*point)), value)
    rev = ad.grad(fn, argnums=(0, 1))(*point)
    assert isinstance(rev, tuple) and len(rev) == 2
    fwd = [ad.jvp(fn, point, seed)[1] for seed in ((1.0, 0.0), (0.0, 1.0))]
    for k in range(2):
        assert _rel(rev[k], grad_ref[k]) and _rel(fwd[k], grad_ref[k])
    trace = ad.reverse(fn, point)
    assert _rel(trace.value, value) and all(_rel(g, r) for g, r in zip(trace.grad, grad_ref))
    hess = ad.hessian(lambda v: fn(v[0], v[1]))(np.array(point))
    assert np.allclose(hess, hess_ref, rtol=1e-11, atol=1e-12)
    for a in range(2):
        for b in range(2):
            got = ad.grad(lambda *p: ad.grad(fn, argnums=a)(*p), argnums=b)(*point)
            assert _rel(got, hess_ref[a][b], rel=1e-11)


def test_constants_mix_on_either_side_of_every_operator():
    x = 1.7
    cases = {  # expression -> (value, derivative) by hand
        "3 + x": (lambda x: 3 + x, 1.0), "x + 3": (lambda x: x + 3, 1.0),
        "3 - x": (lambda x: 3 - x, -1.0), "x - 3": (lambda x: x - 3, 1.0),
        "3 * x": (lambda x: 3 * x, 3.0), "x * 3": (lambda x: x * 3, 3.0),
        "3 / x": (lambda x: 3 / x, -3 / x ** 2), "x / 3": (lambda x: x / 3, 1 / 3),
        "3 ** x": (lambda x: 3 ** x, 3 ** x * math.log(3)), "x ** 3": (lambda x: x ** 3, 3 * x * x),
        "int and numpy constants": (lambda x: np.float64(2.0) * x + np.int64(1) - 2 * x * x,
                                    2 - 4 * x),
    }
    for label, (fn, derivative) in cases.items():
        assert ad.grad(fn)(x) == pytest.approx(derivative, rel=1e-14), label
        assert ad.jvp(fn, (x,), (1.0,))[1] == pytest.approx(derivative, rel=1e-14), label


def test_constant_arithmetic_on_an_inactive_traced_value_is_plain():
    # A traced value from a finished trace behaves as a constant when computed with afterwards.
    kept = []
    ad.grad(lambda x: kept.append(x) or x * x)(3.0)
    assert float(ad.sin(kept[0]) * 1.0) == pytest.approx(math.sin(3.0), rel=1e-15)


# -------------------------------------------------------------------------------- conventions

def test_abs_derivative_at_zero_is_zero():
    assert ad.grad(ad.abs)(0.0) == 0.0
    assert ad.jvp(ad.abs, (0.0,), (1.0,))[1] == 0.0
    assert ad.grad(lambda x: abs(x))(0.0) == 0.0
    assert ad.grad(ad.grad(ad.abs))(0.0) == 0.0
    slopes = ad.grad(lambda x: ad.sum(ad.abs(x)))(np.array([-2.0, 0.0, 3.0]))
    assert list(slopes) == [-1.0, 0.0, 1.0]


def test_relu_derivative_at_zero_is_zero():
    assert ad.grad(ad.relu)(0.0) == 0.0
    assert ad.jvp(ad.relu, (0.0,), (1.0,))[1] == 0.0
    assert ad.relu(0.0) == 0.0 and ad.relu(-3.0) == 0.0 and ad.relu(2.0) == 2.0
    slopes = ad.grad(lambda x: ad.sum(ad.relu(x)))(np.array([-2.0, 0.0, 3.0]))
    assert list(slopes) == [0.0, 0.0, 1.0]


@pytest.mark.parametrize("op", [ad.maximum, ad.minimum])
def test_maximum_and_minimum_split_the_derivative_evenly_at_a_tie(op):
    assert ad.grad(op, argnums=(0, 1))(2.0, 2.0) == (0.5, 0.5)
    assert ad.jvp(op, (2.0, 2.0), (1.0, 0.0))[1] == 0.5
    assert ad.jvp(op, (2.0, 2.0), (1.0, 1.0))[1] == 1.0  # max(x, x) = x: slope 1 along the diagonal
    assert ad.grad(lambda x: op(x, x))(2.0) == 1.0
    assert ad.grad(lambda x: op(x, 2.0))(2.0) == 0.5
    gx, gy = ad.grad(lambda x, y: ad.sum(op(x, y)), argnums=(0, 1))(np.array([1.0, 2.0, 3.0]),
                                                                     np.array([3.0, 2.0, 1.0]))
    first = [0.0, 0.5, 1.0] if op is ad.maximum else [1.0, 0.5, 0.0]
    assert list(gx) == first and list(gy) == first[::-1]


def test_power_at_a_zero_base_follows_the_limits():
    """d/dx x⁰ = 0 (x⁰ is the constant 1), d/dy 0^y = 0 for y > 0 (0^y is the constant 0), and so
    the fourth derivative of x³ is 0 at x = 0. autograd (a test-only reference) agrees."""
    import autograd
    cases = [(lambda x: x ** 0, 0.0), (lambda x: x ** 0.0, 0.0), (lambda y: 0.0 ** y, 2.0)]
    for fn, x in cases:
        assert autograd.grad(fn)(x) == 0.0
        assert ad.grad(fn)(x) == 0.0
        assert ad.jvp(fn, (x,), (1.0,))[1] == 0.0
    assert ad.grad(ad.grad(ad.grad(ad.grad(lambda x: x ** 3))))(0.0) == 0.0


def test_scalar_results_are_python_floats():
    """Values are Python floats or numpy arrays (DESIGN.md), also when a constant is an int."""
    for fn in (lambda x: ad.maximum(x, 1), lambda x: ad.minimum(x, 3), lambda x: x * 2,
               lambda x: ad.relu(x) + 1, lambda x: 2 ** x):
        value, slope = ad.value_and_grad(fn)(2.0)
        assert type(value) is float and type(slope) is float, (value, slope)
        assert type(ad.jvp(fn, (2.0,), (1.0,))[1]) is float
    assert type(ad.maximum(2.0, 1)) is float


def test_sigmoid_is_stable_for_large_inputs():
    assert ad.sigmoid(-800.0) == pytest.approx(0.0, abs=1e-300)
    assert ad.sigmoid(800.0) == 1.0
    assert ad.grad(ad.sigmoid)(-800.0) == pytest.approx(0.0, abs=1e-300)
    assert ad.grad(ad.sigmoid)(40.0) == pytest.approx(math.exp(-40.0), rel=1e-9)


# -------------------------------------------------------------------------------- structural

def _check_jacobians(fn, x, rel=1e-8):
    """forward == reverse to rounding, and both == central differences."""
    fwd = ad.jacobian(fn, mode="forward")(x)
    rev = ad.jacobian(fn, mode="reverse")(x)
    ref = numeric_jacobian(lambda v: np.asarray(fn(v), float), x)
    assert fwd.shape == rev.shape == ref.shape
    assert np.allclose(fwd, rev, rtol=1e-13, atol=1e-14)
    assert np.allclose(rev, ref, rtol=rel, atol=1e-8)
    return rev


X23 = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])


@pytest.mark.parametrize("label, fn, shape", [
    ("sum", lambda x: ad.sum(x * x), ()),
    ("sum axis 0", lambda x: ad.sum(x * x, axis=0), (3,)),
    ("sum axis 1 keepdims", lambda x: ad.sum(x ** 3, axis=1, keepdims=True), (2, 1)),
    ("sum axis list", lambda x: ad.sum(ad.sin(x), axis=[0, 1]), ()),
    ("np.sum", lambda x: np.sum(x * x, axis=1), (2,)),
    ("reshape", lambda x: ad.reshape(x * x, (3, 2)), (3, 2)),
    ("np.reshape", lambda x: np.reshape(ad.exp(x), (6,)), (6,)),
    ("getitem int", lambda x: x[1] * x[0], (3,)),
    ("getitem slice", lambda x: x[:, 1:] * 2.0, (2, 2)),
    ("getitem repeated fancy", lambda x: x[0, [0, 0, 2]] * x[1, 0], (3,)),
    ("getitem scalar", lambda x: x[1, 2] * x[0, 0], ()),
    ("iteration", lambda x: ad.stack([row[0] * row[1] for row in x]), (2,)),
    ("stack", lambda x: ad.stack([x[0], x[1] * x[0], ad.sin(x[1])]), (3, 3)),
    ("stack axis 1", lambda x: ad.stack([x[0], x[1]], axis=1), (3, 2)),
    ("np.stack", lambda x: np.stack([x[0] * 2.0, x[1]]), (2, 3)),
    ("broadcast row", lambda x: x * x[0], (2, 3)),
    ("broadcast column", lambda x: x * ad.sum(x, axis=1, keepdims=True), (2, 3)),
    ("broadcast constant array", lambda x: np.array([1.0, 2.0, 3.0]) * x + x[:, :1], (2, 3)),
    ("matrix-vector by hand", lambda x: ad.sum(x * np.array([1.0, -2.0, 0.5]), axis=1), (2,)),
])
def test_structural_and_broadcasting_jacobians(label, fn, shape):
    jac = _check_jacobians(fn, X23)
    assert jac.shape == shape + X23.shape, label


def test_broadcast_scalar_gets_the_summed_adjoint():
    v = np.array([1.0, 2.0, 3.0])
    g = ad.grad(lambda v, s: ad.sum(v * s), argnums=1)(v, 2.0)
    assert g == 6.0
    assert ad.jvp(lambda s: v * s, (2.0,), (1.0,))[1].tolist() == v.tolist()


def test_second_order_through_structural_operations():
    # f(x) = sum_i x_i * x_{(i+1) mod 3} ** 2, Hessian by hand
    def f(x):
        return ad.sum(ad.stack([x[0] * x[1] ** 2, x[1] * x[2] ** 2, x[2] * x[0] ** 2]))
    x = np.array([0.5, -1.0, 2.0])
    a, b, c = x
    ref = np.array([[2 * c, 2 * b, 2 * a], [2 * b, 2 * a, 2 * c], [2 * a, 2 * c, 2 * b]])
    assert np.allclose(ad.hessian(f)(x), ref, rtol=1e-14)
    assert np.allclose(ad.jacobian(ad.grad(f), mode="reverse")(x), ref, rtol=1e-14)


def test_every_primitive_the_engine_issue_lists_is_registered_and_tested_here():
    """The elementwise and structural primitives of issue 2 (array operations: test_arrays.py)."""
    tested = {"add", "sub", "mul", "div", "pow", "neg", "log", "exp", "sin", "cos", "tan", "tanh",
              "sqrt", "abs", "sigmoid", "relu", "maximum", "minimum", "sum", "reshape", "getitem",
              "scatter", "stack", "take"}
    assert tested <= set(ad.PRIMITIVES)
