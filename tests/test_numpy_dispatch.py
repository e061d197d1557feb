"""Plain numpy code on traced values: what dispatches to adlab's rules, and what refuses clearly."""
from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import adlab as ad
from adlab.engine import arrays as A
from adlab.engine.tape import Tape

rng = np.random.default_rng(1)


def test_the_issue_examples_dispatch_to_adlab():
    x, W = rng.normal(size=(4, 3)), rng.normal(size=(3, 3))

    def f(x, W):
        return np.sum(np.sum(np.sin(x), axis=0) + np.exp(x) @ W)

    def reference(x, W):
        return anp.sum(anp.sum(anp.sin(x), axis=0) + anp.exp(x) @ W)
    value, grads = ad.value_and_grad(f, (0, 1))(x, W)
    assert np.isclose(value, reference(x, W))
    for g, e in zip(grads, autograd.grad(reference, (0, 1))(x, W)):
        assert np.allclose(g, e, rtol=1e-12)


def test_numpy_functions_record_the_same_primitives_as_adlab_functions():
    with Tape() as tape:
        x = tape.input(np.ones((2, 3)))
        np.sin(x), np.sum(x, axis=0), np.exp(x) @ np.ones((3, 1)), np.mean(x), np.max(x, axis=1)
        np.transpose(x), np.concatenate([x, x]), np.where(x > 0, x, 0.0), np.dot(x, np.ones(3))
    names = [prim.name for prim, *_ in tape.nodes[1:]]
    assert names == ["sin", "sum", "exp", "matmul", "sum", "div", "max", "transpose",
                     "concatenate", "where", "matmul"]


def test_ndarray_on_the_left_defers_to_traced_values():
    c = rng.normal(size=(2, 3))
    x = rng.normal(size=(3, 3))
    g = ad.grad(lambda x: np.sum(c @ x + c * x[:, 0:1].T.T.sum()))(x)
    expected = autograd.grad(lambda x: anp.sum(c @ x + c * anp.sum(x[:, 0:1])))(x)
    assert g.shape == (3, 3) and np.allclose(g, expected, rtol=1e-12)


@pytest.mark.parametrize("call, name", [
    (lambda x: np.nancumsum(x), "numpy.nancumsum"),
    (lambda x: np.partition(x, 1), "numpy.partition"),
    (lambda x: np.nanprod(x), "numpy.nanprod"),
    (lambda x: np.fmod(x, 2.0), "numpy.fmod"),
    (lambda x: np.linalg.pinv(x), "numpy.linalg.pinv"),
    (lambda x: np.linalg.lstsq(x, np.ones(2))[0], "numpy.linalg.lstsq"),
    (lambda x: np.linalg.eig(x)[0], "numpy.linalg.eig"),
    (lambda x: np.fft.fft(x).real, "numpy.fft.fft"),
    (lambda x: np.unique(x), "numpy.unique"),
    (lambda x: np.nansum(x), "numpy.nansum"),
    (lambda x: np.pad(x, 1, mode="reflect"), "numpy.pad with mode='reflect'"),
    (lambda x: np.add.reduce(x), "numpy.add.reduce"),
    (lambda x: np.sin(x, out=np.empty((2, 2))), "numpy.sin with arguments ['out']"),
    (lambda x: np.einsum("ij->i", x, out=np.empty(2)), "numpy.einsum with arguments ['out']"),
])
def test_unsupported_numpy_function_names_itself(call, name):
    with pytest.raises(ad.UnsupportedOperationError) as info:
        ad.grad(lambda x: np.sum(call(x)))(np.ones((2, 2)))
    assert name in str(info.value)
    assert isinstance(info.value, TypeError)


def test_np_array_of_traced_values_points_to_ad_array():
    with pytest.raises(ad.UnsupportedOperationError, match=r"ad\.array\(\[x, y\]\)"):
        ad.grad(lambda x, y: np.sum(np.array([x, y])))(1.0, 2.0)
    g = ad.grad(lambda x, y: np.sum(A.array([x, y]) ** 2.0), (0, 1))(1.0, 2.0)
    assert g == (2.0, 4.0)
    g = ad.grad(lambda x, y: np.sum(np.stack([x, y]) ** 2.0), (0, 1))(1.0, 2.0)
    assert g == (2.0, 4.0)


def test_comparisons_and_inspections_read_values():
    def f(x):
        assert np.shape(x) == (3,) and np.ndim(x) == 1 and np.size(x) == 3
        assert np.all(np.isfinite(x)) and x.shape == (3,) and x.T.shape == (3,)
        mask = np.greater(x, 0.0)  # a plain boolean array: a constant
        assert mask.dtype == bool
        return np.sum(np.where(mask, x, -x))
    assert np.allclose(ad.grad(f)(np.array([1.0, -2.0, 3.0])), [1.0, -1.0, 1.0])


def test_array_program_trace_shows_shapes_not_values():
    x, labels = rng.normal(size=(64, 20)), rng.integers(0, 10, size=64)
    W1, W2 = rng.normal(size=(20, 128)) * 0.1, rng.normal(size=(128, 10)) * 0.1

    def loss(W1, W2):
        return A.cross_entropy(np.tanh(x @ W1) @ W2, labels)
    trace = ad.reverse(loss, (W1, W2))
    text = str(trace)
    assert "64×128" in text and "20×128" in text and "64×10" in text
    assert "matmul" not in text or "@" in text
    assert len(text) < 10_000  # shapes, not 8,192 values
    assert np.allclose(trace.grad[0], ad.grad(loss)(W1, W2))
