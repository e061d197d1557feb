"""Reference answers for lesson 5 (reverse mode), computed by hand, independently of the checkers."""
import math

X1, X2 = 2.0, 5.0                       # the survey's point
G1, G2 = 3.0, 2.0                       # exercise 5.2's point

# ∂f/∂x2 = x1 - cos x2 (f = ln x1 + x1 x2 - sin x2)
X2_BAR = X1 - math.cos(X2)
# g: v1 = x1 + x2, v2 = v1 x1, v3 = ln v1, y = v2 + v3  =>  v̄1 = x1 + 1 / (x1 + x2)
V1_BAR = G1 + 1.0 / (G1 + G2)

PARTIALS = {
    "add": lambda a, b: (1.0, 1.0),
    "sub": lambda a, b: (1.0, -1.0),
    "mul": lambda a, b: (b, a),
    "div": lambda a, b: (1.0 / b, -a / b ** 2),
    "log": lambda a: (1.0 / a,),
    "sin": lambda a: (math.cos(a),),
    "cos": lambda a: (-math.sin(a),),
    "exp": lambda a: (math.exp(a),),
}


def backward(nodes):
    """The adjoint sweep over [(op, parents, value), ...]: seed ȳ = 1, then += backwards."""
    adjoints = [0.0] * len(nodes)
    adjoints[-1] = 1.0
    for i in reversed(range(len(nodes))):
        op, parents, _ = nodes[i]
        if op == "input":
            continue
        for p, d in zip(parents, PARTIALS[op](*(nodes[q][2] for q in parents))):
            adjoints[p] += adjoints[i] * d
    return adjoints


def backward_with_assign(nodes):
    """The classic bug: `=` keeps only the last contribution into a node used more than once."""
    adjoints = [0.0] * len(nodes)
    adjoints[-1] = 1.0
    for i in reversed(range(len(nodes))):
        op, parents, _ = nodes[i]
        if op == "input":
            continue
        for p, d in zip(parents, PARTIALS[op](*(nodes[q][2] for q in parents))):
            adjoints[p] = adjoints[i] * d
    return adjoints


def backward_without_seed(nodes):
    adjoints = [0.0] * len(nodes)
    for i in reversed(range(len(nodes))):
        op, parents, _ = nodes[i]
        if op == "input":
            continue
        for p, d in zip(parents, PARTIALS[op](*(nodes[q][2] for q in parents))):
            adjoints[p] += adjoints[i] * d
    return adjoints


def backward_forwards(nodes):
    """Walks the tape in evaluation order: adjoints flow on before they are complete."""
    adjoints = [0.0] * len(nodes)
    adjoints[-1] = 1.0
    for i in range(len(nodes)):
        op, parents, _ = nodes[i]
        if op == "input":
            continue
        for p, d in zip(parents, PARTIALS[op](*(nodes[q][2] for q in parents))):
            adjoints[p] += adjoints[i] * d
    return adjoints


def backward_one_per_parent(nodes):
    """+= as it should be, but the contributions keyed by parent in a dict: s * s sends one."""
    adjoints = [0.0] * len(nodes)
    adjoints[-1] = 1.0
    for i in reversed(range(len(nodes))):
        op, parents, _ = nodes[i]
        if op == "input":
            continue
        partials = dict(zip(parents, PARTIALS[op](*(nodes[q][2] for q in parents))))
        for p, d in partials.items():
            adjoints[p] += adjoints[i] * d
    return adjoints


def gradient_only(nodes):
    n_inputs = sum(op == "input" for op, _, _ in nodes)
    return backward(nodes)[:n_inputs]


def adjoints_as_none(nodes):
    """Like adlab's internal list: None where no contribution arrived."""
    return [None if a == 0.0 else a for a in backward(nodes)]


SOLUTIONS = {
    "05-read-x2-bar": round(X2_BAR, 3),      # as read off the printed trace: 1.716
    "05-fan-out-adjoint": V1_BAR,
    "05-backward": backward,
    "05-jacobian-sweeps": 3,
}

WRONG = {
    "05-read-x2-bar": [
        (-math.cos(X2), "fan-out"),           # the first contribution only (v̄0 via v3)
        (X1, "also feeds v3"),                 # the contribution via v2 only
        (1 / X1 + X2, "x1"),                   # x̄1 = 5.5
        (X1 + math.cos(X2), "sign"),           # v̄3 = +1 instead of -1
        (math.log(X1) + X1 * X2 - math.sin(X2), "value of f"),
        (1.72, "three decimals"),              # rounded to two decimals
        (1.7, "three decimals"),
    ],
    "05-fan-out-adjoint": [
        (G1, "used twice"),                    # via v2 only
        (1 / (G1 + G2), "used twice"),         # via v3 only
        (V1_BAR + G1 + G2, "x̄1"),             # x̄1 = v̄1 + v̄2 · v1
        (1.0, "partial derivative"),
    ],
    "05-backward": [
        (backward_with_assign, "+="),
        (backward_without_seed, "seed"),
        (backward_forwards, "last node to the first"),
        (backward_one_per_parent, "a dict or set keyed by parent"),
        (gradient_only, "one adjoint per node"),
        (adjoints_as_none, "0.0"),
    ],
    "05-jacobian-sweeps": [
        (100, "forward mode"),
        (1, "one row"),
        (300, "one entry"),
    ],
}
