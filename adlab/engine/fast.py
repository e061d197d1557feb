"""The reverse sweep's loop, optimised: an equivalent of ``sweeps.adjoint_loop`` for speed.

Not on the reading path. It computes the same adjoints as the plain loop (tests/test_fast_paths.py
checks it on random scalar and array graphs with fan-out) and differs in how, not what:

- an elementwise partial is inlined (ONE: the adjoint itself, MINUS_ONE: its negative, no product);
- a fresh temporary partial (``cos x`` in sin's rule) is multiplied in place, and not at all when
  the adjoint is 1;
- an adjoint array this loop created for one node is accumulated into in place, instead of a new
  array for every ``+`` (``owned``: slot and array, kept alive so that ids stay unique);
- a broadcast number (what ``sum`` sends back) stays a broadcast when negated.
"""
from __future__ import annotations

import numpy as np

from ..errors import DerivativeError
from .messages import FAILURES
from .primitives import MINUS_ONE, ONE, unbroadcast
from .tape import derivative_error


def adjoint_loop(nodes, n_inputs, adjoints):
    """``v̄k += v̄i × ∂vi/∂vk`` for every node ``i`` from last to first (see the module docstring)."""
    owned = {}
    i = len(nodes)
    for prim, parents, args, out in reversed(nodes[n_inputs:]):
        i -= 1
        g = adjoints[i]
        if g is None:
            continue
        partials = prim.partials
        k = -1
        try:
            for p in parents:
                k += 1
                if p is None:
                    continue
                if partials is None:
                    contribution = prim.vjp_rule(k, g, args, out)
                else:  # elementwise: g × ∂out/∂arg_k
                    partial = partials[k]
                    if partial is ONE:
                        contribution = g
                    elif partial is MINUS_ONE:
                        previous = adjoints[p]
                        if previous is not None and type(g) is not float and np.shape(
                                g) == np.shape(args[k]):  # one pass: previous - g
                            adjoints[p] = total = previous - g
                            if type(total) is np.ndarray:
                                owned[id(total)] = (p, total)
                            continue
                        contribution = _negated(g)
                    else:
                        contribution = _times(g, partial(*args, out), args, out)
                        if type(contribution) is np.ndarray:
                            contribution = unbroadcast(contribution, args[k])
                            if adjoints[p] is None and type(contribution) is np.ndarray:
                                adjoints[p] = contribution  # a new array that only this slot holds
                                owned[id(contribution)] = (p, contribution)
                                continue
                    if type(contribution) is not float:
                        contribution = unbroadcast(contribution, args[k])
                previous = adjoints[p]
                if previous is None:
                    adjoints[p] = contribution
                    continue
                entry = owned.get(id(previous))
                if entry is not None and entry[0] == p and entry[1] is previous and (
                        type(contribution) is float or type(contribution) is np.ndarray
                        and contribution.shape == previous.shape):
                    np.add(previous, contribution, out=previous)
                    continue
                adjoints[p] = total = previous + contribution
                if type(total) is np.ndarray:
                    owned[id(total)] = (p, total)
        except DerivativeError:  # an inner rule's failure is named at this node
            raise
        except FAILURES as cause:
            raise derivative_error(nodes, n_inputs, i, cause) from None


def _broadcast_scalar(g):
    """The number ``c`` when ``g`` is ``c`` broadcast to an array (what ``sum`` sends back)."""
    if type(g) is np.ndarray and g.ndim and not any(g.strides):
        return g.flat[0]
    return None


def _negated(g):
    """``-g``; a broadcast number stays a broadcast (no array is written)."""
    c = _broadcast_scalar(g)
    return -g if c is None else np.broadcast_to(-c, g.shape)


def _times(g, partial, args, out):
    """``g × partial``, written into ``partial`` when it is a fresh temporary of the output's shape
    (``cos x`` in sin's rule, ``1/x`` in log's), and not multiplied at all when ``g`` is 1.

    A partial that is one of the node's own values (``y`` in mul's rule) is never written to.
    """
    if (type(partial) is np.ndarray and partial.base is None and partial.flags.writeable
            and partial.shape == np.shape(out) and partial.dtype == np.float64
            and partial is not out and not any(partial is a for a in args)):
        c = g if type(g) is float else _broadcast_scalar(g)
        if c is not None and c == 1.0:
            return partial
        if type(g) is float or (type(g) is np.ndarray and g.shape == partial.shape):
            return np.multiply(partial, g, out=partial)
    return g * partial
