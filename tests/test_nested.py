"""Nested derivatives: grad of grad, jvp of grad, Hessians, and perturbation confusion.

References are SymPy derivatives and, for perturbation confusion, the mathematics of
Siskind & Pearlmutter (2005), "Perturbation confusion and referential transparency".
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

import adlab as ad
from conftest import SURVEY_POINT, survey_f

x1, x2 = sp.symbols("x1 x2", real=True)
SURVEY_SYM = sp.log(x1) + x1 * x2 - sp.sin(x2)
AT = {x1: SURVEY_POINT[0], x2: SURVEY_POINT[1]}


def sym_hessian(expr, variables, at):
    return np.array([[float(sp.diff(expr, a, b).subs(at)) for b in variables] for a in variables])


def test_hessian_of_the_survey_function_matches_sympy():
    ref = sym_hessian(SURVEY_SYM, (x1, x2), AT)
    h = ad.hessian(lambda v: survey_f(v[0], v[1]))(np.array(SURVEY_POINT))
    assert h.shape == (2, 2)
    assert np.allclose(h, ref, rtol=1e-14, atol=0)
    # the same entries by grad of grad over each pair of arguments
    for a in range(2):
        for b in range(2):
            entry = ad.grad(ad.grad(survey_f, argnums=a), argnums=b)(*SURVEY_POINT)
            assert entry == pytest.approx(ref[a, b], rel=1e-14)


def test_jvp_of_grad_is_a_hessian_vector_product():
    ref = sym_hessian(SURVEY_SYM, (x1, x2), AT)
    g = ad.grad(lambda v: survey_f(v[0], v[1]))
    for u in ([1.0, 0.0], [0.0, 1.0], [0.3, -2.0]):
        _, hv = ad.jvp(g, (np.array(SURVEY_POINT),), (np.array(u),))
        assert np.allclose(hv, ref @ u, rtol=1e-14, atol=1e-15)
    # and with separate scalar arguments, a tuple of argnums
    _, hv = ad.jvp(ad.grad(survey_f, argnums=(0, 1)), SURVEY_POINT, (0.3, -2.0))
    assert np.allclose(hv, ref @ [0.3, -2.0], rtol=1e-14)


def test_hessian_of_rosenbrock_matches_sympy():
    a, b, c = sp.symbols("a b c", real=True)
    expr = (1 - a) ** 2 + 100 * (b - a ** 2) ** 2 + (1 - b) ** 2 + 100 * (c - b ** 2) ** 2

    def rosen(v):
        return ad.sum((1.0 - v[:-1]) ** 2 + 100.0 * (v[1:] - v[:-1] ** 2) ** 2)
    point = np.array([0.3, -1.2, 0.8])
    ref = sym_hessian(expr, (a, b, c), dict(zip((a, b, c), point)))
    assert np.allclose(ad.hessian(rosen)(point), ref, rtol=1e-13, atol=1e-12)
    assert np.allclose(ad.jacobian(ad.grad(rosen), mode="reverse")(point), ref, rtol=1e-13,
                       atol=1e-12)


def test_derivatives_of_sin_cycle():
    x = 0.7
    d = ad.sin
    expected = [math.cos(x), -math.sin(x), -math.cos(x), math.sin(x), math.cos(x)]
    for order, value in enumerate(expected, start=1):
        d = ad.grad(d)
        assert d(x) == pytest.approx(value, rel=1e-14), f"order {order}"


def test_fourth_derivative_of_a_composite_matches_sympy():
    t = sp.Symbol("t", real=True)
    expr = sp.exp(t ** 2) * sp.tanh(t) / (1 + t ** 2)
    ref = float(sp.diff(expr, t, 4).subs(t, 0.4))
    f = lambda t: ad.exp(t ** 2) * ad.tanh(t) / (1 + t ** 2)  # noqa: E731
    assert ad.grad(ad.grad(ad.grad(ad.grad(f))))(0.4) == pytest.approx(ref, rel=1e-11)
    # mixing modes at every level gives the same number
    jvp1 = lambda g: lambda t: ad.jvp(g, (t,), (1.0,))[1]  # noqa: E731
    assert jvp1(ad.grad(jvp1(ad.grad(f))))(0.4) == pytest.approx(ref, rel=1e-11)


def test_mixed_partials_of_three_arguments():
    a, b, c = sp.symbols("a b c", real=True)
    expr = sp.sin(a * b) * sp.exp(c) + a ** 3 * c
    at = {a: 0.4, b: -1.3, c: 0.2}
    f = lambda a, b, c: ad.sin(a * b) * ad.exp(c) + a ** 3 * c  # noqa: E731
    third = ad.grad(ad.grad(ad.grad(f, argnums=0), argnums=1), argnums=2)(0.4, -1.3, 0.2)
    assert third == pytest.approx(float(sp.diff(expr, a, b, c).subs(at)), rel=1e-13)


# ---------------------------------------------------------------- perturbation confusion

def test_perturbation_confusion_reverse_over_reverse():
    """d/dx [x · (d/dy (x + y))(y=1)] at x = 1 is 1; a naive (shared) perturbation gives 2."""
    def f(x):
        inner = ad.grad(lambda y: x + y)(1.0)
        return x * inner
    assert ad.grad(f)(1.0) == 1.0


@pytest.mark.parametrize("outer", ["grad", "jvp"])
@pytest.mark.parametrize("inner", ["grad", "jvp"])
def test_perturbation_confusion_in_every_combination_of_modes(outer, inner):
    def d_inner(g, y):
        return ad.grad(g)(y) if inner == "grad" else ad.jvp(g, (y,), (1.0,))[1]

    def f(x):
        return x * d_inner(lambda y: x + y, 1.0)
    result = ad.grad(f)(1.0) if outer == "grad" else ad.jvp(f, (1.0,), (1.0,))[1]
    assert result == 1.0


def test_inner_derivative_of_a_closure_over_the_outer_variable():
    # d/dy (x·y) = x, so d/dx [x · d/dy (x·y)] = d/dx x² = 2x
    f = lambda x: x * ad.grad(lambda y: x * y)(2.0)  # noqa: E731
    assert ad.grad(f)(3.0) == 6.0
    # the inner function's value (not only its derivative) depends on x
    g = lambda x: ad.value_and_grad(lambda y: x * y * y)(x)[0]  # x·x² = x³  # noqa: E731
    assert ad.grad(g)(2.0) == pytest.approx(12.0, rel=1e-15)


def test_jvp_nested_in_grad_with_a_closure():
    """g(x) = d/dy sin(x·y) at y = x, in direction 1 = x cos(x²); g'(x) = cos x² - 2x² sin x²."""
    def g(x):
        return ad.jvp(lambda y: ad.sin(x * y), (x,), (1.0,))[1]
    x = 0.7
    assert g(x) == pytest.approx(x * math.cos(x * x), rel=1e-15)
    expected = math.cos(x * x) - 2 * x * x * math.sin(x * x)
    assert ad.grad(g)(x) == pytest.approx(expected, rel=1e-14)
    assert ad.jvp(g, (x,), (1.0,))[1] == pytest.approx(expected, rel=1e-14)


def test_vjp_pullback_nested_in_grad():
    def g(x):
        _, pullback = ad.vjp(lambda a, b: a * b * x, x, 2.0)
        return pullback(1.0)[0]  # ∂/∂a (a·b·x) = b·x = 2x
    assert ad.grad(g)(1.5) == 2.0


def test_traces_nest_inside_grad():
    """ad.forward / ad.reverse are differentiable too: d/dx ∂(a²b)/∂a at a = x, b = 3 is 2b = 6."""
    rev = lambda x: ad.reverse(lambda a, b: a * a * b, (x, 3.0)).grad[0]  # noqa: E731
    fwd = lambda x: ad.forward(lambda a, b: a * a * b, (x, 3.0), (1.0, 0.0)).tangent  # noqa: E731
    assert ad.grad(rev)(2.0) == 6.0
    assert ad.grad(fwd)(2.0) == 6.0


def test_a_traced_value_kept_from_a_finished_trace_is_a_constant():
    kept = []

    def f(x):
        kept.append(x)
        return x * x
    ad.grad(f)(3.0)
    # reusing the stale traced value in a new derivative must not leak its old perturbation
    assert ad.grad(lambda y: y * kept[0])(2.0) == 3.0
