"""Lesson 7 · Arrays: Jacobians as linear maps, VJPs and JVPs: the exercises' checkers.

The student's VJPs are run on seeded random inputs of several shapes (non-square, square, a vector,
a batch of one) and compared with adlab's own ``ad.vjp`` of the operation (the exercise is to
reproduce adlab's result by hand). The typical mistakes are recognised by computing them here.
"""
from __future__ import annotations

import numpy as np

from . import Rejected, as_function, as_vector, call, close, exercise, returned, right, wrong


def _shape(shape) -> str:
    return str(tuple(int(n) for n in shape))


def _array(value, what: str, label: str) -> np.ndarray:
    """A student's returned value as a float array (any shape), or Rejected naming it."""
    if isinstance(value, (str, bool)) or callable(value):
        raise Rejected(f"{label}: {what} should be an array, got {type(value).__name__} "
                       f"{value!r:.40}.", "Return numpy arrays (or numbers), not strings or "
                                          "functions.")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise Rejected(f"{label}: {what} should be an array, got {type(value).__name__}.",
                       "Return numpy arrays built from the inputs.") from None
    if np.isnan(array).any():
        raise Rejected(f"{label}: {what} contains nan.",
                       "nan comes from 0/0, inf - inf or an overflow: print the pieces of your "
                       "formula on this input.")
    return array


def _reference_vjp(f, primals, cotangent):
    """adlab's VJP of ``f`` at ``primals`` applied to ``cotangent`` (a tuple, one per argument)."""
    import adlab as ad
    return ad.vjp(f, *primals)[1](cotangent)


# ---------------------------------------------------------------- 7.1 matmul

#: (A's shape, B's shape): non-square first (a misplaced transpose shows as a shape), then square
#: (it shows only in the values), then B a vector, then 1×n times n×1.
MATMUL_CASES = [((2, 3), (3, 4)), ((4, 2), (2, 3)), ((3, 3), (3, 3)), ((3, 4), (4,)),
                ((1, 3), (3, 1))]


def _matmul_candidates(A, B, Cb):
    """Typical wrong Ā (first) and B̄ (second) with what went wrong in each."""
    wrong_a = {"missing transpose": lambda: Cb @ B,
               "swapped factors": lambda: B.T @ Cb,
               "swapped factors and missing transpose": lambda: B @ Cb,
               "transposed": lambda: (Cb @ B.T).T}
    wrong_b = {"missing transpose": lambda: A @ Cb,
               "swapped factors": lambda: Cb @ A.T,
               "swapped factors and missing transpose": lambda: Cb @ A,
               "transposed": lambda: (A.T @ Cb).T}
    return wrong_a, wrong_b


def _matches(candidates, answer):
    for what, make in candidates.items():
        try:
            value = make()
        except ValueError:  # shapes that do not multiply
            continue
        if np.shape(value) == answer.shape and close(answer, value, rtol=1e-9, atol=1e-12):
            return what
    return None


#: Shapes where exactly one of m, n, p differs from the others: a product that does not fit the
#: general case often fits one of these, and then its values say which factor is wrong.
MATMUL_PROBES = [((2, 3), (3, 3)), ((3, 3), (3, 4)), ((3, 2), (2, 3))]


def _check_matmul_case(function, A, B, Cb):
    """None if ``function`` gets both adjoints right on this product, else a wrong() verdict.

    Raises Rejected when the function raises (or returns None)."""
    import adlab as ad
    vector = B.ndim == 1
    label = f" on A {_shape(A.shape)}, B {_shape(B.shape)}, C̄ {_shape(Cb.shape)}"
    result = returned(call(function, A.copy(), B.copy(), Cb.copy(), label=label), function, label)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return wrong(f"matmul_vjp{label} returned {type(result).__name__}, not a pair.",
                     "Return both adjoints: return A_bar, B_bar.")
    A_bar, B_bar = (_array(r, name, "matmul_vjp" + label)
                    for r, name in zip(result, ("A_bar", "B_bar")))
    ref_a, ref_b = _reference_vjp(ad.matmul, (A, B), Cb)
    if A_bar.shape == B.shape and B_bar.shape == A.shape and A.shape != B.shape:
        return wrong(f"matmul_vjp{label} returned (B̄, Ā): the first has B's shape "
                     f"{_shape(B.shape)}, the second A's {_shape(A.shape)}.",
                     "Return them in the order of the arguments: A_bar first, then B_bar.")
    for name, got, want, value, other in (("Ā", A_bar, ref_a, A, B), ("B̄", B_bar, ref_b, B, A)):
        if got.shape != want.shape:
            transposed = got.shape == want.shape[::-1] and len(want.shape) == 2
            other_name = "B" if other is B else "A"
            return wrong(
                f"{name}{label} has shape {_shape(got.shape)}, but an adjoint always has the "
                f"shape of its value: {_shape(value.shape)}"
                f"{' (yours is transposed)' if transposed else ''}.",
                f"{name} is built from C̄ {_shape(Cb.shape)} and {other_name} "
                f"{_shape(other.shape)}. Find the product of these two (with a transpose where "
                f"needed) whose shape is {_shape(value.shape)}." if not vector else
                "With a vector B, C̄ is a vector of shape (m,). Ā has A's shape (m, n): an "
                "outer product of C̄ and B. B̄ has B's shape (n,).")
    wrong_a, wrong_b = _matmul_candidates(A, B, Cb)
    for name, got, want, candidates, other in (("Ā", A_bar, ref_a, wrong_a, "B"),
                                               ("B̄", B_bar, ref_b, wrong_b, "A")):
        if close(got, want, rtol=1e-9, atol=1e-12):
            continue
        mistake = _matches(candidates, got)
        index = "Ā_ik = Σ_j C̄_ij B_kj" if name == "Ā" else "B̄_kj = Σ_i A_ik C̄_ij"
        if mistake == "missing transpose":
            return wrong(f"{name}{label} has the right shape but the wrong values: {other} "
                         f"needs a transpose.", f"Write out {index}: which index of {other} "
                         f"is summed over, and which one is kept? A matrix product sums over "
                         f"the second index of its left factor.")
        if mistake in ("swapped factors", "swapped factors and missing transpose"):
            return wrong(f"{name}{label} has the right shape but the wrong values: the two "
                         f"factors C̄ and {other} are in the wrong order.",
                         f"Matrix products do not commute. Write out {index}: the index "
                         f"that {name} and its left factor share comes first.")
        if mistake == "transposed":
            return wrong(f"{name}{label} is the transpose of the right matrix.",
                         f"{name} must have the shape of its value and entry (i, k) is "
                         f"∂L/∂ of entry (i, k): compare with {index}.")
        return wrong(f"{name}{label} has the right shape, {_shape(got.shape)}, but not the "
                     f"values of adlab's VJP (largest difference "
                     f"{np.max(np.abs(got - want)):.2g}).",
                     f"Write out {index} from C_ij = Σ_k A_ik B_kj and turn the sum into a "
                     f"matrix product.")
    return None


@exercise("07-matmul-vjp", "write matmul_vjp(A, B, C_bar) -> (A_bar, B_bar) for C = A @ B")
def matmul_vjp(answer):
    function = as_function(answer, "a function matmul_vjp(A, B, C_bar)")
    rng = np.random.default_rng(7)
    for shape_a, shape_b in MATMUL_CASES:
        A, B = rng.normal(size=shape_a), rng.normal(size=shape_b)
        Cb = rng.normal(size=np.shape(A @ B))
        try:
            verdict = _check_matmul_case(function, A, B, Cb)
        except Rejected as e:
            if len(shape_b) == 1:
                raise Rejected(e.message, "B is a vector here, so C = A @ B and C̄ are vectors of "
                                          "shape (m,). Treat B as an (n, 1) matrix and C̄ as an "
                                          "(m, 1) one (reshape), or think of Ā as an outer "
                                          "product (np.outer).") from None
            if "raised ValueError" not in e.message:
                raise
            verdict = _locate_matmul_mistake(function, rng)  # a product that does not fit
            if verdict is not None:
                return wrong(f"{e.message}. {verdict.message}", verdict.hint)
            raise Rejected(e.message, f"A product in your function does not fit these shapes. "
                                      f"Ā must have A's shape {_shape(shape_a)} and is built "
                                      f"from C̄ {_shape(Cb.shape)} and B {_shape(shape_b)}; B̄ "
                                      f"must have B's shape {_shape(shape_b)} and is built from "
                                      f"A {_shape(shape_a)} and C̄. For each, find the product "
                                      f"(with a transpose where needed) of that shape.") from None
        if verdict is not None:
            return verdict
    return right(f"your VJP matches adlab's on {len(MATMUL_CASES)} products (non-square, square, "
                 f"a vector B, 1×3 @ 3×1): Ā = C̄ Bᵀ, B̄ = Aᵀ C̄. Backward costs two matrix "
                 f"products for the one forward.")


def _locate_matmul_mistake(function, rng):
    """On shapes where the student's products happen to fit, the verdict that names the factor."""
    for shape_a, shape_b in MATMUL_PROBES:
        A, B = rng.normal(size=shape_a), rng.normal(size=shape_b)
        try:
            verdict = _check_matmul_case(function, A, B, rng.normal(size=(shape_a[0],
                                                                            shape_b[1])))
        except Rejected:
            continue
        if verdict is not None:
            return wrong(f"Where its shapes do fit: {verdict.message}", verdict.hint)
    return None


# ---------------------------------------------------------------- 7.2 a bias broadcast over a batch

#: Shapes of X (batch, n); b has shape (n,). Batch ≠ n first; a square one shows a wrong axis.
BIAS_SHAPES = [(5, 3), (2, 6), (4, 4), (1, 5), (7, 1)]


@exercise("07-broadcast-vjp", "write bias_vjp(Y_bar) -> b_bar for Y = X + b, b broadcast over rows")
def broadcast_vjp(answer):
    import adlab as ad
    function = as_function(answer, "a function bias_vjp(Y_bar)")
    rng = np.random.default_rng(8)
    for batch, n in BIAS_SHAPES:
        X, b = rng.normal(size=(batch, n)), rng.normal(size=n)
        Yb = rng.normal(size=(batch, n))
        label = f" on Ȳ of shape ({batch}, {n})"
        got = _array(returned(call(function, Yb.copy(), label=label), function, label),
                     "b_bar", "bias_vjp" + label)
        want = _reference_vjp(lambda X, b: X + b, (X, b), Yb)[1]
        if got.shape == Yb.shape and batch > 1:
            return wrong(f"bias_vjp{label} returned an array of Ȳ's shape ({batch}, {n}), but b "
                         f"has shape ({n},).",
                         f"b̄ must have b's shape ({n},): one number per entry of b. Each entry "
                         f"b_j was copied into all {batch} rows; add up what each copy received.")
        if got.shape == (batch,) and batch != n:
            return wrong(f"bias_vjp{label} has shape ({batch},): one number per row, not one per "
                         f"entry of b.", "b is copied down the rows (the batch axis, axis 0), "
                                         "so that is the axis to add up.")
        if got.shape == (1, n) and n > 1:
            return wrong(f"bias_vjp{label} has shape (1, {n}); b has shape ({n},).",
                         "Right numbers, one axis too many: b̄ must have b's shape exactly "
                         "(keepdims=False, or reshape).")
        if got.shape != want.shape:
            return wrong(f"bias_vjp{label} has shape {_shape(got.shape)}; b̄ must have b's shape "
                         f"({n},).", "b̄ must have b's shape: one number per entry of b.")
        if close(got, want, rtol=1e-9, atol=1e-12):
            continue
        if batch > 1 and close(got * batch, want, rtol=1e-9, atol=1e-12):
            return wrong(f"bias_vjp{label} is exactly 1/{batch} of b̄: that is a mean over the "
                         f"batch.", "Every copy of b_j contributes its whole adjoint, as at a "
                                    "fan-out (v̄ += ...): nothing divides the contributions.")
        if close(got, Yb[0], rtol=1e-9, atol=1e-12):
            return wrong(f"bias_vjp{label} is the first row of Ȳ only.",
                         f"b is used by all {batch} rows: each one contributes.")
        if batch == n and close(got, Yb.sum(axis=1), rtol=1e-9, atol=1e-12):
            return wrong(f"bias_vjp{label} adds up along each row (axis 1).",
                         "b is copied down the rows, so entry j of b̄ collects column j of Ȳ: "
                         "add up over the batch axis (axis 0).")
        return wrong(f"bias_vjp{label} has b's shape but not the values of adlab's VJP "
                     f"(largest difference {np.max(np.abs(got - want)):.2g}).",
                     "Y_ij = X_ij + b_j: which entries of Y does b_j touch? b̄_j collects Ȳ from "
                     "each of them.")
    return right(f"b̄ = Ȳ summed over the batch axis, on {len(BIAS_SHAPES)} shapes (including a "
                 f"batch of one and a single feature). Forward a copy, backward a sum.")


# ---------------------------------------------------------------- 7.3 reductions: mean and max

#: Shapes of x: non-square first, then square (an axis mix-up shows only in the values), then edges.
REDUCTION_SHAPES = [(4, 3), (2, 5), (3, 3), (1, 4), (5, 1)]


def _no_ties(rng, shape):
    """A random matrix whose rows have a single largest entry (distinct values)."""
    x = rng.permutation(np.prod(shape)).reshape(shape).astype(float)
    return x / 2.0 - 3.0 + rng.uniform(0.0, 0.1, size=shape)


def _run_reduction_vjp(function, name, x, yb, reduce, what, hint):
    """The student's x̄ and adlab's for one reduction, or a wrong() verdict when x̄'s shape is off.

    Returns ``(verdict, got, want, label)``; ``hint`` is for an x̄ that kept ȳ's shape."""
    label = f" on x of shape {_shape(x.shape)} (y = {what}, ȳ of shape {_shape(yb.shape)})"
    got = _array(returned(call(function, x.copy(), yb.copy(), label=label), function, label),
                 "x_bar", name + label)
    want = _reference_vjp(reduce, (x,), yb)[0]
    if got.shape != x.shape:
        return (wrong(f"{name}{label} has shape {_shape(got.shape)}, but x̄ must have x's shape "
                      f"{_shape(x.shape)}.", hint if got.shape == yb.shape else
                      "x̄ has one entry per entry of x."), got, want, label)
    return None, got, want, label


def _check_mean(function, rng):
    import adlab as ad
    for shape in REDUCTION_SHAPES:
        x, count = rng.normal(size=shape), shape[0]
        verdict, got, want, label = _run_reduction_vjp(
            function, "mean_vjp", x, rng.normal(size=shape[1]), lambda x: ad.mean(x, axis=0),
            "x.mean(axis=0)", "Broadcast ȳ back over the averaged axis: every row of x gets its "
                              "share.")
        if verdict is not None:
            return verdict
        if close(got, want, rtol=1e-9, atol=1e-12):
            continue
        if count > 1 and close(got, want * count, rtol=1e-9, atol=1e-12):
            return wrong(f"mean_vjp{label} is exactly {count} times x̄: that is the VJP of the "
                         f"sum.", "The mean divides the sum by the number of values averaged: so "
                                  "does its adjoint.")
        for divisor, what in ((x.size, "x.size, every element of x"), (shape[1], "the length of "
                              "the other axis (axis 1)")):
            if divisor != count and close(got, want * count / divisor, rtol=1e-9, atol=1e-12):
                return wrong(f"mean_vjp{label} divides by {divisor} ({what}).",
                             f"mean(axis=0) averages the {count} values of each column: divide "
                             f"by the length of axis 0.")
        return wrong(f"mean_vjp{label} has the right shape but not the values of adlab's VJP "
                     f"(largest difference {np.max(np.abs(got - want)):.2g}).",
                     "y_j = (x_0j + ... + x_(N-1)j) / N: how does y_j change when one x_ij moves "
                     "by a small amount?")
    return None


def _check_max(function, rng):
    import adlab as ad
    for shape in REDUCTION_SHAPES:
        x = _no_ties(rng, shape)
        yb = rng.normal(size=shape[0])
        verdict, got, want, label = _run_reduction_vjp(
            function, "max_vjp", x, yb, lambda x: ad.max(x, axis=1), "x.max(axis=1)",
            "Put ȳ back into an array of x's shape: zeros, and ȳ_i at one place in row i.")
        if verdict is not None:
            return verdict
        if close(got, want, rtol=1e-9, atol=1e-12):
            continue
        winners = np.zeros_like(x)
        winners[np.arange(shape[0]), np.argmax(x, axis=1)] = 1.0
        if close(got, np.broadcast_to(yb[:, None], shape), rtol=1e-9, atol=1e-12):
            return wrong(f"max_vjp{label} sends ȳ_i to every entry of row i: that is the VJP of "
                         f"the sum.", "Nudge an entry that is not the largest of its row a "
                                      "little: does the max change?")
        if close(got, winners, rtol=1e-9, atol=1e-12):
            return wrong(f"max_vjp{label} puts 1 at the largest entry of each row.",
                         "Right places; the value there is ȳ_i, not 1 (the chain rule "
                         "multiplies by the adjoint coming in).")
        losers = np.zeros_like(x)
        losers[np.arange(shape[0]), np.argmin(x, axis=1)] = yb
        if shape[1] > 1 and close(got, losers, rtol=1e-9, atol=1e-12):
            return wrong(f"max_vjp{label} puts ȳ at the smallest entry of each row.",
                         "The max is decided by the largest entry: np.argmax, not np.argmin.")
        columns = np.zeros_like(x)
        if shape[0] == shape[1]:
            columns[np.argmax(x, axis=0), np.arange(shape[1])] = yb
            if close(got, columns, rtol=1e-9, atol=1e-12):
                return wrong(f"max_vjp{label} looks for the largest entry of each column.",
                             "y = x.max(axis=1) takes the largest entry of each row: look "
                             "along axis 1.")
        return wrong(f"max_vjp{label} has the right shape but not the values of adlab's VJP "
                     f"(largest difference {np.max(np.abs(got - want)):.2g}).",
                     "Only the largest entry of row i decides y_i: x̄ is zero everywhere else, "
                     "and ȳ_i there.")
    return None


@exercise("07-reduction-vjps", "write mean_vjp (mean over axis 0) and max_vjp (max over axis 1)")
def reduction_vjps(answer):
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise Rejected("expected a pair of functions (mean_vjp, max_vjp), got "
                       f"{type(answer).__name__}.",
                       "Pass both functions: check('07-reduction-vjps', (mean_vjp, max_vjp)).")
    mean_function = as_function(answer[0], "a function mean_vjp(x, y_bar) first")
    max_function = as_function(answer[1], "a function max_vjp(x, y_bar) second")
    rng = np.random.default_rng(9)
    return (_check_mean(mean_function, rng) or _check_max(max_function, rng) or
            right(f"both VJPs match adlab's on {len(REDUCTION_SHAPES)} shapes: the mean spreads "
                  f"ȳ/N over what it averaged, the max sends ȳ to the winner only."))


# ---------------------------------------------------------------- 7.4 softmax-cross-entropy

#: (batch, classes, logit offset). Batch ≠ classes and batch > 1 first (ratios are telling), a
#: batch of one, then logits near 1000, where exp overflows unless each row's max is subtracted.
CE_CASES = [(4, 3, 0.0), (2, 5, 0.0), (6, 2, 0.0), (1, 4, 0.0), (3, 4, 1000.0)]


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@exercise("07-softmax-ce-grad", "write ce_grad(z, y): ∂/∂z of the mean cross-entropy of logits z")
def softmax_ce_grad(answer):
    import adlab as ad
    function = as_function(answer, "a function ce_grad(z, y)")
    rng = np.random.default_rng(10)
    for batch, classes, offset in CE_CASES:
        z = rng.normal(size=(batch, classes)) * 2.0 + offset
        y = rng.integers(0, classes, size=batch)
        label = f" on z of shape ({batch}, {classes}){' with large logits' if offset else ''}"
        with np.errstate(all="ignore"):  # an overflow in the student's code gives inf/nan
            raw = returned(call(function, z.copy(), y.copy(), label=label), function, label)
            try:
                got = np.asarray(raw, dtype=float)
            except (TypeError, ValueError):
                got = None
        if got is not None and offset and got.shape == z.shape and not np.isfinite(got).all():
            return wrong(f"ce_grad{label} (around {offset:.0f}) gives inf or nan.",
                         "exp of a number above about 709 overflows a float64. Softmax does "
                         "not change when the same number is subtracted from every logit of a "
                         "row: subtract the row's largest logit before exp.")
        got = _array(raw, "the gradient", "ce_grad" + label)
        want = _reference_vjp(lambda z: ad.cross_entropy(z, y), (z,), 1.0)[0]
        if got.shape != z.shape:
            return wrong(f"ce_grad{label} has shape {_shape(got.shape)}; ∂L/∂z has z's shape "
                         f"({batch}, {classes}).", "One number per logit: a row per example, a "
                                                  "column per class.")
        if close(got, want, rtol=1e-7, atol=1e-12):
            continue
        p, onehot = _softmax(z), np.eye(classes)[y]
        logp = z - z.max(axis=1, keepdims=True)
        logp = logp - np.log(np.exp(logp).sum(axis=1, keepdims=True))
        known = [
            ((p - onehot), f"is exactly {batch} times ∂L/∂z: the batch size.",
             f"L is the mean over the {batch} examples, so each example's gradient is divided "
             f"by the batch size."),
            ((onehot - p) / batch, "has the opposite sign.",
             "Raising the logit of the right class lowers the loss, so its entry is negative."),
            ((onehot - p), "has the opposite sign, and is not divided by the batch size.",
             "Raising the logit of the right class lowers the loss; and L is a mean."),
            (p / batch, "is softmax(z) / batch: the one-hot of the label is missing.",
             "ℓ = logsumexp(z) − z_y: the second term contributes too (−1 at the label's "
             "column)."),
            (p, "is softmax(z): the one-hot of the label is missing, and there is no division by "
                "the batch size.", "ℓ = logsumexp(z) − z_y has two terms; and L is a mean."),
            ((logp - onehot) / batch, "uses log-softmax where softmax belongs.",
             "∂ logsumexp(z) / ∂z_j is exp(z_j) / Σ exp(z_k): the probabilities, not their logs."),
            ((logp - onehot), "uses log-softmax where softmax belongs, and is not divided by the "
                              "batch size.", "∂ logsumexp(z) / ∂z_j is a probability, not its log; "
                                             "and L is a mean."),
            ((p - onehot) / classes, "is divided by the number of classes.",
             f"L is the mean over the {batch} examples (rows), not over the classes."),
        ]
        for candidate, what, hint in known:
            if close(got, candidate, rtol=1e-7, atol=1e-12):
                if batch == 1 and "batch" in what and "sign" not in what:
                    continue  # with one example a forgotten division cannot be seen
                return wrong(f"ce_grad{label} {what}", hint)
        return wrong(f"ce_grad{label} has the right shape but not the values of adlab's VJP "
                     f"(largest difference {np.max(np.abs(got - want)):.2g}).",
                     "Per example ℓ = logsumexp(z) − z_y; differentiate both terms, then average "
                     "over the batch. Each row of the result sums to zero.")
    return right(f"∂L/∂z = (softmax(z) − onehot(y)) / batch matches adlab on {len(CE_CASES)} "
                 f"batches, large logits included. Each row sums to zero.")


# ---------------------------------------------------------------- 7.5 a shape question

@exercise("07-weight-grad-shape", "the shape of W̄ for H = tanh(X @ W.T + b), W stored (out, in)")
def weight_grad_shape(answer):
    batch, n_in, n_out = 32, 784, 128
    if isinstance(answer, np.ndarray) and answer.ndim == 2 and answer.size > 2:
        raise Rejected(f"expected a shape such as (3, 4), got an array of shape "
                       f"{_shape(answer.shape)}.", "Give the shape itself: a tuple of two "
                                                   "numbers.")
    shape = as_vector(answer, 2, "numbers (a shape such as (3, 4))")
    if not np.all(shape == np.round(shape)):
        raise Rejected(f"a shape holds whole numbers, got {tuple(shape)}.",
                       "Give the shape as a tuple of two integers.")
    shape = tuple(int(n) for n in shape)
    if shape == (n_out, n_in):
        return right("W̄ has W's shape, (128, 784), whatever convention W is stored in. Here "
                     "W̄ = H̄ᵀ X with H̄ the adjoint of X @ W.T + b: (128, 32) @ (32, 784).")
    known = {
        (n_in, n_out): ("is W.T's shape, not W's.",
                        "The formula B̄ = Aᵀ C̄ from section 3 is for the factor W.T; W itself is "
                        "stored (out, in). What shape does an adjoint always have?"),
        (batch, n_out): ("is the shape of H and of the adjoint of X @ W.T + b.",
                         "The question asks for W̄: the adjoint of the weights."),
        (batch, n_in): ("is X's shape (and X̄'s).", "The question asks for W̄, the weights' "
                                                     "adjoint."),
        (1, n_out): ("is the shape of a bias, not of W.", "Look at W's own shape."),
        (n_out, batch): ("is the shape of H̄ᵀ, one factor of W̄.",
                         "W̄ is a product of H̄ᵀ and X; what shape does the adjoint of W have?"),
    }
    if shape in known:
        what, hint = known[shape]
        return wrong(f"{shape} {what}", hint)
    return wrong(f"{shape} is not the shape of W̄.",
                 "Every adjoint has the shape of its value. Work out W's shape from the layer: "
                 "X @ W.T must turn (32, 784) into (32, 128).")
