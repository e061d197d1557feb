"""Gradients of array programs against central differences and (test-only) HIPS autograd.

Each case is a scalar function written once against a numpy-like module ``M``: adlab runs it with
plain ``numpy`` (traced values dispatch to adlab's rules) or with adlab's own functions, autograd
with ``autograd.numpy``. The reference gradient never comes from adlab.
"""
from __future__ import annotations

import autograd
import autograd.numpy as anp
import autograd.scipy.special as aspecial
import numpy as np
import pytest

import adlab as ad
from adlab.engine import arrays as A
from adlab.errors import InputError

rng = np.random.default_rng(0)


def _data(shape, low=-1.0, high=1.0):
    return rng.uniform(low, high, size=shape) if shape else float(rng.uniform(low, high))


def central_gradient(f, args, h=1e-6):
    """The gradient of scalar ``f`` with respect to every argument, by central differences."""
    grads = []
    for k, x in enumerate(args):
        x = np.asarray(x, dtype=float)
        g = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            up, down = x.copy(), x.copy()
            up[idx] += h
            down[idx] -= h
            hi = f(*[up if j == k else a for j, a in enumerate(args)])
            lo = f(*[down if j == k else a for j, a in enumerate(args)])
            g[idx] = (hi - lo) / (2 * h)
        grads.append(g)
    return grads


def check(f_adlab, f_reference, args, rtol=1e-6, atol=1e-8):
    """adlab's value and gradient == autograd's (to rounding) and == central differences."""
    argnums = tuple(range(len(args)))
    value, grads = ad.value_and_grad(f_adlab, argnums)(*args)
    reference = autograd.grad(f_reference, argnums)(*args)
    assert np.allclose(value, f_reference(*args), rtol=1e-12, atol=1e-12)
    numeric = central_gradient(lambda *a: f_reference(*a), args)
    for g, r, n, x in zip(grads, reference, numeric, args):
        assert np.shape(g) == np.shape(x)
        assert np.allclose(g, r, rtol=1e-10, atol=1e-12), (g, r)
        assert np.allclose(g, n, rtol=rtol, atol=atol), (g, n)


# ---------------------------------------------------------------- broadcasting in every binary op

SHAPE_PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)),
               ((), (3,)), ((3,), ()), ((4,), (2, 3, 4))]

BINARY = {
    "add": lambda M, x, y: x + y,
    "sub": lambda M, x, y: x - y,
    "mul": lambda M, x, y: x * y,
    "div": lambda M, x, y: x / y,
    "pow": lambda M, x, y: x ** y,
    "np.add": lambda M, x, y: M.add(x, y),
    "np.multiply": lambda M, x, y: M.multiply(x, y),
    "np.divide": lambda M, x, y: M.divide(x, y),
    "np.subtract": lambda M, x, y: M.subtract(x, y),
    "np.power": lambda M, x, y: M.power(x, y),
    "maximum": lambda M, x, y: M.maximum(x, y),
    "minimum": lambda M, x, y: M.minimum(x, y),
    "logaddexp": lambda M, x, y: M.logaddexp(x, y),
    "arctan2": lambda M, x, y: M.arctan2(x, y),
    # autograd's where fails to unbroadcast (3, 4) vs (4,): its reference is the same selection
    # written as arithmetic
    "where": lambda M, x, y: M.where(x > 1.5, x, y) if M is np else (
        (x > 1.5) * x + (x <= 1.5) * y),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_binary_operation_broadcasts_and_unbroadcasts(name, shapes):
    op = BINARY[name]
    x = _data(shapes[0], 1.0, 2.0)
    y = _data(shapes[1], 0.5, 2.5)  # positive bases/divisors; maximum/minimum without ties
    out_shape = np.broadcast_shapes(np.shape(x), np.shape(y))
    weights = rng.normal(size=out_shape)  # a generic linear functional of the result

    check(lambda x, y: np.sum(op(np, x, y) * weights),
          lambda x, y: anp.sum(op(anp, x, y) * weights), (x, y))


def test_broadcasting_with_a_constant_operand():
    x = _data((3, 1))
    c = rng.normal(size=(2, 3, 4))
    check(lambda x: np.sum(np.sin(x * c + c)), lambda x: anp.sum(anp.sin(x * c + c)), (x,))


# ---------------------------------------------------------------- elementwise functions (dispatch)

UNARY = {  # name -> (function of the module, domain of the test data)
    "sin": (lambda M, x: M.sin(x), (-2, 2)), "cos": (lambda M, x: M.cos(x), (-2, 2)),
    "tan": (lambda M, x: M.tan(x), (-1, 1)), "tanh": (lambda M, x: M.tanh(x), (-2, 2)),
    "exp": (lambda M, x: M.exp(x), (-2, 2)), "log": (lambda M, x: M.log(x), (0.5, 3)),
    "sqrt": (lambda M, x: M.sqrt(x), (0.5, 3)), "abs": (lambda M, x: M.abs(x), (-2, 2)),
    "negative": (lambda M, x: M.negative(x), (-2, 2)),
    "square": (lambda M, x: M.square(x), (-2, 2)),
    "log1p": (lambda M, x: M.log1p(x), (-0.5, 2)), "expm1": (lambda M, x: M.expm1(x), (-2, 2)),
    "log2": (lambda M, x: M.log2(x), (0.5, 3)), "log10": (lambda M, x: M.log10(x), (0.5, 3)),
    "sinh": (lambda M, x: M.sinh(x), (-2, 2)), "cosh": (lambda M, x: M.cosh(x), (-2, 2)),
    "arcsin": (lambda M, x: M.arcsin(x), (-0.9, 0.9)),
    "arccos": (lambda M, x: M.arccos(x), (-0.9, 0.9)),
    "arctan": (lambda M, x: M.arctan(x), (-2, 2)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("shape", [(), (5,), (2, 3)], ids=str)
def test_elementwise_function_first_and_second_derivative(name, shape):
    fn, (low, high) = UNARY[name]
    x = _data(shape, low, high)
    if name == "abs":
        x = np.where(np.abs(x) < 0.1, 0.5, x) if shape else (x if abs(x) > 0.1 else 0.5)
    check(lambda x: np.sum(fn(np, x) ** 2.0), lambda x: anp.sum(fn(anp, x) ** 2.0), (x,))
    # second order: the gradient of (gradient · v), i.e. a Hessian-vector product
    v = rng.normal(size=shape) if shape else 0.7
    hvp = ad.grad(lambda x: np.sum(ad.grad(lambda z: np.sum(fn(np, z) ** 2.0))(x) * v))(x)
    expected = autograd.grad(lambda x: anp.sum(autograd.grad(
        lambda z: anp.sum(fn(anp, z) ** 2.0))(x) * v))(x)
    assert np.allclose(hvp, expected, rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------- matrix products

MATMUL_SHAPES = [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
                 ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((3, 4), (2, 4, 5)),
                 ((4,), (2, 4, 5))]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=lambda s: f"{s[0]}@{s[1]}")
def test_matmul_every_shape_combination(shapes):
    a, b = _data(shapes[0]), _data(shapes[1])
    weights = rng.normal(size=np.shape(a @ b))
    check(lambda a, b: np.sum((a @ b) * weights), lambda a, b: anp.sum((a @ b) * weights), (a, b))
    check(lambda a, b: np.sum(np.matmul(a, b) * weights),
          lambda a, b: anp.sum(anp.matmul(a, b) * weights), (a, b))


def test_dot_method_and_constant_on_either_side():
    a, b, c = _data((3, 4)), _data((4, 2)), rng.normal(size=(2, 3))
    check(lambda a, b: np.sum(np.tanh(np.dot(a, b)) @ c),
          lambda a, b: anp.sum(anp.tanh(anp.dot(a, b)) @ c), (a, b))
    check(lambda a, b: np.sum(np.sin(a.dot(b))), lambda a, b: anp.sum(anp.sin(anp.dot(a, b))),
          (a, b))
    check(lambda b: np.sum(c.T @ np.exp(b.T)), lambda b: anp.sum(c.T @ anp.exp(b.T)), (b,))
    check(lambda a: np.sum(np.dot(2.0, a)), lambda a: anp.sum(anp.dot(2.0, a)), (a,))


def test_matmul_shape_mismatch_is_a_clear_error():
    with pytest.raises(ad.DomainError, match="inner dimensions must agree"):
        ad.grad(lambda a: np.sum(a @ np.ones((3, 2))))(np.ones((2, 4)))


# ---------------------------------------------------------------- reductions

AXES = [None, 0, 1, -1, (0, 2)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min"])
def test_reduction_with_axis_and_keepdims(name, axis, keepdims):
    x = _data((2, 3, 4))
    weights = rng.normal(size=np.shape(getattr(np, name)(x, axis=axis, keepdims=keepdims)))
    check(lambda x: np.sum(getattr(np, name)(x, axis=axis, keepdims=keepdims) ** 2.0 * weights),
          lambda x: anp.sum(getattr(anp, name)(x, axis=axis, keepdims=keepdims) ** 2.0 * weights),
          (x,))
    own = {"sum": ad.sum, "mean": A.mean, "max": A.max, "min": A.min}[name]
    g = ad.grad(lambda x: np.sum(own(x, axis, keepdims) ** 2.0 * weights))(x)
    assert np.allclose(g, autograd.grad(lambda x: anp.sum(getattr(anp, name)(
        x, axis=axis, keepdims=keepdims) ** 2.0 * weights))(x), rtol=1e-10)


def test_max_with_ties_shares_the_derivative_like_autograd():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    for axis in (None, 0, 1):
        g = ad.grad(lambda x: np.sum(np.max(x, axis=axis)))(x)
        assert np.allclose(g, autograd.grad(lambda x: anp.sum(anp.max(x, axis=axis)))(x))
    assert np.allclose(ad.grad(lambda x: A.max(x))(x), [[0, 0.5, 0.5], [0, 0, 0]])


def test_methods_of_traced_arrays():
    x = _data((3, 4))
    check(lambda x: x.sum() + x.mean(axis=0).sum() + x.max(axis=1).sum() - x.min(),
          lambda x: x.sum() + x.mean(axis=0).sum() + x.max(axis=1).sum() - x.min(), (x,))
    check(lambda x: np.sum(np.sin(x.T.reshape(2, 6)) * x.reshape((6, 2)).T),
          lambda x: anp.sum(anp.sin(x.T.reshape(2, 6)) * x.reshape((6, 2)).T), (x,))
    check(lambda x: np.sum(np.sin(x.ravel()) * x.flatten()),
          lambda x: anp.sum(anp.sin(anp.ravel(x)) * anp.ravel(x)), (x,))


# ---------------------------------------------------------------- shapes, indexing, joins

SHAPING = {
    "reshape": lambda M, x: M.reshape(x, (4, 6)),
    "reshape -1": lambda M, x: M.reshape(x, (-1,)),
    "transpose": lambda M, x: M.transpose(x),
    "transpose axes": lambda M, x: M.transpose(x, (1, 2, 0)),
    "transpose negative axes": lambda M, x: M.transpose(x, (-1, 0, 1) if M is np else (2, 0, 1)),
    "swapaxes": lambda M, x: M.swapaxes(x, 0, 2),
    "T": lambda M, x: x.T,
    "expand_dims": lambda M, x: M.expand_dims(x, 1),
    "squeeze": lambda M, x: M.squeeze(M.reshape(x, (2, 1, 3, 4)), axis=1),
    "ravel": lambda M, x: M.ravel(x),
    "index int": lambda M, x: x[1],
    "index negative": lambda M, x: x[-1, -2],
    "index tuple": lambda M, x: x[1, 2, 3],
    "slice": lambda M, x: x[:, 1:3],
    "slice step": lambda M, x: x[..., ::-2],
    "slice negative": lambda M, x: x[-1:, :-1, -3:],
    "newaxis": lambda M, x: x[:, None, 0],
    "fancy with repeats": lambda M, x: x[np.array([0, 1, 0, 0])],
    "fancy pairs": lambda M, x: x[np.array([0, 1, 1]), np.array([2, 0, 2])],
    "boolean mask": lambda M, x: x[np.arange(24).reshape(2, 3, 4) % 5 == 0],
    "boolean rows": lambda M, x: x[:, np.array([True, False, True])],
    "concatenate 0": lambda M, x: M.concatenate([x, M.sin(x)], axis=0),
    "concatenate -1": lambda M, x: M.concatenate([x[:, :, :1], x * x, x[:, :, 2:]], axis=-1),
    "concatenate None": lambda M, x: M.concatenate([x, x[0]], axis=None) if M is np else (
        M.concatenate([M.ravel(x), M.ravel(x[0])])),  # autograd lacks axis=None
    "concatenate constant": lambda M, x: M.concatenate([np.ones((2, 3, 1)), x], axis=2),
    "stack": lambda M, x: M.stack([x, M.exp(x)], axis=1),
    "stack 1-d pieces": lambda M, x: M.stack([x[0, 0], x[1, 1] * 2.0, x[0, 2]]),
    "where": lambda M, x: M.where(x > 0, x ** 2.0, M.sin(x)),
    "outer": lambda M, x: M.outer(x[0, 0], x[1, :, 1]),
}


@pytest.mark.parametrize("name", list(SHAPING))
def test_shape_indexing_and_join_operations(name):
    op = SHAPING[name]
    x = _data((2, 3, 4))
    weights = rng.normal(size=np.shape(op(np, x)))
    check(lambda x: np.sum(np.cos(op(np, x)) * weights),
          lambda x: anp.sum(anp.cos(op(anp, x)) * weights), (x,))


def test_array_from_traced_values():
    def f(M, x, y):
        v = A.array([[x, y * x], [1.0, M.sin(y)]]) if M is np else anp.array(
            [[x, y * x], [1.0, anp.sin(y)]])
        return M.sum(v @ v)
    check(lambda x, y: f(np, x, y), lambda x, y: f(anp, x, y), (0.7, 1.3))
    assert isinstance(A.array([1, 2]), np.ndarray) and A.array([1, 2]).dtype == float


# ---------------------------------------------------------------- composites a model needs

@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp(axis, keepdims):
    x = _data((3, 4), -3, 3)
    weights = rng.normal(size=np.shape(aspecial.logsumexp(x, axis=axis, keepdims=keepdims)))
    check(lambda x: np.sum(A.logsumexp(x, axis, keepdims) * weights),
          lambda x: anp.sum(aspecial.logsumexp(x, axis=axis, keepdims=keepdims) * weights), (x,))


def _reference_log_softmax(x, axis=-1):
    return x - aspecial.logsumexp(x, axis=axis, keepdims=True)


def test_softmax_and_log_softmax():
    x = _data((3, 5), -3, 3)
    weights = rng.normal(size=(3, 5))
    for axis in (0, -1):
        check(lambda x: np.sum(A.softmax(x, axis) * weights),
              lambda x: anp.sum(anp.exp(_reference_log_softmax(x, axis)) * weights), (x,))
        check(lambda x: np.sum(A.log_softmax(x, axis) * weights),
              lambda x: anp.sum(_reference_log_softmax(x, axis) * weights), (x,))
    assert np.allclose(np.sum(A.softmax(x), axis=-1), 1.0)


def test_cross_entropy_with_indices_and_one_hot_labels():
    logits = _data((4, 3), -2, 2)
    labels = np.array([0, 2, 1, 2])
    one_hot = np.eye(3)[labels]

    def reference(z):
        return -anp.sum(_reference_log_softmax(z) * one_hot) / 4.0
    check(lambda z: A.cross_entropy(z, labels), reference, (logits,))
    check(lambda z: A.cross_entropy(z, one_hot), reference, (logits,))
    check(lambda z: A.cross_entropy(z[0], 1),
          lambda z: -_reference_log_softmax(z[0])[1], (logits,))
    with pytest.raises(InputError, match="class indices 0..2"):
        A.cross_entropy(logits, np.array([0, 3, 1, 1]))


def test_cross_entropy_says_why_labels_of_the_right_shape_are_refused():
    logits, labels = _data((4, 3), -2, 2), np.array([0, 2, 1, 2])
    with pytest.raises(InputError, match=r"labels of shape \(4,\) must be integer class indices, "
                                         r"not float64 numbers\.$"):
        A.cross_entropy(logits, labels.astype(float))
    # labels given to ad.vjp as an argument are traced (as floats): the message says what to do
    with pytest.raises(InputError, match=r"keep the labels out of the arguments, e\.g\. "
                                         r"ad\.vjp\(lambda z: ad\.cross_entropy\(z, labels\)"):
        ad.vjp(A.cross_entropy, logits, labels)


def test_composites_are_stable_for_extreme_logits():
    x = np.array([[1000.0, 0.0, -1000.0], [-800.0, -800.0, -801.0]])
    value, g = ad.value_and_grad(lambda z: A.cross_entropy(z, np.array([1, 0])))(x)
    assert np.isfinite(value) and np.all(np.isfinite(g))
    # by hand: row 0 gives logsumexp(1000, 0, -1000) - 0, row 1 logsumexp(-800, -800, -801) + 800
    assert np.isclose(value, (1000.0 + np.log1p(np.exp(-1000.0) + np.exp(-2000.0))
                              + np.log(2 + np.exp(-1.0))) / 2)
    assert np.allclose(g, autograd.grad(lambda z: -anp.sum(
        _reference_log_softmax(z) * np.eye(3)[[1, 0]]) / 2)(x))
    assert np.allclose(A.softmax(x), np.exp(_reference_log_softmax(x)))


# ---------------------------------------------------------------- a small model, second order

def _mlp(M, softmax_ce):
    def loss(params, x, labels):
        W1, b1, W2, b2 = params
        h = M.tanh(x @ W1 + b1)
        return softmax_ce(h @ W2 + b2, labels)
    return loss


def test_mlp_loss_gradient_matches_autograd():
    x, labels = rng.normal(size=(8, 5)), rng.integers(0, 3, size=8)
    params = [rng.normal(size=(5, 4)) * 0.5, rng.normal(size=4), rng.normal(size=(4, 3)),
              rng.normal(size=3)]

    def reference_ce(z, labels):
        return -anp.sum(_reference_log_softmax(z) * np.eye(3)[labels]) / len(labels)
    value, grads = ad.value_and_grad(_mlp(np, A.cross_entropy))(params, x, labels)
    expected = autograd.grad(_mlp(anp, reference_ce))(params, x, labels)
    assert np.isclose(value, _mlp(anp, reference_ce)(params, x, labels))
    assert isinstance(grads, list) and len(grads) == 4
    for g, e, p in zip(grads, expected, params):
        assert g.shape == p.shape and np.allclose(g, e, rtol=1e-10)


def test_hessian_and_hessian_vector_product_of_an_array_function():
    W = rng.normal(size=(3, 4))

    def f(M, x):
        return M.sum(M.tanh(W @ x) ** 2.0) + M.max(x * x) + (
            A.logsumexp(x) if M is np else aspecial.logsumexp(x))
    x = rng.normal(size=4)
    assert np.allclose(ad.hessian(lambda x: f(np, x))(x), autograd.hessian(lambda x: f(anp, x))(x),
                       rtol=1e-9, atol=1e-12)
    v = rng.normal(size=4)
    hvp = ad.grad(lambda x: np.sum(ad.grad(lambda z: f(np, z))(x) * v))(x)
    assert np.allclose(hvp, autograd.hessian(lambda x: f(anp, x))(x) @ v, rtol=1e-9)
    _, tangent = ad.jvp(ad.grad(lambda z: f(np, z)), (x,), (v,))  # forward over reverse
    assert np.allclose(tangent, hvp, rtol=1e-9)


def test_second_derivatives_of_matmul_softmax_and_concatenate():
    a = rng.normal(size=(2, 3))

    def f(M, b):
        z = a @ b
        joined = M.concatenate([z, M.transpose(z)[:1].T], axis=1)
        sm = A.softmax(joined) if M is np else anp.exp(_reference_log_softmax(joined))
        return M.sum(sm * M.mean(joined, axis=0))
    b = rng.normal(size=(3, 2))
    assert np.allclose(ad.hessian(lambda b: f(np, b))(b), autograd.hessian(lambda b: f(anp, b))(b),
                       rtol=1e-8, atol=1e-11)


VECTOR_FUNCTIONS = {
    "softmax": lambda x: A.softmax(x),
    "log_softmax of matrix": lambda x: A.log_softmax(np.reshape(x, (2, 3)), axis=0),
    "matmul": lambda x: np.reshape(x, (2, 3)) @ np.sin(np.reshape(x, (3, 2))),
    "transpose": lambda x: np.exp(np.reshape(x, (2, 3)).T),
    "concatenate": lambda x: np.concatenate([x[:2], np.sin(x), x[::-1]]),
    "max axis": lambda x: np.max(np.reshape(x, (3, 2)) ** 2.0, axis=1),
    "where": lambda x: np.where(x > 0.1, np.exp(x), x * 3.0),
    "cumulative by slicing": lambda x: A.array([np.sum(x[:i + 1]) for i in range(6)]),
}


@pytest.mark.parametrize("name", list(VECTOR_FUNCTIONS))
def test_forward_and_reverse_jacobians_agree(name):
    f = VECTOR_FUNCTIONS[name]
    x = rng.normal(size=6)
    forward = ad.jacobian(f, mode="forward")(x)
    reverse = ad.jacobian(f, mode="reverse")(x)
    numeric = np.zeros(np.shape(f(x)) + (6,))
    for j in range(6):
        e = np.zeros(6)
        e[j] = 1e-6
        numeric[..., j] = (np.asarray(f(x + e)) - np.asarray(f(x - e))) / 2e-6
    assert np.allclose(forward, reverse, rtol=1e-12, atol=1e-14)
    assert np.allclose(forward, numeric, rtol=1e-6, atol=1e-8)
