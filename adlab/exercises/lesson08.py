"""Lesson 8 · Higher order: Hessians, HVPs and perturbation confusion: the exercises' checkers.

Every reference is written out here by hand: the derivatives of the logistic sigmoid, the gradients
of the test functions (their Hessians are formed by central differences of those gradients), the
single-ε dual-number arithmetic expanded on paper, and the gradients and Hessians of the functions
a Newton step is tested on. The test functions themselves use adlab's operations, because the
student's code differentiates them with adlab.
"""
from __future__ import annotations

import math

import numpy as np

import adlab as ad

from . import (Rejected, as_function, as_number, as_vector, call, close, describe_value, exercise,
               returned, right, wrong)


def _show(vector) -> str:
    return "(" + ", ".join(f"{v:.4g}" for v in vector) + ")"


# ---------------------------------------------------------------- 08-second-derivative

SIGMOID_AT = 1.0


def _sigmoid_derivatives(x: float) -> list[float]:
    """s, s', s'', s''' of s(x) = 1 / (1 + e^-x), from s' = s(1 - s)."""
    s = 1.0 / (1.0 + math.exp(-x))
    d1 = s * (1 - s)
    d2 = d1 * (1 - 2 * s)
    d3 = d1 * (1 - 6 * s + 6 * s * s)
    return [s, d1, d2, d3]


@exercise("08-second-derivative", "g''(1) for g(x) = 1 / (1 + exp(-x)), read with nested grad")
def second_derivative(answer):
    value = as_number(answer, "the second derivative g''(1) (a number)")
    s, d1, d2, d3 = _sigmoid_derivatives(SIGMOID_AT)
    if close(value, d2, rtol=0, atol=1e-4):   # four decimals, rounded or cut off
        return right("ad.grad(ad.grad(g)) is an ordinary function: adlab differentiates the "
                     "program that computes g' once more. g'' < 0 here: at x = 1 the sigmoid "
                     "already bends towards its ceiling of 1.")
    for reference, message, hint in (
            (d1, "that is g'(1), the first derivative.",
             "One ad.grad gives g'. The second derivative differentiates that function again: "
             "nest a second ad.grad around the first."),
            (s, "that is g(1), the value of the function itself.",
             "ad.grad(g) is the first derivative; the second needs grad applied twice."),
            (d3, "that is g'''(1), the third derivative: one ad.grad too many.",
             "Count the nesting: each ad.grad raises the order by one."),
            (-d2, "the size is right, the sign is not.",
             "Past its inflection point at x = 0 the sigmoid bends downwards: check the sign "
             "of what you typed (or of a hand derivation)."),
            (d1 * d1, "that is g'(1)², the square of the first derivative.",
             "The second derivative is the derivative of g', not g' times g'.")):
        if close(value, reference, rtol=0, atol=5e-5):
            return wrong(f"{value:.4g} is not g''(1): {message}", hint)
    if close(value, d2, rtol=0, atol=5e-3):
        return wrong(f"{value:.4g} is close to g''(1), but not to four decimals.",
                     "Give at least four decimals, or the number nested grad returns as it is.")
    return wrong(f"{value:.4g} is not g''(1).",
                 "ad.grad(g) is a Python function x ↦ g'(x); ad.grad of that function is x ↦ "
                 "g''(x). Call it at 1.0.")


# ---------------------------------------------------------------- 08-hvp

def _survey(x):
    return ad.log(x[0]) + x[0] * x[1] - ad.sin(x[1])


def _survey_grad(x):
    return np.array([1 / x[0] + x[1], x[0] - math.cos(x[1])])


def _rosenbrock(x):
    a, b = x[:-1], x[1:]
    return ad.sum((1 - a) ** 2 + 100 * (b - a ** 2) ** 2)


def _rosenbrock_grad(x):
    g = np.zeros_like(x)
    a, b = x[:-1], x[1:]
    g[:-1] += -2 * (1 - a) - 400 * a * (b - a * a)
    g[1:] += 200 * (b - a * a)
    return g


def _log_chain(x):
    return ad.sum(ad.log(1 + (x[1:] - x[:-1] ** 2) ** 2))


def _log_chain_grad(x):
    r = x[1:] - x[:-1] ** 2
    q = 2 * r / (1 + r * r)            # ∂/∂r log(1 + r²)
    g = np.zeros_like(x)
    g[:-1] += q * (-2 * x[:-1])
    g[1:] += q
    return g


def _fan_out(x):
    return ad.sum(x) * ad.sum(x * x)   # every x_k is used in both sums


def _fan_out_grad(x):
    return np.sum(x * x) + 2 * x * np.sum(x)


def _one_input(x):
    return ad.sum(ad.exp(x) * x ** 3)


def _one_input_grad(x):
    return np.exp(x) * (x ** 3 + 3 * x ** 2)


def _fd_hessian(gradient, x: np.ndarray) -> np.ndarray:
    """The Hessian by central differences of an analytic gradient, column by column."""
    n = len(x)
    H = np.empty((n, n))
    for j in range(n):
        step = 1e-5 * max(1.0, abs(x[j]))
        e = np.zeros(n)
        e[j] = step
        H[:, j] = (gradient(x + e) - gradient(x - e)) / (2 * step)
    return (H + H.T) / 2


HVP_CASES = [  # (label, f, its gradient by hand, x, v)
    ("the survey's f(x) = ln x[0] + x[0]·x[1] − sin x[1]", _survey, _survey_grad,
     [2.0, 5.0], [0.3, -2.0]),
    ("the Rosenbrock sum in 5 variables", _rosenbrock, _rosenbrock_grad,
     [-1.2, 1.0, 0.5, -0.3, 2.0], [1.0, -1.0, 0.5, 2.0, 0.3]),
    ("Σ log(1 + (x[i+1] − x[i]²)²) in 4 variables", _log_chain, _log_chain_grad,
     [0.4, -0.7, 1.3, 0.2], [-0.5, 2.0, 1.0, -1.5]),
    ("sum(x) · sum(x²), where every x[k] fans out to both sums", _fan_out, _fan_out_grad,
     [1.0, -2.0, 0.5], [0.0, 1.0, -3.0]),
    ("sum(exp(x) · x³) with a single variable (x of shape (1,))", _one_input, _one_input_grad,
     [0.5], [2.0]),
    ("the Rosenbrock sum with v = 0 (then H·v = 0)", _rosenbrock, _rosenbrock_grad,
     [0.3, 0.8, -0.4], [0.0, 0.0, 0.0]),
]


def _hvp_result(result, n, gradient, Hv, directional, where):
    """The student's result as a vector of n numbers, or Rejected naming the shape mistake."""
    if isinstance(result, (tuple, list)) and len(result) == 2 and n != 2:
        first = np.asarray(result[0], dtype=float) if not callable(result[0]) else None
        if first is not None and first.shape == (n,) and close(first, gradient, rtol=1e-6):
            raise Rejected(f"hvp{where} returned a pair whose first entry is the gradient.",
                           "ad.jvp returns (value, directional derivative): of the two, "
                           "return the second.")
    try:
        array = np.asarray(getattr(result, "value", result), dtype=float)
    except (TypeError, ValueError):
        raise Rejected(f"hvp{where} returned {describe_value(result)}, not {n} numbers.",
                       "Return H·v as a numpy array shaped like x.") from None
    if array.shape == (2, n) and close(array[0], gradient, rtol=1e-6):
        raise Rejected(f"hvp{where} returned a pair whose first entry is the gradient.",
                       "ad.jvp returns (value, directional derivative): of the two, return "
                       "the second.")
    if array.size == 1 and n > 1:
        if close(array.reshape(()), directional, rtol=1e-6, atol=1e-9):
            raise Rejected(f"hvp{where} returned one number, vᵀ∇f: the directional derivative "
                           f"of f itself.",
                           "H·v is a vector: the directional derivative of the gradient ∇f "
                           "(a function Rⁿ → Rⁿ) along v, not of f.")
        raise Rejected(f"hvp{where} returned one number; H·v has {n} entries.",
                       "Differentiate the gradient (a vector), not f (a number).")
    if array.shape == (n, n) and n > 1:
        raise Rejected(f"hvp{where} returned a {n}×{n} matrix, not a vector.",
                       "H·v is a vector with one entry per variable. Find it without forming "
                       "H: a single forward sweep over the gradient, seeded with v.")
    return as_vector(array, n, f"numbers (H·v has one entry per variable, {n} here)")


@exercise("08-hvp", "write hvp(f, x, v): the Hessian-vector product H·v with adlab")
def hessian_vector_product(answer):
    hvp = as_function(answer, "a function hvp(f, x, v)")
    name = getattr(hvp, "__name__", "hvp")
    for label, f, gradient, x, v in HVP_CASES:
        x, v = np.array(x), np.array(v)
        n = len(x)
        H = _fd_hessian(gradient, x)
        expected = H @ v
        g = gradient(x)
        where = f" on {label}"
        with ad.count_sweeps() as sweeps:
            result = returned(call(hvp, f, x.copy(), v.copy(), label=where), hvp, where)
        got = _hvp_result(result, n, g, expected, float(v @ g), where)
        scale = max(1.0, float(np.abs(H).max() * np.abs(v).max()))
        if close(got, expected, rtol=1e-6, atol=1e-6 * scale):
            if n >= 4 and sweeps.tangent + sweeps.adjoint > n:
                return wrong(f"{name}(f, x, v) returns H·v for {label}, but it ran "
                             f"{sweeps.tangent + sweeps.adjoint} derivative sweeps for n = {n} "
                             f"variables: it forms the whole Hessian, one sweep per column "
                             f"(ad.hessian, or a loop over the unit vectors).",
                             "The task is H·v without forming H: its cost must not grow with n. "
                             "H·v is the directional derivative of the gradient along v: a "
                             "single forward sweep over the program of ad.grad(f), with v as "
                             "the seed.")
            continue
        shown = _show(got)
        message = f"{name}(f, x, v) returned {shown} for {label}; that is not H·v."
        if close(got, g, rtol=1e-6):
            return wrong(message + " It is the gradient ∇f(x).",
                         "The gradient is the value of the function ad.grad(f); H·v is its "
                         "directional derivative along v: push v through the gradient.")
        if close(got, H @ x, rtol=1e-6, atol=1e-6 * scale):
            return wrong(message + " It is H·x: x was used as the direction.",
                         "x is where the Hessian is taken; v is the direction. The tangent "
                         "(seed) of the forward sweep is v.")
        if close(got, -expected, rtol=1e-6, atol=1e-6 * scale):
            return wrong(message + " It is −H·v: the sign is flipped.",
                         "Check for a minus sign: H·v is d/dt ∇f(x + t·v) at t = 0.")
        if close(got, np.diag(H) * v, rtol=1e-6, atol=1e-6 * scale):
            return wrong(message + " It uses only the diagonal of H.",
                         "Every entry of H·v mixes all of v: row i is Σ_j ∂²f/∂x_i∂x_j · v_j.")
        if np.linalg.norm(got - expected) <= 1e-2 * max(np.linalg.norm(expected), 1.0):
            return wrong(message + " It is close, but not exact.",
                         "Finite differences of the gradient only approximate H·v; forward mode "
                         "over reverse mode gives it to the last digit.")
        return wrong(message,
                     "H·v is the directional derivative of the gradient: a forward sweep "
                     "(ad.jvp) over the function ad.grad(f), at x, with tangent v.")
    return right(f"{name} matches H·v (a Hessian formed by finite differences of a hand-written "
                 f"gradient) on {len(HVP_CASES)} functions, including fan-out, one variable and "
                 f"v = 0. One forward sweep over the gradient: the n × n Hessian is never formed.")


# ---------------------------------------------------------------- 08-confusion

CONFUSION_X, CONFUSION_Y = 3.0, 1.0


def _naive_and_correct(x0: float, y0: float) -> tuple[float, float]:
    """d/dx [x · d/dy (x·y)] at x = x0, the inner derivative at y = y0.

    Naive, one ε: x = x0 + ε, y = y0 + ε, so x·y = x0·y0 + (y0 + x0)ε (ε² = 0); the inner
    derivative reads y0 + x0, a plain number, and the outer function x·(y0 + x0) has derivative
    y0 + x0. Correct: d/dy (x·y) = x, so the outer function is x², whose derivative is 2·x0.
    """
    return y0 + x0, 2 * x0


@exercise("08-confusion", "(naive, correct) for d/dx [x · d/dy (x·y)] at x = 3, inner at y = 1")
def confusion(answer):
    naive, correct = as_vector(answer, 2, "numbers: (naive dual numbers' result, correct value)")
    want_naive, want_correct = _naive_and_correct(CONFUSION_X, CONFUSION_Y)
    x0, y0 = CONFUSION_X, CONFUSION_Y
    naive_ok = close(naive, want_naive, rtol=0, atol=1e-6)
    correct_ok = close(correct, want_correct, rtol=0, atol=1e-6)
    if naive_ok and correct_ok:
        return right("the inner derivative reads the coefficient of the one shared ε in "
                     "(3 + ε)(1 + ε), and picks up the outer perturbation's contribution along "
                     "with its own; it also returns a plain number, so the outer derivative "
                     "never sees that x · d/dy(x·y) = x². Separate ε's (adlab's levels) fix both.")
    if close(naive, want_correct, rtol=0, atol=1e-6) and close(correct, want_naive, rtol=0,
                                                              atol=1e-6):
        return wrong("both numbers are right, in the wrong order.",
                     "The answer is (naive, correct): first what the naive dual numbers "
                     "return, then the true derivative.")
    if naive_ok:
        if close(correct, x0 * x0, rtol=0, atol=1e-6):
            return wrong("the naive value is right; the correct value is the value of the outer "
                         "function x · x at x = 3, not its derivative.",
                         "The correct value is a derivative: of x · d/dy (x·y) with respect "
                         "to x, taken at x = 3.")
        if close(correct, want_naive, rtol=0, atol=1e-6):
            return wrong("the naive value is right, but you gave it as the correct value too.",
                         "Do the mathematics first: d/dy (x·y) = x, so the outer function is "
                         "x · x. Differentiate that.")
        if close(correct, x0, rtol=0, atol=1e-6):
            return wrong("the naive value is right; the correct value is not.",
                         "d/dy (x·y) = x depends on x: the outer function is x · x, not x times "
                         "a constant.")
        return wrong("the naive value is right; the correct value is not.",
                     "Without any dual numbers: what is d/dy (x·y)? Put it into x · (…) and "
                     "differentiate with respect to x at x = 3.")
    if close(naive, want_correct, rtol=0, atol=1e-6):
        return wrong("your naive value is what a correct implementation (adlab) gives.",
                     "The naive code has one ε: expand (3 + ε)·(1 + ε), drop ε², read the "
                     "coefficient of ε (the inner derivative, a plain number), then "
                     "differentiate x times that number.")
    if close(naive, x0, rtol=0, atol=1e-6):
        return wrong("your naive value is d/dy (x·y) = x at x = 3: what the inner derivative "
                     "should give. The naive code returns something else.",
                     "With one shared ε both factors of (3 + ε)(1 + ε) carry ε, so the "
                     "inner derivative picks up the outer perturbation too.")
    if close(naive, 2.0, rtol=0, atol=1e-6):
        return wrong("2 is the naive answer of the lesson's example, where the inner function "
                     "was x + y.", "Here the inner function is x·y: expand (3 + ε)(1 + ε).")
    if close(naive, x0 * want_naive, rtol=0, atol=1e-6):
        return wrong("that is the value of x · (inner derivative), not its derivative.",
                     "The outer derivative reads the coefficient of ε in x · (inner), "
                     "with x = 3 + ε.")
    return wrong("the naive value is not right.",
                 "Run it by hand: x = 3 + ε and y = 1 + ε with ε² = 0. The inner derivative "
                 "is the coefficient of ε in x·y (a plain number c); the result is the "
                 "coefficient of ε in x·c.")


# ---------------------------------------------------------------- 08-newton-step

def _quadratic(A, b, c):
    A, b = np.array(A, dtype=float), np.array(b, dtype=float)

    def f(x):
        return 0.5 * ad.sum(x * (A @ x)) - ad.sum(b * x) + c

    def gradient(x):
        return 0.5 * (A + A.T) @ x - b

    def hessian(x):
        return 0.5 * (A + A.T)
    return f, gradient, hessian


def _rosenbrock2(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def _rosenbrock2_grad(x):
    a, b = x
    return np.array([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)])


def _rosenbrock2_hessian(x):
    a, b = x
    return np.array([[2 - 400 * (b - a * a) + 800 * a * a, -400 * a], [-400 * a, 200.0]])


def _coupled(x):
    return ad.sum(ad.exp(x)) + x[0] * x[1] + x[1] * x[2]


def _coupled_grad(x):
    return np.exp(x) + np.array([x[1], x[0] + x[2], x[1]])


def _coupled_hessian(x):
    return np.diag(np.exp(x)) + np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=float)


NEWTON_CASES = [  # (label, (f, gradient, hessian), x, quadratic?)
    ("the quadratic ½xᵀAx − bᵀx + 0.5, A = [[3, 1], [1, 2]], b = (1, −1)",
     _quadratic([[3, 1], [1, 2]], [1, -1], 0.5), [4.0, -3.0], True),
    ("a quadratic in 3 variables from x = 0",
     _quadratic([[4, 1, 0], [1, 3, -1], [0, -1, 2]], [1, 2, -3], 0.0), [0.0, 0.0, 0.0], True),
    ("the quadratic 2(x − 3)² + 1 in one variable (x of shape (1,))",
     _quadratic([[4.0]], [12.0], 19.0), [-1.0], True),
    ("the 2-D Rosenbrock function at (−1.2, 1)",
     (_rosenbrock2, _rosenbrock2_grad, _rosenbrock2_hessian), [-1.2, 1.0], False),
    ("Σ exp(x) + x0·x1 + x1·x2 at (0.2, −0.1, 0.3)",
     (_coupled, _coupled_grad, _coupled_hessian), [0.2, -0.1, 0.3], False),
]


def _shape(value) -> tuple:
    """numpy's shape of an answer, or () for anything numpy cannot read as an array."""
    try:
        return np.shape(value)
    except (TypeError, ValueError):
        return ()


@exercise("08-newton-step", "write newton_step(f, x): one Newton step x − H⁻¹∇f with adlab")
def newton_step(answer):
    step = as_function(answer, "a function newton_step(f, x)")
    name = getattr(step, "__name__", "newton_step")
    for label, (f, gradient, hessian), x, quadratic in NEWTON_CASES:
        x = np.array(x)
        n = len(x)
        g, H = gradient(x), hessian(x)
        expected = x - np.linalg.solve(H, g)
        where = f" on {label}"
        result = returned(call(step, f, x.copy(), label=where), step, where)
        if n > 1 and _shape(result) == (n, n):
            raise Rejected(f"{name}(f, x) returned a {n}×{n} array{where}, not a point.",
                           "numpy's / and * work entry by entry: g / H divides each entry of "
                           "H into g and broadcasts to a matrix. H⁻¹∇f is the solution Δ of "
                           "the linear system H·Δ = ∇f (np.linalg.solve).")
        got = as_vector(result, n, f"numbers (the new point has one entry per variable, "
                                   f"{n} here)")
        scale = max(1.0, float(np.abs(expected).max()))
        if close(got, expected, rtol=1e-8, atol=1e-10 * scale):
            continue
        shown = _show(got)
        message = (f"{name}(f, x) returned {shown} for {label}"
                   + ("; one Newton step lands on the minimum of a quadratic, and this is not "
                      "it." if quadratic else "; that is not x − H⁻¹∇f."))
        candidates = [
            (x - H @ g, "It is x − H·∇f: multiplied by H.",
             "Newton divides by the curvature: solve H·Δ = ∇f (np.linalg.solve(H, g)) "
             "instead of multiplying ∇f by H."),
            (x + np.linalg.solve(H, g), "It is x + H⁻¹∇f: the step has the wrong sign.",
             "The step goes against the gradient: subtract H⁻¹∇f from x."),
            (x - g, "It is x − ∇f: a gradient-descent step of size 1.",
             "Newton's step rescales the gradient by the inverse Hessian."),
            (-np.linalg.solve(H, g), "It is the step Δ = −H⁻¹∇f alone.",
             "Return the new point: x plus the step."),
            (np.linalg.solve(H, g), "It is H⁻¹∇f alone.",
             "Return the new point x − H⁻¹∇f, not the step."),
            (x - g / np.diag(H), "It divides ∇f by the diagonal of H only.",
             "The off-diagonal entries of H (how the variables interact) matter: solve with "
             "the whole matrix."),
        ]
        for candidate, what, hint in candidates:
            if close(got, candidate, rtol=1e-8, atol=1e-10 * scale) and not close(
                    candidate, expected, rtol=1e-8, atol=1e-10 * scale):
                return wrong(message + " " + what, hint)
        return wrong(message, "Compute ∇f(x) with ad.grad(f) and H with ad.hessian(f), both "
                              "at x; then x_new = x − H⁻¹∇f (np.linalg.solve(H, ∇f) gives "
                              "H⁻¹∇f without inverting H).")
    return right(f"one step lands on the minimum of every quadratic (there the second-order "
                 f"model is f itself) and matches the hand-computed step on "
                 f"{len(NEWTON_CASES) - 3} non-quadratic functions.")


__all__ = ["second_derivative", "hessian_vector_product", "confusion", "newton_step"]
