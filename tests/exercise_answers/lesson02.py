"""Lesson 2's reference answers, computed independently of the checkers: by adlab's AD and symbolic
engine (the checkers use the rules written out by hand and the recurrences) and by a differentiator
written here."""
import math

import adlab as ad
from adlab import symbolic


def _f(x):
    return x * ad.sin(x) * ad.exp(x)


PRODUCT_RULE = ad.grad(_f)(0.5)

TRACE_ROWS_20 = len(ad.reverse(lambda x: symbolic.logistic_map(x, 20), (0.3,)).rows)


def _rewritten(x, n):
    l = x
    for _ in range(n - 1):
        l = 4 * l - 4 * l * l
    return l


_L5 = symbolic.expression(lambda x: _rewritten(x, 5), "x")
TREE_SIZE_5, DAG_SIZE_5 = symbolic.size(_L5), symbolic.size(_L5, dag=True)


def d(e):
    """The reference: sum, product and chain rules on the tuple language."""
    if isinstance(e, (int, float)):
        return 0
    if e == "x":
        return 1
    op, *args = e
    if op == "add":
        return ("add", d(args[0]), d(args[1]))
    if op == "mul":
        a, b = args
        return ("add", ("mul", d(a), b), ("mul", a, d(b)))
    if op == "sin":
        return ("mul", ("cos", args[0]), d(args[0]))
    if op == "cos":
        return ("mul", ("mul", -1, ("sin", args[0])), d(args[0]))
    raise ValueError(op)


def _make(product=None, sin=None, cos=None, number=0):
    """A differentiator with one rule replaced by a typical mistake."""
    def wrong_d(e):
        if isinstance(e, (int, float)):
            return number
        if e == "x":
            return 1
        op, *args = e
        if op == "add":
            return ("add", wrong_d(args[0]), wrong_d(args[1]))
        if op == "mul":
            a, b = args
            if product:
                return product(a, b, wrong_d)
            return ("add", ("mul", wrong_d(a), b), ("mul", a, wrong_d(b)))
        if op == "sin":
            return sin(args[0], wrong_d) if sin else ("mul", ("cos", args[0]), wrong_d(args[0]))
        if op == "cos":
            return cos(args[0], wrong_d) if cos else ("mul", ("mul", -1, ("sin", args[0])),
                                                      wrong_d(args[0]))
        raise ValueError(op)
    return wrong_d


product_of_derivatives = _make(product=lambda a, b, dd: ("mul", dd(a), dd(b)))
one_term_only = _make(product=lambda a, b, dd: ("mul", dd(a), b))
no_inner_factor = _make(sin=lambda a, dd: ("cos", a))
cos_without_sign = _make(cos=lambda a, dd: ("mul", ("sin", a), dd(a)))
constant_is_one = _make(number=1)


def with_a_pow(e):
    """Uses an operation the language does not have."""
    if e == "x":
        return 1
    return ("pow", e, 2)


SOLUTIONS = {
    "02-product-rule": PRODUCT_RULE,
    "02-trace-rows": TRACE_ROWS_20,
    "02-tree-size": TREE_SIZE_5,
    "02-tuple-diff": d,
}

x = 0.5
WRONG = {
    "02-product-rule": [
        (math.cos(x) * math.exp(x), "product of the three derivatives"),
        (math.sin(x) * math.exp(x) + x * math.cos(x) * math.exp(x), "three terms"),
        (x * math.sin(x) * math.exp(x), "function's value"),
        (round(PRODUCT_RULE, 1) + 0.4, "u'·v·w + u·v'·w + u·v·w'"),
    ],
    "02-trace-rows": [
        (7 * 20, "start"),
        (TRACE_ROWS_20 + 7, "n − 1 iterations"),
        (8 * 19, "AD ops column"),
        (3 * 19 * 2 ** 20, "tree"),
        (100, "subtract consecutive entries"),
        (2 * 67, "not grow in proportion"),        # doubling l_10's 67 rows
    ],
    "02-tree-size": [
        (3 * 2 ** 5 - 5, "4*l*(1 - l)"),
        (DAG_SIZE_5, "DAG"),
        (105, "neighbouring n"),
        (2 ** 5 * 3, "T_1 = 1"),
        (241, "three copies of l_n is right"),    # T_(n+1) = 3 T_n + 4: the constants 4 left out
        (969, "neighbouring n"),                   # one application of the map too many
    ],
    "02-tuple-diff": [
        (product_of_derivatives, "two terms"),
        (one_term_only, "product rule"),
        (no_inner_factor, "inner derivative"),
        (cos_without_sign, "sign"),
        (constant_is_one, "number is 0"),
        (with_a_pow, "not an expression of the language"),
    ],
}


def d_with_lists(e):
    """The reference, building lists instead of tuples: the same expressions."""
    result = d(e)

    def as_lists(node):
        return [as_lists(a) if isinstance(a, tuple) else a for a in node] \
            if isinstance(node, tuple) else node
    return as_lists(result)


# other forms of a right answer, which the checkers must accept too
ALSO_ACCEPTED = {
    "02-product-rule": [1.91, 1.909, round(PRODUCT_RULE, 4)],   # "at least 3 significant digits"
    "02-trace-rows": [137.0],
    "02-tree-size": [321.0],
    "02-tuple-diff": [d_with_lists],
}
