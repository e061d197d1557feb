"""Lesson 8's reference answers, computed independently of the checkers: with adlab's nested
derivatives (the checkers use derivatives written out by hand and finite differences of
hand-written gradients) and with a single-ε dual-number class written here (the checker expands
the arithmetic on paper). The wrong answers are the mistakes the checkers must name."""
import math

import numpy as np

import adlab as ad


def _g(x):
    return 1 / (1 + ad.exp(-x))


SECOND = ad.grad(ad.grad(_g))(1.0)
FIRST = ad.grad(_g)(1.0)
THIRD = ad.grad(ad.grad(ad.grad(_g)))(1.0)


class _Dual:
    """a + b·ε with one ε for every derivative: the naive design of the lesson."""

    def __init__(self, value, eps=0.0):
        self.value, self.eps = value, eps

    def __add__(self, other):
        other = other if isinstance(other, _Dual) else _Dual(other)
        return _Dual(self.value + other.value, self.eps + other.eps)

    def __mul__(self, other):
        other = other if isinstance(other, _Dual) else _Dual(other)
        return _Dual(self.value * other.value, self.value * other.eps + self.eps * other.value)

    __radd__, __rmul__ = __add__, __mul__


def _naive_derivative(f, x):
    out = f(_Dual(x, 1.0))
    return out.eps if isinstance(out, _Dual) else 0.0


NAIVE = _naive_derivative(lambda x: x * _naive_derivative(lambda y: x * y, 1.0), 3.0)
CORRECT = ad.grad(lambda x: x * ad.grad(lambda y: x * y)(1.0))(3.0)


def hvp(f, x, v):
    return ad.jvp(ad.grad(f), (x,), (v,))[1]


def hvp_reverse_over_reverse(f, x, v):  # another right answer: ∇(vᵀ∇f)
    return ad.grad(lambda x: ad.sum(ad.grad(f)(x) * v))(x)


def hvp_forward_trace(f, x, v):  # another right answer: the tangent of ad.forward, as in the lesson
    return ad.forward(ad.grad(f), (x,), (v,)).tangent


def hvp_forms_hessian(f, x, v):  # the right numbers, but the n × n Hessian is formed
    return ad.hessian(f)(x) @ v


def hvp_column_by_column(f, x, v):  # the Hessian formed from n HVPs, then multiplied
    columns = [ad.jvp(ad.grad(f), (x,), (e,))[1] for e in np.eye(len(x))]
    return np.column_stack(columns) @ v


def hvp_gradient(f, x, v):
    return ad.grad(f)(x)


def hvp_at_x(f, x, v):
    return ad.jvp(ad.grad(f), (x,), (x,))[1]


def hvp_pair(f, x, v):
    return ad.jvp(ad.grad(f), (x,), (v,))


def hvp_of_f(f, x, v):
    return ad.jvp(f, (x,), (v,))[1]


def hvp_matrix(f, x, v):
    return ad.hessian(f)(x)


def hvp_finite_difference(f, x, v):
    h = 1e-3
    return (ad.grad(f)(x + h * v) - ad.grad(f)(x)) / h


def newton(f, x):
    return x - np.linalg.solve(ad.hessian(f)(x), ad.grad(f)(x))


def newton_inverse(f, x):  # inverting is slower than solving, but right
    return x - np.linalg.inv(ad.hessian(f)(x)) @ ad.grad(f)(x)


def newton_as_list(f, x):  # another right answer: a list instead of an array
    return list(newton(f, x))


def newton_divides_by_h(f, x):  # numpy's / works entry by entry: a matrix, not a point
    return x - ad.grad(f)(x) / ad.hessian(f)(x)


def newton_times_h(f, x):
    return x - ad.hessian(f)(x) @ ad.grad(f)(x)


def newton_uphill(f, x):
    return x + np.linalg.solve(ad.hessian(f)(x), ad.grad(f)(x))


def newton_gradient_step(f, x):
    return x - ad.grad(f)(x)


def newton_step_only(f, x):
    return -np.linalg.solve(ad.hessian(f)(x), ad.grad(f)(x))


def newton_diagonal(f, x):
    return x - ad.grad(f)(x) / np.diag(ad.hessian(f)(x))


SOLUTIONS = {
    "08-second-derivative": SECOND,
    "08-hvp": hvp,
    "08-confusion": (NAIVE, CORRECT),
    "08-newton-step": newton,
}

WRONG = {
    "08-second-derivative": [(FIRST, "first derivative"), (THIRD, "third"),
                             (-SECOND, "sign"), (round(SECOND, 2), "four decimals"),
                             (_g(1.0), "value"), (0.5, "call it at 1.0")],
    "08-hvp": [(hvp_gradient, "gradient"), (hvp_at_x, "H·x"), (hvp_pair, "pair"),
               (hvp_of_f, "directional derivative of f"), (hvp_matrix, "matrix"),
               (hvp_finite_difference, "close, but not exact"),
               (lambda f, x, v: -hvp(f, x, v), "sign"),
               (hvp_forms_hessian, "forms the whole Hessian"),
               (hvp_column_by_column, "forms the whole Hessian")],
    "08-confusion": [((CORRECT, NAIVE), "wrong order"), ((NAIVE, 9.0), "not its derivative"),
                     ((CORRECT, CORRECT), "correct implementation"),
                     ((NAIVE, NAIVE), "correct value too"), ((NAIVE, 3.0), "not x times a constant"),
                     ((3.0, CORRECT), "outer perturbation"), ((2.0, CORRECT), "x + y"),
                     ((12.0, CORRECT), "value"), ((5.0, 6.0), "by hand")],
    "08-newton-step": [(newton_times_h, "multiplied by H"), (newton_uphill, "wrong sign"),
                       (newton_gradient_step, "gradient-descent step"),
                       (newton_step_only, "step Δ"), (newton_diagonal, "diagonal"),
                       (newton_divides_by_h, "entry by entry")],
}

# Other right answers, in other valid forms: each must be accepted too.
ALSO_ACCEPTED = {
    "08-second-derivative": [round(SECOND, 4), math.trunc(SECOND * 1e4) / 1e4,  # four decimals, rounded or cut
                             float(np.float32(SECOND))],
    "08-hvp": [hvp_reverse_over_reverse, hvp_forward_trace],
    "08-confusion": [[NAIVE, CORRECT], np.array([NAIVE, CORRECT]), (int(NAIVE), int(CORRECT))],
    "08-newton-step": [newton_inverse, newton_as_list],
}
