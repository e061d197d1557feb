"""Lesson 1 · Finite differences: the secant and its errors.

Every reference here is mathematics written out by hand, never adlab's finite differences:
derivatives by hand, the exact central difference of a cubic (3x² + h²), the error model of a
central difference (h²/6·|f'''| + ε|f|/(2h)) and gradients by hand.
"""
from __future__ import annotations

import math

import numpy as np

from . import Rejected, as_function, as_number, call, exercise, returned, right, wrong

EPS = 2.0 ** -52   # machine epsilon of float64


def _number(value, function, where):
    """A student's function's result as one float (or Rejected saying what came back)."""
    returned(value, function, where)
    try:
        return as_number(value, "one number")
    except Rejected as error:
        raise Rejected(f"{getattr(function, '__name__', 'your function')}{where} returned "
                       f"something that is not one number: {error.message}",
                       "Return a single float.") from None


def _near(a, b, rtol=1e-9):
    return abs(a - b) <= rtol * max(abs(a), abs(b), 1e-300)


# ---------------------------------------------------------------- 01-central-difference

def _cube(t):
    return t * t * t


def _square(t):
    return t * t


# (where, f, x, h, f'(x) by hand, a bound on |f'''| between x - h and x + h)
_CENTRAL_CASES = (
    ("f = sin, x = 1, h = 0.01", math.sin, 1.0, 1e-2, math.cos(1.0), 1.0),
    ("f = exp, x = 0.5, h = 0.01", math.exp, 0.5, 1e-2, math.exp(0.5), math.exp(0.51)),
    ("f = log, x = 3, h = 0.001", math.log, 3.0, 1e-3, 1 / 3, 2 / 2.999 ** 3),
    ("f(x) = x², x = -1.5, h = 0.1", _square, -1.5, 0.1, -3.0, 0.0),
)


@exercise("01-central-difference", "write central_difference(f, x, h) = (f(x+h) - f(x-h)) / 2h")
def check_central_difference(answer):
    student = as_function(answer, "a function central_difference(f, x, h)")
    for where, f, x, h, exact, bound in _CENTRAL_CASES:
        label = f"({where})"
        value = _number(call(student, f, x, h, label=label), student, label)
        forward = (f(x + h) - f(x)) / h
        backward = (f(x) - f(x - h)) / h
        over_h = (f(x + h) - f(x - h)) / h
        if _near(value, forward) and not _near(forward, exact, 1e-12):
            return wrong(f"for {where} your function gives {value:.6g}, which is the forward "
                         f"difference (f(x + h) - f(x)) / h; f'(x) = {exact:.6g}.",
                         "(f(x + h) - f(x)) / h is one-sided, first order: its error shrinks "
                         "only like h. A central difference uses the two points on either side "
                         "of x, x + h and x - h.")
        if _near(value, backward) and not _near(backward, exact, 1e-12):
            return wrong(f"for {where} your function gives {value:.6g}, which is the backward "
                         f"difference (f(x) - f(x - h)) / h; f'(x) = {exact:.6g}.",
                         "That is one-sided (first order). A central difference does not use "
                         "f(x) at all: it uses f(x + h) and f(x - h).")
        if _near(value, over_h):
            return wrong(f"for {where} your function gives {value:.6g}, about twice "
                         f"f'(x) = {exact:.6g}.",
                         "x + h and x - h are 2h apart: divide the difference by 2h, not by h.")
        if _near(value, (f(x + h) - f(x - h)) / 2 * h) and h != 1:
            return wrong(f"for {where} your function gives {value:.6g}, far from "
                         f"f'(x) = {exact:.6g}: the difference was multiplied by h, not "
                         f"divided by it.",
                         "In Python a / 2 * h means (a / 2) * h: put the denominator in "
                         "parentheses, a / (2 * h).")
        if _near(value, -exact, 1e-3) and exact != 0:
            return wrong(f"for {where} your function gives {value:.6g}, the negative of "
                         f"f'(x) = {exact:.6g}.",
                         "The sign: the slope is f(x + h) minus f(x - h), the right point "
                         "minus the left one.")
        tolerance = 1.5 * h * h / 6 * bound + 1e-9 * max(1.0, abs(exact))
        if abs(value - exact) > tolerance:
            return wrong(f"for {where} your function gives {value:.6g}; f'(x) = {exact:.6g}, "
                         f"and a central difference with this h is off by at most about "
                         f"{tolerance:.1e} there (h²/6 times |f'''|), but yours is off by "
                         f"{abs(value - exact):.1e}.",
                         "Evaluate f at x + h and at x - h (not at x), subtract, and divide by "
                         "the distance between the two points.")
    # x³: the central difference is exactly 3x² + h², a check on the step actually used
    x, h = 2.0, 0.5
    label = "(f(x) = x³, x = 2, h = 0.5)"
    value = _number(call(student, _cube, x, h, label=label), student, label)
    if not _near(value, 3 * x * x + h * h, 1e-12):
        if _near(value, 3 * x * x + h * h / 4, 1e-12):
            return wrong(f"for x³ at x = 2 with h = 0.5 your function gives {value:.6g}: that "
                         f"is a central difference over x ± h/2.",
                         "The exercise asks for the points x + h and x - h, 2h apart.")
        if abs(value - 3 * x * x) < 1e-4:
            return wrong(f"for x³ at x = 2 with h = 0.5 your function gives {value:.6g}, the "
                         f"exact derivative 12: it does not use the step h it was given.",
                         "With h = 0.5 a central difference of x³ is not exact: use the h "
                         "passed to your function, not a step of your own.")
        return wrong(f"for x³ at x = 2 with h = 0.5 your function gives {value:.6g}; a "
                     f"central difference of x³ is exactly 3x² + h² there.",
                     "Check the formula with pencil and paper on x³: expand (x + h)³ and "
                     "(x - h)³, subtract, divide by 2h.")
    return right("your central difference is second order: on x³ it gives exactly 3x² + h², "
                 "and on sin, exp, log and x² it is within h²/6·|f'''| of f'(x).")


# ---------------------------------------------------------------- 01-order-from-slope

@exercise("01-order-from-slope", "the order of a four-point scheme, read off its measured errors")
def check_order_from_slope(answer):
    p = as_number(answer, "a number (the order p)")
    if abs(p - 4) <= 0.25:
        return right(f"order {p:g}: halve h and the error falls by 2⁴ = 16. Four evaluations "
                     f"buy order 4, but round-off grows as before (ε|f|/h), so its V bottoms "
                     f"out at a still larger h.")
    if abs(p) < 1e-3:
        return wrong(f"{p:g} is the size of an error, not an order.",
                     "The order p is the exponent in error ≈ C·h^p: the slope of log10(error) "
                     "against log10(h), a number like 1 or 2, not an error.")
    if p < 0:
        return wrong(f"a negative order ({p:g}) would mean the error grows as h shrinks.",
                     "In this range the error falls as h falls: the slope of log(error) "
                     "against log(h) is positive. Check the order of the subtraction.")
    if 8 <= p <= 40:
        return wrong(f"{p:g} looks like the factor by which the error shrinks when h is halved, "
                     f"not the order.",
                     "If halving h divides the error by a factor F, then F = 2^p: the order is "
                     "p = log2(F).")
    if abs(p - 2) <= 0.25:
        return wrong("2 is the central difference's order; this scheme's errors fall faster.",
                     "Fit the slope of log10(error) against log10(h) on the printed errors "
                     "(np.polyfit(np.log10(hs), np.log10(errors), 1)[0]).")
    if abs(p - 1) <= 0.25:
        return wrong("1 is the order of a one-sided difference; this scheme's errors fall "
                     "faster.",
                     "Compare two rows: by what factor does the error fall when h is halved? "
                     "That factor is 2^p.")
    if 0 < p < 1:
        return wrong(f"an order of {p:g} would be worse than a one-sided difference.",
                     "Did you divide log(h) by log(error) instead of the other way round? "
                     "The slope is Δlog10(error) / Δlog10(h).")
    return wrong(f"order {p:g} does not match the errors printed above.",
                 "Fit log10(error) against log10(h): "
                 "np.polyfit(np.log10(hs), np.log10(errors), 1)[0], and round it.")


# ---------------------------------------------------------------- 01-best-step

def _central_error_model(h):
    """ψ(x1) = ln x1 + 5 x1 - sin 5 at x1 = 2, central differences: truncation h²/6·|ψ'''| plus
    round-off ε|ψ|/(2h), with ψ''' = 2 / x1³ by hand."""
    x = 2.0
    value = math.log(x) + 5 * x - math.sin(5.0)
    third = 2 / x ** 3
    return h * h / 6 * third + EPS * abs(value) / (2 * h)


def _best_step_range(factor=5.0):
    """The steps whose modelled error is within ``factor`` of the smallest."""
    hs = np.logspace(-10, 0, 20001)
    error = np.array([_central_error_model(h) for h in hs])
    inside = hs[error <= factor * error.min()]
    return float(inside.min()), float(inside.max())


@exercise("01-best-step", "the step h at the bottom of a central difference's V, read off the plot")
def check_best_step(answer):
    h = as_number(answer, "a step h (a positive number)")
    if h <= 0:
        return wrong(f"h = {h:g} is not a step.",
                     "A step is positive: read its value off the horizontal axis.")
    low, high = _best_step_range()
    if low <= h <= high:
        return right(f"h = {h:.1e} is at the bottom of the V: a smaller step makes round-off "
                     f"worse, a larger one truncation. The V's bottom is wide, so any h within "
                     f"a factor of a few of it is as good.")
    if h < low:
        if 1e-8 <= h <= 3e-7:   # a lucky zero there, or the one-sided optimum of section 4
            return wrong(f"at h = {h:.1e} round-off dominates: you are on the left branch of the "
                         f"V, where the error falls as h grows.",
                         "An exact zero drawn at the bottom there is luck, not the trend. And the "
                         "one-sided optimum of section 4, near √ε·max(|x|, 1), does not apply: a "
                         "central difference's truncation falls like h², so its V bottoms out at "
                         "a larger h. Read where the two straight branches of the V meet.")
        axis = (" (If you took the number from the vertical axis: that is the error at the "
                "bottom; the question asks for the step, the horizontal axis.)" if h < 1e-8
                else "")
        return wrong(f"at h = {h:.1e} round-off dominates: you are on the left branch of the "
                     f"V, where the error falls as h grows.",
                     "Round-off makes single points jump: a point far below its neighbours, or "
                     "an exact zero drawn at the bottom, is luck, not the trend. Read where the "
                     "two straight branches of the V meet." + axis)
    return wrong(f"at h = {h:.1e} truncation dominates: you are on the right branch of the V, "
                 f"where the error rises like h² as h grows.",
                 "Move left along the horizontal axis until the error stops falling: that is "
                 "where round-off takes over.")


# ---------------------------------------------------------------- 01-gradient-evaluations

@exercise("01-gradient-evaluations",
          "evaluations of f for a forward-difference gradient with n = 1000 inputs")
def check_gradient_evaluations(answer):
    count = as_number(answer, "a number of evaluations")
    if count == 1001:
        return right("n + 1 = 1001: one f(x) shared by all inputs, plus one f(x + h eᵢ) per "
                     "input. The cost grows with n; lesson 5's reverse mode does not.")
    if count == 1000:
        return wrong("1000 counts the shifted points f(x + h eᵢ), one per input, but each "
                     "difference also needs f at the base point.",
                     "Write out (f(x + h eᵢ) - f(x)) / h for i = 1..n: which value of f appears "
                     "in every one of them, and how often must it be computed?")
    if count in (2000, 2001, 1999):
        return wrong(f"{count:g} evaluations is what a central difference costs (2n: x + h eᵢ "
                     f"and x - h eᵢ for each input); the question is about forward differences.",
                     "A forward difference needs one shifted point per input, and the base "
                     "point f(x) is shared by all of them.")
    if count in (1, 2):
        return wrong(f"{count:g} evaluation{'s' * (count != 1)} give at most one difference, the "
                     f"slope along one direction; a gradient needs one slope per input.",
                     "Count: one shifted point per input, plus the base point.")
    if count in (1000 ** 2, 1000 ** 2 + 1):
        return wrong(f"{count:g} counts the work of the evaluations, not their number.",
                     "The question counts calls of f, whatever each call costs.")
    return wrong(f"{count:g} evaluations is not what a forward-difference gradient of "
                 f"1000 inputs costs.",
                 "Count the distinct points x + h eᵢ, and the base point x.")


# ---------------------------------------------------------------- 01-gradient-check

def _survey(x):
    k = x.size // 2
    return np.sum(np.log(x[:k]) + x[:k] * x[k:] - np.sin(x[k:]))


def _survey_grad(x):
    k = x.size // 2
    return np.concatenate([1 / x[:k] + x[k:], x[:k] - np.cos(x[k:])])


def _survey_sign_slip(x):
    k = x.size // 2
    return np.concatenate([1 / x[:k] + x[k:], x[:k] + np.cos(x[k:])])


def _sin3(x):
    return np.sin(3 * x[0])


def _sin3_grad(x):
    return np.array([3 * np.cos(3 * x[0])])


def _sin3_no_chain(x):
    return np.array([np.cos(3 * x[0])])


def _big(x):
    return 1e6 * np.sum(np.exp(x / 10))


def _big_grad(x):
    return 1e5 * np.exp(x / 10)


def _big_doubled(x):
    return 2e5 * np.exp(x / 10)


def _rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def _rosenbrock_grad(x):
    return np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2),
                     200 * (x[1] - x[0] ** 2)])


def _rosenbrock_swapped(x):
    return _rosenbrock_grad(x)[::-1].copy()


# The functions return numpy scalars, not float(...): a check by the complex step (section 6)
# evaluates them on complex arrays, and float() would drop the imaginary part.
# (what, f, its gradient by hand, a wrong gradient and its bug, the point)
_CHECK_CASES = (
    ("the survey's f on 8 inputs", _survey, _survey_grad, _survey_sign_slip,
     "a sign slip in ∂f/∂x2", np.array([1.5, 2.0, 2.5, 3.0, 4.0, 4.5, 5.0, 5.5])),
    ("sin(3x) at x = 0.4 (one input)", _sin3, _sin3_grad, _sin3_no_chain,
     "the chain rule's factor 3 forgotten", np.array([0.4])),
    ("1e6·Σ exp(x/10) (gradient entries near 1e5)", _big, _big_grad, _big_doubled,
     "a gradient twice too large", np.array([1.0, 2.0, 3.0])),
    ("Rosenbrock's function at (-1.2, 1)", _rosenbrock, _rosenbrock_grad, _rosenbrock_swapped,
     "the two entries swapped", np.array([-1.2, 1.0])),
)


def _relative(a, b):
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b)))


def _run_check(student, f, grad, x, what):
    label = f"(f = {what})"
    value = call(student, f, grad, x.copy(), label=label)
    returned(value, student, label)
    if np.size(getattr(value, "value", value)) > 1:
        raise Rejected(f"gradient_check{label} returned {np.size(value)} numbers, one per "
                       f"entry of the gradient.",
                       "Return one number: the norm of the difference divided by the larger of "
                       "the two gradients' norms (np.linalg.norm), not entry by entry.")
    return _number(value, student, label)


@exercise("01-gradient-check",
          "write gradient_check(f, grad_f, x): the relative error of a gradient")
def check_gradient_check(answer):
    student = as_function(answer, "a function gradient_check(f, grad_f, x)")
    for what, f, grad, bad, bug, x in _CHECK_CASES:
        good = _run_check(student, f, grad, x, what)
        if not good < 1e-5:
            if good < 1e-5 * np.linalg.norm(grad(x)):   # small next to |g|: not divided by it
                hint = ("That looks like an absolute error: a relative error divides the "
                        "difference by the size of the gradients, max(|g|, |g_FD|), so that it "
                        "does not depend on the scale of f.")
            else:
                hint = ("Use a central difference with its textbook step (ad.fd.gradient(f, x, "
                        "scheme='central')), or a forward one with h near √ε·max(|x|, 1): a "
                        "step far from these makes even a correct gradient look wrong.")
            return wrong(f"for f = {what} your check returns {good:.1e} for the correct "
                         f"gradient; a good check gives below 1e-7 (one-sided) or about 1e-10 "
                         f"(central).", hint)
        expected = _relative(bad(x), grad(x))
        result = _run_check(student, f, bad, x, what + ", a wrong gradient")
        if abs(result - expected) <= 0.02 * expected:
            continue
        w, g = bad(x), grad(x)
        diff = np.linalg.norm(w - g)
        message = (f"for f = {what} and a wrong gradient ({bug}) your check returns "
                   f"{result:.3g}, but |g - g_FD| / max(|g|, |g_FD|) is {expected:.3g}.")
        if abs(result - diff) <= 0.02 * diff:
            return wrong(message, "That is the absolute error |g - g_FD|: divide it by "
                                  "max(|g|, |g_FD|) so that it does not depend on the scale of f.")
        if any(abs(result - diff / d) <= 0.02 * diff / d
               for d in (np.linalg.norm(w), np.linalg.norm(g))):
            return wrong(message, "Divide by the larger of the two norms, max(|g|, |g_FD|): "
                                  "dividing by one of them alone blows up when that one is "
                                  "the small (wrong) one.")
        if abs(result - np.max(np.abs(w - g)) / max(np.max(np.abs(w)), np.max(np.abs(g)))) \
                <= 0.02 * expected:
            return wrong(message, "|·| here is the Euclidean norm, np.linalg.norm, of the whole "
                                  "vector, not its largest entry.")
        return wrong(message, "Compute both gradients as flat arrays, then "
                              "np.linalg.norm(g - g_fd) / max(np.linalg.norm(g), "
                              "np.linalg.norm(g_fd)).")
    return right("your check accepts correct gradients (error far below 1e-5) and measures "
                 "the error of wrong ones, on one input or many, whatever the scale of f.")
