"""Lesson 11 · When AD misleads: the exercises' checkers.

References are written out by hand here, never taken from the student's answer: adlab's documented
conventions at kinks (abs'(0) = 0, relu'(0) = 0, maximum splits a tie in halves), softplus and its
derivative σ(x) in stable closed forms with ``math``, sqrt and 1/(2√x) elementwise, and the root of
y³ + y = a by implicit differentiation. The code exercises run the student's function through
adlab's ``value_and_grad`` and ``grad``, because what they ask for is a program whose *derivative*
(as AD computes it) is right.
"""
from __future__ import annotations

import math

import numpy as np

from . import (Rejected, as_function, as_number, as_vector, call, close, exercise, returned,
               right, wrong)


def _near(answer: float, target: float, tol: float = 1e-6) -> bool:
    return abs(answer - target) <= tol * max(1.0, abs(target))


# ---------------------------------------------------------------- 11-kink-derivative

@exercise("11-kink-derivative", "the derivative adlab returns for maximum(x, 0) + abs(x) at x = 0")
def kink_derivative(answer):
    d = as_number(answer, "a number (the derivative adlab returns)")
    max_tie, abs_at_0 = 0.5, 0.0          # adlab's conventions (README): ties split, sign 0 = 0
    expected = max_tie + abs_at_0
    if _near(d, expected):
        return right("maximum(x, 0) at its tie x = 0 sends half of the derivative to each "
                     "argument (½ to x), and abs′(0) = sign 0 = 0: ½ + 0. Another library, or "
                     "another way of writing the same function, may give another number here.")
    conventions = ("Look up adlab's conventions at kinks (the table in this section, or the "
                   "README's 'Conventions at non-differentiable points') and add the two terms.")
    if _near(d, 1.0):
        return wrong("maximum(x, 0) does not give its whole derivative to x at the tie.",
                     "At x = 0 the two arguments of maximum are equal (a tie); adlab shares the "
                     "derivative between them. abs′(0) is 0. " + conventions)
    if _near(d, 0.0):
        return wrong("that treats maximum(x, 0) like relu, whose derivative at 0 is 0.",
                     "relu′(0) = 0 and abs′(0) = 0, but maximum at a tie is a different "
                     "convention. " + conventions)
    if _near(d, 1.5) or _near(d, 2.0):
        return wrong("abs′(0) is not 1 in adlab: that is the slope of |x| just right of 0.",
                     "adlab takes abs′(0) = sign 0 = 0 (as JAX and PyTorch do). " + conventions)
    if _near(d, -1.0) or _near(d, -0.5):
        return wrong("abs′(0) is not −1 in adlab: that is the slope of |x| just left of 0.",
                     "adlab takes abs′(0) = sign 0 = 0 (as JAX and PyTorch do). " + conventions)
    return wrong(f"{d:g} is not what adlab returns.",
                 "Each term contributes its derivative at x = 0 by adlab's conventions; the sum "
                 "is the answer. You can check with ad.grad(lambda x: ad.maximum(x, 0.0) + "
                 "ad.abs(x))(0.0) after you have predicted it.")


# ---------------------------------------------------------------- 11-stable-softplus

def _softplus(x: float) -> float:
    """log(1 + e^x) without overflow: max(x, 0) + log1p(e^(−|x|))."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _sigmoid(x: float) -> float:
    """softplus′(x) = σ(x) = 1/(1 + e^(−x)), with the exponential never above 1."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


# the kink first, then both ends (overflow), then the small values and the rest
SOFTPLUS_POINTS = (0.0, 1.0, -1.0, 1000.0, -1000.0, 710.0, 800.0, 20.0, -20.0, -50.0, 50.0,
                   -100.0, 100.0, -700.0, 700.0, 709.0, -800.0, 1e-3, -1e-3, 3.5, -3.5)


def _value_and_derivative(f, x, name):
    import adlab as ad  # the checker differentiates the student's function, as the lesson does

    def run(x):
        return ad.value_and_grad(f)(x)
    run.__name__ = name
    try:
        result = call(run, x, label=f"({x:g})")
    except Rejected as e:
        raise Rejected(e.message, _error_hint(e.message, x)) from None
    value, derivative = returned(result, f, f"({x:g})")
    return value, derivative


def _error_hint(message: str, x: float) -> str:
    if "DomainError" in message and "exp" in message and "overflow" in message:
        return ("exp(x) overflows a float64 above x ≈ 709.78, also inside a branch ad.where does "
                "not select (it computes both). Rewrite softplus so that exp only ever sees "
                "numbers ≤ 0 (take max(x, 0) out of the logarithm), or use ad.logaddexp.")
    if "DomainError" in message:
        return (f"an operation is outside its domain at x = {x:g} (the message names the node). "
                "Check what each operation receives at this x.")
    if "UnsupportedOperationError" in message:
        return ("use adlab's functions (ad.exp, ad.log, ad.log1p, ad.abs, ad.maximum, "
                "ad.logaddexp, ...) rather than math's or float(): AD must see every operation.")
    if "InputError" in message:
        return "softplus must return one number for one number x."
    return "Run your function on this input in a cell of its own to see where."


@exercise("11-stable-softplus", "softplus(x) = log(1 + e^x) with value and derivative right for "
          "x in [−1000, 1000]")
def stable_softplus(answer):
    f = as_function(answer, "a function softplus(x)")
    name = getattr(f, "__name__", "softplus")
    for x in SOFTPLUS_POINTS:
        value, derivative = _value_and_derivative(f, x, name)
        value = _finite(value, f"{name}({x:g})")
        derivative = _finite(derivative, f"the derivative of {name} at x = {x:g}")
        want_value, want_derivative = _softplus(x), _sigmoid(x)
        if not close(value, want_value, rtol=1e-9, atol=1e-300):
            if x <= -10 and abs(value) < 2 * want_value:
                error = abs(value - want_value) / want_value
                return wrong(f"{name}({x:g}) = {value:.6g}: its relative error is {error:.0e}, "
                             f"where a float64 allows about 1e-16.",
                             "exp(x) is tiny here, and 1 + exp(x) keeps only the digits of "
                             "exp(x) that fit next to the 1 (none at all below x ≈ −37): they "
                             "are lost in the addition, before the log. ad.log1p(u) computes "
                             "log(1 + u) without forming 1 + u.")
            return wrong(f"{name}({x:g}) = {value:.6g}, but softplus({x:g}) = log(1 + e^x) = "
                         f"{want_value:.6g}.",
                         "Check the algebra of your rewriting: log(1 + e^x) = x + log(1 + e^(−x)) "
                         "for every x.")
        if not close(derivative, want_derivative, rtol=1e-9, atol=1e-300):
            if x == 0.0:
                return wrong(f"the value at x = 0 is right, but the derivative adlab computes "
                             f"there is {derivative:g}, not σ(0).",
                             "softplus is smooth at 0, but your program has kinks there (abs, "
                             "relu, a comparison) and AD applies their conventions: relu′(0) = 0 "
                             "and abs′(0) = 0, while maximum splits a tie in halves. See which "
                             "kinked function makes the parts add up to σ(0), or avoid the kink.")
            if derivative == 0.0 and want_derivative > 1e-6:
                return wrong(f"the derivative at x = {x:g} is 0, but softplus′({x:g}) = σ({x:g}) = "
                             f"{want_derivative:.6g}.",
                             "A branch that returns a constant (or anything computed without x) "
                             "has derivative 0: return an expression in x.")
            error = abs(derivative - want_derivative) / abs(want_derivative)
            if error < 1e-3:   # right formula, digits lost: contributions that cancel
                return wrong(f"the value at x = {x:g} is right, but the derivative adlab computes "
                             f"there, {derivative:.10g}, has a relative error of {error:.0e} "
                             f"(σ({x:g}) = {want_derivative:.10g}; a float64 allows about "
                             f"1e-16).",
                             "Digits were lost in the adjoint sweep. Print ad.reverse(softplus, "
                             f"({x:g},)) and look at the adjoint of x: if it adds contributions "
                             "that nearly cancel (+½ and −½ from (x + |x|)/2, for instance), "
                             "the small term it should carry keeps only the digits that fit "
                             "next to ½. Write the formula so that no such pair arises.")
            return wrong(f"the value at x = {x:g} is right, but the derivative is {derivative:.6g} "
                         f"instead of σ({x:g}) = {want_derivative:.6g}.",
                         "AD differentiates the program: every operation on x must be an adlab "
                         "operation with the right derivative. Print ad.reverse(softplus, "
                         f"({x:g},)) to see the adjoint trace.")
    return right("value and derivative are right from x = −1000 to 1000, including x = 0 and "
                 "where exp(x) would overflow or 1 + exp(x) would round to 1.")


def _finite(number, what):
    number = np.asarray(getattr(number, "value", number), dtype=float)
    if number.shape not in ((), (1,)):
        raise Rejected(f"{what} is an array of shape {number.shape}, not one number.",
                       "softplus must return one number for one number x.")
    number = float(number.reshape(()))
    if not math.isfinite(number):
        raise Rejected(f"{what} is {number}.",
                       "inf or nan comes from an overflow (exp of a large number), 0 × inf or "
                       "inf/inf: keep every exp argument ≤ 0.")
    return number


# ---------------------------------------------------------------- 11-safe-sqrt-where

SQRT_POINTS = np.array([-4.0, -1.0, -1e-3, 0.0, 1e-3, 0.25, 1.0, 9.0])

_DOUBLE_WHERE = ("ad.where computes both branches for every element, so the sqrt still sees "
                 "x ≤ 0, and the backward sweep still visits it. Make the argument safe before "
                 "the sqrt (a first where that puts a harmless positive number where x ≤ 0), "
                 "then select with a second where.")


def _sqrt_reference(x):
    x = np.asarray(x, dtype=float)
    positive = x > 0
    value = np.where(positive, np.sqrt(np.where(positive, x, 1.0)), 0.0)
    slope = np.where(positive, 0.5 / np.sqrt(np.where(positive, x, 1.0)), 0.0)
    return value, slope


def _sqrt_hint(message: str) -> str:
    if "returned NoneType None" in message:
        return "Did you forget the return statement?"
    if "DomainError" in message and "√" in message:
        return _DOUBLE_WHERE
    if "DerivativeError" in message and "√" in message:
        return ("the sqrt receives 0 for some elements (min 0 in the message), and sqrt has no "
                "derivative at 0 (1/(2√0) is infinite), even where the result is not selected. "
                "The number you put in place of x ≤ 0 must be one where sqrt has a derivative, "
                "and x = 0 itself belongs with the negatives (x > 0, not x >= 0).")
    if "ambiguous" in message:
        return ("an `if` decides once for the whole array, but each element needs its own "
                "decision: use ad.where(condition, a, b), which decides element by element.")
    if "UnsupportedOperationError" in message:
        return "use adlab's functions (ad.where, ad.sqrt) so that AD sees every operation."
    return "Run your function on np.array([-4.0, 0.0, 9.0]) in a cell of its own to see where."


@exercise("11-safe-sqrt-where", "safe_sqrt(x): √x where x > 0, else 0, elementwise, with a "
          "gradient that has no nan and raises no error")
def safe_sqrt_where(answer):
    import adlab as ad
    f = as_function(answer, "a function safe_sqrt(x)")
    name = getattr(f, "__name__", "safe_sqrt")
    want_value, want_slope = _sqrt_reference(SQRT_POINTS)
    shown = "(np.array([-4, -1, -0.001, 0, 0.001, 0.25, 1, 9]))"

    def attempt(function, *args, label):
        function.__name__ = name
        try:
            return returned(call(function, *args, label=label), f, label)
        except Rejected as e:
            raise Rejected(e.message, _sqrt_hint(e.message)) from None

    def recorded(x):  # the value, recorded for reverse mode (errors then name the node)
        return ad.vjp(f, x)

    value, pullback = attempt(recorded, SQRT_POINTS.copy(), label=shown)
    value = np.asarray(getattr(value, "value", value), dtype=float)
    if value.shape != SQRT_POINTS.shape:
        return wrong(f"{name}{shown} has shape {value.shape}, not {SQRT_POINTS.shape}.",
                     "Work elementwise: one result per element of x (ad.where and ad.sqrt do).")
    if not close(value, want_value, rtol=1e-12, atol=0):
        bad = int(np.flatnonzero(~np.isclose(value, want_value, rtol=1e-12, atol=0))[0])
        x = SQRT_POINTS[bad]
        return wrong(f"the value at x = {x:g} is {value[bad]:g}, not {want_value[bad]:g}.",
                     "√x where x > 0 and exactly 0 where x ≤ 0 (x = 0 included)." if x <= 0 else
                     "Where x > 0 the result is √x.")

    def gradient(ones):  # ȳ = 1 for every element: the gradient of sum(safe_sqrt(x))
        return pullback(ones)[0]

    slope = np.asarray(attempt(gradient, np.ones_like(SQRT_POINTS),
                               label=f"{shown}, differentiated in reverse mode"), dtype=float)
    if slope.shape != SQRT_POINTS.shape or not np.all(np.isfinite(slope)):
        return wrong(f"the gradient of sum({name}(x)) is {slope}, which has nan or inf entries.",
                     _DOUBLE_WHERE)
    if not close(slope, want_slope, rtol=1e-9, atol=0):
        bad = int(np.flatnonzero(~np.isclose(slope, want_slope, rtol=1e-9, atol=0))[0])
        x = SQRT_POINTS[bad]
        return wrong(f"the derivative at x = {x:g} is {slope[bad]:g}, not {want_slope[bad]:g}.",
                     "Where x ≤ 0 the function is the constant 0 (derivative 0); where x > 0 it "
                     "is √x (derivative 1/(2√x)). The safe value you substitute must not leak "
                     "into the selected result.")
    for x in (-4.0, 0.0, 4.0):  # single numbers too, as ad.grad passes them
        def scalar(x):
            return ad.value_and_grad(f)(x)
        v, d = attempt(scalar, x, label=f"({x:g}), a single number, under ad.value_and_grad")
        (wv,), (wd,) = _sqrt_reference([x])
        if not (close(as_number(v), wv) and close(as_number(d), wd)):
            return wrong(f"for the single number x = {x:g}, value and derivative are "
                         f"({as_number(v):g}, {as_number(d):g}), not ({wv:g}, {wd:g}).",
                         "Make the function work on a plain number as well as on an array "
                         "(ad.where does both).")
    return right("both branches are computed for every element, but the sqrt only ever sees "
                 "safe numbers: the value is right and the gradient is 0 where x ≤ 0, 1/(2√x) "
                 "where x > 0, with no nan.")


# ---------------------------------------------------------------- 11-bisection-gradient

@exercise("11-bisection-gradient", "what ad.grad gives for a bisection root of y³ + y = a at "
          "a = 2, and the derivative of the exact root")
def bisection_gradient(answer):
    ad_value, true_value = as_vector(answer, 2, "numbers: (what AD returns, the true dy/da)")
    y = 1.0                                # the root of y³ + y = 2
    exact = 1.0 / (3 * y * y + 1)          # differentiate y(a)³ + y(a) = a: (3y² + 1) y′ = 1
    ad_right, true_right = _near(ad_value, 0.0, 1e-9), _near(true_value, exact, 1e-3)
    if ad_right and true_right:
        return right("AD returns 0: the program only compares a with numbers, and every "
                     "midpoint is computed from the constants −10 and 10, so the result is "
                     "piecewise constant in a. The root itself moves with slope "
                     "1/(3y² + 1), as a finite difference with a step much larger than the "
                     "bisection's resolution confirms.")
    if _near(ad_value, exact, 1e-3) and _near(true_value, 0.0, 1e-9):
        return wrong("the two numbers are swapped.",
                     "The first is what AD returns for the program, the second the derivative "
                     "of the exact root.")
    if not ad_right:
        if _near(ad_value, exact, 1e-3):
            return wrong("AD does not return the derivative of the root here.",
                         "Which operations does root perform on a? Only comparisons (mid³ + mid "
                         "< a), which give True or False and have no derivative; every number "
                         "it returns is built from −10 and 10. Run ad.grad(root)(2.0).")
        return wrong(f"{ad_value:g} is not what AD returns for root at a = 2.",
                     "Look at where a enters the program: only in comparisons. The output is "
                     "piecewise constant in a (compare round_down above). Run "
                     "ad.grad(root)(2.0) to check your prediction.")
    if _near(true_value, 0.0, 1e-9):
        return wrong("AD's 0 is right for the program, but the exact root does depend on a.",
                     "The root y(a) of y³ + y = a grows with a. Differentiate y(a)³ + y(a) = a "
                     "with respect to a and solve for y′ at y = 1, or take a central difference "
                     "of root with a step much larger than its resolution (h = 1e-3).")
    if _near(true_value, 4.0, 1e-3):
        return wrong("4 is d(y³ + y)/dy at y = 1: how fast a changes with y.",
                     "You need dy/da, how fast the root changes with a: the inverse.")
    if _near(true_value, 1.0 / 3.0, 1e-3) or _near(true_value, 3.0, 1e-3):
        return wrong("the + y term of y³ + y = a has a derivative too.",
                     "Differentiate both terms of y(a)³ + y(a) = a with respect to a (chain "
                     "rule on y³), then solve for y′ at y = 1.")
    return wrong(f"{true_value:g} is not dy/da of the exact root at a = 2.",
                 "At a = 2 the root is y = 1 (1³ + 1 = 2). Differentiate y(a)³ + y(a) = a with "
                 "respect to a and solve for y′; a central difference of root with h = 1e-3 "
                 "checks it.")
