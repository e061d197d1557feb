"""Evaluation traces as rows: the tables of Baydin et al. (2018), derived from a recording.

Rows are structured data (which node, which operation, which inputs, the formula as text and LaTeX,
the numbers substituted, the value); tables, graphs and the step-through player are views of them.
They are built only when someone looks, so differentiation never pays for text.
"""
from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np

from ..engine.tape import raw
from .notation import (BAR, DOT, accent, fmt, fmt_constant, fmt_latex, node_latex, node_name,
                       paren, summed_text, typeset, variable_latex, variable_pretty)


@dataclass(frozen=True)
class Row:
    """One line of an evaluation trace.

    ``kind`` is one of ``"input"``, ``"primal"``, ``"output"`` (primal trace), ``"tangent"``
    (forward mode) or ``"adjoint"`` (reverse mode). ``node`` is the tape index of the node the row
    defines (primal/tangent) or whose adjoint it updates; ``inputs`` are the tape indices it reads.
    For adjoint rows, ``source`` is the node whose adjoint flows back, ``contribution`` the amount
    ``v̄source · ∂vsource/∂vnode`` and ``accumulates`` says it is added to an adjoint that already had
    a value (a node used more than once: the fan-out of the survey's ``v̄-1 = v̄-1 + v̄1/v-1``).

    Structured fields for views (no formula text to parse):

    - ``pretty``: the formula as the survey typesets it, ``v̄₋₁ = v̄₋₁ + v̄₁ / v₋₁`` (subscripts,
      a true minus sign); ``formula`` keeps the plain ``v-1`` spelling that ``print(trace)`` shows;
    - ``sweep``: the trace the row belongs to, ``"primal"``, ``"tangent"`` or ``"adjoint"``
      (``ẏ = v̇5`` is a tangent row of kind ``"output"``);
    - ``reads_values`` / ``reads_derivatives``: the nodes whose value ``vk`` / derivative
      (``v̇k`` or ``v̄k``) the right-hand side reads; an accumulation reads its own earlier ``v̄``;
    - adjoint contributions: ``argument`` (which argument ``k`` of ``source`` the adjoint flows
      back through: the edge), ``term`` / ``term_pretty`` (``v̄2 × v0``) and ``term_numbers``
      (``1 × 5``), the part an accumulation adds;
    - ``numbers_latex`` / ``value_latex``: the numbers substituted and the value, in LaTeX.
    """

    kind: str
    node: int
    name: str
    op: str
    inputs: tuple
    formula: str
    latex: str
    numbers: str
    value: object
    source: int | None = None
    contribution: object = None
    accumulates: bool = False
    pretty: str = ""
    sweep: str = "primal"
    reads_values: tuple = ()
    reads_derivatives: tuple = ()
    argument: int | None = None
    term: str = ""
    term_pretty: str = ""
    term_numbers: str = ""
    numbers_latex: str = ""

    @property
    def pretty_numbers(self) -> str:
        """``numbers`` with true minus signs (``(−1) × cos 5``)."""
        return typeset(self.numbers)

    @property
    def value_latex(self) -> str:
        return fmt_latex(self.value)

    @property
    def shows_numbers(self) -> bool:
        """Whether the numbers substituted say more than the value (``1 × 5``, not ``5``/``(-5)``)."""
        value = fmt(self.value)
        return bool(self.numbers) and self.numbers not in (value, f"({value})")

    @property
    def text(self) -> str:
        """``formula = numbers = value``, as the survey prints it."""
        parts = [self.formula] + ([self.numbers] if self.shows_numbers else [])
        return " = ".join(parts + [fmt(self.value)])


# ---------------------------------------------------------------- formulas of one node
# A row is written in three styles: "plain" (v-1, what print(trace) shows), "pretty" (v₋₁, as the
# survey typesets it) and "latex" (v_{-1}); its numbers in plain text and in LaTeX.

STYLES = ("plain", "pretty", "latex")
NUMBERS = ("plain", "latex")  # the styles of substituted numbers


class _Writer:
    """One recording's names and numbers in each style, each written once."""

    def __init__(self, rec):
        self.rec = rec
        self._names: dict = {}
        self._numbers: dict = {}

    def node(self, i, style, mark=""):
        """Node ``i``'s name: ``v-1``, ``v₋₁``, ``v_{-1}`` (with a dot or a bar)."""
        names = self._names.get((style, mark))
        if names is None:
            numbers = [self.rec.number(j) for j in range(len(self.rec.nodes))]
            names = self._names[style, mark] = [
                node_latex(n, mark) if style == "latex" else node_name(n, mark, style == "pretty")
                for n in numbers]
        return names[i]

    def nodes(self, i, mark=""):
        """Node ``i``'s name in the three styles."""
        return {s: self.node(i, s, mark) for s in STYLES}

    def number(self, values, i, style):
        """``values[i]`` as a number inside a formula (brackets if negative), plain or LaTeX;
        ``values`` is one of the lists that live as long as the writer (values, tangents...)."""
        texts = self._numbers.get((id(values), style))
        if texts is None:
            texts = self._numbers[id(values), style] = [None] * len(values)
        text = texts[i]
        if text is None:
            value = values[i]
            text = texts[i] = paren(fmt_latex(value) if style == "latex" else fmt(value))
        return text

    def arguments(self, parents, args, style, mark="", values=None):
        """A node's arguments in one style: node names, or, given ``values``, their numbers."""
        out = []
        for p, a in zip(parents, args):
            if p is None:  # a constant: a negative number in brackets, v0 × (-1.2)
                constant = raw(a)
                text = fmt_constant(constant, latex=style == "latex")
                out.append(paren(text) if isinstance(constant, (float, int, np.number))
                           and not isinstance(constant, bool) else text)
            else:
                out.append(self.node(p, style, mark) if values is None else
                           self.number(values, p, style))
        return out

    def partial_symbol(self, i, p, style):
        """``∂vi/∂vp`` in one style."""
        if style == "latex":
            return rf"\frac{{\partial {self.node(i, style)}}}{{\partial {self.node(p, style)}}}"
        return f"∂{self.node(i, style)}/∂{self.node(p, style)}"


def _variable(name, mark=""):
    """An input's or output's name in the three styles: ``x̄1``, ``x̄₁``, ``\bar{x}_{1}``."""
    return {"plain": accent(name, mark) if mark else name, "pretty": variable_pretty(name, mark),
            "latex": variable_latex(name, mark)}


def _product(g, partial, latex):
    """``g × ∂``, as the survey writes it: ``g / v-1`` for ``1/v-1``, brackets where needed."""
    if latex and partial.startswith(r"\frac{1}{"):
        return r"\frac{" + g + "}{" + partial[len(r"\frac{1}{"):]
    if not latex and partial.startswith("1/"):
        return f"{g} / {paren(partial[2:])}"
    times = r" \cdot " if latex else " × "
    return f"{g}{times}{paren(partial)}"


def _tangent_template(template, args_text, tangents):
    """Fill a tangent template (see ``Primitive.tangent_text``); ``tangents[k]`` None = constant."""
    if callable(template):
        return template(args_text, tangents)
    named = {f"d{k}": "0" if t is None else t for k, t in enumerate(tangents)}
    if isinstance(template, str):
        return template.format(*args_text, **named)
    return " + ".join(term.format(*args_text, **named)
                      for term, t in zip(template, tangents) if term is not None and t is not None)


def _chain_terms(prim, args_text, grads_text, parents, latex=False, partial_symbols=None):
    """The right-hand side of a tangent row.

    Elementwise operations: ``Σ tangent_k × ∂out/∂arg_k``, simplifying ×1, ×(-1) and 1/x as the
    survey does. Structural operations: their tangent template, or the operation itself applied to
    the tangents when it is linear, or else the generic ``Σ ∂vi/∂vk · v̇k`` written with
    ``partial_symbols`` (one per argument; without them, as for substituted numbers, ``""``).
    """
    tangents = [g if p is not None else None for g, p in zip(grads_text, parents)]
    template = prim.tangent_latex if latex else prim.tangent_text
    if template is not None:
        return _tangent_template(template, args_text, tangents)
    if prim.linear:  # the tangent rule is the operation; constants (axis, index, shape) are kept
        return prim.formula([a if t is None else t for a, t in zip(args_text, tangents)], latex)
    if prim.partials is None:
        if partial_symbols is None:
            return ""
        times = r" \cdot " if latex else " · "
        return " + ".join(f"{partial_symbols[k]}{times}{t}" for k, t in enumerate(tangents)
                          if t is not None)
    templates = prim.partial_latex if latex else prim.partial_text
    text = ""
    for k, p in enumerate(parents):
        if p is None:
            continue
        partial, g = templates[k].format(*args_text), grads_text[k]
        negative = partial == "-1"
        term = g if partial in ("1", "-1") else _product(g, partial, latex)
        if not text:
            text = f"-{term}" if negative else term
        else:
            text = f"{text} {'-' if negative else '+'} {term}"
    return text


def contribution_formula(prim, k, source_text, args_text, latex=False, partial_symbol=""):
    """``v̄i × ∂vi/∂vk`` for the adjoint row, written as the survey writes it.

    Operations without a partial template (sums, indexing, ...) keep the symbol ``∂vi/∂vk``.
    """
    if prim.partials is None:
        times = r" \cdot " if latex else " · "
        return f"{source_text}{times}{partial_symbol}" if partial_symbol else ""
    templates = prim.partial_latex if latex else prim.partial_text
    return _product(source_text, templates[k].format(*args_text), latex)


def _fields(template) -> set:
    """The argument numbers a format template reads: ``"cos {0}"`` -> ``{0}``; ``{d1}`` -> ``d1``."""
    if not isinstance(template, str):
        return set()
    out = set()
    for _, field, _, _ in string.Formatter().parse(template):
        if field:
            out.add(int(field) if field.isdigit() else field)
    return out


def _traced(parents, ks) -> tuple:
    """The distinct nodes behind argument numbers ``ks`` (constants left out), in argument order."""
    nodes = []
    for k in sorted(ks):
        p = parents[k] if k < len(parents) else None
        if p is not None and p not in nodes:
            nodes.append(p)
    return tuple(nodes)


def _row(kind, node, lhs, rhs, value, op, inputs=(), numbers=("", ""), **fields) -> Row:
    """A row from its two sides, each given in the three styles (``{style: text}``)."""
    return Row(kind, node, lhs["plain"], op, inputs, f"{lhs['plain']} = {rhs['plain']}",
               f"{lhs['latex']} = {rhs['latex']}", numbers[0], value,
               pretty=f"{lhs['pretty']} = {typeset(rhs['pretty'])}", numbers_latex=numbers[1],
               **fields)


# ---------------------------------------------------------------- whole traces

def primal_rows(rec) -> list[Row]:
    """The forward primal trace: inputs, one row per operation, outputs."""
    w = _Writer(rec)
    values = [v for (_, _, _, v) in rec.nodes]
    rows = [_row("input", i, w.nodes(i), _variable(rec.input_names[i]), values[i], "input")
            for i in range(rec.n_inputs)]
    for i in range(rec.n_inputs, len(rec.nodes)):
        prim, parents, args, value = rec.nodes[i]
        rhs = {s: prim.formula(w.arguments(parents, args, s), s == "latex") for s in STYLES}
        numbers = tuple(prim.formula(w.arguments(parents, args, s, values=values), s == "latex")
                        for s in NUMBERS) if _all_scalar(args) else ("", "")
        traced = tuple(p for p in parents if p is not None)
        rows.append(_row("primal", i, w.nodes(i), rhs, value, prim.name, traced, numbers,
                         reads_values=tuple(dict.fromkeys(traced))))
    return rows + _output_rows(w, "", values)


def _output_rows(w, mark, values, output_values=None):
    rows = []
    rec, sweep = w.rec, "tangent" if mark else "primal"
    for name, parent, value in zip(rec.output_names, rec.output_parents,
                                   output_values or rec.output_values):
        lhs = _variable(name, mark)
        if parent is None:
            rows.append(Row("output", -1, lhs["plain"], "output", (), f"{lhs['plain']} (a constant)",
                            f"{lhs['latex']} = {fmt_latex(value)}", "", value,
                            pretty=f"{lhs['pretty']} (a constant)", sweep=sweep))
            continue
        reads = {"reads_derivatives" if mark else "reads_values": (parent,)}
        rows.append(_row("output", parent, lhs, w.nodes(parent, mark),
                         values[parent] if output_values is None else value, "output",
                         (parent,), sweep=sweep, **reads))
    return rows


def tangent_rows(rec, tangents) -> list[Row]:
    """The forward tangent trace: ``v̇i`` for every node, then ``ẏ``."""
    w = _Writer(rec)
    values = [v for (_, _, _, v) in rec.nodes]
    rows = [_row("tangent", i, w.nodes(i, DOT), _variable(rec.input_names[i], DOT), tangents[i],
                 "seed", sweep="tangent")
            for i in range(rec.n_inputs)]
    for i in range(rec.n_inputs, len(rec.nodes)):
        prim, parents, args, _ = rec.nodes[i]
        rhs = {s: _chain_terms(prim, w.arguments(parents, args, s),
                               w.arguments(parents, args, s, DOT), parents, s == "latex",
                               [None if p is None else w.partial_symbol(i, p, s) for p in parents])
               for s in STYLES}
        numbers = tuple(_chain_terms(prim, w.arguments(parents, args, s, values=values),
                                     w.arguments(parents, args, s, values=tangents), parents,
                                     s == "latex") for s in NUMBERS) \
            if _all_scalar(args) and (prim.partials is not None or prim.linear) else ("", "")
        reads_values, reads_derivatives = _tangent_reads(prim, parents)
        rows.append(_row("tangent", i, w.nodes(i, DOT), rhs, tangents[i], prim.name,
                         tuple(sorted({p for p in parents if p is not None} | {i})), numbers,
                         sweep="tangent", reads_values=reads_values,
                         reads_derivatives=reads_derivatives))
    output_tangents = [tangents[p] if p is not None else 0.0 for p in rec.output_parents]
    return rows + _output_rows(w, DOT, tangents, output_tangents)


def _tangent_reads(prim, parents):
    """(values, tangents) a tangent row reads, from the templates that write it."""
    traced = [k for k, p in enumerate(parents) if p is not None]
    template = prim.tangent_text
    if template is not None:
        terms = [template] if isinstance(template, str) else (
            [t for k, t in enumerate(template) if t is not None and parents[k] is not None]
            if isinstance(template, tuple) else None)
        if terms is None:  # a callable template: say it reads every argument
            return _traced(parents, traced), _traced(parents, traced)
        fields = set().union(*map(_fields, terms)) if terms else set()
        return (_traced(parents, {f for f in fields if isinstance(f, int)}),
                _traced(parents, {int(f[1:]) for f in fields if isinstance(f, str)
                                  and f[:1] == "d" and f[1:].isdigit()}))
    if prim.linear or prim.partials is None:  # v̇ = op(v̇args) or Σ ∂vi/∂vk · v̇k
        return (), _traced(parents, traced)
    fields = set().union(*(_fields(prim.partial_text[k]) for k in traced)) if traced else set()
    return (_traced(parents, {f for f in fields if isinstance(f, int)}),
            _traced(parents, traced))


def adjoint_rows(rec, steps, seeds, adjoints) -> list[Row]:
    """The reverse adjoint trace, in the order the sweep ran.

    ``steps`` are ``(i, k, p, contribution, total, accumulates)`` from the sweep: node ``i`` sends
    ``contribution`` back through its argument ``k`` to node ``p``, whose adjoint becomes ``total``.
    """
    w = _Writer(rec)
    values = [v for (_, _, _, v) in rec.nodes]
    rows = [_row("adjoint", parent, w.nodes(parent, BAR), _variable(name, BAR), seed, "seed",
                 contribution=seed, sweep="adjoint")
            for name, parent, seed in zip(rec.output_names, rec.output_parents, seeds)
            if parent is not None]
    rows += [_adjoint_row(w, values, adjoints, *step) for step in steps]
    rows += [_row("adjoint", i, _variable(rec.input_names[i], BAR), w.nodes(i, BAR),
                  adjoints[i] if adjoints[i] is not None else 0.0, "gradient", (i,),
                  sweep="adjoint", reads_derivatives=(i,) if adjoints[i] is not None else ())
             for i in reversed(range(rec.n_inputs))]
    return rows


def _adjoint_row(w, values, adjoints, i, k, p, contribution, total, accumulates) -> Row:
    """Node ``i`` sends ``contribution`` back through its argument ``k`` to node ``p``."""
    prim, parents, args, _ = w.rec.nodes[i]
    term = {s: contribution_formula(prim, k, w.node(i, s, BAR), w.arguments(parents, args, s),
                                    s == "latex", w.partial_symbol(i, p, s))
            for s in STYLES}
    term["pretty"] = typeset(term["pretty"])
    numbers = ("", "")
    if _all_scalar(args):  # v̄i is final by then
        numbers = tuple(contribution_formula(prim, k, w.number(adjoints, i, s),
                                             w.arguments(parents, args, s, values=values),
                                             s == "latex") for s in NUMBERS)
    term_numbers = numbers[0]
    axes = _broadcast_axes(np.shape(raw(values[i])), np.shape(raw(args[k]))) \
        if prim.partials is not None else None
    if axes is not None:  # the argument was broadcast: its adjoint is summed back to its shape
        term = {s: summed_text(t, axes, s == "latex") for s, t in term.items()}
    lhs, rhs = w.nodes(p, BAR), term
    if accumulates:
        rhs = {s: f"{lhs[s]} + {t}" for s, t in term.items()}
        earlier = total - contribution if numbers[0] and _is_number(total) else None
        numbers = ("", "") if earlier is None else (f"{paren(fmt(earlier))} + {numbers[0]}",
                                                   f"{paren(fmt_latex(earlier))} + {numbers[1]}")
    partial_reads = _fields(prim.partial_text[k]) if prim.partial_text else set()
    return _row("adjoint", p, lhs, rhs, total, prim.name,
                tuple(sorted({i, p} | {q for q in parents if q is not None})), numbers,
                source=i, contribution=contribution, accumulates=accumulates, sweep="adjoint",
                reads_values=_traced(parents, {f for f in partial_reads if isinstance(f, int)}),
                reads_derivatives=(i, p) if accumulates else (i,), argument=k,
                term=term["plain"], term_pretty=term["pretty"], term_numbers=term_numbers)


def _broadcast_axes(out_shape, arg_shape):
    """The axes of ``out_shape`` an argument of ``arg_shape`` was broadcast over (None if none)."""
    if out_shape == arg_shape or len(out_shape) < len(arg_shape):
        return None
    if not arg_shape:
        return ()  # a number broadcast to an array: summed over everything
    extra = len(out_shape) - len(arg_shape)
    axes = tuple(range(extra)) + tuple(extra + j for j, n in enumerate(arg_shape)
                                       if n == 1 and out_shape[extra + j] != 1)
    return axes or None


def _is_number(x) -> bool:
    return np.ndim(raw(x)) == 0


def _all_scalar(args) -> bool:
    """Substituted numbers help only when every argument is a number, not an array."""
    return all(np.ndim(raw(a)) == 0 for a in args)
