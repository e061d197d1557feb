"""Shapes, assembly, indexing and sorting (adlab/engine/shapes.py) against (test-only) HIPS autograd
and central differences.

Each case is written once against a numpy-like module ``M``: adlab runs it with plain ``numpy``
(traced values come to adlab's rules), autograd with ``autograd.numpy``. Reference values never
come from adlab: autograd, central differences, or numbers worked out by hand in a comment.
"""
from __future__ import annotations

import re

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from conftest import numeric_jacobian
from test_rows_structural import _assert_latex_well_formed

import adlab as ad
from adlab.engine import fast, shapes, sweeps
from adlab.engine.primitives import _scatter_impl, picks_twice
from adlab.engine.recording import record
from adlab.engine.tape import PRIMITIVES, strict_begin, strict_end

rng = np.random.default_rng(13)


def _data(shape):
    """Distinct values (no ties: sort is differentiable there), none near zero."""
    size = int(np.prod(shape))
    values = rng.permutation(np.linspace(0.3, 2.5, size)) * rng.choice([-1.0, 1.0], size)
    return values.reshape(shape) if shape else float(values[0])


MASK = np.array([[True, False, True], [False, False, True]])

#: name -> (the operation, written against a numpy-like module M; the input's shape)
OPS = {
    # copies: the adjoint sums over the copies
    "repeat int axis 1": (lambda M, x: M.repeat(x, 2, axis=1), (2, 3)),
    "repeat counts": (lambda M, x: M.repeat(x, [1, 0, 3], axis=1), (2, 3)),
    "repeat counts negative axis": (lambda M, x: M.repeat(x, [2, 1], axis=-2), (2, 3)),
    "repeat flattened": (lambda M, x: M.repeat(x, 2), (2, 3)),
    "repeat one count in a list": (lambda M, x: M.repeat(x, [3], axis=0), (2,)),
    "repeat 3-d": (lambda M, x: M.repeat(x, [1, 2], axis=2), (2, 1, 2)),
    "repeat number": (lambda M, x: M.repeat(x, 3), ()),
    "tile": (lambda M, x: M.tile(x, (2, 1)), (2, 3)),
    "tile one count": (lambda M, x: M.tile(x, 2), (2, 3)),
    "tile more reps than axes": (lambda M, x: M.tile(x, (2, 1, 2)), (3,)),
    "tile number": (lambda M, x: M.tile(x, (2, 2)), ()),
    "broadcast_to new axes": (lambda M, x: M.broadcast_to(x, (2, 2, 3)), (2, 3)),
    "broadcast_to ones": (lambda M, x: M.broadcast_to(x, (2, 3, 4)), (3, 1)),
    "broadcast_to number": (lambda M, x: M.broadcast_to(x, (2, 3)), ()),
    # rearrangements: the adjoint goes back where each element came from
    "flip all": (lambda M, x: M.flip(x), (2, 3)),
    "flip axis 0": (lambda M, x: M.flip(x, 0), (2, 3)),
    "flip axes": (lambda M, x: M.flip(x, (0, -1)), (2, 2, 3)),
    "flip vector": (lambda M, x: M.flip(x), (4,)),
    "fliplr": (lambda M, x: M.fliplr(x), (2, 3)),
    "flipud": (lambda M, x: M.flipud(x), (3, 2)),
    "rot90": (lambda M, x: M.rot90(x), (2, 3)),
    "rot90 k=2": (lambda M, x: M.rot90(x, 2), (2, 3)),
    "rot90 k=-1 axes": (lambda M, x: M.rot90(x, -1, axes=(1, 2)), (2, 3, 2)),
    "moveaxis": (lambda M, x: M.moveaxis(x, 0, -1), (2, 3, 2)),
    "moveaxis several": (lambda M, x: M.moveaxis(x, [0, 1], [2, 0]), (2, 3, 2)),
    "sort": (lambda M, x: M.sort(x), (5,)),
    "sort rows": (lambda M, x: M.sort(x), (2, 3)),
    "sort axis 0": (lambda M, x: M.sort(x, axis=0), (3, 2)),
    "sort flattened": (lambda M, x: M.sort(x, axis=None), (2, 3)),
    "sort descending by negation": (lambda M, x: -M.sort(-x), (4,)),
    # selections: the adjoint is put back in zeros, added where an element is picked twice
    "diag of a vector": (lambda M, x: M.diag(x), (3,)),
    "diag of a vector k=1": (lambda M, x: M.diag(x, 1), (3,)),
    "diag of a vector k=-2": (lambda M, x: M.diag(x, -2), (2,)),
    "diag of a matrix": (lambda M, x: M.diag(x), (3, 3)),
    "diag of a matrix k=1": (lambda M, x: M.diag(x, 1), (2, 4)),
    "diag of a matrix k=-1": (lambda M, x: M.diag(x, -1), (3, 2)),
    "diagonal 3-d": (lambda M, x: M.diagonal(x, 1, 0, 2), (2, 2, 3)),
    "diagonal last axes": (lambda M, x: M.diagonal(x, 0, -1, -2), (2, 3, 3)),
    "trace": (lambda M, x: M.trace(x), (3, 3)),
    "trace offset": (lambda M, x: M.trace(x, -1), (3, 4)),
    "trace 3-d": (lambda M, x: M.trace(x, 0, 1, 2), (2, 2, 2)),
    "tril": (lambda M, x: M.tril(x), (3, 3)),
    "tril k=1": (lambda M, x: M.tril(x, 1), (3, 4)),
    "tril stack": (lambda M, x: M.tril(x, -1), (2, 3, 3)),
    "triu": (lambda M, x: M.triu(x), (3, 3)),
    "triu k=-1": (lambda M, x: M.triu(x, -1), (4, 3)),
    "pad": (lambda M, x: M.pad(x, 1), (2, 3)),
    "pad pairs": (lambda M, x: M.pad(x, ((1, 0), (0, 2))), (2, 3)),
    "pad constant": (lambda M, x: M.pad(x, (2, 1), constant_values=3.0), (2, 2)),
    "pad vector": (lambda M, x: M.pad(x, (1, 2)), (3,)),
    "take flat": (lambda M, x: M.take(x, [5, 0, 5, 2]), (2, 3)),
    "take axis repeated": (lambda M, x: M.take(x, [0, 2, 2], axis=1), (2, 3)),
    "take negative axis": (lambda M, x: M.take(x, [1, 1, 0], axis=-2), (2, 3)),
    "take 2-d indices": (lambda M, x: M.take(x, np.array([[0, 1], [1, 1]]), axis=0), (2, 3)),
    "take one index": (lambda M, x: M.take(x, 2, axis=1), (2, 3)),
    "take_along_axis argsort": (lambda M, x: M.take_along_axis(
        x, np.argsort(np.arange(6).reshape(2, 3) % 4, axis=1), axis=1), (2, 3)),
    "take_along_axis repeated": (lambda M, x: M.take_along_axis(
        x, np.array([[0, 0, 2, 0], [1, 2, 2, 1]]), axis=1), (2, 3)),
    "take_along_axis axis 0": (lambda M, x: M.take_along_axis(
        x, np.array([[1, 0, 1]]), axis=0), (2, 3)),
    "take_along_axis broadcast indices": (lambda M, x: M.take_along_axis(
        x, np.array([[2, 2]]), axis=1), (3, 4)),
    "take_along_axis broadcast array": (lambda M, x: M.take_along_axis(
        x, np.array([[0, 3], [1, 1], [2, 0]]), axis=1), (1, 4)),
    # indexing with integer arrays and masks, mixed with slices
    "index repeated": (lambda M, x: x[[0, 2, 2]], (4,)),
    "index repeated rows": (lambda M, x: x[[1, 0, 1]], (2, 3)),
    "index columns": (lambda M, x: x[:, [0, 2, 2]], (2, 3)),
    "index slice and array": (lambda M, x: x[1:, [0, 2]], (3, 3)),
    "index pairs": (lambda M, x: x[[0, 1, 0], [2, 2, 2]], (2, 3)),
    "index separated arrays": (lambda M, x: x[[0, 1], :, [1, 1]], (2, 3, 2)),
    "index ellipsis": (lambda M, x: x[..., [1, 1, 0]], (2, 2, 2)),
    "index 2-d array": (lambda M, x: x[np.array([[0, 1], [1, 1]])], (2, 3)),
    "index newaxis": (lambda M, x: x[None, [0, 0]], (2, 3)),
    "index negative": (lambda M, x: x[[-1, 2]], (3,)),
    "mask": (lambda M, x: x[MASK], (2, 3)),
    "mask of rows": (lambda M, x: x[np.array([True, False, True]), 1:], (3, 3)),
    "mask and array": (lambda M, x: x[np.array([True, True]), [2, 2]], (2, 3)),
    "slices": (lambda M, x: x[::-1, 1:], (2, 3)),
    # joins
    "vstack vectors": (lambda M, x: M.vstack([x, M.sin(x)]), (3,)),
    "vstack matrices and a constant": (lambda M, x: M.vstack([x, np.ones((1, 3)), x[:1]]), (2, 3)),
    "vstack numbers": (lambda M, x: M.vstack([x[0], x[1]]), (2,)),
    "hstack vectors": (lambda M, x: M.hstack([x, x[:2]]), (3,)),
    "hstack matrices": (lambda M, x: M.hstack([x, x[:, :1]]), (2, 3)),
    "hstack numbers": (lambda M, x: M.hstack([x[0], x[1] * x[0], x[1]]), (2,)),
    "dstack matrices": (lambda M, x: M.dstack([x, M.cos(x)]), (2, 3)),
    "dstack vectors": (lambda M, x: M.dstack([x, x]), (3,)),
    "column_stack vectors": (lambda M, x: M.column_stack([x, x * x]), (3,)),
    "column_stack mixed": (lambda M, x: M.column_stack([x, x[:, 0]]), (2, 3)),
    "atleast_2d": (lambda M, x: M.atleast_2d(x), (3,)),
    "atleast_3d": (lambda M, x: M.atleast_3d(x), (2, 3)),
    # splits: lists of slices, each piece weighted differently
    "split": (lambda M, x: M.concatenate(
        [p * (i + 1.0) for i, p in enumerate(M.split(x, 2, axis=1))], axis=1), (2, 4)),
    "split at indices": (lambda M, x: M.concatenate(
        [p * (i + 1.0) for i, p in enumerate(M.split(x, [1, 3], axis=-1))], axis=-1), (2, 4)),
    "array_split unequal": (lambda M, x: M.concatenate(
        [p * (i + 1.0) for i, p in enumerate(M.array_split(x, 3))]), (5,)),
    "hsplit": (lambda M, x: M.hsplit(x, 3)[1] * M.hsplit(x, 3)[2], (2, 3)),
    "vsplit": (lambda M, x: M.vsplit(x, 2)[0] - M.vsplit(x, 2)[1], (2, 3)),
    "dsplit": (lambda M, x: M.dsplit(x, [1])[1], (2, 1, 3)),
    # reshapes
    "squeeze": (lambda M, x: M.squeeze(x), (1, 3, 1)),
    "squeeze axis": (lambda M, x: M.squeeze(x, axis=-1), (1, 3, 1)),
    "expand_dims": (lambda M, x: M.expand_dims(x, (0, 2)), (2, 3)),
    "ravel": (lambda M, x: M.ravel(x), (2, 3)),
    "ravel F": (lambda M, x: M.ravel(x, order="F"), (2, 3)),
}


def _positions(op, shape, start=0):
    """Where each element of ``op(x)`` comes from: ``op`` run by numpy on the positions of x's
    elements (``start``, ``start + 1``, ...) instead of their values."""
    return op(np, np.arange(start, start + int(np.prod(shape))).reshape(shape))


def _select(name):
    """``op`` as autograd's indexing: the elements of x at the positions numpy computes."""
    op, shape = OPS[name]
    where = _positions(op, shape)
    return lambda M, x: M.ravel(x)[where]


def _select_or_zero(name, constant=0.0, positions=None):
    """Likewise for an operation that also writes ``constant`` (where position 0 is, computed
    by ``positions``: the operation writing 0)."""
    op, shape = OPS[name]
    where = _positions(positions or op, shape, start=1)
    return lambda M, x: M.concatenate([M.zeros(1), M.ravel(x)])[where] + constant * (where == 0)


def _sorted(name, axis):
    """Sorting as autograd's indexing: x at the order that sorts it at the test point (the order
    is the same nearby, the values having no ties)."""
    op, shape = OPS[name]

    def reference(M, x):
        value = np.reshape(_point(name), (-1,) if axis is None else shape)
        order = np.argsort(value, axis=-1 if axis is None else axis)
        grid = list(np.indices(order.shape))
        grid[-1 if axis is None else axis] = order
        return M.reshape(x, value.shape)[tuple(grid)]
    return reference


#: How autograd computes the cases it has no rule for (or a wrong one): the same operation as an
#: indexing of x, written independently of adlab's rules.
REFERENCES = {name: _select(name) for name in (
    "repeat counts", "repeat counts negative axis", "repeat one count in a list", "repeat 3-d",
    "repeat number", "broadcast_to new axes", "broadcast_to ones", "broadcast_to number",
    "flip all", "flip axis 0", "flip axes", "flip vector", "rot90 k=-1 axes",
    "diag of a matrix k=1", "diag of a matrix k=-1", "diagonal 3-d", "take flat",
    "take axis repeated", "take negative axis", "take 2-d indices", "take one index",
    "take_along_axis argsort", "take_along_axis repeated", "take_along_axis axis 0",
    "take_along_axis broadcast indices", "take_along_axis broadcast array",
    "tile one count")}  # autograd 1.9's tile gives a wrong gradient for reps=2 on a matrix
REFERENCES.update({name: _select_or_zero(name) for name in ("pad", "pad pairs", "pad vector")})
REFERENCES.update({
    "pad constant": _select_or_zero("pad constant", 3.0, lambda M, x: M.pad(x, (2, 1))),
    "sort rows": _sorted("sort rows", -1), "sort axis 0": _sorted("sort axis 0", 0),
    "sort flattened": _sorted("sort flattened", None),
    "trace 3-d": lambda M, x: M.sum(M.ravel(x)[np.diagonal(
        np.arange(8).reshape(2, 2, 2), 0, 1, 2)], axis=-1),
    "dstack matrices": lambda M, x: M.stack([x, M.cos(x)], axis=2),
    "dstack vectors": lambda M, x: M.stack([x, x], axis=1)[None],
})

_POINTS = {}


def _point(name):
    """The test point of a case (the same in every test of it)."""
    if name not in _POINTS:
        _POINTS[name] = _data(OPS[name][1])
    return _POINTS[name]


def _value_grad_check(name):
    """(f for adlab, the same f for autograd, the point): a generic nonlinear function of the
    operation's result, ``sum(cos(op(x)) × weights)``."""
    op, shape = OPS[name]
    reference_op = REFERENCES.get(name, op)
    x = _point(name)
    weights = rng.normal(size=np.shape(op(np, np.asarray(x))))

    def f(x):
        return np.sum(np.cos(op(np, x)) * weights)

    def reference(x):
        return anp.sum(anp.cos(reference_op(anp, x)) * weights)
    return f, reference, x


@pytest.mark.parametrize("name", list(OPS))
def test_gradient_against_autograd_and_central_differences(name):
    f, reference, x = _value_grad_check(name)
    value, g = ad.value_and_grad(f)(x)
    assert np.isclose(value, reference(x), rtol=1e-12, atol=1e-12)
    assert np.shape(g) == np.shape(x)
    assert np.allclose(g, autograd.grad(reference)(x), rtol=1e-10, atol=1e-12)
    assert np.allclose(g, numeric_jacobian(reference, x), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", list(OPS))
def test_forward_and_reverse_jacobians_agree_with_central_differences(name):
    op, shape = OPS[name]
    x = _point(name)
    forward = ad.jacobian(lambda x: op(np, x), mode="forward")(x)
    reverse = ad.jacobian(lambda x: op(np, x), mode="reverse")(x)
    expected = numeric_jacobian(lambda v: np.asarray(op(np, v), float), x)  # on plain arrays
    assert forward.shape == reverse.shape == expected.shape
    assert np.allclose(forward, reverse, rtol=1e-13, atol=1e-14)
    assert np.allclose(reverse, expected, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("name", list(OPS))
def test_second_order_hessian_vector_product_against_autograd(name):
    f, reference, x = _value_grad_check(name)
    v = rng.normal(size=np.shape(x)) if np.ndim(x) else 0.7
    hvp = ad.grad(lambda x: np.sum(ad.grad(f)(x) * v))(x)
    expected = autograd.grad(lambda x: anp.sum(autograd.grad(reference)(x) * v))(x)
    assert np.allclose(hvp, expected, rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------- sorting: ties, idioms

def test_sort_at_a_tie_shares_the_derivative_equally_as_max_does():
    # x = [2, 1, 2, 0]: sort(x) = [x3, x1, x0, x2] with x0 = x2 tied in the last two places.
    # d/dx sum(w × sort(x)), w = [1, 2, 3, 5]: x3 gets 1, x1 gets 2, x0 and x2 share 3 + 5: 4 each
    x = np.array([2.0, 1.0, 2.0, 0.0])
    w = np.array([1.0, 2.0, 3.0, 5.0])
    assert ad.grad(lambda x: np.sum(np.sort(x) * w))(x).tolist() == [4.0, 2.0, 4.0, 1.0]
    # the largest element: max splits a tie in halves, and so does sort(x)[-1]
    assert ad.grad(lambda x: np.sort(x)[-1])(x).tolist() == [0.5, 0.0, 0.5, 0.0]
    assert ad.grad(lambda x: np.max(x))(x).tolist() == [0.5, 0.0, 0.5, 0.0]
    # forward mode: each tied output's tangent is the mean of the tied inputs' tangents
    _, tangent = ad.jvp(lambda x: np.sort(x), (x,), (np.array([10.0, 20.0, 30.0, 40.0]),))
    assert tangent.tolist() == [40.0, 20.0, 20.0, 20.0]
    forward = ad.jacobian(lambda x: np.sort(x), mode="forward")(x)
    reverse = ad.jacobian(lambda x: np.sort(x), mode="reverse")(x)
    assert np.array_equal(forward, reverse)


def test_sort_ties_along_an_axis_are_shared_within_each_row_only():
    x = np.array([[1.0, 1.0, 0.0], [3.0, 2.0, 1.0]])
    w = np.array([[1.0, 2.0, 4.0], [1.0, 2.0, 4.0]])
    # row 0: sorted [x02, x00, x01] with x00 = x01 tied in places 1 and 2: (2 + 4) / 2 = 3 each
    # row 1: no tie, sorted [x12, x11, x10]
    g = ad.grad(lambda x: np.sum(np.sort(x, axis=1) * w))(x)
    assert g.tolist() == [[3.0, 3.0, 1.0], [4.0, 2.0, 1.0]]
    w = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])  # columns, no ties: already in order
    assert ad.grad(lambda x: np.sum(np.sort(x, axis=0) * w))(x).tolist() == w.tolist()


def test_arg_functions_read_values_and_the_idioms_built_on_them_differentiate():
    x = np.array([[0.5, -1.0, 2.0], [1.5, 3.0, -0.75]])

    def f(x):
        order = np.argsort(x, axis=1)
        assert isinstance(order, np.ndarray) and order.dtype.kind == "i"
        assert np.argmax(x) == 4 and x.argmax() == 4 and x.argmin(axis=1).tolist() == [1, 2]
        assert x.argsort(axis=None).tolist() == np.argsort(x, axis=None).tolist()
        assert np.nonzero(x > 1.0)[1].tolist() == [2, 0, 1]
        assert np.flatnonzero(x)[0] == 0 and np.count_nonzero(x) == 6
        largest = np.take_along_axis(x, np.argmax(x, axis=1, keepdims=True), axis=1)  # (2, 1)
        descending = x[0][np.argsort(x[0])[::-1]]  # [2, 0.5, -1]
        return np.sum(largest * np.array([[1.0], [10.0]])) + np.sum(descending * [1.0, 2.0, 3.0])
    # largest: x02 (×1) and x11 (×10); descending row 0: x02 ×1, x00 ×2, x01 ×3
    expected = np.array([[2.0, 3.0, 2.0], [0.0, 10.0, 0.0]])
    assert ad.grad(f)(x).tolist() == expected.tolist()


# ---------------------------------------------------------------- repeated indices add up

def test_repeated_indices_add_their_adjoints():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    w = np.array([1.0, 10.0, 100.0])
    # x[[0, 2, 2]] · w = x0 + 10 x2 + 100 x2: the gradient is [1, 0, 110, 0]
    expected = [1.0, 0.0, 110.0, 0.0]
    assert ad.grad(lambda x: np.sum(x[[0, 2, 2]] * w))(x).tolist() == expected
    assert ad.grad(lambda x: np.sum(np.take(x, [0, 2, -2]) * w))(x).tolist() == expected
    assert ad.grad(lambda x: np.sum(np.take_along_axis(x, np.array([0, 2, 2]), 0) * w))(
        x).tolist() == expected
    assert ad.grad(lambda x: np.sum(x[np.array([True, False, True, False])] * w[:2]))(
        x).tolist() == [1.0, 0.0, 10.0, 0.0]
    m = np.arange(6.0).reshape(2, 3)
    # m[[0, 0], [1, 1]]: the same element twice; m[:, [2, 2]] a column twice
    assert ad.grad(lambda m: np.sum(m[[0, 0], [1, 1]]))(m).tolist() == [[0, 2, 0], [0, 0, 0]]
    assert ad.grad(lambda m: np.sum(m[:, [2, 2]]))(m).tolist() == [[0, 0, 2], [0, 0, 2]]


@pytest.mark.parametrize("index, shape, twice", [
    (1, (4, 5), False), ((slice(None), 2), (4, 5), False), ((Ellipsis, slice(1, None, 2)), (4, 5),
                                                            False),
    ([0, 2, 2], (4, 5), True), (np.array([0, 2]), (4, 5), False), ([0, -4], (4, 5), True),
    ((np.array([0, 1]), np.array([2, 2])), (4, 5), False),
    ((np.array([0, 0]), np.array([2, 2])), (4, 5), True),
    ((np.array([0, 0]), np.array([2, -3])), (4, 5), True),
    ((Ellipsis, [1, 1]), (4, 5), True), ((Ellipsis, [1, -4]), (4, 5), True),
    ((slice(None), None, [0, 1]), (4, 5), False), (np.ones((4, 5), bool), (4, 5), False),
    ((np.ones(4, bool), [1, 2, 3, 4]), (4, 5), False), ((np.ones(4, bool), [1, 1, 1, 1]), (4, 5),
                                                        False),
    ((np.array([True, True, False, False]), 3), (4, 5), False),
    ((np.array([[0, 1], [1, 0]]),), (4, 5), True),
])
def test_the_adjoint_of_indexing_is_assigned_unless_an_element_is_picked_twice(index, shape, twice):
    """Indexing's adjoint: zeros with the adjoint written in (fast), np.add.at only where an
    element is picked twice; either way it is what np.add.at gives."""
    assert picks_twice(index, shape) is twice
    g = rng.normal(size=np.shape(np.zeros(shape)[index]))
    expected = np.zeros(shape)
    np.add.at(expected, index, g)
    assert np.array_equal(_scatter_impl(g, index, shape), expected)


# ---------------------------------------------------------------- the rows a trace prints

def _primal_formulas(f, *args):
    trace = ad.forward(f, args, tuple(np.ones(np.shape(a)) for a in args))
    return [r.formula for r in trace.primal_rows if r.kind == "primal"]


def test_rows_read_as_the_program_is_written():
    x = np.array([3.0, 1.0, 2.0, 1.5])
    trace = ad.reverse(lambda x: np.sum(np.sort(x[[0, 2, 2]]) * np.arange(3.0)), (x,))
    text = str(trace)
    assert "v1 = v0[[0, 2, 2]]" in text and "v2 = sort(v1)" in text
    m = np.arange(1.0, 7.0).reshape(2, 3)
    rows = {
        lambda m: m[m > 2.0]: "v1 = v0[[2×3 bool array]]",
        lambda m: m[:, [0, 2, 2]]: "v1 = v0[:, [0, 2, 2]]",
        lambda m: m[..., ::2]: "v1 = v0[..., ::2]",
        lambda m: np.sort(m, axis=0): "v1 = sort(v0, axis=0)",
        lambda m: np.repeat(m, 2, axis=1): "v1 = repeat(v0, 2, axis=1)",
        lambda m: np.tile(m, (2, 1)): "v1 = tile(v0, (2, 1))",
        lambda m: np.broadcast_to(m, (4, 2, 3)): "v1 = broadcast_to(v0, (4, 2, 3))",
        lambda m: np.flip(m): "v1 = flip(v0)",
        lambda m: np.fliplr(m): "v1 = flip(v0, axis=1)",
        lambda m: np.rot90(m, -1): "v1 = rot90(v0, k=3)",
        lambda m: np.moveaxis(m, 0, -1): "v1 = moveaxis(v0, 0, -1)",
        lambda m: np.diag(m, 1): "v1 = diagonal(v0, offset=1)",
        lambda m: np.diag(m[0]): "v2 = diag(v1)",
        lambda m: np.tril(m, -1): "v1 = tril(v0, k=-1)",
        lambda m: np.triu(m): "v1 = triu(v0)",
        lambda m: np.pad(m, 1): "v1 = pad(v0, ((1, 1), (1, 1)))",
        lambda m: np.pad(m[0], (2, 0), constant_values=5.0):
            "v2 = pad(v1, ((2, 0),), constant_values=5)",
        lambda m: np.take_along_axis(m, np.array([[1], [0]]), axis=1):
            "v1 = take_along_axis(v0, [2×1 int array], axis=1)",
        lambda m: np.expand_dims(m, 0): "v1 = reshape(v0, (1, 2, 3))",
        lambda m: np.ravel(m): "v1 = reshape(v0, 6)",
        lambda m: np.vstack([m[0], m[1]]): "v3 = stack(v1, v2)",
        lambda m: np.hstack([m, m]): "v1 = concatenate(v0, v0, axis=1)",
        lambda m: np.split(m, 3, axis=1)[2]: "v3 = v0[:, 2:3]",
    }
    for f, row in rows.items():
        assert row in _primal_formulas(f, m), (row, _primal_formulas(f, m))
    assert _primal_formulas(lambda m: np.trace(m), m) == ["v1 = diagonal(v0)", "v2 = sum(v1)"]


def test_a_tangent_row_of_sort_reads_the_permutation_and_linear_ones_apply_the_operation():
    x = np.array([3.0, 1.0, 2.0])
    rows = [r for r in ad.forward(lambda x: np.sort(x), (x,), (np.ones(3),)).tangent_rows
            if r.op == "sort"]
    assert rows[0].formula == "v̇1 = v̇0[argsort v0]"
    m = np.ones((2, 2))
    rows = [r for r in ad.forward(lambda m: np.sort(m, axis=0), (m,), (m,)).tangent_rows
            if r.op == "sort"]
    assert rows[0].formula == "v̇1 = v̇0[argsort(v0, axis=0)]"
    rows = [r for r in ad.forward(lambda m: np.pad(m, 1, constant_values=2.0), (m,),
                                  (m,)).tangent_rows if r.op == "pad"]
    assert rows[0].formula == "v̇1 = pad(v̇0, ((1, 1), (1, 1)))"  # the constant's tangent is 0
    rows = [r for r in ad.forward(lambda m: np.flip(m, 0), (m,), (m,)).tangent_rows
            if r.op == "flip"]
    assert rows[0].formula == "v̇1 = flip(v̇0, axis=0)"


def _latex_well_formed(latex):
    _assert_latex_well_formed(latex.replace(r"\_", ""))  # braces balance, every field filled
    assert "_" not in re.sub(r"(\\_|_\{)", "", latex), latex  # underscores escaped or subscripts


@pytest.mark.parametrize("name", [n for n in OPS if "index" not in n and "mask" not in n])
def test_every_row_of_these_operations_is_well_formed_latex(name):
    op, shape = OPS[name]
    x = _point(name)
    f = lambda x: np.sum(np.cos(op(np, x)))  # noqa: E731
    latex = ad.reverse(f, (x,))._repr_latex_() + ad.forward(
        f, (x,), (np.ones(np.shape(x)) if np.ndim(x) else 1.0,))._repr_latex_()
    for line in latex.splitlines():
        if "&" in line:
            _latex_well_formed(line)


def test_these_entries_are_in_the_table_and_exported():
    public = {"sort", "pad", "flip", "repeat", "tile", "broadcast_to", "rot90", "moveaxis",
              "diagonal", "diag", "tril", "triu", "take_along_axis"}
    assert public <= set(PRIMITIVES) and all(not PRIMITIVES[n].internal for n in public)
    for name in public | {"vstack", "hstack", "dstack", "column_stack", "split", "array_split",
                          "squeeze", "expand_dims", "ravel", "trace", "take", "fliplr", "flipud"}:
        assert callable(getattr(ad, name)), name
    # on plain arrays they are numpy's functions
    m = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(ad.sort(m[::-1], axis=0), np.sort(m[::-1], axis=0))
    assert np.array_equal(ad.vstack([m, m]), np.vstack([m, m]))
    assert [p.tolist() for p in ad.array_split(m, 2, axis=1)] == [
        p.tolist() for p in np.array_split(m, 2, axis=1)]
    assert np.array_equal(ad.pad(m, 1, constant_values=2.0), np.pad(m, 1, constant_values=2.0))


def test_the_fast_adjoint_loop_equals_the_plain_one_through_these_operations():
    x = _data((3, 4))

    def f(x):
        a = np.sort(np.repeat(x, [1, 2, 0, 1], axis=1), axis=0)
        b = np.pad(np.tril(x[[0, 2, 2]]), 1) * 2.0
        c = np.take_along_axis(x, np.array([[0, 0], [3, 1], [2, 2]]), axis=1)
        return np.sum(np.sin(a)) + np.sum(b * b) + np.sum(np.tile(c, 2) ** 3.0) + np.trace(x)
    rec = record(f, (x,))
    results = []
    for loop in (sweeps.adjoint_loop, fast.adjoint_loop):
        adjoints = [None] * len(rec.nodes)
        for p, g in rec.seeds([1.0]):
            adjoints[p] = g
        strict_begin()
        try:
            loop(rec.nodes, rec.n_inputs, adjoints)
        finally:
            strict_end()
        results.append(adjoints)
    for a, b in zip(*results):
        assert (a is None) == (b is None) and (a is None or np.array_equal(a, b))


def test_hessian_of_a_program_mixing_these_operations_against_autograd():
    x = _data((2, 3))

    def program(M, x):
        stacked = M.vstack([x, x[:, ::-1]])                      # (4, 3)
        square = M.concatenate([stacked, stacked[:1] * 0.5])[:3]  # (3, 3)
        return M.sum(M.tril(square) * M.triu(square.T, -1)) + M.sum(M.diag(square) ** 3.0)
    hessian = ad.hessian(lambda x: program(np, x))(x)
    expected = autograd.hessian(lambda x: program(anp, x))(x)
    assert np.allclose(hessian, expected, rtol=1e-10, atol=1e-12)


def test_the_traced_array_methods():
    m = _data((2, 3))

    def f(M, m):
        if M is np:
            parts = [m.repeat(2, axis=1), m.take([0, 0], axis=1), m[None].squeeze(0),
                     m[:, :2].diagonal()[None], m.swapaxes(0, 1).T]
            return sum(M.sum(M.sin(p)) for p in parts) + m[:, :2].trace()
        parts = [M.repeat(m, 2, axis=1), m[:, [0, 0]], m, M.diagonal(m[:, :2], 0, -1, -2)[None],
                 m]
        return sum(M.sum(M.sin(p)) for p in parts) + M.trace(m[:, :2])
    g = ad.grad(lambda m: f(np, m))(m)
    assert np.allclose(g, autograd.grad(lambda m: f(anp, m))(m), rtol=1e-12)


# ---------------------------------------------------------------- clear errors

@pytest.mark.parametrize("call, error, words", [
    (lambda x: np.pad(x, 1, mode="reflect"), ad.UnsupportedOperationError, "mode='constant'"),
    (lambda x: np.pad(x, 1, mode="constant", end_values=2), ad.InputError, "constant_values"),
    (lambda x: np.pad(x, -1), ad.InputError, "negative"),
    (lambda x: np.pad(x, ((1, 1),) * 3), ad.InputError, "does not fit"),
    (lambda x: np.take(x, x), ad.InputError, "constant"),
    (lambda x: np.take(x, [0.5]), ad.InputError, "integers"),
    (lambda x: np.take(x, [0], mode="nearest"), ad.InputError, "mode"),
    (lambda x: np.sort(x, axis=2), ad.InputError, "axis 2 is out of bounds"),
    (lambda x: np.flip(x, (0, 0)), ad.InputError, "repeat an axis"),
    (lambda x: np.repeat(x, [1, 2], axis=1), ad.InputError, "one per element"),
    (lambda x: np.repeat(x, -1), ad.InputError, "non-negative"),
    (lambda x: np.tile(x, (-1,)), ad.InputError, "non-negative"),
    (lambda x: np.broadcast_to(x, (2, 2)), ad.InputError, "does not broadcast"),
    (lambda x: np.split(x, 2, axis=1), ad.InputError, "np.array_split"),
    (lambda x: np.split(x, 0), ad.InputError, "positive"),
    (lambda x: np.squeeze(x, axis=0), ad.InputError, "squeeze"),
    (lambda x: np.moveaxis(x, [0, 1], [1]), ad.InputError, "as many axes"),
    (lambda x: np.rot90(x, axes=(0, 0)), ad.InputError, "repeat an axis"),
    (lambda x: np.diagonal(x, 0, 1, -1), ad.InputError, "must differ"),
    (lambda x: np.diag(x[None]), ad.InputError, "vector"),
    (lambda x: np.take_along_axis(x, np.array([0, 1]), axis=0), ad.InputError, "dimensions"),
    (lambda x: np.sort(x, order="f"), ad.InputError, "structured"),
    (lambda x: np.vsplit(x[0], 1), ad.InputError, "at least 2"),
    (lambda x: x.sort(), ad.UnsupportedOperationError, "np.sort(x)"),
    (lambda x: np.sort(x[0, 0]), ad.InputError, "at least 1 dimension"),
])
def test_unsupported_or_wrong_arguments_say_what_to_do(call, error, words):
    with pytest.raises(error) as info:
        ad.grad(lambda x: np.sum(call(x)))(np.ones((2, 3)))
    assert words in str(info.value)


def test_assigning_into_a_traced_array_is_refused_with_what_to_use_instead():
    def f(x):
        x[0] = 1.0
        return np.sum(x)
    with pytest.raises(ad.UnsupportedOperationError, match="np.where"):
        ad.grad(f)(np.ones(3))


def test_a_complex_input_is_refused():
    with pytest.raises(ad.InputError, match="complex"):
        ad.grad(lambda x: np.sum(np.sort(x)))(np.array([1.0 + 1j, 2.0]))
