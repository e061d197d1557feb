"""The step-through player: watch a trace being computed, one row at a time.

>>> import adlab as ad
>>> t = ad.reverse(lambda x1, x2: ad.log(x1) + x1 * x2 - ad.sin(x2), (2.0, 5.0))
>>> player = ad.step(t)      # displays as the player in a notebook
>>> len(player), player.step
(20, 0)
>>> player.goto(-1); player.caption.split(". ")[0]
'Result: x̄₁ = v̄₋₁ = 5.5, the derivative ∂y/∂x₁'

Step 0 is "nothing computed yet"; step k shows the trace just after its row k-1: the primal sweep
(inputs, one node per row, the outputs), then the derivative sweep (forward: ``v̇`` node by node;
reverse: the seed ``v̄ = ȳ``, then one step per contribution, so an accumulation into a node used
several times is its own step, then the gradient read off).

How it is built: every step is computed here, once, as data (which node and row it computes, what
it reads, the edge its value flows along, the caption); the graph is laid out once (one ``dot``
run). The player is one self-contained HTML output: a static view of the finished trace (the graph
as an image, the table), the steps as JSON and a small script that turns them into the player.
Stepping happens in the browser: instant, no kernel round trip, working while the kernel is busy or
gone. The same output shows the player in a saved notebook reopened without a kernel, an HTML
export, nbviewer or Jupyter Book, and the static view where scripts may not run (an untrusted
notebook in JupyterLab, GitHub). ``player.save_html(path)`` writes it as a page of its own.

In a live kernel an undisplayed anywidget model links the Python object and the page: ``goto``,
``next`` ... move the page's player, and stepping in the page updates ``player.step``.
"""
from __future__ import annotations

import base64
import bisect
import functools
import html
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import palette as C
from ..engine.tape import raw
from ..errors import AdlabError
from ..traces.graph import (MAX_NODES, PENDING, TOKEN, GraphModel, is_derivative_update, is_result,
                            layout, new_prefix, note_html)
from ..traces.notation import BAR, DOT, fmt, node_name, paren, typeset, variable_pretty
from ..traces.tables import row_parts, table_html

#: How many table rows the player shows around the current one (the full table is a click away).
TABLE_WINDOW = 7
SPEEDS = [("slow", 1600), ("normal", 900), ("fast", 400), ("very fast", 150)]
#: Version of the data format the script reads (bumped with incompatible changes).
FORMAT = 1
_STATIC = Path(__file__).with_name("static")


# ---------------------------------------------------------------- the steps, as data

@dataclass(frozen=True)
class Step:
    """What step ``index`` shows: the row just computed, the node it sets, what it reads.

    ``arguments`` are the nodes read (values or derivatives), ``edges`` the edges ``(child, k)``
    values flow along (backwards for an adjoint), ``read_rows`` the rows that computed what is read
    (for an accumulation: also the earlier contribution it adds to), ``result_rows`` /
    ``result_nodes`` what is marked as a result, ``ops`` the elementary operations done so far
    (primal, derivative).
    """

    index: int
    row_index: int | None           # index in trace.rows (None for step 0)
    node: int | None                # the node computed / whose derivative is updated
    arguments: tuple = ()           # nodes whose value or derivative this step reads
    edges: tuple = ()               # (child, k): the edges along which values flow in this step
    backward: bool = False          # an adjoint flowing back along ``edges``
    caption: str = ""
    label: str = ""                 # the caption's lead ("Primal sweep:"), bold in the page
    read_rows: tuple = ()
    result_rows: tuple = ()
    result_nodes: tuple = ()
    flow_label: str = ""            # the amount an adjoint carries back along its edge
    ops: tuple = (0, 0)
    final: bool = False

    @property
    def caption_html(self) -> str:
        body = self.caption[len(self.label):] if self.label else self.caption
        return (f"<b>{html.escape(self.label)}</b>" if self.label else "") + html.escape(body)


def build_steps(trace, model: GraphModel | None = None) -> list[Step]:
    """Every step of the player, from the trace's rows (nothing is re-computed)."""
    model = model or GraphModel(trace)
    rows = trace.rows
    rec = trace.recording
    last = len(rows)
    steps = [Step(0, None, None, caption=_first_caption(trace), label="Nothing computed yet.")]
    primal_ops = derivative_ops = 0
    results = []  # result rows done so far
    uses = _all_uses(trace)
    for r, row in enumerate(rows):
        node = row.node if row.node >= 0 else None
        reads = tuple(sorted((set(row.reads_values) | set(row.reads_derivatives)) - {row.node}))
        edges, backward = (), False
        if row.kind in ("primal", "tangent") and row.op != "seed":
            parents = rec.nodes[row.node][1]
            edges = tuple((row.node, k) for k, p in enumerate(parents) if p is not None)
        elif row.kind == "adjoint" and row.source is not None:
            edges, backward = ((row.source, row.argument),), True
        read_rows = {model.primal_row[q] for q in row.reads_values if q in model.primal_row}
        for q in row.reads_derivatives:
            j = bisect.bisect_left(model.derivative_rows[q], r)
            if j:
                read_rows.add(model.derivative_rows[q][j - 1])
        primal_ops += row.kind == "primal"
        derivative_ops += (row.kind == "tangent" and row.op != "seed") or (
            row.kind == "adjoint" and row.op not in ("seed", "gradient"))
        final = r == last - 1
        result_rows = tuple(results) + ((r,) if final and is_result(row) else ())
        if is_result(row):
            results.append(r)
        result_nodes = ()
        if final:
            outputs = {p for p in rec.output_parents if p is not None}
            inputs = set(range(rec.n_inputs)) if trace.mode == "reverse" else set()
            result_nodes = tuple(sorted(outputs | inputs))
        label, caption = describe(row, trace, r, model, uses)
        if final:
            caption += " " + summary(trace)
        flow = ""
        if backward:
            amount = fmt(row.contribution)  # "+2", "+(−147.9)": what is added, sign and all
            flow = typeset(f"+{paren(amount)}" if row.accumulates else amount)
        steps.append(Step(r + 1, r, node, reads, edges, backward, caption, label,
                          tuple(sorted(read_rows)), result_rows, result_nodes, flow,
                          (primal_ops, derivative_ops), final))
    return steps


def _span(first: int, last: int) -> str:
    return f"step {first}" if first == last else f"steps {first}–{last}"


def _first_caption(trace) -> str:
    rows = trace.rows
    n_primal = sum(1 for r in rows if r.sweep == "primal")
    if trace.mode == "forward":
        return ("Nothing computed yet. Forward mode computes each value vᵢ together with its "
                f"tangent v̇ᵢ, node by node from the inputs to the output ({_span(1, len(rows))}). "
                "Press Next or →.")
    return ("Nothing computed yet. Reverse mode runs the primal sweep first (every value vᵢ, "
            f"{_span(1, n_primal)}), then the adjoint sweep backwards from the output (the "
            f"adjoints v̄ᵢ = ∂y/∂vᵢ, {_span(n_primal + 1, len(rows))}). Press Next or →.")


def _numbers(row) -> str:
    formula, value = row_parts(row)
    return f"{formula} = {value}"


def _name(trace, i: int, mark: str = "") -> str:
    return node_name(trace.recording.number(i), mark, pretty=True)


def _all_uses(trace) -> dict:
    """node -> the (child, k) edges that read it, in tape order."""
    uses = {}
    for i, (_, parents, _, _) in enumerate(trace.recording.nodes):
        for k, q in enumerate(parents):
            if q is not None:
                uses.setdefault(q, []).append((i, k))
    return uses


def _users_text(trace, uses) -> str:
    """``by v₂ and v₃``; ``by v₁ (twice)``."""
    counts = {}
    for child, _ in uses:
        counts[child] = counts.get(child, 0) + 1
    parts = [_name(trace, c) + ("" if n == 1 else " (twice)" if n == 2 else f" ({n} times)")
             for c, n in counts.items()]
    return "by " + (parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1])


def _times(n: int) -> str:
    return {2: "twice", 3: "three times"}.get(n, f"{n} times")


#: (kind, sweep of an output row or op of an input or seed row) -> the caption's lead, and what
#: the formula it is followed by means
_SIMPLE = {("input", "input"): ("Input:", ", the point we evaluate at"),
           ("primal", None): ("Primal sweep:", ""),
           ("output", "primal"): ("Output:", ""),
           ("output", "tangent"): ("Tangent of the output:", ", the directional derivative"),
           ("tangent", "seed"): ("Seed:", ", the direction we differentiate in"),
           ("tangent", None): ("Tangent sweep (chain rule):", ""),
           ("adjoint", "seed"): ("Adjoint sweep starts at the output:", "")}


def describe(row, trace, r: int | None = None, model: GraphModel | None = None,
             uses: dict | None = None) -> tuple[str, str]:
    """The lead and the caption of a row's step (row ``r`` of ``trace``): what happens, in words
    and as a formula. ``model`` and ``uses`` (:func:`_all_uses`) save recomputing them per row."""
    names = trace.recording.input_names
    rows = trace.rows
    r = rows.index(row) if r is None else r
    simple = _SIMPLE.get((row.kind, row.sweep if row.kind == "output" else
                          row.op if row.op in ("input", "seed") else None))
    if simple is not None:  # the formula says it all
        label, meaning = simple
        return label, f"{label} {_numbers(row)}{meaning}."
    if row.op == "gradient":
        name = variable_pretty(names[row.node]) if row.node < len(names) else "x"
        label = "Result:"
        return label, f"{label} {_numbers(row)}, the derivative ∂y/∂{name}."
    source, target = _name(trace, row.source), _name(trace, row.node)
    lhs = _name(trace, row.node, BAR)
    uses = (uses if uses is not None else _all_uses(trace)).get(row.node, [])
    term = row.term_pretty
    if row.term_numbers and typeset(row.term_numbers) != typeset(fmt(row.contribution)):
        term += f" = {typeset(row.term_numbers)}"
    term += f" = {typeset(fmt(row.contribution))}"
    if row.accumulates:
        parts = []
        updates = (model or GraphModel(trace)).derivative_rows[row.node]
        for q in updates[:bisect.bisect_right(updates, r)]:
            earlier = rows[q]
            origin = _name(trace, earlier.source) if earlier.source is not None else "the seed ȳ"
            parts.append(f"{typeset(fmt(earlier.contribution))} (from {origin})")
        label = "Adjoint sweep, fan-out:"
        return label, (f"{label} {lhs} += {term} → {lhs} = {typeset(fmt(row.value))}. {target} is "
                       f"used {_times(len(uses))} ({_users_text(trace, uses)}), so its adjoint "
                       f"adds up one contribution per use: {lhs} = {' + '.join(parts)} = "
                       f"{typeset(fmt(row.value))}.")
    label = "Adjoint sweep:"
    text = (f"{label} {_numbers(row)}. {source} uses {target}, so {source}'s adjoint flows back "
            f"to it.")
    if len(uses) > 1:
        text += (f" {target} is used {_times(len(uses))} ({_users_text(trace, uses)}): this "
                 f"is its first contribution; the others will add to it.")
    return label, text


def summary(trace) -> str:
    """The result in one sentence: the value and the gradient (reverse) or ẏ (forward)."""
    rec = trace.recording
    inputs = [variable_pretty(n) for n in rec.input_names]
    at = [_value(v) for (_, _, _, v) in rec.nodes[:rec.n_inputs]]
    point = (f"{inputs[0]} = {at[0]}" if len(inputs) == 1 else
             f"({', '.join(inputs)}) = ({', '.join(at)})")
    outputs = [variable_pretty(n) for n in rec.output_names]
    values = ", ".join(f"{n} = {_value(v)}" for n, v in zip(outputs, rec.output_values))
    scalar_out = len(rec.output_values) == 1 and np.ndim(rec.output_values[0]) == 0
    if trace.mode == "reverse":
        grads = [row for row in trace.rows if row.op == "gradient"][::-1]
        bars = ", ".join(variable_pretty(n, BAR) for n in rec.input_names)
        vals = ", ".join(_value(row.value) for row in grads)
        what = "∇f" if scalar_out and all(np.all(raw(c) == 1)
                                          for c in trace.cotangents) else "ȳᵀJ"
        many = len(inputs) > 1
        return (f"In all: at {point}, {values} and {what} = "
                f"{'(' if many else ''}{bars}{')' if many else ''} = "
                f"{'(' if many else ''}{vals}{')' if many else ''}: every input's derivative "
                f"from one primal and one adjoint sweep.")
    seeds = [_value(t) for t in trace.input_tangents]
    dots = ", ".join(variable_pretty(n, DOT) for n in rec.input_names)
    tangents = ", ".join(f"{variable_pretty(n, DOT)} = {_value(v)}"
                         for n, v in zip(outputs, (row.value for row in trace.rows
                                                   if row.kind == "output"
                                                   and row.sweep == "tangent")))
    unit = [k for k, t in enumerate(trace.input_tangents)
            if np.ndim(t) == 0 and float(t) == 1.0]
    zero = all(np.ndim(t) == 0 and float(t) == 0.0
               for k, t in enumerate(trace.input_tangents) if k not in unit)
    many = len(inputs) > 1
    direction = (f"({dots}) = ({', '.join(seeds)})" if many else f"{dots} = {seeds[0]}")
    meaning = (f"the derivative ∂{outputs[0]}/∂{inputs[unit[0]]}" if scalar_out and len(unit) == 1
               and zero else "the directional derivative along that direction")
    return (f"In all: at {point}, {values} and {tangents} for {direction}: {meaning}, from one "
            f"forward sweep (one sweep per direction).")


def _value(v) -> str:
    """A number or an array as a sentence shows it: ``−0.959``, ``[1, 2]``, ``[3×4 array]``."""
    return typeset(fmt(v))


# ---------------------------------------------------------------- what the page receives

def _timeline(entries) -> list:
    """[[step, text, pending], ...] with repeated texts dropped."""
    out = []
    for k, text, pending in entries:
        if out and out[-1][1] == text and out[-1][2] == pending:
            continue
        out.append([k, text, 1 if pending else 0])
    return out


def panel_data(trace, steps: list[Step], model: GraphModel, prefix: str,
               graph: bool, message: str | None, title: str) -> dict:
    """One trace's part of the JSON the page receives: node texts per step, rows, steps."""
    rows = trace.rows
    sweep_end = max((r for r, row in enumerate(rows) if is_derivative_update(row)),
                    default=-1) + 1
    nodes = []
    for i in range(model.n):
        done = model.primal_row.get(i, -1) + 1
        value = _timeline([(0, model.value_line(i, pending=True), True),
                           (done, model.value_line(i), False)])
        updates = model.derivative_rows[i]
        derivative = [(0, model.derivative_line(i, pending=True), True)]
        derivative += [(r + 1, model.derivative_line(i, rows[r].value, final=False), False)
                       for r in updates]
        if not updates:
            derivative.append((sweep_end, model.derivative_line(i), False))
        nodes.append([value, _timeline(derivative)])
    table = []
    for row in rows:
        text, value = row_parts(row)
        table.append([row.sweep[0], row.pretty, text, value])
    data_steps = []
    for s in steps:
        entry = {"c": s.caption_html}
        for key, value in (("n", [s.node] if s.node is not None else []),
                           ("r", list(s.arguments)), ("rr", list(s.read_rows)),
                           ("res", list(s.result_nodes)), ("rres", list(s.result_rows))):
            if value:
                entry[key] = value
        if s.edges:
            entry["e"] = [[f"e{child}_{k}", -1 if s.backward else 1] for child, k in s.edges]
        if s.row_index is not None:
            entry["row"] = s.row_index
        if s.flow_label:
            entry["f"] = s.flow_label
        if s.final:
            entry["fin"] = 1
        entry["o"] = list(s.ops)
        data_steps.append(entry)
    sections = {"p": "primal trace", "t": "tangent trace", "a": "adjoint trace"}
    return {"mode": trace.mode, "title": title, "prefix": prefix, "graph": graph,
            "message": message, "nodes": nodes, "rows": table, "steps": data_steps,
            "sections": sections, "derivative": "tangent" if trace.mode == "forward"
            else "adjoint"}


@functools.lru_cache(maxsize=None)
def _asset(name: str) -> str:
    """A file of ``adlab/static``; scripts without their comment lines and indentation (they are
    written one statement per line, no multi-line strings, so this is safe and halves their size)."""
    text = (_STATIC / name).read_text(encoding="utf-8")
    if name.endswith(".js"):
        lines = (line.strip() for line in text.splitlines())
        text = "\n".join(line for line in lines if line and not line.startswith("//"))
    return text


def _script_json(data) -> str:
    """JSON safe inside ``<script type="application/json">``."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


# ---------------------------------------------------------------- the player

class Player:
    """A step-through player of one trace (or of several, stepped together: ``%%adtrace --mode
    both``), shown as one HTML output that steps in the browser.

    Scriptable: ``len(player)``, ``player.step``, ``player.goto(k)``, ``player.next()``,
    ``player.prev()``, ``player.reset()``; ``player.caption`` is the current caption as text.
    ``player.save_html(path)`` writes a page of its own (no kernel, no internet needed).
    """

    def __init__(self, trace, graph: bool = True, table: bool = True,
                 max_nodes: int = MAX_NODES, interval: int = 900,
                 rankdir: str = "LR", note: str = "", titles=None, window: int = TABLE_WINDOW):
        traces = list(trace) if isinstance(trace, (list, tuple)) else [trace]
        for t in traces:
            if not hasattr(t, "rows") or not hasattr(t, "recording"):
                raise AdlabError(f"ad.step expects a trace from ad.forward(...) or ad.reverse(...),"
                                 f" got {type(t).__name__}.")
        self.traces = traces
        self.trace = traces[0]
        self.rows = self.trace.rows
        self.interval = interval
        self.window = window
        self.note = note
        self.show_table = table
        self.panels = []
        for n, t in enumerate(traces):
            prefix = new_prefix()
            svg, message, model = None, None, None
            if graph:
                try:
                    model, laid_out = layout(t, max_nodes, rankdir)
                    svg = laid_out.replace(TOKEN, prefix)
                except AdlabError as error:
                    message = str(error)
            model = model or GraphModel(t)
            steps = build_steps(t, model)
            title = titles[n] if titles else f"{t.mode.capitalize()} mode"
            self.panels.append({"trace": t, "prefix": prefix, "svg": svg, "message": message,
                                "model": model, "steps": steps, "title": title})
        first = self.panels[0]
        self.prefix, self.svg, self.message = first["prefix"], first["svg"], first["message"]
        self.model, self.steps = first["model"], first["steps"]
        if self.message:
            self.show_table = True
        self._step = 0
        self._bridge = _make_bridge(self)

    # -- scripting
    def __len__(self) -> int:
        return max(len(p["steps"]) for p in self.panels)

    @property
    def step(self) -> int:
        return self._step

    def _panel_step(self, panel) -> Step:
        return panel["steps"][min(self._step, len(panel["steps"]) - 1)]

    @property
    def caption(self) -> str:
        if len(self.panels) == 1:
            return self._panel_step(self.panels[0]).caption
        return "\n".join(f"{p['title']}: {self._panel_step(p).caption}" for p in self.panels)

    def goto(self, k: int) -> None:
        """Show step ``k`` (0 = nothing computed; negative counts from the end)."""
        n = len(self)
        if isinstance(k, bool) or not isinstance(k, int) or not -n <= k < n:
            raise IndexError(f"step {k!r} does not exist: this player has steps 0 to {n - 1}.")
        self._step = k % n
        if self._bridge is not None and self._bridge.step != self._step:
            self._bridge.step = self._step  # moves the player in the page

    def next(self) -> None:
        if self._step < len(self) - 1:
            self.goto(self._step + 1)

    def prev(self) -> None:
        if self._step > 0:
            self.goto(self._step - 1)

    def reset(self) -> None:
        self.goto(0)

    # -- what the page receives
    @property
    def data(self) -> dict:
        """The JSON the page's script reads: every step of every panel, sent once."""
        panels = []
        for n, p in enumerate(self.panels):
            d = panel_data(p["trace"], p["steps"], p["model"], p["prefix"], p["svg"] is not None,
                           p["message"], p["title"])
            d["image"] = n if p["svg"] is not None else None
            panels.append(d)
        return {"format": FORMAT, "key": self._bridge.key if self._bridge is not None else None,
                "step": self._step, "interval": self.interval, "speeds": SPEEDS,
                "window": self.window, "table": self.show_table, "note": self.note,
                "pending": PENDING, "panels": panels}

    def static_html(self) -> str:
        """The finished trace as plain HTML (the graph as an image, the survey's table): what
        shows where scripts do not run. Only inline styles, no ids, no ``<style>``: what
        JupyterLab's sanitizer keeps in an untrusted notebook (tests/test_browser.py checks it)."""
        parts = []
        for n, p in enumerate(self.panels):
            t = p["trace"]
            inner = [f'<div style="font-weight:600;margin:4px 0">{html.escape(p["title"])}: the '
                     f"finished trace</div>"]
            if p["message"]:
                inner.append(note_html(p["message"]))
            if p["svg"] is not None:
                alt = (f"Computation graph of the {t.mode}-mode trace: "
                       + "; ".join(p["model"].title(i) for i in range(p["model"].n)))
                inner.append(f'<img data-adl-image="{n}" alt="{html.escape(alt)}" '
                             f'src="{_svg_data_uri(p["svg"])}" '
                             f'style="max-width:100%;height:auto;display:block;margin:4px 0">')
            if self.show_table:
                inner.append(table_html(t))
            parts.append(f'<div style="flex:1 1 420px;min-width:0;max-width:100%">'
                         f'{"".join(inner)}</div>')
        hint = ('<div style="font-size:14px;margin:6px 0">Static view of the finished trace: run '
                "the cell (or open the notebook's HTML export) to step through it.</div>")
        return (f'<div class="adl-static" style="display:flex;flex-wrap:wrap;gap:16px">'
                f'{"".join(parts)}</div>{hint}')

    def _repr_html_(self) -> str:
        return (f'<div class="adl-player" data-adl-player="{FORMAT}">'
                f'<div class="adl-static-wrap">{self.static_html()}</div>'
                f'<script type="application/json" class="adl-data">{_script_json(self.data)}'
                f"</script><style>{C.css_variables()}{_asset('player.css')}</style>"
                f"<script>{_asset('player.js')}</script></div>")

    def _repr_mimebundle_(self, include=None, exclude=None):
        key = self._bridge.key if self._bridge is not None else None
        return ({"text/html": self._repr_html_(), "text/plain": repr(self)},
                {"adlab": {"player": FORMAT, "key": key}})

    def html_page(self, title: str | None = None) -> str:
        """A page of its own: the player, its script and styles inline (no kernel, no internet)."""
        title = title or f"{self.trace.recording.function_name}: {self.trace.mode} mode, step by step"
        dark = C.theme_variables(dark=True)
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                f"<title>{html.escape(title)}</title><style>body{{margin:16px 24px;"
                "background:#fff;color:#1a1a1a;font-family:-apple-system,'Segoe UI',Roboto,"
                "'Helvetica Neue',Arial,'DejaVu Sans',sans-serif}"
                "@media (prefers-color-scheme: dark){body{background:#111;color:#f2f2f2}"
                f".adl-player{{{dark}}}}}</style></head><body>"
                f"<h1 style=\"font-size:20px;font-weight:600\">{html.escape(title)}</h1>"
                f"{self._repr_html_()}</body></html>\n")

    def save_html(self, path, title: str | None = None) -> Path:
        """Write the player as a self-contained page (to put on a course site)."""
        path = Path(path)
        path.write_text(self.html_page(title), encoding="utf-8")
        return path

    def __repr__(self) -> str:
        modes = " and ".join(p["trace"].mode for p in self.panels)
        return f"<Player of a {modes} trace: step {self._step} of {len(self) - 1}>"


# ---------------------------------------------------------------- the link to a live kernel

@functools.lru_cache(maxsize=None)
def _bridge_class():
    """An anywidget model (never displayed) that carries the step between kernel and page."""
    try:
        import anywidget
        import traitlets
    except ImportError:
        return None

    class PlayerLink(anywidget.AnyWidget):
        _esm = _asset("bridge.js")
        key = traitlets.Unicode("").tag(sync=True)
        step = traitlets.Int(0).tag(sync=True)
    return PlayerLink


def _make_bridge(player):
    cls = _bridge_class()
    if cls is None:
        return None
    try:  # the key is unique across kernels: one JupyterLab page may show several notebooks
        bridge = cls(key=f"adl-{uuid.uuid4().hex[:16]}")
    except Exception:  # noqa: BLE001 - no front end to talk to: the page still steps on its own
        return None

    def moved(change):
        player._step = min(max(int(change["new"]), 0), len(player) - 1)
    bridge.observe(moved, "step")
    return bridge


def step(trace, graph: bool = True, table: bool = True, max_nodes: int = MAX_NODES,
         interval: int = 900) -> Player:
    """A step-through player of ``trace`` (see :class:`Player`); displays itself in a notebook.

    ``graph=False`` / ``table=False`` show one view only; graphs over ``max_nodes`` nodes or without
    Graphviz fall back to the table with a message saying why.
    """
    return Player(trace, graph=graph, table=table, max_nodes=max_nodes, interval=interval)
