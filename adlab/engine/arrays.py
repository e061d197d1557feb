"""Array operations in the one primitive table: matrix products, reductions, shapes, joins,
selection, more elementwise functions, and the numerically stable composites a model needs.

Every rule is written with adlab's own functions and operators, so second derivatives of array
programs (``grad`` of ``grad``, Hessian-vector products) work as they do for scalars. Constant
arguments (an axis, a shape, a boolean condition) come after or before the traced ones and have
no derivative. numpy's functions on traced values come here (each entry's ``ufunc``, and
``NUMPY_FUNCTIONS`` at the end of this module); anything else raises the engine's clear error.
"""
from __future__ import annotations

import builtins
import math

import numpy as np

from ..errors import InputError
from .primitives import (binary, define, exp, joined_text, reshape, rows, sqrt, stack, sum,
                         sum_, unary, unbroadcast, zeros_like)
from .tape import NUMPY_FUNCTIONS, Traced, bind2, bindn, numpy_raises, raw


def _scalar(result):
    """numpy's 0-d results as Python floats, so scalar code stays on the fast float paths."""
    if type(result) is np.float64 or (type(result) is np.ndarray and result.ndim == 0):
        return float(result)
    return result


def _axes(axis, ndim):
    """``axis`` (None, an int or a tuple) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    return tuple(sorted(int(a) % builtins.max(ndim, 1) for a in axes))


def _kept_shape(shape, axis):
    axes = _axes(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _with_kept_axes(g, shape, axis, keepdims):
    """A reduction's adjoint ``g`` reshaped so that it broadcasts back over the reduced axes."""
    if keepdims or axis is None:
        return g
    return reshape(g, _kept_shape(shape, axis))


# ---------------------------------------------------------------- matrix product

def _swap_last(x):
    """``x`` with its last two axes swapped (the matrix transpose, batched)."""
    n = np.ndim(raw(x))
    return transpose(x, tuple(range(n - 2)) + (n - 1, n - 2)) if n > 2 else x.T


def _matmul_vjp(k, g, args, out):
    a, b = args
    if type(a) is np.ndarray and type(b) is np.ndarray and a.ndim == 2 and b.ndim == 2:
        return g @ b.T if k == 0 else a.T @ g  # the common case, plain
    shape_a, shape_b = np.shape(raw(a)), np.shape(raw(b))
    if len(shape_a) == 2 and len(shape_b) == 2:  # the common case, without reshapes
        return g @ b.T if k == 0 else a.T @ g
    if len(shape_a) == 1 and len(shape_b) == 1:
        return g * b if k == 0 else g * a
    a2 = a if len(shape_a) > 1 else reshape(a, (1,) + shape_a)  # vectors as matrices
    b2 = b if len(shape_b) > 1 else reshape(b, shape_b + (1,))
    sa, sb = np.shape(raw(a2)), np.shape(raw(b2))
    g2 = reshape(g, np.broadcast_shapes(sa[:-2], sb[:-2]) + (sa[-2], sb[-1]))
    if k == 0:
        return reshape(unbroadcast(g2 @ _swap_last(b2), a2), shape_a)
    return reshape(unbroadcast(_swap_last(a2) @ g2, b2), shape_b)


def _matmul_jvp(args, out, tangents):
    (a, b), (ta, tb) = args, tangents
    total = ta @ b if ta is not None else None
    if tb is not None:
        total = a @ tb if total is None else total + a @ tb
    return total


def _matmul(a, b):
    product = np.matmul(a, b)
    return product if type(product) is np.ndarray and product.ndim else _scalar(product)


matmul_ = define("matmul", _matmul, ufunc=np.matmul,
                 jvp_rule=_matmul_jvp, vjp_rule=_matmul_vjp,
                 domain="the inner dimensions must agree: (n, k) @ (k, m); use a 2-D array or a "
                        "vector on each side",
                 text="{0} @ {1}", latex=r"{0} {1}",
                 tangent_text=("{d0} @ {1}", "{0} @ {d1}"),  # product rule; constants drop out
                 tangent_latex=("{d0} {1}", "{0} {d1}"))


def matmul(a, b):
    """The matrix product ``a @ b``, like ``numpy.matmul`` (vectors and stacks of matrices too)."""
    return bind2(matmul_, a, b)


# ---------------------------------------------------------------- transpose

def _inverse(axes):
    return None if axes is None else tuple(int(i) for i in np.argsort(axes))


transpose_ = define("transpose", lambda x, axes: _scalar(np.transpose(x, axes)),
                    jvp_rule=lambda args, out, t: transpose(t[0], args[1]),
                    vjp_rule=lambda k, g, args, out: transpose(g, _inverse(args[1])),
                    text="{0}ᵀ", latex="{0}^T", linear=True)


def transpose(x, axes=None):
    """``x`` with its axes reversed (or permuted by ``axes``), like ``numpy.transpose``."""
    if axes is not None:
        axes = tuple(int(a) % builtins.max(np.ndim(raw(x)), 1) for a in axes)
    return transpose_(x, axes)


def swapaxes(x, axis1, axis2):
    """``x`` with two axes swapped, like ``numpy.swapaxes``."""
    perm = list(range(np.ndim(raw(x))))
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return transpose(x, perm)


# ---------------------------------------------------------------- reductions: mean, max, min

def mean(x, axis=None, keepdims=False):
    """Mean of the elements of ``x`` (over ``axis``), like ``numpy.mean``."""
    shape = np.shape(raw(x))
    count = math.prod(shape[a] for a in _axes(axis, len(shape)))
    return sum(x, axis=axis, keepdims=keepdims) / float(count)


def _extreme(name, reduce):
    def weights(x, axis, out, keepdims):
        """Constant: 1/(number of ties) where x attains the extreme, 0 elsewhere."""
        x = raw(x)
        hit = (x == np.reshape(raw(out), _kept_shape(np.shape(x), axis))).astype(float)
        return hit / np.sum(hit, axis=axis, keepdims=True)

    def vjp(k, g, args, out):
        x, axis, keepdims = args
        return _with_kept_axes(g, np.shape(raw(x)), axis, keepdims) * weights(x, axis, out,
                                                                                keepdims)

    def jvp(args, out, t):
        x, axis, keepdims = args
        return sum(t[0] * weights(x, axis, out, keepdims), axis=axis, keepdims=keepdims)

    return define(name, lambda x, axis, keepdims: _scalar(reduce(x, axis=axis, keepdims=keepdims)),
                  jvp_rule=jvp, vjp_rule=vjp, domain="the array must not be empty",
                  text=f"{name}({{0}})", latex=rf"\{name} {{0}}",
                  tangent_text=f"{{d0}}[arg{name} {{0}}]",  # the tangent where x is extreme
                  tangent_latex=rf"{{d0}}[\operatorname{{{{arg{name}}}}} {{0}}]")


max_ = _extreme("max", np.max)
min_ = _extreme("min", np.min)


def max(x, axis=None, keepdims=False):  # noqa: A001 - mirrors numpy's name
    """Largest element of ``x`` (over ``axis``); ties share the derivative equally."""
    return max_(x, _axis_arg(axis), keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001 - mirrors numpy's name
    """Smallest element of ``x`` (over ``axis``); ties share the derivative equally."""
    return min_(x, _axis_arg(axis), keepdims)


def _axis_arg(axis):
    return tuple(axis) if isinstance(axis, list) else axis


# ---------------------------------------------------------------- joining and selecting

def _concatenate_vjp(k, g, args, out):
    axis, xs = args[0], args[1:]
    start = builtins.sum(np.shape(raw(x))[axis] for x in xs[:k - 1])
    index = (slice(None),) * axis + (slice(start, start + np.shape(raw(xs[k - 1]))[axis]),)
    return g[index]


concatenate_ = define(
    "concatenate", lambda axis, *xs: np.concatenate(xs, axis=axis),
    jvp_rule=lambda args, out, t: concatenate([ti if ti is not None else zeros_like(x)
                                               for x, ti in zip(args[1:], t[1:])], axis=args[0]),
    vjp_rule=_concatenate_vjp,
    domain="the arrays must agree in every dimension but the joining one",
    text=joined_text("concatenate"), latex=joined_text(r"\operatorname{concatenate}"),
    linear=True, tangent_text=joined_text("concatenate"),
    tangent_latex=joined_text(r"\operatorname{concatenate}"))


def concatenate(xs, axis=0):
    """Join arrays along an existing axis, like ``numpy.concatenate`` (``axis=None`` flattens)."""
    xs = list(xs)
    if axis is None:
        xs, axis = [reshape(x, (-1,)) for x in xs], 0
    ndim = np.ndim(raw(xs[0])) if xs else 1
    if ndim == 0:
        raise InputError("concatenate joins arrays along an axis; to join numbers into a vector "
                         "use ad.array([...]) or ad.stack([...]).")
    return concatenate_(int(axis) % ndim, *xs)


def _chosen(condition, value):
    """Constant 1.0 where ``condition`` equals ``value``, else 0.0 (a float for a scalar)."""
    chosen = np.asarray(condition) == value
    return float(chosen) if chosen.ndim == 0 else chosen.astype(float)


where_ = define("where", lambda condition, x, y: _scalar(np.where(condition, x, y)),
                partials=(lambda c, x, y, out: 0.0, lambda c, x, y, out: _chosen(c, True),
                          lambda c, x, y, out: _chosen(c, False)),
                text="where({0}, {1}, {2})", latex=r"\operatorname{{where}}({0}, {1}, {2})",
                partial_text=("0", "[{0}]", "[not {0}]"),
                partial_latex=("0", "[{0}]", r"[\lnot {0}]"), linear=True,  # in x and y
                tangent_text="where({0}, {d1}, {d2})",
                tangent_latex=r"\operatorname{{where}}({0}, {d1}, {d2})")


def where(condition, x=None, y=None):
    """``x`` where ``condition`` holds, else ``y`` (elementwise, broadcasting), like ``np.where``.

    The condition is a constant (comparisons of traced values give plain booleans).
    """
    condition = np.asarray(raw(condition)).astype(bool)
    if x is None and y is None:
        return np.where(condition)
    return where_(condition.item() if condition.ndim == 0 else condition, x, y)


def _contains_traced(values) -> bool:
    if type(values) is Traced:
        return True
    return isinstance(values, (list, tuple)) and any(_contains_traced(v) for v in values)


def array(values):
    """An array from numbers, arrays and traced values (nested lists), like ``numpy.array``.

    ``np.array([x, y])`` cannot see traced values (numpy asks them for plain numbers); use
    ``ad.array([x, y])`` (or ``ad.stack``) inside a function you differentiate.
    """
    if not _contains_traced(values):
        return np.asarray(values, dtype=float)
    if type(values) is Traced:
        return values
    return stack([array(v) if isinstance(v, (list, tuple)) else v for v in values])


# ---------------------------------------------------------------- stable composites for models

def _logsumexp_impl(x, axis, keepdims):
    if type(x) is not np.ndarray or x.dtype != np.float64:
        x = np.asarray(x, dtype=float)
    top = np.maximum.reduce(x, axis=axis, keepdims=True)  # x.max(), without its Python wrapper
    shifted = None
    if numpy_raises():  # then x - top raises where a maximum is ±inf (inf - inf): no check first
        try:
            shifted = x - top
        except FloatingPointError:
            pass  # a maximum that is not finite (or an overflow, raised again below)
    if shifted is None:
        try:  # one sum tells whether every maximum is finite (numpy raises if it overflows)
            finite = math.isfinite(np.add.reduce(top, axis=None))
        except FloatingPointError:
            finite = False
        if not finite:
            finite = np.isfinite(top)
            if not finite.all():  # a row of -inf (or inf) would give nan: shift it by 0 instead
                top = np.where(finite, top, 0.0)
        shifted = x - top
    result = np.log(np.add.reduce(np.exp(shifted, out=shifted), axis=axis, keepdims=True))
    result += top
    return _scalar(result if keepdims else np.squeeze(result, axis=axis))


def _softmax_of(x, out, axis, keepdims):
    """``exp(x - logsumexp(x))`` from the stored result, written with adlab's functions."""
    return exp(x - _with_kept_axes(out, np.shape(raw(x)), axis, keepdims))


def _logsumexp_vjp(k, g, args, out):
    x, axis, keepdims = args
    if keepdims and type(g) is np.ndarray and type(x) is np.ndarray and type(out) is np.ndarray \
            and x.dtype == np.float64 and g.shape == out.shape:
        # plain arrays (a first derivative): the same numbers, the product written into the fresh
        # softmax (exp(x - out) never overflows: out is at least max x)
        softmax = x - out
        np.exp(softmax, out=softmax)
        return np.multiply(g, softmax, out=softmax)
    return _with_kept_axes(g, np.shape(raw(x)), axis, keepdims) * _softmax_of(x, out, axis,
                                                                            keepdims)


logsumexp_ = define(
    "logsumexp", _logsumexp_impl,
    jvp_rule=lambda args, out, t: sum(t[0] * _softmax_of(args[0], out, args[1], args[2]),
                                      axis=args[1], keepdims=args[2]),
    vjp_rule=_logsumexp_vjp,
    domain="the array must not be empty or all -inf",
    text="logsumexp({0})", latex=r"\log \sum \exp {0}",
    tangent_text="sum(softmax({0}) × {d0})",
    tangent_latex=r"\sum \operatorname{{softmax}}({0}) \times {d0}")


def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` (over ``axis``) without overflow: the largest element is factored out."""
    return bindn(logsumexp_, x, _axis_arg(axis), keepdims)  # logsumexp_(...), one call less


def log_softmax(x, axis=-1):
    """``x - logsumexp(x)`` along ``axis``: log-probabilities, stable for large or small ``x``."""
    return x - logsumexp(x, axis=axis, keepdims=True)


def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` along ``axis``, computed stably as ``exp(log_softmax(x))``."""
    return exp(log_softmax(x, axis=axis))


def _indices_below(indices, n) -> bool:
    """Whether every integer in ``indices`` is in 0..n-1, without numpy's wrappers: for native
    int64 and int32, one maximum of them read as unsigned integers of the same width (a negative
    one reads as 2³¹ or more); otherwise their minimum and maximum."""
    dtype = indices.dtype
    unsigned = _U64 if dtype is _I64 else _U32 if dtype is _I32 else None  # builtin dtypes: one each
    if unsigned is not None and indices.flags.c_contiguous:
        return int(np.maximum.reduce(indices.view(unsigned), axis=None)) < n
    return 0 <= np.minimum.reduce(indices, axis=None) and np.maximum.reduce(indices, axis=None) < n


_I64, _I32, _U64, _U32 = (np.dtype(t) for t in (np.int64, np.int32, np.uint64, np.uint32))


def cross_entropy(logits, labels):
    """Mean cross-entropy of softmax(``logits``) against ``labels``, stable for any logits.

    ``logits`` has shape ``(batch, classes)`` (or ``(classes,)``); ``labels`` are class indices of
    shape ``(batch,)`` (or one index), or probabilities of the logits' shape (e.g. one-hot).
    """
    value = raw(logits)
    shape = value.shape if type(value) is np.ndarray else np.shape(value)
    if len(shape) not in (1, 2):
        raise InputError(f"cross_entropy needs logits of shape (batch, classes) or (classes,), "
                         f"not {shape}.")
    logp = logits - bindn(logsumexp_, logits, -1, True)  # log_softmax(logits, axis=-1)
    batch = shape[0] if len(shape) == 2 else 1
    plain = labels if type(labels) is np.ndarray else np.asarray(raw(labels))
    if plain.dtype.kind in "iu":
        if plain.shape != shape[:-1] or plain.size and not _indices_below(plain, shape[-1]):
            raise InputError(f"cross_entropy: labels must be class indices 0..{shape[-1] - 1} of "
                             f"shape {shape[:-1]}, got shape {plain.shape} with values "
                             f"{plain.min() if plain.size else ''}..{plain.max() if plain.size else ''}.")
        picked = logp[int(plain)] if len(shape) == 1 else logp[rows(batch), plain]
        return -bindn(sum_, picked, None, False) / float(batch)  # -sum(picked) / batch
    if plain.shape == shape[:-1]:
        traced = (" (ad.grad, ad.vjp and ad.reverse trace every argument as floats: keep the "
                  "labels out of the arguments, e.g. ad.vjp(lambda z: "
                  "ad.cross_entropy(z, labels), logits))") if type(labels) is Traced else ""
        raise InputError(f"cross_entropy: labels of shape {plain.shape} must be integer class "
                         f"indices, not {plain.dtype} numbers{traced}.")
    if plain.shape != shape:
        raise InputError(f"cross_entropy: labels must be integer class indices of shape "
                         f"{shape[:-1]} or probabilities of shape {shape}, not {plain.shape}.")
    return -sum(labels * logp) / float(batch)


# ---------------------------------------------------------------- more elementwise functions

square = define("square", unary(lambda x: x * x, np.square), ufunc=np.square,
                partials=(lambda x, out: 2.0 * x,),
                text="{0}²", latex="{{{0}}}^2", partial_text=("2 × {0}",),
                partial_latex=(r"2 \cdot {0}",))
log1p = define("log1p", unary(math.log1p, np.log1p), ufunc=np.log1p,
               partials=(lambda x, out: 1.0 / (1.0 + x),), domain="log1p needs an input above -1",
               text="ln(1 + {0})", latex=r"\ln(1 + {0})", partial_text=("1/(1 + {0})",),
               partial_latex=(r"\frac{{1}}{{1 + {0}}}",))
expm1 = define("expm1", unary(math.expm1, np.expm1), ufunc=np.expm1,
               partials=(lambda x, out: out + 1.0,),
               domain="the result overflows a float64 (above about exp(709))",
               text="exp {0} - 1", latex=r"\exp {0} - 1", partial_text=("exp {0}",),
               partial_latex=(r"\exp {0}",))
log2 = define("log2", unary(math.log2, np.log2), ufunc=np.log2,
              partials=(lambda x, out: 1.0 / (x * math.log(2.0)),),
              domain="log2 needs a positive input", text="log₂ {0}", latex=r"\log_2 {0}",
              partial_text=("1/({0} ln 2)",), partial_latex=(r"\frac{{1}}{{{0} \ln 2}}",))
log10 = define("log10", unary(math.log10, np.log10), ufunc=np.log10,
               partials=(lambda x, out: 1.0 / (x * math.log(10.0)),),
               domain="log10 needs a positive input", text="log₁₀ {0}", latex=r"\log_{{10}} {0}",
               partial_text=("1/({0} ln 10)",), partial_latex=(r"\frac{{1}}{{{0} \ln 10}}",))
sinh = define("sinh", unary(math.sinh, np.sinh), ufunc=np.sinh,
              partials=(lambda x, out: cosh(x),), domain="the result overflows a float64",
              text="sinh {0}", latex=r"\sinh {0}", partial_text=("cosh {0}",),
              partial_latex=(r"\cosh {0}",))
cosh = define("cosh", unary(math.cosh, np.cosh), ufunc=np.cosh,
              partials=(lambda x, out: sinh(x),), domain="the result overflows a float64",
              text="cosh {0}", latex=r"\cosh {0}", partial_text=("sinh {0}",),
              partial_latex=(r"\sinh {0}",))
arcsin = define("arcsin", unary(math.asin, np.arcsin), ufunc=np.arcsin,
                partials=(lambda x, out: 1.0 / sqrt(1.0 - x * x),),
                domain="arcsin needs an input in [-1, 1], its derivative one in (-1, 1)",
                text="arcsin {0}", latex=r"\arcsin {0}", partial_text=("1/√(1 - {0}²)",),
                partial_latex=(r"\frac{{1}}{{\sqrt{{1 - {0}^2}}}}",))
arccos = define("arccos", unary(math.acos, np.arccos), ufunc=np.arccos,
                partials=(lambda x, out: -1.0 / sqrt(1.0 - x * x),),
                domain="arccos needs an input in [-1, 1], its derivative one in (-1, 1)",
                text="arccos {0}", latex=r"\arccos {0}", partial_text=("-1/√(1 - {0}²)",),
                partial_latex=(r"-\frac{{1}}{{\sqrt{{1 - {0}^2}}}}",))
arctan = define("arctan", unary(math.atan, np.arctan), ufunc=np.arctan,
                partials=(lambda x, out: 1.0 / (1.0 + x * x),),
                text="arctan {0}", latex=r"\arctan {0}", partial_text=("1/(1 + {0}²)",),
                partial_latex=(r"\frac{{1}}{{1 + {0}^2}}",))
logaddexp = define("logaddexp", lambda x, y: _scalar(np.logaddexp(x, y)), ufunc=np.logaddexp,
                   partials=(lambda x, y, out: exp(x - out), lambda x, y, out: exp(y - out)),
                   text="ln(exp {0} + exp {1})", latex=r"\ln(e^{{{0}}} + e^{{{1}}})",
                   # exp(x - out) = exp x / (exp x + exp y) = σ(x - y), written with the inputs
                   partial_text=("σ({0} - {1})", "σ({1} - {0})"),
                   partial_latex=(r"\sigma({0} - {1})", r"\sigma({1} - {0})"))

arctan2 = define("arctan2", binary(math.atan2, np.arctan2), ufunc=np.arctan2,
                 partials=(lambda y, x, out: x / (x * x + y * y),
                           lambda y, x, out: -y / (x * x + y * y)),
                 domain="its derivative needs a point other than (0, 0)",
                 text="arctan2({0}, {1})", latex=r"\operatorname{{arctan2}}({0}, {1})",
                 partial_text=("{1}/({0}² + {1}²)", "-{0}/({0}² + {1}²)"),
                 partial_latex=(r"\frac{{{1}}}{{{0}^2 + {1}^2}}", r"-\frac{{{0}}}{{{0}^2 + {1}^2}}"))

# ---------------------------------------------------------------- numpy's functions on traced values

NUMPY_FUNCTIONS.update({
    np.transpose: lambda a, axes=None: transpose(a, axes),
    np.swapaxes: swapaxes,
    np.mean: lambda a, axis=None, dtype=None, out=None, keepdims=False, **kw: mean(a, axis, keepdims),
    np.max: lambda a, axis=None, out=None, keepdims=False, **kw: max(a, axis, keepdims),
    np.min: lambda a, axis=None, out=None, keepdims=False, **kw: min(a, axis, keepdims),
    np.amax: lambda a, axis=None, out=None, keepdims=False, **kw: max(a, axis, keepdims),
    np.amin: lambda a, axis=None, out=None, keepdims=False, **kw: min(a, axis, keepdims),
    np.concatenate: lambda arrays, axis=0, **kw: concatenate(arrays, axis=axis),
    np.where: where,
})

#: Functions composed of the table's entries (not entries themselves), exported beside them.
COMPOSED = (mean, swapaxes, array, log_softmax, softmax, cross_entropy)
