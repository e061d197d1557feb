"""Evaluation traces as rows: the tables of Baydin et al. (2018), derived from a recording.

Rows are structured data (which node, which operation, which inputs, the formula as text and LaTeX,
the numbers substituted, the value); tables, graphs and the step-through player are views of them.
They are built only when someone looks, so differentiation never pays for text.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass

import numpy as np

from .tracing import raw

DOT, BAR = "\u0307", "\u0304"  # combining dot and bar: v̇, v̄


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
      (``1 × 5``), the part an accumulation adds.
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

    @property
    def pretty_numbers(self) -> str:
        """``numbers`` with true minus signs (``(−1) × cos 5``)."""
        return typeset(self.numbers)

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


# ---------------------------------------------------------------- numbers and names

def fmt(value) -> str:
    """A number as the survey prints it (3 decimals, no trailing zeros); arrays by their shape."""
    value = raw(value)
    if isinstance(value, np.ndarray) and value.ndim > 0:
        if value.size <= 4 and value.ndim == 1:
            return "[" + ", ".join(fmt(float(v)) for v in value) + "]"
        return f"[{'×'.join(map(str, value.shape))} array]"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if v != v or v in (float("inf"), float("-inf")):
        return str(v)
    if v == 0:
        return "0"
    if 1e-3 <= abs(v) < 1e6:
        text = f"{v:.3f}".rstrip("0").rstrip(".")
        return text if text not in ("0", "-0") else f"{v:.3g}"
    return f"{v:.3e}"


def fmt_constant(value) -> str:
    """A constant argument (a number, an index, an axis) as it appears inside a formula."""
    if isinstance(value, slice):
        parts = ["" if p is None else str(p) for p in (value.start, value.stop, value.step)]
        return ":".join(parts[:2] if value.step is None else parts)
    if isinstance(value, tuple):
        return ", ".join(fmt_constant(v) for v in value)
    if value is None or isinstance(value, (bool, str)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(value)
    return fmt(value)


def paren(text: str) -> str:
    """Parenthesise a number or term that would be ambiguous inside a longer formula."""
    if _enclosed(text):
        return text
    if text.startswith("-") or " + " in text or " - " in text:
        return f"({text})"
    return text


def _enclosed(text: str) -> bool:
    """Whether one pair of parentheses encloses all of ``text`` after a function's name, if any:
    ``(1 + v4)`` and ``σ(v0 - v1)``, not ``(a) + (b)``."""
    text = re.sub(r"^[^\W\d]\w*(?=\()", "", text)  # σ(...), exp(...): a function applied
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and i < len(text) - 1:
            return False
    return True


_SUBSCRIPT = str.maketrans("-0123456789", "₋₀₁₂₃₄₅₆₇₈₉")
MINUS = "\u2212"


def subscript(text) -> str:
    """``-1`` -> ``₋₁``."""
    return str(text).translate(_SUBSCRIPT)


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def typeset(text: str) -> str:
    """As the survey prints it: true minus signs (``v4 - v3`` -> ``v4 − v3``) and integer powers
    as superscripts (``v7^2`` -> ``v7²``, ``x^(-1)`` -> ``x⁻¹``)."""
    text = re.sub(r"\^\((-\d+)\)|\^(\d+)(?![\d.])",
                  lambda m: (m.group(1) or m.group(2)).translate(_SUPERSCRIPT), text)
    return text.replace("-", MINUS)


def node_name(number: int, mark: str = "", pretty: bool = False) -> str:
    """``v-1`` (plain) or ``v₋₁`` (pretty), with a dot or bar: ``v̄₋₁``."""
    return f"v{mark}{subscript(number) if pretty else number}"


def variable_pretty(name: str, mark: str = "") -> str:
    """``x1`` -> ``x₁``, ``x_2`` -> ``x₂`` (trailing digits as a subscript), accented if asked."""
    match = re.fullmatch(r"([A-Za-z]+)_?(\d+)", name)
    if match:
        name = match.group(1) + subscript(match.group(2))
    return accent(name, mark) if mark else name


def node_latex(number: int, mark: str = "") -> str:
    base = {"": "v", DOT: r"\dot{v}", BAR: r"\bar{v}"}[mark]
    return f"{base}_{{{number}}}"


def variable_latex(name: str, mark: str = "") -> str:
    """``x1`` -> ``x_{1}``; ``w[0]`` -> ``w_{[0]}``; with a dot or bar accent if asked."""
    match = re.fullmatch(r"([A-Za-z]+)_?(\d+|\[.*\])?", name)
    base, sub = (match.group(1), match.group(2)) if match else (rf"\mathrm{{{name}}}", None)
    if len(base) > 1 and match:
        base = rf"\mathrm{{{base}}}"
    if mark:
        base = (r"\dot{" if mark == DOT else r"\bar{") + base + "}"
    return f"{base}_{{{sub}}}" if sub else base


def accent(name: str, mark: str) -> str:
    """Put a dot or bar on a variable's name: ``x1`` -> ``ẋ1``, ``x₂`` -> ``x̄₂``.

    A bar over a longer name covers the whole word, as LaTeX's ``\\bar{\\mathrm{params}}``
    does: ``params['w']`` -> ``p̅a̅r̅a̅m̅s̅['w']`` (U+0305 joins into one overline); a dot goes on
    the first letter.
    """
    word = re.match(r"[A-Za-z]*", name).group(0)
    if mark == BAR and len(word) > 1:
        return "".join(c + "\u0305" for c in word) + name[len(word):]
    return name[0] + mark + name[1:]


# ---------------------------------------------------------------- formulas of one node

def _template(template, args):
    return template(args) if callable(template) else template.format(*args)


def primal_formula(prim, args_text, latex=False):
    return _template(prim.latex if latex else prim.text, args_text)


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
        return _template(prim.latex if latex else prim.text,
                         [a if t is None else t for a, t in zip(args_text, tangents)])
    if prim.partials is None:
        if partial_symbols is None:
            return ""
        times = r" \cdot " if latex else " · "
        return " + ".join(f"{partial_symbols[k]}{times}{t}" for k, t in enumerate(tangents)
                          if t is not None)
    templates = prim.partial_latex if latex else prim.partial_text
    times = r" \cdot " if latex else " × "
    text = ""
    for k, p in enumerate(parents):
        if p is None:
            continue
        partial, g = templates[k].format(*args_text), grads_text[k]
        sign = "+"
        if partial == "1":
            term = g
        elif partial == "-1":
            sign, term = "-", g
        elif latex and partial.startswith(r"\frac{1}{"):
            term = r"\frac{" + g + "}{" + partial[len(r"\frac{1}{"):]
        elif not latex and partial.startswith("1/"):
            term = f"{g} / {paren(partial[2:])}"
        else:
            term = f"{g}{times}{paren(partial)}"
        text = (f"-{term}" if sign == "-" else term) if not text else f"{text} {sign} {term}"
    return text


def contribution_formula(prim, k, source_text, args_text, latex=False, partial_symbol=""):
    """``v̄i × ∂vi/∂vk`` for the adjoint row, written as the survey writes it.

    Operations without a partial template (sums, indexing, ...) keep the symbol ``∂vi/∂vk``.
    """
    if prim.partials is None:
        times = r" \cdot " if latex else " · "
        return f"{source_text}{times}{partial_symbol}" if partial_symbol else ""
    templates = prim.partial_latex if latex else prim.partial_text
    partial = templates[k].format(*args_text)
    times = r" \cdot " if latex else " × "
    if latex and partial.startswith(r"\frac{1}{"):
        return r"\frac{" + source_text + "}{" + partial[len(r"\frac{1}{"):]
    if not latex and partial.startswith("1/"):
        return f"{source_text} / {paren(partial[2:])}"
    return f"{source_text}{times}{paren(partial) if partial != '-1' else '(-1)'}"


# ---------------------------------------------------------------- whole traces

def _arg_texts(rec, parents, args, mark="", latex=False, values=None, pretty=False):
    """Names (or numbers, when ``values`` is given) of a node's arguments."""
    out = []
    for p, a in zip(parents, args):
        if p is None:
            constant = raw(a)
            text = fmt_constant(constant)  # a negative number in brackets: v0 × (-1.2)
            out.append(paren(text) if isinstance(constant, (float, int, np.number))
                       and not isinstance(constant, bool) else text)
        elif values is not None:
            out.append(paren(fmt(values[p])))
        else:
            number = p - rec.n_inputs + 1
            out.append(node_latex(number, mark) if latex else node_name(number, mark, pretty))
    return out


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


def primal_rows(rec) -> list[Row]:
    """The forward primal trace: inputs, one row per operation, outputs."""
    rows = []
    n = rec.n_inputs
    values = [v for (_, _, _, v) in rec.nodes]
    for i in range(n):
        number = i - n + 1
        rows.append(Row("input", i, node_name(number), "input", (),
                        f"{node_name(number)} = {rec.input_names[i]}",
                        f"{node_latex(number)} = {variable_latex(rec.input_names[i])}",
                        "", values[i],
                        pretty=f"{node_name(number, pretty=True)} = "
                               f"{variable_pretty(rec.input_names[i])}"))
    for i in range(n, len(rec.nodes)):
        prim, parents, args, value = rec.nodes[i]
        number = i - n + 1
        rhs = primal_formula(prim, _arg_texts(rec, parents, args))
        rhs_pretty = primal_formula(prim, _arg_texts(rec, parents, args, pretty=True))
        rhs_latex = primal_formula(prim, _arg_texts(rec, parents, args, latex=True), latex=True)
        numbers = primal_formula(prim, _arg_texts(rec, parents, args, values=values)) \
            if _all_scalar(args) else ""
        traced = tuple(p for p in parents if p is not None)
        rows.append(Row("primal", i, node_name(number), prim.name, traced,
                        f"{node_name(number)} = {rhs}", f"{node_latex(number)} = {rhs_latex}",
                        numbers, value,
                        pretty=f"{node_name(number, pretty=True)} = {typeset(rhs_pretty)}",
                        reads_values=tuple(dict.fromkeys(traced))))
    rows += _output_rows(rec, "", values)
    return rows


def _output_rows(rec, mark, values, output_values=None):
    rows = []
    sweep = "tangent" if mark else "primal"
    for name, parent, value in zip(rec.output_names, rec.output_parents,
                                   output_values or rec.output_values):
        lhs, lhs_latex = accent(name, mark) if mark else name, variable_latex(name, mark)
        lhs_pretty = variable_pretty(name, mark)
        if parent is None:
            rows.append(Row("output", -1, lhs, "output", (), f"{lhs} (a constant)",
                            f"{lhs_latex} = {fmt(value)}", "", value,
                            pretty=f"{lhs_pretty} (a constant)", sweep=sweep))
            continue
        number = parent - rec.n_inputs + 1
        reads = {"reads_derivatives" if mark else "reads_values": (parent,)}
        rows.append(Row("output", parent, lhs, "output", (parent,),
                        f"{lhs} = {node_name(number, mark)}",
                        f"{lhs_latex} = {node_latex(number, mark)}", "",
                        values[parent] if output_values is None else value,
                        pretty=f"{lhs_pretty} = {node_name(number, mark, pretty=True)}",
                        sweep=sweep, **reads))
    return rows


def tangent_rows(rec, tangents) -> list[Row]:
    """The forward tangent trace: ``v̇i`` for every node, then ``ẏ``."""
    rows = []
    n = rec.n_inputs
    values = [v for (_, _, _, v) in rec.nodes]
    for i in range(n):
        number = i - n + 1
        name = node_name(number, DOT)
        rows.append(Row("tangent", i, name, "seed", (), f"{name} = {accent(rec.input_names[i], DOT)}",
                        f"{node_latex(number, DOT)} = {variable_latex(rec.input_names[i], DOT)}",
                        "", tangents[i], sweep="tangent",
                        pretty=f"{node_name(number, DOT, pretty=True)} = "
                               f"{variable_pretty(rec.input_names[i], DOT)}"))
    for i in range(n, len(rec.nodes)):
        prim, parents, args, _ = rec.nodes[i]
        number = i - n + 1
        name = node_name(number, DOT)
        grads = _arg_texts(rec, parents, args, DOT)
        rhs = _chain_terms(prim, _arg_texts(rec, parents, args), grads, parents,
                           partial_symbols=_partial_symbols(rec, i, parents))
        rhs_pretty = _chain_terms(prim, _arg_texts(rec, parents, args, pretty=True),
                                  _arg_texts(rec, parents, args, DOT, pretty=True), parents,
                                  partial_symbols=_partial_symbols(rec, i, parents, pretty=True))
        reads_values, reads_derivatives = _tangent_reads(prim, parents)
        rhs_latex = _chain_terms(prim, _arg_texts(rec, parents, args, latex=True),
                                 _arg_texts(rec, parents, args, DOT, latex=True), parents,
                                 latex=True,
                                 partial_symbols=_partial_symbols(rec, i, parents, latex=True))
        numbers = _chain_terms(prim, _arg_texts(rec, parents, args, values=values),
                               _arg_texts(rec, parents, args, values=tangents), parents) \
            if _all_scalar(args) and (prim.partials is not None or prim.linear) else ""
        rows.append(Row("tangent", i, name, prim.name,
                        tuple(sorted({p for p in parents if p is not None} | {i})),
                        f"{name} = {rhs}", f"{node_latex(number, DOT)} = {rhs_latex}", numbers,
                        tangents[i], sweep="tangent",
                        pretty=f"{node_name(number, DOT, pretty=True)} = {typeset(rhs_pretty)}",
                        reads_values=reads_values, reads_derivatives=reads_derivatives))
    output_tangents = [tangents[p] if p is not None else 0.0 for p in rec.output_parents]
    rows += _output_rows(rec, DOT, tangents, output_tangents)
    return rows


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


def _partial_symbols(rec, i, parents, latex=False, pretty=False):
    """``∂vi/∂vk`` for each traced argument of node ``i`` (None for constants)."""
    n = rec.n_inputs
    if latex:
        return [None if p is None else
                rf"\frac{{\partial {node_latex(i - n + 1)}}}{{\partial {node_latex(p - n + 1)}}}"
                for p in parents]
    return [None if p is None else
            f"∂{node_name(i - n + 1, pretty=pretty)}/∂{node_name(p - n + 1, pretty=pretty)}"
            for p in parents]


def adjoint_rows(rec, steps, seeds, adjoints) -> list[Row]:
    """The reverse adjoint trace, in the order the sweep ran.

    ``steps`` are ``(i, k, p, contribution, total, accumulates)`` from the sweep: node ``i`` sends
    ``contribution`` back through its argument ``k`` to node ``p``, whose adjoint becomes ``total``.
    """
    rows = []
    n = rec.n_inputs
    values = [v for (_, _, _, v) in rec.nodes]
    for (name, parent), seed in zip(zip(rec.output_names, rec.output_parents), seeds):
        if parent is None:
            continue
        number = parent - n + 1
        lhs = node_name(number, BAR)
        rows.append(Row("adjoint", parent, lhs, "seed", (), f"{lhs} = {accent(name, BAR)}",
                        f"{node_latex(number, BAR)} = {variable_latex(name, BAR)}", "", seed,
                        contribution=seed, sweep="adjoint",
                        pretty=f"{node_name(number, BAR, pretty=True)} = "
                               f"{variable_pretty(name, BAR)}"))
    for i, k, p, contribution, total, accumulates in steps:
        prim, parents, args, _ = rec.nodes[i]
        src, dst = i - n + 1, p - n + 1
        lhs, lhs_latex = node_name(dst, BAR), node_latex(dst, BAR)
        lhs_pretty = node_name(dst, BAR, pretty=True)
        term = contribution_formula(prim, k, node_name(src, BAR), _arg_texts(rec, parents, args),
                                    partial_symbol=f"∂{node_name(src)}/∂{node_name(dst)}")
        term_pretty = typeset(contribution_formula(
            prim, k, node_name(src, BAR, pretty=True), _arg_texts(rec, parents, args, pretty=True),
            partial_symbol=f"∂{node_name(src, pretty=True)}/∂{node_name(dst, pretty=True)}"))
        term_latex = contribution_formula(
            prim, k, node_latex(src, BAR), _arg_texts(rec, parents, args, latex=True), latex=True,
            partial_symbol=rf"\frac{{\partial {node_latex(src)}}}{{\partial {node_latex(dst)}}}")
        term_numbers = contribution_formula(prim, k, paren(fmt(adjoints[i])),  # final by then
                                            _arg_texts(rec, parents, args, values=values)) \
            if _all_scalar(args) else ""
        numbers = term_numbers
        axes = _broadcast_axes(np.shape(raw(values[i])), np.shape(raw(args[k]))) \
            if prim.partials is not None else None
        if axes is not None:  # the argument was broadcast: its adjoint is summed back to its shape
            term, term_latex = summed_text(term, axes), summed_text(term_latex, axes, latex=True)
            term_pretty = summed_text(term_pretty, axes)
        if accumulates:
            formula, latex = f"{lhs} = {lhs} + {term}", f"{lhs_latex} = {lhs_latex} + {term_latex}"
            pretty = f"{lhs_pretty} = {lhs_pretty} + {term_pretty}"
            numbers = f"{paren(fmt(total - contribution))} + {numbers}" \
                if numbers and _is_number(total) else ""
        else:
            formula, latex = f"{lhs} = {term}", f"{lhs_latex} = {term_latex}"
            pretty = f"{lhs_pretty} = {term_pretty}"
        used = tuple(sorted({i, p} | {q for q in parents if q is not None}))
        partial_reads = _fields(prim.partial_text[k]) if prim.partial_text else set()
        rows.append(Row("adjoint", p, lhs, prim.name, used, formula, latex, numbers, total,
                        source=i, contribution=contribution, accumulates=accumulates,
                        pretty=pretty, sweep="adjoint",
                        reads_values=_traced(parents, {f for f in partial_reads
                                                       if isinstance(f, int)}),
                        reads_derivatives=(i, p) if accumulates else (i,),
                        argument=k, term=term, term_pretty=term_pretty,
                        term_numbers=term_numbers))
    for i in reversed(range(n)):
        name = accent(rec.input_names[i], BAR)
        number = i - n + 1
        value = adjoints[i] if adjoints[i] is not None else 0.0
        rows.append(Row("adjoint", i, name, "gradient", (i,), f"{name} = {node_name(number, BAR)}",
                        f"{variable_latex(rec.input_names[i], BAR)} = {node_latex(number, BAR)}",
                        "", value, sweep="adjoint",
                        pretty=f"{variable_pretty(rec.input_names[i], BAR)} = "
                               f"{node_name(number, BAR, pretty=True)}",
                        reads_derivatives=(i,) if adjoints[i] is not None else ()))
    return rows


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


def summed_text(term, axes, latex=False):
    """``sum(term, axis=0)``: an adjoint summed over the axes its value was broadcast over."""
    where = "" if not axes else f"axis={axes[0]}" if len(axes) == 1 else f"axis={axes}"
    if latex:
        below = rf"_{{\text{{{where.replace('axis=', 'axis ')}}}}}" if where else ""
        return rf"\sum{below} \left({term}\right)"
    return f"sum({term}, {where})" if where else f"sum({term})"


def _is_number(x) -> bool:
    return np.ndim(raw(x)) == 0


def _all_scalar(args) -> bool:
    """Substituted numbers help only when every argument is a number, not an array."""
    return all(np.ndim(raw(a)) == 0 for a in args)


# ---------------------------------------------------------------- plain-text tables

def text_table(title_left, left, title_right=None, right=None) -> str:
    """One or two columns of row texts, aligned, for ``str(trace)``."""
    left_texts = [r.text for r in left]
    if right is None:
        width = max([len(title_left)] + [len(t) for t in left_texts])
        return "\n".join([title_left, "-" * width] + left_texts)
    right_texts = [r.text for r in right]
    width = max([len(title_left)] + [len(t) for t in left_texts])
    lines = [f"{title_left:<{width}} | {title_right}", "-" * width + "-+-" + "-" * max(
        [len(title_right)] + [len(t) for t in right_texts])]
    for a, b in zip(left_texts, right_texts):
        lines.append(f"{a:<{width}} | {b}")
    return "\n".join(lines)
