"""Shapes, assembly, selection and sorting in the one primitive table: operations whose derivative
moves, copies or picks elements.

Their rules say where each element went. A copy (``repeat``, ``tile``, ``broadcast_to``) sends
back the sum of the adjoints of its copies; a rearrangement (``flip``, ``rot90``, ``moveaxis``,
``sort``) sends each adjoint back to where its element came from; a selection (``diagonal``,
``take_along_axis``, indexing, ``pad``'s inner part) puts the adjoints back in zeros, adding
where an element was picked twice. Rules are written with adlab's functions, so second
derivatives go through. Operations that are a few entries in a row (``vstack`` joins,
``split`` slices, ``squeeze`` reshapes, ``trace`` is the sum of the ``diagonal``) are written so,
and their rows read as such. numpy's functions on traced values come here (``@implements``).
"""
from __future__ import annotations

import builtins
import operator

import numpy as np

from ..errors import InputError, UnsupportedOperationError
from .arrays import concatenate
from .primitives import define, reshape, stack, sum, unbroadcast
from .tape import Traced, bind, implements, raw


def _shape(x):
    return np.shape(raw(x))


def _axis(axis, ndim, what):
    """``axis`` as a non-negative axis of an array of ``ndim`` dimensions, or a clear error."""
    try:
        a = operator.index(axis)
    except TypeError:
        raise InputError(f"{what}: axis must be an integer, not {axis!r}.") from None
    if not -ndim <= a < builtins.max(ndim, 0):
        raise InputError(f"{what}: axis {a} is out of bounds for an array of {ndim} "
                         f"dimension(s); axes go from {-ndim} to {ndim - 1}.")
    return a % ndim


def _axis_tuple(axis, ndim, what):
    axes = (axis,) if not isinstance(axis, (tuple, list)) else axis
    axes = tuple(_axis(a, ndim, what) for a in axes)
    if len(set(axes)) != len(axes):
        raise InputError(f"{what}: the axes {axis!r} repeat an axis.")
    return axes


def _constant(value, what):
    """A constant argument (indices, repeats, a mask) as numpy sees it; a traced one is refused."""
    if type(value) is Traced or isinstance(value, (list, tuple)) and any(
            type(v) is Traced for v in value):
        raise InputError(f"{what} must be constant (numbers, not traced values): they say where "
                         f"elements go, and that has no derivative. Compute them from plain "
                         f"values, e.g. np.argsort(x) reads the values of a traced x.")
    return np.asarray(value)


def _integers(value, what):
    value = _constant(value, what)
    if value.dtype.kind not in "iu" and value.size:
        raise InputError(f"{what} must be integers, not {value.dtype} values.")
    return value.astype(np.intp)


def _at_least(x, ndim, what):
    if np.ndim(raw(x)) < ndim:
        raise InputError(f"{what} needs an array of at least {ndim} dimension(s), not one of "
                         f"shape {_shape(x)}.")


def _scalar_like(g, x):
    """An adjoint for a number ``x`` is a number (plain values only; traced ones stay traced)."""
    if type(g) is np.ndarray and g.ndim == 0 and not np.ndim(raw(x)):
        return float(g)
    return g


# ---------------------------------------------------------------- how the rows write them

def _grouped(text):
    """``(0, 1)`` for a tuple a row writes as ``0, 1``; ``-1`` for a number a row brackets
    (``(-1)``, for ``v0 × (-1)``); other arguments as they are."""
    if text.startswith("(-") and text.endswith(")") and ", " not in text:
        return text[1:-1]
    return f"({text})" if ", " in text and not text.startswith(("(", "[")) else text


def _call(name, *params):
    """(text, latex) of ``name(v0, 2, axis=1)``. ``params`` describe the arguments after the
    first: ``"axis"`` is written ``axis=…``; ``("k", "0")`` likewise but left out when it reads
    ``0`` (its default); ``""`` positionally."""
    def writer(operator_name, latex):
        def write(args):
            parts = [args[0]]
            for param, arg in zip(params, args[1:]):
                key, default = param if isinstance(param, tuple) else (param, None)
                arg = _grouped(arg)
                if arg != default:
                    key = key.replace("_", r"\_") if latex else key
                    parts.append(f"{key}={arg}" if key else arg)
            return f"{operator_name}({', '.join(parts)})"
        return write
    return writer(name, False), writer(r"\operatorname{" + name.replace("_", r"\_") + "}", True)


def _entry(name, impl, jvp, vjp, params, **fields):
    """A table entry written as ``name(v0, ...)``; linear unless a tangent template is given."""
    text, latex = _call(name, *params)
    fields.setdefault("linear", "tangent_text" not in fields)
    return define(name, impl, jvp_rule=jvp, vjp_rule=vjp, text=text, latex=latex, **fields)


# ---------------------------------------------------------------- copies: repeat, tile, broadcast

def _repeat_sum_impl(g, repeats, axis, n):
    """The sum over each element's copies of ``np.repeat(x, repeats, axis)`` (x has ``n`` along
    ``axis``): the adjoint of repeat."""
    g = np.asarray(g, dtype=float)
    counts = np.broadcast_to(repeats, (n,))
    shape = g.shape[:axis] + (n,) + g.shape[axis + 1:]
    if np.ndim(repeats) == 0 or np.all(counts == counts[0]):  # the same count: a reshape
        r = int(counts[0]) if n else 0
        if r == 0:
            return np.zeros(shape)
        return g.reshape(g.shape[:axis] + (n, r) + g.shape[axis + 1:]).sum(axis=axis + 1)
    out = np.zeros(shape)
    copied = counts > 0
    starts = (np.cumsum(counts) - counts)[copied]
    out[(slice(None),) * axis + (copied,)] = np.add.reduceat(g, starts, axis=axis)
    return out


repeat_ = _entry("repeat", lambda x, repeats, axis: np.repeat(x, repeats, axis),
                 jvp=lambda args, out, t: bind(repeat_, t[0], args[1], args[2]),
                 vjp=lambda k, g, args, out: bind(repeat_sum_, g, args[1], args[2],
                                                  _shape(args[0])[args[2]]),
                 params=("", "axis"))
repeat_sum_ = _entry("repeat_sum", _repeat_sum_impl, internal=True,
                     jvp=lambda args, out, t: bind(repeat_sum_, t[0], *args[1:]),
                     vjp=lambda k, g, args, out: bind(repeat_, g, args[1], args[2]),
                     params=("", "axis", ("n", None)))


@implements(np.repeat)
def repeat(x, repeats, axis=None):
    """Each element of ``x`` repeated ``repeats`` times along ``axis`` (flattened if None), like
    ``numpy.repeat``. Its adjoint sums the adjoints of each element's copies."""
    if axis is None:
        x, axis = _flat(x), 0
    _at_least(x, 1, "repeat along an axis")
    shape = _shape(x)
    axis = _axis(axis, len(shape), "repeat")
    counts = _integers(repeats, "repeat: the repeats")
    if counts.ndim > 1 or counts.ndim == 1 and counts.size not in (1, shape[axis]) or np.any(
            counts < 0):
        raise InputError(f"repeat: repeats must be a non-negative count, or one per element along "
                         f"axis {axis} ({shape[axis]} of them), not {repeats!r}.")
    counts = int(counts[0]) if counts.ndim and counts.size == 1 else (
        int(counts) if counts.ndim == 0 else counts)
    return bind(repeat_, x, counts, axis)


def _tile_vjp(k, g, args, out):
    x, reps = args
    shape = _shape(x)
    d = len(reps)
    n = (1,) * (d - len(shape)) + shape
    split = tuple(v for pair in zip(reps, n) for v in pair)  # (r0, n0, r1, n1, ...)
    summed = sum(reshape(g, split), axis=tuple(range(0, 2 * d, 2)))
    return _scalar_like(reshape(summed, shape), x)


tile_ = _entry("tile", lambda x, reps: np.tile(x, reps),
               jvp=lambda args, out, t: bind(tile_, t[0], args[1]), vjp=_tile_vjp, params=("",))


@implements(np.tile)
def tile(x, reps):
    """``x`` repeated as a whole ``reps`` times along each axis, like ``numpy.tile``; its
    adjoint sums the adjoints of the tiles."""
    reps = tuple(int(r) for r in _integers(reps, "tile: reps").reshape(-1))
    if any(r < 0 for r in reps):
        raise InputError(f"tile: reps must be non-negative counts, not {reps}.")
    shape = _shape(x)
    full = (1,) * (len(shape) - len(reps)) + reps  # numpy pads the shorter of the two with 1s
    if len(full) == len(shape) and all(r == 1 for r in full):
        return x
    return bind(tile_, x, full)


def _broadcast_to_impl(x, shape):
    out = np.broadcast_to(x, shape)
    return float(out) if out.ndim == 0 else out


broadcast_to_ = _entry("broadcast_to", _broadcast_to_impl,
                       jvp=lambda args, out, t: bind(broadcast_to_, t[0], args[1]),
                       vjp=lambda k, g, args, out: unbroadcast(g, args[0]), params=("",))


@implements(np.broadcast_to)
def broadcast_to(x, shape):
    """``x`` broadcast to ``shape`` (a read-only view, as numpy gives), like
    ``numpy.broadcast_to``; its adjoint sums over the broadcast axes."""
    shape = (int(shape),) if np.ndim(shape) == 0 else tuple(int(n) for n in shape)
    try:
        np.broadcast_to(np.broadcast_to(0.0, _shape(x)), shape)  # numpy's check, without data
    except ValueError:
        raise InputError(f"broadcast_to: an array of shape {_shape(x)} does not broadcast to "
                         f"{shape}: numpy lines shapes up from the right, and each length must "
                         f"equal the target's or be 1.") from None
    return x if _shape(x) == shape else bind(broadcast_to_, x, shape)


# ---------------------------------------------------------------- rearrangements

flip_ = _entry("flip", lambda x, axes: np.flip(x, axes),
               jvp=lambda args, out, t: bind(flip_, t[0], args[1]),
               vjp=lambda k, g, args, out: bind(flip_, g, args[1]), params=(("axis", "None"),))


@implements(np.flip)
def flip(x, axis=None):
    """``x`` with the order of its elements reversed along ``axis`` (all axes if None), like
    ``numpy.flip``; its adjoint is flipped back."""
    ndim = np.ndim(raw(x))
    axes = None if axis is None else _axis_tuple(axis, ndim, "flip")
    if ndim == 0 or axes == ():
        return x
    return bind(flip_, x, axes)


@implements(np.fliplr)
def fliplr(x):
    """``x`` reversed left to right (along axis 1), like ``numpy.fliplr``."""
    _at_least(x, 2, "fliplr")
    return flip(x, 1)


@implements(np.flipud)
def flipud(x):
    """``x`` reversed upside down (along axis 0), like ``numpy.flipud``."""
    _at_least(x, 1, "flipud")
    return flip(x, 0)


rot90_ = _entry("rot90", lambda x, k, axes: np.rot90(x, k, axes),
                jvp=lambda args, out, t: bind(rot90_, t[0], args[1], args[2]),
                vjp=lambda k, g, args, out: bind(rot90_, g, 4 - args[1], args[2]),
                params=(("k", "1"), ("axes", "(0, 1)")))


@implements(np.rot90)
def rot90(x, k=1, axes=(0, 1)):
    """``x`` turned by ``k`` quarter turns in the plane of ``axes``, like ``numpy.rot90``; its
    adjoint is turned back."""
    _at_least(x, 2, "rot90")
    axes = _axis_tuple(axes, np.ndim(raw(x)), "rot90")
    if len(axes) != 2:
        raise InputError(f"rot90: axes must be two different axes, not {axes}.")
    k = operator.index(k) % 4
    return x if k == 0 else bind(rot90_, x, k, axes)


moveaxis_ = _entry("moveaxis", lambda x, source, destination: np.moveaxis(x, source, destination),
                   jvp=lambda args, out, t: bind(moveaxis_, t[0], args[1], args[2]),
                   vjp=lambda k, g, args, out: bind(moveaxis_, g, args[2], args[1]),
                   params=("", ""))


@implements(np.moveaxis)
def moveaxis(x, source, destination):
    """``x`` with axes ``source`` moved to positions ``destination``, like ``numpy.moveaxis``."""
    ndim, given_source, given_destination = np.ndim(raw(x)), source, destination
    source = _axis_tuple(source, ndim, "moveaxis")
    destination = _axis_tuple(destination, ndim, "moveaxis")
    if len(source) != len(destination):
        raise InputError(f"moveaxis: source {source} and destination {destination} must name "
                         f"as many axes.")
    if source == destination:
        return x
    return bind(moveaxis_, x, *[operator.index(a) if np.ndim(a) == 0 else tuple(map(
        operator.index, a)) for a in (given_source, given_destination)])  # written as given


# ---------------------------------------------------------------- diagonals and triangles

def _diagonal_scatter_impl(g, offset, axis1, axis2, shape):
    """Zeros of ``shape`` with ``g`` on the diagonal ``np.diagonal(..., offset, axis1, axis2)``
    reads: the adjoint of diagonal."""
    out = np.zeros(shape)
    planes = np.moveaxis(out, (axis1, axis2), (-2, -1))  # a view: writing to it writes to out
    m = np.shape(g)[-1]
    planes[..., np.arange(m) + builtins.max(-offset, 0), np.arange(m) + builtins.max(offset, 0)] = g
    return out


diagonal_ = _entry("diagonal", lambda x, offset, axis1, axis2: np.diagonal(
                       x, offset, axis1, axis2).copy(),
                   jvp=lambda args, out, t: bind(diagonal_, t[0], *args[1:]),
                   vjp=lambda k, g, args, out: bind(diagonal_scatter_, g, *args[1:],
                                                    _shape(args[0])),
                   params=(("offset", "0"), ("axis1", "0"), ("axis2", "1")))
diagonal_scatter_ = _entry("diagonal_scatter", _diagonal_scatter_impl, internal=True,
                           jvp=lambda args, out, t: bind(diagonal_scatter_, t[0], *args[1:]),
                           vjp=lambda k, g, args, out: bind(diagonal_, g, *args[1:4]),
                           params=(("offset", "0"), ("axis1", "0"), ("axis2", "1"), "shape"))
diag_ = _entry("diag", lambda v, k: np.diag(v, k),
               jvp=lambda args, out, t: bind(diag_, t[0], args[1]),
               vjp=lambda k, g, args, out: bind(diagonal_, g, args[1], 0, 1),
               params=(("k", "0"),))


@implements(np.diagonal)
def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal of ``x`` (``offset`` above it if positive, below if negative) in the plane of
    ``axis1`` and ``axis2``, like ``numpy.diagonal``; its adjoint is put back on the diagonal
    of zeros."""
    _at_least(x, 2, "diagonal")
    ndim = np.ndim(raw(x))
    axis1, axis2 = _axis(axis1, ndim, "diagonal"), _axis(axis2, ndim, "diagonal")
    if axis1 == axis2:
        raise InputError(f"diagonal: axis1 and axis2 must differ, not both {axis1}.")
    return bind(diagonal_, x, operator.index(offset), axis1, axis2)


@implements(np.diag)
def diag(v, k=0):
    """Like ``numpy.diag``: a vector ``v`` on the ``k``-th diagonal of a square matrix of zeros
    (its adjoint reads that diagonal), or the ``k``-th diagonal of a matrix ``v``."""
    ndim = np.ndim(raw(v))
    if ndim == 2:
        return diagonal(v, k)
    if ndim != 1:
        raise InputError(f"diag needs a vector (to make a diagonal matrix) or a matrix (to read "
                         f"its diagonal), not an array of shape {_shape(v)}.")
    return bind(diag_, v, operator.index(k))


@implements(np.trace)
def trace(x, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    """The sum of the diagonal of ``x``, like ``numpy.trace``: ``sum(diagonal(x))``."""
    if dtype is not None or out is not None:
        raise InputError("trace: dtype and out are not supported on traced values.")
    return sum(diagonal(x, offset, axis1, axis2), axis=-1)


def _triangle(name, pick):
    entry = _entry(name, lambda x, k: pick(x, k),
                   jvp=lambda args, out, t: bind(entry, t[0], args[1]),
                   # self-adjoint (a mask); a vector's triangle is a matrix: summed back
                   vjp=lambda k, g, args, out: unbroadcast(bind(entry, g, args[1]), args[0]),
                   params=(("k", "0"),))

    def triangle(x, k=0):
        _at_least(x, 1, name)
        return bind(entry, x, operator.index(k))
    triangle.__name__ = triangle.__qualname__ = name
    implements(getattr(np, name))(triangle)
    where = "on and below" if name == "tril" else "on and above"
    triangle.__doc__ = (f"``x`` with the elements {where} its ``k``-th diagonal kept and the "
                        f"others zero (in the last two axes), like ``numpy.{name}``; its adjoint "
                        f"is masked alike.")
    return entry, triangle


tril_, tril = _triangle("tril", np.tril)
triu_, triu = _triangle("triu", np.triu)


# ---------------------------------------------------------------- padding

def _pairs(text):
    """``((1, 1), (2, 0))`` for the pairs a row writes as ``(1, 1), (2, 0)``; ``((1, 2),)``."""
    return f"({text},)" if text.count("(") == 1 else f"({text})" if "(" in text else text


def _pad_text(latex):
    name, keyword = (r"\operatorname{pad}", r"constant\_values") if latex else ("pad",
                                                                                "constant_values")

    def write(args, tangents=None):  # the tangent is padded with zeros
        first = args[0] if tangents is None else tangents[0]
        value = "" if tangents is not None or args[2] == "0" else f", {keyword}={_pairs(args[2])}"
        return f"{name}({first}, {_pairs(args[1])}{value})"
    return write


pad_ = define("pad", lambda x, widths, value: np.pad(x, widths, constant_values=value),
              jvp_rule=lambda args, out, t: bind(pad_, t[0], args[1], 0.0),
              vjp_rule=lambda k, g, args, out: g[tuple(
                  slice(before, before + n) for (before, _), n in zip(args[1], _shape(args[0])))],
              text=_pad_text(False), latex=_pad_text(True),
              tangent_text=_pad_text(False), tangent_latex=_pad_text(True))


@implements(np.pad)
def pad(x, pad_width, mode="constant", **kwargs):
    """``x`` with ``pad_width`` elements of ``constant_values`` (default 0) added before and after
    along each axis, like ``numpy.pad`` in its default ``mode="constant"``; the adjoint is the
    inner part of the output's adjoint."""
    if mode != "constant":
        raise UnsupportedOperationError(
            f"numpy.pad with mode={mode!r}: adlab differentiates mode='constant' (the default) "
            f"only. Other modes copy edge elements: build them from slices of x and "
            f"np.concatenate (e.g. mode='edge' on a vector is np.concatenate([x[:1], x, x[-1:]])).")
    value = kwargs.pop("constant_values", 0.0)
    if kwargs:
        raise InputError(f"pad: mode='constant' takes constant_values only, not "
                         f"{', '.join(sorted(kwargs))}.")
    value = _constant(value, "pad: constant_values")
    ndim = np.ndim(raw(x))
    widths = _integers(pad_width, "pad: pad_width")
    try:
        widths = np.broadcast_to(widths, (ndim, 2))
        value = np.broadcast_to(value, (ndim, 2)) if value.ndim else float(value)
    except ValueError:
        raise InputError(f"pad: pad_width {pad_width!r} does not fit an array of {ndim} "
                         f"dimension(s): give one number, one (before, after) pair, or a pair "
                         f"per axis.") from None
    if np.any(widths < 0):
        raise InputError(f"pad: pad_width must not be negative, not {pad_width!r}.")
    if ndim == 0:
        return x
    widths = tuple((int(b), int(a)) for b, a in widths)
    value = value if type(value) is float else tuple(tuple(float(c) for c in v) for v in value)
    return bind(pad_, x, widths, value)


# ---------------------------------------------------------------- selection along an axis

def _put_along_impl(g, indices, axis, shape):
    """Zeros of ``shape`` with ``g`` put where ``np.take_along_axis(x, indices, axis)`` read
    (added where an index repeats in its row): the adjoint of take_along_axis."""
    g = np.asarray(g, dtype=float)
    axis %= g.ndim
    target = g.shape[:axis] + (shape[axis],) + g.shape[axis + 1:]
    out = np.zeros(target)
    indices = indices % builtins.max(shape[axis], 1)
    ordered = np.sort(indices, axis=axis)
    if np.any(np.diff(ordered, axis=axis) == 0):  # an element read twice in a row
        full = np.broadcast_to(indices, g.shape)
        grid = list(np.ogrid[tuple(slice(n) for n in g.shape)])
        grid[axis] = full
        np.add.at(out, tuple(grid), g)
    else:
        np.put_along_axis(out, np.broadcast_to(indices, g.shape), g, axis)
    return unbroadcast(out, np.broadcast_to(0.0, shape)) if target != shape else out


take_along_ = _entry("take_along_axis", lambda x, indices, axis: np.take_along_axis(
                         x, indices, axis),
                     jvp=lambda args, out, t: bind(take_along_, t[0], args[1], args[2]),
                     vjp=lambda k, g, args, out: bind(put_along_, g, args[1], args[2],
                                                      _shape(args[0])),
                     params=("", "axis"))
put_along_ = _entry("put_along_axis", _put_along_impl, internal=True,
                    jvp=lambda args, out, t: bind(put_along_, t[0], *args[1:]),
                    vjp=lambda k, g, args, out: bind(take_along_, g, args[1], args[2]),
                    params=("", "axis", "shape"))


@implements(np.take_along_axis)
def take_along_axis(x, indices, axis=-1):
    """The elements of ``x`` at ``indices`` along ``axis`` (flattened if None), like
    ``numpy.take_along_axis``; its adjoint puts the adjoints back, adding at repeated indices."""
    indices = _integers(indices, "take_along_axis: the indices")
    if axis is None:
        x, axis = _flat(x), 0
    _at_least(x, 1, "take_along_axis")
    ndim = np.ndim(raw(x))
    axis = _axis(axis, ndim, "take_along_axis")
    if indices.ndim != ndim:
        raise InputError(f"take_along_axis: the indices must have as many dimensions as the "
                         f"array ({ndim}), not {indices.ndim}; np.argsort(x, axis=...) and "
                         f"np.argmax(x, axis=..., keepdims=True) give such indices.")
    return bind(take_along_, x, indices, axis)


@implements(np.take)
def take(x, indices, axis=None, out=None, mode="raise"):
    """The elements of ``x`` at ``indices`` along ``axis`` (of the flattened ``x`` if None), like
    ``numpy.take``: indexing, ``x[:, indices]``, whose adjoint adds at repeated indices."""
    if out is not None:
        raise InputError("take: out is not supported on traced values.")
    indices = _integers(indices, "take: the indices")
    if axis is None:
        x, axis = _flat(x), 0
    axis = _axis(axis, np.ndim(raw(x)), "take")
    n = _shape(x)[axis]
    if mode == "wrap":
        indices = indices % n
    elif mode == "clip":
        indices = np.clip(indices, 0, n - 1)
    elif mode != "raise":
        raise InputError(f"take: mode must be 'raise', 'wrap' or 'clip', not {mode!r}.")
    index = int(indices) if indices.ndim == 0 else indices
    return x[(slice(None),) * axis + (index,) if axis else index]


# ---------------------------------------------------------------- sorting

def _order(x, axis):
    """The permutation that sorts ``x`` along ``axis`` (numpy's stable sort: ties keep their
    order), and where each run of tied values starts in the sorted output (None: no ties)."""
    x = raw(x)
    order = np.argsort(x, axis=axis, kind="stable")
    ordered = np.take_along_axis(x, order, axis)
    tied = np.diff(ordered, axis=axis) == 0
    if not tied.any():
        return order, None
    first = np.ones(_shape(np.take(ordered, [0], axis=axis)), dtype=bool)
    return order, np.concatenate([first, ~tied], axis=axis)


def _tie_mean_impl(g, starts, axis):
    """``g`` with each run of ties (a run begins where ``starts`` is True) replaced by its mean."""
    g = np.moveaxis(np.asarray(g, dtype=float), axis, -1)
    n = g.shape[-1]
    runs = np.cumsum(np.moveaxis(starts, axis, -1).reshape(-1, n), axis=1) - 1
    runs += (np.arange(runs.shape[0]) * n)[:, None]  # a label per run, per row
    sums = np.bincount(runs.ravel(), weights=g.reshape(-1))
    counts = np.bincount(runs.ravel())
    return np.moveaxis((sums / np.maximum(counts, 1))[runs].reshape(g.shape), -1, axis)


tie_mean_ = _entry("tie_mean", _tie_mean_impl, internal=True,  # symmetric: its own adjoint
                   jvp=lambda args, out, t: bind(tie_mean_, t[0], args[1], args[2]),
                   vjp=lambda k, g, args, out: bind(tie_mean_, g, args[1], args[2]),
                   params=("", "axis"))


def _sort_jvp(args, out, t):
    x, axis = args
    order, ties = _order(x, axis)
    moved = bind(take_along_, t[0], order, axis)
    return moved if ties is None else bind(tie_mean_, moved, ties, axis)


def _sort_vjp(k, g, args, out):
    x, axis = args
    order, ties = _order(x, axis)
    if ties is not None:
        g = bind(tie_mean_, g, ties, axis)
    return bind(put_along_, g, order, axis, _shape(x))


def _sorted_tangent(latex):
    order = r"\operatorname{argsort}" if latex else "argsort"

    def write(args, tangents):
        axis = _grouped(args[1])
        of = f"{order} {args[0]}" if axis == "-1" else f"{order}({args[0]}, axis={axis})"
        return f"{tangents[0]}[{of}]"
    return write


sort_ = define("sort", lambda x, axis: np.sort(x, axis, kind="stable"),
               jvp_rule=_sort_jvp, vjp_rule=_sort_vjp,
               text=_call("sort", ("axis", "-1"))[0], latex=_call("sort", ("axis", "-1"))[1],
               tangent_text=_sorted_tangent(False), tangent_latex=_sorted_tangent(True),
               note="At a tie the tied outputs share the derivative equally (each gets the mean "
                    "of the tied inputs' derivatives), as max and min do.")


@implements(np.sort)
def sort(x, axis=-1, kind=None, order=None, stable=None):
    """``x`` sorted along ``axis`` (flattened if None), like ``numpy.sort``.

    Its derivative is a permutation: each output's derivative is that of the element sorted into
    its place. At a tie (equal elements) the tied outputs share the derivative equally -- each
    gets the mean of the tied elements' derivatives -- as ``max`` and ``min`` split it, so that
    ``sort(x)[-1]`` and ``max(x)`` have the same gradient everywhere. (``kind`` and ``stable``
    change only how numpy sorts, not the result.)
    """
    if order is not None:
        raise InputError("sort: order sorts structured arrays by field; a traced array holds "
                         "numbers.")
    if axis is None:
        x, axis = _flat(x), -1
    _at_least(x, 1, "sort")
    _axis(axis, np.ndim(raw(x)), "sort")
    return bind(sort_, x, operator.index(axis))


def _reads_values(function):
    """numpy's ``function`` on the values: an integer result (a position, an order) that has
    no derivative, as comparisons have none."""
    def read(*args, **kwargs):
        return function(*[raw(a) for a in args], **{k: raw(v) for k, v in kwargs.items()})
    read.__name__ = function.__name__
    return read


for _function in (np.argsort, np.argmax, np.argmin, np.argwhere, np.nonzero, np.flatnonzero,
                  np.count_nonzero, np.searchsorted, np.argpartition):
    implements(_function)(_reads_values(_function))


# ---------------------------------------------------------------- reshapes with numpy's checks

def _reshaped(x, shape):
    return x if _shape(x) == shape else reshape(x, shape)


def _flat(x):
    """``x`` as a vector (itself if it is one)."""
    return _reshaped(x, (int(np.size(raw(x))),))


def _numpy_shape(function, x, *args, what):
    """The shape numpy's ``function`` gives ``x`` (worked out on a stand-in without data)."""
    try:
        return np.shape(function(np.broadcast_to(0.0, _shape(x)), *args))
    except (ValueError, TypeError) as error:
        raise InputError(f"{what}: {error}") from None


@implements(np.squeeze)
def squeeze(x, axis=None):
    """``x`` without its axes of length 1 (or those in ``axis``), like ``numpy.squeeze``."""
    return _reshaped(x, _numpy_shape(np.squeeze, x, axis, what="squeeze"))


@implements(np.expand_dims)
def expand_dims(x, axis):
    """``x`` with axes of length 1 inserted at ``axis``, like ``numpy.expand_dims``."""
    return _reshaped(x, _numpy_shape(np.expand_dims, x, axis, what="expand_dims"))


@implements(np.ravel)
def ravel(x, order="C"):
    """The elements of ``x`` as a vector, like ``numpy.ravel`` (row by row; ``order="F"``
    column by column)."""
    if order == "F":
        x = moveaxis(x, tuple(range(np.ndim(raw(x)))), tuple(range(np.ndim(raw(x))))[::-1])
    elif order not in ("C", "A", "K"):
        raise InputError(f"ravel: order must be 'C' or 'F', not {order!r}.")
    return _flat(x)


def _at_least_nd(ndim, where):
    def promote(*arrays):
        out = [_reshaped(a, where(_shape(a))) if np.ndim(raw(a)) < ndim else a for a in arrays]
        return out[0] if len(out) == 1 else tuple(out)
    return promote


atleast_1d = _at_least_nd(1, lambda s: (1,))
atleast_2d = _at_least_nd(2, lambda s: (1,) * (2 - len(s)) + s)
atleast_3d = _at_least_nd(3, lambda s: {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}[len(s)])
for _name, _f in (("atleast_1d", atleast_1d), ("atleast_2d", atleast_2d),
                  ("atleast_3d", atleast_3d)):
    _f.__name__ = _f.__qualname__ = _name
    _f.__doc__ = f"Arrays with at least {_name[-2]} dimension(s), like ``numpy.{_name}``."
    implements(getattr(np, _name))(_f)


# ---------------------------------------------------------------- joins and splits

def _join(arrays, axis, ndim, promote):
    """``concatenate`` of ``arrays`` promoted to ``ndim`` dimensions; ``stack`` when each one
    lacks exactly the joining axis (one row in the trace, no reshapes)."""
    arrays = list(arrays)
    if arrays and all(np.ndim(raw(a)) == ndim - 1 for a in arrays) and promote(
            _shape(arrays[0]))[axis] == 1:
        return stack(arrays, axis=axis)
    return concatenate([_reshaped(a, promote(_shape(a))) if np.ndim(raw(a)) < ndim else a
                        for a in arrays], axis=axis)


@implements(np.vstack)
def vstack(arrays, **kwargs):
    """Arrays joined along the first axis (vectors as rows), like ``numpy.vstack``."""
    return _join(arrays, 0, 2, lambda s: (1,) * (2 - len(s)) + s)


@implements(np.hstack)
def hstack(arrays, **kwargs):
    """Arrays joined along the second axis (along the first for vectors and numbers), like
    ``numpy.hstack``."""
    arrays = list(arrays)
    if arrays and np.ndim(raw(arrays[0])) <= 1:
        return _join(arrays, 0, 1, lambda s: (1,))
    return concatenate(arrays, axis=1)


@implements(np.dstack)
def dstack(arrays):
    """Arrays joined along the third axis, like ``numpy.dstack``."""
    return _join(arrays, 2, 3, lambda s: {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}[len(s)])


@implements(np.column_stack)
def column_stack(arrays):
    """Vectors as the columns of a matrix (matrices joined along their second axis), like
    ``numpy.column_stack``."""
    return _join(arrays, 1, 2, lambda s: (1, 1) if not s else s + (1,))


def _split_points(x, indices_or_sections, axis, equal):
    """(axis, where the pieces start and end) for ``split`` (``equal`` pieces) and
    ``array_split``, as numpy works them out."""
    shape = _shape(x)
    if not shape:
        raise InputError("split needs an array of at least one dimension, not a number.")
    axis = _axis(axis, len(shape), "split")
    n = shape[axis]
    if np.ndim(indices_or_sections) == 0:
        sections = operator.index(indices_or_sections)
        if sections <= 0:
            raise InputError(f"split: the number of sections must be positive, not {sections}.")
        if equal and n % sections:
            raise InputError(f"split: {sections} equal pieces do not divide the {n} elements "
                             f"along axis {axis}; np.array_split allows unequal pieces.")
        each, extra = divmod(n, sections)
        return axis, np.cumsum([0] + extra * [each + 1] + (sections - extra) * [each]).tolist()
    return axis, [0] + [operator.index(i) for i in indices_or_sections] + [n]


def _pieces(x, axis, points):
    head = (slice(None),) * axis
    return [x[head + (slice(start, stop),)] for start, stop in zip(points[:-1], points[1:])]


@implements(np.array_split)
def array_split(x, indices_or_sections, axis=0):
    """``x`` cut along ``axis`` into pieces, like ``numpy.array_split``: a list of slices of
    ``x`` (``x[0:2]``, ``x[2:4]``, ...), each a node of the trace."""
    return _pieces(x, *_split_points(x, indices_or_sections, axis, equal=False))


@implements(np.split)
def split(x, indices_or_sections, axis=0):
    """``x`` cut along ``axis`` into equal pieces (or at the given indices), like
    ``numpy.split``: a list of slices of ``x``."""
    return _pieces(x, *_split_points(x, indices_or_sections, axis, equal=True))


@implements(np.hsplit)
def hsplit(x, indices_or_sections):
    """``split`` along the second axis (the first for a vector), like ``numpy.hsplit``."""
    _at_least(x, 1, "hsplit")
    return split(x, indices_or_sections, axis=1 if np.ndim(raw(x)) > 1 else 0)


@implements(np.vsplit)
def vsplit(x, indices_or_sections):
    """``split`` along the first axis, like ``numpy.vsplit``."""
    _at_least(x, 2, "vsplit")
    return split(x, indices_or_sections, axis=0)


@implements(np.dsplit)
def dsplit(x, indices_or_sections):
    """``split`` along the third axis, like ``numpy.dsplit``."""
    _at_least(x, 3, "dsplit")
    return split(x, indices_or_sections, axis=2)


#: Functions composed of the table's entries (not entries themselves), exported beside them.
COMPOSED = (fliplr, flipud, trace, take, squeeze, expand_dims, ravel, atleast_1d, atleast_2d,
            atleast_3d, vstack, hstack, dstack, column_stack, split, array_split, hsplit, vsplit,
            dsplit)
