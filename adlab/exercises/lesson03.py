"""Lesson 3 · Computation graphs and evaluation traces: the exercises' checkers.

Every reference here is worked out by hand (the primal values of a small function, the count of
its operations, the paths through its graph and the chain rule along them, the passes of a loop);
only the last exercise traces the student's function with adlab, because what it asks about is
the trace that function records.
"""
from __future__ import annotations

import math

from . import (Rejected, as_function, as_number, as_vector, call, close, describe_value, exercise,
               returned, right, wrong)


def _integer(value: float, what: str) -> int:
    if value != int(value) or value < 0:
        raise Rejected(f"{what} is a count: a whole number ≥ 0, not {value:g}.",
                       "Count the rows (or the paths) one by one.")
    return int(value)


# ---------------------------------------------------------------- 03-read-v2

@exercise("03-read-v2", "the value of v2 in the survey's primal trace at (x1, x2) = (2, 5)")
def read_v2(answer):
    value = as_number(answer, "the value of v2 (a number)")
    x1, x2 = 2.0, 5.0
    v1, v2, v3 = math.log(x1), x1 * x2, math.sin(x2)
    v4 = v1 + v2
    v5 = v4 - v3
    if close(value, v2, rtol=1e-9):
        return right("v2 = v-1 × v0 = 2 × 5 = 10, the second intermediate variable.")
    others = [(v1, "That is v1 = ln v-1, the first intermediate; v2 is the next row."),
              (v3, "That is v3 = sin v0, the row after v2."),
              (v4, "That is v4 = v1 + v2: it uses v2, so v2 comes earlier."),
              (v5, "That is v5 = y, the value of f itself."),
              (x1, "That is v-1 = x1, an input: the intermediates start at v1."),
              (x2, "That is v0 = x2, an input: the intermediates start at v1."),
              (x1 + x2, "That is x1 + x2, which is not a row of this trace: look at which "
                        "operation v2 applies.")]
    for reference, hint in others:
        if close(value, reference, rtol=0, atol=1e-3):
            return wrong(f"{value:g} is not v2.", hint)
    return wrong(f"{value:g} is not v2.",
                 "Find the row that starts with 'v2 =' in the primal trace and substitute "
                 "v-1 = x1 = 2 and v0 = x2 = 5 into its formula.")


# ---------------------------------------------------------------- 03-primal-trace

Q_POINT = (2.0, 3.0)


def _q_rows(x1: float, x2: float) -> list[tuple[str, float]]:
    """q(x1, x2) = x2 * (x1 + x2) - ad.log(x1), in Python's evaluation order, by hand."""
    v1 = x1 + x2            # the parenthesis is evaluated as soon as the product needs it
    v2 = x2 * v1
    v3 = math.log(x1)
    v4 = v2 - v3
    return [("v-1", x1), ("v0", x2), ("v1", v1), ("v2", v2), ("v3", v3), ("v4", v4)]


def _name(text) -> str:
    if not isinstance(text, str):
        raise Rejected(f"a name must be a string such as 'v1', got {describe_value(text)}.",
                       "Write each row as a pair: ('v1', 5.0).")
    return text.strip().lower().replace(" ", "").replace("_", "").replace("{", "").replace("}", "")


def _pairs(answer) -> list[tuple[str, float]]:
    example = "[('v-1', 2.0), ('v0', 3.0), ('v1', …), …]"
    if isinstance(answer, dict):  # {"v-1": 2.0, ...} in row order reads the same
        answer = list(answer.items())
    if not isinstance(answer, (list, tuple)) or not answer:
        raise Rejected(f"expected a list of (name, value) pairs, got {describe_value(answer)}.",
                       f"Write the trace as {example}.")
    pairs = []
    for item in answer:
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise Rejected(f"each row must be a (name, value) pair; {describe_value(item)} is "
                           f"not.", f"Write the trace as {example}.")
        pairs.append((_name(item[0]), as_number(item[1], f"the value of {item[0]}")))
    return pairs


@exercise("03-primal-trace", "the primal trace of q(x1, x2) = x2 * (x1 + x2) - ad.log(x1) "
          "at (2, 3), as (name, value) pairs")
def primal_trace(answer):
    pairs = _pairs(answer)
    expected = _q_rows(*Q_POINT)
    if len(pairs) == len(expected) + 1 and pairs[-1][0] == "y":  # the output row may be added
        if not close(pairs[-1][1], expected[-1][1], rtol=0, atol=1e-3):
            raise Rejected("the row y has the wrong value.",
                           "y is the last intermediate under another name: same value.")
        pairs = pairs[:-1]
    names = [n for n, _ in pairs]
    values = [v for _, v in pairs]
    want_names = [n for n, _ in expected]
    want_values = [v for _, v in expected]
    if names[:2] in (["v1", "v2"], ["x1", "x2"]) or (names and names[0] in ("v1", "x1")):
        return wrong("the inputs are not named as in the survey.",
                     "With two inputs the survey numbers them v-1 (x1) and v0 (x2); the "
                     "intermediate variables then start at v1.")
    if len(pairs) < len(expected):
        return wrong(f"your trace has {len(pairs)} rows; it is missing some.",
                     "One row per input, then one row per elementary operation Python performs: "
                     "count the +, ×, ln and - in q.")
    if len(pairs) > len(expected):
        return wrong(f"your trace has {len(pairs)} rows; it has too many.",
                     "Only inputs and elementary operations get a row: reading a variable or a "
                     "constant is not an operation, and each operation is performed once.")
    if names != want_names:
        return wrong(f"the names {names} are not numbered as the survey numbers them.",
                     "Inputs v-1, v0, then v1, v2, … in the order the operations run.")
    if all(close(v, w, rtol=0, atol=1e-3) for v, w in zip(values, want_values)):
        return right("Python evaluated x1 + x2 (v1) before the product (v2), and ln x1 (v3) "
                     "only after the product: the numbering is the order of evaluation.")
    if all(any(close(v, w, rtol=0, atol=1e-3) for w in want_values) for v in values):
        return wrong("all your values occur in the trace, but not in the rows where Python "
                     "computes them.",
                     "Python evaluates left to right: the left operand of - (the product, and "
                     "inside it the parenthesis) is computed before ln x1 is.")
    first = next(i for i, (v, w) in enumerate(zip(values, want_values))
                 if not close(v, w, rtol=0, atol=1e-3))
    if first < 2:
        return wrong(f"the input {names[first]} has the wrong value.",
                     "q is evaluated at x1 = 2, x2 = 3.")
    if close(values[first], want_values[first], rtol=0, atol=1e-2):
        return wrong(f"row {names[first]} is close, but not right to three decimals.",
                     "Keep three decimals (use math.log for ln, or Python to do the arithmetic).")
    return wrong(f"row {names[first]} has the wrong value ({values[first]:g}).",
                 f"Which operation does Python perform as step {names[first][1:]}? Evaluate it on "
                 f"the values of the rows it reads (3 decimals are enough).")


# ---------------------------------------------------------------- 03-count-nodes

H_LOOP_PASSES = 3  # h's loop: for _ in range(3): s = s * x2 + 1.0


@exercise("03-count-nodes", "how many intermediate nodes v1 … vl the trace of h records")
def count_nodes(answer):
    count = _integer(as_number(answer, "a number of nodes"), "the number of nodes")
    per_pass = 2      # s * x2, then + 1.0
    after = 2         # ln s, then - x1
    expected = H_LOOP_PASSES * per_pass + after
    if count == expected:
        return right("two operations per pass of the loop, three passes, then ln and −: "
                     "the trace is what the program did, loop unrolled.")
    if count == expected + 2:
        return wrong(f"{count} counts the inputs too.",
                     "The inputs v-1 and v0 are nodes of the graph, but the question asks for "
                     "the intermediate nodes v1, v2, …: one per elementary operation.")
    if count == expected + 3:
        return wrong(f"{count} counts the inputs and the output row.",
                     "Leave out v-1 and v0 (inputs) and the row y = v… (a second name for the "
                     "last node): count one node per elementary operation.")
    if count == expected + 1:
        return wrong(f"{count} is one too many.",
                     "The row y = v… only names the last node, and constants such as 1.0 are "
                     "not nodes: count the elementary operations only.")
    if count == per_pass + after:
        return wrong(f"{count} counts the loop body once.",
                     "The for loop runs three times, and every pass records its own nodes.")
    if count == H_LOOP_PASSES * per_pass:
        return wrong(f"{count} counts the loop's operations only.",
                     "The return line computes too: every operation on a traced value there "
                     "is a node as well.")
    if count < expected:
        return wrong(f"{count} is too few.",
                     "Every elementary operation the program performs is a node, once each time "
                     "it is performed: list the operations of each pass of the loop, then those "
                     "of the return line.")
    return wrong(f"{count} is too many.",
                 "Count one node per elementary operation performed: reading x1 or x2 again is "
                 "not an operation, and neither is a comparison or range(3).")


# ---------------------------------------------------------------- 03-chain-paths

K_POINT = (1.0, 2.0)
K_RTOL = 1.5e-3   # three significant digits are enough: 3.76 and 3.764 are right, 3.77 is not


def _k_paths(x1: float, x2: float) -> list[float]:
    """k: v1 = x1·x2, v2 = sin x1, v3 = v1·v2, v4 = v3 + x1. Products of partials per path."""
    v1, v2 = x1 * x2, math.sin(x1)
    through_v1 = x2 * v2 * 1.0               # ∂v1/∂v-1 · ∂v3/∂v1 · ∂v4/∂v3
    through_v2 = math.cos(x1) * v1 * 1.0     # ∂v2/∂v-1 · ∂v3/∂v2 · ∂v4/∂v3
    direct = 1.0                             # ∂v4/∂v-1
    return [through_v1, through_v2, direct]


@exercise("03-chain-paths", "the number of paths from v-1 to v4 in k's graph, and ∂y/∂x1 at "
          "(1, 2) as the sum over them")
def chain_paths(answer):
    count, value = as_vector(answer, 2, "numbers: (number of paths, ∂y/∂x1)")
    count = _integer(float(count), "the number of paths")
    terms = _k_paths(*K_POINT)
    expected = sum(terms)
    x1, x2 = K_POINT
    if count != len(terms):
        if count == len(terms) - 1:
            return wrong(f"k's graph has more than {count} paths from v-1 to v4.",
                         "Look at every row that reads v-1, including the last one: an edge "
                         "straight into v4 is a path of its own.")
        return wrong(f"{count} is not the number of paths from v-1 to v4.",
                     "Draw the graph: an edge from each node a row reads to the row's node; "
                     "then follow every way out of v-1 until you reach v4.")
    if close(value, expected, rtol=K_RTOL):
        return right(f"three paths (through v1, through v2, and the edge v-1 → v4), each a "
                     f"product of local partials, and their sum is ∂y/∂x1 = {expected:.4f}.")
    for left_out in range(len(terms)):
        if close(value, expected - terms[left_out], rtol=K_RTOL):
            return wrong("your sum is missing one path's contribution.",
                         "The chain rule adds one product per path: did you leave out a path "
                         "(the direct edge into v4 is easy to miss)?")
    if close(value, math.prod(terms), rtol=K_RTOL):
        return wrong("you multiplied the paths' products together.",
                     "Multiply the partials along one path, then add the paths' products.")
    if close(value, x1 * math.sin(x1), rtol=K_RTOL):
        return wrong("that is ∂y/∂x2, the derivative with respect to the other input.",
                     "Start the paths at v-1 = x1, not at v0 = x2.")
    v2 = math.sin(x1)
    if close(value, expected - terms[0] + v2, rtol=K_RTOL):   # ∂v1/∂v-1 taken as 1
        return wrong("the path through v1 is off: its first factor is not 1.",
                     "v1 = v-1 × v0, so ∂v1/∂v-1 is the other factor, v0 = x2, at (1, 2).")
    if close(value, expected - terms[1] + math.cos(x1), rtol=K_RTOL):   # ∂v3/∂v2 taken as 1
        return wrong("the path through v2 is off: ∂v3/∂v2 is not 1.",
                     "v3 = v1 × v2, so ∂v3/∂v2 is the other factor, v1 = x1·x2, at (1, 2).")
    if close(value, x2 * math.sin(math.radians(x1)) + x1 * x2 * math.cos(math.radians(x1)) + 1,
             rtol=K_RTOL):
        return wrong("your sine and cosine were taken in degrees.", "Use radians (math.sin).")
    return wrong("the count is right, but the sum over the paths is not.",
                 "For each path multiply the local partials of its edges: ∂v1/∂v-1 = v0, "
                 "∂v3/∂v1 = v2, ∂v2/∂v-1 = cos v-1, ∂v3/∂v2 = v1, and ∂v4/∂v3 = ∂v4/∂v-1 = 1; "
                 "then add the products.")


# ---------------------------------------------------------------- 03-loop-length

LOOP_INPUTS = (10.0, 3.0)


def _halve_ops(x: float) -> tuple[int, int]:
    """halve: y = x; while y > 1: y = y / 2; return y * y. (passes, operations), by hand."""
    y, passes = x, 0
    while y > 1.0:
        y = y / 2.0
        passes += 1
    return passes, passes + 1   # one division per pass, then y * y


@exercise("03-loop-length", "the number of operations in the trace of a while loop, at two inputs")
def loop_length(answer):
    a, b = as_vector(answer, 2, "numbers: (operations at x = 10, operations at x = 3)")
    got = tuple(_integer(float(n), "a number of operations") for n in (a, b))
    passes = [_halve_ops(x)[0] for x in LOOP_INPUTS]
    expected = tuple(_halve_ops(x)[1] for x in LOOP_INPUTS)
    if got == expected:
        return right("the loop runs a number of times that depends on x, and the trace records "
                     "every pass it made: different inputs, different traces.")
    if got == tuple(passes):
        return wrong("you counted the divisions only.",
                     "The line after the loop, y * y, is an elementary operation too.")
    if got == tuple(2 * p + 2 for p in passes):
        return wrong("you counted the comparisons y > 1.0 as operations.",
                     "A comparison reads the value to choose the path; it is not recorded in "
                     "the trace (it has no derivative).")
    if got[0] == got[1]:
        return wrong("you gave both inputs the same count.",
                     "The while loop halves y until y ≤ 1: a larger x needs more passes.")
    if got == tuple(e + 1 for e in expected):
        return wrong("one too many for each input.",
                     "Do not count the input v0 or the row y; and the loop stops as soon as "
                     "y ≤ 1 (check the last pass).")
    if got == tuple(e - 1 for e in expected) or got == tuple(e + 2 for e in expected):
        return wrong("the count of passes is off.",
                     "Run the loop by hand: write down y after each pass and stop as soon as "
                     "y > 1.0 is false.")
    wrong_input = 0 if got[0] != expected[0] else 1
    return wrong(f"the count for x = {LOOP_INPUTS[wrong_input]:g} is not right.",
                 "Run the loop by hand: write down y after each pass and stop as soon as "
                 "y > 1.0 is false; then add the operation after the loop.")


# ---------------------------------------------------------------- 03-horner

HORNER_CASES = [[3.0], [1.0, -2.0], [2.0, 0.0, -1.0, 4.0], [0.5, 1.0, -3.0, 0.0, 2.0, 1.5]]
HORNER_POINTS = (0.0, -1.3, 0.7, 2.0)


def _polynomial(c: list, x: float) -> tuple[float, float]:
    """p(x) = Σ c_k x^k and p'(x) = Σ k c_k x^(k-1), term by term."""
    value = sum(ck * x ** k for k, ck in enumerate(c))
    slope = sum(k * ck * x ** (k - 1) for k, ck in enumerate(c) if k > 0)
    return value, slope


def _traced(horner, x: float, c: list):
    import adlab as ad  # what this exercise asks about is the trace the student's function records

    def trace():
        return ad.reverse(lambda v: horner(v, c), (x,))
    trace.__name__ = getattr(horner, "__name__", "horner")
    return call(trace, label=f"({x:g}, {c}) traced by ad.reverse")


@exercise("03-horner", "write horner(x, coefficients): a polynomial by Horner's rule, * and + only")
def horner_rule(answer):
    horner = as_function(answer, "a function horner(x, coefficients)")
    name = getattr(horner, "__name__", "horner")
    for c in HORNER_CASES:  # values on plain floats first: clear messages, no tracing involved
        for x in HORNER_POINTS:
            value = returned(call(horner, x, list(c)), horner, f"({x:g}, {c})")
            value = as_number(value, f"the value of {name}({x:g}, {c})")
            expected = _polynomial(c, x)[0]
            if not close(value, expected, rtol=1e-12, atol=1e-12):
                hint = ("coefficients[0] is the constant term c0 and coefficients[-1] multiplies "
                        "the highest power: your coefficients run the other way."
                        if close(value, _polynomial(c[::-1], x)[0], rtol=1e-12, atol=1e-12) else
                        "p(x) = c0 + x·(c1 + x·(c2 + … + x·c_last)): start from the last "
                        "coefficient and work towards c0.")
                return wrong(f"{name}({x:g}, {c}) returned {value:.6g}, but the polynomial is "
                             f"{expected:.6g} there.", hint)
    for c in HORNER_CASES:
        for x in HORNER_POINTS:
            trace = _traced(horner, x, list(c))
            ops = [row.op for row in trace.primal_rows if row.kind == "primal"]
            others = sorted(set(ops) - {"mul", "add"})
            if others:
                return wrong(f"the trace of {name}(x, {c}) contains {', '.join(others)}, not "
                             f"only × (mul) and + (add).",
                             "Horner's rule needs no powers: multiply the running result by x "
                             "and add the next coefficient.")
            slope = trace.grad[0]
            expected = _polynomial(c, x)[1]
            if not close(slope, expected, rtol=1e-12, atol=1e-12):
                return wrong(f"adlab's derivative of {name}(x, {c}) at x = {x:g} is {slope:.6g}, "
                             f"not p'(x) = {expected:.6g}.",
                             "Compute with x itself (no float(x) or copies that lose the trace).")
    c = HORNER_CASES[-1]
    ops = _traced(horner, 0.7, list(c)).operation_count
    if ops > 2 * len(c):
        return wrong(f"the trace of {name}(x, c) for {len(c)} coefficients has {ops} operations.",
                     "Horner's rule does one × and one + per coefficient after the first: no "
                     "powers of x built separately for each term.")
    return right(f"{ops} operations for {len(c)} coefficients, and x fans out to every "
                 f"multiplication: adlab adds the contributions of all its uses to give p'(x).")


__all__ = ["read_v2", "primal_trace", "count_nodes", "chain_paths", "loop_length",
           "horner_rule"]
