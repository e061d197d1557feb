"""Reference answers for lesson 10 (AD in machine learning), written independently of the
checkers: the logistic loss's derivative by hand, the update and the accuracy in plain numpy, and
the evaluations of a forward-difference gradient counted by running one."""
import math

import numpy as np

# exercise 10.1: ℓ = -ln σ(z) at z = 0.5·1.5 + (-1)·0.5 + 0.2 = 0.45, so z̄ = σ(z) - 1
Z = 0.5 * 1.5 + (-1.0) * 0.5 + 0.2
P_POINT = 1.0 / (1.0 + math.exp(-Z))
Z_BAR = P_POINT - 1.0


def logistic_grad(w, b, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w + b)))
    return X.T @ (p - y) / len(y)


def sgd_step(params, grads, lr):
    if isinstance(params, dict):
        return {name: params[name] - lr * grads[name] for name in params}
    return [p - lr * g for p, g in zip(params, grads)]


def accuracy(probabilities, labels):
    probabilities = np.asarray(probabilities)
    if probabilities.ndim == 2:
        predicted = np.argmax(probabilities, axis=1)
    else:
        predicted = (probabilities > 0.5).astype(int)
    return float(np.mean(predicted == np.asarray(labels)))


def _evaluations_of_a_training_run(steps=500, width=64):
    """Count the loss calls of one forward-difference gradient of an MLP-shaped parameter set;
    every training step takes one such gradient."""
    params = {"W1": np.zeros((2, width)), "b1": np.zeros(width), "W2": np.zeros(width),
              "b2": np.zeros(1)}
    calls = [0]

    def loss(p):
        calls[0] += 1
        return float(sum(np.sum(v ** 2) for v in p.values()))

    base = loss(params)
    for name, p in params.items():
        for i in np.ndindex(p.shape):
            p[i] += 1e-7
            _ = (loss(params) - base) / 1e-7
            p[i] -= 1e-7
    return steps * calls[0]


# ---------------------------------------------------------------- typical wrong answers

def grad_summed(w, b, X, y):
    return X.T @ (1.0 / (1.0 + np.exp(-(X @ w + b))) - y)


def grad_sign(w, b, X, y):
    return X.T @ (y - 1.0 / (1.0 + np.exp(-(X @ w + b)))) / len(y)


def grad_no_sigmoid(w, b, X, y):
    return X.T @ (X @ w + b - y) / len(y)


def grad_no_bias(w, b, X, y):
    return X.T @ (1.0 / (1.0 + np.exp(-(X @ w))) - y) / len(y)


def grad_squared_error(w, b, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w + b)))
    return X.T @ ((p - y) * p * (1 - p)) / len(y)


def grad_per_point(w, b, X, y):
    return X * (1.0 / (1.0 + np.exp(-(X @ w + b))) - y)[:, None] / len(y)


def grad_z_bar_only(w, b, X, y):
    return (1.0 / (1.0 + np.exp(-(X @ w + b))) - y) / len(y)


def step_plus(params, grads, lr):
    if isinstance(params, dict):
        return {name: params[name] + lr * grads[name] for name in params}
    return [p + lr * g for p, g in zip(params, grads)]


def step_without_lr(params, grads, lr):
    if isinstance(params, dict):
        return {name: params[name] - grads[name] for name in params}
    return [p - g for p, g in zip(params, grads)]


def step_by_position(params, grads, lr):
    if isinstance(params, dict):
        return {name: p - lr * g for (name, p), g in zip(params.items(), grads.values())}
    return [p - lr * g for p, g in zip(params, grads)]


def step_dict_as_list(params, grads, lr):
    if isinstance(params, dict):
        return [params[name] - lr * grads[name] for name in params]
    return [p - lr * g for p, g in zip(params, grads)]


def step_in_place_without_return(params, grads, lr):
    names = params if isinstance(params, dict) else range(len(params))
    for name in names:
        params[name] = params[name] - lr * grads[name]


def step_dict_only(params, grads, lr):    # the lesson's train() update, fails on a list
    return {name: params[name] - lr * grads[name] for name in params}


def step_list_only(params, grads, lr):    # zip over a dict pairs its keys
    return [p - lr * g for p, g in zip(params, grads)]


def step_alone(params, grads, lr):
    if isinstance(params, dict):
        return {name: -lr * grads[name] for name in params}
    return [-lr * g for g in grads]


def accuracy_threshold_zero(probabilities, labels):
    probabilities = np.asarray(probabilities)
    if probabilities.ndim == 2:
        return float(np.mean(np.argmax(probabilities, axis=1) == labels))
    return float(np.mean((probabilities > 0) == labels))


def accuracy_count(probabilities, labels):
    probabilities = np.asarray(probabilities)
    if probabilities.ndim == 2:
        return int(np.sum(np.argmax(probabilities, axis=1) == labels))
    return int(np.sum((probabilities > 0.5) == labels))


def accuracy_percent(probabilities, labels):
    return 100 * accuracy(probabilities, labels)


def accuracy_compare_directly(probabilities, labels):
    return float(np.mean(np.asarray(probabilities) == labels))


def accuracy_vectors_only(probabilities, labels):
    return float(np.mean((np.asarray(probabilities) > 0.5) == labels))


def accuracy_argmax_axis0(probabilities, labels):
    probabilities = np.asarray(probabilities)
    if probabilities.ndim == 2:
        return float(np.mean(np.argmax(probabilities, axis=0) == labels))
    return float(np.mean((probabilities > 0.5) == labels))


def error_rate(probabilities, labels):
    return 1 - accuracy(probabilities, labels)


STEPS, P = 500, 4 * 64 + 1

SOLUTIONS = {
    "10-read-logit-adjoint": round(Z_BAR, 3),        # as printed in the trace: -0.389
    "10-logistic-grad": logistic_grad,
    "10-sgd-step": sgd_step,
    "10-accuracy": accuracy,
    "10-fd-training-cost": _evaluations_of_a_training_run(),
}

WRONG = {
    "10-read-logit-adjoint": [
        (-Z_BAR, "sign"),
        (P_POINT, "probability"),
        (-1 / P_POINT, "one row too early"),
        (Z, "value of the logit"),
        (Z_BAR * 1.5, "weight"),
        (-math.log(P_POINT), "loss"),
        (P_POINT * (1 - P_POINT), "local derivative"),
        (round(Z_BAR, 1), "two decimals"),             # -0.4: rounded too far
        (math.floor(Z_BAR * 100) / 100 + 0.01, "two decimals"),   # -0.38: cut, not rounded
    ],
    "10-logistic-grad": [
        (grad_summed, "1/N"),
        (grad_sign, "sign"),
        (grad_no_sigmoid, "sigmoid"),
        (grad_no_bias, "bias"),
        (grad_squared_error, "squared error"),
        (grad_per_point, "one row per point"),
        (grad_z_bar_only, "Xᵀ"),
    ],
    "10-sgd-step": [
        (step_plus, "uphill"),
        (step_without_lr, "learning rate"),
        (step_by_position, "by name"),
        (step_dict_as_list, "same kind"),
        (step_in_place_without_return, "return statement"),
        (step_alone, "without the parameters"),
        (step_dict_only, "isinstance(params, dict)"),
        (step_list_only, "isinstance(params, dict)"),
    ],
    "10-accuracy": [
        (accuracy_threshold_zero, "0.5"),
        (accuracy_count, "divide"),
        (accuracy_percent, "percentage"),
        (accuracy_compare_directly, "never equals"),
        (accuracy_vectors_only, "axis 1"),
        (accuracy_argmax_axis0, "axis 1"),
        (error_rate, "classified wrong"),
    ],
    "10-fd-training-cost": [
        (STEPS * P, "before the loop"),
        (STEPS * 2 * P, "central"),
        (P + 1, "500 steps"),
        (2 * STEPS, "reverse mode"),
    ],
}

# other valid forms of a right answer
ALSO_ACCEPTED = {
    "10-read-logit-adjoint": [round(Z_BAR, 2), Z_BAR, np.float64(round(Z_BAR, 3))],
    "10-sgd-step": [
        lambda params, grads, lr: (                                 # a tuple for a list
            {k: v - lr * grads[k] for k, v in params.items()} if isinstance(params, dict)
            else tuple(p - lr * g for p, g in zip(params, grads)))],
    "10-fd-training-cost": [float(STEPS * (P + 1)), np.int64(STEPS * (P + 1))],
}
