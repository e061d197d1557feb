"""Deep graphs: no recursion anywhere, memory proportional to the graph, no reference cycles."""
from __future__ import annotations

import gc
import math
import sys
import tracemalloc

import pytest

import adlab as ad


def sin_chain(x, n):
    for _ in range(n):
        x = ad.sin(x)
    return x


def chain_rule_reference(x, n):
    """d/dx sin∘…∘sin (n times) at x by a plain float loop, multiplied in the reverse sweep's
    order (output side first) so that rounding matches closely: ∏ cos(x_k)."""
    xs = []
    for _ in range(n):
        xs.append(x)
        x = math.sin(x)
    d = 1.0
    for x in reversed(xs):
        d *= math.cos(x)
    return x, d


@pytest.mark.slow
def test_a_chain_of_a_million_operations_differentiates_in_reverse_mode():
    n = 1_000_000
    value, slope = ad.value_and_grad(sin_chain)(1.0, n)
    ref_value = 1.0
    for _ in range(n):
        ref_value = math.sin(ref_value)
    _, ref_slope = chain_rule_reference(1.0, n)
    assert value == ref_value
    # 10⁶ products each rounded by ≤ 2⁻⁵³: a random-walk error of ~1e-13 relative
    assert slope == pytest.approx(ref_slope, rel=1e-12)
    assert ref_slope == pytest.approx(3.9692e-09, rel=1e-4)  # sanity: x_n ~ √(3/n), slope ~ n^-3/2


@pytest.mark.slow
def test_a_chain_of_a_million_multiplications_gives_the_exact_power():
    n = 1_000_000

    def f(x):
        for _ in range(n):
            x = x * 1.000001
        return x
    d = ad.grad(f)(1.0)
    assert d == pytest.approx(math.exp(n * math.log1p(1e-6)), rel=1e-9)


def test_deep_chains_do_not_recurse():
    """100,000 nodes with Python's recursion limit lowered: every walk over the graph is a loop."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        n = 100_000
        slope = ad.grad(sin_chain)(0.5, n)
        tangent = ad.jvp(lambda x: sin_chain(x, n), (0.5,), (1.0,))[1]
        trace = ad.reverse(lambda x: sin_chain(x, 1000), (0.5,))
        rows = trace.adjoint_rows
    finally:
        sys.setrecursionlimit(limit)
    _, ref = chain_rule_reference(0.5, n)
    assert slope == pytest.approx(ref, rel=1e-12)
    assert tangent == pytest.approx(ref, rel=1e-12)
    assert len(rows) == 1 + 1000 + 1


def _peak_bytes(n):
    gc.collect()
    gc.disable()  # reference counting alone must free the tape (no cycles per node)
    try:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        ad.grad(sin_chain)(0.5, n)
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        gc.enable()
    return peak - base, current - base


def test_memory_is_proportional_to_the_graph():
    small_peak, _ = _peak_bytes(10_000)
    big_peak, big_left = _peak_bytes(100_000)
    per_node = big_peak / 100_000
    assert per_node < 1024, f"{per_node:.0f} bytes per node"
    assert 8 < big_peak / small_peak < 12, (small_peak, big_peak)  # linear, within 20 %
    # after grad returns, the graph is gone without the cycle collector
    assert big_left < 0.05 * big_peak, (big_left, big_peak)
