"""Tracing: run a plain Python function on traced values and record each elementary operation.

A :class:`Tape` is the recorded computation graph: an ordered list of nodes, already in evaluation
(topological) order, so the reverse sweep is a reversed loop and no graph walk ever recurses.
Each node is a tuple ``(primitive, parents, args, value)``:

- ``primitive`` -- the :class:`~adlab.primitives.Primitive` applied (``None`` for an input);
- ``parents``   -- for each argument, the index of the node it came from, or ``None`` for a constant;
- ``args``      -- the argument values the primitive saw (what derivative rules need);
- ``value``     -- the result.

A :class:`Traced` is what the user's function sees instead of a number: a value plus the node that
produced it. Tapes nest (``grad`` of ``grad``): each tape has a level, an operation is recorded on
the innermost active tape among its arguments, and values from outer tapes are constants there, so
an inner derivative never confuses its perturbation with an outer one (Siskind & Pearlmutter 2005).
Nothing here formats text; rows and pictures are derived from tapes elsewhere, only when asked for.
"""
from __future__ import annotations

import gc

import numpy as np

from .errors import DomainError, UnsupportedOperationError

#: Tapes currently recording, innermost last.
_active_tapes: list["Tape"] = []

#: > 0 while a sweep runs with numpy set to raise on errors (as it is inside a level-0 tape):
#: then evaluating a primitive on arrays needs no ``np.errstate`` of its own (see bind1/bind2).
numpy_raises = 0

_gc_paused = [0]  # nesting depth of pauses, and whether the collector was on before the first


def _pause_gc():
    """Pause the cyclic garbage collector while a tape records or a sweep runs.

    Tapes make no reference cycles (nodes hold values, not traced objects), so pausing loses
    nothing; without it, every 700 new nodes trigger a collection that scans the whole growing
    graph again (micrograd's 14-21 µs per node at 1e5 nodes). The previous state is restored.
    """
    if _gc_paused[0] == 0:
        _gc_paused.append(gc.isenabled())
        gc.disable()
    _gc_paused[0] += 1


def _resume_gc():
    _gc_paused[0] -= 1
    if _gc_paused[0] == 0 and _gc_paused.pop():
        gc.enable()


#: Arithmetic failures of math/numpy that mean "outside the operation's domain".
_DOMAIN_FAILURES = (ArithmeticError, ValueError, FloatingPointError)


class Tape:
    """The recorded computation graph of one traced call (see the module docstring)."""

    __slots__ = ("nodes", "level", "active", "n_inputs", "_saved_numpy_errors")

    def __init__(self):
        self.nodes: list[tuple] = []
        self.level = -1
        self.active = False
        self.n_inputs = 0

    def __enter__(self) -> "Tape":
        self.level = len(_active_tapes)
        self.active = True
        _active_tapes.append(self)
        if self.level == 0:  # make numpy raise instead of returning nan/inf while tracing
            self._saved_numpy_errors = np.seterr(divide="raise", invalid="raise", over="raise")
            _pause_gc()
        return self

    def __exit__(self, *exc_info) -> None:
        _active_tapes.remove(self)
        self.active = False
        if self.level == 0:
            np.seterr(**self._saved_numpy_errors)
            _resume_gc()

    def input(self, value) -> "Traced":
        """Record an independent variable; all inputs come before the first operation."""
        if self.n_inputs != len(self.nodes):
            raise RuntimeError("adlab: inputs must be recorded before any operation")
        self.nodes.append((None, (), (), value))
        self.n_inputs += 1
        return Traced(self, len(self.nodes) - 1, value)

    def name(self, index: int) -> str:
        """Survey numbering: n inputs are v(1-n) ... v0, intermediates v1, v2, ..."""
        return f"v{index - self.n_inputs + 1}"

    def __len__(self) -> int:
        return len(self.nodes)

    def __repr__(self) -> str:
        return f"<Tape: {self.n_inputs} inputs, {len(self.nodes) - self.n_inputs} operations>"


def raw(x):
    """The plain number or array under any number of tracing layers."""
    while type(x) is Traced:
        x = x.value
    return x


def _describe(value) -> str:
    value = raw(value)
    if isinstance(value, np.ndarray) and value.ndim > 0:
        finite = value[np.isfinite(value)] if value.dtype.kind == "f" else value
        lo = f", min {finite.min():.4g}" if finite.size else ""
        return f"an array of shape {value.shape}{lo}"
    return f"{value!r}" if not isinstance(value, float) else f"{value:.6g}"


def node_description(prim, names, args, node=None) -> str:
    """``v1 = ln v-1 with v-1 = -1``: a node as written in the trace, and its input values."""
    from .rows import primal_formula  # only when an error is being reported
    formula = primal_formula(prim, names)
    values = ", ".join(f"{n} = {_describe(a)}" for n, a in zip(names, args) if n.startswith("v"))
    text = f"{node} = {formula}" if node else formula
    return f"{text} with {values}" if values else text


def _shape_mismatch(prim, args) -> str | None:
    """What is wrong when ``prim`` failed because its arguments' shapes do not fit, else None."""
    arrays = [raw(a) for a in args if isinstance(raw(a), np.ndarray)]
    if not arrays:
        return None
    if prim.name == "matmul" and len(arrays) == 2:
        (sa, sb) = (np.shape(a) for a in arrays)
        if sa and sb and sa[-1] != (sb[-2] if len(sb) > 1 else sb[0]):
            return (f"the shapes {sa} @ {sb} do not fit: the inner dimensions must agree, "
                    f"(n, k) @ (k, m), and here they are {sa[-1]} and "
                    f"{sb[-2] if len(sb) > 1 else sb[0]}")
    if prim.name == "concatenate":
        return (f"the shapes {', '.join(str(a.shape) for a in arrays)} must agree in every "
                f"dimension but the joining one (axis {args[0]})")
    try:
        np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        return (f"the shapes {' and '.join(str(a.shape) for a in arrays)} do not broadcast: numpy "
                f"lines shapes up from the right, and each pair of lengths must be equal or one "
                f"of them 1")
    return None


def _domain_error(prim, tape, parents, args, cause) -> DomainError:
    shapes = _shape_mismatch(prim, args) if isinstance(cause, ValueError) else None
    if shapes is not None:
        letters = iter("abcdefghijklmnopqrstuvwxyz")  # arrays outside a trace: a, b, ...
        names = [tape.name(p) if tape is not None and p is not None else
                 _describe(a) if not isinstance(raw(a), np.ndarray) else
                 next(letters, "x") if tape is None else "a constant"
                 for p, a in zip(parents, args)]
        where = node_description(prim, names, (), None if tape is None
                                 else tape.name(len(tape.nodes)))
        return DomainError(f"{where}: {shapes}. Print the shapes of the arrays involved "
                           f"(x.shape): a matrix that needs a transpose (.T) or a missing axis "
                           f"(x[:, None]) is the usual cause.")
    if tape is None:
        names = [_describe(a) for a in args]
        where = node_description(prim, names, args)
    else:
        names = [tape.name(p) if p is not None else _describe(a) for p, a in zip(parents, args)]
        where = node_description(prim, names, args, tape.name(len(tape.nodes)))
    reason = prim.domain or f"{prim.name} is undefined there ({cause})"
    if any(np.ndim(raw(a)) for a in args):  # an `if` cannot choose per element
        advice = ("make the offending elements safe before the operation with ad.where (an `if` "
                  "cannot choose per element)")
    else:
        advice = "guard the operation with an `if`"
    return DomainError(f"{where}: {reason}. Check the input values, or {advice}.")


def _evaluate(prim, args):
    """Apply a primitive to arguments that belong to no active tape."""
    if any(type(a) is Traced for a in args):  # values of finished tapes are constants now
        args = tuple(a.value if type(a) is Traced else a for a in args)
        return bind(prim, *args)
    try:
        if not (numpy_raises or _active_tapes) and any(isinstance(a, np.ndarray) for a in args):
            with np.errstate(divide="raise", invalid="raise", over="raise"):
                return prim.impl(*args)
        return prim.impl(*args)
    except DomainError:
        raise
    except _DOMAIN_FAILURES as cause:
        raise _domain_error(prim, None, (None,) * len(args), args, cause) from None


def bind(prim, *args):
    """Apply ``prim`` to ``args``; if any argument is traced, record a node on the innermost tape."""
    tape = None
    for a in args:
        if type(a) is Traced:
            t = a.tape
            if t.active and (tape is None or t.level > tape.level):
                tape = t
    if tape is None:
        return _evaluate(prim, args)
    parents = tuple(a.index if type(a) is Traced and a.tape is tape else None for a in args)
    values = tuple(a.value if type(a) is Traced and a.tape is tape else a for a in args)
    try:
        out = prim.impl(*values)  # an outer-level value makes impl record on the outer tape
    except DomainError:
        raise
    except _DOMAIN_FAILURES as cause:
        raise _domain_error(prim, tape, parents, values, cause) from None
    tape.nodes.append((prim, parents, values, out))
    return Traced(tape, len(tape.nodes) - 1, out)


def bind1(prim, a):
    """``bind`` for one argument: the hot path of unary functions (and of rules on floats)."""
    if type(a) is Traced:
        tape = a.tape
        if tape.active:
            x = a.value
            try:
                out = prim.impl(x)
            except DomainError:
                raise
            except _DOMAIN_FAILURES as cause:
                raise _domain_error(prim, tape, (a.index,), (x,), cause) from None
            nodes = tape.nodes
            nodes.append((prim, (a.index,), (x,), out))
            return Traced(tape, len(nodes) - 1, out)
    elif type(a) is float or type(a) is np.ndarray and (numpy_raises or _active_tapes):
        try:  # no tape: a plain evaluation (math, or numpy set to raise, reports domain errors)
            return prim.impl(a)
        except DomainError:
            raise
        except _DOMAIN_FAILURES as cause:
            raise _domain_error(prim, None, (None,), (a,), cause) from None
    return bind(prim, a)


def bind2(prim, a, b):
    """``bind`` for two arguments: the hot path of arithmetic operators."""
    if type(a) is Traced:
        tape = a.tape
        if type(b) is Traced:
            if b.tape is not tape or not tape.active:
                return bind(prim, a, b)
            parents = (a.index, b.index)
            x, y = a.value, b.value
        elif tape.active:
            parents = (a.index, None)
            x, y = a.value, b
        else:
            return bind(prim, a, b)
    elif type(b) is Traced and b.tape.active:
        tape = b.tape
        parents = (None, b.index)
        x, y = a, b.value
    elif (type(a) is float or type(a) is np.ndarray) and (type(b) is float or type(
            b) is np.ndarray) and (type(a) is float and type(b) is float or numpy_raises
                                   or _active_tapes):
        try:  # no tape: a plain evaluation (math, or numpy set to raise, reports domain errors)
            return prim.impl(a, b)
        except DomainError:
            raise
        except _DOMAIN_FAILURES as cause:
            raise _domain_error(prim, None, (None, None), (a, b), cause) from None
    else:
        return bind(prim, a, b)
    try:
        out = prim.impl(x, y)
    except DomainError:
        raise
    except _DOMAIN_FAILURES as cause:
        raise _domain_error(prim, tape, parents, (x, y), cause) from None
    nodes = tape.nodes
    nodes.append((prim, parents, (x, y), out))
    return Traced(tape, len(nodes) - 1, out)


def binary_method(prim, reflected=False):
    """``Traced.__add__`` and friends: ``bind2`` inlined (one call less per arithmetic operation).

    A reflected method (``__radd__``) is only called with a non-traced left operand.
    """
    impl = prim.impl

    def method(self, other):
        tape = self.tape
        if type(other) is Traced:
            if other.tape is not tape or not tape.active:
                return bind2(prim, self, other)
            parents = (self.index, other.index)
            y = other.value
        elif tape.active:
            parents = (self.index, None)
            y = other
        else:
            return bind2(prim, self, other)
        x = self.value
        try:
            out = impl(x, y)
        except DomainError:
            raise
        except _DOMAIN_FAILURES as cause:
            raise _domain_error(prim, tape, parents, (x, y), cause) from None
        nodes = tape.nodes
        nodes.append((prim, parents, (x, y), out))
        return Traced(tape, len(nodes) - 1, out)

    def reflected_method(self, other):
        tape = self.tape
        if type(other) is Traced or not tape.active:
            return bind2(prim, other, self)
        parents = (None, self.index)
        y = self.value
        try:
            out = impl(other, y)
        except DomainError:
            raise
        except _DOMAIN_FAILURES as cause:
            raise _domain_error(prim, tape, parents, (other, y), cause) from None
        nodes = tape.nodes
        nodes.append((prim, parents, (other, y), out))
        return Traced(tape, len(nodes) - 1, out)

    return reflected_method if reflected else method


def _unsupported(what: str):
    from .primitives import supported_operations  # only when building the message
    raise UnsupportedOperationError(
        f"adlab cannot differentiate through {what}: it would drop the derivative. "
        f"Use adlab's own functions (import adlab as ad; ad.sin, ad.log, ...) instead. "
        f"Supported operations: {supported_operations()}.")


class Traced:
    """A value being traced: what a function receives from ``ad.grad``, ``ad.forward``, ...

    It behaves like the number or array it holds (arithmetic, comparisons, ``shape``, indexing,
    numpy functions that adlab has rules for); each operation on it is recorded. Operations with
    no rule raise :class:`~adlab.errors.UnsupportedOperationError` rather than lose the derivative.
    The arithmetic operators are installed from the primitive table (``adlab.primitives``).
    """

    __slots__ = ("tape", "index", "value")
    __array_priority__ = 1000.0  # numpy defers binary operators to us

    def __init__(self, tape: Tape, index: int, value):
        self.tape = tape
        self.index = index
        self.value = value

    def __repr__(self) -> str:
        shape = np.shape(raw(self.value))
        shown = f"shape {shape}" if shape else _describe(self.value)
        return f"Traced({self.tape.name(self.index)}: {shown})"

    # shape-like attributes read the value; they are not operations
    @property
    def shape(self):
        return np.shape(raw(self.value))

    @property
    def ndim(self):
        return np.ndim(raw(self.value))

    @property
    def size(self):
        return np.size(raw(self.value))

    @property
    def dtype(self):
        return np.asarray(raw(self.value)).dtype

    def __len__(self):
        return len(raw(self.value))

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    # comparisons give plain booleans: control flow follows the values, as in the survey
    def __lt__(self, other): return raw(self) < raw(other)
    def __le__(self, other): return raw(self) <= raw(other)
    def __gt__(self, other): return raw(self) > raw(other)
    def __ge__(self, other): return raw(self) >= raw(other)
    def __eq__(self, other): return raw(self) == raw(other)
    def __ne__(self, other): return raw(self) != raw(other)
    __hash__ = object.__hash__

    def __bool__(self):
        return bool(raw(self))

    # conversions that would silently drop the derivative
    def __float__(self): _unsupported("float() of a traced value (math.sin, math.exp and other "
                                      "functions of the math module call it)")
    def __int__(self): _unsupported("int() of a traced value")
    def __index__(self): _unsupported("using a traced value as an index or integer")
    def __complex__(self): _unsupported("complex() of a traced value")
    def __floor__(self): _unsupported("math.floor")
    def __ceil__(self): _unsupported("math.ceil")
    def __trunc__(self): _unsupported("math.trunc")
    def __round__(self, ndigits=None): _unsupported("round")
    def __mod__(self, other): _unsupported("% (modulo)")
    __rmod__ = __mod__
    def __floordiv__(self, other): _unsupported("// (floor division)")
    __rfloordiv__ = __floordiv__
    def __array__(self, dtype=None, copy=None): _unsupported(
        "conversion to a numpy array (np.asarray, np.array of traced values); build arrays "
        "from traced values with ad.array([x, y]) or np.stack([x, y]) instead")
