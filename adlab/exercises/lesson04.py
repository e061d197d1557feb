"""Lesson 4 · Forward mode: tangents travel with values.

References are independent of the student's answer: the tangent row and the seed by hand (the
product rule at (2, 5)), the Dual class against adlab's own forward mode (``ad.jvp``) on functions
written once for both, the number of passes from the shape of the Jacobian.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

from . import (NotAnswered, Rejected, as_number, as_vector, call, close, describe_value,
               exercise, right, wrong)

# The survey's f(x1, x2) = ln x1 + x1·x2 − sin x2 at (2, 5); its partials by hand.
X1, X2 = 2.0, 5.0
DF_DX1 = 1 / X1 + X2            # 5.5
DF_DX2 = X1 - math.cos(X2)      # 1.716...


# ---------------------------------------------------------------- 4.1 read a tangent

@exercise("04-read-tangent", "read v̇2 for the seed ẋ = (0, 1) at (2, 5) off the tangent trace")
def read_tangent(answer):
    value = as_number(answer, "the number v̇2")
    # v2 = v-1 × v0, so v̇2 = v̇-1 × v0 + v̇0 × v-1 with v̇-1 = 0, v̇0 = 1
    expected = 0.0 * X2 + 1.0 * X1
    if close(value, expected):
        return right("v̇2 = v̇-1 × v0 + v̇0 × v-1 = 0 × 5 + 1 × 2 = 2: the product rule with this "
                     "seed keeps only the term of x2. The row's formula is the same for every seed; "
                     "only its numbers change.")
    known = {
        X1 * X2: ("that is v2, the value of the node.",
                  "The tangent column holds v̇2, the derivative of v2; read the right-hand column."),
        1.0 * X2 + 0.0 * X1: ("that is v̇2 for the seed ẋ = (1, 0), the trace printed above.",
                              "Put the new seed into the same formula: now v̇-1 = 0 and v̇0 = 1."),
        X1 + X2: ("that is v̇2 for the seed ẋ = (1, 1): both inputs moving at once.",
                  "With ẋ = (0, 1), v̇-1 = 0: one term of the product rule vanishes."),
        0.0: ("that is only the first term of the product rule, v̇-1 × v0.",
              "v2 = v-1 × v0 has two terms in its tangent row; with this seed the second one, "
              "v̇0 × v-1, is the one that survives."),
        1.0: ("that is v̇0 = ẋ2, the seed itself, not v̇2.",
              "Go one row further: v̇2 combines the tangents of both factors with the values of the "
              "other factor."),
        -X1: ("the sign is off.",
              "Every term of the product rule v̇-1 × v0 + v̇0 × v-1 enters with a plus sign."),
        DF_DX2: ("that is ẏ = v̇5 for this seed (∂f/∂x2), not v̇2.",
                 "The exercise asks for the intermediate row v̇2, three rows above the output."),
        DF_DX1: ("that is ẏ = ∂f/∂x1, the last row of the trace printed above (seed (1, 0)).",
                 "The exercise asks for the row v̇2, and for the other seed ẋ = (0, 1)."),
    }
    for candidate, (message, hint) in known.items():
        if close(value, candidate):
            return wrong(message, hint)
    return wrong(f"{value:g} is not v̇2 for the seed ẋ = (0, 1).",
                 "Take the tangent row of v2 = v-1 × v0 and substitute v̇-1 = ẋ1 = 0, v̇0 = ẋ2 = 1, "
                 "v-1 = 2 and v0 = 5.")


# ---------------------------------------------------------------- 4.2 choose the seed

@exercise("04-seed-for-x2", "choose the seed ẋ whose forward pass gives ∂f/∂x2")
def seed_for_x2(answer):
    seed = as_vector(answer, 2, "numbers, the seed (ẋ1, ẋ2)")
    a, b = float(seed[0]), float(seed[1])
    # one forward pass gives ẏ = ẋ1 ∂f/∂x1 + ẋ2 ∂f/∂x2 (computed by hand, not by adlab)
    tangent = a * DF_DX1 + b * DF_DX2
    if close(seed, [0.0, 1.0]):
        return right(f"with ẋ = (0, 1) the pass gives ẏ = ∂f/∂x2 = {DF_DX2:.4f}. Only x2 moves, "
                     f"so every tangent is a derivative with respect to x2.")
    if close(seed, [1.0, 0.0]):
        return wrong("that seed gives ∂f/∂x1 = 5.5, the trace printed at the top.",
                     "The seed is the direction in which the inputs move: which input must move?")
    if close(seed, [X1, X2]):
        return wrong("that is the point (x1, x2) = (2, 5), not a seed.",
                     "The point goes in the second argument of ad.forward, the seed in the third; "
                     "the seed says how fast each input moves.")
    if close(a, 0.0) and not close(b, 0.0):
        return wrong(f"this seed gives ẏ = {b:g} × ∂f/∂x2 = {tangent:.4g}, not ∂f/∂x2.",
                     "The tangent is linear in the seed: scaling ẋ scales ẏ by the same factor.")
    if close(a, 0.0) and close(b, 0.0):
        return wrong("a zero seed gives a zero tangent everywhere: no input moves.",
                     "The seed must move the input you differentiate with respect to.")
    return wrong(f"this seed gives ẏ = {a:g} × ∂f/∂x1 + {b:g} × ∂f/∂x2 = {tangent:.4g}: "
                 f"a mix of both partial derivatives.",
                 "A seed ẋ gives the directional derivative ẋ1 ∂f/∂x1 + ẋ2 ∂f/∂x2; keep x1 fixed.")


# ---------------------------------------------------------------- 4.3 the Dual class

_RULES = {
    "sum": ("the sum rule: (a + bε) + (c + dε) = (a + c) + (b + d)ε.", "__add__"),
    "difference": ("the difference rule: (a + bε) − (c + dε) = (a − c) + (b − d)ε.", "__sub__"),
    "product": ("the product rule: (a + bε)(c + dε) = ac + (ad + bc)ε, because ε² = 0.",
                "__mul__"),
    "quotient": ("the quotient rule: (a + bε) / (c + dε) = a/c + (bc − ad)/c² ε.", "__truediv__"),
}

# (label, function of (m, *xs) where m provides sin/log/exp, points, tangents, what it tests)
_D = [
    ("x + y", lambda m, x, y: x + y, (1.5, -2.0), (0.7, 0.3), "sum"),
    ("x * y", lambda m, x, y: x * y, (1.5, -2.0), (0.7, 0.3), "product"),
    ("x - y", lambda m, x, y: x - y, (1.5, -2.0), (0.7, 0.3), "difference"),
    ("x / y", lambda m, x, y: x / y, (1.5, -2.0), (0.7, 0.3), "quotient"),
]
_RIGHT_NUMBERS = [
    ("x + 2", lambda m, x: x + 2, "sum"), ("x * 3", lambda m, x: x * 3, "product"),
    ("x - 2.5", lambda m, x: x - 2.5, "difference"), ("x / 4", lambda m, x: x / 4, "quotient"),
]
_LEFT_NUMBERS = [
    ("2 + x", lambda m, x: 2 + x, "__radd__", "other + self"),
    ("3 * x", lambda m, x: 3 * x, "__rmul__", "other * self"),
    ("2 - x", lambda m, x: 2 - x, "__rsub__", "other - self"),
    ("1 / x", lambda m, x: 1 / x, "__rtruediv__", "other / self"),
]
_FUNCTIONS = [
    ("sin(x)", lambda m, x: m.sin(x), "sin", "sin(a + bε) = sin a + b·cos a ε"),
    ("log(x)", lambda m, x: m.log(x), "log", "log(a + bε) = log a + (b / a) ε"),
    ("exp(x)", lambda m, x: m.exp(x), "exp", "exp(a + bε) = exp a + b·exp a ε"),
]
_COMPOSED = [
    ("x * x", lambda m, x: x * x, (1.5,), (0.7,)),
    ("x * sin(x)", lambda m, x: x * m.sin(x), (1.3,), (1.0,)),
    ("exp(sin(x)) / x", lambda m, x: m.exp(m.sin(x)) / x, (0.8,), (-0.5,)),
    ("(x - y) / (x * y) + x", lambda m, x, y: (x - y) / (x * y) + x, (1.5, -2.0), (0.7, 0.3)),
    ("the survey's f, seed (1, 0)", lambda m, x1, x2: m.log(x1) + x1 * x2 - m.sin(x2),
     (2.0, 5.0), (1.0, 0.0)),
    ("the survey's f, seed (0, 1)", lambda m, x1, x2: m.log(x1) + x1 * x2 - m.sin(x2),
     (2.0, 5.0), (0.0, 1.0)),
    ("the survey's f, seed (0.6, 0.8)", lambda m, x1, x2: m.log(x1) + x1 * x2 - m.sin(x2),
     (2.0, 5.0), (0.6, 0.8)),
    ("1 - 2 / (1 + exp(x))", lambda m, x: 1 - 2 / (1 + m.exp(x)), (0.4,), (2.0,)),
]


def _reference(function, points, tangents):
    """The value and tangent adlab's forward mode gives (an implementation of its own)."""
    import adlab as ad
    return ad.jvp(lambda *xs: function(ad, *xs), tuple(points), tuple(tangents))


def _numbers(result, label):
    """The value and tangent of a student's Dual result, or Rejected saying what came back."""
    if result is None:
        raise Rejected(f"{label} returned None.",
                       "Did you forget the return statement in one of the methods?")
    if not (hasattr(result, "value") and hasattr(result, "tangent")):
        raise Rejected(f"{label} returned {describe_value(result)}, not a Dual.",
                       "Every operation must return a new Dual(value, tangent), so that the "
                       "tangent travels on to the next operation.")
    try:
        value, tangent = float(result.value), float(result.tangent)
    except (TypeError, ValueError):
        raise Rejected(f"{label} returned a Dual whose value or tangent is not a number "
                       f"({describe_value(result.value)}, {describe_value(result.tangent)}).",
                       "value and tangent hold plain numbers: unpack other.value and "
                       "other.tangent before combining them.") from None
    return value, tangent


class _Student:
    """Runs the student's functions, turning 'your code here' left in a method into a message."""

    def __init__(self, Dual, sin, log, exp):
        self.Dual, self.passed = Dual, 0
        self.ops = SimpleNamespace(sin=sin, log=log, exp=exp)

    def run(self, function, points, tangents, label, unfinished=""):
        where = _where(function, points, tangents)
        try:
            duals = [call(self.Dual, p, t, label=f"({p!r}, {t!r})")
                     for p, t in zip(points, tangents)]

            def run():
                return function(self.ops, *duals)
            run.__name__ = label
            result = call(run, label=f" at {where}")
        except NotAnswered:
            if self.passed == 0:
                raise
            raise Rejected(f"{label}: {unfinished or 'a method'} still raises "
                           f"NotImplementedError.",
                           "Fill in every part marked 'your code here'.") from None
        return _numbers(result, label)


def _where(function, points, tangents):
    """``x = 1.5 + 0.7ε, y = -2 + 0.3ε``: the dual numbers a test runs on, named as in its code."""
    names = function.__code__.co_varnames[1:1 + len(points)]
    return ", ".join(f"{name} = {p:g} {'-' if t < 0 else '+'} {abs(t):g}ε"
                     for name, p, t in zip(names, points, tangents))


def _unpack(answer):
    if isinstance(answer, type) or (callable(answer) and not isinstance(answer, (tuple, list))):
        raise Rejected(f"expected the class and the three functions together, got "
                       f"{describe_value(answer)}.",
                       "Pass a tuple: check('04-dual-numbers', (Dual, sin, log, exp)).")
    if not isinstance(answer, (tuple, list)) or len(answer) != 4:
        raise Rejected(f"expected a tuple (Dual, sin, log, exp), got {describe_value(answer)}.",
                       "Pass a tuple: check('04-dual-numbers', (Dual, sin, log, exp)).")
    for name, item in zip(("Dual", "sin", "log", "exp"), answer):
        if not callable(item):
            raise Rejected(f"{name} should be a class or a function, got {describe_value(item)}.",
                           "Pass the class and the functions themselves, without calling them.")
    return answer


def _check_construction(Dual):
    d = call(Dual, 2.0, 0.5, label="(2.0, 0.5)")
    for name, expected in (("value", 2.0), ("tangent", 0.5)):
        if not hasattr(d, name):
            raise Rejected(f"Dual(2.0, 0.5) has no attribute {name!r}.",
                           "Keep the names of the exercise: d.value is a and d.tangent is b in "
                           "a + bε.")
        got = getattr(d, name)
        if not isinstance(got, (int, float)) or isinstance(got, bool) or got != expected:
            raise Rejected(f"Dual(2.0, 0.5).{name} is {describe_value(got)}, expected {expected}.",
                           "__init__ stores its two arguments unchanged: self.value = value, "
                           "self.tangent = tangent.")


def _product_mistake(points, tangents, got):
    (a, c), (b, d) = points, tangents
    return close(got, b * d)


@exercise("04-dual-numbers", "write a Dual class (+ − × / with numbers on either side) and "
                             "sin, log, exp for dual numbers")
def dual_numbers(answer):
    Dual, sin, log, exp = _unpack(answer)
    _check_construction(Dual)
    student = _Student(Dual, sin, log, exp)
    checks = 0

    def compare(function, points, tangents, label, value_hint, tangent_hint, method="",
                error_hint=""):
        nonlocal checks
        try:
            value, tangent = student.run(function, points, tangents, label, method)
        except Rejected as e:
            if error_hint and " raised " in e.message:
                raise Rejected(e.message, error_hint) from None
            raise
        ref_value, ref_tangent = _reference(function, points, tangents)
        where = _where(function, points, tangents)
        if not close(value, ref_value, rtol=1e-9, atol=1e-12):
            raise Rejected(f"{label} at {where}: the value part is {value:.6g}, but {label} "
                           f"is {ref_value:.6g} there.", value_hint)
        if not close(tangent, ref_tangent, rtol=1e-9, atol=1e-12):
            raise Rejected(f"{label} at {where}: the tangent part is {tangent:.6g}, but the "
                           f"derivative is {ref_tangent:.6g}.", tangent_hint(tangent))
        checks += 1
        student.passed += 1
        return tangent

    # a Dual with a Dual: the four rules
    for label, function, points, tangents, rule in _D:
        text, method = _RULES[rule]

        def hint(got, rule=rule, text=text, points=points, tangents=tangents):
            if rule == "product" and _product_mistake(points, tangents, got):
                return ("You multiplied the two tangents: that is the ε² term, which is 0. "
                        "Use " + text)
            return "Check " + text
        compare(function, points, tangents, label,
                f"The value part of {method} is the ordinary result, computed from the two "
                f"value parts.", hint, method,
                f"{method} receives two Duals here: combine self.value with other.value and "
                f"self.tangent with other.tangent, and return a new Dual.")

    # a plain number on the right
    for label, function, rule in _RIGHT_NUMBERS:
        text, method = _RULES[rule]
        compare(function, (1.5,), (0.7,), label,
                f"In {method}, a plain number other stands for the dual number other + 0ε.",
                lambda got, text=text: ("A plain number is a constant: its tangent is 0. "
                                        "Treat it as Dual(other, 0) and use " + text),
                method,
                f"Here other is a plain number (an int or a float), which has no .value: turn it "
                f"into Dual(other, 0) first in {method}.")

    # a plain number on the left
    for label, function, method, meaning in _LEFT_NUMBERS:
        compare(function, (1.5,), (0.7,), label,
                f"With a number on the left, Python calls x.{method}(other) with the number as "
                f"other, and it must compute {meaning}: for - and / the order matters.",
                lambda got, m=method, meaning=meaning: (
                    f"x.{m}(other) computes {meaning}: differentiate that, with the number's "
                    f"tangent 0."),
                method,
                f"A number on the left of the operator needs Dual.{method}(self, other): Python "
                f"calls it when the number cannot handle a Dual, and it computes {meaning}.")

    # sin, log, exp: the chain rule
    for label, function, name, rule in _FUNCTIONS:
        def tangent_hint(got, name=name, rule=rule):
            alone = {"sin": math.cos(1.5), "log": 1 / 1.5, "exp": math.exp(1.5)}[name]
            if close(got, alone):
                return (f"That is the derivative of {name} alone: the chain rule multiplies it "
                        f"by the tangent b of the argument: {rule}.")
            return f"The chain rule: {rule}."
        compare(function, (1.5,), (0.7,), label,
                f"The value part of {name}(a + bε) is {name}(a).", tangent_hint, name,
                f"{name} receives a Dual x: compute with the numbers x.value and x.tangent "
                f"(math.{name} accepts numbers only) and return a new Dual.")

    # everything together: fan-out, compositions, the survey's f
    results = {}
    fan_out = ("Each rule alone is right, so look at fan-out (one Dual used twice): an operation "
               "must not change self or other in place; it returns a new Dual.")
    for label, function, points, tangents in _COMPOSED:
        results[label] = compare(function, points, tangents, label, fan_out,
                                 lambda got: fan_out)
    survey = "the survey's f, seed "
    return right(f"your Dual agrees with ad.jvp, value and tangent, on all {checks} checks. "
                 f"On the survey's f at (2, 5) it gives ẏ = {results[survey + '(1, 0)']:.4g} for "
                 f"ẋ = (1, 0) and {results[survey + '(0, 1)']:.4g} for ẋ = (0, 1); on the "
                 f"fan-out x·sin x at 1.3 it gives {results['x * sin(x)']:.4g} = sin 1.3 + "
                 f"1.3·cos 1.3. That is forward mode: each operation carries its value and its "
                 f"tangent.")

# ---------------------------------------------------------------- 4.4 passes for a Jacobian

N_INPUTS, N_OUTPUTS = 4, 3   # G(w) = (w1·w2, sin w3 + w4, w1·w4 − w2) in the lesson


@exercise("04-jacobian-passes", "count the forward passes the full Jacobian of G: R⁴ → R³ needs")
def jacobian_passes(answer):
    value = as_number(answer, "a number of passes")
    n, m = N_INPUTS, N_OUTPUTS
    if close(value, n):
        return right(f"one pass per input: seed e1, …, e{n} and each pass returns a whole column "
                     f"of the {m} × {n} Jacobian, all {m} outputs at once.")
    known = {
        m: ("that is the number of outputs, m.",
            "Counting outputs gives the rows of the Jacobian; reverse mode (lesson 5) builds it "
            "row by row. A forward pass seeds one input: what does it return?"),
        n * m: ("that is one pass per entry of the Jacobian.",
                "One forward pass gives ẏ for all outputs at once: a whole column, not one entry."),
        1: ("one pass gives one column (or one directional derivative J·ẋ), not the whole "
            "Jacobian.", "Each seed ẋ = e_j gives column j; how many columns are there?"),
        n + 1: ("that is what forward differences need: n + 1 evaluations of G.",
                "Forward mode needs no extra evaluation at the base point: each pass computes the "
                "values and the tangents together."),
        2 * n: ("that is what central differences need: 2n evaluations of G.",
                "A forward pass is exact and gives one column; no pair of evaluations is needed."),
    }
    for candidate, (message, hint) in known.items():
        if close(value, candidate):
            return wrong(message, hint)
    if value != int(value) or value < 0:
        return wrong(f"{value:g} is not a count of passes.", "Count whole forward passes.")
    return wrong(f"{value:g} passes is not what ad.jacobian(G, mode='forward') runs.",
                 "Count the inputs of G and the columns of its Jacobian: one forward pass per "
                 "column.")
