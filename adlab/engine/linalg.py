"""numpy.linalg in the one primitive table: norm, inv, solve, det, slogdet, cholesky, eigh, qr, svd.

Each operation is an entry of the table; a factorisation is one entry per factor, so that each
node holds one array: ``v3 = eigh(v2).eigenvalues`` and ``v4 = eigh(v2).eigenvectors`` (each
factor is computed by its own call to numpy). Rules are written with adlab's own functions
(``@``, ``solve``, ...), so second derivatives work, and everything works on stacks of matrices
``(..., m, n)`` as numpy does. ``np.linalg.f`` on traced values comes here (``@implements``);
``ad.linalg.f`` is the same function. Complex matrices are out of scope (a clear error).

Where a derivative does not exist, the sweep raises ``DerivativeError`` naming the node:

- ``norm``: at 0 for the 2-norm, Frobenius and p-norms (a cone point, like ``|x|`` at 0). The
  1-, inf- and -inf-norms (vector and matrix) follow adlab's conventions for ``abs`` and ``max``:
  ``sign(0) = 0``, and elements (or columns, rows) tied for the largest share the derivative
  equally. ``ord=0`` (the count of non-zeros) has derivative 0. The matrix 2-, -2- and nuclear
  norms are composed: ``max``, ``min`` or ``sum`` of ``svd(x).S``;
- ``det`` at a singular matrix: the derivative is the cofactor matrix, computed from the minors
  (a determinant of each), so it exists there too and is exact (matrices up to 40×40);
- ``slogdet`` of a singular matrix: ``ln|det|`` is -inf, a DomainError;
- ``eigh``, ``cholesky``: the input must be symmetric (numpy reads one triangle; adlab checks);
  the derivative is taken along symmetric perturbations, split evenly between ``a[i, j]`` and
  ``a[j, i]`` (JAX's convention; autograd's for cholesky). At repeated eigenvalues the
  eigenvectors have no derivative; the eigenvalues have one only for a function that weighs the
  repeated ones alike (their sum, ...);
- ``svd``: likewise at repeated or zero singular values; ``qr`` of a matrix with dependent columns.
"""
from __future__ import annotations

import functools

import numpy as np

from ..errors import InputError
from . import arrays as A
from . import primitives as P
from .primitives import define
from .tape import implements, raw

EighResult = type(np.linalg.eigh(np.eye(1)))
QRResult = type(np.linalg.qr(np.eye(1)))
SVDResult = type(np.linalg.svd(np.eye(1)))
SlogdetResult = type(np.linalg.slogdet(np.eye(1)))

REPEATED = 1e-10   # two eigen- or singular values this close (relative to the largest) are equal
SYMMETRIC = 1e-8   # a matrix this close to its transpose (relative to its largest entry) is
#                    symmetric
LARGEST_MINORS = 40  # det's derivative at a singular matrix: the n² minors of up to 40×40


# ---------------------------------------------------------------- helpers (shapes, masks, checks)

def _T(x):
    """The transpose of a matrix or of each matrix of a stack."""
    return A._swap_last(x)


def _mm(a, b):
    return A.matmul(a, b)


def _per_matrix(g):
    """A number per matrix, ``(...)``, as ``(..., 1, 1)``, to multiply the matrices by."""
    shape = np.shape(raw(g))
    return g if not shape else P.reshape(g, shape + (1, 1))


def _as_row(v):
    """A vector per matrix, ``(..., n)``, as ``(..., 1, n)``: multiplying by it scales columns."""
    shape = np.shape(raw(v))
    return P.reshape(v, shape[:-1] + (1, shape[-1]))


def _as_column(v):
    shape = np.shape(raw(v))
    return P.reshape(v, shape + (1,))


def _lower(n, k=0):
    """Constant: ones on and below diagonal ``k``, zeros above."""
    return np.tril(np.ones((n, n)), k)


def _off_diagonal(n):
    return 1.0 - np.eye(n)


def _matrix_argument(a, name, square=True):
    """``a`` (a traced or plain array, or nested lists of them), checked: a real ``(..., m, n)``
    array, square if asked. Shapes are known before any value: a wrong one is an InputError."""
    if isinstance(a, (list, tuple)):
        a = A.array(a)
    value = raw(a)
    if np.iscomplexobj(value):
        raise InputError(f"np.linalg.{name}: complex matrices are outside adlab's scope (it "
                         f"differentiates real functions of real inputs); pass a real array.")
    shape = np.shape(value)
    if len(shape) < 2:
        raise InputError(f"np.linalg.{name} needs a matrix or a stack of matrices, shape "
                         f"(..., m, n); this has shape {shape} (a vector v as a column: "
                         f"v[:, None]).")
    if square and shape[-1] != shape[-2]:
        raise InputError(f"np.linalg.{name} needs square matrices, shape (..., n, n), not {shape}."
                         + (" For a least-squares solution or pseudo-inverse of a rectangular "
                            "matrix, solve the normal equations: solve(a.T @ a, a.T @ b)."
                            if name in ("inv", "solve") else ""))
    return a


def _check_symmetric(a, name):
    error = np.max(np.abs(a - np.swapaxes(a, -1, -2)), initial=0.0)
    if error > SYMMETRIC * max(np.max(np.abs(a), initial=0.0), 1e-300):
        raise ValueError(f"{name} needs a symmetric matrix (numpy reads only its lower triangle) "
                         f"and this one differs from its transpose by up to {error:.3g}; "
                         f"symmetrize it first: (a + a.T) / 2")


def _repeated(values):
    """Constant booleans ``(..., n, n)``: ``i != j`` and ``values[i] == values[j]`` to rounding."""
    w = raw(values)
    scale = np.max(np.abs(w), axis=-1, initial=0.0)[..., None, None]
    gap = np.abs(w[..., :, None] - w[..., None, :])
    return (gap <= REPEATED * scale) & (_off_diagonal(w.shape[-1]) > 0)


def _first_pair(mask, what):
    """The first True of a ``(..., n, n)`` mask: its batch index, ``i``, ``j``, and how a message
    names the pair (``eigenvalues [0] and [1] of matrix (1,) of the stack``)."""
    where = np.argwhere(mask)[0]
    batch, i, j = tuple(int(k) for k in where[:-2]), int(where[-2]), int(where[-1])
    stack = f" of matrix {batch} of the stack" if batch else ""
    return batch, i, j, f"{what} [{i}] and [{j}]{stack}"


def _fmt(x) -> str:
    return f"{float(x):.6g}"


#: Forward mode computes the tangent of every node, also of factors the function does not use.
FORWARD_HINT = ("; forward mode computes the tangent of every node, also of factors not used: if "
                "only the {} are used, compute them alone with {}")


def _require_distinct(values, what, vectors, hint=""):
    """Raise (for the sweep to name the node) where two of ``values`` repeat."""
    repeated = _repeated(values)
    if repeated.any():
        batch, i, j, pair = _first_pair(repeated, what)
        w = raw(values)[batch] if batch else raw(values)
        raise ValueError(f"{pair} are equal (both {_fmt(w[i])}): {vectors} are not unique "
                         f"there (any rotation of them is as good), so they have no "
                         f"derivative{hint}")


def _require_alike_where_repeated(values, g, what):
    """An adjoint ``g`` of repeated values must weigh them alike, else each alone would need a
    derivative, and it has none there (a function symmetric in them, like their sum, has one)."""
    repeated = _repeated(values)
    if not repeated.any():
        return
    gv = raw(g)
    if np.ndim(gv) < np.ndim(raw(values)):
        gv = np.broadcast_to(gv, np.shape(raw(values)))
    scale = max(np.max(np.abs(gv), initial=0.0), 1e-300)
    differ = repeated & (np.abs(gv[..., :, None] - gv[..., None, :]) > 1e-8 * scale)
    if differ.any():
        batch, i, j, pair = _first_pair(differ, what)
        w, gb = (raw(values)[batch], gv[batch]) if batch else (raw(values), gv)
        raise ValueError(f"{pair} are equal (both {_fmt(w[i])}) and the result weighs them "
                         f"differently ({_fmt(gb[i])} and {_fmt(gb[j])}): each alone has no "
                         f"derivative there, only functions symmetric in them (their sum, the "
                         f"sum of their squares, ...) have one")


def _linalg_error(cause, singular_text):
    """numpy's LinAlgError as the ValueError that bind turns into a named DomainError."""
    if "singular" in str(cause).lower():
        return ValueError(singular_text)
    return ValueError(str(cause))


# ---------------------------------------------------------------- inv

def _inv_impl(a):
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError as cause:
        raise _linalg_error(cause, "the matrix is singular (its determinant is 0): it has no "
                                   "inverse") from None


inv_ = define("inv", _inv_impl,
              jvp_rule=lambda args, out, t: -_mm(_mm(out, t[0]), out),
              vjp_rule=lambda k, g, args, out: -_mm(_mm(_T(out), g), _T(out)),
              text="inv({0})", latex="{0}^{{-1}}",
              tangent_text="-inv({0}) @ {d0} @ inv({0})",
              tangent_latex="-{0}^{{-1}} {d0} {0}^{{-1}}")


@implements(np.linalg.inv)
def inv(a):
    """The inverse of a square matrix (or of each matrix of a stack), like ``np.linalg.inv``.

    d inv(A) = -A⁻¹ dA A⁻¹, so for B = inv(A): Ā = -A⁻ᵀ B̄ A⁻ᵀ. A singular A is a DomainError.
    """
    return inv_(_matrix_argument(a, "inv"))


# ---------------------------------------------------------------- solve

def _solve_impl(a, b):
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError as cause:
        raise _linalg_error(cause, "the matrix a is singular (its determinant is 0): a x = b has "
                                   "no unique solution") from None


def _columns(x, vector):
    """A right-hand side (or solution) that is one vector ``(m,)`` as a column ``(..., m, 1)``."""
    return _as_column(x) if vector else x


def _uncolumns(x, vector):
    return P.reshape(x, np.shape(raw(x))[:-1]) if vector else x


def _solve_jvp(args, out, t):
    a, b = args
    vector = np.ndim(raw(b)) == 1
    rhs = None if t[1] is None else _columns(t[1], vector)
    if t[0] is not None:  # d(a⁻¹ b) = a⁻¹ (db - da x)
        term = -_mm(t[0], _columns(out, vector))
        rhs = term if rhs is None else rhs + term
    return _uncolumns(solve_(a, rhs), vector)


def _solve_vjp(k, g, args, out):
    a, b = args
    vector = np.ndim(raw(b)) == 1
    b_bar = solve_(_T(a), _columns(g, vector))  # b̄ = a⁻ᵀ x̄
    if k == 1:
        return P.unbroadcast(_uncolumns(b_bar, vector), b)
    return P.unbroadcast(-_mm(b_bar, _T(_columns(out, vector))), a)  # ā = -b̄ xᵀ


solve_ = define("solve", _solve_impl, jvp_rule=_solve_jvp, vjp_rule=_solve_vjp,
                text="solve({0}, {1})", latex="{0}^{{-1}} {1}",
                tangent_text=("-solve({0}, {d0} @ solve({0}, {1}))", "solve({0}, {d1})"),
                tangent_latex=("-{0}^{{-1}} {d0} {0}^{{-1}} {1}", "{0}^{{-1}} {d1}"))


@implements(np.linalg.solve)
def solve(a, b):
    """The solution x of ``a @ x = b``, like ``np.linalg.solve`` (numpy 2's rule: a 1-D ``b`` is
    one vector, otherwise a stack of matrices ``(..., m, k)``); both arguments may be traced.

    b̄ = a⁻ᵀ x̄ and ā = -b̄ xᵀ (summed over a broadcast stack).
    """
    a = _matrix_argument(a, "solve")
    if isinstance(b, (list, tuple)):
        b = A.array(b)
    sa, sb = np.shape(raw(a)), np.shape(raw(b))
    if np.iscomplexobj(raw(b)):
        raise InputError("np.linalg.solve: complex right-hand sides are outside adlab's scope.")
    fits = (len(sb) == 1 and sb[0] == sa[-1]) or (len(sb) >= 2 and sb[-2] == sa[-1])
    try:
        np.broadcast_shapes(sa[:-2], sb[:-2] if len(sb) >= 2 else ())
    except ValueError:
        fits = False
    if not fits:
        raise InputError(f"np.linalg.solve: b of shape {sb} does not fit a of shape {sa}: b must "
                         f"be a vector ({sa[-1]},) or a (stack of) matrices (..., {sa[-1]}, k).")
    return solve_(a, b)


# ---------------------------------------------------------------- det and slogdet

def _cofactors(a, det_a):
    """The cofactor matrix of ``a``, the derivative of its determinant: det(a) a⁻ᵀ, or, where a
    matrix is singular (det = 0), each cofactor as the determinant of a minor (exact there too)."""
    if np.all(raw(det_a) != 0):
        return _per_matrix(det_a) * _T(inv_(a))
    n = np.shape(raw(a))[-1]
    if n > LARGEST_MINORS:
        raise ValueError(f"the matrix is singular; det's derivative there is its cofactor matrix, "
                         f"which adlab computes from the minors only up to "
                         f"{LARGEST_MINORS}×{LARGEST_MINORS}")
    keep = np.array([[j for j in range(n) if j != i] for i in range(n)], dtype=int)
    keep = keep.reshape(n, n - 1)
    minors = a[..., keep[:, None, :, None], keep[None, :, None, :]]  # (..., n, n, n-1, n-1)
    signs = (-1.0) ** np.add.outer(np.arange(n), np.arange(n))
    return det_(minors) * signs


det_ = define("det", lambda a: A._scalar(np.linalg.det(a)),
              jvp_rule=lambda args, out, t: P.sum(_cofactors(args[0], out) * t[0], axis=(-2, -1)),
              vjp_rule=lambda k, g, args, out: _per_matrix(g) * _cofactors(args[0], out),
              text="det({0})", latex=r"\det {0}",
              tangent_text="tr(adj({0}) @ {d0})",  # Jacobi's formula; adj(a) = det(a) inv(a)
              tangent_latex=r"\operatorname{{tr}}(\operatorname{{adj}}({0}) {d0})")


@implements(np.linalg.det)
def det(a):
    """The determinant of a square matrix (or of each of a stack), like ``np.linalg.det``.

    Its derivative is the cofactor matrix, ``det(a) a⁻ᵀ`` (Jacobi's formula); at a singular matrix
    adlab computes the cofactors from the minors, so the derivative is exact there too.
    """
    return det_(_matrix_argument(a, "det"))


def _logabsdet_impl(a):
    sign, logdet = np.linalg.slogdet(a)
    if np.any(sign == 0):
        raise ValueError("the matrix is singular: its determinant is 0 and ln|det| is -inf")
    return A._scalar(logdet)


logabsdet_ = define(
    "logabsdet", _logabsdet_impl,
    jvp_rule=lambda args, out, t: P.sum(_T(inv_(args[0])) * t[0], axis=(-2, -1)),
    vjp_rule=lambda k, g, args, out: _per_matrix(g) * _T(inv_(args[0])),
    text="ln|det {0}|", latex=r"\ln\left|\det {0}\right|",
    tangent_text="tr(inv({0}) @ {d0})", tangent_latex=r"\operatorname{{tr}}({0}^{{-1}} {d0})")


@implements(np.linalg.slogdet)
def slogdet(a):
    """``(sign, logabsdet)`` of the determinant, like ``np.linalg.slogdet``: ``logabsdet`` is
    traced (its derivative is a⁻ᵀ), ``sign`` is a constant (piecewise constant: derivative 0).
    A singular matrix (ln|det| = -inf) is a DomainError."""
    a = _matrix_argument(a, "slogdet")
    sign = A._scalar(np.linalg.slogdet(raw(a)).sign)
    return SlogdetResult(sign, logabsdet_(a))


# ---------------------------------------------------------------- cholesky

def _cholesky_impl(a):
    _check_symmetric(a, "cholesky")
    try:
        return np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        raise ValueError("the matrix is not positive definite: cholesky needs a symmetric "
                         "positive-definite matrix (all its eigenvalues > 0)") from None


def _phi(x):
    """Φ(x): the lower triangle of ``x`` with its diagonal halved (Murray 2016)."""
    n = np.shape(raw(x))[-1]
    return x * (_lower(n) - 0.5 * np.eye(n))


def _cholesky_jvp(args, out, t):
    # dL = L Φ(L⁻¹ dA L⁻ᵀ), dA symmetrised
    da = (t[0] + _T(t[0])) * 0.5
    return _mm(out, _phi(solve_(out, _T(solve_(out, da)))))


def _cholesky_vjp(k, g, args, out):
    # S = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹, Ā = (S + Sᵀ) / 2 (Murray 2016, as autograd)
    lt = _T(out)
    s = solve_(lt, _T(solve_(lt, _T(_phi(_mm(lt, g))))))
    return (s + _T(s)) * 0.5


cholesky_ = define("cholesky", _cholesky_impl, jvp_rule=_cholesky_jvp, vjp_rule=_cholesky_vjp,
                   text="cholesky({0})", latex=r"\operatorname{{chol}} {0}",
                   tangent_text="L Φ(L⁻¹ {d0} L⁻ᵀ), L = cholesky({0})",
                   tangent_latex=r"L \Phi(L^{{-1}} {d0} L^{{-T}}),\ L = \operatorname{{chol}} {0}")


@implements(np.linalg.cholesky)
def cholesky(a, upper=False):
    """The Cholesky factor L (lower triangular, ``a = L Lᵀ``) of a symmetric positive-definite
    matrix, like ``np.linalg.cholesky`` (``upper=True``: ``Lᵀ``). The derivative is taken along
    symmetric perturbations of ``a`` and is symmetric (Murray 2016; autograd, JAX)."""
    factor = cholesky_(_matrix_argument(a, "cholesky"))
    return _T(factor) if upper else factor


# ---------------------------------------------------------------- eigh

def _eigh_impl(part):
    def impl(a):
        _check_symmetric(a, "eigh")
        return np.linalg.eigvalsh(a) if part == "values" else np.linalg.eigh(a).eigenvectors
    return impl


def _projected(v, t):
    """Vᵀ dA V, dA symmetrised: the tangent in the eigenvector basis."""
    da = (t[0] + _T(t[0])) * 0.5
    return _mm(_T(v), _mm(da, v))


def _require_moving_together(values, d, what):
    """Forward mode: repeated ``values`` have the tangents ``diag(d)`` (``d`` the tangent in the
    eigen- or singular basis) only where ``d`` is a multiple of 1 on them; otherwise the direction
    splits them and each alone has only one-sided derivatives."""
    repeated = _repeated(values)
    if not repeated.any():
        return
    d = raw(d)
    diag = np.diagonal(d, axis1=-2, axis2=-1)
    split = np.abs(d) + np.abs(diag[..., :, None] - diag[..., None, :])
    apart = repeated & (split > 1e-8 * max(np.max(np.abs(d), initial=0.0), 1e-300))
    if apart.any():
        pair = _first_pair(apart, what)[3]
        raise ValueError(f"{pair} are equal and this direction splits them: each "
                         f"alone has no derivative there (only one-sided ones)")


def _eigenvalues_jvp(args, out, t):
    dp = _projected(eigenvectors_(args[0]), t)
    _require_moving_together(out, dp, "eigenvalues")
    n = np.shape(raw(out))[-1]
    return P.sum(dp * np.eye(n), axis=-1)  # dλ = diag(Vᵀ dA V)


def _eigenvalues_vjp(k, g, args, out):
    _require_alike_where_repeated(out, g, "eigenvalues")
    v = eigenvectors_(args[0])
    return _mm(v * _as_row(g), _T(v))  # V diag(λ̄) Vᵀ


def _inverse_gaps(values, squared=False):
    """F with F_ij = 1 / (λ_j - λ_i) off the diagonal (of squares if asked) and 0 on it."""
    w = values * values if squared else values
    n = np.shape(raw(values))[-1]
    gaps = _as_row(w) - _as_column(w) + np.eye(n)
    return _off_diagonal(n) / gaps


def _eigenvectors_jvp(args, out, t):
    w = eigenvalues_(args[0])
    _require_distinct(w, "eigenvalues", "their eigenvectors", FORWARD_HINT.format(
        "eigenvalues", "np.linalg.eigvalsh(a)"))
    return _mm(out, _inverse_gaps(w) * _projected(out, t))  # dV = V (F ∘ Vᵀ dA V)


def _eigenvectors_vjp(k, g, args, out):
    w = eigenvalues_(args[0])
    _require_distinct(w, "eigenvalues", "their eigenvectors")
    abar = _mm(_mm(out, _inverse_gaps(w) * _mm(_T(out), g)), _T(out))  # V (F ∘ Vᵀ V̄) Vᵀ
    return (abar + _T(abar)) * 0.5


eigenvalues_ = define("eigvalsh", _eigh_impl("values"),
                      jvp_rule=_eigenvalues_jvp, vjp_rule=_eigenvalues_vjp,
                      text="eigh({0}).eigenvalues", latex=r"\lambda({0})",
                      tangent_text="diag(Vᵀ {d0} V), V = eigh({0}).eigenvectors",
                      tangent_latex=r"\operatorname{{diag}}(V^T {d0} V)")
eigenvectors_ = define("eigh_vectors", _eigh_impl("vectors"),
                       jvp_rule=_eigenvectors_jvp, vjp_rule=_eigenvectors_vjp,
                       text="eigh({0}).eigenvectors", latex=r"V({0})",
                       tangent_text="V (F ∘ Vᵀ {d0} V), F_ij = 1/(λj - λi)",
                       tangent_latex=r"V (F \circ V^T {d0} V),\ F_{{ij}} = \frac{{1}}"
                                     r"{{\lambda_j - \lambda_i}}")


@implements(np.linalg.eigh)
def eigh(a, UPLO="L"):  # noqa: N803 - numpy's name
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix, like ``np.linalg.eigh``:
    two nodes, ``eigh(a).eigenvalues`` and ``eigh(a).eigenvectors``.

    dλ = diag(Vᵀ dA V) and dV = V (F ∘ Vᵀ dA V) with F_ij = 1/(λj - λi); the input must be
    symmetric (adlab checks; ``UPLO`` makes no difference then). At repeated eigenvalues the
    eigenvectors have no derivative (DerivativeError).
    """
    a = _matrix_argument(a, "eigh")
    return EighResult(eigenvalues_(a), eigenvectors_(a))


@implements(np.linalg.eigvalsh)
def eigvalsh(a, UPLO="L"):  # noqa: N803
    """The eigenvalues of a symmetric matrix, ascending, like ``np.linalg.eigvalsh``."""
    return eigenvalues_(_matrix_argument(a, "eigvalsh"))


# ---------------------------------------------------------------- qr (reduced, m >= n)

def _qr_impl(part):
    def impl(a):
        return np.linalg.qr(a)[part]
    return impl


def _require_independent_columns(r):
    d = np.abs(np.diagonal(raw(r), axis1=-2, axis2=-1))
    if np.any(d <= REPEATED * max(np.max(d, initial=0.0), 1e-300)):
        raise ValueError("R has a 0 on its diagonal: the columns of the matrix are linearly "
                         "dependent, and Q and R are not unique there, so they have no derivative")


def _qr_tangent(args, t):
    """(B, dA R⁻¹, Q, R): dQ = dA R⁻¹ - Q B and dR = B R, with X = Qᵀ dA R⁻¹ and
    B = triu(X) + tril(X, -1)ᵀ (QᵀdQ antisymmetric, dR R⁻¹ upper triangular)."""
    q, r = qr_q_(args[0]), qr_r_(args[0])
    _require_independent_columns(r)
    da_rinv = _T(solve_(_T(r), _T(t[0])))
    x = _mm(_T(q), da_rinv)
    n = np.shape(raw(r))[-1]
    lower = x * _lower(n, -1)
    return x - lower + _T(lower), da_rinv, q, r


def _qr_adjoint(a, q, r, q_bar, r_bar):
    """Ā = (Q̄ + Q N) R⁻ᵀ, N = triu(M) + tril(Mᵀ, -1), M = R̄ Rᵀ - Qᵀ Q̄ (one of Q̄, R̄ given)."""
    _require_independent_columns(r)
    m = _mm(r_bar, _T(r)) if q_bar is None else -_mm(_T(q), q_bar)
    n = np.shape(raw(r))[-1]
    upper = m * (1.0 - _lower(n, -1))
    lhs = _mm(q, upper + _T(m) * _lower(n, -1))
    if q_bar is not None:
        lhs = q_bar + lhs
    return _T(solve_(r, _T(lhs)))  # lhs R⁻ᵀ


def _qr_q_jvp(args, out, t):
    b, da_rinv, q, _ = _qr_tangent(args, t)
    return da_rinv - _mm(q, b)


def _qr_r_jvp(args, out, t):
    b, _, _, r = _qr_tangent(args, t)
    return _mm(b, r)


qr_q_ = define("qr_q", _qr_impl(0), jvp_rule=_qr_q_jvp,
               vjp_rule=lambda k, g, args, out: _qr_adjoint(args[0], out, qr_r_(args[0]), g, None),
               text="qr({0}).Q", latex=r"Q({0})",
               tangent_text="{d0} R⁻¹ - Q B, B = triu(X) + tril(X, -1)ᵀ, X = Qᵀ {d0} R⁻¹",
               tangent_latex=r"{d0} R^{{-1}} - Q B")
qr_r_ = define("qr_r", _qr_impl(1), jvp_rule=_qr_r_jvp,
               vjp_rule=lambda k, g, args, out: _qr_adjoint(args[0], qr_q_(args[0]), out, None, g),
               text="qr({0}).R", latex=r"R({0})",
               tangent_text="B R, B = triu(X) + tril(X, -1)ᵀ, X = Qᵀ {d0} R⁻¹",
               tangent_latex=r"B R")


@implements(np.linalg.qr)
def qr(a, mode="reduced"):
    """The reduced QR factorisation ``a = Q R`` (Q with orthonormal columns, R upper triangular),
    like ``np.linalg.qr`` with ``mode="reduced"`` (or ``"r"``: R alone).

    A tall or square matrix gives two nodes, ``qr(a).Q`` and ``qr(a).R``; a wide one (m < n) is
    composed: the QR of its first m columns, and ``Qᵀ`` times the others. Dependent columns (a 0
    on R's diagonal) have no derivative.
    """
    a = _matrix_argument(a, "qr", square=False)
    m, n = np.shape(raw(a))[-2:]
    if mode == "complete" and m > n:
        raise InputError("np.linalg.qr(a, mode='complete') of a tall matrix: the extra columns "
                         "of Q are not unique, so they have no derivative; use mode='reduced'.")
    if mode not in ("reduced", "complete", "r"):
        raise InputError(f"np.linalg.qr: mode={mode!r} is not supported on traced values; use "
                         f"mode='reduced' (Q and R) or mode='r' (R alone).")
    if m >= n:
        q, r = qr_q_(a), qr_r_(a)
    else:
        left = a[..., :, :m]
        q = qr_q_(left)
        r = A.concatenate([qr_r_(left), _mm(_T(q), a[..., :, m:])], axis=-1)
    return r if mode == "r" else QRResult(q, r)


# ---------------------------------------------------------------- svd (reduced)

def _svd_impl(part):
    def impl(a):
        if part == 1:
            return np.linalg.svd(a, compute_uv=False)
        return np.linalg.svd(a, full_matrices=False)[part]
    return impl


def _require_nonzero(s, what):
    s = raw(s)
    if np.any(s <= REPEATED * np.max(s, axis=-1, initial=0.0)[..., None]):
        raise ValueError(f"{what}: a singular value is 0 (the matrix is rank-deficient), where "
                         f"singular values and vectors have no derivative (like |x| at 0)")


def _svd_parts(a):
    return svd_u_(a), svd_s_(a), svd_vh_(a)


def _singular_values_jvp(args, out, t):
    u, _, vh = _svd_parts(args[0])
    dp = _mm(_T(u), _mm(t[0], _T(vh)))  # Uᵀ dA V
    _require_nonzero(out, "svd(a).S in forward mode")
    plain = raw(dp)
    _require_moving_together(out, (plain + np.swapaxes(plain, -1, -2)) * 0.5, "singular values")
    n = np.shape(raw(out))[-1]
    return P.sum(dp * np.eye(n), axis=-1)  # ds = diag(Uᵀ dA V)


def _singular_values_vjp(k, g, args, out):
    gv = raw(g)
    if np.any((raw(out) <= REPEATED * np.max(raw(out), axis=-1, initial=0.0)[..., None])
              & (gv != 0)):
        _require_nonzero(out, "svd(a).S")
    _require_alike_where_repeated(out, g, "singular values")
    u, _, vh = _svd_parts(args[0])
    return _mm(u * _as_row(g), vh)  # U diag(s̄) Vᵀ


def _svd_checked(a, forward=False):
    u, s, vh = _svd_parts(a)
    _require_nonzero(s, "svd's U and Vh")
    _require_distinct(s, "singular values", "their singular vectors", FORWARD_HINT.format(
        "singular values", "np.linalg.svd(a, compute_uv=False)") if forward else "")
    return u, s, vh


def _svd_u_vjp(k, g, args, out):
    # Ā = U (F ∘ (UᵀŪ - ŪᵀU)) S Vᵀ + (I - UUᵀ) Ū S⁻¹ Vᵀ, F_ij = 1/(s_j² - s_i²)
    u, s, vh = _svd_checked(args[0])
    x = _mm(_T(u), g)
    inner = _inverse_gaps(s, squared=True) * (x - _T(x)) * _as_row(s)
    result = _mm(_mm(u, inner), vh)
    m, n = np.shape(raw(args[0]))[-2:]
    if m > n:
        result = result + _mm((g - _mm(u, x)) / _as_row(s), vh)
    return result


def _svd_vh_vjp(k, g, args, out):
    # V̄ = ḡᵀ: Ā = U S (F ∘ (VᵀV̄ - V̄ᵀV)) Vᵀ + U S⁻¹ V̄ᵀ (I - VVᵀ)
    u, s, vh = _svd_checked(args[0])
    y = _mm(vh, _T(g))
    inner = _as_column(s) * (_inverse_gaps(s, squared=True) * (y - _T(y)))
    result = _mm(_mm(u, inner), vh)
    m, n = np.shape(raw(args[0]))[-2:]
    if n > m:
        result = result + _mm(u / _as_row(s), g - _mm(_mm(g, _T(vh)), vh))
    return result


def _svd_u_jvp(args, out, t):
    # dU = U (F ∘ (dP S + S dPᵀ)) + (I - UUᵀ) dA V S⁻¹, dP = Uᵀ dA V
    u, s, vh = _svd_checked(args[0], forward=True)
    da_v = _mm(t[0], _T(vh))
    dp = _mm(_T(u), da_v)
    result = _mm(u, _inverse_gaps(s, squared=True) * (dp * _as_row(s) + _as_column(s) * _T(dp)))
    m, n = np.shape(raw(args[0]))[-2:]
    if m > n:
        result = result + (da_v - _mm(u, dp)) / _as_row(s)
    return result


def _svd_vh_jvp(args, out, t):
    # dV = V (F ∘ (S dP + dPᵀ S)) + (I - VVᵀ) dAᵀ U S⁻¹; dVh = dVᵀ
    u, s, vh = _svd_checked(args[0], forward=True)
    dat_u = _mm(_T(t[0]), u)
    dp = _mm(_T(u), _mm(t[0], _T(vh)))
    dv = _mm(_T(vh), _inverse_gaps(s, squared=True) * (_as_column(s) * dp + _T(dp) * _as_row(s)))
    m, n = np.shape(raw(args[0]))[-2:]
    if n > m:
        dv = dv + (dat_u - _mm(_T(vh), _T(dp))) / _as_row(s)
    return _T(dv)


svd_u_ = define("svd_u", _svd_impl(0), jvp_rule=_svd_u_jvp, vjp_rule=_svd_u_vjp,
                text="svd({0}).U", latex=r"U({0})",
                tangent_text="U (F ∘ (dP S + S dPᵀ)) + (I - UUᵀ) {d0} V S⁻¹, dP = Uᵀ {d0} V",
                tangent_latex=r"U (F \circ (dP\, S + S\, dP^T)) + (I - U U^T) {d0} V S^{{-1}}")
svd_s_ = define("svd_s", _svd_impl(1), jvp_rule=_singular_values_jvp,
                vjp_rule=_singular_values_vjp, text="svd({0}).S", latex=r"\sigma({0})",
                tangent_text="diag(Uᵀ {d0} V)", tangent_latex=r"\operatorname{{diag}}(U^T {d0} V)")
svd_vh_ = define("svd_vh", _svd_impl(2), jvp_rule=_svd_vh_jvp, vjp_rule=_svd_vh_vjp,
                 text="svd({0}).Vh", latex=r"V^T({0})",
                 tangent_text="(V (F ∘ (S dP + dPᵀ S)) + (I - VVᵀ) {d0}ᵀ U S⁻¹)ᵀ",
                 tangent_latex=r"(V (F \circ (S\, dP + dP^T S)) + (I - V V^T) {d0}^T U S^{{-1}})^T")


@implements(np.linalg.svd)
def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """The singular value decomposition ``a = U diag(S) Vh``, like ``np.linalg.svd``: three
    nodes, ``svd(a).U``, ``svd(a).S``, ``svd(a).Vh`` (``compute_uv=False``: S alone).

    Only the reduced factors have a derivative: a rectangular matrix needs
    ``full_matrices=False``. Repeated or zero singular values: U and Vh have no derivative
    there, and S only for functions that weigh repeated ones alike (its sum, its max with ties
    shared). ``hermitian=True`` computes the general SVD (the same S; U and Vh up to signs).
    """
    a = _matrix_argument(a, "svd", square=False)
    if not compute_uv:
        return svd_s_(a)
    m, n = np.shape(raw(a))[-2:]
    if full_matrices and m != n:
        raise InputError(f"np.linalg.svd(a) of a {m}×{n} matrix with full_matrices=True: the "
                         f"extra {'columns of U' if m > n else 'rows of Vh'} are not unique, so "
                         f"they have no derivative; use np.linalg.svd(a, full_matrices=False).")
    return SVDResult(svd_u_(a), svd_s_(a), svd_vh_(a))


# ---------------------------------------------------------------- norm

MATRIX_ORDS = (None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf)


def _norm_axes(ord, axis, ndim):  # noqa: A002 - numpy's name
    """``("vector", axes)`` or ``("matrix", (row_axis, column_axis))`` as numpy reads them, axes
    non-negative (``axes`` None: every axis, the 2-norm of the flattened array)."""
    if axis is None and ord is None:
        return "vector", None
    if axis is None and ndim not in (1, 2):
        raise InputError(f"np.linalg.norm(x, ord={ord!r}) of an array with {ndim} dimensions "
                         f"needs axis: an int for vector norms, a pair for matrix norms.")
    axes = tuple(range(ndim)) if axis is None else (
        (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis))
    if len(axes) not in (1, 2) or any(not -ndim <= a < ndim for a in axes):
        raise InputError(f"np.linalg.norm: axis={axis!r} must be an axis or a pair of axes of an "
                         f"array with {ndim} dimensions.")
    axes = tuple(int(a) % ndim for a in axes)
    if len(axes) == 1:
        if isinstance(ord, str):
            raise InputError(f"np.linalg.norm: ord={ord!r} is a matrix norm; a vector norm takes "
                             f"a number (2, 1, np.inf, p).")
        return "vector", axes
    if axes[0] == axes[1] or not any(ord is o or ord == o for o in MATRIX_ORDS):
        raise InputError(f"np.linalg.norm: a matrix norm needs two different axes and ord one "
                         f"of None, 'fro', 'nuc', 1, -1, 2, -2, inf, -inf (got axis={axis!r}, "
                         f"ord={ord!r}).")
    return "matrix", axes


def _norm_impl(x, ord, axis, keepdims):  # noqa: A002
    return A._scalar(np.linalg.norm(x, ord, axis, keepdims))


def _is_two(ord, kind):  # noqa: A002
    """The 2-norm family: Euclidean for vectors, Frobenius for matrices."""
    return ord is None or ord == "fro" or (kind == "vector" and ord == 2)


def _extreme_weights(x, out, ord, kind, axes):  # noqa: A002
    """Constant ∂‖x‖/∂x of the inf- and -inf-norms of vectors and the 1-, -1-, inf-, -inf-norms
    of matrices: sign(x) where |x| (or the column or row sum of |x|) is extreme, shared equally
    by ties, 0 elsewhere (sign(0) = 0)."""
    x = raw(x)
    extreme = np.reshape(raw(out), A._kept_shape(np.shape(x), axes))
    if kind == "vector":
        hit, across = np.abs(x) == extreme, axes
    else:  # 1: the largest column sum (summed over rows), inf: the largest row sum
        row, col = axes
        summed, across = (row, (col,)) if abs(ord) == 1 else (col, (row,))
        hit = np.sum(np.abs(x), axis=summed, keepdims=True) == extreme
    hit = hit.astype(float)
    return np.sign(x) * (hit / np.sum(hit, axis=across, keepdims=True))


def _norm_partial(x, out, ord, kind, axes, keepdims):  # noqa: A002
    """∂‖x‖/∂x, written with adlab's functions, with ``out`` broadcast back over the reduced axes.
    The 2- and p-norms have none where the norm is 0."""
    if ord == 0:  # the count of non-zero elements: piecewise constant
        return P.zeros_like(x)
    if kind == "vector" and ord == 1:
        return P._sign(x)
    if ord in (np.inf, -np.inf) or (kind == "matrix" and ord in (1, -1)):
        return _extreme_weights(x, out, ord, kind, axes)
    if np.any(raw(out) == 0):
        raise ValueError("the norm is 0 there, a cone point (like |x| at 0): it has no derivative")
    kept = A._with_kept_axes(out, np.shape(raw(x)), axes, keepdims)
    if _is_two(ord, kind):
        return x / kept
    p = float(ord)
    if p < 1 and np.any(raw(x) == 0):
        raise ValueError(f"an element is 0, where |x|^{ord:g} has an infinite slope: the "
                         f"{ord:g}-norm has no derivative there")
    return P._sign(x) * P.abs(x) ** (p - 1.0) / kept ** (p - 1.0)


def _norm_vjp(k, g, args, out):
    x, ord, axis, keepdims = args  # noqa: A001
    kind, axes = _norm_axes(ord, axis, np.ndim(raw(x)))
    return A._with_kept_axes(g, np.shape(raw(x)), axes, keepdims) * _norm_partial(
        x, out, ord, kind, axes, keepdims)


def _norm_jvp(args, out, t):
    x, ord, axis, keepdims = args  # noqa: A001
    kind, axes = _norm_axes(ord, axis, np.ndim(raw(x)))
    return P.sum(_norm_partial(x, out, ord, kind, axes, keepdims) * t[0], axis=axes,
                 keepdims=keepdims)


def _order_text(name) -> str:
    """``ord`` as a row or a message writes it (``'fro'``, ``inf``, ``\\infty``), plainly."""
    text = str(name).strip("'\"")
    return {r"\infty": "inf", r"-\infty": "-inf"}.get(text, text)


_SUBSCRIPT = str.maketrans("-0123456789", "₋₀₁₂₃₄₅₆₇₈₉")


def _norm_symbol(names, latex=False):
    """``‖v2‖``, ``‖v2‖₁``, ``‖v2‖_∞``, ``‖v2‖_F along axes 0, 1``: the norm as a row writes it
    (``names``: the argument names, constants written by the rows or by an error message)."""
    x, order, axis = names[0], _order_text(names[1]), str(names[2]).strip("()")
    sub = {"None": "", "fro": "F", "inf": "∞", "-inf": "-∞"}.get(order, order)
    where = "" if axis == "None" else (f" along axes {axis}" if "," in axis
                                       else f" along axis {axis}")
    if latex:
        sub = sub.replace("∞", r"\infty")
        return (rf"\left\|{x}\right\|" + (f"_{{{sub}}}" if sub else "")
                + (rf"\text{{{where}}}" if where else ""))
    if sub.lstrip("-").isdigit():
        return f"‖{x}‖{sub.translate(_SUBSCRIPT)}{where}"
    return f"‖{x}‖{'_' + sub if sub else ''}{where}"


def _norm_tangent(latex):
    def text(names, tangents):
        x, dx, order = names[0], tangents[0], _order_text(names[1])
        symbol = _norm_symbol([x, names[1], "None"], latex)
        times = r" \cdot " if latex else " × "
        total = r"\sum " if latex else "sum"
        if order in ("None", "2", "fro"):
            return (rf"\frac{{\sum {x} \cdot {dx}}}{{{symbol}}}" if latex
                    else f"sum({x} × {dx}) / {symbol}")
        if order == "0":
            return "0"
        if order in ("1", "-1", "inf", "-inf"):
            return (rf"\frac{{\partial {symbol}}}{{\partial {x}}} \cdot {dx}" if latex
                    else f"∂{symbol}/∂{x} · {dx}")
        if latex:
            return (rf"\frac{{\sum \operatorname{{sign}}({x}) |{x}|^{{{order}-1}}{times}{dx}}}"
                    rf"{{{symbol}^{{{order}-1}}}}")
        return f"{total}(sign({x}) |{x}|^({order}-1) × {dx}) / {symbol}^({order}-1)"
    return text


norm_ = define("norm", _norm_impl, jvp_rule=_norm_jvp, vjp_rule=_norm_vjp,
               text=_norm_symbol, latex=functools.partial(_norm_symbol, latex=True),
               tangent_text=_norm_tangent(False), tangent_latex=_norm_tangent(True))


def _singular_value_norm(x, ord, axes, keepdims):  # noqa: A002
    """The matrix 2-, -2- and nuclear norms: max, min or sum of the singular values."""
    shape = np.shape(raw(x))
    if tuple(axes) != (len(shape) - 2, len(shape) - 1):  # the matrices' axes last
        x = A.transpose(x, [i for i in range(len(shape)) if i not in axes] + list(axes))
    s = svd_s_(x)
    y = P.sum(s, axis=-1) if ord == "nuc" else (A.max if ord == 2 else A.min)(s, axis=-1)
    return P.reshape(y, A._kept_shape(shape, axes)) if keepdims else y


@implements(np.linalg.norm)
def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 - numpy's name
    """A vector or matrix norm, like ``np.linalg.norm`` (``ord``, ``axis``, ``keepdims`` alike).

    Vectors: the 2-norm (default), 1, inf, -inf, 0 and any p. Matrices (2-D, or ``axis`` a pair):
    'fro' (default), 1, -1, inf, -inf, and 'nuc', 2, -2 through the singular values. See the
    module's docstring for the points where a norm has no derivative and the conventions at ties.
    """
    if isinstance(x, (list, tuple)):
        x = A.array(x)
    if np.iscomplexobj(raw(x)):
        raise InputError("np.linalg.norm: complex arrays are outside adlab's scope.")
    axis = tuple(axis) if isinstance(axis, list) else axis
    kind, axes = _norm_axes(ord, axis, np.ndim(raw(x)))
    if kind == "matrix" and (ord == "nuc" or (not isinstance(ord, str) and ord in (2, -2))):
        return _singular_value_norm(x, ord, axes, keepdims)
    return norm_(x, ord, axis, keepdims)


@implements(np.linalg.vector_norm)
def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):  # noqa: A002
    """``np.linalg.vector_norm``: the ``ord``-norm over ``axis`` (None: every axis; or several)."""
    if isinstance(x, (list, tuple)):
        x = A.array(x)
    shape = np.shape(raw(x))
    if axis is None or (isinstance(axis, (tuple, list)) and len(axis) != 1):
        axes = tuple(range(len(shape))) if axis is None else tuple(a % len(shape) for a in axis)
        rest = [i for i in range(len(shape)) if i not in axes]
        flat = P.reshape(A.transpose(x, rest + list(axes)) if rest else x,
                         tuple(shape[i] for i in rest) + (-1,))
        y = norm(flat, ord, axis=-1)
        return P.reshape(y, A._kept_shape(shape, axes)) if keepdims else y
    return norm(x, ord, axis=axis, keepdims=keepdims)


@implements(np.linalg.matrix_norm)
def matrix_norm(x, /, *, keepdims=False, ord="fro"):  # noqa: A002
    """``np.linalg.matrix_norm``: the ``ord``-norm of each matrix (the last two axes)."""
    return norm(x, ord, axis=(-2, -1), keepdims=keepdims)


# ---------------------------------------------------------------- composed of the entries

@implements(np.linalg.matrix_power)
def matrix_power(a, n):
    """``a`` to the integer power ``n`` by repeated squaring (``inv`` first if ``n < 0``)."""
    a = _matrix_argument(a, "matrix_power")
    if not isinstance(n, (int, np.integer)):
        raise InputError(f"np.linalg.matrix_power needs an integer exponent, not {n!r}.")
    if n < 0:
        a, n = inv_(a), -n
    result, square = None, a
    while n:
        if n & 1:
            result = square if result is None else _mm(result, square)
        n >>= 1
        if n:
            square = _mm(square, square)
    if result is None:  # n = 0: the identity, a constant
        return np.broadcast_to(np.eye(np.shape(raw(a))[-1]), np.shape(raw(a))).copy()
    return result


@implements(np.linalg.multi_dot)
def multi_dot(arrays, *, out=None):
    """The product of the arrays, left to right (a 1-D first or last one as a vector)."""
    arrays = list(arrays)
    result = arrays[0]
    for b in arrays[1:]:
        result = _mm(result, b)
    return result


__all__ = ["norm", "vector_norm", "matrix_norm", "inv", "solve", "det", "slogdet", "cholesky",
           "eigh", "eigvalsh", "qr", "svd", "matrix_power", "multi_dot"]
