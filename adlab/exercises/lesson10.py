"""Lesson 10 · AD in machine learning: training with gradients.

References are the mathematics written out here in numpy, independently of adlab: the logistic
loss's derivatives by hand (σ(z) = (1 + tanh(z/2)) / 2, ∂ℓ/∂z = σ(z) - y), the update
θ - η·g, the fraction of correct predictions, and the count (P + 1) evaluations per step.
"""
from __future__ import annotations

import math

import numpy as np

from . import (Rejected, as_function, as_number, call, close, describe_value, exercise,
               returned, right, wrong)


def _sigmoid(z):
    """σ(z) without overflow for any z (the identity σ(z) = (1 + tanh(z/2)) / 2)."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def _near(answer: float, target: float, tol: float = 5e-4) -> bool:
    return abs(answer - target) <= tol * max(1.0, abs(target))


# ---------------------------------------------------------------- 10-read-logit-adjoint

# the lesson's point (1.5, 0.5) of class 1 and parameters (w1, w2, b) = (0.5, -1, 0.2)
_X1, _X2, _W1, _W2, _B = 1.5, 0.5, 0.5, -1.0, 0.2


@exercise("10-read-logit-adjoint", "read z̄ = ∂ℓ/∂z (v̄4) off the adjoint trace of one point's loss")
def read_logit_adjoint(answer):
    x = as_number(answer, "a number (z̄ = v̄4)")
    z = _W1 * _X1 + _W2 * _X2 + _B
    p = float(_sigmoid(z))
    z_bar = p - 1.0                       # ∂(-ln σ(z))/∂z = -(1 - σ(z)) = σ(z) - y with y = 1
    if abs(x - z_bar) <= 0.005:           # the trace's -0.389, or rounded to two decimals
        return right("z̄ = p - y: the model says 0.611 for a point of class 1, so the loss falls "
                     "if z grows (z̄ < 0). The same formula holds for every point and either "
                     "label.")
    if _near(x, -z_bar):
        return wrong("the size is right, the sign is not.",
                     "The point is of class 1 and p < 1: raising z would raise p and lower the "
                     "loss, so ∂ℓ/∂z is negative. Copy the sign printed in the row of v̄4.")
    if _near(x, p):
        return wrong("that is the value v5 = p, the probability, not an adjoint.",
                     "Look in the adjoint trace (the second part) for the row that computes v̄4.")
    if _near(x, z):
        return wrong("that is the value of the logit, v4 = z, not its adjoint.",
                     "Look in the adjoint trace (the second part) for the row that computes v̄4.")
    if _near(x, -1.0 / p):
        return wrong("that is v̄5 = ∂ℓ/∂p, the adjoint of the probability: one row too early.",
                     "The logit is v4; its adjoint v̄4 is v̄5 times the sigmoid's derivative "
                     "σ(v4)(1 - σ(v4)): the next row.")
    if _near(x, p * (1 - p)):
        return wrong("that is the sigmoid's local derivative ∂v5/∂v4 = σ(v4)(1 - σ(v4)), not the "
                     "adjoint.",
                     "An adjoint carries everything downstream: v̄4 = v̄5 × ∂v5/∂v4. Read the "
                     "row of v̄4.")
    if _near(x, z_bar * _X1) or _near(x, z_bar * _X2):
        return wrong("that is the adjoint of a weight (w̄1 = z̄ x1 or w̄2 = z̄ x2), not of the "
                     "logit.",
                     "The weights are inputs (v-2, v-1); the logit is v4. Read v̄4.")
    if _near(x, -math.log(p)) or _near(x, math.log(p)):
        return wrong("that is the loss ℓ = -ln p (the value y = v7), not a derivative.",
                     "Read the adjoint v̄4 in the second part of the printout.")
    if _near(x, 1.0) or _near(x, -1.0):
        return wrong("±1 are the adjoints at the output end (v̄7 = ȳ = 1, v̄6 = -1).",
                     "Follow the sweep further back, to the row that computes v̄4.")
    if abs(x - z_bar) <= 0.05:
        return wrong(f"{x:g} is near z̄ = v̄4, but not it: digits are missing or wrong.",
                     "Copy the value printed in the row of v̄4; if you round it, keep two "
                     "decimals.")
    return wrong(f"{x:.4g} is not z̄ = v̄4.",
                 "The adjoint trace prints its rows in the order the sweep computes them; "
                 "find the row that starts with v̄4 = and copy its value.")


# ---------------------------------------------------------------- 10-logistic-grad

def _logistic_cases():
    """(label, w, b, X, y): seeded data sets, from one point to 200, with and without a bias."""
    rng = np.random.default_rng(2018)
    cases = []
    for label, n, d, b in (("200 points, 2 features, b = 0.3", 200, 2, 0.3),
                           ("7 points, 3 features, b = -0.4", 7, 3, -0.4),
                           ("50 points, 1 feature, b = 0", 50, 1, 0.0),
                           ("1 point, 2 features, b = 1.5", 1, 2, 1.5)):
        X = rng.standard_normal((n, d)) * 1.5
        w = rng.standard_normal(d)
        y = (rng.uniform(size=n) < 0.5).astype(float)
        if n > 1:
            y[0], y[1] = 0.0, 1.0       # both classes present
        cases.append((label, w, b, X, y))
    return cases


def _logistic_reference(w, b, X, y):
    z = X @ w + b
    return X.T @ (_sigmoid(z) - y) / len(y)


def _logistic_mistakes(w, b, X, y):
    """(typical wrong gradient, what went wrong, hint) for one data set."""
    n = len(y)
    z = X @ w + b
    p = _sigmoid(z)
    return [
        (X.T @ (p - y), "summed over the points but not divided by N",
         "The loss L is the mean of the points' losses, so its gradient carries the factor 1/N "
         "(each z̄ᵢ = (σ(zᵢ) - yᵢ)/N)."),
        (X.T @ (y - p) / n, "the sign is flipped",
         "z̄ = σ(z) - y (prediction minus label), not y - σ(z): where p is above the label, "
         "lowering z lowers the loss, so z̄ is positive there."),
        (X.T @ (z - y) / n, "the logits z were used where the probabilities σ(z) belong",
         "The adjoint of each logit is σ(zᵢ) - yᵢ: pass z through the sigmoid first (that is "
         "the gradient of a squared error on z, not of the cross-entropy)."),
        (X.T @ (_sigmoid(X @ w) - y) / n, "the bias b is missing from the logits",
         "The logits are z = Xw + b: the bias shifts every zᵢ, and so every σ(zᵢ)."),
        (X.T @ ((p - y) * p * (1 - p)) / n, "an extra factor σ(z)(1 - σ(z)) appears",
         "That is the gradient of the squared error (σ(z) - y)²/2. For the cross-entropy the "
         "sigmoid's derivative cancels against the log's 1/p: z̄ᵢ = (σ(zᵢ) - yᵢ)/N, nothing "
         "more (exercise 10.1)."),
    ]


@exercise("10-logistic-grad", "write logistic_grad(w, b, X, y) = ∂L/∂w of the mean logistic loss")
def logistic_grad(answer):
    fn = as_function(answer, "a function logistic_grad(w, b, X, y)")
    for label, w, b, X, y in _logistic_cases():
        n, d = X.shape
        where = f" (on {label})"
        got = returned(call(fn, w.copy(), b, X.copy(), y.copy(), label=where), fn, where)
        try:
            got = np.asarray(getattr(got, "value", got), dtype=float)
        except (TypeError, ValueError):
            raise Rejected(f"logistic_grad{where} returned {describe_value(got)}, not an array "
                           f"of numbers.", f"Return a numpy array of shape ({d},).") from None
        expected = _logistic_reference(w, b, X, y)
        if got.shape != (d,):
            if got.size == d:          # (d, 1) or (1, d): the right numbers in a matrix
                got = got.reshape(d)
            else:
                hint = (f"The gradient has one entry per weight: shape ({d},). ")
                if got.shape == (n,) and n != d:
                    hint += ("Shape (N,) is one number per point: multiply by Xᵀ (X.T @ …) "
                             "rather than X, to add up the points' contributions.")
                elif got.shape == (n, d):
                    hint += ("Shape (N, d) keeps one row per point: add (or average) the "
                             "rows, or use X.T @ (…).")
                elif got.size == 1:
                    hint += ("One number is what ∂L/∂b looks like: for the weights, each "
                             "point's z̄ᵢ is multiplied by its features Xᵢ.")
                else:
                    hint += "Print the shape of each piece: X.T is (d, N), σ(z) - y is (N,)."
                return wrong(f"logistic_grad{where} returned shape {got.shape}; expected "
                             f"({d},).", hint)
        if not np.all(np.isfinite(got)):
            return wrong(f"logistic_grad{where} returned nan or inf.",
                         "Compute σ(z) = 1 / (1 + np.exp(-z)) and check the data does not "
                         "make it overflow; nothing here needs a log.")
        if close(got, expected, rtol=1e-6, atol=1e-10):
            continue
        for mistake, what, hint in _logistic_mistakes(w, b, X, y):
            if close(got, mistake, rtol=1e-6, atol=1e-10):
                return wrong(f"on {label} your gradient is off: {what}.", hint)
        return wrong(f"on {label} your gradient differs from ∂L/∂w "
                     f"(relative error {np.linalg.norm(got - expected) / np.linalg.norm(expected):.1e}).",
                     "Build it in three steps and print the shapes: z = X @ w + b (N,), "
                     "z̄ = (σ(z) - y) / N (N,), then the weights' adjoints Xᵀ z̄ (d,).")
    return right("your gradient matches ∂L/∂w = Xᵀ(σ(Xw + b) - y)/N on four data sets, from one "
                 "point to 200: what adlab's adjoint sweep computes for logistic regression.")


# ---------------------------------------------------------------- 10-sgd-step

def _sgd_cases():
    rng = np.random.default_rng(7)
    mlp = {"W1": rng.standard_normal((2, 3)), "b1": rng.standard_normal(3),
           "W2": rng.standard_normal(3), "b2": rng.standard_normal(1)}
    mlp_grads = {k: rng.standard_normal(np.shape(v)) for k, v in mlp.items()}
    shuffled = {k: mlp_grads[k] for k in ("b2", "W2", "b1", "W1")}   # same keys, other order
    layers = [rng.standard_normal((3, 2)), rng.standard_normal(2)]
    layer_grads = [rng.standard_normal((3, 2)), rng.standard_normal(2)]
    single = [rng.standard_normal(4)]
    return [
        ("a dict of 4 arrays (an MLP's W1, b1, W2, b2), lr = 0.1", mlp, mlp_grads, 0.1),
        ("a list of 2 arrays, lr = 0.5", layers, layer_grads, 0.5),
        ("a dict whose gradients come in another key order, lr = 0.25", mlp, shuffled, 0.25),
        ("a list of 1 array, lr = 2", single, [np.ones(4)], 2.0),
    ]


def _leaves(tree, keys):
    return [tree[k] for k in keys] if isinstance(tree, dict) else list(tree)


def _copy(tree):
    if isinstance(tree, dict):
        return {k: np.array(v, dtype=float) for k, v in tree.items()}
    return [np.array(v, dtype=float) for v in tree]


_BY_NAME = ("A dict does not promise an order: match each parameter with its gradient by name, "
            "grads[name], rather than zipping params.values() with grads.values().")
_BOTH_KINDS = ("sgd_step receives a dict of arrays in some calls and a list of arrays in others: "
               "check which with isinstance(params, dict), and for a list pair each array with "
               "its gradient by position.")
_CONTAINER_ERRORS = ("TypeError", "KeyError", "IndexError", "AttributeError")


@exercise("10-sgd-step", "write sgd_step(params, grads, lr): one gradient-descent update")
def sgd_step(answer):
    fn = as_function(answer, "a function sgd_step(params, grads, lr)")
    for label, params, grads, lr in _sgd_cases():
        where = f" (on {label})"
        keys = list(params) if isinstance(params, dict) else None
        old = [np.array(v) for v in _leaves(params, keys)]
        g = [np.array(grads[k]) for k in keys] if keys else [np.array(v) for v in grads]
        reordered = keys is not None and list(grads) != keys
        try:
            got = returned(call(fn, _copy(params), _copy(grads), lr, label=where), fn, where)
        except Rejected as error:
            if reordered:       # the same dict passed in its own order: pairing by position
                raise Rejected(error.message, _BY_NAME) from None
            if any(f" raised {kind}:" in error.message for kind in _CONTAINER_ERRORS):
                # an update written for dicts only, given a list (or the reverse)
                raise Rejected(error.message, _BOTH_KINDS) from None
            raise
        if keys is not None:
            if not isinstance(got, dict):
                return wrong(f"sgd_step{where} returned {describe_value(got)}; the parameters "
                             f"came as a dict.",
                             "Return the same kind of container you were given: a dict with "
                             "the same keys (check isinstance(params, dict)).")
            if set(got) != set(keys):
                return wrong(f"sgd_step{where} returned a dict with keys {sorted(got)}; "
                             f"expected {sorted(keys)}.",
                             "Every parameter gets updated, and keeps its name.")
            new = [got[k] for k in keys]
        else:
            if isinstance(got, dict) or not isinstance(got, (list, tuple)):
                return wrong(f"sgd_step{where} returned {describe_value(got)}; the parameters "
                             f"came as a list.",
                             "Return a list with one updated array per parameter, in the same "
                             "order.")
            if len(got) != len(old):
                return wrong(f"sgd_step{where} returned {len(got)} arrays for {len(old)} "
                             f"parameters.",
                             "Return one updated array per parameter, in the same order.")
            new = list(got)
        try:
            new = [np.asarray(getattr(v, "value", v), dtype=float) for v in new]
        except (TypeError, ValueError):
            return wrong(f"sgd_step{where} returned something that is not arrays of numbers.",
                         "Each updated parameter is an array: parameter - lr × gradient.")
        shapes = [v.shape for v in new] == [v.shape for v in old]

        def matches(candidate):
            return shapes and all(close(a, b, rtol=1e-12, atol=1e-12)
                                  for a, b in zip(new, candidate))
        if matches([p - lr * gi for p, gi in zip(old, g)]):
            continue
        if reordered:
            return wrong(f"sgd_step{where} gets the dict right when the gradients come in the "
                         f"parameters' key order, but not in another order: it pairs them by "
                         f"position.", _BY_NAME)
        if not shapes:
            return wrong(f"sgd_step{where}: the updated parameters have shapes "
                         f"{[v.shape for v in new]}, the parameters {[v.shape for v in old]}.",
                         "An update keeps each parameter's shape: parameter - lr × (its own "
                         "gradient).")
        if matches([p + lr * gi for p, gi in zip(old, g)]):
            return wrong(f"sgd_step{where} adds lr × gradient to the parameters.",
                         "The gradient points uphill, towards a larger loss; descent steps "
                         "against it: subtract lr × gradient (a + climbs the loss).")
        if matches([p - gi for p, gi in zip(old, g)]):
            return wrong(f"sgd_step{where} subtracts the whole gradient: the learning rate is "
                         f"missing.", "Scale the gradient by lr before subtracting it.")
        if matches([p - gi / lr for p, gi in zip(old, g)]):
            return wrong(f"sgd_step{where} divides the gradient by lr.",
                         "The step is lr times the gradient: a small lr means a small step.")
        if matches([-lr * gi for gi in g]) or matches([lr * gi for gi in g]):
            return wrong(f"sgd_step{where} returns the step alone, without the parameters.",
                         "The new parameter is the old one minus the step: params - lr × grads.")
        if matches(old):
            return wrong(f"sgd_step{where} returned the parameters unchanged.",
                         "Each parameter moves by -lr × its gradient.")
        return wrong(f"sgd_step{where} does not return params - lr × grads.",
                     "For each parameter: new = parameter - lr * its gradient. Compare your "
                     "result with that on a small example of your own.")
    return right("your step works on dicts and lists, matches gradients to parameters by name, "
                 "and steps downhill: params - lr × grads.")


# ---------------------------------------------------------------- 10-accuracy

def _accuracy_cases():
    """(label, probabilities, labels): two-class vectors and K-class matrices, no ties."""
    rng = np.random.default_rng(10)
    cases = []
    p = rng.uniform(0.02, 0.98, 12)
    p[np.abs(p - 0.5) < 0.02] = 0.7
    labels = (rng.uniform(size=12) < p).astype(float)        # a calibrated model's labels
    labels[:2] = [0.0, 1.0]
    cases.append(("12 points, two classes, p of class 1, float labels", p, labels))
    p = np.array([0.9, 0.8, 0.6, 0.55, 0.7, 0.95, 0.65])        # every p > 0.5
    cases.append(("7 points, two classes, every p above 0.5", p,
                  np.array([1, 0, 1, 0, 0, 1, 1])))
    cases.append(("1 point, two classes", np.array([0.3]), np.array([0])))
    logits = rng.standard_normal((9, 3)) * 2
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = probs.argmax(axis=1)
    labels[[1, 4, 6]] = (labels[[1, 4, 6]] + 1) % 3          # three of nine wrong
    cases.append(("9 points, 3 classes (a (9, 3) matrix)", probs, labels))
    probs = np.array([[0.2, 0.8], [0.6, 0.4], [0.45, 0.55], [0.9, 0.1], [0.3, 0.7]])
    cases.append(("5 points, 2 classes as a (5, 2) matrix", probs, np.array([1, 1, 1, 0, 0])))
    return cases


def _predicted(probabilities):
    return probabilities.argmax(axis=1) if probabilities.ndim == 2 else \
        (probabilities > 0.5).astype(int)


_MATRIX_HINT = ("For a matrix of shape (N, K), the predicted class of each point is the column of "
                "its largest probability: np.argmax along axis 1 (one index per row, that is "
                "per point), then compare with the labels. Test the shape with "
                "probabilities.ndim.")


@exercise("10-accuracy", "write accuracy(probabilities, labels): the fraction classified right")
def accuracy(answer):
    fn = as_function(answer, "a function accuracy(probabilities, labels)")
    for label, probabilities, labels in _accuracy_cases():
        where = f" (on {label})"
        try:
            got = call(fn, probabilities.copy(), labels.copy(), label=where)
        except Rejected as error:
            if probabilities.ndim == 2:    # e.g. a threshold or argmax that fits vectors only
                raise Rejected(error.message, _MATRIX_HINT) from None
            raise
        got = returned(got, fn, where)
        try:
            value = as_number(got, "one number (a fraction)")
        except Rejected as error:
            raise Rejected(f"accuracy{where}: {error.message}",
                           "Return one number: the mean of (prediction == label) over the "
                           "points, e.g. with np.mean.") from None
        n = len(labels)
        correct = int(np.sum(_predicted(probabilities) == labels))
        expected = correct / n
        if abs(value - expected) <= 1e-9:
            continue
        if abs(value - correct) <= 1e-9 and n > 1 and correct > 1:
            return wrong(f"accuracy{where} returned {value:g}, the number of points classified "
                         f"right.", "Divide by the number of points: accuracy is a fraction "
                                    "between 0 and 1.")
        if abs(value - 100 * expected) <= 1e-7 and expected > 0:
            return wrong(f"accuracy{where} returned {value:g}: a percentage.",
                         "Return the fraction between 0 and 1 (0.875, not 87.5).")
        if abs(value - (1 - expected)) <= 1e-9:
            return wrong(f"accuracy{where} returned {value:g}: the fraction of points "
                         f"classified wrong.",
                         "Count the points where the prediction equals the label.")
        if probabilities.ndim == 1:
            if abs(value) <= 1e-12:
                return wrong(f"accuracy{where} returned 0: no point counted as right.",
                             "A probability such as 0.8 never equals a label 1, and np.argmax "
                             "of a vector is one index for all points: turn each p into a "
                             "predicted class first (class 1 where p > 0.5).")
            if abs(value - np.mean(labels == 1)) <= 1e-9:
                return wrong(f"accuracy{where} returned {value:g}: as if every point were "
                             f"predicted to be of class 1.",
                             "Every probability is above 0, so a threshold of 0 (the one for "
                             "the logit z) says class 1 everywhere. For p the threshold is 0.5.")
            if abs(value - np.mean(labels == 0)) <= 1e-9:
                return wrong(f"accuracy{where} returned {value:g}: as if every point were "
                             f"predicted to be of class 0.",
                             "Predict point by point: class 1 where p > 0.5, class 0 "
                             "elsewhere.")
            return wrong(f"accuracy{where} returned {value:g}.",
                         "For a vector of probabilities of class 1, the prediction is class 1 "
                         "where p > 0.5, class 0 elsewhere; compare with the labels and average.")
        return wrong(f"accuracy{where} returned {value:g}, not the fraction of points whose "
                     f"predicted class equals the label.", _MATRIX_HINT)
    return right("your accuracy thresholds two-class probabilities at 0.5 and takes the argmax "
                 "of each row for K classes.")


# ---------------------------------------------------------------- 10-fd-training-cost

@exercise("10-fd-training-cost",
          "loss evaluations for 500 steps of forward-difference gradients with P = 257")
def fd_training_cost(answer):
    count = as_number(answer, "a whole number of loss evaluations")
    steps, P = 500, 257
    if count != int(count) or count < 0:
        return wrong(f"{count:g} is not a count.", "Count whole evaluations of the loss.")
    count = int(count)
    if count == steps * (P + 1):
        return right(f"{steps} × (P + 1) = {count:,} evaluations of the loss, against {steps} "
                     f"primal and {steps} adjoint sweeps with reverse mode: the gap grows with "
                     f"every parameter.")
    if count == steps * P:
        return wrong(f"{count:,} counts the nudged parameters, one evaluation each, but each "
                     f"step also evaluates the loss at the unchanged parameters.",
                     "In fd_gradient, which call of loss happens before the loop over the "
                     "parameters? It is needed once per step.")
    if count == steps * 2 * P:
        return wrong(f"{count:,} is what central differences would cost (2P per step).",
                     "fd_gradient takes forward differences: one nudged evaluation per "
                     "parameter plus one shared base value, at every step.")
    if count == P + 1 or count == P:
        return wrong(f"{count} is the cost of one gradient, one step.",
                     "The training run takes 500 steps, each with its own gradient.")
    if count in (steps, 2 * steps, 1, 2):
        return wrong(f"{count:,} is what reverse mode needs (one primal sweep, plus one adjoint "
                     f"sweep, per step), not finite differences.",
                     "A forward-difference gradient evaluates the loss once per parameter, plus "
                     "once at the unchanged parameters.")
    return wrong(f"{count:,} is not the number of loss evaluations.",
                 "Count one step first (the table in section 6 counts it for P = 257), then "
                 "multiply by the number of steps.")
