"""Lesson 3's exercises: solutions read off adlab's own traces (the checkers work by hand), and the
typical mistakes each checker must name."""
import math

import adlab as ad


def _survey_f(x1, x2):
    v1 = ad.log(x1)
    v2 = x1 * x2
    v3 = ad.sin(x2)
    return v1 + v2 - v3


def q(x1, x2):
    return x2 * (x1 + x2) - ad.log(x1)


def h(x1, x2):
    s = x1
    for _ in range(3):
        s = s * x2 + 1.0
    return ad.log(s) - x1


def k(x1, x2):
    v1 = x1 * x2
    v2 = ad.sin(x1)
    v3 = v1 * v2
    return v3 + x1


def halve(x):
    y = x
    while y > 1.0:
        y = y / 2.0
    return y * y


def _paths(trace, start):
    """Number of paths from node ``start`` to the output in a trace's graph (edges by argument)."""
    nodes = trace.recording.nodes
    end = trace.recording.output_parents[0]
    count = [0] * len(nodes)
    count[start] = 1
    for i, (_, parents, _, _) in enumerate(nodes):
        count[i] += sum(count[p] for p in parents if p is not None)
    return count[end]


def _rows(f, point):
    return [(row.name, row.value) for row in ad.reverse(f, point).primal_rows
            if row.kind != "output"]


def horner(x, coefficients):
    result = coefficients[-1]
    for c in reversed(coefficients[:-1]):
        result = result * x + c
    return result


def horner_reversed(x, coefficients):  # c[0] taken as the highest power
    result = coefficients[0]
    for c in coefficients[1:]:
        result = result * x + c
    return result


def horner_powers(x, coefficients):
    return sum(c * x ** k for k, c in enumerate(coefficients))


def horner_products(x, coefficients):  # every power built again for each term
    total = coefficients[0]
    for k, c in enumerate(coefficients[1:], start=1):
        term = c
        for _ in range(k):
            term = term * x
        total = total + term
    return total


_v2 = dict(_rows(_survey_f, (2.0, 5.0)))["v2"]
_q = _rows(q, (2.0, 3.0))
_q_survey_order = [_q[0], _q[1], ("v1", _q[4][1]), ("v2", _q[2][1]), ("v3", _q[3][1]), _q[5]]
_k_trace = ad.reverse(k, (1.0, 2.0))
_k_grad = _k_trace.grad[0]
_halve_ops = tuple(ad.reverse(halve, (x,)).operation_count for x in (10.0, 3.0))

SOLUTIONS = {
    "03-read-v2": _v2,
    "03-primal-trace": _q,
    "03-count-nodes": ad.reverse(h, (1.0, 2.0)).operation_count,
    "03-chain-paths": (_paths(_k_trace, 0), _k_grad),
    "03-loop-length": _halve_ops,
    "03-horner": horner,
}

WRONG = {
    "03-read-v2": [(math.log(2.0), "v1"), (0.693, "v1"), (5.0, "input"),
                   (10.693, "v4 = v1 + v2"), (7.0, "which operation"), (11.0, "substitute")],
    "03-primal-trace": [
        (_q_survey_order, "left to right"),
        ([("v1", 2.0), ("v2", 3.0)] + [(f"v{i + 3}", v) for i, (_, v) in enumerate(_q[2:])],
         "v-1"),
        (_q[:-1], "missing"),
        (_q + [("v5", 1.0)], "too many"),
        (_q[:3] + [("v2", 10.0)] + _q[4:], "row v2"),
        ([("v-1", 2.0), ("v0", 3.0), ("v1", 5.0), ("v2", 15.0), ("v3", math.log(2.0)),
          ("v4", 14.3)], "row v4"),
        (list(range(7)), "pair"),
        (_q[:4] + [("v3", 0.69)] + _q[5:], "three decimals"),
        (dict(_q_survey_order), "left to right"),
    ],
    "03-count-nodes": [(10, "inputs"), (9, "one too many"), (11, "output row"),
                       (4, "loop body once"), (5, "too few"), (14, "too many"),
                       (6, "return line"), (7, "each pass of the loop")],
    "03-chain-paths": [((2, _k_grad), "straight into v4"),
                       ((3, _k_grad - 1.0), "missing one path"),
                       ((3, 2.0 * math.sin(1.0) * 2.0 * math.cos(1.0)), "multiplied"),
                       ((3, math.sin(1.0)), "∂y/∂x2"),
                       ((3, 3.0), "sum over the paths"),
                       ((3, math.sin(1.0) + 2.0 * math.cos(1.0) + 1.0), "path through v1"),
                       ((3, 2.0 * math.sin(1.0) + math.cos(1.0) + 1.0), "path through v2"),
                       ((3, 3.77), "sum over the paths")],   # not right to 3 digits
    "03-loop-length": [((4, 2), "y * y"), ((10, 6), "comparisons"), ((5, 5), "same count"),
                       ((6, 4), "one too many"), ((5, 4), "x = 3")],
    "03-horner": [(horner_reversed, "other way"), (horner_powers, "no powers"),
                  (horner_products, "operations")],
}


def horner_from_zero(x, coefficients):   # one × and one + more, still Horner
    result = 0.0
    for c in reversed(coefficients):
        result = result * x + c
    return result


def horner_recursive(x, coefficients):
    if len(coefficients) == 1:
        return coefficients[0]
    return coefficients[0] + x * horner_recursive(x, coefficients[1:])


# other forms of a right answer, which the checkers must accept too
ALSO_ACCEPTED = {
    "03-read-v2": [10, 10.0],
    "03-primal-trace": [
        [list(row) for row in _q],                                   # lists, not tuples
        dict(_q),                                                    # a dict in row order
        [(f"v_{{{n[1:]}}}", round(v, 3)) for n, v in _q],            # LaTeX names, 3 decimals
        _q + [("y", _q[-1][1])],                                     # with the output row
    ],
    "03-count-nodes": [8.0],
    "03-chain-paths": [[3, round(_k_grad, 2)], (3.0, round(_k_grad, 3)), (3, round(_k_grad, 4))],
    "03-loop-length": [[5, 3], (5.0, 3.0)],
    "03-horner": [horner_from_zero, horner_recursive],
}
