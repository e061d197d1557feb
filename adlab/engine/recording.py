"""Recording: run a Python function on traced inputs and keep the tape (a :class:`Recording`)."""
from __future__ import annotations

import inspect
import types
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

import numpy as np

from ..errors import InputError
from . import sweeps
from .primitives import zeros_like
from .tape import Tape, Traced, node_number, raw
from .tree import as_input, flatten, leaf_paths


def record(f, args: tuple, argnums=None) -> Recording:
    """Call ``f(*args)`` with the leaves of ``args[argnums]`` traced (all arguments by default)."""
    if not callable(f):
        raise InputError(f"expected a function to differentiate, got {type(f).__name__} {f!r}.")
    args, argnums = tuple(args), tuple(range(len(args))) if argnums is None else argnums
    call_args, rebuilders = list(args), []  # rebuilders: (argument, number of leaves, rebuild)
    with Tape() as tape:
        for a in argnums:
            leaves, rebuild = flatten(args[a])
            what = lambda: (f"argument {parameter_names(f, len(args))[a]!r} of "  # noqa: E731
                            f"{getattr(f, '__name__', 'the function')}")  # a message, if needed
            values = [as_input(leaf, what) for leaf in leaves]
            call_args[a] = rebuild([tape.input(v) for v in values])
            rebuilders.append((a, len(leaves), rebuild))
        result = f(*call_args)
    return recording_of(f, args, argnums, tape, result, rebuilders)


def recording_of(f, args, argnums, tape, result, rebuilders) -> Recording:
    """The :class:`Recording` of ``f(*args)``, traced on ``tape``, which returned ``result``."""
    out_leaves, rebuild_output = flatten(result)
    parents, values = [], []
    for leaf in out_leaves:
        if type(leaf) is Traced and leaf.tape is tape:
            parents.append(leaf.index)
            values.append(leaf.value)
        elif type(leaf) is Traced or isinstance(leaf, (float, int, np.ndarray, np.number)) \
                and not isinstance(leaf, bool):
            parents.append(None)  # does not depend on the inputs
            values.append(as_input(leaf, "a result") if type(leaf) is not Traced else leaf)
        else:
            raise InputError(f"{getattr(f, '__name__', 'the function')} returned "
                             f"{type(leaf).__name__} {leaf!r}; adlab expects a number, an array, "
                             f"or a tuple/list of them.")

    def rebuild_inputs(leaf_values):
        out, start = list(args), 0
        for a, n, rebuild in rebuilders:
            out[a] = rebuild(list(leaf_values[start:start + n]))
            start += n
        return tuple([out[a] for a in argnums])
    return Recording(tape, getattr(f, "__name__", "f"),  # input names: when a trace needs them
                     lambda: [parameter_names(f, len(args))[a] + path for a in argnums
                              for path in leaf_paths(args[a])],
                     parents, values, rebuild_output, rebuild_inputs)


# ------------------------------------------------------------------------------------------------
# Not on the reading path: the Recording, names of parameters, checks, counting operations.

@dataclass
class Recording:
    """One traced call: the tape, which leaves were inputs, and what the function returned."""

    tape: Tape
    function_name: str
    name_inputs: Callable = field(repr=False)  # () -> input_names
    output_parents: list[int | None]  # per output leaf: its node, or None for a constant output
    output_values: list               # per output leaf: its value
    rebuild_output: Callable = field(repr=False)
    rebuild_inputs: Callable = field(repr=False)  # list of per-leaf values -> tuple of arguments

    nodes = property(lambda self: self.tape.nodes, doc="The tape's nodes, in evaluation order.")

    @cached_property
    def input_names(self) -> list[str]:
        """One name per input leaf: ``x1``, ``w[0]``, ..."""
        return self.name_inputs()

    n_inputs = property(lambda self: self.tape.n_inputs, doc="How many inputs (leaves) it has.")

    @property
    def output_names(self) -> list[str]:
        """``y`` (or ``y1, y2, ...``), unless an input has that name: then ``f``, ``out``..."""
        n = len(self.output_parents)
        for base in ("y", "f", "out", "result", "output"):
            names = [base] if n == 1 else [f"{base}{i + 1}" for i in range(n)]
            if not set(names) & set(self.input_names):
                return names
        return [f"output_{i + 1}" for i in range(n)]

    @property
    def operation_count(self) -> int:
        """ops(f): the number of elementary operations the function performed."""
        return len(self.tape.nodes) - self.tape.n_inputs

    def name(self, index: int) -> str:
        """``v-1``, ``v0``, ``v1``: node ``index`` as the survey names it."""
        return self.tape.name(index)

    def number(self, index: int) -> int:
        """The survey's number of node ``index``: ``-1`` for ``v-1``."""
        return node_number(index, self.tape.n_inputs)

    @property
    def input_values(self) -> list:
        return [value for (_, _, _, value) in self.tape.nodes[:self.tape.n_inputs]]

    def seeds(self, cotangents) -> list:
        """``(node, ȳ)`` for each output that is a node: where the adjoint sweep starts."""
        return [(p, g) for p, g in zip(self.output_parents, cotangents) if p is not None]

    def input_gradients(self, adjoints):
        """The inputs' adjoints nested like the arguments (a zero where none arrived)."""
        reached = adjoints[:self.tape.n_inputs]
        for a in reached:
            if a is None:
                break
        else:  # every input reached: nothing to fill in
            return self.rebuild_inputs(reached)
        return self.rebuild_inputs([a if a is not None else zeros_like(v)
                                    for a, v in zip(adjoints, self.input_values)])

    def output_tangents(self, tangents):
        """The outputs' tangents nested like the output (a zero for a constant output)."""
        return self.rebuild_output([tangents[p] if p is not None else zeros_like(v)
                                    for p, v in zip(self.output_parents, self.output_values)])

    def describe_output(self) -> str:
        """``a scalar``, ``an array of shape (3,)``, ``2 values``: for error messages."""
        shapes = [np.shape(raw(v)) for v in self.output_values]
        if len(shapes) == 1:
            return f"an array of shape {shapes[0]}" if shapes[0] else "a scalar"
        return f"{len(shapes)} values"

    @property
    def value(self):
        """The function's result, with its nesting (raw numbers, not traced values)."""
        return self.rebuild_output(list(self.output_values))


_NAMES: dict = {}  # (code object, n) -> names: inspect.signature is slow next to a small f


def parameter_names(f, n: int) -> list[str]:
    """Names of f's first n positional parameters, or x1..xn where they cannot be read."""
    key = (f.__code__, n) if type(f) is types.FunctionType and "__signature__" not in f.__dict__ \
        and "__wrapped__" not in f.__dict__ else None
    if key in _NAMES:
        return list(_NAMES[key])
    try:
        params = [p for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params[:n]]
    names += [f"x{i + 1}" for i in range(len(names), n)]
    if key is not None:
        _NAMES[key] = tuple(names)
    return names


def as_args(primals) -> tuple:
    """The arguments of a call: a tuple or list as is, anything else as one argument."""
    return tuple(primals) if isinstance(primals, (tuple, list)) else (primals,)


def leaves_like(values, reference_leaves, what):
    """Flatten tangents/cotangents and check they match the shapes they belong to."""
    leaves, _ = flatten(values)
    if len(leaves) != len(reference_leaves):
        raise InputError(f"{what} has {len(leaves)} entries but there are {len(reference_leaves)} "
                         f"values to match; give one per input (output), nested the same way.")
    out = []
    for i, (leaf, ref) in enumerate(zip(leaves, reference_leaves)):
        leaf = as_input(leaf, f"entry {i} of {what}")
        if np.shape(raw(leaf)) != np.shape(raw(ref)):
            raise InputError(f"entry {i} of {what} has shape {np.shape(raw(leaf))}, but the value "
                             f"it belongs to has shape {np.shape(raw(ref))}.")
        out.append(leaf)
    return out


def count_sweep_operations(recording: Recording, sweep, seeds) -> int:
    """How many elementary operations ``sweep(nodes, n_inputs, seeds)`` performs on this recording.

    The sweep is run once more with every stored value and every seed replaced by an input of a
    fresh tape, so each arithmetic operation it does is recorded there and counted: a measurement
    of what the derivative code really does, not a declared figure.
    """
    with sweeps.not_counted():  # not a derivative asked for
        return _count_operations(recording.nodes, recording.n_inputs, sweep, seeds)


def _count_operations(nodes, n_inputs, sweep, seeds) -> int:
    with Tape() as counter:
        values = [counter.input(raw(v)) for (_, _, _, v) in nodes]
        traced_seeds = [counter.input(raw(s)) if s is not None else None for s in seeds]
        renamed = [(prim, parents, tuple(values[p] if p is not None else raw(a)
                                         for p, a in zip(parents, args)), values[i])
                   for i, (prim, parents, args, _) in enumerate(nodes)]
        sweep(renamed, n_inputs, traced_seeds)
    return len(counter.nodes) - counter.n_inputs
