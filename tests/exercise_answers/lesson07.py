"""Lesson 7's reference answers, written from the derivations with numpy alone (the checkers compare
with adlab's ``ad.vjp``), and the typical wrong answers each checker must name."""
import numpy as np


# ---------------------------------------------------------------- 7.1 matmul

def matmul_vjp(A, B, C_bar):
    """Ā = C̄ Bᵀ, B̄ = Aᵀ C̄; a vector B is an (n, 1) matrix."""
    if B.ndim == 1:
        return np.outer(C_bar, B), A.T @ C_bar
    return C_bar @ B.T, A.T @ C_bar


def matmul_missing_transpose_on_b(A, B, C_bar):
    if B.ndim == 1:
        return np.outer(C_bar, B), A.T @ C_bar
    return C_bar @ B, A.T @ C_bar     # has the right shape only for a square B


def matmul_swapped_factors(A, B, C_bar):
    if B.ndim == 1:
        return np.outer(C_bar, B), A.T @ C_bar
    return C_bar @ B.T, C_bar @ A.T   # shapes fit only when everything is square


def matmul_returns_b_bar_first(A, B, C_bar):
    a_bar, b_bar = matmul_vjp(A, B, C_bar)
    return b_bar, a_bar


def matmul_no_vector_case(A, B, C_bar):
    return C_bar @ B.T, A.T @ C_bar   # fails on a vector B


def matmul_forgets_return(A, B, C_bar):
    C_bar @ B.T


def matmul_swapped_square(A, B, C_bar):
    """Right where shapes would expose it; on square ones B̄'s factors are swapped."""
    if A.shape == B.shape and A.ndim == 2 and A.shape[0] == A.shape[1]:
        return C_bar @ B.T, C_bar @ A.T
    return matmul_vjp(A, B, C_bar)


def matmul_square_only_mistake(A, B, C_bar):
    """Right on non-square shapes; on square ones uses the forgotten transpose."""
    if A.shape == B.shape and A.ndim == 2 and A.shape[0] == A.shape[1]:
        return C_bar @ B, A @ C_bar
    return matmul_vjp(A, B, C_bar)


# ---------------------------------------------------------------- 7.2 bias

def bias_vjp(Y_bar):
    return Y_bar.sum(axis=0)


def bias_unsummed(Y_bar):
    return Y_bar


def bias_mean(Y_bar):
    return Y_bar.mean(axis=0)


def bias_wrong_axis(Y_bar):
    return Y_bar.sum(axis=1)


def bias_keepdims(Y_bar):
    return Y_bar.sum(axis=0, keepdims=True)


def bias_first_row(Y_bar):
    return Y_bar[0]


# ---------------------------------------------------------------- 7.3 reductions

def mean_vjp(x, y_bar):
    return np.broadcast_to(y_bar / x.shape[0], x.shape).copy()


def max_vjp(x, y_bar):
    x_bar = np.zeros_like(x)
    x_bar[np.arange(x.shape[0]), np.argmax(x, axis=1)] = y_bar
    return x_bar


def mean_as_sum(x, y_bar):
    return np.broadcast_to(y_bar, x.shape).copy()


def mean_divides_by_size(x, y_bar):
    return np.broadcast_to(y_bar / x.size, x.shape).copy()


def mean_not_broadcast(x, y_bar):
    return y_bar / x.shape[0]


def max_as_sum(x, y_bar):
    return np.broadcast_to(y_bar[:, None], x.shape).copy()


def max_ones(x, y_bar):
    x_bar = np.zeros_like(x)
    x_bar[np.arange(x.shape[0]), np.argmax(x, axis=1)] = 1.0
    return x_bar


def max_argmin(x, y_bar):
    x_bar = np.zeros_like(x)
    x_bar[np.arange(x.shape[0]), np.argmin(x, axis=1)] = y_bar
    return x_bar


def max_columns(x, y_bar):
    """Looks along axis 0; on a square x the shape comes out right."""
    if x.shape[0] != x.shape[1]:
        return max_vjp(x, y_bar)
    x_bar = np.zeros_like(x)
    x_bar[np.argmax(x, axis=0), np.arange(x.shape[1])] = y_bar
    return x_bar


# ---------------------------------------------------------------- 7.4 softmax-cross-entropy

def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def ce_grad(z, y):
    """(softmax(z) − onehot(y)) / batch, computed stably."""
    batch, classes = z.shape
    return (_softmax(z) - np.eye(classes)[y]) / batch


def ce_no_batch_division(z, y):
    return _softmax(z) - np.eye(z.shape[1])[y]


def ce_no_onehot(z, y):
    return _softmax(z) / z.shape[0]


def ce_log_softmax(z, y):
    s = z - z.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return (logp - np.eye(z.shape[1])[y]) / z.shape[0]


def ce_sign_flipped(z, y):
    return -ce_grad(z, y)


def ce_unstable(z, y):
    e = np.exp(z)                       # overflows for logits near 800
    return (e / e.sum(axis=1, keepdims=True) - np.eye(z.shape[1])[y]) / z.shape[0]


def ce_per_example(z, y):
    return ce_no_batch_division(z, y).sum(axis=1)   # a number per example: wrong shape


SOLUTIONS = {
    "07-matmul-vjp": matmul_vjp,
    "07-broadcast-vjp": bias_vjp,
    "07-reduction-vjps": (mean_vjp, max_vjp),
    "07-softmax-ce-grad": ce_grad,
    "07-weight-grad-shape": (128, 784),
}

WRONG = {
    "07-matmul-vjp": [
        (matmul_missing_transpose_on_b, "B needs a transpose"),
        (matmul_swapped_factors, "an adjoint always has the shape of its value"),
        (lambda A, B, C_bar: (C_bar @ B, A @ C_bar), "Ā must have A's shape (2, 3)"),
        (matmul_swapped_square, "wrong order"),
        (matmul_returns_b_bar_first, "A_bar first"),
        (matmul_no_vector_case, "B is a vector here"),
        (matmul_forgets_return, "return statement"),
        (matmul_square_only_mistake, "needs a transpose"),
        (lambda A, B, C_bar: C_bar.T @ B, "shape"),
        (lambda A, B, C_bar: C_bar @ B.T, "not a pair"),
    ],
    "07-broadcast-vjp": [
        (bias_unsummed, "b̄ must have b's shape"),
        (bias_mean, "exactly 1/5"),
        (bias_wrong_axis, "batch axis"),
        (bias_keepdims, "one axis too many"),
        (bias_first_row, "first row"),
    ],
    "07-reduction-vjps": [
        ((mean_as_sum, max_vjp), "exactly 4 times"),
        ((mean_divides_by_size, max_vjp), "divides by 12"),
        ((mean_not_broadcast, max_vjp), "x̄ must have x's shape"),
        ((mean_vjp, max_as_sum), "VJP of the sum"),
        ((mean_vjp, max_ones), "puts 1"),
        ((mean_vjp, max_argmin), "np.argmax, not np.argmin"),
        ((mean_vjp, max_columns), "each column"),
        (mean_vjp, "pair of functions"),
    ],
    "07-softmax-ce-grad": [
        (ce_no_batch_division, "exactly 4 times"),
        (ce_no_onehot, "one-hot of the label is missing"),
        (ce_log_softmax, "log-softmax"),
        (ce_sign_flipped, "opposite sign"),
        (ce_unstable, "subtract the row's largest logit"),
        (ce_per_example, "z's shape"),
    ],
    "07-weight-grad-shape": [
        ((784, 128), "W.T's shape"),
        ((32, 128), "shape of H"),
        ((32, 784), "X's shape"),
        ((128, 32), "H̄ᵀ"), ((10, 10), "not the shape of W̄"),
        ("(128, 784)", "expected 2 numbers"),
    ],
}
