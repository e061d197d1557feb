"""A printed rule is the rule the sweeps run: for every elementwise operation of the table, its
partial derivatives as a trace prints them (text and LaTeX) evaluate to the numbers the sweeps use.

The printed formulas are read here by a small translator of the survey's notation into Python
(``1/(2√x)``, ``σ(x)(1 - σ(x))``, ``[x > y] + ½[x = y]``, ``\\frac{1}{2\\sqrt{x}}``...), written for
this test and independent of the code that prints them. What the sweeps use is ``Primitive.vjp``
(reverse mode) and ``Primitive.jvp`` (forward mode) at the same point.
"""
from __future__ import annotations

import io
import keyword
import math
import re
import tokenize

import numpy as np
import pytest

import adlab as ad

NAMES = ("a", "b", "c")  # what the templates' {0}, {1}, {2} are filled with
FUNCTIONS = {"ln": math.log, "exp": math.exp, "sin": math.sin, "cos": math.cos,
             "tan": math.tan, "tanh": math.tanh, "sinh": math.sinh, "cosh": math.cosh,
             "sqrt": math.sqrt, "sign": lambda x: float((x > 0) - (x < 0)),
             "sigma": lambda x: 1.0 / (1.0 + math.exp(-x)), "iverson": lambda p: 1.0 if p else 0.0,
             "log2": math.log2, "log10": math.log10, "arcsin": math.asin, "arccos": math.acos,
             "arctan": math.atan, "arctan2": math.atan2, "relu": lambda x: max(x, 0.0),
             "max": max, "min": min, "abs": abs, "where": lambda c, x, y: x if c else y,
             "floor": math.floor, "ceil": math.ceil, "trunc": math.trunc, "round": round,
             "cbrt": math.cbrt, "hypot": math.hypot,
             "sinc": lambda x: math.sin(math.pi * x) / (math.pi * x) if x else 1.0,
             "clip": lambda x, low, high: min(max(x, low), high)}
CONSTANTS = {"pi": math.pi}  # a name, not a function: "pi a" multiplies
WORDS = ("tanh|tan|sinh|cosh|sinc|sin|cos|exp|ln|sign|sqrt|cbrt|sigma|log2|log10|arcsin|arccos|"
         "arctan|relu|trunc|round")


def _implicit_products(text: str) -> str:
    """Insert ``*`` where the notation multiplies by juxtaposition (``2 a``, ``a ln(2)``, ``)(``)."""
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline)
              if t.type not in (tokenize.NEWLINE, tokenize.ENDMARKER)]
    out = []
    for previous, token in zip([None] + tokens, tokens):
        if previous is not None:
            ends = previous.type in (tokenize.NAME, tokenize.NUMBER) or previous.string == ")"
            starts = token.type in (tokenize.NAME, tokenize.NUMBER) or token.string == "("
            function = previous.type == tokenize.NAME and previous.string in FUNCTIONS
            words = keyword.iskeyword(previous.string) or keyword.iskeyword(token.string)
            if ends and starts and not function and not words:
                out.append("*")
        out.append(token.string)
    return " ".join(out)


def _iverson(match) -> str:
    condition = re.sub(r"(?<![<>=!])=(?!=)", "==", match.group(1))
    return f"iverson({condition})"


def python_of_text(text: str) -> str:
    """The text notation (``1 - tanh² a``, ``a^b × ln a``) as a Python expression."""
    text = text.replace("½", "0.5 ").replace("×", "*").replace("σ", " sigma").replace("√", " sqrt ")
    text = text.replace("log₂", "log2").replace("log₁₀", "log10").replace("∛", " cbrt ")
    text = text.replace("≤", "<=").replace("π", " pi ").replace(" mod ", " % ")
    text = re.sub(r"⌊([^⌊⌋]*)⌋", r"floor(\1)", text)
    text = re.sub(r"⌈([^⌈⌉]*)⌉", r"ceil(\1)", text)
    text = re.sub(r"\[([^\[\]]*)\]", _iverson, text)
    text = re.sub(r"\|([^|]*)\|", r"abs(\1)", text)
    text = re.sub(rf"\b({WORDS})² (\([^()]*\)|[\w.]+)", r"\1(\2)**2", text)  # tan² a, tan² (-1)
    text = re.sub(r"([\w)])²", r"\1**2", text).replace("^", "**")
    text = re.sub(rf"\b({WORDS}) ([\w.]+)", r"\1(\2)", text)  # ln a -> ln(a), sign 0.3
    return _implicit_products(text)


def _braced(text: str, start: int) -> tuple[str, int]:
    """The group ``{...}`` opening at ``text[start]`` and the index after it."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[start + 1:i], i + 1
    raise ValueError(f"unbalanced braces in {text!r}")


def python_of_latex(latex: str) -> str:
    """The LaTeX notation (``\\frac{1}{2\\sqrt{a}}``, ``{a}^{b} \\ln a``) as a Python expression."""
    latex = re.sub(r"\\operatorname\{(\w+)\}", r"\\\1", latex)  # \operatorname{sign} -> \sign
    latex = latex.replace(r"\left", "").replace(r"\right", "")
    latex = latex.replace(r"\lfloor", r"\floor(").replace(r"\rfloor", ")")
    latex = latex.replace(r"\lceil", r"\ceil(").replace(r"\rceil", ")")
    out, i = [], 0
    while i < len(latex):
        for command, arity, build in ((r"\frac", 2, "(({0})/({1}))"), (r"\sqrt[3]", 1, "cbrt({0})"),
                                      (r"\sqrt", 1, "sqrt({0})"),
                                      (r"\tfrac12", 0, "0.5 ")):
            if latex.startswith(command, i):
                i += len(command)
                groups = []
                for _ in range(arity):
                    group, i = _braced(latex, i)
                    groups.append(python_of_latex(group))
                out.append(build.format(*groups))
                break
        else:
            if latex[i] == "{":
                group, i = _braced(latex, i)
                out.append(f"({python_of_latex(group)})")
            else:
                out.append(latex[i])
                i += 1
    text = "".join(out)
    for plain, python in ((r"\sigma", "sigma"),
                          (r"\log_2", "log2"), (r"\log_(10)", "log10"), (r"\lnot", "not "),
                          (r"\cdot", "*"), (r"\times", "*"), (r"\,", " "), (r"\le ", " <= "),
                          (r"\bmod", "%"), (r"\pi", " pi "), ("\\", "")):
        text = text.replace(plain, python)
    text = re.sub(r"\[([^\[\]]*)\]", _iverson, text)
    text = re.sub(rf"\b({WORDS})\^2 ([\w.]+)", r"\1(\2)**2", text)  # \tan^2 a
    text = text.replace("^", "**")
    text = re.sub(rf"\b({WORDS}) ([\w.]+)", r"\1(\2)", text)
    return _implicit_products(text)


def printed_value(template: str, args, latex: bool) -> float:
    """The value of a printed template (``"cos {0}"``) with its arguments' values."""
    return evaluate(template.format(*NAMES), args, latex)


def evaluate(written: str, args, latex: bool) -> float:
    expression = (python_of_latex if latex else python_of_text)(written)
    return float(eval(expression, {**FUNCTIONS, **CONSTANTS, **dict(zip(NAMES, args))}))  # noqa: S307


# points in each operation's domain, away from kinks, in the order of its arguments
POINTS = {1: [(0.3,), (0.7,), (1.3,), (-0.4,), (2.5,), (-1.7,)],
          2: [(0.7, 1.9), (1.6, 0.4), (-0.8, 1.3), (2.2, -0.5), (1.5, 1.5)],
          3: [(True, 0.7, -1.2), (False, 0.7, -1.2)]}
# operations whose points are not those of their arity: clip inside, below, above its interval,
# at a bound (its convention), and with low > high (numpy then gives high)
POINTS_OF = {"clip": [(0.7, -1.2, 1.5), (-2.0, -1.2, 1.5), (2.0, -1.2, 1.5), (-1.2, -1.2, 1.5),
                      (1.5, -1.2, 1.5), (0.7, 1.5, -1.2)]}


def elementwise_entries():
    return [name for name, p in ad.PRIMITIVES.items() if p.partials is not None]


def points_of(prim):
    """The points where the operation and its derivative exist (nothing raises, all finite)."""
    found = []
    for args in POINTS_OF.get(prim.name, POINTS[len(prim.partials)]):
        try:
            with np.errstate(all="raise"):
                out = prim.impl(*args)
                partials = [prim.vjp(k, 1.0, args, out) for k in range(len(args))]
        except (ArithmeticError, ValueError, FloatingPointError, ad.AdlabError):
            continue
        if all(math.isfinite(float(v)) for v in [out, *partials]):
            found.append((args, out))
    return found


def test_every_elementwise_operation_prints_its_partials_in_text_and_latex():
    for name in elementwise_entries():
        prim = ad.PRIMITIVES[name]
        assert len(prim.partial_text) == len(prim.partials) == len(prim.partial_latex), name
        assert len(points_of(prim)) >= 2, f"{name}: add points in its domain to POINTS"


@pytest.mark.parametrize("latex", [False, True], ids=["text", "latex"])
@pytest.mark.parametrize("name", elementwise_entries())
def test_a_printed_partial_is_the_partial_the_sweeps_use(name, latex):
    prim = ad.PRIMITIVES[name]
    templates = prim.partial_latex if latex else prim.partial_text
    for args, out in points_of(prim):
        for k, template in enumerate(templates):
            if isinstance(args[k], bool):
                continue  # where's condition: a constant, no derivative
            printed = printed_value(template, args, latex)
            reverse = prim.vjp(k, 1.0, args, out)  # what the adjoint sweep adds: 1 × ∂out/∂arg_k
            forward = prim.jvp(args, out, [1.0 if j == k else None for j in range(len(args))])
            assert printed == pytest.approx(reverse, rel=1e-12, abs=1e-14), (template, args)
            assert printed == pytest.approx(forward, rel=1e-12, abs=1e-14), (template, args)


def test_the_translators_read_what_they_are_meant_to():
    # the translator itself, on formulas with known values (a = 0.5, b = 2)
    cases = {"1/(2√a)": 1 / (2 * math.sqrt(0.5)), "σ(a)(1 - σ(a))": 0.2350037122015945,
             "[a > b] + ½[a = b]": 0.0, "b × a^(b-1)": 1.0, "1 - tanh² a": 0.7864477329659274,
             "2a": 1.0, "1/(a ln 2)": 1 / (0.5 * math.log(2)), "sign a": 1.0}
    for text, value in cases.items():
        assert evaluate(text, (0.5, 2.0), False) == pytest.approx(value, rel=1e-15), text
    latex = {r"\frac{1}{2\sqrt{a}}": 1 / (2 * math.sqrt(0.5)), r"{a}^{b} \ln a": 0.25 * math.log(0.5),
             r"b\,{a}^{b-1}": 1.0, r"1 + \tan^2 a": 1 / math.cos(0.5) ** 2,
             r"[a > b] + \tfrac12[a = b]": 0.0, r"-\frac{a}{b^2}": -0.125,
             r"\operatorname{sign} a": 1.0, r"\sigma(a)(1-\sigma(a))": 0.2350037122015945}
    for text, value in latex.items():
        assert evaluate(text, (0.5, 2.0), True) == pytest.approx(value, rel=1e-15), text


@pytest.mark.parametrize("name", [n for n in elementwise_entries()
                                  if len(ad.PRIMITIVES[n].partials) == 1])
def test_a_latex_table_writes_each_function_as_its_entry_does(name):
    """The numbers column of a LaTeX table is the entry's LaTeX template filled with numbers (it
    once read ``\\arcsin v_{0} = arc\\sin 0.5``)."""
    prim = ad.PRIMITIVES[name]
    (args, _), *_ = points_of(prim)
    trace = ad.reverse(lambda x: prim(x), (args[0],))
    row = next(r for r in trace.primal_rows if r.op == name)
    number = ad.traces.notation.fmt_latex(args[0])
    number = f"({number})" if number.startswith("-") else number
    assert row.numbers_latex == prim.formula([number], latex=True)
    assert row.numbers_latex in trace._repr_latex_()


def _close_to_printed(printed: float, value) -> bool:
    """Printed numbers have three decimals: the formula they make is that close to the value."""
    return printed == pytest.approx(float(value), rel=2e-2, abs=5e-3)


@pytest.mark.parametrize("name", elementwise_entries())
def test_the_numbers_a_row_prints_evaluate_to_its_value(name):
    """``v̄0 = v̄1 × 2 × v0 = 1 × 2 × 2 = 4``: the numbers substituted into a row's formula, read
    back as arithmetic, give the row's value (they once read ``1 × 22`` for square's 2x)."""
    prim = ad.PRIMITIVES[name]
    for args, _ in points_of(prim):
        traced = [k for k, a in enumerate(args) if not isinstance(a, bool)]

        def f(*xs):
            full = list(args)
            for k, x in zip(traced, xs):
                full[k] = x
            return prim(*full)
        point = tuple(args[k] for k in traced)
        forward = ad.forward(f, point, tuple(1.0 for _ in point))
        reverse = ad.reverse(f, point)
        rows = [r for r in forward.rows + reverse.rows if r.op == name and r.numbers]
        assert rows, (name, args)
        for row in rows:
            written = row.term_numbers if row.kind == "adjoint" else row.numbers
            value = row.contribution if row.kind == "adjoint" else row.value
            assert _close_to_printed(evaluate(written, (), False), value), (name, row.text)
