"""``ad.forward`` and ``ad.reverse``: the two modes on a recorded function, returned as evaluation
traces (the survey's Tables 2 and 3) that print, tabulate and draw themselves."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..engine.recording import Recording, as_args, count_sweep_operations, leaves_like, record
from ..engine.sweeps import adjoint_sweep, tangent_sweep
from ..engine.tape import raw
from ..errors import InputError
from . import rows as R
from .notation import fmt


@dataclass(frozen=True)
class Cost:
    """Elementary operations of the function and of one derivative sweep, measured by tracing.

    The survey's bound for one sweep is ``ops(f) + ops(sweep) = c · ops(f)`` with ``2 < c < 3`` on
    average; ``ratio`` is that ``c``.
    """

    ops_function: int
    ops_derivative: int

    @property
    def ratio(self) -> float:
        return (self.ops_function + self.ops_derivative) / max(self.ops_function, 1)

    def __str__(self) -> str:
        return (f"ops(f) = {self.ops_function}, ops(derivative sweep) = {self.ops_derivative}, "
                f"c = {self.ratio:.2f}")


class _Trace:
    """What both modes share: the recording and its primal trace."""

    mode = ""

    def __init__(self, recording: Recording):
        self.recording = recording

    value = property(lambda self: self.recording.value,
                     doc="The function's value at the point (nested as the function returned it).")
    n_inputs = property(lambda self: self.recording.n_inputs)
    operation_count = property(lambda self: self.recording.operation_count)

    @cached_property
    def primal_rows(self) -> list[R.Row]:
        return R.primal_rows(self.recording)

    def __repr__(self) -> str:
        values = ", ".join(fmt(v) for v in self.recording.output_values)
        return (f"<{type(self).__name__} of {self.recording.function_name}: {self.n_inputs} "
                f"inputs, {self.operation_count} operations, value {values}>")

    def __len__(self) -> int:
        return len(self.rows)

    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self))

    # rich displays (graph.py and tables.py, imported when a notebook asks): graph + table,
    # Markdown, a LaTeX booktabs table, the graph's SVG
    def _repr_html_(self):
        from .graph import View
        return View(self)._repr_html_()

    def _repr_markdown_(self):
        from .tables import table_markdown
        return table_markdown(self)

    def _repr_latex_(self):
        from .tables import table_latex
        return table_latex(self)

    def _repr_svg_(self):
        from .graph import View
        return View(self, table=False).svg


class ForwardTrace(_Trace):
    """Forward mode: every node's value ``vi`` and tangent ``v̇i`` (Baydin et al., Table 2).

    ``rows`` interleave the primal and tangent traces node by node; ``primal_rows`` and
    ``tangent_rows`` give each column alone.
    """

    mode = "forward"

    def __init__(self, recording: Recording, input_tangents: list):
        super().__init__(recording)
        self.input_tangents = input_tangents
        self.tangents = tangent_sweep(recording.nodes, recording.n_inputs, input_tangents)

    @property
    def tangent(self):
        """The directional derivative ``ẏ`` of the output, nested as the output."""
        return self.recording.output_tangents(self.tangents)

    @cached_property
    def tangent_rows(self) -> list[R.Row]:
        return R.tangent_rows(self.recording, self.tangents)

    @cached_property
    def rows(self) -> list[R.Row]:
        return [row for pair in zip(self.primal_rows, self.tangent_rows) for row in pair]

    @cached_property
    def cost(self) -> Cost:
        n = self.recording.operation_count
        return Cost(n, count_sweep_operations(self.recording, tangent_sweep, self.input_tangents))

    def __str__(self) -> str:
        from .tables import text_table
        return text_table("Forward primal trace", self.primal_rows,
                          "Forward tangent (derivative) trace", self.tangent_rows)


class ReverseTrace(_Trace):
    """Reverse mode: the primal sweep, then adjoints ``v̄i`` backwards (Baydin et al., Table 3).

    ``rows`` are the primal trace followed by the adjoint trace in the order the reverse sweep ran
    (the survey prints the same rows bottom to top).
    """

    mode = "reverse"

    def __init__(self, recording: Recording, cotangents: list):
        super().__init__(recording)
        self.cotangents = cotangents
        self.adjoints = adjoint_sweep(recording.nodes, recording.n_inputs,
                                      recording.seeds(cotangents))

    @property
    def grad(self):
        """``x̄``: the adjoint of every input, nested like the arguments (a tuple, one per argument)."""
        return self.recording.input_gradients(self.adjoints)

    @cached_property
    def adjoint_rows(self) -> list[R.Row]:
        steps = []  # the plain sweep again, reporting each contribution
        adjoint_sweep(self.recording.nodes, self.recording.n_inputs,
                      self.recording.seeds(self.cotangents), on_step=lambda *step: steps.append(step))
        return R.adjoint_rows(self.recording, steps, [g for p, g in zip(
            self.recording.output_parents, self.cotangents)], self.adjoints)

    @cached_property
    def rows(self) -> list[R.Row]:
        return self.primal_rows + self.adjoint_rows

    @cached_property
    def cost(self) -> Cost:
        rec = self.recording
        nodes_seeded = [p for p, _ in rec.seeds(self.cotangents)]

        def sweep(nodes, n_inputs, seeds):
            return adjoint_sweep(nodes, n_inputs, list(zip(nodes_seeded, seeds)))
        return Cost(rec.operation_count, count_sweep_operations(
            rec, sweep, [g for _, g in rec.seeds(self.cotangents)]))

    def __str__(self) -> str:
        from .tables import text_table
        return (text_table("Forward primal trace", self.primal_rows) + "\n\n" +
                text_table("Reverse adjoint (derivative) trace, in the order it is computed",
                           self.adjoint_rows))


def forward(f, primals, tangents=None) -> ForwardTrace:
    """Run ``f`` at ``primals`` in forward mode, carrying ``tangents`` (the seed ẋ).

    ``primals`` is a tuple of arguments (a single number is taken as one argument); ``tangents``
    has the same structure. It may be left out only when ``f`` has a single scalar input.

    >>> import adlab as ad
    >>> t = ad.forward(lambda x1, x2: ad.log(x1) + x1 * x2 - ad.sin(x2), (2.0, 5.0), (1.0, 0.0))
    >>> round(t.value, 3), t.tangent
    (11.652, 5.5)
    """
    rec = record(f, as_args(primals))
    inputs = rec.input_values
    if tangents is None:
        if len(inputs) != 1 or np.ndim(raw(inputs[0])) != 0:
            raise InputError("forward mode needs a direction when there is more than one input: "
                             "pass tangents, e.g. ad.forward(f, (2.0, 5.0), (1.0, 0.0)) for ∂/∂x1.")
        tangents = 1.0
    return ForwardTrace(rec, leaves_like(as_args(tangents) if isinstance(primals, (tuple, list))
                                         else tangents, inputs, "tangents"))


def reverse(f, primals, cotangent=None) -> ReverseTrace:
    """Run ``f`` at ``primals`` in reverse mode: a primal sweep, then the adjoint sweep from ``ȳ``.

    ``cotangent`` (ȳ) defaults to 1 for a scalar output; give it, shaped like the output, otherwise.

    >>> import adlab as ad
    >>> t = ad.reverse(lambda x1, x2: ad.log(x1) + x1 * x2 - ad.sin(x2), (2.0, 5.0))
    >>> [round(g, 3) for g in t.grad]
    [5.5, 1.716]
    """
    rec = record(f, as_args(primals))
    if cotangent is None:
        if len(rec.output_values) != 1 or np.ndim(raw(rec.output_values[0])) != 0:
            raise InputError(f"{rec.function_name} returned {rec.describe_output()}: reverse mode "
                             f"needs a cotangent ȳ shaped like it, e.g. cotangent=(1.0, 0.0) for "
                             f"the gradient of the first output.")
        cotangent = 1.0
    return ReverseTrace(rec, leaves_like(cotangent, rec.output_values, "cotangent"))
