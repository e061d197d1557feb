"""What adlab says when an operation fails: the node, the operation, the values, and what to do.

Plain functions of plain data (names, numbers, the table entry), so that every part of the engine
words a failure the same way: ``v1 = ln v-1 with v-1 = -1: log needs a positive input. Check the
input values, or guard the operation with an `if`.``
"""
from __future__ import annotations

import numpy as np

from ..errors import DerivativeError, DomainError, UnsupportedOperationError

#: What math and numpy raise for a value outside an operation's domain (numpy raises because
#: adlab sets it to, see ``tape.strict``). A failing rule or implementation raises one of these.
FAILURES = (ArithmeticError, ValueError, FloatingPointError)


def describe(value) -> str:
    """A plain value as a message shows it: ``-1``, ``an array of shape (3,), min -2``."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        finite = value[np.isfinite(value)] if value.dtype.kind == "f" else value
        lowest = f", min {finite.min():.4g}" if finite.size else ""
        return f"an array of shape {value.shape}{lowest}"
    return f"{value:.6g}" if isinstance(value, float) else f"{value!r}"


def node_text(prim, node, names, values) -> str:
    """``v1 = ln v-1 with v-1 = -1``: a node as its row writes it, and the values it read.

    ``names`` name the arguments (a node's name, or a constant's value); ``values`` are the plain
    values of the named nodes (none are listed when ``values`` is empty)."""
    formula = prim.formula(names)
    read = ", ".join(f"{n} = {describe(v)}" for n, v in zip(names, values) if n.startswith("v"))
    text = f"{node} = {formula}" if node else formula
    return f"{text} with {read}" if read else text


def shape_mismatch(prim, values) -> str | None:
    """What is wrong when ``prim`` failed because its arrays' shapes do not fit, else None."""
    arrays = [v for v in values if isinstance(v, np.ndarray)]
    if not arrays:
        return None
    if prim.name == "matmul" and len(arrays) == 2:
        sa, sb = (a.shape for a in arrays)
        inner = sb[-2] if len(sb) > 1 else sb[0] if sb else None
        if sa and sb and sa[-1] != inner:
            return (f"the shapes {sa} @ {sb} do not fit: the inner dimensions must agree, "
                    f"(n, k) @ (k, m), and here they are {sa[-1]} and {inner}")
    if prim.name == "concatenate":
        return (f"the shapes {', '.join(str(a.shape) for a in arrays)} must agree in every "
                f"dimension but the joining one (axis {values[0]})")
    try:
        np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        return (f"the shapes {' and '.join(str(a.shape) for a in arrays)} do not broadcast: numpy "
                f"lines shapes up from the right, and each pair of lengths must be equal or one "
                f"of them 1")
    return None


def domain_error(prim, node, names, values, cause) -> DomainError:
    """The error for ``prim`` failing on ``values``: node ``node`` (None outside a trace), its
    arguments named by ``names`` (None: name them by their values)."""
    shapes = shape_mismatch(prim, values) if isinstance(cause, ValueError) else None
    if shapes is not None:
        letters = iter("abcdefghijklmnopqrstuvwxyz")  # arrays outside a trace: a, b, ...
        shown = [describe(v) if not isinstance(v, np.ndarray) else next(letters, "x")
                 for v in values] if names is None else [
            n if n.startswith("v") or not isinstance(v, np.ndarray) else "a constant"
            for n, v in zip(names, values)]
        return DomainError(f"{node_text(prim, node, shown, ())}: {shapes}. Print the shapes of "
                           f"the arrays involved (x.shape): a matrix that needs a transpose (.T) or "
                           f"a missing axis (x[:, None]) is the usual cause.")
    names = [describe(v) for v in values] if names is None else names
    reason = prim.domain or f"{prim.name} is undefined there ({cause})"
    if any(np.ndim(v) for v in values):  # an `if` cannot choose per element
        advice = ("make the offending elements safe before the operation with ad.where (an `if` "
                  "cannot choose per element)")
    else:
        advice = "guard the operation with an `if`"
    return DomainError(f"{node_text(prim, node, names, values)}: {reason}. Check the input values, "
                       f"or {advice}.")


def derivative_error(prim, node, names, values, cause) -> DerivativeError:
    """The error for a derivative rule of ``prim`` failing at node ``node``."""
    return DerivativeError(f"the derivative of {node_text(prim, node, names, values)} does not "
                           f"exist (it is infinite or undefined there: {prim.domain or cause}).")


def unsupported(what: str, operations: str) -> UnsupportedOperationError:
    """The error for an operation adlab has no rule for (``math.floor`` of a traced value)."""
    return UnsupportedOperationError(
        f"adlab cannot differentiate through {what}: it would drop the derivative. "
        f"Use adlab's own functions (import adlab as ad; ad.sin, ad.log, ...) instead. "
        f"Supported operations: {operations}.")
