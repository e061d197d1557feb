"""The reverse sweep's loop, optimised: an equivalent of ``sweeps.adjoint_loop`` for speed.

Not on the reading path. It computes the same adjoints as the plain loop, to the last bit
(tests/test_fast_paths.py checks it on random scalar and array graphs with fan-out), and differs in
how, not what:

- an elementwise partial is inlined: ONE passes the adjoint on, MINUS_ONE negates it, and an
  adjoint that is one number ``c`` everywhere (what ``sum`` sends back, a float) multiplies a
  partial as a number -- not at all when ``c`` is 1 (``1 × p`` is ``p``), a negation when it is -1 --
  rather than as an array of copies of ``c``;
- a fresh temporary partial (``cos x`` in sin's rule) is multiplied in place;
- ``-g`` summed back over broadcast axes is summed first, then negated (``-Σg = Σ(-g)`` exactly);
- an adjoint array this loop made for one slot (``owned``: slot -> array, or None) is accumulated
  into in place, and a fresh contribution absorbs the total so far, instead of a new array for
  every ``+`` (float addition is commutative, so ``a + b`` is ``b + a``);
- with ``release``, a node's values are let go once the sweep has passed it, so that numpy reuses
  their memory for the adjoints still to come (grad: nobody reads that tape afterwards).

Arrays it writes into are always ones it made: never a value of the tape, an input or a seed.
"""
from __future__ import annotations

import numpy as np

from ..errors import DerivativeError
from .messages import FAILURES
from .primitives import MINUS_ONE, ONE, unbroadcast
from .tape import derivative_error

_F64 = np.dtype(np.float64)


def adjoint_loop(nodes, n_inputs, adjoints, release=False):
    """``v̄k += v̄i × ∂vi/∂vk`` for every node ``i`` from last to first (see the module docstring).
    An input's adjoint that is not an array this loop made for it alone is copied at the end, so
    that it needs nothing of ``sweeps.own_input_adjoints``."""
    owned = [None] * len(nodes)  # slot -> an array this loop made for it, which nothing else holds
    for i in range(len(nodes) - 1, n_inputs - 1, -1):
        g = adjoints[i]
        if g is None:  # the output does not depend on node i
            if release:
                nodes[i] = None
            continue
        prim, parents, args, out = nodes[i]
        partials = prim.partials
        c = False  # the number g is everywhere, found when a partial needs it (None: not one)
        k = -1
        try:
            for p in parents:
                k += 1
                if p is None:  # a constant argument
                    continue
                if partials is None:
                    contribution = prim.vjp_rule(k, g, args, out)
                    made = (type(contribution) is np.ndarray and contribution.base is None
                            and contribution is not g and contribution is not out
                            and contribution.flags.writeable and not _is_one_of(contribution, args))
                else:
                    partial = partials[k]
                    if partial is ONE:
                        contribution, made = g, False
                    else:
                        if c is False:
                            c = g if type(g) is float else _number(g)
                        if partial is MINUS_ONE:
                            if _subtracted(adjoints, owned, p, g, args[k]):
                                continue
                            contribution, made = _negated(g, c, args[k])
                        else:
                            contribution, made = _times(g, c, partial(*args, out), args, out)
                    if type(contribution) is np.ndarray:
                        like = args[k]
                        if type(like) is not np.ndarray or like.shape != contribution.shape:
                            summed = unbroadcast(contribution, like)
                            if summed is not contribution:  # a sum, a float, or (rarely) a view
                                made = type(summed) is np.ndarray and not _view_of(summed,
                                                                                 contribution)
                                contribution = summed
                    elif type(contribution) is not float:
                        contribution = unbroadcast(contribution, args[k])
                previous = adjoints[p]
                if previous is None:
                    adjoints[p] = contribution
                    if made:
                        owned[p] = contribution
                else:
                    _accumulate(adjoints, owned, p, previous, contribution, made)
        except DerivativeError:  # an inner rule's failure is named at this node
            raise
        except FAILURES as cause:
            raise derivative_error(nodes, n_inputs, i, cause) from None
        if release:  # nothing before node i reads its value, its arguments or its adjoint
            nodes[i] = adjoints[i] = owned[i] = None
    for slot in range(n_inputs):  # a gradient is its own array: never a value of the tape, an
        a = adjoints[slot]       # input, a seed, a view or another input's gradient
        if type(a) is np.ndarray and (owned[slot] is not a or a.base is not None):
            adjoints[slot] = np.array(a)


def _is_one_of(array, values) -> bool:
    for v in values:
        if v is array:
            return True
    return False


def _number(g):
    """The number ``c`` when the adjoint ``g`` is a float or ``c`` broadcast over a float64 array
    (what ``sum`` sends back), else None."""
    if type(g) is float:
        return g
    if type(g) is np.ndarray and g.ndim and not any(g.strides) and g.dtype == _F64:
        return g.item(0)
    return None


def _view_of(view, array) -> bool:
    return view.base is not None and (view.base is array or view.base is array.base)


def _negated(g, c, like):
    """``-g`` as (contribution, made): a broadcast number stays a broadcast; an array summed back
    to the shape of ``like`` is summed first (``-Σg``: the same numbers, a smaller negation)."""
    if c is not None and type(g) is not float and g.shape == np.shape(like):
        return np.broadcast_to(-c, g.shape), False
    if type(g) is np.ndarray and g.flags.c_contiguous and g.shape != np.shape(like):
        summed = unbroadcast(g, like)
        if type(summed) is np.ndarray and summed.base is None and summed.dtype == _F64:
            return np.negative(summed, out=summed), True  # a fresh sum: negated in place
        negated = -summed
        return negated, type(negated) is np.ndarray
    negated = -g
    return negated, type(negated) is np.ndarray


def _subtracted(adjoints, owned, p, g, like) -> bool:
    """``v̄p - g`` in one pass when ``v̄p`` exists and ``g`` needs no summing back (in place when
    slot ``p`` owns its array); False when the general path must run."""
    previous = adjoints[p]
    if previous is None or type(g) is float or np.shape(g) != np.shape(like):
        return False
    if (owned[p] is previous and type(g) is np.ndarray and g.dtype == _F64
            and g.shape == previous.shape and previous.dtype == _F64):
        np.subtract(previous, g, out=previous)
        return True
    adjoints[p] = total = previous - g  # previous + (-g), exactly
    if type(total) is np.ndarray:
        owned[p] = total
    return True


def _times(g, c, partial, args, out):
    """``g × partial`` as (contribution, made), for a partial of the output's shape:

    - ``g`` one number ``c`` (a float, or ``c`` broadcast): ``partial`` itself when ``c`` is 1,
      ``-partial`` when it is -1, else ``c × partial``;
    - ``g`` an array: the product, written into ``partial`` when it is a fresh temporary (``cos x``
      in sin's rule, ``1/x`` in log's), never when it is one of the node's own values (``y`` in
      mul's rule).
    """
    if (type(partial) is np.ndarray and partial.dtype == _F64 and type(out) is np.ndarray
            and partial.shape == out.shape):
        fresh = (partial.base is None and partial is not out and partial is not g
                 and partial.flags.writeable and not _is_one_of(partial, args))
        if c is not None:
            if type(g) is not float and g.shape != partial.shape:
                return g * partial, True
            if c == 1.0:
                return partial, fresh
            if c == -1.0:
                return (np.negative(partial, out=partial) if fresh else -partial), True
            return (np.multiply(partial, c, out=partial) if fresh else partial * c), True
        if type(g) is np.ndarray and g.shape == partial.shape and g.dtype == _F64:
            return (np.multiply(partial, g, out=partial) if fresh else g * partial), True
    product = g * partial
    return product, type(product) is np.ndarray


def _accumulate(adjoints, owned, p, previous, contribution, made):
    """``v̄p = previous + contribution``, in place where an array this loop made can take it."""
    if type(previous) is np.ndarray and previous.dtype == _F64:
        mine = owned[p] is previous
        if mine and (type(contribution) is float or type(contribution) is np.ndarray
                     and contribution.shape == previous.shape and contribution.dtype == _F64):
            np.add(previous, contribution, out=previous)
            return
        if (made and contribution.dtype == _F64 and contribution.shape == previous.shape
                and contribution.flags.writeable):
            np.add(contribution, previous, out=contribution)  # previous + contribution
            adjoints[p] = owned[p] = contribution
            return
    adjoints[p] = total = previous + contribution
    if type(total) is np.ndarray:
        owned[p] = total
