"""The survey's notation: names of nodes and variables, numbers, in plain text, typeset and LaTeX.

``v-1`` is the plain spelling ``print(trace)`` shows; ``v₋₁`` (with a true minus sign) the typeset
one the tables and the player show; ``v_{-1}`` the LaTeX one. A dot or a bar marks a tangent or an
adjoint: ``v̇₁``, ``v̄₀``. Numbers are printed as the survey prints them (three decimals).
"""
from __future__ import annotations

import re

import numpy as np

from ..engine.tape import raw

DOT, BAR = "\u0307", "\u0304"  # combining dot and bar: v̇, v̄
MINUS = "\u2212"
_SUBSCRIPT = str.maketrans("-0123456789", "₋₀₁₂₃₄₅₆₇₈₉")
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_POWER = re.compile(r"\^\((-\d+)\)|\^(\d+)(?![\d.])")  # v7^2, x^(-1): an integer power


# ---------------------------------------------------------------- numbers

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


def fmt_latex(value) -> str:
    """:func:`fmt` in LaTeX: ``1.5 \\times 10^{-5}``, ``[2 \\times 3 \\text{ array}]``, ``\\infty``."""
    value = raw(value)
    if isinstance(value, np.ndarray) and value.ndim > 0:
        if value.size <= 4 and value.ndim == 1:
            return "[" + ", ".join(fmt_latex(float(v)) for v in value) + "]"
        return "[" + r" \times ".join(map(str, value.shape)) + r" \text{ array}]"
    text = fmt(value)
    if text in ("inf", "-inf", "nan"):
        return {"inf": r"\infty", "-inf": r"-\infty", "nan": r"\mathrm{nan}"}[text]
    mantissa, e, exponent = text.partition("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}" if e else text


def fmt_constant(value, latex=False) -> str:
    """A constant argument (a number, an index, an axis) as it appears inside a formula."""
    if isinstance(value, slice):
        parts = ["" if p is None else str(p) for p in (value.start, value.stop, value.step)]
        return ":".join(parts[:2] if value.step is None else parts)
    if isinstance(value, tuple):  # an index (x[0, 1:]), a shape; a pair inside it in brackets
        return ", ".join(f"({fmt_constant(v, latex)})" if isinstance(v, tuple) else
                         fmt_constant(v, latex) for v in value)
    if value is Ellipsis:
        return "..."
    if isinstance(value, np.ndarray) and value.dtype.kind in "biu" and value.ndim:
        # integer indices and boolean masks as written: x[[0, 2, 2]], x[[True, False, True]]
        if value.ndim == 1 and value.size <= 6:
            return "[" + ", ".join(map(str, value.tolist())) + "]"
        kind = "bool" if value.dtype.kind == "b" else "int"
        if latex:
            return "[" + r" \times ".join(map(str, value.shape)) + rf" \text{{ {kind} array}}]"
        return f"[{'×'.join(map(str, value.shape))} {kind} array]"
    if value is None or isinstance(value, (bool, str, int, np.integer)):
        return str(value)
    return fmt_latex(value) if latex else fmt(value)


def paren(text: str) -> str:
    """Parenthesise a number or term that would be ambiguous inside a longer formula."""
    if _enclosed(text):
        return text
    if text.startswith("-") or " + " in text or " - " in text:
        return f"({text})"
    return text


_APPLIED = re.compile(r"^[^\W\d]\w*(?=\()")


def _enclosed(text: str) -> bool:
    """Whether one pair of parentheses encloses all of ``text`` after a function's name, if any:
    ``(1 + v4)`` and ``σ(v0 - v1)``, not ``(a) + (b)``."""
    text = _APPLIED.sub("", text)  # σ(...), exp(...): a function applied
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and i < len(text) - 1:
            return False
    return True


def subscript(text) -> str:
    """``-1`` -> ``₋₁``."""
    return str(text).translate(_SUBSCRIPT)


def typeset(text: str) -> str:
    """As the survey prints it: true minus signs (``v4 - v3`` -> ``v4 − v3``) and integer powers
    as superscripts (``v7^2`` -> ``v7²``, ``x^(-1)`` -> ``x⁻¹``)."""
    text = _POWER.sub(lambda m: (m.group(1) or m.group(2)).translate(_SUPERSCRIPT), text)
    return text.replace("-", MINUS)


# ---------------------------------------------------------------- names

def node_name(number: int, mark: str = "", pretty: bool = False) -> str:
    """``v-1`` (plain) or ``v₋₁`` (pretty), with a dot or bar: ``v̄₋₁``."""
    return f"v{mark}{subscript(number) if pretty else number}"


def node_latex(number: int, mark: str = "") -> str:
    """``v_{-1}``, ``\\bar{v}_{0}``."""
    base = {"": "v", DOT: r"\dot{v}", BAR: r"\bar{v}"}[mark]
    return f"{base}_{{{number}}}"


def variable_pretty(name: str, mark: str = "") -> str:
    """``x1`` -> ``x₁``, ``x_2`` -> ``x₂`` (trailing digits as a subscript), accented if asked."""
    match = re.fullmatch(r"([A-Za-z]+)_?(\d+)", name)
    if match:
        name = match.group(1) + subscript(match.group(2))
    return accent(name, mark) if mark else name


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


def summed_text(term, axes, latex=False):
    """``sum(term, axis=0)``: an adjoint summed over the axes its value was broadcast over."""
    where = "" if not axes else f"axis={axes[0]}" if len(axes) == 1 else f"axis={axes}"
    if latex:
        below = rf"_{{\text{{{where.replace('axis=', 'axis ')}}}}}" if where else ""
        return rf"\sum{below} \left({term}\right)"
    return f"sum({term}, {where})" if where else f"sum({term})"
