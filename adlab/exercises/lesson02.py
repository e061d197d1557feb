"""Lesson 2 · Symbolic differentiation and expression swell: the exercises' checkers.

Each reference is written out here independently of the code under study: the product rule by
hand, sizes from the recurrences, and for the student's own differentiator adlab's symbolic
``diff`` (the exercise is to reproduce it by other means).
"""
from __future__ import annotations

import math
import numbers

from . import Rejected, as_function, as_number, call, exercise, returned, right, wrong


# ---------------------------------------------------------------- 2.1 the product rule by hand

@exercise("02-product-rule", "d/dx [x · sin x · exp x] at x = 0.5, by the product rule")
def product_rule(answer):
    x = 0.5
    u, v, w = x, math.sin(x), math.exp(x)            # the three factors
    du, dv, dw = 1.0, math.cos(x), math.exp(x)       # and their derivatives
    expected = du * v * w + u * dv * w + u * v * dw  # one term per factor
    value = as_number(answer, "the derivative's value (a number)")
    if math.isclose(value, expected, rel_tol=2e-3):   # three significant digits are enough
        return right("three factors give three terms, each differentiating one factor. "
                     "That is how the product rule multiplies terms.")
    two_terms = {"the x term": u * dv * w + u * v * dw, "the sin x term": du * v * w + u * v * dw,
                 "the exp x term": du * v * w + u * dv * w}
    for missing, candidate in two_terms.items():
        if math.isclose(value, candidate, rel_tol=1e-4):
            return wrong(f"{value:.4g} has two of the three terms; {missing} is missing.",
                         "With three factors u·v·w the product rule gives three terms: "
                         "u'·v·w + u·v'·w + u·v·w'.")
    if math.isclose(value, du * dv * dw, rel_tol=1e-4):
        return wrong(f"{value:.4g} is the product of the three derivatives.",
                     "The product rule is not (u·v)' = u'·v'. Each term differentiates one factor "
                     "and keeps the others as they are.")
    if math.isclose(value, u * v * w, rel_tol=1e-4):
        return wrong(f"{value:.4g} is f(0.5), the function's value, not its derivative.",
                     "Differentiate first, then put x = 0.5 into the derivative.")
    d = math.radians(x)
    in_degrees = math.sin(d) * w + u * math.cos(d) * w + u * math.sin(d) * w
    if math.isclose(value, in_degrees, rel_tol=1e-3):
        return wrong(f"{value:.4g} uses sin and cos of 0.5 degrees.",
                     "Calculators in degree mode get this: x = 0.5 is in radians (use math.sin).")
    return wrong(f"{value:.4g} is not d/dx [x · sin x · exp x] at x = 0.5.",
                 "Write f = u·v·w with u = x, v = sin x, w = exp x. Then f' = u'·v·w + u·v'·w + "
                 "u·v·w', with (sin x)' = cos x and (exp x)' = exp x. Angles are in radians.")


# ---------------------------------------------------------------- 2.2 reading the trace's pattern

def ad_trace_rows(n: int) -> int:
    """Rows of ad.reverse's trace of l_n: the primal trace (the input row, 3 operations per
    iteration, the output row) and the adjoint trace (the seed row, 4 rows per iteration:
    two adjoints of the product, one of 1 - l, one accumulation into l, then the x̄ row)."""
    return (1 + 3 * (n - 1) + 1) + (1 + 4 * (n - 1) + 1)


@exercise("02-trace-rows", "rows of the AD trace of the logistic map l_20, from the pattern")
def trace_rows(answer):
    n = 20
    expected = ad_trace_rows(n)
    value = as_number(answer, "a number of rows")
    if value == expected:
        return right("each iteration of the map adds the same rows to the trace: it grows "
                     "linearly, while the derivative's tree doubles.")
    per_step = ad_trace_rows(n) - ad_trace_rows(n - 1)
    if value == per_step * n:
        return wrong(f"{value:.0f} is {per_step} × {n}: the growth per n is right but the start "
                     f"is not.", "Compare with the table: is 'rows = 7 × n' true at n = 1 or n = 2?")
    if value in (expected + per_step, expected - per_step):
        return wrong(f"{value:.0f} is one iteration off.",
                     "l_1 = x has no iteration at all: l_n takes n − 1 iterations of the map.")
    if value == 2 * ad_trace_rows(n // 2):
        return wrong(f"{value:.0f} is twice the rows of l_{n // 2}: the trace does not grow in "
                     f"proportion to n.",
                     "Some rows are there whatever n is (the input, the output, the seed ȳ, the "
                     "row x̄); only the rows of each iteration repeat. Subtract consecutive "
                     "entries of the 'AD trace rows' column.")
    if value == 8 * (n - 1):
        return wrong(f"{value:.0f} is the AD ops column (operations), not the trace's rows.",
                     "Read the 'AD trace rows' column.")
    if value == 8 * n - 7:
        return wrong(f"{value:.0f} is the size of the derivative's DAG (d/dx dag), not the AD "
                     f"trace.", "Read the 'AD trace rows' column.")
    if value == 3 * (n - 1) * 2 ** n or value > 10 * expected:
        return wrong(f"{value:.0f} is far too many: that is how a tree grows, not the trace.",
                     "The trace computes every shared value once, so each iteration adds the same "
                     "number of rows: read that number off the table.")
    return wrong(f"{value:.0f} rows is not what the pattern gives for n = 20.",
                 "Subtract consecutive entries of the 'AD trace rows' column: each iteration adds "
                 "the same number. Start from a row of the table and add that many per step.")


# ---------------------------------------------------------------- 2.3 predicting a tree size

def rewritten_tree_size(n: int) -> int:
    """Tree size of l_n when the map is written 4*l - 4*l*l: sub(mul(4, l), mul(mul(4, l), l))
    holds l three times plus 6 other nodes (sub, two mul for 4*l*l, one for 4*l, two constants 4)."""
    t = 1
    for _ in range(n - 1):
        t = 3 * t + 6
    return t


@exercise("02-tree-size", "tree size of l_5 when the map is written 4*l - 4*l*l")
def tree_size(answer):
    n = 5
    expected = rewritten_tree_size(n)
    value = as_number(answer, "a number of nodes")
    if value == expected:
        return right("l_n appears three times in 4*l - 4*l*l, so the tree triples each step "
                     "(T_{n+1} = 3 T_n + 6), faster than the doubling of 4*l*(1 - l).")
    original = 3 * 2 ** n - 5
    if value == original:
        return wrong(f"{value:.0f} is the tree size of l_5 written as 4*l*(1 - l).",
                     "Rewrite the recurrence for 4*l - 4*l*l: how many times does l appear, and "
                     "how many other nodes (operations and constants) surround it?")
    dag = 2 + 3 * (n - 1)   # x and 4, then sub, 4*l and (4*l)*l per step
    if value in (dag, dag + 1):
        return wrong(f"{value:.0f} counts each distinct subexpression once: that is the DAG.",
                     "The tree counts every occurrence: a subexpression used three times counts "
                     "three times.")
    if value in (rewritten_tree_size(n - 1), rewritten_tree_size(n + 1)):
        return wrong(f"{value:.0f} is the tree size of a neighbouring n.",
                     "l_1 = x has one node; l_5 takes four applications of the map.")
    for times in (2, 4):
        for extra in range(3, 9):
            t = 1
            for _ in range(n - 1):
                t = times * t + extra
            if value == t and times != 3:
                return wrong(f"{value:.0f} follows T_(n+1) = {times}·T_n + {extra}.",
                             "Count the occurrences of l in 4*l - 4*l*l again: each one is a "
                             "whole copy of the tree of l_n.")
    for extra in range(3, 10):
        t = 1
        for _ in range(n - 1):
            t = 3 * t + extra
        if value == t:
            return wrong(f"{value:.0f} follows T_(n+1) = 3·T_n + {extra}: three copies of l_n "
                         f"is right, the other nodes are miscounted.",
                         "Python reads 4*l - 4*l*l as (4*l) - ((4*l)*l): count the operations "
                         "and the constants 4 around the three copies of l.")
    return wrong(f"{value:.0f} is not the tree size of l_5 for 4*l - 4*l*l.",
                 "Write T_(n+1) in terms of T_n: each occurrence of l is a whole copy of l_n's "
                 "tree, plus one node per operation and per constant. Start from T_1 = 1.")


# ---------------------------------------------------------------- 2.4 a differentiator of your own

_OPS = {"add": 2, "mul": 2, "sin": 1, "cos": 1}


def _describe(e) -> str:
    text = repr(e)
    return text if len(text) <= 60 else text[:59] + "…"


def evaluate(e, x: float) -> float:
    """The value at ``x`` of an expression of the tuple language (the checker's own evaluator)."""
    memo: dict[int, float] = {}

    def value(node):
        if isinstance(node, numbers.Real) and not isinstance(node, bool):
            return float(node)
        if isinstance(node, str):
            if node == "x":
                return x
            raise Rejected(f"your derivative contains the name {node!r}; the only variable is "
                           f"'x'.", "Names other than 'x' have no value: use numbers for constants.")
        if not isinstance(node, (tuple, list)) or not node or node[0] not in _OPS \
                or len(node) != 1 + _OPS[node[0]]:
            raise Rejected(f"your derivative contains {_describe(node)}, which is not an "
                           f"expression of the language.",
                           "Expressions are numbers, 'x', ('add', a, b), ('mul', a, b), "
                           "('sin', a) and ('cos', a); build the derivative from these only.")
        key = id(node)
        if key not in memo:
            args = [value(a) for a in node[1:]]
            op = node[0]
            memo[key] = (args[0] + args[1] if op == "add" else args[0] * args[1] if op == "mul"
                         else math.sin(args[0]) if op == "sin" else math.cos(args[0]))
        return memo[key]

    return value(e)


def to_adlab(e):
    """The tuple expression as an adlab symbolic expression (for the reference derivative)."""
    import adlab as ad
    from adlab import symbolic

    memo: dict[int, object] = {}

    def build(node):
        if isinstance(node, numbers.Real):
            return float(node)
        if node == "x":
            return symbolic.symbol("x")
        key = id(node)
        if key not in memo:
            op, *args = node
            a = [build(arg) for arg in args]
            memo[key] = (a[0] + a[1] if op == "add" else a[0] * a[1] if op == "mul"
                         else ad.sin(a[0]) if op == "sin" else ad.cos(a[0]))
        return memo[key]

    return symbolic.as_expression(build(e))


def logistic_tuple(n: int):
    """l_n of the logistic map in the tuple language; each l is one object used twice (shared)."""
    l = "x"
    for _ in range(n - 1):
        l = ("mul", ("mul", 4, l), ("add", 1, ("mul", -1, l)))
    return l


_U = ("mul", "x", ("add", "x", 1))
#: (what it tests, expression, hint when the student's derivative is wrong there), in rule order
CASES = [
    ("a constant", 3.0, "The derivative of a number is 0 (the number 0 is an expression)."),
    ("the variable", "x", "The derivative of 'x' with respect to x is 1."),
    ("the sum rule", ("add", "x", 2.5), "Sum rule: d(a + b) = da + db."),
    ("a constant factor", ("mul", 3, "x"),
     "Product rule: d(a·b) = da·b + a·db, two terms, also when a is a number (then da = 0)."),
    ("the product rule on x·x", ("mul", "x", "x"),
     "Product rule: d(a·b) = da·b + a·db, two terms. In x·x both factors depend on x, so "
     "both terms count."),
    ("the product rule on sin(x)·x", ("mul", ("sin", "x"), "x"),
     "Product rule: d(a·b) = da·b + a·db, each term differentiating one factor."),
    ("the chain rule on sin", ("sin", ("mul", "x", "x")),
     "Chain rule: d(sin a) = cos a · da. The inner derivative da is a factor."),
    ("the chain rule on cos", ("cos", ("mul", 2, "x")),
     "d(cos a) = −sin a · da: mind the sign (multiply by the number −1) and the inner factor da."),
    ("a shared subexpression", ("mul", ("sin", _U), ("cos", _U)),
     "The same subexpression u = x·(x + 1) is used twice. Every rule must differentiate each "
     "of its arguments, however often they appear."),
    ("the logistic map l_4", logistic_tuple(4),
     "l_(n+1) = 4·l·(1 − l) uses l twice. Check the product and sum rules on a small case."),
    ("the logistic map l_6", logistic_tuple(6),
     "Check the product and sum rules on l_2 = 4·x·(1 − x) first."),
]
POINTS = (-1.3, 0.4, 2.0)


@exercise("02-tuple-diff", "write d(e): differentiate nested tuples ('add'/'mul'/'sin'/'cos', …)")
def tuple_diff(answer):
    from adlab import symbolic
    d = as_function(answer, "a function d(e)")
    for what, e, hint in CASES:
        label = f"({_describe(e)})"
        result = returned(call(d, e, label=label), d, label)
        exact = symbolic.diff(to_adlab(e), "x")
        for x in POINTS:
            got = evaluate(result, x)
            want = exact.evaluate(x=x)
            if not math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9):
                return wrong(f"on {what}, d{label} evaluates to {got + 0.0:.6g} at x = {x}, "
                             f"but adlab's diff gives {want + 0.0:.6g}.", hint)
    return right(f"your d agrees with adlab's symbolic diff on {len(CASES)} expressions (sum, "
                 f"product and chain rules, shared subexpressions) at x = "
                 f"{', '.join(map(str, POINTS))}.")
