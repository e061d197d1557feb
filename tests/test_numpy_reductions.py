"""Reductions and scans -- prod, cumsum, cumprod, var, std, average -- with numpy's axis and
keepdims, against (test-only) HIPS autograd and central differences; products with zeros against
the products of the other factors written out by hand; forward against reverse, second order,
the errors, and how their rows read.

autograd lacks some of these (cumprod, average, prod over several axes, prod at zeros: it
divides by x): there the reference is the same mathematics written with what autograd has
(running products as a loop of multiplications, sum(a w) / sum(w), one axis at a time).
"""
from __future__ import annotations

import itertools
import re

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from test_arrays import _data, check
from test_rows_structural import _assert_latex_well_formed

import adlab as ad

rng = np.random.default_rng(31)

AXES = [None, 0, 1, -1, (0, 2), (-1, 0)]
SHAPE = (2, 3, 4)


def _weights(shape):
    return rng.normal(size=shape) if shape else 0.7


# ---------------------------------------------------------------- prod

def _reference_prod(M, x, axis, keepdims):
    """autograd's prod, one axis at a time (its own takes one axis)."""
    if axis is None or isinstance(axis, int):
        return M.prod(x, axis=axis, keepdims=keepdims)
    for a in sorted((a % np.ndim(x) for a in axis), reverse=True):
        x = M.prod(x, axis=a, keepdims=keepdims)
    return x


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=str)
def test_prod_with_axis_and_keepdims(axis, keepdims):
    x = _data(SHAPE, 0.5, 1.5) * rng.choice([-1.0, 1.0], size=SHAPE)
    w = _weights(np.shape(np.prod(x, axis=axis, keepdims=keepdims)))
    check(lambda x: np.sum(np.prod(x, axis=axis, keepdims=keepdims) * w),
          lambda x: anp.sum(_reference_prod(anp, x, axis, keepdims) * w), (x,))
    assert np.allclose(ad.prod(x, axis, keepdims), np.prod(x, axis=axis, keepdims=keepdims))


@pytest.mark.parametrize("shape", [(), (1,), (5,), (3, 1)], ids=str)
def test_prod_of_small_shapes(shape):
    x = _data(shape, 0.5, 1.5)
    check(lambda x: np.prod(x) ** 2.0, lambda x: anp.prod(x) ** 2.0, (x,))
    check(lambda x: x.prod() * 3.0, lambda x: anp.prod(x) * 3.0, (x,))


def _others_by_hand(x, axis):
    """∂prod/∂x by its definition: for each element, the product of the rest of its slice."""
    x = np.asarray(x)
    axes = tuple(range(x.ndim)) if axis is None else ((axis,) if isinstance(axis, int) else axis)
    axes = tuple(a % x.ndim for a in axes)
    out = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        others = 1.0
        for j in np.ndindex(x.shape):
            same_slice = all(j[d] == index[d] for d in range(x.ndim) if d not in axes)
            if same_slice and j != index:
                others *= x[j]
        out[index] = others
    return out


ZEROS = np.array([[[2.0, 0.0, 3.0, -1.0], [0.0, 0.0, 5.0, 2.0], [4.0, -2.0, 1.0, 3.0]],
                  [[0.0, 1.0, 1.0, 2.0], [3.0, 2.0, 0.0, 0.0], [1.0, 0.0, -3.0, 2.0]]])


@pytest.mark.parametrize("axis", AXES, ids=str)
def test_prod_derivative_with_zeros_is_the_product_of_the_others_exactly(axis):
    """One zero in a slice: the others' product at the zero, 0 elsewhere; two zeros: all 0.
    Integer values, so every product is exact: the comparison is equality, no tolerance."""
    g = ad.grad(lambda x: np.sum(np.prod(x, axis=axis)))(ZEROS)
    assert np.array_equal(g, _others_by_hand(ZEROS, axis))
    assert np.all(np.isfinite(g))
    forward = ad.jacobian(lambda x: np.prod(x, axis=axis), mode="forward")(ZEROS)
    reverse = ad.jacobian(lambda x: np.prod(x, axis=axis), mode="reverse")(ZEROS)
    assert np.array_equal(forward, reverse)


def test_prod_second_derivative_with_zeros_is_exact():
    """∂²prod/∂xi∂xj is the product of the factors other than xi and xj (0 for i = j)."""
    for x in (np.array([2.0, 0.0, 3.0, 4.0]), np.array([2.0, 0.0, 3.0, 0.0, 5.0]),
              np.array([0.0, 0.0, 0.0]), np.array([1.5, -2.0, 3.0])):
        by_hand = np.zeros((x.size, x.size))
        for i, j in itertools.permutations(range(x.size), 2):
            by_hand[i, j] = np.prod(np.delete(x, [i, j]))
        assert np.array_equal(ad.hessian(lambda x: np.prod(x))(x), by_hand)
    x = _data((2, 3), 0.5, 1.5)
    w = rng.normal(size=2)
    assert np.allclose(ad.hessian(lambda x: np.sum(np.prod(x, axis=1) * w))(x),
                       autograd.hessian(lambda x: anp.sum(anp.prod(x, axis=1) * w))(x), rtol=1e-10)


def test_prod_initial_and_the_method():
    x = _data((2, 3), 0.5, 1.5)
    check(lambda x: np.sum(np.prod(x, axis=0, initial=2.5)),
          lambda x: anp.sum(anp.prod(x, axis=0) * 2.5), (x,))
    check(lambda x: np.sum(x.prod(axis=1, keepdims=True)),
          lambda x: anp.sum(anp.prod(x, axis=1, keepdims=True)), (x,))
    check(lambda x: np.sum(np.prod(x, axis=0, where=True)),  # numpy's default, said out loud
          lambda x: anp.sum(anp.prod(x, axis=0)), (x,))


# ---------------------------------------------------------------- cumsum

SCAN_CASES = [((5,), None), ((5,), 0), ((5,), -1), (SHAPE, None), (SHAPE, 0), (SHAPE, 1),
              (SHAPE, -1), ((), None), ((), 0), ((), -1), ((1,), 0), ((3, 1), 1)]


@pytest.mark.parametrize("shape, axis", SCAN_CASES, ids=str)
def test_cumsum(shape, axis):
    x = _data(shape)
    w = _weights(np.shape(np.cumsum(x, axis=axis)))
    check(lambda x: np.sum(np.sin(np.cumsum(x, axis=axis)) * w),
          lambda x: anp.sum(anp.sin(anp.cumsum(x if shape else anp.reshape(x, (1,)), axis=axis))
                            * w), (x,))  # autograd's cumsum takes no number
    assert np.array_equal(ad.cumsum(x, axis), np.cumsum(x, axis=axis))


def test_cumsum_second_order_and_jacobians():
    x = _data((3, 4))
    assert np.allclose(ad.hessian(lambda x: np.sum(np.cumsum(x, axis=1) ** 3.0))(x.ravel()
                                                                             .reshape(3, 4)),
                       autograd.hessian(lambda x: anp.sum(anp.cumsum(x, axis=1) ** 3.0))(x),
                       rtol=1e-10)
    f = lambda x: np.cumsum(np.reshape(x, (3, 4)), axis=0)  # noqa: E731
    z = x.ravel()
    assert np.array_equal(ad.jacobian(f, mode="forward")(z), ad.jacobian(f, mode="reverse")(z))
    assert x.cumsum(axis=0).shape == (3, 4)


# ---------------------------------------------------------------- cumprod

def _reference_cumprod(M, x, axis):
    """Running products as a loop of multiplications (autograd has no rule for cumprod)."""
    if axis is None:
        x, axis = M.ravel(x), 0
    moved = M.moveaxis(x, axis, 0)
    running = [moved[0]]
    for i in range(1, moved.shape[0]):
        running.append(running[-1] * moved[i])
    return M.moveaxis(M.stack(running), 0, axis)


@pytest.mark.parametrize("shape, axis", SCAN_CASES, ids=str)
def test_cumprod(shape, axis):
    x = _data(shape, 0.5, 1.5) * (rng.choice([-1.0, 1.0], size=shape) if shape else -1.0)
    w = _weights(np.shape(np.cumprod(x, axis=axis)))
    check(lambda x: np.sum(np.sin(np.cumprod(x, axis=axis)) * w),
          lambda x: anp.sum(anp.sin(_reference_cumprod(anp, x if shape else anp.reshape(x, (1,)),
                                                       axis)) * w), (x,))
    assert np.allclose(ad.cumprod(x, axis), np.cumprod(x, axis=axis), rtol=1e-15)


@pytest.mark.parametrize("axis", [None, 0, 1, 2, -1], ids=str)
def test_cumprod_with_zeros_is_exact(axis):
    """Running products through zeros, exactly: autograd's loop of multiplications is the
    reference, and the integer values make every product exact (equality, no tolerance)."""
    w = np.arange(1.0, ZEROS.size + 1).reshape(-1) if axis is None else (
        np.arange(1.0, ZEROS.size + 1).reshape(SHAPE))
    g = ad.grad(lambda x: np.sum(np.cumprod(x, axis=axis) * w))(ZEROS)
    expected = autograd.grad(lambda x: anp.sum(_reference_cumprod(anp, x, axis) * w))(ZEROS)
    assert np.array_equal(g, expected)
    forward = ad.jacobian(lambda x: np.cumprod(x, axis=axis), mode="forward")(ZEROS)
    reverse = ad.jacobian(lambda x: np.cumprod(x, axis=axis), mode="reverse")(ZEROS)
    assert np.array_equal(forward, reverse)


@pytest.mark.filterwarnings("ignore:Output seems independent of input")  # autograd, n = 1
@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 9])
def test_cumprod_second_order_with_zeros(n):
    """Every length the doubling steps meet (powers of two and one past), zeros included."""
    x = np.arange(1.0, n + 1) * np.array([1.0, -1.0])[np.arange(n) % 2]
    x[n // 2] = 0.0
    w = np.arange(2.0, n + 2)  # integers: every product is exact (equality, no tolerance)
    ours = ad.hessian(lambda x: np.sum(np.cumprod(x) * w))(x)
    theirs = autograd.hessian(lambda x: anp.sum(_reference_cumprod(anp, x, 0) * w))(x)
    assert np.array_equal(ours, theirs)
    y = _data((n,), 0.5, 1.5)  # and a smooth one, through sin
    reference = autograd.hessian(lambda x: anp.sum(anp.sin(_reference_cumprod(anp, x, 0))))
    assert np.allclose(ad.hessian(lambda x: np.sum(np.sin(np.cumprod(x))))(y), reference(y),
                       rtol=1e-10, atol=1e-13)


# ---------------------------------------------------------------- var and std

MOMENT_AXES = [None, 0, -1, (0, 2)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("ddof", [0, 1])
@pytest.mark.parametrize("axis", MOMENT_AXES, ids=str)
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_and_std(name, axis, ddof, keepdims):
    x = _data(SHAPE)
    w = _weights(np.shape(np.var(x, axis=axis, keepdims=keepdims)))
    check(lambda x: np.sum(getattr(np, name)(x, axis=axis, ddof=ddof, keepdims=keepdims) * w),
          lambda x: anp.sum(getattr(anp, name)(x, axis=axis, ddof=ddof, keepdims=keepdims) * w),
          (x,))
    own = {"var": ad.var, "std": ad.std}[name]
    assert np.allclose(own(x, axis, ddof, keepdims),
                       getattr(np, name)(x, axis=axis, ddof=ddof, keepdims=keepdims), rtol=1e-14)


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_and_std_second_order_jacobians_and_methods(name):
    x = _data((3, 4))
    for axis in (None, 1):
        assert np.allclose(
            ad.hessian(lambda x: np.sum(getattr(np, name)(x, axis=axis, ddof=1) ** 2.0))(x),
            autograd.hessian(lambda x: anp.sum(getattr(anp, name)(x, axis=axis, ddof=1) ** 2.0))(x),
            rtol=1e-9, atol=1e-12)
    f = lambda x: getattr(np, name)(x, axis=0)  # noqa: E731
    assert np.allclose(ad.jacobian(f, mode="forward")(x), ad.jacobian(f, mode="reverse")(x),
                       rtol=1e-13, atol=1e-15)
    check(lambda x: getattr(x, name)() + np.sum(getattr(x, name)(axis=0, ddof=1)),
          lambda x: getattr(anp, name)(x) + anp.sum(getattr(anp, name)(x, axis=0, ddof=1)), (x,))
    check(lambda x: np.sum(getattr(np, name)(x, axis=1, correction=1)),
          lambda x: anp.sum(getattr(anp, name)(x, axis=1, ddof=1)), (x,))


def test_std_of_a_constant_slice_has_no_derivative_and_the_error_names_the_node():
    x = np.array([[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]])
    assert np.allclose(ad.std(x, axis=1), np.std(x, axis=1))  # the value exists
    for mode in ("reverse", "forward"):
        with pytest.raises(ad.DerivativeError, match=r"the derivative of v1 = std\(v0, axis=1\) "
                                                     r"with v0 = .* does not exist .*constant"):
            ad.jacobian(lambda x: np.std(x, axis=1), mode=mode)(x)
    g = ad.grad(lambda x: np.sum(np.std(x, axis=1)))(x[1:])  # no constant slice: fine
    assert np.allclose(g, autograd.grad(lambda x: anp.sum(anp.std(x, axis=1)))(x[1:]))
    assert np.allclose(ad.grad(lambda x: np.sum(np.var(x, axis=1)))(x),  # var is smooth there
                       autograd.grad(lambda x: anp.sum(anp.var(x, axis=1)))(x))


# ---------------------------------------------------------------- average

AVERAGES = {  # name -> (axis, shape of the weights or None)
    "no weights": (None, None),
    "no weights, axis": (1, None),
    "weights of the array's shape": (None, SHAPE),
    "weights of the array's shape, axis": (-1, SHAPE),
    "weights along one axis": (1, (3,)),
    "weights along a negative axis": (-1, (4,)),
    "weights along two axes": ((2, 0), (4, 2)),  # numpy orders them as the axes are named
}


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name", list(AVERAGES))
def test_average_with_traced_weights(name, keepdims):
    axis, w_shape = AVERAGES[name]
    x = _data(SHAPE)
    out_shape = np.shape(np.average(x, axis=axis, keepdims=keepdims))
    c = _weights(out_shape)

    def reference(x, w=None):
        if w is None:
            return anp.sum(anp.mean(x, axis=axis, keepdims=keepdims) * c)
        if w.shape != SHAPE:  # along the axes: put them where they broadcast
            axes = (axis,) if isinstance(axis, int) else axis
            order = np.argsort([a % 3 for a in axes])
            w = anp.reshape(anp.transpose(w, order), tuple(
                n if i in {a % 3 for a in axes} else 1 for i, n in enumerate(SHAPE)))
        average = (anp.sum(x * w, axis=axis, keepdims=keepdims)
                   / anp.sum(w * np.ones(SHAPE), axis=axis, keepdims=keepdims))
        return anp.sum(average * c)
    if w_shape is None:
        check(lambda x: np.sum(np.average(x, axis=axis, keepdims=keepdims) * c), reference, (x,))
        return
    w = _data(w_shape, 0.5, 1.5)
    check(lambda x, w: np.sum(np.average(x, axis=axis, weights=w, keepdims=keepdims) * c),
          reference, (x, w))
    assert np.allclose(ad.average(x, axis, w, keepdims=keepdims),
                       np.average(x, axis=axis, weights=w, keepdims=keepdims), rtol=1e-14)


@pytest.mark.parametrize("axis, w_shape", [(None, None), (1, None), (1, (3,)), (None, SHAPE),
                                           ((0, 2), (2, 4))], ids=str)
def test_average_returned_is_numpys(axis, w_shape):
    x = _data(SHAPE)
    w = None if w_shape is None else _data(w_shape, 0.5, 1.5)
    ours = ad.average(x, axis=axis, weights=w, returned=True)
    expected = np.average(x, axis=axis, weights=w, returned=True)
    for a, e in zip(ours, expected):
        assert np.shape(a) == np.shape(e) and np.allclose(a, e, rtol=1e-14)
    if w is not None:  # the sum of the weights is traced too
        g = ad.grad(lambda w: np.sum(np.average(x, axis=axis, weights=w, returned=True)[1]))(w)
        # each weight is in the sum of every average its axes reach: all of them, or one
        reached = np.size(expected[0]) if w.shape != SHAPE else 1.0
        assert np.array_equal(g, np.full(w.shape, reached))


def test_average_jacobians_and_rows():
    x, w = _data((3, 4)), _data((4,), 0.5, 1.5)

    def f(w):
        return np.average(x, axis=1, weights=w)
    assert np.allclose(ad.jacobian(f, mode="forward")(w), ad.jacobian(f, mode="reverse")(w),
                       rtol=1e-13, atol=1e-15)
    # composed of entries: the rows say what it computes, sum(a × w) / sum(w)
    rows = ad.reverse(lambda x, w: np.sum(np.average(x, axis=1, weights=w)), (x, w)).primal_rows
    assert [r.op for r in rows[2:7]] == ["reshape", "sum", "mul", "sum", "div"]
    assert [r.formula for r in rows[4:7]] == ["v3 = v-1 × v1", "v4 = sum(v3)", "v5 = v4 / v2"]


def test_average_second_order():
    x, w = _data((3, 4)), _data((4,), 0.5, 1.5)
    z = np.concatenate([x.ravel(), w])

    def f(M):
        return lambda z: M.sum(M.sin(M.sum(z[:12].reshape(3, 4) * z[12:], axis=1) / M.sum(z[12:])))
    ours = ad.hessian(lambda z: np.sum(np.sin(np.average(z[:12].reshape(3, 4), axis=1,
                                                         weights=z[12:]))))(z)
    assert np.allclose(ours, autograd.hessian(f(anp))(z), rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------- errors

def test_clear_errors_for_arguments_numpy_has_and_adlab_does_not():
    x = np.ones((2, 3))
    cases = [
        (lambda x: np.prod(x, where=x > 0), r"numpy.prod with arguments \['where'\] .*x\[mask\]"),
        (lambda x: np.cumsum(x, out=np.empty(6)), r"numpy.cumsum with arguments \['out'\]"),
        (lambda x: np.var(x, dtype=np.float32), r"numpy.var with arguments \['dtype'\]"),
        (lambda x: np.std(x, mean=np.mean(x)), r"numpy.std with arguments \['mean'\]"),
    ]
    for call, message in cases:
        with pytest.raises(ad.UnsupportedOperationError, match=message):
            ad.grad(lambda x: np.sum(call(x)))(x)
    inputs = [
        (lambda x: np.cumsum(x, axis=(0, 1)), r"cumsum: axis=\(0, 1\) must be None or one axis"),
        (lambda x: np.prod(x, axis=2), r"prod: axis=2 does not name an axis .* from -2 to 1"),
        (lambda x: np.var(x, axis=(0, -2)), r"var: axis=\(0, -2\) names an axis twice"),
        (lambda x: np.var(x, axis=1, ddof=3), r"var: the slices along axis=1 have 3 element\(s\), "
                                              r"and ddof=3 leaves 0 degrees of freedom"),
        (lambda x: np.std(x, ddof="1"), r"ddof='1' must be a number"),
        (lambda x: np.average(x, axis=0, weights=np.ones(3)),
         r"weights of shape \(3,\) must have the shape of the array, \(2, 3\), or its shape "
         r"along axis 0, \(2,\)"),
    ]
    for call, message in inputs:
        with pytest.raises(ad.InputError, match=message):
            ad.grad(lambda x: np.sum(call(x)))(x)
    with pytest.raises(ad.InputError, match="average: complex numbers are out of scope"):
        ad.grad(lambda x: np.sum(np.average(x, weights=np.ones((2, 3)) * 1j)))(x)
    with pytest.raises(ad.DomainError, match="the weights sum to zero"):
        ad.grad(lambda x: np.sum(np.average(x, axis=1, weights=np.array([1.0, -1.0, 0.0]))))(x)


# ---------------------------------------------------------------- rows

def _rows(f, x):
    trace = ad.forward(f, (x,), (np.ones_like(x),))
    return trace, str(ad.reverse(lambda x: np.sum(f(x)), (x,)))


def test_rows_read_like_the_calls():
    x = _data((2, 3))
    expected = {
        lambda x: np.prod(x, axis=0): ("v1 = prod(v0, axis=0)",
                                       "v̇1 = Σᵢ v̇0[i] ∏ⱼ≠ᵢ v0[j], axis=0"),
        lambda x: np.prod(x, axis=(0, -1), keepdims=True): (
            "v1 = prod(v0, axis=(0, -1), keepdims=True)", None),
        lambda x: np.cumsum(x, axis=-1): ("v1 = cumsum(v0, axis=-1)", "v̇1 = cumsum(v̇0, axis=-1)"),
        lambda x: np.cumprod(x, axis=1): ("v1 = cumprod(v0, axis=1)",
                                          "v̇1 = Σⱼ≤ᵢ v̇0[j] ∏ₗ≤ᵢ,ₗ≠ⱼ v0[l], axis=1"),
        lambda x: np.var(x, axis=1, ddof=1): (
            "v1 = var(v0, axis=1, ddof=1)",
            "v̇1 = 2 × sum((v0 - mean(v0)) × v̇0, axis=1) / (n - 1)"),
        lambda x: np.std(x): ("v1 = std(v0)", "v̇1 = mean((v0 - mean(v0)) × v̇0) / std(v0)"),
    }
    for f, (primal, tangent) in expected.items():
        trace, printed = _rows(f, x)
        assert primal in printed, printed
        row = [r for r in trace.tangent_rows if r.node == 1][0]
        if tangent is not None:
            assert row.formula == tangent
        for r in trace.primal_rows + trace.tangent_rows:
            _assert_latex_well_formed(r.latex)


def test_the_adjoint_of_cumsum_is_revcumsum_in_a_second_order_trace():
    """grad inside a traced function runs cumsum's adjoint on traced values: the outer trace
    records it as the running sum from the end."""
    x = _data((4,))
    trace = ad.reverse(lambda x: np.sum(ad.grad(lambda z: np.sum(np.cumsum(z) ** 2.0))(x)), (x,))
    formulas = [r.formula for r in trace.primal_rows]
    assert "v1 = cumsum(v0)" in formulas
    assert any(re.fullmatch(r"v\d+ = revcumsum\(v\d+\)", f) for f in formulas), formulas
    expected = autograd.grad(lambda x: anp.sum(autograd.grad(
        lambda z: anp.sum(anp.cumsum(z) ** 2.0))(x)))(x)
    assert np.allclose(trace.grad, expected)
