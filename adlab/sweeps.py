"""The two sweeps over a recorded tape: tangents forward, adjoints backward.

Both loop over the tape (already in evaluation order), so depth never meets Python's recursion
limit. They take a plain node list so that the same code can be re-run to count its operations.
"""
from __future__ import annotations

import numpy as np

from .errors import DerivativeError
from .primitives import MINUS_ONE, ONE, times_partial, unbroadcast
from . import tracing
from .tracing import _DOMAIN_FAILURES, node_description, raw


class SweepCount:
    """How many tangent (forward) and adjoint (reverse) sweeps ran inside ``count_sweeps()``."""

    __slots__ = ("tangent", "adjoint")

    def __init__(self):
        self.tangent = self.adjoint = 0

    def __repr__(self) -> str:
        return f"SweepCount(tangent={self.tangent}, adjoint={self.adjoint})"


_counters: list[SweepCount] = []  # the open count_sweeps() blocks


class count_sweeps:
    """Count the derivative sweeps adlab runs: ``with ad.count_sweeps() as n: ...; n.adjoint``.

    Counts the sweeps that compute derivatives (``grad``, ``jvp``, ``vjp``, ``jacobian``,
    ``forward``, ``reverse`` and nestings of them), not the re-runs that build a trace's rows or
    count its operations (``trace.rows``, ``trace.cost``).

    >>> import adlab as ad
    >>> with ad.count_sweeps() as n:
    ...     _ = ad.jacobian(lambda x: x * x, mode="forward")(ad.array([1.0, 2.0, 3.0]))
    >>> n.tangent, n.adjoint
    (3, 0)
    """

    def __enter__(self) -> SweepCount:
        self.count = SweepCount()
        _counters.append(self.count)
        return self.count

    def __exit__(self, *exc_info) -> None:
        _counters.remove(self.count)


def _derivative_error(nodes, n_inputs, i, cause) -> DerivativeError:
    prim, parents, args, _ = nodes[i]
    names = [f"v{p - n_inputs + 1}" if p is not None else repr(raw(a)) for p, a in zip(parents, args)]
    where = node_description(prim, names, args, f"v{i - n_inputs + 1}")
    return DerivativeError(f"the derivative of {where} does not exist (it is infinite or "
                           f"undefined there: {prim.domain or cause}).")


def tangent_sweep(nodes, n_inputs, input_tangents):
    """Forward mode: ``v̇i`` for every node, given the tangents of the inputs."""
    for count in _counters:
        count.tangent += 1
    tangents = list(input_tangents) + [None] * (len(nodes) - n_inputs)
    for i in range(n_inputs, len(nodes)):
        prim, parents, args, out = nodes[i]
        try:
            tangents[i] = prim.jvp(args, out, [tangents[p] if p is not None else None
                                               for p in parents])
        except DerivativeError:  # an inner rule's failure is named at this node
            raise
        except _DOMAIN_FAILURES as cause:
            raise _derivative_error(nodes, n_inputs, i, cause) from None
    return tangents


def adjoint_sweep(nodes, n_inputs, seeds, on_step=None):
    """Reverse mode: ``v̄i`` for every node reached from the seeded ones (``None`` if not reached).

    ``seeds`` is a list of ``(node, adjoint)``. ``on_step(i, k, p, contribution, total,
    accumulates)`` is called for each contribution when the caller wants the rows.
    numpy raises on division by zero, overflow and invalid values during the sweep, so that a
    derivative that does not exist is reported (``DerivativeError``), never returned as inf/nan.
    """
    if on_step is None:  # a re-run for the rows of a trace is not a new derivative
        for count in _counters:
            count.adjoint += 1
    adjoints = [None] * len(nodes)
    for p, g in seeds:
        adjoints[p] = g if adjoints[p] is None else adjoints[p] + g
    saved = np.seterr(divide="raise", invalid="raise", over="raise")
    tracing.numpy_raises += 1
    tracing._pause_gc()
    try:
        if on_step is None:
            _adjoint_loop(nodes, n_inputs, adjoints)
        else:
            _adjoint_loop_with_steps(nodes, n_inputs, adjoints, on_step)
    finally:
        tracing._resume_gc()
        tracing.numpy_raises -= 1
        np.seterr(**saved)
    _own_input_adjoints(adjoints, n_inputs)
    return adjoints


def _own_input_adjoints(adjoints, n_inputs):
    """Copy input adjoints that are read-only views or shared, so every gradient is its own array."""
    seen = set()
    for i in range(n_inputs):
        a = adjoints[i]
        if type(a) is np.ndarray:
            if not a.flags.writeable or a.base is not None or id(a) in seen:
                adjoints[i] = a = np.array(a)
            seen.add(id(a))


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


def _adjoint_loop(nodes, n_inputs, adjoints):
    """The hot loop: ``v̄k += v̄i × ∂vi/∂vk`` for every node ``i`` from last to first.

    An adjoint array this loop created for one node (``owned``: slot and array, kept alive so
    that ids stay unique) is accumulated into in place: no new array for every ``+``.
    """
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
                            previous = adjoints[p]
                            if previous is None and type(contribution) is np.ndarray:
                                # a new array that only this slot holds
                                adjoints[p] = contribution
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
                total = previous + contribution
                adjoints[p] = total
                if type(total) is np.ndarray:
                    owned[id(total)] = (p, total)
        except DerivativeError:  # an inner rule's failure is named at this node
            raise
        except _DOMAIN_FAILURES as cause:
            raise _derivative_error(nodes, n_inputs, i, cause) from None


def _adjoint_loop_with_steps(nodes, n_inputs, adjoints, on_step):
    """The same loop, reporting each contribution (for the rows of the adjoint trace)."""
    for i in range(len(nodes) - 1, n_inputs - 1, -1):
        g = adjoints[i]
        if g is None:
            continue
        prim, parents, args, out = nodes[i]
        partials = prim.partials
        for k, p in enumerate(parents):
            if p is None:
                continue
            try:
                if partials is None:
                    contribution = prim.vjp_rule(k, g, args, out)
                else:
                    contribution = times_partial(g, partials[k], args, out)
                    if type(contribution) is not float:
                        contribution = unbroadcast(contribution, args[k])
            except DerivativeError:  # an inner rule's failure is named at this node
                raise
            except _DOMAIN_FAILURES as cause:
                raise _derivative_error(nodes, n_inputs, i, cause) from None
            previous = adjoints[p]
            adjoints[p] = contribution if previous is None else previous + contribution
            on_step(i, k, p, contribution, adjoints[p], previous is not None)
