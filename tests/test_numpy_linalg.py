"""numpy.linalg on traced values (adlab/engine/linalg.py).

Each case is a scalar function written once against a numpy-like module ``M``: adlab runs it with
plain ``numpy`` (traced values dispatch to adlab's rules), the reference with ``autograd.numpy``
(test-only; autograd's ``numpy.linalg`` rules: inv, solve, det, slogdet, cholesky, eigh, svd, norm)
or with formulas written out in it (the norms adlab has and autograd has not). Central differences
check everything, also what autograd lacks (qr, det at a singular matrix). Reference values never
come from adlab. Matrices are well conditioned and seeded: SPD ones for cholesky, symmetric ones
with separated eigenvalues for eigh; eigen- and singular vectors enter through sign-invariant
functions (``V * V``, ``U diag(c) Vh``).
"""
from __future__ import annotations

import itertools
import re

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from conftest import numeric_jacobian

import adlab as ad
from adlab.engine.tape import NUMPY_FUNCTIONS, PRIMITIVES, Tape, raw

rng = np.random.default_rng(13)
LINALG_ENTRIES = ("inv", "solve", "det", "logabsdet", "cholesky", "eigvalsh", "eigh_vectors",
                  "qr_q", "qr_r", "svd_u", "svd_s", "svd_vh", "norm")


def general(shape):
    """A well-conditioned square matrix (or stack): Gaussian plus n on the diagonal."""
    n = shape[-1]
    return rng.normal(size=shape) + n * np.eye(n)


def spd(shape):
    """A symmetric positive-definite matrix (or stack): B Bᵀ + n I."""
    b = rng.normal(size=shape)
    return b @ np.swapaxes(b, -1, -2) + shape[-1] * np.eye(shape[-1])


def symmetric(shape):
    """A symmetric matrix (or stack) with eigenvalues at least 0.7 apart."""
    n = shape[-1]
    q, _ = np.linalg.qr(rng.normal(size=shape))
    w = np.sort(rng.uniform(-1, 1, size=shape[:-1]), axis=-1) + 0.8 * np.arange(n)
    a = (q * w[..., None, :]) @ np.swapaxes(q, -1, -2)
    return (a + np.swapaxes(a, -1, -2)) / 2


def sym(M, a):
    """The symmetric part, written in the function: derivatives along symmetric directions."""
    return (a + M.swapaxes(a, -1, -2)) / 2


def check(f_adlab, f_reference, args, autograd_too=True, rtol=1e-6, atol=1e-7):
    """adlab's value and gradient == the reference's (autograd's gradient, to rounding) and ==
    central differences of the reference function."""
    argnums = tuple(range(len(args)))
    value, grads = ad.value_and_grad(f_adlab, argnums)(*args)
    assert np.allclose(value, f_reference(*args), rtol=1e-12, atol=1e-12)
    expected = autograd.grad(f_reference, argnums)(*args) if autograd_too else [None] * len(args)
    for k, (g, x, e) in enumerate(zip(grads, args, expected)):
        numeric = numeric_jacobian(
            lambda z: f_reference(*[z if j == k else a for j, a in enumerate(args)]), x)
        assert np.shape(g) == np.shape(x)
        if e is not None:
            assert np.allclose(g, e, rtol=1e-9, atol=1e-11), (g, e)
        assert np.allclose(g, numeric, rtol=rtol, atol=atol), (g, numeric)


def numeric_hessian(f, x, h=1e-4):
    """Central differences of central differences (exact to rounding for a multilinear det)."""
    return numeric_jacobian(lambda z: numeric_jacobian(f, z, h), x, h)


# ---------------------------------------------------------------- inv, solve

@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 3, 3), (2, 1, 4, 4)], ids=str)
def test_inv(shape):
    a, w = general(shape), rng.normal(size=shape)
    check(lambda a: np.sum(w * np.linalg.inv(a)), lambda a: anp.sum(w * anp.linalg.inv(a)), (a,))
    assert np.allclose(ad.linalg.inv(a), np.linalg.inv(a), rtol=1e-15)


# (a, b, autograd applies): numpy 2 reads a 1-D b as one vector, any other b as matrices; autograd
# 1.x does not broadcast a 1-D b over a stack, nor a over a stack of b
SOLVE_SHAPES = [((3, 3), (3,), True), ((3, 3), (3, 2), True), ((2, 3, 3), (2, 3, 4), True),
                ((1, 1), (1,), True), ((2, 3, 3), (3,), False), ((3, 3), (2, 3, 2), False),
                ((2, 1, 3, 3), (4, 3, 1), False)]


@pytest.mark.parametrize("sa, sb, autograd_too", SOLVE_SHAPES, ids=lambda s: str(s))
def test_solve_both_arguments_traced_and_broadcast(sa, sb, autograd_too):
    a, b = general(sa), rng.normal(size=sb)
    w = rng.normal(size=np.linalg.solve(a, b).shape)
    check(lambda a, b: np.sum(w * np.linalg.solve(a, b)),
          lambda a, b: anp.sum(w * anp.linalg.solve(a, b)), (a, b), autograd_too)


def test_solve_with_a_constant_on_either_side():
    a, b = general((3, 3)), rng.normal(size=(3, 2))
    check(lambda b: np.sum(np.linalg.solve(a, b) ** 2),
          lambda b: anp.sum(anp.linalg.solve(a, b) ** 2), (b,))
    check(lambda a: np.sum(np.linalg.solve(a, b) ** 2),
          lambda a: anp.sum(anp.linalg.solve(a, b) ** 2), (a,))


# ---------------------------------------------------------------- det, slogdet

@pytest.mark.parametrize("shape", [(1, 1), (2, 2), (3, 3), (2, 3, 3)], ids=str)
def test_det(shape):
    a = general(shape)
    a[..., 0, :] *= -1  # some negative determinants too
    w = rng.normal(size=shape[:-2])
    check(lambda a: np.sum(w * np.linalg.det(a)), lambda a: anp.sum(w * anp.linalg.det(a)), (a,))
    assert type(ad.linalg.det(general((3, 3)))) is float


SINGULAR = {
    "2x2 rank 1": np.array([[1.0, 2.0], [2.0, 4.0]]),
    "3x3 rank 2": np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]),
    "3x3 rank 1": np.outer([1.0, 2.0, -1.0], [0.5, 1.0, 3.0]),
    "zero": np.zeros((3, 3)),
    "1x1 zero": np.zeros((1, 1)),
    "stack, one singular": np.stack([np.array([[1.0, 2.0], [2.0, 4.0]]), np.eye(2) * 3.0]),
}


@pytest.mark.parametrize("name", list(SINGULAR))
def test_det_at_a_singular_matrix_is_the_cofactor_matrix(name):
    """det is multilinear: central differences are exact to rounding, also at a singular matrix,
    where det(a) a⁻ᵀ does not exist but the cofactors do."""
    a = SINGULAR[name]
    w = np.arange(1.0, 1.0 + np.size(np.linalg.det(a)))

    def f(a):
        return np.sum(w * np.linalg.det(a))
    g = ad.grad(f)(a)
    assert np.allclose(g, numeric_jacobian(f, a), rtol=1e-9, atol=1e-9)
    if name == "2x2 rank 1":  # by hand: adj([[a, b], [c, d]])ᵀ = [[d, -c], [-b, a]]
        assert np.allclose(g, [[4.0, -2.0], [-2.0, 1.0]], rtol=0, atol=1e-14)
    # second order at the singular matrix: the minors' determinants are traced too
    assert np.allclose(ad.hessian(f)(a), numeric_hessian(f, a), rtol=1e-6, atol=1e-6)
    _, tangent = ad.jvp(f, (a,), (np.ones_like(a),))
    assert np.isclose(tangent, np.sum(numeric_jacobian(f, a)), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 3, 3)], ids=str)
def test_slogdet_differentiates_logabsdet_and_gives_the_sign_as_a_constant(shape):
    a = general(shape)
    a[..., 0, :] *= -1
    w = rng.normal(size=shape[:-2])
    check(lambda a: np.sum(w * np.linalg.slogdet(a)[1]),
          lambda a: anp.sum(w * anp.linalg.slogdet(a)[1]), (a,))
    sign, logabsdet = ad.linalg.slogdet(a)
    assert np.array_equal(sign, np.linalg.slogdet(a).sign)
    assert np.allclose(logabsdet, np.linalg.slogdet(a).logabsdet, rtol=1e-15)
    assert ad.linalg.slogdet(a)._fields == ("sign", "logabsdet")  # numpy's result type


def test_hessians_of_logdet_and_det():
    a = general((3, 3))
    for name in ("logdet", "det"):
        def f(M, a):
            return M.linalg.slogdet(a)[1] if name == "logdet" else M.linalg.det(a)
        expected = autograd.hessian(lambda a: f(anp, a))(a)
        assert np.allclose(ad.hessian(lambda a: f(np, a))(a), expected, rtol=1e-9, atol=1e-12)
        assert np.allclose(ad.jacobian(ad.grad(lambda a: f(np, a)), mode="forward")(a), expected,
                           rtol=1e-9, atol=1e-12)
    # by hand: ∂²logdet/∂a_ij∂a_kl = -(a⁻¹)_jk (a⁻¹)_li
    inverse = np.linalg.inv(a)
    by_hand = -np.einsum("jk,li->ijkl", inverse, inverse)
    assert np.allclose(ad.hessian(lambda a: np.linalg.slogdet(a)[1])(a), by_hand, rtol=1e-12)


# ---------------------------------------------------------------- cholesky

@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 4, 4)], ids=str)
def test_cholesky_murray_vjp_along_symmetric_directions(shape):
    a, w = spd(shape), rng.normal(size=shape)
    check(lambda a: np.sum(w * np.linalg.cholesky(sym(np, a))),
          lambda a: anp.sum(w * anp.linalg.cholesky(sym(anp, a))), (a,))
    # on a symmetric matrix directly, adlab's gradient is autograd's (both symmetric)
    g = ad.grad(lambda a: np.sum(w * np.linalg.cholesky(a)))(a)
    assert np.allclose(g, autograd.grad(lambda a: anp.sum(w * anp.linalg.cholesky(a)))(a),
                       rtol=1e-10, atol=1e-12)
    assert np.allclose(g, np.swapaxes(g, -1, -2), rtol=0, atol=1e-14)


def test_cholesky_upper_and_second_order():
    a = spd((3, 3))
    assert np.allclose(ad.linalg.cholesky(a, upper=True), np.linalg.cholesky(a, upper=True))
    check(lambda a: np.sum(np.linalg.cholesky(sym(np, a), upper=True) ** 3),
          lambda a: anp.sum(anp.linalg.cholesky(sym(anp, a)).T ** 3), (a,))
    f = (lambda M: lambda a: M.sum(M.linalg.cholesky(sym(M, a)) ** 3))
    assert np.allclose(ad.hessian(f(np))(a), autograd.hessian(f(anp))(a), rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------- eigh

def _eigh_function(weights, c):
    """λ and sign-invariant functions of V (V*V, V diag(c) Vᵀ) against random weights."""
    def make(M):
        def f(a):
            w, v = M.linalg.eigh(sym(M, a))
            return (M.sum(weights[0] * w) + M.sum(weights[1] * v * v)
                    + M.sum(weights[2] * ((v * c) @ M.swapaxes(v, -1, -2))))
        return f
    return make


@pytest.mark.parametrize("shape", [(1, 1), (2, 2), (4, 4), (2, 3, 3)], ids=str)
def test_eigh_eigenvalues_and_eigenvectors(shape):
    a = symmetric(shape)
    weights = (rng.normal(size=shape[:-1]), rng.normal(size=shape), rng.normal(size=shape))
    make = _eigh_function(weights, rng.normal(size=shape[-1]))
    check(make(np), make(anp), (a,))
    w, v = ad.linalg.eigh(a)
    assert np.allclose(w, np.linalg.eigh(a).eigenvalues) and np.allclose(np.abs(v), np.abs(
        np.linalg.eigh(a).eigenvectors))


def test_eigvalsh_and_the_symmetric_convention():
    a, weights = symmetric((3, 3)), rng.normal(size=3)
    check(lambda a: np.sum(weights * np.linalg.eigvalsh(sym(np, a))),
          lambda a: anp.sum(weights * anp.linalg.eigh(sym(anp, a))[0]), (a,))
    # on a symmetric matrix directly: autograd gives everything to the lower triangle numpy
    # reads, adlab splits it evenly between a[i, j] and a[j, i] (JAX's convention)
    g = ad.grad(lambda a: np.sum(weights * np.linalg.eigvalsh(a)))(a)
    lower = autograd.grad(lambda a: anp.sum(weights * anp.linalg.eigh(a)[0]))(a)
    assert np.allclose(np.triu(lower, 1), 0)
    assert np.allclose(g, (lower + lower.T) / 2, rtol=1e-10, atol=1e-12)


def test_eigh_second_order():
    a = symmetric((3, 3))
    make = _eigh_function((rng.normal(size=3), rng.normal(size=(3, 3)), rng.normal(size=(3, 3))),
                          rng.normal(size=3))
    expected = autograd.hessian(make(anp))(a)
    assert np.allclose(ad.hessian(make(np))(a), expected, rtol=1e-8, atol=1e-10)
    assert np.allclose(ad.jacobian(ad.grad(make(np)), mode="forward")(a), expected, rtol=1e-8,
                       atol=1e-10)


def test_repeated_eigenvalues():
    # a function symmetric in the repeated eigenvalues has a derivative: Σλ² = ‖A‖²_F -> 2A
    a = np.diag([2.0, 2.0, 5.0])
    assert np.allclose(ad.grad(lambda a: np.sum(np.linalg.eigvalsh(a) ** 2))(a), 2 * a)
    assert np.allclose(ad.grad(lambda a: np.sum(np.linalg.eigvalsh(a)))(a), np.eye(3))
    # one of them alone has none, nor have the eigenvectors
    with pytest.raises(ad.DerivativeError, match=r"v1 = eigh\(v0\)\.eigenvalues .*eigenvalues "
                       r"\[0\] and \[1\] are equal \(both 2\).*weighs them differently"):
        ad.grad(lambda a: np.linalg.eigvalsh(a)[0])(a)
    stack = np.stack([np.diag([1.0, 2.0, 3.0]), a])  # the message says which matrix
    with pytest.raises(ad.DerivativeError, match=r"of matrix \(1,\) of the stack"):
        ad.grad(lambda a: np.sum(np.linalg.eigvalsh(a)[..., 0]))(stack)
    with pytest.raises(ad.DerivativeError, match=r"v2 = eigh\(v0\)\.eigenvectors .*not unique"):
        ad.grad(lambda a: np.sum(np.linalg.eigh(a)[1] ** 4))(a)
    # forward mode: a direction that moves them together has a derivative, one that splits them not
    _, tangent = ad.jvp(lambda a: np.linalg.eigvalsh(a), (a,), (np.eye(3) * 3.0,))
    assert np.allclose(tangent, [3.0, 3.0, 3.0])
    with pytest.raises(ad.DerivativeError, match="this direction splits them"):
        ad.jvp(lambda a: np.linalg.eigvalsh(a), (a,), (np.diag([1.0, 0.0, 0.0]),))
    with pytest.raises(ad.DerivativeError, match=r"np\.linalg\.eigvalsh\(a\)"):  # the hint
        ad.jvp(lambda a: np.linalg.eigh(a)[0], (a,), (np.eye(3),))


# ---------------------------------------------------------------- qr (central differences)

@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (4, 3), (2, 4, 3), (3, 5), (2, 2, 4)], ids=str)
def test_qr_reduced_square_tall_and_wide(shape):
    """autograd has no rule for qr: the reference is central differences (LAPACK's signs are the
    same on either side of a generic matrix)."""
    a = rng.normal(size=shape)
    q, r = np.linalg.qr(a)
    wq, wr = rng.normal(size=q.shape), rng.normal(size=r.shape)

    def f(a):
        q, r = np.linalg.qr(a)
        return np.sum(wq * q) + np.sum(wr * r)
    g = ad.grad(f)(a)
    assert np.allclose(g, numeric_jacobian(f, a), rtol=1e-6, atol=1e-7)
    tq, tr = ad.linalg.qr(a)
    assert np.allclose(tq, q, atol=1e-13) and np.allclose(tr, r, atol=1e-13)
    assert np.allclose(ad.linalg.qr(a, mode="r"), r, atol=1e-13)


def test_qr_second_order():
    a = rng.normal(size=(4, 3))

    def f(a):
        q, r = np.linalg.qr(a)
        return np.sum(q ** 3) + np.sum(np.sin(r))
    assert np.allclose(ad.hessian(f)(a), numeric_hessian(f, a), rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------- svd

def _svd_function(ws, wu, wv, c):
    def make(M):
        def f(a):
            u, s, vh = M.linalg.svd(a, full_matrices=False)
            return M.sum(ws * s) + M.sum(wu * u * u) + M.sum(wv * ((u * c) @ vh))
        return f
    return make


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (4, 3), (3, 5), (2, 4, 3)], ids=str)
def test_svd(shape):
    a = rng.normal(size=shape)
    u, s, _ = np.linalg.svd(a, full_matrices=False)
    make = _svd_function(rng.normal(size=s.shape), rng.normal(size=u.shape),
                         rng.normal(size=shape), rng.normal(size=s.shape[-1]))
    check(make(np), make(anp), (a,))
    check(lambda a: np.sum(np.linalg.svd(a, compute_uv=False) ** 3),
          lambda a: anp.sum(anp.linalg.svd(a, full_matrices=False)[1] ** 3), (a,))


def test_svd_second_order_and_full_matrices_of_a_square_matrix():
    a = rng.normal(size=(4, 3))
    make = _svd_function(rng.normal(size=3), rng.normal(size=(4, 3)), rng.normal(size=(4, 3)),
                         rng.normal(size=3))
    assert np.allclose(ad.hessian(make(np))(a), autograd.hessian(make(anp))(a), rtol=1e-8,
                       atol=1e-10)
    square = rng.normal(size=(3, 3))  # full_matrices=True (numpy's default) is the same there
    check(lambda a: np.sum(np.linalg.svd(a)[2] ** 4),
          lambda a: anp.sum(anp.linalg.svd(a, full_matrices=False)[2] ** 4), (square,))


# ---------------------------------------------------------------- norm

def _vector_reference(z, ord, axis, keepdims):  # noqa: A002
    """The vector norms written out in autograd.numpy, independent of any norm function."""
    if ord in (None, 2):
        y = anp.sqrt(anp.sum(z * z, axis=axis, keepdims=keepdims))
    elif ord == 1:
        y = anp.sum(anp.abs(z), axis=axis, keepdims=keepdims)
    elif ord == np.inf:
        y = anp.max(anp.abs(z), axis=axis, keepdims=keepdims)
    elif ord == -np.inf:
        y = anp.min(anp.abs(z), axis=axis, keepdims=keepdims)
    elif ord == 0:
        y = anp.sum(z != 0, axis=axis, keepdims=keepdims) * 1.0 + 0.0 * anp.sum(z, axis=axis,
                                                                             keepdims=keepdims)
    else:
        y = anp.sum(anp.abs(z) ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)
    return y


VECTOR_ORDS = [None, 2, 1, np.inf, -np.inf, 3, 0.5, -1, -2.5, 0]
VECTOR_CASES = [((5,), None, False), ((3, 4), 1, False), ((3, 4), 0, True), ((3, 4), -1, True),
                ((2, 3, 4), 1, False), ((1,), None, False)]


@pytest.mark.parametrize("ord", VECTOR_ORDS, ids=str)
@pytest.mark.parametrize("shape, axis, keepdims", VECTOR_CASES, ids=str)
def test_vector_norms(ord, shape, axis, keepdims):  # noqa: A002
    x = rng.uniform(0.3, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)  # no zeros, no ties
    w = rng.normal(size=np.shape(np.linalg.norm(x, ord, axis, keepdims)))
    check(lambda x: np.sum(w * np.linalg.norm(x, ord, axis, keepdims)),
          lambda x: anp.sum(w * _vector_reference(x, ord, axis, keepdims)), (x,))


def test_the_2_norm_of_a_whole_array_without_ord():
    x = rng.normal(size=(2, 3, 4))
    check(lambda x: np.linalg.norm(x), lambda x: anp.sqrt(anp.sum(x * x)), (x,))
    check(lambda x: np.sum(np.linalg.norm(x, keepdims=True)),
          lambda x: anp.linalg.norm(x), (x,))
    assert np.shape(ad.linalg.norm(x, keepdims=True)) == (1, 1, 1)


def _matrix_reference(z, ord, axes, keepdims):  # noqa: A002
    """The matrix norms written out in autograd.numpy, for the matrices on ``axes``."""
    moved = anp.moveaxis(anp.moveaxis(z, axes[0], -1), axes[1] if axes[1] < axes[0]
                         else axes[1] - 1, -1)  # rows, columns last
    if ord in (None, "fro"):
        y = anp.sqrt(anp.sum(moved * moved, axis=(-2, -1)))
    elif ord in ("nuc", 2, -2):
        s = anp.linalg.svd(moved, full_matrices=False)[1]
        y = anp.sum(s, axis=-1) if ord == "nuc" else (anp.max if ord == 2 else anp.min)(s, axis=-1)
    else:
        sums = anp.sum(anp.abs(moved), axis=-2 if abs(ord) == 1 else -1)
        y = (anp.max if ord > 0 else anp.min)(sums, axis=-1)
    if keepdims:
        y = anp.reshape(y, tuple(1 if i in axes else n for i, n in enumerate(z.shape)))
    return y


MATRIX_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]
MATRIX_CASES = [((3, 4), None, False), ((4, 3), None, True), ((2, 3, 4), (1, 2), False),
                ((3, 2, 4), (2, 0), True), ((3, 4, 2), (-3, -2), False)]


@pytest.mark.parametrize("ord", MATRIX_ORDS, ids=str)
@pytest.mark.parametrize("shape, axis, keepdims", MATRIX_CASES, ids=str)
def test_matrix_norms(ord, shape, axis, keepdims):  # noqa: A002
    x = rng.uniform(0.3, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    axes = (0, 1) if axis is None else tuple(a % len(shape) for a in axis)
    w = rng.normal(size=np.shape(np.linalg.norm(x, ord, axis, keepdims)))
    check(lambda x: np.sum(w * np.linalg.norm(x, ord, axis, keepdims)),
          lambda x: anp.sum(w * _matrix_reference(x, ord, axes, keepdims)), (x,))


def test_norm_subgradients_at_ties_and_zeros_follow_abs_and_max():
    """Stated conventions: sign(0) = 0, and ties for the largest share the derivative equally
    (autograd's abs and max do the same, so it is the reference)."""
    cases = [(np.array([3.0, -3.0, 1.0]), np.inf), (np.array([1.0, -1.0, 2.0]), -np.inf),
             (np.array([0.0, -2.0, 1.0]), 1), (np.zeros(3), 1), (np.zeros(3), np.inf)]
    for x, ord in cases:
        g = ad.grad(lambda x: np.linalg.norm(x, ord))(x)
        assert np.allclose(g, autograd.grad(lambda x: _vector_reference(x, ord, None, False))(x))
    assert np.allclose(ad.grad(lambda x: np.linalg.norm(x, np.inf))(np.array([3.0, -3.0, 1.0])),
                       [0.5, -0.5, 0.0])
    tied = np.array([[1.0, -2.0], [2.0, 1.0]])  # both columns sum to 3: the 1-norm's tie
    for ord in (1, np.inf, -1, -np.inf):
        g = ad.grad(lambda x: np.linalg.norm(x, ord))(tied)
        assert np.allclose(g, autograd.grad(lambda x: _matrix_reference(x, ord, (0, 1), False))(
            tied))
    assert np.allclose(ad.grad(lambda x: np.linalg.norm(x, 1))(tied), np.sign(tied) / 2)


@pytest.mark.parametrize("ord, x", [(None, np.zeros(3)), (2, np.zeros(3)), (3, np.zeros(2)),
                                    ("fro", np.zeros((2, 2))), (0.5, np.array([0.0, 1.0]))],
                         ids=str)
def test_norm_at_zero_has_no_derivative(ord, x):
    with pytest.raises(ad.DerivativeError, match=r"derivative of v1 = ‖v0‖.* does not exist"):
        ad.grad(lambda x: np.linalg.norm(x, ord))(x)
    if ord in (None, 2):
        with pytest.raises(ad.DerivativeError, match="cone point"):
            ad.jvp(lambda x: np.linalg.norm(x, ord), (x,), (np.ones_like(x),))


def test_norm_hessians():
    x, m = rng.normal(size=4), rng.normal(size=(3, 3))
    for f, a in [(lambda M, x: M.linalg.norm(x), x),
                 (lambda M, x: M.linalg.norm(x, 3) if M is np
                  else anp.sum(anp.abs(x) ** 3) ** (1 / 3), x),
                 (lambda M, x: M.linalg.norm(x, "fro"), m),
                 (lambda M, x: M.sum(M.linalg.norm(x, axis=1) ** 3), m),
                 (lambda M, x: M.linalg.norm(x, "nuc"), m)]:
        expected = autograd.hessian(lambda a: f(anp, a))(a)
        assert np.allclose(ad.hessian(lambda a: f(np, a))(a), expected, rtol=1e-8, atol=1e-10)


def test_vector_norm_matrix_norm_and_lists():
    x = rng.normal(size=(2, 3, 4))
    check(lambda x: np.sum(np.linalg.vector_norm(x, axis=(0, 2), ord=3)),
          lambda x: anp.sum(anp.sum(anp.abs(x) ** 3, axis=(0, 2)) ** (1 / 3)), (x,))
    check(lambda x: np.linalg.vector_norm(x, ord=np.inf),
          lambda x: anp.max(anp.abs(x)), (x,))
    check(lambda x: np.sum(np.linalg.vector_norm(x, axis=1, keepdims=True)),
          lambda x: anp.sum(anp.sqrt(anp.sum(x * x, axis=1))), (x,))
    assert np.shape(ad.linalg.vector_norm(x, axis=(0, 2), keepdims=True)) == (1, 3, 1)
    check(lambda x: np.sum(np.linalg.matrix_norm(x, ord="nuc")),
          lambda x: anp.sum(anp.linalg.svd(x, full_matrices=False)[1]), (x,))
    g = ad.grad(lambda a, b: ad.linalg.norm([a, b]), (0, 1))(3.0, 4.0)
    assert np.allclose(g, (0.6, 0.8))


# ---------------------------------------------------------------- composed: matrix_power, multi_dot

@pytest.mark.parametrize("n", [0, 1, 2, 5, -1, -3])
def test_matrix_power(n):
    a = general((3, 3)) / 3.0

    def reference(a):
        base = anp.linalg.inv(a) if n < 0 else a
        result = anp.eye(3) + 0.0 * a
        for _ in range(abs(n)):
            result = result @ base
        return anp.sum(anp.sin(result))
    check(lambda a: np.sum(np.sin(np.linalg.matrix_power(a, n))), reference, (a,))


def test_multi_dot():
    a, b, c = rng.normal(size=4), rng.normal(size=(4, 3)), rng.normal(size=(3, 2))
    check(lambda a, b, c: np.sum(np.linalg.multi_dot([a, b, c])),
          lambda a, b, c: anp.sum(anp.dot(anp.dot(a, b), c)), (a, b, c))


# ---------------------------------------------------------------- forward == reverse Jacobians

A3, S3, P3, T43 = general((3, 3)), symmetric((3, 3)), spd((3, 3)), rng.normal(size=(4, 3))
JACOBIANS = {
    "inv": (lambda a: np.linalg.inv(a), A3),
    "solve": (lambda a: np.linalg.solve(a, np.sin(a[0])), A3),
    "det": (lambda a: np.linalg.det(a) * a[0], A3),
    "logabsdet": (lambda a: np.linalg.slogdet(a)[1] * a[1], A3),
    "cholesky": (lambda a: np.linalg.cholesky(sym(np, a)), P3),
    "eigenvalues": (lambda a: np.linalg.eigvalsh(sym(np, a)), S3),
    "eigenvectors": (lambda a: np.linalg.eigh(sym(np, a))[1] ** 2, S3),
    "qr Q": (lambda a: np.linalg.qr(a)[0], T43),
    "qr R": (lambda a: np.linalg.qr(a)[1], T43),
    "qr wide": (lambda a: np.linalg.qr(a.T)[1], T43),
    "svd U": (lambda a: np.linalg.svd(a, full_matrices=False)[0] ** 2, T43),
    "svd S": (lambda a: np.linalg.svd(a, compute_uv=False), T43),
    "svd Vh": (lambda a: np.linalg.svd(a, full_matrices=False)[2] ** 2, T43),
    "svd U wide": (lambda a: np.linalg.svd(a.T, full_matrices=False)[0] ** 2, T43),
    "svd Vh wide": (lambda a: np.linalg.svd(a.T, full_matrices=False)[2] ** 2, T43),
    "norm axis": (lambda a: np.linalg.norm(a, axis=1), A3),
    "norm 3 keepdims": (lambda a: np.linalg.norm(a, 3, axis=0, keepdims=True), A3),
    "norm inf": (lambda a: np.linalg.norm(a, np.inf, axis=0), A3),
    "norm nuc": (lambda a: np.linalg.norm(a, "nuc") * a[0], A3),
    "norm 1 matrix": (lambda a: np.linalg.norm(a, 1) * a[0], A3),
}


@pytest.mark.parametrize("name", list(JACOBIANS))
def test_forward_and_reverse_jacobians_agree(name):
    f, a = JACOBIANS[name]
    forward = ad.jacobian(f, mode="forward")(a)
    reverse = ad.jacobian(f, mode="reverse")(a)
    assert np.allclose(forward, reverse, rtol=1e-12, atol=1e-13)
    assert np.allclose(forward, numeric_jacobian(f, a), rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("call, error, text", [
    (lambda a: np.linalg.inv(a[:, :2]), ad.InputError, r"needs square matrices.*\(3, 2\)"),
    (lambda a: np.linalg.det(a[0]), ad.InputError, r"a stack of matrices.*this has shape \(3,\)"),
    (lambda a: np.linalg.solve(a, np.ones(4)), ad.InputError, r"b of shape \(4,\) does not fit"),
    (lambda a: np.linalg.solve(a * 1j, np.ones(3)), ad.InputError, "complex matrices"),
    (lambda a: np.linalg.solve(np.eye(3), a[0] * 1j), ad.InputError, "complex"),
    (lambda a: np.linalg.svd(a[:, :2]), ad.InputError, "full_matrices=False"),
    (lambda a: np.linalg.qr(a[:, :2], mode="complete"), ad.InputError, "mode='reduced'"),
    (lambda a: np.linalg.qr(a, mode="raw"), ad.InputError, "mode='raw' is not supported"),
    (lambda a: np.linalg.norm(a, "fro", axis=0), ad.InputError, "matrix norm"),
    (lambda a: np.linalg.norm(a[0], "nuc"), ad.InputError, "matrix norm"),
    (lambda a: np.linalg.norm(a, 3), ad.InputError, "matrix norm needs"),
    (lambda a: np.linalg.norm(a[None], 1), ad.InputError, "needs axis"),
    (lambda a: np.linalg.matrix_power(a, 0.5), ad.InputError, "integer exponent"),
    (lambda a: np.linalg.norm(a * 1j), ad.InputError, "complex arrays"),
    (lambda a: np.linalg.eigh(a * 1j)[0], ad.InputError, "complex matrices"),
    (lambda a: np.linalg.inv(a * 0.0), ad.DomainError, r"v2 = inv\(v1\) .*singular"),
    (lambda a: np.linalg.slogdet(a * 0.0)[1], ad.DomainError, r"ln\|det v1\|.*-inf"),
    (lambda a: np.linalg.cholesky(a - 10 * np.eye(3)), ad.DomainError, "not positive definite"),
    (lambda a: np.linalg.cholesky(a + np.triu(np.ones((3, 3)), 1)), ad.DomainError,
     r"symmetric.*\(a \+ a\.T\) / 2"),
    (lambda a: np.linalg.eigh(a + np.triu(np.ones((3, 3)), 1))[0], ad.DomainError, "symmetric"),
    (lambda a: np.linalg.pinv(a), ad.UnsupportedOperationError, "numpy.linalg.pinv"),
])
def test_clear_errors(call, error, text):
    with pytest.raises(error, match=text):
        ad.grad(lambda a: np.sum(call(a)))(P3)


@pytest.mark.parametrize("f, a, text", [
    (lambda a: np.sum(np.linalg.qr(a)[0]), np.ones((3, 2)),
     r"v1 = qr\(v0\)\.Q .*linearly dependent"),
    (lambda a: np.linalg.norm(a, "nuc"), np.ones((3, 2)), r"v1 = svd\(v0\)\.S .*rank-deficient"),
    (lambda a: np.sum(np.linalg.svd(a)[0] ** 4), np.eye(2), r"v1 = svd\(v0\)\.U .*are equal"),
    (lambda a: np.linalg.det(a), np.zeros((41, 41)), "only up to 40×40"),
])
def test_derivatives_that_do_not_exist_name_the_node(f, a, text):
    with pytest.raises(ad.DerivativeError, match=text):
        ad.grad(f)(a)


def test_the_spectral_norm_of_a_rank_deficient_matrix_still_has_a_derivative():
    a = np.ones((3, 2))  # σ = (√6, 0): the largest is simple, its derivative u₁v₁ᵀ exists
    assert np.allclose(ad.grad(lambda a: np.linalg.norm(a, 2))(a), np.full((3, 2), 1 / np.sqrt(6)))


# ---------------------------------------------------------------- rows, dispatch, the table

def _assert_latex_well_formed(latex):
    """Braces balance, every template field is filled, and nothing is left in text notation."""
    depths = list(itertools.accumulate({"{": 1, "}": -1}.get(c, 0)
                                       for c in re.sub(r"\\[{}]", "", latex)))
    assert min(depths, default=0) >= 0 and depths[-1] == 0, latex
    assert not re.search(r"\{d\d+\}|(?<![_^])\{\d+\}", latex.replace(r"\frac{1}", "")), latex
    assert not any(mark in latex for mark in ("@", "‖", "\u0307", "\u0304")), latex


def test_rows_read_like_the_mathematics():
    a = np.array([[2.0, 1.0], [1.0, 3.0]])

    def f(a):
        w, v = np.linalg.eigh(a)
        return (np.linalg.det(a) + np.sum(np.linalg.inv(a)) + np.linalg.norm(a[0])
                + np.linalg.norm(a, 1) + np.sum(np.linalg.norm(a, np.inf, axis=1))
                + np.linalg.slogdet(a)[1] + np.sum(w) + np.sum(v ** 2))
    trace = ad.forward(f, (a,), (np.eye(2),))
    primal = [r.formula for r in trace.primal_rows]
    for row in ["v1 = eigh(v0).eigenvalues", "v2 = eigh(v0).eigenvectors", "v3 = det(v0)",
                "v4 = inv(v0)", "v8 = ‖v7‖", "v10 = ‖v0‖₁", "v12 = ‖v0‖_∞ along axis 1",
                "v15 = ln|det v0|"]:
        assert row in primal, primal
    assert "v3 = det(v0) = 5" in str(trace)
    tangents = {r.op: r for r in trace.tangent_rows}
    assert tangents["inv"].formula.endswith("= -inv(v0) @ v̇0 @ inv(v0)")
    assert tangents["det"].formula.endswith("= tr(adj(v0) @ v̇0)")
    assert tangents["logabsdet"].formula.endswith("= tr(inv(v0) @ v̇0)")
    assert tangents["norm"].formula in ("v̇8 = sum(v7 × v̇7) / ‖v7‖", "v̇12 = ∂‖v0‖_∞/∂v0 · v̇0")
    assert "v̇8 = sum(v7 × v̇7) / ‖v7‖" in str(trace)
    for row in trace.primal_rows + trace.tangent_rows:
        _assert_latex_well_formed(row.latex)
    reverse = ad.reverse(lambda a, b: np.sum(np.linalg.solve(a, b)), (a, np.ones(2)))
    assert "v1 = solve(v-1, v0)" in str(reverse)
    assert "v̄-1 = v̄1 · ∂v1/∂v-1 = [2×2 array]" in str(reverse)  # the generic adjoint row
    for row in reverse.rows:
        _assert_latex_well_formed(row.latex)


def test_printed_rows_of_each_entry():
    a = spd((2, 2))
    cases = {"inv": (np.linalg.inv, "inv(v0)"), "det": (np.linalg.det, "det(v0)"),
             "cholesky": (np.linalg.cholesky, "cholesky(v0)"),
             "logabsdet": (lambda a: np.linalg.slogdet(a)[1], "ln|det v0|"),
             "eigvalsh": (np.linalg.eigvalsh, "eigh(v0).eigenvalues"),
             "qr_r": (lambda a: np.linalg.qr(a)[1], "qr(v0).R"),
             "svd_s": (lambda a: np.linalg.svd(a, compute_uv=False), "svd(v0).S"),
             "norm": (lambda a: np.linalg.norm(a, "fro"), "‖v0‖_F")}
    for name, (f, text) in cases.items():
        row = [r for r in ad.reverse(lambda a: np.sum(f(a)), (a,)).primal_rows if r.op == name][0]
        assert row.formula == f"{row.name} = {text}", row.formula
        assert row.text.startswith(f"{row.name} = {text} = ")


def test_numpy_functions_and_ad_linalg_record_the_same_entries():
    a = spd((3, 3))
    with Tape() as tape:
        x = tape.input(a)
        (np.linalg.inv(x), np.linalg.det(x), np.linalg.slogdet(x), np.linalg.cholesky(x),
         np.linalg.eigh(x), np.linalg.qr(x), np.linalg.svd(x), np.linalg.norm(x),
         np.linalg.solve(x, x[0]))
    names = [prim.name for prim, *_ in tape.nodes[1:] if prim.name != "getitem"]
    assert names == ["inv", "det", "logabsdet", "cholesky", "eigvalsh", "eigh_vectors", "qr_q",
                     "qr_r", "svd_u", "svd_s", "svd_vh", "norm", "solve"]
    for name in ad.linalg.__all__:
        function = getattr(np.linalg, name)
        assert NUMPY_FUNCTIONS[function] is getattr(ad.linalg, name), name
    assert isinstance(ad.linalg.eigh(a), type(np.linalg.eigh(a)))  # numpy's result types
    assert isinstance(ad.linalg.svd(a), type(np.linalg.svd(a)))
    assert ad.linalg.qr(a)._fields == ("Q", "R")


def test_every_linalg_entry_is_in_the_table_with_its_rules():
    for name in LINALG_ENTRIES:
        prim = PRIMITIVES[name]
        assert prim.jvp_rule is not None and prim.vjp_rule is not None, name
        assert prim.tangent_text is not None and prim.tangent_latex is not None, name
        assert not prim.internal, name
    plain = ad.linalg.inv(np.array([[2.0, 0.0], [0.0, 4.0]]))  # no tape: plain numbers
    assert type(plain) is np.ndarray and np.allclose(plain, [[0.5, 0.0], [0.0, 0.25]])
    assert raw(ad.linalg.det(np.eye(2))) == 1.0
