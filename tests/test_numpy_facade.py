"""``import adlab.numpy as anp``: numpy's names, builders that take traced values, and programs
written for HIPS autograd ported by changing their import line.

Each program is written once against a numpy-like module ``M``; adlab runs it with ``adlab.numpy``,
autograd (test-only) with ``autograd.numpy``, and the gradients must agree (to rounding) and
agree with central differences. Reference values never come from adlab.
"""
from __future__ import annotations

import importlib

import autograd
import autograd.numpy as agnp
import numpy as np
import pytest
from test_arrays import central_gradient

import adlab as ad
import adlab.numpy as anp
from adlab.engine.tape import NUMPY_FUNCTIONS, Tape

rng = np.random.default_rng(7)

BUILDERS = {"array", "asarray", "asanyarray", "ascontiguousarray", "stack", "vstack", "hstack",
            "dstack", "column_stack", "concatenate", "atleast_1d", "atleast_2d", "atleast_3d"}


def flat(tree):
    if isinstance(tree, (list, tuple)):
        return [leaf for item in tree for leaf in flat(item)]
    return [tree]


def same_gradients(mine, reference, rtol=1e-10):
    mine, reference = flat(mine), flat(reference)
    assert len(mine) == len(reference)
    for m, r in zip(mine, reference):
        assert np.shape(m) == np.shape(r)
        assert np.allclose(m, r, rtol=rtol, atol=1e-12), (m, r)


# ---------------------------------------------------------------- numpy's names

def test_every_name_of_numpy_is_there_and_is_numpys_own_but_the_builders():
    assert anp.__all__ == list(np.__all__)
    for name in np.__all__:
        assert hasattr(anp, name), name
        if name not in BUILDERS:
            assert getattr(anp, name) is getattr(np, name), name
    assert anp.pi == np.pi and anp.newaxis is None and anp.float64 is np.float64
    assert anp.inf == np.inf and anp.e == np.e and anp.ndarray is np.ndarray
    assert anp.testing is np.testing  # outside numpy's __all__: looked up in numpy
    assert "sin" in dir(anp) and "testing" in dir(anp)


def test_submodules_are_numpys_and_import_as_autograd_users_write_them():
    import adlab.numpy.linalg as la
    import adlab.numpy.random as npr
    from adlab.numpy import fft
    assert npr is np.random and la is np.linalg and fft is np.fft
    assert anp.linalg is np.linalg and anp.random is np.random and anp.fft is np.fft
    assert importlib.import_module("adlab.numpy.fft") is np.fft
    assert npr.RandomState(0).randn(3).shape == (3,)


def test_builders_on_plain_values_are_numpys():
    cases = [(lambda M: M.array([1, 2, 3]), None), (lambda M: M.array([[1.0, 2], [3, 4]], ndmin=3),
                                                    None),
             (lambda M: M.array([1, 2], dtype=np.float32), None), (lambda M: M.asarray((1, 2)), None),
             (lambda M: M.asarray([[1]], dtype=float), None),
             (lambda M: M.stack([[1, 2], [3, 4]], axis=1), None),
             (lambda M: M.vstack([[1, 2], [3, 4]]), None), (lambda M: M.hstack([[1], [2, 3]]), None),
             (lambda M: M.concatenate([[1.0], [2.0, 3.0]]), None),
             (lambda M: M.column_stack([[1, 2], [3, 4]]), None),
             (lambda M: M.dstack([[1, 2], [3, 4]]), None), (lambda M: M.atleast_2d([1, 2]), None),
             (lambda M: M.asanyarray([1.5]), None), (lambda M: M.ascontiguousarray([[1, 2]]), None)]
    for build, _ in cases:
        mine, numpy = build(anp), build(np)
        assert type(mine) is type(numpy) and mine.dtype == numpy.dtype
        assert np.array_equal(mine, numpy)
    a = np.arange(3.0)
    assert anp.asarray(a) is a  # no copy, as numpy


# ---------------------------------------------------------------- building arrays from traced values

def test_anp_array_of_traced_scalars_nested_lists_and_constants():
    def f(M, x, y):
        v = M.array([x * y, M.sin(x), y ** 2.0, 1.0])
        A = M.array([[x, y], [y, 2.0 * x]])
        column = (M.array if M is agnp else M.asarray)([[x], [3.0]])  # autograd's asarray boxes
        return M.sum(v ** 2.0) + M.sum(M.dot(A, M.array([1.0, x]))) + M.sum(
            column * M.array([y, 1.0]))
    args = (0.7, -1.3)
    value, grads = ad.value_and_grad(lambda x, y: f(anp, x, y), (0, 1))(*args)
    assert value == pytest.approx(f(agnp, *args), rel=1e-14)
    reference = autograd.grad(lambda x, y: f(agnp, x, y), (0, 1))(*args)
    same_gradients(grads, reference, rtol=1e-12)
    numeric = central_gradient(lambda x, y: f(np, float(x), float(y)), args)
    assert np.allclose(grads, numeric, rtol=1e-7)


def test_traced_arrays_pass_through_and_nested_lists_of_arrays_stack():
    x = rng.normal(size=3)

    def f(M, x):
        rows = M.array([x, 2.0 * x, [1.0, 2.0, 3.0]])          # arrays and a constant row
        joined = M.stack([[x[0], x[1]], [x[2], 1.0]])           # nested lists in stack
        return M.sum(rows @ x) + M.sum(joined ** 2.0) + M.sum(M.array(x, ndmin=2))
    grad = ad.grad(lambda x: f(anp, x))(x)
    same_gradients(grad, autograd.grad(lambda x: f(agnp, x))(x), rtol=1e-12)

    def g(M, x):  # what autograd's builders refuse (a list beside an array; ndmin of a list)
        both = M.concatenate([[x[0] * x[1]], x])
        return M.sum(M.sin(both)) + M.sum(M.array([x[0], 1.0], ndmin=3) * 2.0)
    grad = ad.grad(lambda x: g(anp, x))(x)
    assert np.allclose(grad, central_gradient(lambda x: g(np, x), (x,))[0], rtol=1e-7)
    assert ad.grad(lambda x: anp.asarray(x) is x and 1.0 * anp.sum(x))(x).tolist() == [1.0] * 3
    assert np.shape(ad.vjp(lambda x: anp.array([x[0], 1.0], ndmin=3), x)[0]) == (1, 1, 2)
    trace = str(ad.reverse(lambda x, y: anp.sum(anp.array([x, y]) ** 2.0), (1.0, 2.0)))
    assert "v1 = stack(v-1, v0)" in trace  # anp.array is recorded as a join of its elements


def test_stacking_builders_use_the_rule_for_their_numpy_function():
    """``anp.vstack([[x, y], [z, 1]])``: numpy's vstack, which hands the traced rows to adlab's
    rule for numpy.vstack (engine/shapes.py) if there is one; without a rule, the clear error."""
    def f(M, x, y):
        return (M.sum(M.vstack([[x, y], [y, 1.0]]) ** 2.0) + M.sum(M.hstack([[x], [y, x]]) * 3.0)
                + M.sum(M.column_stack([[x, y], [1.0, x]]) * M.array([1.0, 2.0])))
    args = (0.5, -2.0)
    needed = {np.vstack, np.hstack, np.column_stack}
    if needed <= set(NUMPY_FUNCTIONS):
        grads = ad.grad(lambda x, y: f(anp, x, y), (0, 1))(*args)
        same_gradients(grads, autograd.grad(lambda x, y: f(agnp, x, y), (0, 1))(*args))
    else:
        with pytest.raises(ad.UnsupportedOperationError, match=r"numpy\.(vstack|hstack|column_stack)"):
            ad.grad(lambda x, y: f(anp, x, y), (0, 1))(*args)


def test_plain_np_array_of_traced_values_points_to_anp_array():
    with pytest.raises(ad.UnsupportedOperationError, match=r"anp\.array\(\[x, y\]\)") as info:
        ad.grad(lambda x, y: np.sum(np.array([x, y])), (0, 1))(1.0, 2.0)
    assert "import adlab.numpy as anp" in str(info.value)


@pytest.mark.parametrize("build, says", [
    (lambda x, y: anp.array([x, 1j * y]), "complex numbers are outside adlab's scope"),
    (lambda x, y: anp.array([x, 1j]), "complex"),
    (lambda x, y: anp.array([x, y], dtype=complex), "dtype=complex128: complex numbers"),
    (lambda x, y: anp.array([x, y], dtype=int), "dtype=int64: it would drop the derivative"),
    (lambda x, y: anp.asarray([x, y], dtype=bool), "dtype=bool: it would drop the derivative"),
    (lambda x, y: anp.array([x, y], dtype=np.float32), "adlab computes in float64"),
])
def test_builders_refuse_what_would_lose_the_derivative(build, says):
    with pytest.raises(ad.UnsupportedOperationError, match=None) as info:
        ad.grad(lambda x, y: anp.sum(build(x, y)), (0, 1))(1.0, 2.0)
    assert says in str(info.value)
    assert isinstance(info.value, TypeError)


# ---------------------------------------------------------------- dispatch of numpy's own names

def test_numpys_own_functions_record_adlabs_entries():
    with Tape() as tape:
        x = tape.input(np.ones((2, 3)))
        anp.sin(x), anp.sum(x, axis=0), anp.where(x > 0, x, 0.0), anp.clip(x, 0, 1)
        anp.floor(x), x % 2.0, anp.hypot(x, x), anp.mean(x), anp.true_divide(x, 2.0)
    names = [prim.name for prim, *_ in tape.nodes[1:]]
    assert names == ["sin", "sum", "where", "clip", "floor", "mod", "hypot", "sum", "div", "div"]


@pytest.mark.parametrize("call, name", [
    (lambda x: anp.fmod(x, 2.0), "numpy.fmod"),
    (lambda x: anp.add.reduce(x), "numpy.add.reduce"),
    (lambda x: anp.linalg.eig(x), "numpy.linalg.eig"),  # complex eigenvalues: out of scope
    (lambda x: anp.nextafter(x, 2.0), "numpy.nextafter"),
])
def test_names_without_a_rule_raise_the_clear_error_naming_them(call, name):
    with pytest.raises(ad.UnsupportedOperationError) as info:
        ad.grad(lambda x: anp.sum(call(x)))(np.eye(2))
    assert name in str(info.value)


def test_shape_reading_functions_give_constants():
    def f(x):
        return anp.sum((anp.zeros_like(x) + anp.ones_like(x) * 2.0) * x) + anp.empty_like(x).size
    assert np.array_equal(ad.grad(f)(np.ones(3)), [2.0, 2.0, 2.0])


def test_linalg_functions_dispatch_to_the_rules_that_exist():
    """anp.linalg.norm is numpy's norm: with adlab's rule for it (engine/linalg.py) the gradient
    is autograd's; without one, the clear error naming it."""
    x = rng.normal(size=(3, 4))

    def f(M, x):
        return M.linalg.norm(x) + M.linalg.norm(x[0]) ** 2.0
    if np.linalg.norm in NUMPY_FUNCTIONS:
        same_gradients(ad.grad(lambda x: f(anp, x))(x), autograd.grad(lambda x: f(agnp, x))(x))
    else:
        with pytest.raises(ad.UnsupportedOperationError, match=r"numpy\.linalg\.norm"):
            ad.grad(lambda x: f(anp, x))(x)


# ---------------------------------------------------------------- programs written for autograd

def mlp_init(scale, sizes, rs):
    """autograd's examples/neural_net.py: a list of (weights, biases)."""
    return [(scale * rs.randn(m, n), scale * rs.randn(n)) for m, n in zip(sizes[:-1], sizes[1:])]


def mlp_log_posterior(M, params, inputs, targets, l2):
    def logsumexp(x):
        top = M.max(x, axis=1, keepdims=True)
        return top + M.log(M.sum(M.exp(x - top), axis=1, keepdims=True))

    def predict(params, inputs):
        for W, b in params:
            outputs = M.dot(inputs, W) + b
            inputs = M.tanh(outputs)
        return outputs - logsumexp(outputs)
    log_prior = -l2 * sum(M.sum(W ** 2) + M.sum(b ** 2) for W, b in params)
    return log_prior + M.sum(predict(params, inputs) * targets)


def test_an_mlp_written_for_autograd():
    rs = anp.random.RandomState(0)
    params = mlp_init(0.1, [6, 8, 3], rs)
    inputs = rs.randn(5, 6)
    targets = np.eye(3)[rs.randint(0, 3, size=5)]
    value, grads = ad.value_and_grad(lambda p: mlp_log_posterior(anp, p, inputs, targets, 0.1))(
        params)
    assert value == pytest.approx(mlp_log_posterior(agnp, params, inputs, targets, 0.1), rel=1e-13)
    reference = autograd.grad(lambda p: mlp_log_posterior(agnp, p, inputs, targets, 0.1))(params)
    assert isinstance(grads, list) and all(isinstance(layer, tuple) for layer in grads)
    same_gradients(grads, reference)
    w0 = params[0][0]
    numeric = central_gradient(lambda w: mlp_log_posterior(
        np, [(w, params[0][1]), params[1]], inputs, targets, 0.1), (w0,))[0]
    assert np.allclose(grads[0][0], numeric, rtol=1e-6, atol=1e-8)


def test_logistic_regression_as_in_autograds_readme():
    inputs = np.array([[0.52, 1.12, 0.77], [0.88, -1.08, 0.15], [0.52, 0.06, -1.30],
                       [0.74, -2.49, 1.39]])
    targets = np.array([True, True, False, True])

    def training_loss(M, weights):
        def sigmoid(x):
            return 0.5 * (M.tanh(x / 2.0) + 1)
        preds = sigmoid(M.dot(inputs, weights))
        label_probabilities = preds * targets + (1 - preds) * (1 - targets)
        return -M.sum(M.log(label_probabilities))
    weights = np.array([0.0, 0.0, 0.0])
    for _ in range(3):  # a few steps of gradient descent, the README's loop
        g = ad.grad(lambda w: training_loss(anp, w))(weights)
        same_gradients(g, autograd.grad(lambda w: training_loss(agnp, w))(weights), rtol=1e-12)
        weights = weights - 0.01 * g
    assert training_loss(np, weights) < training_loss(np, np.zeros(3))


def test_rosenbrock_gradient_and_hessian():
    def rosenbrock(M, x):
        return M.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    x = np.array([-1.2, 1.0, 0.5, 2.0])
    same_gradients(ad.grad(lambda x: rosenbrock(anp, x))(x),
                   autograd.grad(lambda x: rosenbrock(agnp, x))(x), rtol=1e-13)
    same_gradients(ad.hessian(lambda x: rosenbrock(anp, x))(x),
                   autograd.hessian(lambda x: rosenbrock(agnp, x))(x), rtol=1e-13)


def test_where_clip_sign_and_remainder_in_one_program():
    x = rng.uniform(-2, 2, size=(3, 4))
    x = np.where(np.abs(x) < 0.05, 0.3, x)

    def f(M, x):
        leaky = M.where(x > 0, x, 0.01 * x)
        periodic = M.sin(2.0 * M.pi * (x % 1.3)) * M.clip(x, -0.9, 0.9)
        return (M.sum(leaky ** 2) + M.sum(periodic) + M.sum(M.abs(x) * M.sign(x) * x)
                + M.sum(M.hypot(x, 1.0) + M.exp2(x) / M.reciprocal(M.fabs(x) + 1.0)))
    grad = ad.grad(lambda x: f(anp, x))(x)
    same_gradients(grad, autograd.grad(lambda x: f(agnp, x))(x))
    assert np.allclose(grad, central_gradient(lambda x: f(np, x), (x,))[0], rtol=1e-6,
                       atol=1e-8)
    forward = ad.jacobian(lambda x: f(anp, x), mode="forward")(x)
    assert np.allclose(forward, grad, rtol=1e-12)
