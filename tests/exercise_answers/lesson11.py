"""Reference answers for lesson 11 (when AD misleads), and the typical mistakes each checker must
name. The numbers are worked out independently of the checkers: adlab's own derivative for the
kink and the bisection (what the exercises ask about), numpy's polynomial roots and a central
difference for the exact root's derivative."""
import math

import numpy as np

import adlab as ad

# 11-kink-derivative: what adlab itself returns at the kink
KINK = ad.grad(lambda x: ad.maximum(x, 0.0) + ad.abs(x))(0.0)


# 11-stable-softplus
def softplus(x):
    return ad.maximum(x, 0.0) + ad.log1p(ad.exp(-ad.abs(x)))


def softplus_naive(x):                   # exp overflows at x = 710
    return ad.log(1.0 + ad.exp(x))


def softplus_log1p(x):                   # still overflows
    return ad.log1p(ad.exp(x))


def softplus_relu(x):                    # value right everywhere, derivative 0 at x = 0
    return ad.relu(x) + ad.log1p(ad.exp(-ad.abs(x)))


def softplus_threshold(x):               # no overflow, but 1 + exp(-50) rounds to 1
    return x if x > 30 else ad.log(1.0 + ad.exp(x))


def softplus_where(x):                   # ad.where computes exp(1000) anyway
    return ad.where(x > 30, x, ad.log1p(ad.exp(x)))


def softplus_relu_as_abs(x):             # +½ and −½ cancel in x̄: σ(x) loses its digits below 0
    return (x + ad.abs(x)) / 2 + ad.log1p(ad.exp(-ad.abs(x)))


def softplus_math(x):                    # math cannot be traced
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


# 11-safe-sqrt-where
def safe_sqrt(x):
    positive = x > 0
    return ad.where(positive, ad.sqrt(ad.where(positive, x, 1.0)), 0.0)


def sqrt_single_where(x):                # sqrt of the negatives is still computed
    return ad.where(x > 0, ad.sqrt(x), 0.0)


def sqrt_of_maximum(x):                  # value right; sqrt'(0) does not exist
    return ad.sqrt(ad.maximum(x, 0.0))


def sqrt_safe_zero(x):                   # the safe value 0 is where sqrt has no derivative
    return ad.where(x > 0, ad.sqrt(ad.where(x > 0, x, 0.0)), 0.0)


def sqrt_where_at_zero(x):               # x >= 0 sends x = 0 itself to the sqrt
    return ad.where(x >= 0, ad.sqrt(ad.where(x >= 0, x, 1.0)), 0.0)


def sqrt_if(x):                          # fine for one number, not for an array
    return ad.sqrt(x) if x > 0 else 0.0 * x


def sqrt_abs(x):                         # never fails, but wrong for x < 0
    return ad.sqrt(ad.abs(x) + 1e-300)


# 11-bisection-gradient: the lesson's root finder, run through adlab, and the exact root
def root(a, steps=60):
    lo, hi = -10.0, 10.0
    for _ in range(steps):
        mid = (lo + hi) / 2
        if mid ** 3 + mid < a:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _exact_root(a):
    real = [r.real for r in np.roots([1.0, 0.0, 1.0, -a]) if abs(r.imag) < 1e-12]
    return real[0]


AD_OF_ROOT = ad.grad(root)(2.0)
H = 1e-5
TRUE_SLOPE = (_exact_root(2.0 + H) - _exact_root(2.0 - H)) / (2 * H)

SOLUTIONS = {
    "11-kink-derivative": KINK,
    "11-stable-softplus": softplus,
    "11-safe-sqrt-where": safe_sqrt,
    "11-bisection-gradient": (AD_OF_ROOT, TRUE_SLOPE),
}

WRONG = {
    "11-kink-derivative": [
        (1.0, "tie"),
        (0.0, "relu"),
        (1.5, "abs′(0) = sign 0 = 0"),
        (-1.0, "left of 0"),
        (0.25, "conventions"),
    ],
    "11-stable-softplus": [
        (softplus_naive, "overflows"),
        (softplus_log1p, "overflows"),
        (softplus_where, "computes both"),
        (softplus_relu, "relu′(0) = 0"),
        (softplus_threshold, "log1p"),
        (softplus_math, "adlab's functions"),
        (softplus_relu_as_abs, "nearly cancel"),
    ],
    "11-safe-sqrt-where": [
        (sqrt_single_where, "computes both branches"),
        (sqrt_of_maximum, "sqrt has no derivative at 0"),
        (sqrt_safe_zero, "must be one where sqrt has a derivative"),
        (sqrt_if, "an `if` decides once"),
        (sqrt_where_at_zero, "not x >= 0"),
        (sqrt_abs, "exactly 0"),
    ],
    "11-bisection-gradient": [
        ((TRUE_SLOPE, TRUE_SLOPE), "only comparisons"),
        ((0.0, 0.0), "does depend on a"),
        ((TRUE_SLOPE, 0.0), "swapped"),
        ((0.0, 1.0 / TRUE_SLOPE), "inverse"),
        ((0.0, 1.0 / 3.0), "+ y term"),
        ((0.5, TRUE_SLOPE), "piecewise constant"),
    ],
}

# other valid forms of a right answer
ALSO_ACCEPTED = {
    "11-kink-derivative": [0.5, 1 / 2, np.float64(0.5)],
    "11-stable-softplus": [
        lambda x: ad.logaddexp(0.0, x),                                    # the built-in
        lambda x: x + ad.log1p(ad.exp(-x)) if x > 0 else ad.log1p(ad.exp(x))],  # Python's if
    "11-safe-sqrt-where": [
        lambda x: ad.where(x > 0, ad.sqrt(ad.maximum(x, 1e-12)), 0.0),    # safe by maximum
        lambda x: ad.sqrt(ad.where(x > 0, x, 1.0)) * (x > 0)],            # selected by a mask
    "11-bisection-gradient": [[0, 0.25], np.array([0.0, 0.25]), (0, 1 / 4)],
}
