"""The computation graph of a trace (Graphviz), and what a notebook shows of a trace: graph and table.

Everything here reads a trace's ``rows`` and ``recording``; nothing re-runs the function or a sweep.
The graph is laid out once per trace (one ``dot`` run, cached); the step-through player
(:mod:`adlab.views.player`) re-styles that same SVG. No widgets here.

>>> import adlab as ad
>>> t = ad.reverse(lambda x1, x2: ad.log(x1) + x1 * x2 - ad.sin(x2), (2.0, 5.0))
>>> view = ad.show(t)          # displays as the graph + the tables in a notebook
>>> 'v₁ = ln v₋₁' in view.dot_source
True

Names are typeset as the survey prints them (``v₋₁``, ``v̄₀``, a true minus sign); ``print(trace)``
keeps the plain ``v-1`` spelling.
"""
from __future__ import annotations

import html
import itertools
import re
import shutil
import subprocess
import unicodedata
import weakref
from itertools import zip_longest

import numpy as np

from .. import palette as C
from ..engine.tape import raw
from ..errors import AdlabError
from .notation import BAR, DOT, fmt, node_name, typeset, variable_pretty
from .tables import table_html

#: Graphs with more nodes than this are not drawn (unreadable, slow to lay out and to step).
MAX_NODES = 300
#: Stands for the per-widget id prefix in the cached SVG; replaced by :func:`new_prefix`'s value.
TOKEN = "adlTOKEN_"
#: Font size of the graph's text (dot points = SVG units) and how many CSS pixels one unit is
#: drawn as: 14 × 1.15 ≈ 16 px, legible when projected.
FONT_SIZE = 14
SVG_SCALE = 1.15
#: What a value or derivative not computed yet reads (in the graph and the table).
PENDING_MARK = "?"

DOT_MISSING = (
    "Graphviz's `dot` program was not found, so the graph cannot be drawn; the tables still work "
    "(ad.show(trace, graph=False), ad.step(trace, graph=False)). Install Graphviz (the program, "
    "not only the Python package), then restart the kernel:\n"
    "  Debian/Ubuntu:  sudo apt-get install graphviz\n"
    "  macOS:          brew install graphviz\n"
    "  conda:          conda install -c conda-forge graphviz\n"
    "  Windows:        winget install graphviz   (then add its bin folder to PATH)")

_ids = itertools.count(1)


def new_prefix() -> str:
    """A fresh id prefix (``adl7_``) so that two pictures in one notebook never share ids."""
    return f"adl{next(_ids)}_"


def too_large_message(n_nodes: int, max_nodes: int = MAX_NODES) -> str:
    return (f"This trace has {n_nodes} nodes: a graph that large is unreadable and slow to draw, "
            f"so only the table is shown (limit: {max_nodes} nodes). To see a graph, trace a "
            f"smaller part of the function (fewer elements or layers), use the table view "
            f"(graph=False), or raise the limit with max_nodes={n_nodes}.")


# ---------------------------------------------------------------- what each node shows

def value_text(value) -> str:
    """A value as a node shows it (true minus signs); arrays also give their shape."""
    v = raw(value)
    if isinstance(v, np.ndarray) and v.ndim > 0:
        shape = f"shape {v.shape}"
        return typeset(f"{fmt(v)}, {shape}" if v.ndim == 1 and v.size <= 4 else shape)
    return typeset(fmt(v))


def derivative_mark(trace) -> str:
    return DOT if trace.mode == "forward" else BAR


class GraphModel:
    """The graph of a trace as plain data: one node per tape entry, one edge per traced argument.

    ``edges`` are ``(parent, child, k)``: ``child``'s argument ``k`` is ``parent``'s value.
    ``final[i]`` is node ``i``'s derivative (``v̇i`` or ``v̄i``) once the trace is complete,
    ``None`` when a reverse sweep never reached it (y does not depend on it).
    """

    def __init__(self, trace):
        rec = trace.recording
        self.trace = trace
        self.n = len(rec.nodes)
        self.n_inputs = rec.n_inputs
        self.mark = derivative_mark(trace)
        self.edges = [(p, i, k) for i, (_, parents, _, _) in enumerate(rec.nodes)
                      for k, p in enumerate(parents) if p is not None]
        self.outputs = {}
        for name, p in zip(rec.output_names, rec.output_parents):
            if p is not None:
                self.outputs.setdefault(p, []).append(name)
        rows = trace.rows
        self.primal_row = {}      # node -> index of the row that computes its value
        self.derivative_rows = {i: [] for i in range(self.n)}  # node -> rows that set v̇i / v̄i
        for r, row in enumerate(rows):
            if row.kind in ("input", "primal"):
                self.primal_row[row.node] = r
            elif is_derivative_update(row):
                self.derivative_rows[row.node].append(r)
        self.final = [rows[d[-1]].value if d else None for d in
                      (self.derivative_rows[i] for i in range(self.n))]
        self.formula = {row.node: rows[r].pretty for r in self.primal_row.values()
                        for row in (rows[r],)}
        self.values = [v for (_, _, _, v) in rec.nodes]

    def name(self, i: int, mark: str = "") -> str:
        """``v₋₁`` (or ``v̄₋₁`` with ``mark``): node ``i`` as the survey writes it."""
        return node_name(self.trace.recording.number(i), mark, pretty=True)

    def title(self, i: int) -> str:
        """First label line: ``v₁ = ln v₋₁``; an output is prefixed ``y =``."""
        names = self.outputs.get(i)
        prefix = " = ".join(variable_pretty(n) for n in names) + " = " if names else ""
        return prefix + self.formula[i]

    def value_line(self, i: int, pending: bool = False) -> str:
        return "= " + (PENDING_MARK if pending else value_text(self.values[i]))

    def derivative_line(self, i: int, value=None, final=True, pending: bool = False) -> str:
        name = self.name(i, self.mark)
        if pending:
            return f"{name} = {PENDING_MARK}"
        value = self.final[i] if final else value
        if value is None:
            return f"{name} = 0 (y does not use it)"
        return f"{name} = {value_text(value)}"

    def derivative_lines(self, i: int) -> list[str]:
        """Every text node ``i``'s derivative line takes: pending, each update, or 'not used'."""
        rows = self.trace.rows
        lines = [self.derivative_line(i, pending=True)]
        lines += [self.derivative_line(i, rows[r].value, final=False)
                  for r in self.derivative_rows[i]]
        if not self.derivative_rows[i]:
            lines.append(self.derivative_line(i))
        return lines

    def kind(self, i: int) -> str:
        if i in self.outputs:
            return "output"
        return "input" if i < self.n_inputs else "operation"


def is_derivative_update(row) -> bool:
    """A row that sets a node's ``v̇`` or ``v̄`` (not the read-offs ``ẏ = v̇5``, ``x̄1 = v̄-1``)."""
    return row.kind == "tangent" or (row.kind == "adjoint" and row.op != "gradient")


def is_result(row) -> bool:
    """A row that states a result: ``y = v5``, ``ẏ = v̇5``, ``x̄1 = v̄-1``."""
    return row.kind == "output" or row.op == "gradient"


# ---------------------------------------------------------------- DOT and SVG

PENDING = "not yet computed"  # the words for PENDING_MARK (legend, tooltips)


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def dot_source(model: GraphModel, prefix: str = TOKEN, rankdir: str = "LR") -> str:
    """The DOT text of the graph: inputs on the left (``rankdir=LR``, as in the survey's figure)
    or on top (``TB``), nodes in evaluation order.

    Label lines: the formula, the value, the derivative. Each box is laid out around the widest
    text its lines ever show ("?", each value a derivative takes on the way): the SVG is laid out
    once and re-styled, so every step must fit. :func:`layout` then writes the final texts in.
    Inputs have a bold border, outputs a double one.
    """
    lines = ["digraph adlab {",
             f'  graph [rankdir={rankdir}, bgcolor="transparent", nodesep=0.22, ranksep=0.62];',
             f'  node [shape=box, style="rounded,filled", fontname="Helvetica,Arial,sans-serif", '
             f'fontsize={FONT_SIZE}, color="{C.OPERATION}", fillcolor="{C.NODE_FILL}", '
             f'fontcolor="{C.TEXT}", margin="0.12,0.04"];',
             f'  edge [color="{C.EDGE}", arrowsize=0.8, penwidth=1.3];']
    for i in range(model.n):
        kind = model.kind(i)
        style = {"input": "penwidth=2.6", "output": "peripheries=2, penwidth=1.3",
                 "operation": ""}[kind]
        value = widest([model.value_line(i), model.value_line(i, pending=True)])
        derivative = widest(model.derivative_lines(i))
        label = "\\n".join(_dot_escape(t) for t in (model.title(i), value, derivative))
        lines.append(f'  n{i} [id="{prefix}n{i}", class="{kind}", label="{label}"'
                     + (f", {style}" if style else "") + "];")
    inputs = " ".join(f"n{i};" for i in range(model.n_inputs))
    if inputs:
        lines.append(f"  {{ rank=source; {inputs} }}")
    for p, i, k in model.edges:
        lines.append(f'  n{p} -> n{i} [id="{prefix}e{i}_{k}"];')
    lines.append("}")
    return "\n".join(lines)


def _text_width(text: str) -> float:
    """Roughly how wide ``text`` is, in ems (combining accents take no room)."""
    width = 0.0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += (0.32 if ch in " \u00a0" else 0.84 if ch in "=+−×/·→" else
                  0.45 if "\u2080" <= ch <= "\u209c" else 0.62)
    return width


def widest(texts) -> str:
    return max(texts, key=_text_width)


def _final_texts(svg: str, model: GraphModel) -> str:
    """Each node's value and derivative lines set to their final texts (the finished trace)."""
    def node(match):
        i = int(match.group(1))
        texts = iter((model.value_line(i), model.derivative_line(i)))
        seen = 0

        def text(t):
            nonlocal seen
            seen += 1
            return t.group(0) if seen == 1 else f"{t.group(1)}{html.escape(next(texts))}</text>"
        return re.sub(r"(<text[^>]*>).*?</text>", text, match.group(0), count=3, flags=re.S)
    return re.sub(rf'<g id="{TOKEN}n(\d+)" class="node[^"]*">.*?</g>', node, svg, flags=re.S)


def dot_path() -> str | None:
    return shutil.which("dot")


def _run_dot(source: str) -> str:
    """One ``dot -Tsvg`` run (the only place that lays a graph out; tests count its calls)."""
    path = dot_path()
    if path is None:
        raise AdlabError(DOT_MISSING)
    try:
        done = subprocess.run([path, "-Tsvg"], input=source.encode(), capture_output=True,
                              timeout=120)
    except (OSError, subprocess.TimeoutExpired) as cause:
        raise AdlabError(f"Graphviz's dot failed to lay out the graph ({cause}).") from None
    if done.returncode != 0:
        raise AdlabError("Graphviz's dot failed to lay out the graph: "
                         + done.stderr.decode(errors="replace").strip()[:500])
    return done.stdout.decode()


def _clean_svg(svg: str) -> str:
    """The ``<svg>`` element only: no XML prolog, doctype or comments (version-free output); its
    size in CSS pixels (:data:`SVG_SCALE` per unit, so that text is drawn at about 16 px)."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)

    def pixels(match):
        return f'{match.group(1)}="{float(match.group(2)) * SVG_SCALE:.0f}px"'
    head, rest = svg.split(">", 1)
    head = re.sub(r'(width|height)="([\d.]+)pt"', pixels, head)
    return head + ">" + rest


_layouts: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def layout(trace, max_nodes: int = MAX_NODES, rankdir: str = "LR") -> tuple[GraphModel, str]:
    """The graph model and its SVG (ids prefixed with :data:`TOKEN`), laid out once per trace
    (and direction: ``LR``, the survey's, or ``TB`` for narrow columns).

    Raises :class:`~adlab.errors.AdlabError` with what to do when ``dot`` is missing or the graph
    has more than ``max_nodes`` nodes.
    """
    n = len(trace.recording.nodes)
    if n > max_nodes:
        raise AdlabError(too_large_message(n, max_nodes))
    per_trace = _layouts.setdefault(trace, {})
    cached = per_trace.get(rankdir)
    if cached is None:
        model = next(iter(per_trace.values()))[0] if per_trace else GraphModel(trace)
        laid_out = _clean_svg(_run_dot(dot_source(model, rankdir=rankdir)))
        cached = (model, _final_texts(laid_out, model))
        per_trace[rankdir] = cached
    return cached


def svg(trace, prefix: str | None = None, max_nodes: int = MAX_NODES) -> str:
    """The graph as an SVG string with final values (ids prefixed with ``prefix``)."""
    return layout(trace, max_nodes)[1].replace(TOKEN, prefix or new_prefix())


# ---------------------------------------------------------------- what a notebook displays

def note_html(text: str) -> str:
    """A message (why there is no graph) as a note above a picture."""
    return (f'<div style="border-left:4px solid {C.EDGE};padding:4px 8px;margin:4px 0;'
            f'white-space:pre-wrap;font-size:14px">{html.escape(text)}</div>')


class View:
    """A trace drawn for a notebook: the graph (inline SVG) and/or the table.

    It displays itself (``_repr_html_``); ``dot_source`` and ``svg`` give the raw pictures and
    ``save(path)`` writes the SVG. When the graph cannot be drawn (``dot`` missing, too many
    nodes) ``message`` says why and what to do, and the table is shown instead.
    """

    def __init__(self, trace, graph: bool = True, table: bool = True, max_nodes: int = MAX_NODES):
        self.trace = trace
        self.graph, self.table = graph, table
        self.max_nodes = max_nodes
        self.message = None
        self._svg = None
        if graph:
            try:
                self._svg = svg(trace, max_nodes=max_nodes)
            except AdlabError as error:
                self.message, self.table = str(error), True

    @property
    def dot_source(self) -> str:
        return dot_source(GraphModel(self.trace))

    @property
    def svg(self) -> str | None:
        """The SVG of the graph, or ``None`` when it could not be drawn (see ``message``)."""
        return self._svg

    def save(self, path) -> None:
        if self._svg is None:
            raise AdlabError(self.message or "this view has no graph (graph=False).")
        with open(path, "w", encoding="utf-8") as out:
            out.write('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + self._svg)

    def _repr_html_(self) -> str:
        parts = [note_html(self.message)] if self.message else []
        if self._svg is not None:
            parts.append(f'<div style="overflow:auto;max-width:100%">{self._svg}</div>')
        if self.table:
            parts.append(table_html(self.trace))
        return "".join(parts)

    def _repr_svg_(self):
        return self._svg

    def __repr__(self) -> str:
        return self.message or str(self.trace)


def show(trace, graph: bool = True, table: bool = True, max_nodes: int = MAX_NODES) -> View:
    """Draw a trace: its computation graph (laid out like the survey's figure) and its table.

    ``graph=False`` gives the table only; graphs above ``max_nodes`` nodes, or without Graphviz
    installed, fall back to the table with a message saying why and what to do.
    """
    if not hasattr(trace, "rows") or not hasattr(trace, "recording"):
        raise AdlabError(f"ad.show expects a trace from ad.forward(...) or ad.reverse(...), got "
                         f"{type(trace).__name__}.")
    return View(trace, graph=graph, table=table, max_nodes=max_nodes)

