"""The two sweeps over a recorded tape: tangents forward, adjoints backward.

Both are loops over the tape, which is already in evaluation order, so depth never meets Python's
recursion limit. They take a plain node list, so that the same code can be run again to count the
operations it performs (``adlab.engine.recording.count_sweep_operations``).
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from ..errors import DerivativeError
from . import fast
from .messages import FAILURES
from .tape import derivative_error, strict_begin, strict_end


def tangent_sweep(nodes, n_inputs, input_tangents):
    """Forward mode: ``v̇i`` for every node, given the tangents of the inputs."""
    for count in _counters:
        count.tangent += 1
    tangents = list(input_tangents) + [None] * (len(nodes) - n_inputs)
    strict_begin()  # inf or nan in a tangent is an error, as in the adjoint sweep
    try:
        for i in range(n_inputs, len(nodes)):
            prim, parents, args, out = nodes[i]
            try:  # v̇i = Σ_k ∂vi/∂vk × v̇k, over the arguments that are nodes
                tangents[i] = prim.jvp(args, out, [tangents[p] if p is not None else None
                                                   for p in parents])
            except DerivativeError:  # an inner rule's failure is named at this node
                raise
            except FAILURES as cause:
                raise derivative_error(nodes, n_inputs, i, cause) from None
    finally:
        strict_end()
    return tangents


def adjoint_sweep(nodes, n_inputs, seeds, on_step=None, release=False):
    """Reverse mode: ``v̄i`` for every node reached from the seeded ones (``None`` if not reached).

    ``seeds`` is a list of ``(node, adjoint)``. ``on_step(i, k, p, contribution, total,
    accumulates)`` is called for each contribution when the caller wants the rows. numpy raises on
    division by zero, overflow and invalid values meanwhile, so that a derivative that does not
    exist is reported (``DerivativeError``), never returned as inf or nan. ``release``: only the
    inputs' adjoints are wanted, and the tape may let go of its values as the sweep passes them.
    """
    if on_step is None:  # a second run, for the rows of a trace, is not a new derivative
        for count in _counters:
            count.adjoint += 1
    adjoints = [None] * len(nodes)
    for p, g in seeds:
        adjoints[p] = g if adjoints[p] is None else adjoints[p] + g
    strict_begin()
    try:
        if on_step is None:  # the loop below, optimised; it leaves every gradient its own array
            fast.adjoint_loop(nodes, n_inputs, adjoints, release)
        else:
            adjoint_loop(nodes, n_inputs, adjoints, on_step)
            own_input_adjoints(adjoints, n_inputs)
    finally:
        strict_end()
    return adjoints


def adjoint_loop(nodes, n_inputs, adjoints, on_step=None):
    """The reverse sweep: ``v̄k += v̄i × ∂vi/∂vk`` for every node ``i`` from last to first."""
    for i in range(len(nodes) - 1, n_inputs - 1, -1):
        g = adjoints[i]
        if g is None:  # the output does not depend on node i
            continue
        prim, parents, args, out = nodes[i]
        for k, p in enumerate(parents):
            if p is None:  # a constant argument
                continue
            try:
                contribution = prim.vjp(k, g, args, out)
            except DerivativeError:  # an inner rule's failure is named at this node
                raise
            except FAILURES as cause:
                raise derivative_error(nodes, n_inputs, i, cause) from None
            previous = adjoints[p]
            adjoints[p] = contribution if previous is None else previous + contribution
            if on_step is not None:
                on_step(i, k, p, contribution, adjoints[p], previous is not None)


# ------------------------------------------------------------------------------------------------
# Not on the reading path: gradients as fresh arrays, counting sweeps.

def own_input_adjoints(adjoints, n_inputs):
    """Copy input adjoints that are read-only views or shared, so every gradient is its own array."""
    seen = set()
    for i in range(n_inputs):
        a = adjoints[i]
        if type(a) is np.ndarray:
            if a.base is not None or id(a) in seen or not a.flags.writeable:
                adjoints[i] = a = np.array(a)
            seen.add(id(a))


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
    ``forward``, ``reverse`` and nestings of them), not the second runs that build a trace's rows or
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


@contextmanager
def not_counted():
    """Sweeps run inside are not counted (they measure a sweep, not a derivative asked for)."""
    open_counts, _counters[:] = _counters[:], []
    try:
        yield
    finally:
        _counters[:] = open_counts
