"""Function transformations in the style of JAX and autograd, built on the two modes.

``grad``, ``value_and_grad``, ``jvp``, ``vjp``, ``jacobian`` and ``hessian`` record the function
once and run sweeps; they never build table rows, so they cost only what differentiation costs.
They nest: ``grad(grad(f))``, ``jacobian(grad(f))``, ``jvp`` of ``grad``.
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from .arrays import concatenate
from .primitives import reshape, stack, zeros_like
from . import fast
from .recording import as_args, leaves_like, record, recording_of
from .sweeps import _counters, adjoint_sweep, tangent_sweep
from .tape import Tape, Traced, active_tapes, raw, strict_begin, strict_end
from .tree import _FLOAT64, _first


def _argnums(argnums, n_args, name):
    single = isinstance(argnums, int) and not isinstance(argnums, bool)
    nums = (argnums,) if single else tuple(argnums) if isinstance(argnums, (tuple, list)) \
        else (argnums,)
    for a in nums:
        if not isinstance(a, int) or isinstance(a, bool) or not -n_args <= a < n_args:
            raise InputError(f"{name}: argnums={argnums!r} does not name an argument; the function "
                             f"was called with {n_args} positional argument(s).")
    return single, tuple(a % n_args for a in nums)


def value_and_grad(f, argnums=0):
    """``f``'s value and its gradient with respect to argument(s) ``argnums`` (reverse mode).

    ``f`` must return a single number. The gradient has the shape of the argument; a tuple of
    ``argnums`` gives a tuple of gradients.
    """
    checked = {}  # number of arguments -> (single, nums): argnums is checked once per arity

    def value_and_gradient(*args):
        known = checked.get(len(args))
        if known is None:
            known = checked[len(args)] = _argnums(argnums, len(args), "grad")
        single, nums = known
        strict_begin()  # numpy's strict mode once for the recording and the sweep (it nests)
        try:
            if callable(f) and _plain_arguments(args, nums):  # record + adjoint_sweep, faster
                value, grads = _plain_value_and_grad(f, args, nums)
                if grads is not None:
                    return value, grads[0] if single else grads
                rec = value  # not the common case after all: f's recording, as record makes it
            else:
                rec = record(f, args, nums)
            out = rec.output_values
            if len(out) != 1 or type(out[0]) is not float and type(out[0]) is not np.float64 \
                    and np.ndim(raw(out[0])) != 0:
                raise InputError(f"grad needs {rec.function_name} to return one number (a scalar), "
                                 f"but it returned {rec.describe_output()}. For several outputs use "
                                 f"ad.jacobian, or ad.vjp with a cotangent.")
            # nobody reads this tape afterwards: the sweep may let go of its values as it goes
            adjoints = adjoint_sweep(rec.nodes, rec.n_inputs, rec.seeds([1.0]), release=True)
        finally:
            strict_end()
        grads = rec.input_gradients(adjoints)
        return rec.output_values[0], grads[0] if single else grads
    value_and_gradient.__name__ = f"value_and_grad_{getattr(f, '__name__', 'f')}"
    return value_and_gradient


def _plain_arguments(args, nums) -> bool:
    """Whether each differentiated argument is a float64 array or a float, or a flat tuple or list
    of them: leaves that ``record`` would take as they are, in an order ``flatten`` keeps."""
    for a in nums:
        arg = args[a]
        kind = type(arg)
        if kind is tuple or kind is list:
            for leaf in arg:  # (numpy's native float64 dtype is one object: compared by is)
                if not (type(leaf) is float or type(leaf) is np.ndarray
                        and leaf.dtype is _FLOAT64 and leaf.ndim):
                    return False
        elif not (kind is float or kind is np.ndarray and arg.dtype is _FLOAT64 and arg.ndim):
            return False
    return True


def _plain_value_and_grad(f, args, nums):
    """``record(f, args, nums)``, ``adjoint_sweep(..., release=True)`` and ``input_gradients`` for
    plain arguments (:func:`_plain_arguments`) and a function that returns one traced number: the
    same tape and the same gradients (tests/test_fast_paths.py checks it), without the steps that
    general arguments and results need. Returns ``(value, gradients)``, or ``(recording, None)``
    when ``f`` returned anything else (then the general path goes on from its recording)."""
    call_args, rebuilders = list(args), []
    tape = Tape()  # with Tape() as tape, inside the strict mode value_and_grad already set
    tape.level, tape.active = len(active_tapes), True
    active_tapes.append(tape)
    try:
        nodes = tape.nodes
        for a in nums:  # tape.input(leaf) for each leaf, written out
            arg = args[a]
            kind = type(arg)
            if kind is tuple or kind is list:
                start = len(nodes)
                nodes.extend([(None, (), (), leaf) for leaf in arg])
                call_args[a] = kind([Traced(tape, start + j, leaf) for j, leaf in enumerate(arg)])
                rebuilders.append((a, len(arg), kind))
            else:
                nodes.append((None, (), (), arg))
                call_args[a] = Traced(tape, len(nodes) - 1, arg)
                rebuilders.append((a, 1, _first))
        tape.n_inputs = len(nodes)
        result = f(*call_args)
    finally:
        active_tapes.pop() if active_tapes[-1] is tape else active_tapes.remove(tape)
        tape.active = False
    if not (type(result) is Traced and result.tape is tape
            and (type(result.value) is float or type(result.value) is np.float64)):
        return recording_of(f, args, nums, tape, result, rebuilders), None
    for count in _counters:  # what adjoint_sweep does, for the one seed ȳ = 1
        count.adjoint += 1
    n = tape.n_inputs
    adjoints = [None] * len(nodes)
    adjoints[result.index] = 1.0
    fast.adjoint_loop(nodes, n, adjoints, True)  # release: nobody reads this tape afterwards
    for i in range(n):  # what input_gradients does: a zero where no adjoint arrived
        if adjoints[i] is None:
            adjoints[i] = zeros_like(nodes[i][3])  # an input's node: never released
    grads, start = [], 0
    for a, count, rebuild in rebuilders:
        grads.append(rebuild(adjoints[start:start + count]))
        start += count
    return result.value, tuple(grads)


def grad(f, argnums=0):
    """The gradient of a scalar function: ``grad(f)(x)`` is ``∂f/∂x`` (JAX/autograd conventions).

    >>> import adlab as ad
    >>> df = ad.grad(lambda x1, x2: ad.log(x1) + x1 * x2 - ad.sin(x2), argnums=(0, 1))
    >>> [round(g, 3) for g in df(2.0, 5.0)]
    [5.5, 1.716]
    """
    vg = value_and_grad(f, argnums)

    def gradient(*args):
        return vg(*args)[1]
    gradient.__name__ = f"grad_{getattr(f, '__name__', 'f')}"
    return gradient


def jvp(f, primals, tangents):
    """``(f(primals), J·tangents)``: the value and directional derivative (forward mode)."""
    rec = record(f, as_args(primals))
    tangents = leaves_like(as_args(tangents) if isinstance(primals, (tuple, list)) else tangents,
                           rec.input_values, "tangents")
    return rec.value, rec.output_tangents(tangent_sweep(rec.nodes, rec.n_inputs, tangents))


def vjp(f, *primals):
    """``(f(*primals), pullback)``; ``pullback(ȳ)`` returns ``ȳᵀJ`` for every argument (a tuple)."""
    rec = record(f, primals)

    def pullback(cotangent):
        cotangents = leaves_like(cotangent, rec.output_values, "cotangent")
        return rec.input_gradients(adjoint_sweep(rec.nodes, rec.n_inputs, rec.seeds(cotangents)))
    return rec.value, pullback


def jacobian(f, mode="reverse", argnums=0):
    """The Jacobian of ``f`` with respect to argument ``argnums``, as a numpy array.

    Its shape is the output's shape followed by the input's (JAX's convention): ``(m, n)`` for
    ``f: Rⁿ → Rᵐ``, ``(n,)`` for a scalar output. A tuple or list of numbers returned by ``f`` counts
    as a vector. ``mode="forward"`` builds it a column per input (n tangent sweeps), ``"reverse"`` a
    row per output (m adjoint sweeps); both record ``f`` once.
    """
    if mode not in ("forward", "reverse"):
        raise InputError(f"jacobian: mode must be 'forward' or 'reverse', not {mode!r}.")

    def jacobian_of_f(*args):
        _, nums = _argnums(argnums, len(args), "jacobian")
        rec = record(f, args, nums)
        in_leaves = rec.input_values
        in_sizes = [int(np.size(raw(v))) for v in in_leaves]
        out_sizes = [int(np.size(raw(v))) for v in rec.output_values]
        n, m = sum(in_sizes), sum(out_sizes)
        if mode == "forward":
            columns = []
            for j in range(n):
                tangents = _unit_leaves(in_leaves, in_sizes, j)
                swept = tangent_sweep(rec.nodes, rec.n_inputs, tangents)
                columns.append(_flat([swept[p] if p is not None else zeros_like(v) for p, v in
                                      zip(rec.output_parents, rec.output_values)], m))
            matrix = stack(columns, axis=1) if columns else np.zeros((m, 0))
        else:
            rows = []
            for i in range(m):
                cotangents = _unit_leaves(rec.output_values, out_sizes, i)
                adjoints = adjoint_sweep(rec.nodes, rec.n_inputs, rec.seeds(cotangents))
                rows.append(_flat([a if a is not None else zeros_like(v) for a, v in
                                   zip(adjoints[:rec.n_inputs], in_leaves)], n))
            matrix = stack(rows, axis=0) if rows else np.zeros((0, n))
        out_shape = np.shape(raw(rec.output_values[0])) if len(out_sizes) == 1 else (m,)
        in_shape = np.shape(raw(in_leaves[0])) if len(in_sizes) == 1 else (n,)
        return reshape(matrix, out_shape + in_shape)
    jacobian_of_f.__name__ = f"jacobian_{getattr(f, '__name__', 'f')}"
    return jacobian_of_f


def hessian(f, argnums=0):
    """The Hessian of a scalar function: forward mode over reverse mode (``jacobian(grad(f))``)."""
    return jacobian(grad(f, argnums), mode="forward", argnums=argnums)


def _unit_leaves(leaves, sizes, j):
    """Leaves shaped like ``leaves``, all zero but a 1 at flat position ``j``."""
    out, start = [], 0
    for leaf, size in zip(leaves, sizes):
        shape = np.shape(raw(leaf))
        if start <= j < start + size:
            unit = np.zeros(size)
            unit[j - start] = 1.0
            out.append(unit.reshape(shape) if shape else 1.0)
        else:
            out.append(np.zeros(shape) if shape else 0.0)
        start += size
    return out


def _flat(values, total):
    """Concatenate values (numbers or arrays) into one vector of length ``total``: plain values
    by numpy, traced ones by one traced concatenate (a nested jacobian records O(1) nodes per
    column, not one per element)."""
    if not any(type(v) is Traced for v in values):
        return np.concatenate([np.ravel(v) for v in values]) if values else np.zeros(total)
    parts = [reshape(v, (-1,)) if np.ndim(raw(v)) else reshape(v, (1,)) for v in values]
    return concatenate(parts)
