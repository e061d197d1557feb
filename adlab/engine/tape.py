"""The tape, the traced values a function computes with, and ``bind``, which records operations.

A :class:`Tape` is the recorded computation graph: a list of nodes in evaluation order, so that
the reverse sweep is a reversed loop and no graph walk ever recurses. Each node is a tuple
``(primitive, parents, args, value)``:

- ``primitive`` -- the entry of the primitive table applied (``None`` for an input);
- ``parents``   -- for each argument, the index of the node it came from (``None``: a constant);
- ``args``      -- the argument values the primitive saw (what derivative rules need);
- ``value``     -- the result.

A :class:`Traced` is what the function sees instead of a number: a value and the node that made
it. Every operation on it is an entry of the table applied by :func:`bind`, which computes the
value and appends a node. Tapes nest (``grad`` of ``grad``): ``bind`` records on the innermost
active tape among the arguments, and values that belong to outer tapes go down to be recorded there
in turn, so an inner derivative never confuses its perturbation with an outer one (Siskind &
Pearlmutter 2005). Nothing here formats text: rows and pictures are derived from tapes, elsewhere,
only when someone looks.
"""
from __future__ import annotations

import gc

import numpy as np

from ..errors import DomainError
from . import messages
from .messages import FAILURES

#: The primitive table, name -> entry (``adlab.engine.primitives`` and ``.arrays`` define the
#: entries). Traced's operators apply its entries; every list of operations is derived from it.
PRIMITIVES: dict = {}

#: Tapes recording now, innermost last.
active_tapes: list["Tape"] = []


def node_number(index: int, n_inputs: int) -> int:
    """The survey's numbering: n inputs are v(1-n) ... v0, the operations v1, v2, ..."""
    return index - n_inputs + 1


class Tape:
    """The recorded computation graph of one traced call (see the module docstring)."""

    __slots__ = ("nodes", "level", "active", "n_inputs")

    def __init__(self):
        self.nodes: list[tuple] = []
        self.level = -1      # how many tapes record around this one
        self.active = False
        self.n_inputs = 0

    def __enter__(self) -> "Tape":
        self.level, self.active = len(active_tapes), True
        active_tapes.append(self)
        strict_begin()
        return self

    def __exit__(self, *exc_info) -> None:
        active_tapes.pop() if active_tapes[-1] is self else active_tapes.remove(self)
        self.active = False
        strict_end()

    def input(self, value) -> "Traced":
        """Record an independent variable; all inputs come before the first operation."""
        if self.n_inputs != len(self.nodes):
            raise RuntimeError("adlab: inputs must be recorded before any operation")
        self.nodes.append((None, (), (), value))
        self.n_inputs += 1
        return Traced(self, len(self.nodes) - 1, value)

    def name(self, index: int) -> str:
        """``v-1``, ``v0``, ``v1``: node ``index`` as the survey names it."""
        return f"v{node_number(index, self.n_inputs)}"

    def __len__(self) -> int:
        return len(self.nodes)

    def __repr__(self) -> str:
        return f"<Tape: {self.n_inputs} inputs, {len(self.nodes) - self.n_inputs} operations>"


def raw(x):
    """The plain number or array under any number of tracing layers."""
    while type(x) is Traced:
        x = x.value
    return x


def bind(prim, *args):
    """Apply ``prim`` to ``args``; if an argument is traced, record a node on the innermost tape."""
    tape = innermost_tape(args)
    if tape is None:  # nothing to record: compute (values of finished tapes are constants now)
        return evaluate(prim, [raw(a) for a in args])
    parents = tuple(a.index if type(a) is Traced and a.tape is tape else None for a in args)
    values = tuple(a.value if p is not None else a for a, p in zip(args, parents))
    try:
        if any(type(v) is Traced for v in values):
            out = bind(prim, *values)  # values traced on outer tapes: recorded there too
        else:
            out = prim.impl(*values)
    except DomainError:
        raise  # already named, on an outer tape
    except FAILURES as cause:
        raise domain_error(prim, tape, parents, values, cause) from None
    tape.nodes.append((prim, parents, values, out))
    return Traced(tape, len(tape.nodes) - 1, out)


def innermost_tape(args) -> Tape | None:
    """The active tape of the highest level among the traced arguments, if any."""
    tape = None
    for a in args:
        if type(a) is Traced and a.tape.active and (tape is None or a.tape.level > tape.level):
            tape = a.tape
    return tape


def arithmetic(name):
    """The operator ``x ⊕ y`` of table entry ``name`` for traced values, and its reflected form."""
    return (lambda x, y: bind2(PRIMITIVES[name], x, y),
            lambda x, y: bind2(PRIMITIVES[name], y, x))


class Traced:
    """A value being traced: what a function receives from ``ad.grad``, ``ad.forward``, ...

    It behaves like the number or array it holds (arithmetic, comparisons, ``shape``, indexing,
    numpy functions that adlab has rules for); each operation on it is recorded. Operations with
    no rule raise :class:`~adlab.errors.UnsupportedOperationError` rather than lose the derivative.
    """

    __slots__ = ("tape", "index", "value")
    __array_priority__ = 1000.0  # numpy defers binary operators to us

    def __init__(self, tape: Tape, index: int, value):
        self.tape = tape
        self.index = index
        self.value = value

    # Arithmetic: each operator applies an entry of the table to the operands in order, x + y
    # is bind(PRIMITIVES["add"], x, y) and, reflected (a number on the left), 2 + x is
    # bind(PRIMITIVES["add"], 2, x). bind1 and bind2 are bind for one and two arguments, written
    # out for speed (equivalent optimisations, at the end of this module).
    __add__, __radd__ = arithmetic("add")
    __sub__, __rsub__ = arithmetic("sub")
    __mul__, __rmul__ = arithmetic("mul")
    __truediv__, __rtruediv__ = arithmetic("div")
    __pow__, __rpow__ = arithmetic("pow")
    __matmul__, __rmatmul__ = arithmetic("matmul")
    def __neg__(self): return bind1(PRIMITIVES["neg"], self)
    def __abs__(self): return bind1(PRIMITIVES["abs"], self)
    def __pos__(self): return self
    def __getitem__(self, index): return bind2(PRIMITIVES["getitem"], self, index)

    # Array methods are numpy's functions, which come back to adlab's (__array_function__).
    @property
    def T(self): return np.transpose(self)
    def transpose(self, *axes): return np.transpose(self, _axes_argument(axes))
    def reshape(self, *shape, **kw): return np.reshape(self, kw.get("shape", _axes_argument(shape)))
    def ravel(self): return np.ravel(self)
    flatten = ravel
    def sum(self, axis=None, keepdims=False): return np.sum(self, axis=axis, keepdims=keepdims)
    def mean(self, axis=None, keepdims=False): return np.mean(self, axis=axis, keepdims=keepdims)
    def max(self, axis=None, keepdims=False): return np.max(self, axis=axis, keepdims=keepdims)
    def min(self, axis=None, keepdims=False): return np.min(self, axis=axis, keepdims=keepdims)
    def dot(self, other): return np.dot(self, other)
    def clip(self, min=None, max=None): return np.clip(self, min, max)  # noqa: A002
    def round(self, decimals=0): return np.round(self, decimals)
    def prod(self, axis=None, keepdims=False): return np.prod(self, axis=axis, keepdims=keepdims)
    def cumsum(self, axis=None): return np.cumsum(self, axis=axis)
    def cumprod(self, axis=None): return np.cumprod(self, axis=axis)
    def var(self, axis=None, ddof=0, keepdims=False):
        return np.var(self, axis=axis, ddof=ddof, keepdims=keepdims)
    def std(self, axis=None, ddof=0, keepdims=False):
        return np.std(self, axis=axis, ddof=ddof, keepdims=keepdims)
    def squeeze(self, axis=None): return np.squeeze(self, axis=axis)
    def repeat(self, repeats, axis=None): return np.repeat(self, repeats, axis=axis)
    def take(self, indices, axis=None, mode="raise"): return np.take(self, indices, axis, mode=mode)
    def diagonal(self, offset=0, axis1=0, axis2=1): return np.diagonal(self, offset, axis1, axis2)
    def trace(self, offset=0, axis1=0, axis2=1): return np.trace(self, offset, axis1, axis2)
    def swapaxes(self, axis1, axis2): return np.swapaxes(self, axis1, axis2)
    def argsort(self, axis=-1, **kw): return np.argsort(self, axis=axis, **kw)
    def argmax(self, axis=None, **kw): return np.argmax(self, axis=axis, **kw)
    def argmin(self, axis=None, **kw): return np.argmin(self, axis=axis, **kw)
    def sort(self, *args, **kwargs): raise unsupported(
        "x.sort() of a traced value (it sorts in place); use np.sort(x), which returns a copy")
    def __setitem__(self, index, value): raise unsupported(
        "assignment into a traced array (x[i] = ...), which would overwrite a recorded value; "
        "build a new array instead: np.where(mask, new, x), np.concatenate, np.pad or ad.array")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """``np.sin(x)``: the table's entry for that ufunc; comparisons read the values."""
        entry = None
        if method == "__call__" and not kwargs:  # entry_for_ufunc(ufunc), its lookup written out
            entry = _by_ufunc.get(ufunc) if _by_ufunc[None] == len(PRIMITIVES) \
                else entry_for_ufunc(ufunc)
        if entry is not None:  # bind(entry, *inputs), by the fast paths
            if len(inputs) == 2:
                return bind2(entry, *inputs)
            return bind1(entry, *inputs) if len(inputs) == 1 else entry(*inputs)
        if method == "__call__" and not kwargs and ufunc in READ_VALUES:
            return ufunc(*[raw(x) for x in inputs])
        raise unsupported(f"numpy.{ufunc.__name__}" + (f".{method}" if method != "__call__" else "")
                          + (f" with arguments {sorted(kwargs)}" if kwargs else ""))

    def __array_function__(self, func, types, args, kwargs):
        """``np.sum(x)``, ``np.mean(x)``...: adlab's function for it (see :func:`implements`)."""
        if func in INSPECTIONS:
            return func(*[raw(a) for a in args], **kwargs)
        if func in NUMPY_FUNCTIONS:
            return NUMPY_FUNCTIONS[func](*args, **kwargs)
        raise unsupported(f"{getattr(func, '__module__', None) or 'numpy'}.{func.__name__}")

    # Shape-like attributes read the value; they are not operations.
    @property
    def shape(self): return np.shape(raw(self))
    @property
    def ndim(self): return np.ndim(raw(self))
    @property
    def size(self): return np.size(raw(self))
    @property
    def dtype(self): return np.asarray(raw(self)).dtype
    def __len__(self): return len(raw(self))
    def __iter__(self): return (self[i] for i in range(len(self)))

    # Comparisons give plain booleans: control flow follows the values, as in the survey.
    def __lt__(self, other): return raw(self) < raw(other)
    def __le__(self, other): return raw(self) <= raw(other)
    def __gt__(self, other): return raw(self) > raw(other)
    def __ge__(self, other): return raw(self) >= raw(other)
    def __eq__(self, other): return raw(self) == raw(other)
    def __ne__(self, other): return raw(self) != raw(other)
    __hash__ = object.__hash__
    def __bool__(self): return bool(raw(self))

    # Conversions that would silently drop the derivative.
    def __float__(self): raise unsupported("float() of a traced value (math.sin, math.exp and "
                                           "other functions of the math module call it)")
    def __int__(self): raise unsupported("int() of a traced value")
    def __index__(self): raise unsupported("using a traced value as an index or integer")
    def __complex__(self): raise unsupported("complex() of a traced value")

    # Remainder and rounding are entries of the table too (the rounding ones have derivative 0):
    # x % y, x // y, divmod(x, y), math.floor(x), math.ceil, math.trunc, round(x, 2).
    __mod__, __rmod__ = arithmetic("mod")
    __floordiv__, __rfloordiv__ = arithmetic("floor_divide")
    def __divmod__(self, other): return self // other, self % other
    def __rdivmod__(self, other): return other // self, other % self
    def __floor__(self): return np.floor(self)
    def __ceil__(self): return np.ceil(self)
    def __trunc__(self): return np.trunc(self)
    def __round__(self, ndigits=None): return np.round(self, ndigits or 0)

    def __array__(self, dtype=None, copy=None): raise unsupported(
        "conversion to a numpy array (np.asarray, np.array of traced values); build arrays "
        "from traced values with anp.array([x, y]) (import adlab.numpy as anp), ad.array([x, y]) "
        "or np.stack([x, y]) instead")

    def __repr__(self) -> str:
        shape = np.shape(raw(self))
        shown = f"shape {shape}" if shape else messages.describe(raw(self))
        return f"Traced({self.tape.name(self.index)}: {shown})"


def evaluate(prim, values):
    """``prim`` on plain values, with numpy set to raise (a value outside the domain is an error,
    never inf or nan); a value of another kind (a symbolic expression) builds itself."""
    for v in values:
        build = getattr(type(v), "_adlab_apply", None)
        if build is not None:
            return build(prim, *values)
    try:
        if strict_depth or not any(isinstance(v, np.ndarray) for v in values):
            return prim.impl(*values)
        with np.errstate(divide="raise", invalid="raise", over="raise"):
            return prim.impl(*values)
    except DomainError:
        raise
    except FAILURES as cause:
        raise domain_error(prim, None, None, values, cause) from None


# ------------------------------------------------------------------------------------------------
# Not on the reading path: the error texts, the strict numpy mode, numpy's protocols, fast paths.

def argument_names(parents, args, n_inputs) -> list[str]:
    """A node's arguments as a message names them: ``v-1`` for a node, ``2`` for a constant."""
    return [f"v{node_number(p, n_inputs)}" if p is not None else messages.describe(raw(a))
            for p, a in zip(parents, args)]


def domain_error(prim, tape, parents, values, cause) -> DomainError:
    """The error for ``prim`` failing on ``values`` (the arguments of a node about to be recorded on
    ``tape``, or of a plain call when ``tape`` is None)."""
    plain = [raw(v) for v in values]
    if tape is None:
        return messages.domain_error(prim, None, None, plain, cause)
    return messages.domain_error(prim, tape.name(len(tape.nodes)),
                                 argument_names(parents, values, tape.n_inputs), plain, cause)


def derivative_error(nodes, n_inputs, i, cause):
    """The error for node ``i``'s derivative rule failing in a sweep (it does not exist there)."""
    prim, parents, args, _ = nodes[i]
    return messages.derivative_error(prim, f"v{node_number(i, n_inputs)}",
                                     argument_names(parents, args, n_inputs),
                                     [raw(a) for a in args], cause)


def unsupported(what: str):
    """The error for an operation with no rule, listing what the table supports."""
    return messages.unsupported(what, supported_operations())


def supported_operations() -> str:
    """The operations adlab can differentiate (``+, -, ..., log, exp, ...``), from the table."""
    return ", ".join(p.operator or p.name for p in PRIMITIVES.values() if not p.internal)


#: How many tapes and sweeps are running. Meanwhile numpy raises on division by zero, overflow
#: and invalid values, and the cyclic garbage collector pauses: tapes make no reference cycles
#: (nodes hold values, not traced objects), so pausing loses nothing, and without it every 700 new
#: nodes would trigger a scan of the whole growing graph (micrograd's 14-21 µs per node at 1e5).
strict_depth = 0
_saved: list = []  # how to restore numpy's error settings, and the collector's state


def strict_begin() -> None:
    global strict_depth
    if strict_depth == 0:
        _saved[:] = [_raise_on_errors(), gc.isenabled()]
        gc.disable()
    strict_depth += 1


def strict_end() -> None:
    global strict_depth
    strict_depth -= 1
    if strict_depth == 0:
        restore, collecting = _saved
        restore()
        if collecting:
            gc.enable()


# numpy >= 2 keeps its error settings in a context variable: setting it to a prepared "raise"
# state and back costs about 0.2 µs, where np.seterr twice costs 2-3 µs (it is paid on every
# grad call). The prepared state is the current one with divide, invalid and over set to raise,
# exactly what np.seterr would make; numpy 1.x, without these, uses np.seterr.
from functools import partial  # noqa: E402

try:
    from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj
except ImportError:  # pragma: no cover - numpy 1.x
    _extobj_contextvar = _make_extobj = None
_prepared: list = [None, None]  # numpy's settings last seen, and the same raising


def _raise_on_errors():
    """Make numpy raise on division by zero, invalid values and overflow; return the undo."""
    if _extobj_contextvar is None:  # pragma: no cover - numpy 1.x
        settings = np.seterr(divide="raise", invalid="raise", over="raise")
        return lambda: np.seterr(**settings)
    current = _extobj_contextvar.get()
    if _prepared[0] is not current:
        _prepared[:] = [current, _make_extobj(divide="raise", invalid="raise", over="raise")]
    return partial(_extobj_contextvar.reset, _extobj_contextvar.set(_prepared[1]))


def numpy_raises() -> bool:
    """Whether numpy raises now on invalid values, division by zero and overflow as the strict mode
    set it (False under a user's own ``np.errstate`` inside a traced function)."""
    return _extobj_contextvar is not None and _extobj_contextvar.get() is _prepared[1]


#: numpy ufuncs that read values and have no derivative: they give plain results.
READ_VALUES = {np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal,
               np.isfinite, np.isnan, np.isinf, np.signbit}
#: numpy functions that inspect a value (shape, kind) and have no derivative; zeros_like and its
#: kind read only the shape: their result is a constant.
INSPECTIONS = {np.shape, np.ndim, np.size, np.isfinite, np.isnan, np.isinf, np.iscomplexobj,
               np.isrealobj, np.zeros_like, np.ones_like, np.empty_like}
#: numpy functions adlab answers on traced values (np.sum -> adlab's sum), see :func:`implements`.
NUMPY_FUNCTIONS: dict = {}
_by_ufunc: dict = {None: -1}  # ufunc -> entry, derived from the table's ``ufunc`` fields


def implements(numpy_function):
    """Register the decorated function as adlab's ``numpy_function`` for traced values (NEP 18)."""
    def register(function):
        NUMPY_FUNCTIONS[numpy_function] = function
        return function
    return register


def entry_for_ufunc(ufunc):
    """The table's entry for a numpy ufunc (``np.sin`` -> ``sin``), or None."""
    if _by_ufunc[None] != len(PRIMITIVES):  # the table grew: derive the index again
        _by_ufunc.clear()
        _by_ufunc.update({p.ufunc: p for p in PRIMITIVES.values() if p.ufunc is not None})
        _by_ufunc[None] = len(PRIMITIVES)
    return _by_ufunc.get(ufunc)


def _axes_argument(axes):
    """``x.reshape(2, 3)`` and ``x.reshape((2, 3))`` alike; ``x.transpose()``: None."""
    if not axes:
        return None
    return axes[0] if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)) else axes


# Fast paths: bind for one, two and any number of arguments, with the common case written out --
# traced values of one active tape holding plain floats or arrays, or plain values -- and everything
# else left to bind. A failure is handed to bind too, which evaluates again and reports it. They
# record the same nodes and return the same values as bind (tests/test_fast_paths.py checks it on
# random programs).

def bind1(prim, a):
    """``bind(prim, a)``, faster."""
    if type(a) is Traced:
        tape, x = a.tape, a.value
        if tape.active and (type(x) is float or type(x) is np.ndarray or type(x) is np.float64):
            try:
                out = prim.impl(x)
            except FAILURES:
                return bind(prim, a)
            nodes = tape.nodes
            nodes.append((prim, (a.index,), (x,), out))
            return Traced(tape, len(nodes) - 1, out)
    elif type(a) is float or (type(a) is np.ndarray or type(a) is np.float64) and strict_depth:
        try:
            return prim.impl(a)
        except FAILURES:
            pass
    return bind(prim, a)


def bind2(prim, a, b):
    """``bind(prim, a, b)``, faster."""
    if type(a) is Traced:
        tape, x = a.tape, a.value
        if type(b) is Traced:
            if b.tape is not tape:
                return bind(prim, a, b)
            parents, y = (a.index, b.index), b.value
        else:
            parents, y = (a.index, None), b
    elif type(b) is Traced:
        tape, x, y = b.tape, a, b.value
        parents = (None, b.index)
    else:
        if type(a) is float and type(b) is float:
            try:
                return prim.impl(a, b)
            except FAILURES:
                pass
        return bind(prim, a, b)
    if not tape.active or type(x) is Traced or type(y) is Traced:
        return bind(prim, a, b)
    try:
        out = prim.impl(x, y)
    except FAILURES:
        return bind(prim, a, b)
    nodes = tape.nodes
    nodes.append((prim, parents, (x, y), out))
    return Traced(tape, len(nodes) - 1, out)


#: Argument types that are plain values: no tracing layer and no ``_adlab_apply`` (what bind looks
#: for), so bindn passes them to an implementation as bind would.
PLAIN_TYPES = frozenset({float, int, bool, np.ndarray, np.float64, np.int64, np.bool_, tuple,
                         slice, type(None), type(Ellipsis), str})


def bindn(prim, *args):
    """``bind(prim, *args)``, faster, for any number of arguments (an axis, a shape, an index...)."""
    tape = None
    for a in args:
        if type(a) is Traced:
            if tape is None:
                tape = a.tape
            elif a.tape is not tape:
                return bind(prim, *args)
        elif type(a) not in PLAIN_TYPES:
            return bind(prim, *args)
    if tape is None:  # plain values: in a sweep, numpy already raises
        if strict_depth:
            try:
                return prim.impl(*args)
            except FAILURES:
                pass
        return bind(prim, *args)
    if not tape.active:
        return bind(prim, *args)
    values = tuple([a.value if type(a) is Traced else a for a in args])
    for v in values:
        if type(v) is Traced:
            return bind(prim, *args)
    try:
        out = prim.impl(*values)
    except FAILURES:
        return bind(prim, *args)
    nodes = tape.nodes
    nodes.append((prim, tuple([a.index if type(a) is Traced else None for a in args]), values, out))
    return Traced(tape, len(nodes) - 1, out)
