"""The step-through player: watch a trace being computed, one row at a time.

>>> import adlab as ad
>>> t = ad.reverse(lambda x1, x2: ad.log(x1) + x1 * x2 - ad.sin(x2), (2.0, 5.0))
>>> player = ad.step(t)      # displays as the player in a notebook
>>> len(player), player.step
(20, 0)
>>> player.goto(-1); player.caption
'Result: x̄1 = v̄-1 = 5.5, the derivative ∂y/∂x1.'

Step 0 is "nothing computed yet"; step k shows the trace just after its row k-1: the primal sweep
(inputs, one node per row, the outputs), then the derivative sweep (forward: ``v̇`` node by node;
reverse: the seed ``v̄ = ȳ``, then one step per contribution, so an accumulation into a node used
several times is its own step, then the gradient read off). The graph is laid out once; a step only
swaps a small ``<style>`` block (and re-renders a window of the table).
"""
from __future__ import annotations

import bisect
import html
import re
from dataclasses import dataclass

from . import palette as C
from . import render
from .errors import AdlabError
from .rows import fmt

#: How many table rows the player shows around the current one.
TABLE_WINDOW = 24
_PLAIN_NAME = re.compile(r"\bv(-?\d+)")  # v0, v-1 but not v̄0 / v̇0 (an accent follows the v)
SPEEDS = [("slow", 1600), ("normal", 900), ("fast", 400), ("very fast", 150)]


# ---------------------------------------------------------------- the steps, as data

@dataclass(frozen=True)
class Step:
    """What step ``index`` shows: the row just computed, the node it sets, what it reads."""

    index: int
    row_index: int | None           # index in trace.rows (None for step 0)
    node: int | None                # the node computed / whose derivative is updated
    arguments: tuple = ()           # nodes whose values this step reads
    edges: tuple = ()               # (child, k): the edges along which values flow in this step
    backward: bool = False          # an adjoint flowing back along ``edges``
    caption: str = ""


def build_steps(trace) -> list[Step]:
    """Every step of the player, from the trace's rows (nothing is re-computed)."""
    rec = trace.recording
    rows = trace.rows
    steps = [Step(0, None, None, caption=_first_caption(trace))]
    for r, row in enumerate(rows):
        node = row.node if row.node >= 0 else None
        arguments, edges, backward = (), (), False
        if row.kind in ("primal", "tangent") and row.op not in ("seed",):
            parents = rec.nodes[row.node][1]
            arguments = tuple(sorted({p for p in parents if p is not None}))
            edges = tuple((row.node, k) for k, p in enumerate(parents) if p is not None)
        elif row.kind == "adjoint" and row.source is not None:
            parents = rec.nodes[row.source][1]
            # v̄source and the values the partial derivative reads (plain names on the right)
            rhs = row.formula.split("=", 1)[1]
            used = {int(m) + rec.n_inputs - 1 for m in _PLAIN_NAME.findall(rhs)}
            arguments = tuple(sorted(({row.source} | used) - {row.node}))
            edges = tuple((row.source, k) for k, p in enumerate(parents) if p == row.node)
            backward = True
        steps.append(Step(r + 1, r, node, arguments, edges, backward, describe(row, trace)))
    return steps


def _first_caption(trace) -> str:
    if trace.mode == "forward":
        return ("Nothing computed yet. Press ▶: forward mode computes each node's value vi and "
                "its tangent v̇i together, node by node, from the inputs to the output.")
    return ("Nothing computed yet. Press ▶: reverse mode first runs the primal sweep (all the "
            "values vi), then the adjoint sweep backwards from the output (the adjoints v̄i).")


def _numbers(row) -> str:
    formula, value = render.row_parts(row)
    return f"{formula} = {value}"


def describe(row, trace) -> str:
    """The caption of a row's step: what happens, in words and as a formula."""
    names = trace.recording.input_names
    if row.kind == "input":
        return f"Input: {_numbers(row)}, the point we evaluate at."
    if row.kind == "primal":
        return f"Primal sweep: {_numbers(row)}."
    if row.kind == "output":
        if "\u0307" in row.name:
            return f"Tangent of the output: {_numbers(row)}, the directional derivative."
        return f"Output: {_numbers(row)}."
    if row.kind == "tangent":
        if row.op == "seed":
            return f"Seed: {_numbers(row)}, the direction we differentiate in."
        return f"Tangent sweep (chain rule): {_numbers(row)}."
    # adjoint rows
    if row.op == "seed":
        return f"Adjoint sweep starts at the output: {_numbers(row)}."
    if row.op == "gradient":
        name = names[row.node] if row.node < len(names) else "x"
        return f"Result: {_numbers(row)}, the derivative ∂y/∂{name}."
    source = f"v{row.source - trace.recording.n_inputs + 1}"
    lhs = row.name
    if row.accumulates:
        term = row.formula.split(" + ", 1)[1]
        numbers = row.numbers.split(" + ", 1)[1] if row.numbers else ""
        term_text = f"{term} = {numbers}" if numbers else term
        if numbers != fmt(row.contribution):
            term_text += f" = {fmt(row.contribution)}"
        node = lhs.replace("\u0304", "")
        return (f"Adjoint sweep, accumulation: {lhs} += {term_text} → {lhs} = {fmt(row.value)}. "
                f"{node} is used more than once "
                f"(fan-out): its adjoint adds up one contribution per use; this one flows back "
                f"from {source}.")
    return (f"Adjoint sweep: {_numbers(row)}. {source} uses {lhs.replace(chr(0x304), '')}, "
            f"so {source}'s adjoint flows back to it.")


# ---------------------------------------------------------------- the SVG, made steppable

def steppable_svg(svg: str, model: render.GraphModel, rows, prefix: str) -> str:
    """The laid-out SVG with, in every node, one ``<text>`` per state of its value and derivative
    lines ("not yet computed", then each value it takes); a step's CSS shows one of each."""
    derivative_texts = _derivative_variants(model, rows, prefix)

    def node(match):
        i = int(match.group(1))
        body = match.group(2)
        texts = list(re.finditer(r"<text([^>]*)>(.*?)</text>", body, flags=re.S))
        if len(texts) < 3:
            return match.group(0)
        value_attrs, deriv_attrs = texts[1].group(1), texts[2].group(1)
        variants = [(f"{prefix}a{i}", render.PENDING), (f"{prefix}b{i}", model.value_line(i))]
        value = "".join(_text(value_attrs, tid, t, prefix) for tid, t in variants)
        deriv = "".join(_text(deriv_attrs, tid, t, prefix) for tid, t in derivative_texts[i])
        return (match.group(0)[:match.start(2) - match.start(0)] + body[:texts[1].start()]
                + value + deriv + body[texts[2].end():] + "</g>")

    return re.sub(rf'<g id="{re.escape(prefix)}n(\d+)" class="node[^"]*">(.*?)</g>', node, svg,
                  flags=re.S)


def _text(attrs: str, tid: str, content: str, prefix: str) -> str:
    return f'<text{attrs} id="{tid}" class="{prefix}var">{html.escape(content)}</text>'


def _derivative_variants(model, rows, prefix):
    out = {}
    mark = model.mark
    for i in range(model.n):
        name = f"v{mark}{i - model.n_inputs + 1}"
        variants = [(f"{prefix}c{i}", f"{name} {render.PENDING}")]
        variants += [(f"{prefix}d{r}", model.derivative_line(i, rows[r].value, final=False))
                     for r in model.derivative_rows[i]]
        if not model.derivative_rows[i]:
            variants.append((f"{prefix}z{i}", model.derivative_line(i, None, final=False)))
        out[i] = variants
    return out


def graph_css(model: render.GraphModel, step: Step, prefix: str, sweep_end: int) -> str:
    """The ``<style>`` of one step: which text variant each node shows, what is highlighted."""
    k = step.index  # rows[:k] are done
    shown, faded = [], []
    for i in range(model.n):
        done = model.primal_row.get(i, -1) < k
        shown.append(f"#{prefix}{'b' if done else 'a'}{i}")
        if not done:
            faded.append(f"#{prefix}n{i}")
        updates = model.derivative_rows[i]
        j = bisect.bisect_left(updates, k)  # updates[:j] are done
        if j:
            shown.append(f"#{prefix}d{updates[j - 1]}")
        elif not updates and k >= sweep_end:
            shown.append(f"#{prefix}z{i}")
        else:
            shown.append(f"#{prefix}c{i}")
    rules = [f".{prefix}var{{display:none}}", ",".join(shown) + "{display:inline}"]
    if faded:
        rules.append(",".join(faded) + "{opacity:0.45}")
    for p in step.arguments:
        rules.append(f"#{prefix}n{p}>path:first-of-type{{fill:{C.ARGUMENT_FILL}}}"
                     f"#{prefix}n{p}>path{{stroke:{C.BLUE};stroke-width:2.5px}}")
    if step.node is not None:
        fill = C.ADJOINT_FILL if step.backward else C.ACTIVE_FILL
        rules.append(f"#{prefix}n{step.node}>path:first-of-type{{fill:{fill}}}"
                     f"#{prefix}n{step.node}>path{{stroke:{C.ACTIVE};stroke-width:3.5px}}")
    colour = C.ADJOINT_FLOW if step.backward else C.ACTIVE
    dash = "stroke-dasharray:6 3;" if step.backward else ""
    for child, k_arg in step.edges:
        e = f"#{prefix}e{child}_{k_arg}"
        rules.append(f"{e} path{{stroke:{colour};stroke-width:3px;{dash}}}"
                     f"{e} polygon{{fill:{colour};stroke:{colour}}}")
    return "<style>" + "\n".join(rules) + "</style>"


# ---------------------------------------------------------------- the table around the step

def table_html(rows, step: Step, argument_rows: set, prefix: str,
               window: int = TABLE_WINDOW) -> str:
    """The rows around the current step; done rows show values, later ones "not yet computed"."""
    k = step.index
    start = max(0, min(k - window // 2, len(rows) - window))
    stop = min(len(rows), start + window)
    cell = render.CELL_CSS
    out = [f'<table id="{prefix}tbl" style="{render.TABLE_CSS}"><thead><tr>'
           f'<th style="{cell}">#</th><th style="{cell}">row of the trace</th>'
           f'<th style="{cell}">value</th></tr></thead><tbody>']
    if start > 0:
        out.append(f'<tr><td style="{cell}" colspan="3">… {start} rows above</td></tr>')
    for r in range(start, stop):
        row = rows[r]
        formula, value = render.row_parts(row)
        if r < k:
            text, value_cell, style = formula, value, ""
        else:
            text, value_cell, style = row.formula, render.PENDING, "opacity:0.5;font-style:italic;"
        state = "pending" if r >= k else "done"
        if r == k - 1:
            state, style = "current", f"background:{C.ACTIVE_FILL};color:{C.TEXT};font-weight:bold;"
        elif r in argument_rows:
            state, style = "argument", f"background:{C.ARGUMENT_FILL};color:{C.TEXT};"
        out.append(f'<tr id="{prefix}r{r}" class="{state}" style="{style}">'
                   f'<td style="{cell}">{r + 1}</td><td style="{cell}">{html.escape(text)}</td>'
                   f'<td style="{cell}">{html.escape(value_cell)}</td></tr>')
    if stop < len(rows):
        out.append(f'<tr><td style="{cell}" colspan="3">… {len(rows) - stop} rows below'
                   f"</td></tr>")
    return "".join(out) + "</tbody></table>"


def argument_rows(model: render.GraphModel, rows, step: Step) -> set:
    """The rows that computed the values this step reads (highlighted with its arguments)."""
    if step.row_index is None:
        return set()
    out = {model.primal_row[p] for p in step.arguments if p in model.primal_row}
    row = rows[step.row_index]
    if row.kind == "tangent":  # also the tangents it combines
        for p in step.arguments:
            out.update(r for r in model.derivative_rows[p] if r < step.row_index)
    elif row.kind == "adjoint" and row.source is not None:
        out.update(r for r in model.derivative_rows[row.source] if r < step.row_index)
    elif row.kind in ("output", "adjoint") and row.node >= 0:  # y = v5, x̄1 = v̄-1: their source
        source = model.derivative_rows[row.node] if row.kind == "adjoint" or "\u0307" in row.name \
            else [model.primal_row.get(row.node, -1)]
        out.update(r for r in source if 0 <= r < step.row_index)
    return out


# ---------------------------------------------------------------- the player

class Player:
    """An ipywidgets player of a trace: ◀ ▶, Play with a speed, a slider and a reset.

    Scriptable: ``len(player)``, ``player.step``, ``player.goto(k)``, ``player.next()``,
    ``player.prev()``, ``player.reset()``; ``player.caption`` is the current caption as text.
    """

    def __init__(self, trace, graph: bool = True, table: bool = True,
                 max_nodes: int = render.MAX_NODES, interval: int = 900):
        import ipywidgets as widgets
        if not hasattr(trace, "rows") or not hasattr(trace, "recording"):
            raise AdlabError(f"ad.step expects a trace from ad.forward(...) or ad.reverse(...), "
                             f"got {type(trace).__name__}.")
        self.trace = trace
        self.rows = trace.rows
        self.prefix = render.new_prefix()
        self.message = None
        self.svg = None
        self.model = None
        if graph:
            try:
                self.model, laid_out = render.layout(trace, max_nodes)
                self.svg = steppable_svg(laid_out.replace(render.TOKEN, self.prefix), self.model,
                                         self.rows, self.prefix)
            except AdlabError as error:
                self.message, table = str(error), True
        if self.model is None:
            self.model = render.GraphModel(trace)
        self.show_table = table
        self.steps = build_steps(trace)
        updates = [r for r, row in enumerate(self.rows) if render.is_derivative_update(row)]
        self._sweep_end = updates[-1] + 1 if updates else 0

        last = len(self.steps) - 1
        self.play = widgets.Play(value=0, min=0, max=last, step=1, interval=interval,
                                 description="play", tooltip="play the steps")
        self.slider = widgets.IntSlider(value=0, min=0, max=last, description="step",
                                        continuous_update=True)
        widgets.jslink((self.play, "value"), (self.slider, "value"))
        self.speed = widgets.Dropdown(options=SPEEDS, value=interval if interval in dict(
            SPEEDS).values() else SPEEDS[1][1], description="speed",
            layout=widgets.Layout(width="170px"))
        self.speed.observe(lambda change: setattr(self.play, "interval", change["new"]), "value")
        self.prev_button = widgets.Button(description="◀", tooltip="previous step",
                                          layout=widgets.Layout(width="44px"))
        self.next_button = widgets.Button(description="▶", tooltip="next step",
                                          layout=widgets.Layout(width="44px"))
        self.reset_button = widgets.Button(description="reset", tooltip="back to step 0",
                                           layout=widgets.Layout(width="64px"))
        self.prev_button.on_click(lambda _: self.prev())
        self.next_button.on_click(lambda _: self.next())
        self.reset_button.on_click(lambda _: self.reset())
        self.slider.observe(lambda change: self._show(change["new"]), "value")

        self.caption_html = widgets.HTML()
        self.style_html = widgets.HTML()
        self.graph_html = widgets.HTML(
            f'<div id="{self.prefix}graph" style="overflow:auto;max-width:100%">{self.svg}</div>'
            if self.svg is not None else "")
        self.table_html = widgets.HTML()
        views = [w for w, on in ((self.graph_html, self.svg is not None),
                                 (self.table_html, self.show_table)) if on]
        notes = [widgets.HTML(render._note(self.message))] if self.message else []
        self.widget = widgets.VBox(notes + [
            widgets.HBox([self.reset_button, self.prev_button, self.next_button, self.play,
                          self.slider, self.speed]),
            self.caption_html, self.style_html,
            widgets.HBox(views, layout=widgets.Layout(flex_flow="row wrap",
                                                      align_items="flex-start"))])
        self._step = -1
        self._show(0)

    # -- scripting
    def __len__(self) -> int:
        return len(self.steps)

    @property
    def step(self) -> int:
        return self._step

    @property
    def caption(self) -> str:
        return self.steps[self._step].caption

    def goto(self, k: int) -> None:
        """Show step ``k`` (0 = nothing computed; negative counts from the end)."""
        n = len(self.steps)
        if not isinstance(k, int) or not -n <= k < n:
            raise IndexError(f"step {k!r} does not exist: this player has steps 0 to {n - 1}.")
        k %= n
        if self.slider.value != k:
            self.slider.value = k  # the observer shows it (and the browser's Play follows)
        else:
            self._show(k)

    def next(self) -> None:
        if self._step < len(self.steps) - 1:
            self.goto(self._step + 1)

    def prev(self) -> None:
        if self._step > 0:
            self.goto(self._step - 1)

    def reset(self) -> None:
        self.play.playing = False
        self.goto(0)

    # -- drawing
    def _show(self, k: int) -> None:
        if k == self._step:
            return
        self._step = k
        step = self.steps[k]
        total = len(self.steps) - 1
        self.caption_html.value = (
            f'<div style="font-size:14px;padding:4px 0"><b>Step {k} of {total}.</b> '
            f"{html.escape(step.caption)}</div>")
        if self.svg is not None:
            self.style_html.value = graph_css(self.model, step, self.prefix, self._sweep_end)
        if self.show_table:
            self.table_html.value = table_html(self.rows, step,
                                               argument_rows(self.model, self.rows, step),
                                               self.prefix)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"<Player of a {self.trace.mode} trace: step {self._step} of {len(self) - 1}>"


def step(trace, graph: bool = True, table: bool = True, max_nodes: int = render.MAX_NODES,
         interval: int = 900) -> Player:
    """A step-through player of ``trace`` (see :class:`Player`); displays itself in a notebook.

    ``graph=False`` / ``table=False`` show one view only; graphs over ``max_nodes`` nodes or without
    Graphviz fall back to the table with a message saying why.
    """
    return Player(trace, graph=graph, table=table, max_nodes=max_nodes, interval=interval)
