"""Reductions and scans in the one primitive table: ``prod``, ``cumsum``, ``cumprod``, ``var`` and
``std``, with numpy's ``axis`` and ``keepdims``; ``average`` composed of entries.

Products are differentiated exactly, zeros included, and without a division: the derivative of a
product with respect to one factor is the product of the others, taken from the left and from the
right (exclusive running products). A running product's adjoint is a running sum weighted by
products, the linear recurrence ``z_j = ḡ_j + x_(j+1) z_(j+1)``, computed in ⌈log₂ n⌉ steps of
products and sums (:func:`recurrence`). Every rule is written with adlab's functions, so second
derivatives work.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import DomainError, InputError
from .arrays import _axes, _inverse, _scalar, _with_kept_axes, concatenate, mean, transpose
from .contractions import _constant, call_text, real_only, refuse
from .primitives import broadcast_like, define, reshape, sum, zeros_like
from .tape import bind, implements, raw


def _written(name, keywords):
    """How ``name(x, *constants)`` is written (text, LaTeX): ``prod(v2, axis=0)``; ``keywords``
    names the constants, each with the default that is not shown: ``(("axis", "None"), ...)``."""
    def writer(latex):
        def write(args):
            shown = [(key, None if _constant(text) == default else _constant(text))
                     for (key, default), text in zip(keywords, args[1:])]
            return call_text(name, args[:1], shown, latex)
        return write
    return writer(False), writer(True)


def _suffix(args, latex=False):
    """``, axis=0`` for a tangent template: the axis, if any (args: x, axis, ...)."""
    axis = _constant(args[1])
    if axis == "None":
        return ""
    return rf",\ \text{{axis={axis}}}" if latex else f", axis={axis}"


def _at(axis: int, index) -> tuple:
    """An index that applies ``index`` (a slice) along ``axis``: ``x[_at(1, slice(1, None))]``."""
    return (slice(None),) * axis + (index,)


def _count(shape, axis) -> int:
    """How many elements each reduced slice has."""
    return math.prod(shape[a] for a in _axes(axis, len(shape)))


def checked_axis(axis, ndim, name, several=True):
    """``axis`` as numpy takes it (None, an int, a tuple or list of ints where ``several``), in
    the caller's spelling (``-1`` stays ``-1``), or a clear error."""
    if axis is None:
        return None
    if isinstance(axis, list):
        axis = tuple(axis)
    items = axis if isinstance(axis, tuple) else (axis,)
    if isinstance(axis, tuple) and not several:
        raise InputError(f"{name}: axis={axis!r} must be None or one axis (an integer).")
    for a in items:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool) or not -ndim <= a < ndim:
            valid = f"None or integers from {-ndim} to {ndim - 1}" if ndim else "None (a number)"
            raise InputError(f"{name}: axis={axis!r} does not name an axis of an array with "
                             f"{ndim} dimension(s); give {valid}.")
    if len({int(a) % ndim for a in items}) != len(items):
        raise InputError(f"{name}: axis={axis!r} names an axis twice.")
    return tuple(int(a) for a in axis) if isinstance(axis, tuple) else int(axis)


# ---------------------------------------------------------------- exact running products

def recurrence(a, b, axis: int, reverse=False):
    """``w`` with ``w_i = b_i + a_i w_(i-1)`` along ``axis`` (``w_(-1) = 0``), or with ``reverse``
    ``w_i = b_i + a_i w_(i+1)`` (``w_n = 0``).

    Computed by doubling (a parallel prefix scan): after the step of distance ``d``, ``w_i = B_i +
    A_i w_(i-d)``; one step doubles ``d``, so ⌈log₂ n⌉ steps of products and sums give ``w = B``,
    exactly as far as floating point goes, without dividing (zeros in ``a`` are fine).
    """
    n = np.shape(raw(b))[axis]
    d = 1
    while d < n:
        if reverse:  # the last d are done; each other i reaches to i + d
            kept, todo, partner = slice(n - d, None), slice(None, n - d), slice(d, None)
        else:        # the first d are done; each other i reaches to i - d
            kept, todo, partner = slice(None, d), slice(d, None), slice(None, n - d)
        kept, todo, partner = _at(axis, kept), _at(axis, todo), _at(axis, partner)

        def updated(values, new):
            """``values`` with ``new`` in the place of the elements not yet done."""
            pieces = [new, values[kept]] if reverse else [values[kept], new]
            return concatenate(pieces, axis=axis)
        if 2 * d < n:  # B_i + A_i B_(i∓d), and A_i A_(i∓d) for the next step
            a, b = updated(a, a[todo] * a[partner]), updated(b, b[todo] + a[todo] * b[partner])
        else:
            b = updated(b, b[todo] + a[todo] * b[partner])
        d *= 2
    return b


def _shifted(y, axis: int, back=False):
    """``y`` moved one place along ``axis`` with a 1 coming in: ``[1, y_0, ..., y_(n-2)]``, or
    with ``back`` ``[y_1, ..., y_(n-1), 1]``."""
    shape = list(np.shape(raw(y)))
    shape[axis] = 1
    if back:
        return concatenate([y[_at(axis, slice(1, None))], np.ones(shape)], axis=axis)
    return concatenate([np.ones(shape), y[_at(axis, slice(None, -1))]], axis=axis)


def _exclusive_cumprod(x, axis: int):
    """``Π_(l<j) x_l`` for every ``j`` along ``axis`` (1 for the first)."""
    return _shifted(cumprod(x, axis=axis), axis)


def others(x, axis):
    """For every element, the product of the other elements of its slice along ``axis`` (None,
    an int or a tuple): ∂prod/∂x, exactly, zeros included -- the running product from the left
    times the one from the right, no division."""
    shape = np.shape(raw(x))
    if not shape:
        return 1.0
    axes = _axes(axis, len(shape))
    if _count(shape, axis) == 0:
        return zeros_like(x)
    order = tuple(i for i in range(len(shape)) if i not in axes) + axes
    lined = x if order == tuple(range(len(shape))) else transpose(x, order)
    flat = tuple(shape[i] for i in order[:len(order) - len(axes)]) + (_count(shape, axis),)
    lined = reshape(lined, flat) if flat != np.shape(raw(lined)) else lined
    last = len(flat) - 1
    backwards = _at(last, slice(None, None, -1))
    products = (_exclusive_cumprod(lined, last)
                * _exclusive_cumprod(lined[backwards], last)[backwards])
    moved = tuple(shape[i] for i in order)
    products = reshape(products, moved) if moved != flat else products
    return products if order == tuple(range(len(shape))) else transpose(products, _inverse(order))


# ---------------------------------------------------------------- prod

PRODUCT_TEXT = "Σᵢ {d}[i] ∏ⱼ≠ᵢ {x}[j]"  # the tangent of a product: one factor's tangent at a time
REDUCTION_TEXT = {name: _written(name, (("axis", "None"), ("keepdims", "False")))
                  for name in ("prod",)}
SCAN_TEXT = {name: _written(name, (("axis", "None"),)) for name in ("cumsum", "revcumsum",
                                                                    "cumprod")}


prod_ = define(
    "prod", lambda x, axis, keepdims: _scalar(np.prod(x, axis=axis, keepdims=keepdims)),
    jvp_rule=lambda args, out, t: sum(t[0] * others(args[0], args[1]), axis=args[1],
                                      keepdims=args[2]),
    vjp_rule=lambda k, g, args, out: (
        _with_kept_axes(g, np.shape(raw(args[0])), args[1], args[2]) * others(args[0], args[1])),
    text=REDUCTION_TEXT["prod"][0], latex=REDUCTION_TEXT["prod"][1],
    tangent_text=lambda args, t: PRODUCT_TEXT.format(d=t[0], x=args[0]) + _suffix(args),
    tangent_latex=lambda args, t: (rf"\sum_i {t[0]}[i] \prod_{{j \neq i}} {args[0]}[j]"
                                   + _suffix(args, latex=True)),
    note="The derivative with respect to one factor is the product of the others, exactly, also "
         "where factors are zero (no division).")


def prod(x, axis=None, keepdims=False):
    """Product of the elements of ``x`` (over ``axis``), like ``numpy.prod``."""
    axis = checked_axis(axis, np.ndim(raw(x)), "prod")
    return bind(prod_, x, axis, bool(keepdims))


# ---------------------------------------------------------------- cumsum and its adjoint

def _scan_axis(x, axis, name):
    """numpy's scans run over the flattened array when ``axis`` is None, and a number is a vector
    of one element: ``x`` as the scan sees it, and its axis (None for a vector)."""
    ndim = np.ndim(raw(x))
    axis = checked_axis(axis, max(ndim, 1), name, several=False)
    if ndim == 0 or axis is None and ndim != 1:
        x = reshape(x, (-1,))
    return x, axis


def _revcumsum(x, axis):
    return np.flip(np.cumsum(np.flip(x, axis), axis=axis), axis)


cumsum_ = define("cumsum", lambda x, axis: np.cumsum(x, axis=axis),
                 jvp_rule=lambda args, out, t: bind(cumsum_, t[0], args[1]),
                 vjp_rule=lambda k, g, args, out: bind(revcumsum_, g, args[1]),
                 text=SCAN_TEXT["cumsum"][0], latex=SCAN_TEXT["cumsum"][1], linear=True)
revcumsum_ = define("revcumsum", _revcumsum, internal=True,
                    jvp_rule=lambda args, out, t: bind(revcumsum_, t[0], args[1]),
                    vjp_rule=lambda k, g, args, out: bind(cumsum_, g, args[1]),
                    text=SCAN_TEXT["revcumsum"][0], latex=SCAN_TEXT["revcumsum"][1],
                    linear=True)


def cumsum(x, axis=None):
    """Running sums along ``axis`` (of the flattened array if None), like ``numpy.cumsum``; its
    adjoint is the running sum from the end, ``revcumsum``."""
    return bind(cumsum_, *_scan_axis(x, axis, "cumsum"))


# ---------------------------------------------------------------- cumprod

def _cumprod_jvp(args, out, tangents):
    """``ẏ_i = ẏ_(i-1) x_i + y_(i-1) ẋ_i``: the forward recurrence, from ``ẏ_(-1) = 0``."""
    x, axis = args
    axis = 0 if axis is None else axis % np.ndim(raw(x))
    if np.shape(raw(x))[axis] == 0:
        return zeros_like(x)
    return recurrence(x, _shifted(out, axis) * tangents[0], axis)


def _cumprod_vjp(k, g, args, out):
    """``x̄_j = (Π_(l<j) x_l) z_j`` with ``z_j = ḡ_j + x_(j+1) z_(j+1)`` (the transposed
    recurrence)."""
    x, axis = args
    axis = 0 if axis is None else axis % np.ndim(raw(x))
    if np.shape(raw(x))[axis] == 0:
        return zeros_like(x)
    return _shifted(out, axis) * recurrence(_shifted(x, axis, back=True), g, axis, reverse=True)


cumprod_ = define("cumprod", lambda x, axis: np.cumprod(x, axis=axis),
                  jvp_rule=_cumprod_jvp, vjp_rule=_cumprod_vjp,
                  text=SCAN_TEXT["cumprod"][0], latex=SCAN_TEXT["cumprod"][1],
                  tangent_text=lambda args, t: (f"Σⱼ≤ᵢ {t[0]}[j] ∏ₗ≤ᵢ,ₗ≠ⱼ {args[0]}[l]"
                                                + _suffix(args)),
                  tangent_latex=lambda args, t: (
                      rf"\sum_{{j \le i}} {t[0]}[j] \prod_{{l \le i, l \neq j}} {args[0]}[l]"
                      + _suffix(args, latex=True)),
                  note="Exact where factors are zero: its rules multiply and add, never divide.")


def cumprod(x, axis=None):
    """Running products along ``axis`` (of the flattened array if None), like ``numpy.cumprod``."""
    return bind(cumprod_, *_scan_axis(x, axis, "cumprod"))


# ---------------------------------------------------------------- var and std

MOMENT_TEXT = {name: _written(name, (("axis", "None"), ("ddof", "0"), ("keepdims", "False")))
               for name in ("var", "std")}


def _moment(numpy_function):
    """numpy's var or std, refusing slices with no more elements than ``ddof``."""
    def impl(x, axis, ddof, keepdims):
        n = _count(np.shape(x), axis)
        if n - ddof <= 0:
            raise ValueError(f"the slices have {n} element(s), which leaves {n - ddof} degrees of "
                             f"freedom after ddof={ddof}")
        return _scalar(numpy_function(x, axis=axis, ddof=ddof, keepdims=keepdims))
    return impl


def _deviation(x, axis):
    """``x - mean(x)`` over ``axis``, the mean kept as axes of length 1."""
    return x - mean(x, axis=axis, keepdims=True)


def _spread(args):
    """``(x - mean x) / (n - ddof)``: half the derivative of var with respect to ``x``."""
    x, axis, ddof, _ = args
    return _deviation(x, axis) * (1.0 / (_count(np.shape(raw(x)), axis) - ddof))


def _deviation_text(args, t, latex=False):
    """``mean((v2 - mean(v2)) × v̇2)`` (over the axis), and the divisor when ``ddof`` is not 0."""
    x, ddof = args[0], _constant(args[2])
    suffix = _suffix(args, latex)
    if latex:
        centred = rf"({x} - \operatorname{{mean}} {x}) {t[0]}"
        return (rf"\operatorname{{mean}}({centred}{suffix})" if ddof == "0" else
                rf"\frac{{\sum ({centred}{suffix})}}{{n - {ddof}}}")
    centred = f"({x} - mean({x})) × {t[0]}"
    return f"mean({centred}{suffix})" if ddof == "0" else f"sum({centred}{suffix}) / (n - {ddof})"


var_ = define(
    "var", _moment(np.var),
    jvp_rule=lambda args, out, t: 2.0 * sum(_spread(args) * t[0], axis=args[1], keepdims=args[3]),
    vjp_rule=lambda k, g, args, out: (
        _with_kept_axes(g, np.shape(raw(args[0])), args[1], args[3]) * (2.0 * _spread(args))),
    domain="var needs more elements along the axis than ddof",
    text=MOMENT_TEXT["var"][0], latex=MOMENT_TEXT["var"][1],
    tangent_text=lambda args, t: f"2 × {_deviation_text(args, t)}",
    tangent_latex=lambda args, t: rf"2 \cdot {_deviation_text(args, t, latex=True)}")


def _nonzero(std_value):
    """std, checked: where a slice is constant (std 0) the derivative does not exist."""
    if np.any(np.asarray(raw(std_value)) == 0):
        raise ValueError("a slice is constant (std 0), where √ has no derivative")
    return std_value


std_ = define(
    "std", _moment(np.std),
    jvp_rule=lambda args, out, t: (sum(_spread(args) * t[0], axis=args[1], keepdims=args[3])
                                   / _nonzero(out)),
    vjp_rule=lambda k, g, args, out: (
        _with_kept_axes(g / _nonzero(out), np.shape(raw(args[0])), args[1], args[3])
        * _spread(args)),
    domain="the derivative of std needs slices whose elements are not all equal: a constant "
           "slice has std 0, where √ has no derivative (sqrt(var(x) + ε) has one everywhere)",
    text=MOMENT_TEXT["std"][0], latex=MOMENT_TEXT["std"][1],
    tangent_text=lambda args, t: (f"{_deviation_text(args, t)} / "
                                  f"{call_text('std', [args[0]])}"),
    tangent_latex=lambda args, t: rf"\frac{{{_deviation_text(args, t, latex=True)}}}{{"
                                  rf"{call_text('std', [args[0]], latex=True)}}}")


def _moment_call(entry, x, axis, ddof, keepdims):
    axis = checked_axis(axis, np.ndim(raw(x)), entry.name)
    if not isinstance(ddof, (int, float, np.integer, np.floating)) or isinstance(ddof, bool):
        raise InputError(f"{entry.name}: ddof={ddof!r} must be a number (0 for the population, "
                         f"1 for the sample {entry.name}).")
    ddof = int(ddof) if float(ddof).is_integer() else float(ddof)
    n = _count(np.shape(raw(x)), axis)
    if n - ddof <= 0:
        raise InputError(f"{entry.name}: the slices{'' if axis is None else f' along axis={axis}'} "
                         f"have {n} element(s), and ddof={ddof} leaves {n - ddof} degrees of "
                         f"freedom; give a ddof below {n}.")
    return bind(entry, x, axis, ddof, bool(keepdims))


def var(x, axis=None, ddof=0, keepdims=False):
    """Variance of the elements of ``x`` (over ``axis``), ``sum((x - mean x)²) / (n - ddof)``, like
    ``numpy.var``."""
    return _moment_call(var_, x, axis, ddof, keepdims)


def std(x, axis=None, ddof=0, keepdims=False):
    """Standard deviation, ``√var``, like ``numpy.std``; at a constant slice (std 0) it has no
    derivative, and asking for one raises :class:`~adlab.errors.DerivativeError`."""
    return _moment_call(std_, x, axis, ddof, keepdims)


# ---------------------------------------------------------------- average, composed

def _weights_along(weights, a_shape, axis):
    """``weights`` shaped to broadcast against ``a``: numpy takes the shape of ``a``, or the
    shape of ``a`` along ``axis`` (a vector along one axis)."""
    w_shape = np.shape(raw(weights))
    if w_shape == a_shape:
        return weights
    axes = (axis,) if isinstance(axis, int) else axis
    along = None if axis is None else tuple(a_shape[i] for i in axes)
    if w_shape != along:
        raise InputError(f"average: weights of shape {w_shape} must have the shape of the array, "
                         f"{a_shape}" + ("" if along is None else f", or its shape along axis "
                                         f"{axis}, {along}") + ".")
    order = tuple(int(i) for i in np.argsort([i % len(a_shape) for i in axes]))
    if order != tuple(range(len(axes))):
        weights = transpose(weights, order)
    kept = {i % len(a_shape) for i in axes}
    return reshape(weights, tuple(n if i in kept else 1 for i, n in enumerate(a_shape)))


def average(a, axis=None, weights=None, returned=False, keepdims=False):
    """The weighted average ``sum(a × w) / sum(w)`` over ``axis``, like ``numpy.average`` (the
    mean without ``weights``); the weights may be traced too. With ``returned``, also the sum of
    the weights (the count without weights), broadcast to the average's shape."""
    a_shape = np.shape(raw(a))
    axis = checked_axis(axis, len(a_shape), "average")
    if weights is None:
        result = mean(a, axis=axis, keepdims=keepdims)
        count = float(_count(a_shape, axis))
        total = np.full(np.shape(raw(result)), count) if np.ndim(raw(result)) else count
    else:
        real_only("average", weights)
        weights = _weights_along(weights, a_shape, axis)
        total = sum(weights, axis=axis, keepdims=keepdims)
        if np.any(np.asarray(raw(total)) == 0):
            raise DomainError(f"average: the weights sum to zero (axis={axis}), so they cannot "
                              f"weigh an average; give weights with a non-zero sum.")
        result = sum(a * weights, axis=axis, keepdims=keepdims) / total
        if returned:
            total = broadcast_like(total, result)
    return (result, total) if returned else result


# ---------------------------------------------------------------- numpy's functions, traced

@implements(np.prod)
def _np_prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    refuse("prod", dtype=dtype, out=out, where=where)
    result = prod(a, axis=axis, keepdims=keepdims)
    return result if initial is None else result * float(initial)


@implements(np.cumsum)
def _np_cumsum(a, axis=None, dtype=None, out=None):
    refuse("cumsum", dtype=dtype, out=out)
    return cumsum(a, axis=axis)


@implements(np.cumprod)
def _np_cumprod(a, axis=None, dtype=None, out=None):
    refuse("cumprod", dtype=dtype, out=out)
    return cumprod(a, axis=axis)


def _numpy_moment(function):
    def answer(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
               mean=None, correction=None):
        refuse(function.__name__, dtype=dtype, out=out, where=where, mean=mean)
        if correction is not None:
            if ddof != 0:
                raise InputError(f"{function.__name__}: give ddof or correction, not both.")
            ddof = correction
        return function(a, axis=axis, ddof=ddof, keepdims=keepdims)
    return answer


implements(np.var)(_numpy_moment(var))
implements(np.std)(_numpy_moment(std))
implements(np.average)(average)

#: Functions composed of the table's entries (not entries themselves), exported beside them.
COMPOSED = (average,)
