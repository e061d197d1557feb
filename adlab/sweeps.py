"""The two sweeps over a recorded tape: tangents forward, adjoints backward.

Both loop over the tape (already in evaluation order), so depth never meets Python's recursion
limit. They take a plain node list so that the same code can be re-run to count its operations.
"""
from __future__ import annotations

from .errors import DerivativeError, DomainError
from .primitives import MINUS_ONE, ONE, unbroadcast
from .tracing import _DOMAIN_FAILURES, node_description, raw


def _derivative_error(nodes, n_inputs, i, cause) -> DerivativeError:
    prim, parents, args, _ = nodes[i]
    names = [f"v{p - n_inputs + 1}" if p is not None else repr(raw(a)) for p, a in zip(parents, args)]
    where = node_description(prim, names, args, f"v{i - n_inputs + 1}")
    return DerivativeError(f"the derivative of {where} does not exist (it is infinite or "
                           f"undefined there: {prim.domain or cause}).")


def tangent_sweep(nodes, n_inputs, input_tangents):
    """Forward mode: ``v̇i`` for every node, given the tangents of the inputs."""
    tangents = list(input_tangents) + [None] * (len(nodes) - n_inputs)
    for i in range(n_inputs, len(nodes)):
        prim, parents, args, out = nodes[i]
        try:
            tangents[i] = prim.jvp(args, out, [tangents[p] if p is not None else None
                                               for p in parents])
        except DomainError:
            raise
        except _DOMAIN_FAILURES as cause:
            raise _derivative_error(nodes, n_inputs, i, cause) from None
    return tangents


def adjoint_sweep(nodes, n_inputs, seeds, on_step=None):
    """Reverse mode: ``v̄i`` for every node reached from the seeded ones (``None`` if not reached).

    ``seeds`` is a list of ``(node, adjoint)``. ``on_step(i, k, p, contribution, total,
    accumulates)`` is called for each contribution when the caller wants the rows.
    """
    adjoints = [None] * len(nodes)
    for p, g in seeds:
        adjoints[p] = g if adjoints[p] is None else adjoints[p] + g
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
                else:  # elementwise: g × ∂out/∂arg_k, inlined (this loop is the hot path)
                    partial = partials[k]
                    if partial is ONE:
                        contribution = g
                    elif partial is MINUS_ONE:
                        contribution = -g
                    else:
                        contribution = g * partial(*args, out)
                    if type(contribution) is not float:
                        contribution = unbroadcast(contribution, args[k])
            except DomainError:
                raise
            except _DOMAIN_FAILURES as cause:
                raise _derivative_error(nodes, n_inputs, i, cause) from None
            previous = adjoints[p]
            adjoints[p] = contribution if previous is None else previous + contribution
            if on_step is not None:
                on_step(i, k, p, contribution, adjoints[p], previous is not None)
    return adjoints
