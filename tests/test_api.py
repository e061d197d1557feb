"""The JAX/autograd-style API: grad, value_and_grad, jvp, vjp, jacobian, hessian.

Reference Jacobians come from central differences (h = 1e-6, tolerance 1e-7: truncation h²·f'''/6
plus rounding eps/h) and from hand-derived formulas.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import adlab as ad
from conftest import SURVEY_GRAD, SURVEY_POINT, numeric_jacobian, survey_f, survey_f_math


# ---------------------------------------------------------------- grad and argnums

def test_grad_defaults_to_the_first_argument():
    assert ad.grad(survey_f)(*SURVEY_POINT) == pytest.approx(SURVEY_GRAD[0], rel=1e-15)
    assert isinstance(ad.grad(survey_f)(*SURVEY_POINT), float)


@pytest.mark.parametrize("argnums, expected", [
    (0, SURVEY_GRAD[0]), (1, SURVEY_GRAD[1]), (-1, SURVEY_GRAD[1]), (-2, SURVEY_GRAD[0]),
    ((0,), (SURVEY_GRAD[0],)), ((1, 0), (SURVEY_GRAD[1], SURVEY_GRAD[0])),
    ((0, 1), SURVEY_GRAD), ([0, 1], SURVEY_GRAD), ((0, -1), SURVEY_GRAD),
])
def test_argnums_conventions(argnums, expected):
    got = ad.grad(survey_f, argnums=argnums)(*SURVEY_POINT)
    if isinstance(argnums, int):
        assert isinstance(got, float)
    else:
        assert isinstance(got, tuple) and len(got) == len(expected)
    assert got == pytest.approx(expected, rel=1e-15)


def test_value_and_grad():
    value, grads = ad.value_and_grad(survey_f, argnums=(0, 1))(*SURVEY_POINT)
    assert value == pytest.approx(survey_f_math(*SURVEY_POINT), rel=1e-15)
    assert grads == pytest.approx(SURVEY_GRAD, rel=1e-15)
    value, g = ad.value_and_grad(survey_f)(*SURVEY_POINT)
    assert g == pytest.approx(SURVEY_GRAD[0], rel=1e-15)


def test_grad_of_an_array_argument_has_its_shape():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    g = ad.grad(lambda x: ad.sum(x * x * x))(x)
    assert isinstance(g, np.ndarray) and g.shape == (2, 2)
    assert np.array_equal(g, 3 * x * x)


def test_grad_follows_the_nesting_of_its_argument():
    assert ad.grad(lambda p: p[0] * p[1])((2.0, 3.0)) == (3.0, 2.0)
    assert ad.grad(lambda p: p[0] * p[1])([2.0, 3.0]) == [3.0, 2.0]
    assert ad.grad(lambda p: p["a"] * p["b"] ** 2)({"a": 2.0, "b": 3.0}) == {"a": 9.0, "b": 12.0}


def test_integer_arguments_are_accepted_as_floats():
    assert ad.grad(lambda x: x * x)(3) == 6.0
    assert np.array_equal(ad.grad(lambda x: ad.sum(x * x))(np.array([1, 2])), [2.0, 4.0])


def test_a_function_that_ignores_its_argument_has_zero_gradient():
    assert ad.grad(lambda x: 3.0)(1.0) == 0.0
    assert ad.grad(lambda x, y: y * y)(1.0, 2.0) == 0.0
    assert np.array_equal(ad.grad(lambda x: 3.0)(np.ones(2)), [0.0, 0.0])


def test_non_differentiated_arguments_are_plain_values():
    seen = []

    def f(x, n):
        seen.append(type(n))
        return x ** n
    assert ad.grad(f)(2.0, 3) == 12.0
    assert seen == [int]


# ---------------------------------------------------------------- jvp and vjp

def test_jvp_gives_value_and_directional_derivative():
    value, tangent = ad.jvp(survey_f, SURVEY_POINT, (1.0, 0.0))
    assert value == pytest.approx(survey_f_math(*SURVEY_POINT), rel=1e-15)
    assert tangent == pytest.approx(SURVEY_GRAD[0], rel=1e-15)
    _, tangent = ad.jvp(survey_f, SURVEY_POINT, (0.3, -2.0))
    assert tangent == pytest.approx(0.3 * SURVEY_GRAD[0] - 2.0 * SURVEY_GRAD[1], rel=1e-14)


def test_jvp_with_arrays_and_vector_outputs():
    x = np.array([1.0, 2.0, 3.0])
    u = np.array([0.5, 0.0, -1.0])
    y, ydot = ad.jvp(lambda x: ad.sin(x) * x[0], (x,), (u,))
    jac = np.diag(np.cos(x)) * x[0]
    jac[:, 0] += np.sin(x)
    assert np.allclose(y, np.sin(x)) and np.allclose(ydot, jac @ u, rtol=1e-14)
    y, ydot = ad.jvp(lambda a, b: (a * b, a + b), (2.0, 3.0), (1.0, 1.0))
    assert y == (6.0, 5.0) and ydot == (5.0, 2.0)


def test_vjp_pullback():
    y, pullback = ad.vjp(survey_f, *SURVEY_POINT)
    assert y == pytest.approx(survey_f_math(*SURVEY_POINT), rel=1e-15)
    assert pullback(1.0) == pytest.approx(SURVEY_GRAD, rel=1e-15)
    assert pullback(2.0) == pytest.approx(tuple(2 * g for g in SURVEY_GRAD), rel=1e-15)
    # a vector output: the pullback of each unit cotangent is a row of the Jacobian
    y, pullback = ad.vjp(lambda a, b: (a * b, a + b, ad.exp(a)), 2.0, 3.0)
    assert pullback((1.0, 0.0, 0.0)) == (3.0, 2.0)
    assert pullback((0.0, 1.0, 0.0)) == (1.0, 1.0)
    assert pullback((0.0, 0.0, 1.0)) == (pytest.approx(math.exp(2.0), rel=1e-15), 0.0)
    # pullbacks can be called again: the recording is reused, not consumed
    assert pullback((1.0, 0.0, 0.0)) == (3.0, 2.0)


def test_vjp_with_an_array():
    x = np.array([1.0, 2.0])
    y, pullback = ad.vjp(lambda x: x * x, x)
    (g,) = pullback(np.array([1.0, -1.0]))
    assert np.array_equal(g, [2.0, -4.0])


# ---------------------------------------------------------------- jacobian

def g_list(x):
    return [x[0] * x[1], ad.sin(x[0]) + x[2] ** 2, ad.exp(x[1] * x[2])]


def g_scalar(x):
    return x[0] * ad.log(x[1]) + ad.tanh(x[2])


def g_array(x):
    return ad.sin(x) * ad.sum(x * x)


def g_matrix(x):
    return ad.reshape(x, (2, 3)) * x[0]


def g_tuple(x):
    return (x[0] * x[2], x[1] - x[0])


@pytest.mark.parametrize("g, out_shape", [(g_list, (3,)), (g_scalar, ()), (g_array, (6,)),
                                          (g_matrix, (2, 3)), (g_tuple, (2,))],
                         ids=["list", "scalar", "array", "matrix", "tuple"])
def test_jacobian_forward_equals_reverse_equals_finite_differences(g, out_shape):
    x = np.array([0.7, 1.3, -0.4, 0.2, 0.9, -1.1]) if g in (g_array, g_matrix) else \
        np.array([0.7, 1.3, -0.4])
    fwd = ad.jacobian(g, mode="forward")(x)
    rev = ad.jacobian(g, mode="reverse")(x)
    ref = numeric_jacobian(lambda v: np.asarray(g(v), float), x)  # g on plain arrays: no tracing
    assert isinstance(fwd, np.ndarray) and isinstance(rev, np.ndarray)
    assert fwd.shape == rev.shape == out_shape + x.shape   # JAX: output shape + input shape
    assert np.allclose(fwd, rev, rtol=1e-14, atol=1e-15)
    assert np.allclose(rev, ref, rtol=1e-7, atol=1e-8)


def test_jacobian_default_mode_is_reverse_and_matches_by_hand():
    x = np.array([0.7, 1.3, -0.4])
    a, b, c = x
    by_hand = np.array([[b, a, 0.0], [math.cos(a), 0.0, 2 * c],
                        [0.0, c * math.exp(b * c), b * math.exp(b * c)]])
    assert np.allclose(ad.jacobian(g_list)(x), by_hand, rtol=1e-15)


def test_jacobian_of_a_scalar_function_of_a_scalar():
    assert ad.jacobian(lambda x: x ** 3)(2.0) == 12.0
    assert ad.jacobian(lambda x: x ** 3, mode="forward")(2.0) == 12.0


def test_jacobian_with_argnums():
    def f(a, x):
        return ad.stack([a * x[0], x[1] ** 2])
    jac = ad.jacobian(f, argnums=1)(2.0, np.array([3.0, 4.0]))
    assert np.array_equal(jac, [[2.0, 0.0], [0.0, 8.0]])
    assert np.array_equal(ad.jacobian(f, argnums=0, mode="forward")(2.0, np.array([3.0, 4.0])),
                          [3.0, 0.0])


def test_jacobian_of_a_matrix_input():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    jac = ad.jacobian(lambda x: ad.sum(x * x, axis=0))(x)
    assert jac.shape == (2, 2, 2)
    ref = numeric_jacobian(lambda v: np.sum(v * v, axis=0), x)
    assert np.allclose(jac, ref, rtol=1e-8)


# ---------------------------------------------------------------- hessian

def test_hessian_by_hand():
    def f(v):
        return v[0] ** 2 * v[1] + ad.exp(v[0] * v[1])
    x, y = 0.5, -1.2
    e = math.exp(x * y)
    ref = np.array([[2 * y + y * y * e, 2 * x + e + x * y * e],
                    [2 * x + e + x * y * e, x * x * e]])
    h = ad.hessian(f)(np.array([x, y]))
    assert h.shape == (2, 2)
    assert np.allclose(h, ref, rtol=1e-14)
    assert np.allclose(h, h.T, rtol=0, atol=1e-15)


def test_hessian_of_a_scalar_function_of_a_scalar():
    assert ad.hessian(lambda x: x ** 4)(2.0) == 48.0


def test_transformations_keep_readable_names():
    assert "survey_f" in ad.grad(survey_f).__name__
    assert "survey_f" in ad.jacobian(survey_f).__name__


def test_every_primitive_documents_itself_from_the_table():
    """`ad.relu?` in a notebook: the docstring is written from the table, conventions included."""
    import inspect
    for prim in ad.PRIMITIVES.values():
        doc = inspect.getdoc(prim)
        assert doc and repr(prim.name) in doc, prim.name
    assert "∂/∂x = 1/x" in inspect.getdoc(ad.log)
    assert "log needs a positive input" in inspect.getdoc(ad.log)
    assert "relu'(0) is taken to be 0" in inspect.getdoc(ad.relu)
    assert "abs'(0) is taken to be 0" in inspect.getdoc(ad.abs)
    assert "half of the derivative" in inspect.getdoc(ad.maximum)


# ---------------------------------------------------------------- counting sweeps

def test_count_sweeps_counts_one_sweep_per_column_or_row():
    def f(x):  # R^4 -> R^2
        return ad.stack([ad.sum(x * x), x[0] * x[3]])
    x = np.array([1.0, 2.0, 3.0, 4.0])
    with ad.count_sweeps() as forward:
        ad.jacobian(f, mode="forward")(x)
    with ad.count_sweeps() as reverse:
        ad.jacobian(f, mode="reverse")(x)
    assert (forward.tangent, forward.adjoint) == (4, 0)
    assert (reverse.tangent, reverse.adjoint) == (0, 2)


def test_count_sweeps_one_adjoint_sweep_for_a_gradient_whatever_n():
    for n in (2, 10, 100):
        with ad.count_sweeps() as count:
            ad.grad(lambda x: ad.sum(ad.sin(x)))(np.ones(n))
        assert (count.tangent, count.adjoint) == (0, 1)


def test_count_sweeps_ignores_rows_and_cost_but_counts_nesting():
    with ad.count_sweeps() as count:
        trace = ad.reverse(survey_f, SURVEY_POINT)
        trace.rows, trace.cost            # re-runs for the table and the operation count
        ad.forward(survey_f, SURVEY_POINT, (1.0, 0.0)).cost
    assert (count.tangent, count.adjoint) == (1, 1)
    with ad.count_sweeps() as outer:
        with ad.count_sweeps() as inner:
            ad.grad(ad.grad(lambda x: x ** 3))(2.0)
        ad.jvp(lambda x: x * x, (1.0,), (1.0,))
    assert (inner.tangent, inner.adjoint) == (0, 2)
    assert (outer.tangent, outer.adjoint) == (1, 2)
    assert repr(outer) == "SweepCount(tangent=1, adjoint=2)"


def test_jacobian_of_plain_arrays_is_assembled_by_numpy_not_element_by_element(monkeypatch):
    """Each row (column) of a Jacobian of plain arrays is concatenated by numpy: forming a 300×300
    Jacobian must not stack 90,000 numbers one by one (n = 2000 took 10 s instead of 1 s)."""
    import adlab.engine.transforms as api
    calls = []
    real_stack = api.stack

    def counting_stack(xs, axis=0):
        calls.append(len(xs))
        return real_stack(xs, axis)
    monkeypatch.setattr(api, "stack", counting_stack)
    x = np.linspace(-2.0, 2.0, 300)
    for mode in ("reverse", "forward"):
        calls.clear()
        jac = ad.jacobian(lambda v: ad.tanh(v) * v, mode=mode)(x)
        assert calls == [300], calls                  # one stack of the 300 rows (columns)
        exact = np.tanh(x) + x * (1 - np.tanh(x) ** 2)
        assert np.allclose(jac, np.diag(exact), rtol=1e-14, atol=0)
