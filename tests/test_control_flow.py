"""Ordinary Python control flow: the trace records the path taken, and derivatives follow it."""
from __future__ import annotations

import math

import pytest

import adlab as ad


def piecewise(x):
    if x > 1.0:
        return x * x * x          # 2 operations
    else:
        return ad.sin(x) * 2.0    # 2 operations, different ones


def test_if_else_follows_the_value_and_records_the_branch_taken():
    high = ad.reverse(piecewise, (2.0,))
    low = ad.reverse(piecewise, (0.5,))
    assert high.grad[0] == 12.0                                   # 3x²
    assert low.grad[0] == pytest.approx(2 * math.cos(0.5), rel=1e-15)
    assert [r.op for r in high.primal_rows if r.kind == "primal"] == ["mul", "mul"]
    assert [r.op for r in low.primal_rows if r.kind == "primal"] == ["sin", "mul"]


def test_branches_of_different_length_give_different_traces():
    def f(x):
        y = x * 2.0
        if y < 0:
            return -y
        for _ in range(3):
            y = ad.exp(y) - 1.0
        return y
    neg, pos = ad.forward(f, -1.0), ad.forward(f, 0.1)
    assert neg.operation_count == 2 and pos.operation_count == 7
    assert len(neg.primal_rows) == 1 + 2 + 1 and len(pos.primal_rows) == 1 + 7 + 1
    assert neg.cost.ops_function == 2 and pos.cost.ops_function == 7
    assert neg.tangent == -2.0
    # pos: y = 2x then y -> e^y - 1 three times; chain rule by hand
    y, d = 0.2, 2.0
    for _ in range(3):
        d *= math.exp(y)
        y = math.exp(y) - 1.0
    assert pos.tangent == pytest.approx(d, rel=1e-14)
    assert pos.value == pytest.approx(y, rel=1e-14)


def test_for_loop_polynomial_matches_the_closed_form():
    coefficients = [1.0, -3.0, 0.5, 2.0]  # 1 - 3x + 0.5x² + 2x³

    def poly(x):
        total = 0.0
        for k, c in enumerate(coefficients):
            total = total + c * x ** k
        return total
    x = 1.3
    assert ad.grad(poly)(x) == pytest.approx(-3 + x + 6 * x * x, rel=1e-14)
    assert ad.grad(ad.grad(poly))(x) == pytest.approx(1 + 12 * x, rel=1e-14)


def test_while_loop_newton_square_root():
    """Newton's iteration for √a: the derivative of the converged iterate is 1/(2√a)."""
    def newton_sqrt(a):
        y = a
        steps = 0
        while abs(y * y - a) > 1e-13 * a:
            y = 0.5 * (y + a / y)
            steps += 1
        newton_sqrt.steps = steps
        return y
    for a in (2.0, 9.0, 1e4):
        value, slope = ad.value_and_grad(newton_sqrt)(a)
        assert value == pytest.approx(math.sqrt(a), rel=1e-14)
        assert slope == pytest.approx(0.5 / math.sqrt(a), rel=1e-12)
        assert ad.jvp(newton_sqrt, (a,), (1.0,))[1] == pytest.approx(0.5 / math.sqrt(a), rel=1e-12)
    # the number of iterations depends on the value; the trace has one row block per iteration
    ops = {}
    for a in (2.0, 1e4):
        trace = ad.reverse(newton_sqrt, (a,))
        ops[a] = (newton_sqrt.steps, trace.operation_count)
    # each iteration: the loop test (y*y, -, abs, 1e-13*a) and the update (/, +, *); a final test
    for a, (steps, n_ops) in ops.items():
        assert n_ops == 7 * steps + 4, a
    assert ops[1e4][0] > ops[2.0][0]


def test_recursion_power():
    def power(x, n):
        if n == 0:
            return 1.0
        half = power(x, n // 2)
        return half * half * (x if n % 2 else 1.0)
    for n in (1, 5, 8, 13):
        x = 1.1
        assert ad.grad(power)(x, n) == pytest.approx(n * x ** (n - 1), rel=1e-13), n
        assert ad.grad(ad.grad(power))(x, n) == pytest.approx(n * (n - 1) * x ** (n - 2),
                                                                 rel=1e-13), n


def test_recursion_horner():
    def horner(x, coefficients):
        if len(coefficients) == 1:
            return coefficients[0] + 0.0 * x
        return coefficients[0] + x * horner(x, coefficients[1:])
    c = [2.0, 0.0, -1.0, 4.0]  # 2 - x² + 4x³
    x = -0.6
    assert ad.grad(horner)(x, c) == pytest.approx(-2 * x + 12 * x * x, rel=1e-14)
    trace = ad.reverse(lambda x: horner(x, c), (x,))
    assert trace.operation_count == 2 + 2 * 3  # innermost 0·x + c, then (×, +) per level


def test_recursion_deeper_than_the_graph_walk_would_allow_in_micrograd():
    # 900 levels of Python recursion building the graph (Python's own limit is 1000 frames)
    def f(x, n):
        return x if n == 0 else ad.sin(f(x, n - 1))
    d = ad.grad(f)(0.5, 900)
    x, expected = 0.5, 1.0
    for _ in range(900):
        expected *= math.cos(x)
        x = math.sin(x)
    assert d == pytest.approx(expected, rel=1e-12)


def test_comparisons_and_boolean_tests_read_the_value():
    def f(x, y):
        out = x
        if x < y and y >= 1.0 and not (x == y) and x != 2.0 and bool(x):
            out = out * y
        return out
    assert ad.grad(f, argnums=(0, 1))(0.5, 3.0) == (3.0, 0.5)
    assert ad.grad(f, argnums=(0, 1))(4.0, 3.0) == (1.0, 0.0)


def test_maximum_based_branch_free_and_if_based_versions_agree():
    def with_if(x):
        return x if x > 0 else 0.0 * x
    for x in (-1.3, 0.7):
        assert ad.grad(with_if)(x) == ad.grad(ad.relu)(x)
