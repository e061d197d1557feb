"""Lesson 5 · Reverse mode: adjoints flow back.

References are independent of the student's answer: ∂f/∂x written out by hand, and adlab's own
adjoint sweep for the tapes of ``05-backward`` (the exercise is to reproduce it by hand).
"""
from __future__ import annotations

import math

from . import Rejected, as_function, as_number, call, close, exercise, right, wrong


def _near(answer: float, target: float, tol: float = 5e-4) -> bool:
    return abs(answer - target) <= tol * max(1.0, abs(target))


# ---------------------------------------------------------------- 05-read-x2-bar

@exercise("05-read-x2-bar", "read x̄2 = ∂f/∂x2 at (2, 5) off the adjoint trace")
def read_x2_bar(answer):
    x = as_number(answer, "a number (x̄2)")
    x1, x2 = 2.0, 5.0
    via_v3 = -math.cos(x2)          # v̄3 · ∂v3/∂v0 with v̄3 = -1
    via_v2 = x1                     # v̄2 · ∂v2/∂v0 with v̄2 = 1
    exact = via_v2 + via_v3         # ∂f/∂x2 = x1 - cos x2
    if _near(x, exact):
        return right("x̄2 = v̄0 after both contributions: one through v3 = sin v0, one through "
                     "v2 = v-1 × v0.")
    if _near(x, via_v3):
        return wrong("that is the first value v̄0 takes, the contribution through v3 = sin v0 "
                     "only.",
                     "v0 = x2 is used twice (fan-out: by v2 and by v3), so its adjoint collects "
                     "two contributions. Find the later row where v̄0 is updated again "
                     "(v̄0 = v̄0 + …).")
    if _near(x, via_v2):
        return wrong("that is only the contribution through v2 = v-1 × v0.",
                     "v0 = x2 also feeds v3 = sin v0; x̄2 is the sum of both contributions "
                     "(fan-out). Read the last value v̄0 takes.")
    if _near(x, -exact) or _near(x, x1 + math.cos(x2)) or _near(x, -x1 - math.cos(x2)):
        return wrong("the size or the sign of a contribution is off.",
                     "Check the signs row by row: v5 = v4 - v3, so v̄3 = v̄5 × (-1) = -1, and "
                     "v̄0 gets v̄3 × cos v0 from v3.")
    if _near(x, 1 / x1 + x2) or _near(x, 0.5):
        return wrong("that belongs to x1 (v-1), not to x2.",
                     "x2 is v0; its adjoint is v̄0 (x̄2 = v̄0 in the last rows).")
    if _near(x, x2):
        return wrong("5 is the value of x2 itself (and a contribution to v̄-1, x1's adjoint).",
                     "x̄2 is the adjoint of v0 = x2: look for the rows that update v̄0.")
    if _near(x, math.log(x1) + x1 * x2 - math.sin(x2)):
        return wrong("that is the value of f (y = v5), not a derivative.",
                     "Read the adjoint v̄0 of the input v0 = x2.")
    if abs(x - exact) <= 0.02:
        return wrong(f"{x:g} is close to ∂f/∂x2, but not to the three decimals the trace shows.",
                     "Copy the last value v̄0 takes in the adjoint trace with all three decimals.")
    return wrong(f"{x:.4g} is not ∂f/∂x2 at (2, 5).",
                 "x̄2 is the adjoint of v0 = x2: the last value v̄0 takes in the adjoint trace "
                 "(its rows are printed in the order they are computed).")


# ---------------------------------------------------------------- 05-fan-out-adjoint

@exercise("05-fan-out-adjoint", "the adjoint v̄1 of a node with fan-out, in g at (3, 2)")
def fan_out_adjoint(answer):
    """g(x1, x2): v1 = v-1 + v0; v2 = v1 × v-1; v3 = ln v1; y = v4 = v2 + v3, at (3, 2)."""
    x = as_number(answer, "a number (v̄1)")
    x1, x2 = 3.0, 2.0
    v1 = x1 + x2
    via_v2 = 1.0 * x1               # v̄2 · ∂v2/∂v1, v̄2 = v̄4 · 1 = 1
    via_v3 = 1.0 / v1               # v̄3 · ∂v3/∂v1, v̄3 = v̄4 · 1 = 1
    exact = via_v2 + via_v3
    if _near(x, exact, 1e-3):
        return right("v̄1 = v̄2 · ∂v2/∂v1 + v̄3 · ∂v3/∂v1: one contribution per use of v1.")
    if _near(x, via_v2, 1e-3):
        return wrong("that is only the contribution through v2 = v1 × v-1.",
                     "v1 is used twice (by v2 and by v3 = ln v1): add the contribution "
                     "v̄3 · ∂v3/∂v1 as well.")
    if _near(x, via_v3, 1e-3):
        return wrong("that is only the contribution through v3 = ln v1.",
                     "v1 is used twice (by v2 = v1 × v-1 and by v3): add the contribution "
                     "v̄2 · ∂v2/∂v1 as well.")
    if _near(x, exact + v1, 1e-3):
        return wrong("that is x̄1 = v̄-1, the adjoint of the input x1.",
                     "The question asks for v̄1, the adjoint of the intermediate v1 = v-1 + v0.")
    if _near(x, v1, 1e-3) or _near(x, v1 * x1, 1e-3) or _near(x, math.log(v1), 1e-3):
        return wrong("that is a value of the primal trace, not an adjoint.",
                     "v̄1 = ∂y/∂v1: start from v̄4 = ȳ = 1 and walk back to v1 along each use.")
    if _near(x, 1.0, 1e-3):
        return wrong("1 is v̄2 (and v̄3): the adjoint one step further along each path.",
                     "Multiply each by the partial derivative of that node with respect to v1, "
                     "and add the two products.")
    if _near(x, via_v2 - via_v3, 1e-3) or _near(x, -exact, 1e-3):
        return wrong("a sign is off.",
                     "v4 = v2 + v3 passes v̄4 = 1 unchanged to both v̄2 and v̄3; both "
                     "contributions to v̄1 are positive here.")
    return wrong(f"{x:.4g} is not v̄1 at (3, 2).",
                 "v̄1 = v̄2 · ∂v2/∂v1 + v̄3 · ∂v3/∂v1: find v̄2 and v̄3 from v̄4 = 1 first, "
                 "then the two partial derivatives at v-1 = 3, v1 = 5.")


# ---------------------------------------------------------------- 05-backward

_PARTIALS = {  # ∂v/∂(each parent), written out independently of adlab's primitive table
    "add": lambda a, b: (1.0, 1.0),
    "sub": lambda a, b: (1.0, -1.0),
    "mul": lambda a, b: (b, a),
    "div": lambda a, b: (1.0 / b, -a / (b * b)),
    "log": lambda a: (1.0 / a,),
    "sin": lambda a: (math.cos(a),),
    "cos": lambda a: (-math.sin(a),),
    "exp": lambda a: (math.exp(a),),
}


def _survey(x1, x2):
    from .. import log, sin
    v1 = log(x1)
    v2 = x1 * x2
    v3 = sin(x2)
    return v1 + v2 - v3


def _exercise_g(x1, x2):
    from .. import log
    v1 = x1 + x2
    v2 = v1 * x1
    v3 = log(v1)
    return v2 + v3


def _square_of_sin(x):
    from .. import sin
    s = sin(x)
    return s * s                    # one node, both arguments the same parent


def _three_uses(x1, x2):
    from .. import cos, sin
    v1 = x1 * x2
    v4 = sin(v1) * cos(v1)
    return v4 - v1                  # v1 is used three times


def _ratio_and_exp(x1, x2):
    from .. import exp
    return x1 / (x1 + x2) + exp(x1)  # x1 is used three times; x2 once, inside a sum


def _unused_input(x1, x2):
    from .. import exp, sin
    return exp(sin(x1))             # x2 is an input the output does not depend on


_TAPES = [
    ("the survey's f at (2, 5)", _survey, (2.0, 5.0)),
    ("g from exercise 5.2 at (3, 2)", _exercise_g, (3.0, 2.0)),
    ("y = sin(x) × sin(x) (one node, both arguments the same) at 0.7", _square_of_sin, (0.7,)),
    ("v1 = x1 × x2 used three times, at (0.5, 1.5)", _three_uses, (0.5, 1.5)),
    ("y = x1 / (x1 + x2) + exp(x1) at (1, 3)", _ratio_and_exp, (1.0, 3.0)),
    ("y = exp(sin x1), x2 unused, at (0.3, 4)", _unused_input, (0.3, 4.0)),
]


def tape_and_adjoints(function, args):
    """The tiny tape ``[(op, parents, value), ...]`` of ``function`` at ``args`` as adlab records
    it, and adlab's adjoint of every node (0.0 for a node the output does not depend on)."""
    from ..traces import reverse
    trace = reverse(function, args)
    nodes = [("input" if prim is None else prim.name, tuple(parents), float(value))
             for prim, parents, _, value in trace.recording.nodes]
    adjoints = [0.0 if a is None else float(a) for a in trace.adjoints]
    return nodes, adjoints


def _sweep(nodes, *, assign=False, forwards=False, times_adjoint=True, parents_reversed=False,
           one_per_parent=False):
    """The backward pass, right or with one of the classic mistakes (``one_per_parent``: the
    contributions of a node to its parents kept in a dict keyed by parent, so that ``s * s``
    sends only one of its two)."""
    adjoints = [0.0] * len(nodes)
    adjoints[-1] = 1.0
    order = range(len(nodes)) if forwards else range(len(nodes) - 1, -1, -1)
    for i in order:
        op, parents, _ = nodes[i]
        if op == "input":
            continue
        partials = _PARTIALS[op](*[nodes[p][2] for p in parents])
        pairs = list(dict(zip(parents, partials)).items()) if one_per_parent else \
            list(zip(parents, partials))
        for p, d in (reversed(pairs) if parents_reversed else pairs):
            contribution = (adjoints[i] if times_adjoint else 1.0) * d
            adjoints[p] = contribution if assign else adjoints[p] + contribution
    return adjoints


def _names(nodes):
    from ..engine.tape import node_number
    n_inputs = sum(op == "input" for op, _, _ in nodes)
    return [f"v{node_number(i, n_inputs)}" for i in range(len(nodes))]


def _as_adjoints(got, nodes, where):
    if isinstance(got, dict) or isinstance(got, (str, bytes)) or not hasattr(got, "__len__"):
        raise Rejected(f"backward{where} returned {type(got).__name__}, not a list of adjoints.",
                       "Return a list with one adjoint per node: adjoints[i] is v̄ of nodes[i].")
    if len(got) != len(nodes):
        raise Rejected(f"backward{where} returned {len(got)} numbers, but the tape has "
                       f"{len(nodes)} nodes.",
                       "Return one adjoint per node (inputs and intermediates), in the order of "
                       "the tape, not only the gradient.")
    values = []
    for i, a in enumerate(got):
        if a is None:
            raise Rejected(f"backward{where} returned None as the adjoint of node {i}.",
                           "Start every adjoint at 0.0, so that a node the output does not "
                           "depend on ends with adjoint 0.")
        try:
            values.append(float(a))
        except (TypeError, ValueError):
            raise Rejected(f"backward{where}: the adjoint of node {i} is "
                           f"{type(a).__name__}, not a number.",
                           "Each adjoint is one number (a float).") from None
    if any(math.isnan(v) for v in values):
        raise Rejected(f"backward{where} returned nan as an adjoint.",
                       "nan comes from 0/0 or inf - inf: check the partial derivatives you use.")
    return values


@exercise("05-backward", "write backward(nodes): the adjoint sweep over a tiny tape, with +=")
def backward(answer):
    fn = as_function(answer, "a function backward(nodes)")
    for name, function, args in _TAPES:
        nodes, expected = tape_and_adjoints(function, args)
        where = f" on the tape of {name}"
        got = call(fn, list(nodes), label=f"(nodes){where}")
        if got is None:
            raise Rejected(f"backward{where} returned None.",
                           "Did you forget `return adjoints` at the end?")
        got = _as_adjoints(got, nodes, where)
        if close(got, expected, rtol=1e-9, atol=1e-12):
            continue
        names = _names(nodes)
        wrong_at = [i for i in range(len(nodes))
                    if not close(got[i], expected[i], rtol=1e-9, atol=1e-12)]
        shown = "; ".join(f"v̄{names[i][1:]}: yours {got[i]:.4g}, adlab's {expected[i]:.4g}"
                          for i in wrong_at[:3])
        message = (f"on the tape of {name}, {len(wrong_at)} of {len(nodes)} adjoints differ "
                   f"from adlab's ({shown}{'; …' if len(wrong_at) > 3 else ''}).")
        if all(v == 0.0 for v in got):
            return wrong(message + " All your adjoints are 0.",
                         "The sweep needs a seed: before the loop, the output's adjoint "
                         "(the last node) is ȳ = 1. Without it every product stays 0.")
        if not close(got[-1], 1.0):
            return wrong(message + f" The output's adjoint is {got[-1]:.4g}.",
                         "Seed the sweep: the last node is the output y, and its adjoint is "
                         "ȳ = 1 before anything flows back.")
        repeated_parent = any(len(set(parents)) < len(parents) for _, parents, _ in nodes)
        if repeated_parent and close(got, _sweep(nodes, one_per_parent=True)):
            return wrong(message + " One of the two contributions of a node whose arguments are "
                                   "the same node is missing.",
                         "In s * s both parents are the same node s: it receives one contribution "
                         "per argument, v̄ × (∂/∂ first argument) and v̄ × (∂/∂ second argument). "
                         "Loop over the parents as a list (zip(parents, partials)); a dict or set "
                         "keyed by parent keeps only one of them.")
        if close(got, _sweep(nodes, assign=True)) or close(
                got, _sweep(nodes, assign=True, parents_reversed=True)):
            return wrong(message + " These are the numbers that = instead of += gives.",
                         "A node used more than once (fan-out) receives one contribution per "
                         "use: add each to its adjoint (adjoints[p] += …) instead of replacing "
                         "it (adjoints[p] = …), which keeps only the last one.")
        if close(got, _sweep(nodes, forwards=True)):
            return wrong(message + " These are the numbers of a sweep that runs forwards.",
                         "Walk the tape from the last node to the first (reversed order), so "
                         "that each adjoint is complete before it flows back to its parents.")
        if close(got, _sweep(nodes, times_adjoint=False)):
            return wrong(message + " These are sums of partial derivatives alone.",
                         "Each contribution is v̄i × ∂vi/∂vp: multiply the partial derivative "
                         "by the adjoint of the node that uses p.")
        return wrong(message,
                     "For each node i from last to first, and each parent p of node i: "
                     "adjoints[p] += adjoints[i] × (∂vi/∂vp). Compare your numbers with "
                     "ad.reverse on the same function to find the first wrong row.")
    return right(f"your backward pass matches adlab's adjoints on all {len(_TAPES)} tapes, "
                 f"including fan-out, a node whose two arguments are the same, and an unused "
                 f"input.")


# ---------------------------------------------------------------- 05-jacobian-sweeps

@exercise("05-jacobian-sweeps", "how many reverse sweeps the Jacobian of f: R¹⁰⁰ → R³ needs")
def jacobian_sweeps(answer):
    x = as_number(answer, "a whole number of sweeps")
    n, m = 100, 3
    if x != int(x) or x < 0:
        return wrong(f"{x:g} is not a count of sweeps.", "Count whole sweeps: 1, 2, 3, …")
    x = int(x)
    if x == m:
        return right("one adjoint sweep per output: each ȳ = eᵢ gives row i of the 3 × 100 "
                     "Jacobian.")
    if x == n:
        return wrong("100 is the number of tangent sweeps forward mode needs (one per input, "
                     "a column each).",
                     "A reverse sweep starts from one output's seed ȳ and ends with the "
                     "derivatives of that output with respect to all inputs: a whole row.")
    if x == 1:
        return wrong("one reverse sweep gives the gradient of one output: one row of the "
                     "Jacobian.",
                     "f has several outputs, and each row needs its own seed ȳ.")
    if x == n * m:
        return wrong("300 would be one sweep per entry of the Jacobian.",
                     "One reverse sweep gives a whole row of the Jacobian, not one entry. How "
                     "many rows does the Jacobian of f: R¹⁰⁰ → R³ have?")
    return wrong(f"{x} is not the number of reverse sweeps.",
                 "Each reverse sweep is seeded with one ȳ = eᵢ and yields one row of the "
                 "Jacobian. Forward mode, by contrast, yields one column per tangent sweep.")
