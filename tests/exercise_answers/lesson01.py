"""Reference answers for lesson 1 (finite differences), computed here independently of the
checkers: the formulas written out, slopes fitted on measured errors, adlab's measured optimum of
the V, and evaluations counted by wrapping f."""
import numpy as np

import adlab as ad


def central_difference(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


def _order_of_the_four_point_scheme():
    """The slope of log10(error) against log10(h) for the lesson's four-point scheme."""
    def phi(x2):
        return np.log(2.0) + 2.0 * x2 - np.sin(x2)
    x, exact = 5.0, 2.0 - np.cos(5.0)
    hs = np.array([0.2, 0.1, 0.05, 0.025])
    errors = [abs((-phi(x + 2 * h) + 8 * phi(x + h) - 8 * phi(x - h) + phi(x - 2 * h)) / (12 * h)
                  - exact) for h in hs]
    return float(round(np.polyfit(np.log10(hs), np.log10(errors), 1)[0]))


def _bottom_of_the_v():
    """adlab's measured optimum (the trend's bottom) for the exercise's V."""
    def psi(x1):
        return ad.log(x1) + 5.0 * x1 - ad.sin(5.0)
    return ad.fd.error_sweep(psi, 2.0, exact=5.5, scheme="central").h_optimal_measured


def _evaluations_counted(n=1000):
    calls = []

    def f(x):
        calls.append(1)
        return float(np.sum(x ** 2))
    ad.fd.gradient(f, np.linspace(1.0, 2.0, n), scheme="forward")
    return len(calls)


def gradient_check(f, grad_f, x):
    """Relative error of grad_f(x) against central differences written out entry by entry."""
    x = np.asarray(x, dtype=float)
    g = np.ravel(np.asarray(grad_f(x), dtype=float))
    fd = np.empty(x.size)
    for i in range(x.size):
        h = np.cbrt(np.finfo(float).eps) * max(abs(x[i]), 1.0)
        e = np.zeros(x.size)
        e[i] = h
        fd[i] = (f(x + e) - f(x - e)) / (2 * h)
    return np.linalg.norm(g - fd) / max(np.linalg.norm(g), np.linalg.norm(fd))


# typical wrong answers
def forward_difference(f, x, h):
    return (f(x + h) - f(x)) / h


def backward_difference(f, x, h):
    return (f(x) - f(x - h)) / h


def central_over_h(f, x, h):
    return (f(x + h) - f(x - h)) / h


def central_precedence(f, x, h):
    return (f(x + h) - f(x - h)) / 2 * h


def central_half_steps(f, x, h):
    return (f(x + h / 2) - f(x - h / 2)) / h


def central_own_step(f, x, h):
    h = 1e-5
    return (f(x + h) - f(x - h)) / (2 * h)


def _fd(f, x):
    return np.ravel(ad.fd.gradient(f, np.asarray(x, dtype=float), scheme="central").value)


def check_absolute(f, grad_f, x):
    return np.linalg.norm(np.ravel(grad_f(x)) - _fd(f, x))


def check_over_fd_norm(f, grad_f, x):
    fd = _fd(f, x)
    return np.linalg.norm(np.ravel(grad_f(x)) - fd) / np.linalg.norm(fd)


def check_entrywise(f, grad_f, x):
    g, fd = np.ravel(grad_f(x)), _fd(f, x)
    return np.abs(g - fd) / np.maximum(np.abs(g), np.abs(fd))


def check_max_norm(f, grad_f, x):
    g, fd = np.ravel(grad_f(x)), _fd(f, x)
    return np.max(np.abs(g - fd)) / max(np.max(np.abs(g)), np.max(np.abs(fd)))


def check_big_step(f, grad_f, x):
    g = np.ravel(grad_f(x))
    fd = np.ravel(ad.fd.gradient(f, np.asarray(x, dtype=float), h=1e-2, scheme="forward").value)
    return np.linalg.norm(g - fd) / max(np.linalg.norm(g), np.linalg.norm(fd))


SOLUTIONS = {
    "01-central-difference": central_difference,
    "01-order-from-slope": _order_of_the_four_point_scheme(),
    "01-best-step": _bottom_of_the_v(),
    "01-gradient-evaluations": _evaluations_counted(),
    "01-gradient-check": gradient_check,
}

WRONG = {
    "01-central-difference": [(forward_difference, "forward"), (backward_difference, "backward"),
                              (central_over_h, "2h"), (central_precedence, "parentheses"),
                              (central_own_step, "use the h"),
                              (central_half_steps, "x ± h/2")],
    "01-order-from-slope": [(16.0, "factor"), (2.0, "central"), (-4.0, "positive"),
                            (3e-9, "size of an error"), (0.25, "divide"),
                            (1.0, "one-sided"), (3.0, "does not match")],
    "01-best-step": [(2e-10, "vertical axis"), (1e-3, "truncation"), (3.2e-8, "luck"),
                     (5.0e-7, "luck"),                          # the last exact zero on the plot
                     (7.5e-8, "one-sided optimum"),             # section 4's forward rule of thumb
                     (1e-4, "right branch")],                   # one tick right of the bottom
    "01-gradient-evaluations": [(1000, "base point"), (2000, "central"),
                                (1, "one slope per input")],
    "01-gradient-check": [(check_absolute, "absolute"), (check_over_fd_norm, "larger of the two"),
                          (check_entrywise, "one number"), (check_max_norm, "euclidean"),
                          (check_big_step, "step")],
}


def gradient_check_complex_step(f, grad_f, x):
    """A check by the complex step of section 6: as right as central differences."""
    x = np.asarray(x, dtype=float)
    g = np.ravel(np.asarray(grad_f(x), dtype=float))
    fd = np.array([np.imag(f(x + 1e-20j * e)) / 1e-20 for e in np.eye(x.size)])
    return np.linalg.norm(g - fd) / max(np.linalg.norm(g), np.linalg.norm(fd))


def gradient_check_forward_default(f, grad_f, x):
    """ad.fd.gradient with its default scheme and step."""
    g = np.ravel(grad_f(x))
    fd = np.ravel(ad.fd.gradient(f, x).value)
    return np.linalg.norm(g - fd) / max(np.linalg.norm(g), np.linalg.norm(fd))


# other forms of a right answer, which the checkers must accept too
ALSO_ACCEPTED = {
    "01-central-difference": [lambda f, x, h: (f(x + h) - f(x - h)) / h / 2],
    "01-order-from-slope": [4, np.float64(3.98), [4]],
    "01-best-step": [1e-5, 2e-5, 5e-5, np.float64(7.96e-6)],   # read off the plot, rounded
    "01-gradient-evaluations": [1001.0, np.int64(1001)],
    "01-gradient-check": [gradient_check_complex_step, gradient_check_forward_default],
}
