"""Wall-clock measurement: medians and minima over repeats, in one process."""
from __future__ import annotations

import gc
import statistics
import time


def measure(fn, repeats: int, number: int = 1, setup=None) -> dict:
    """Seconds per call of ``fn()``: ``{"median", "min"}`` over ``repeats`` runs of ``number`` calls.

    The garbage collector stays on (as users run code); a full collection runs before each repeat,
    outside the timing, so that one repeat does not pay for the garbage of the previous one.
    """
    times = []
    for _ in range(repeats):
        state = setup() if setup else None
        gc.collect()
        start = time.perf_counter()
        for _ in range(number):
            fn() if state is None else fn(state)
        times.append((time.perf_counter() - start) / number)
    return {"median": statistics.median(times), "min": min(times)}


def calls_for(fn, budget: float = 0.05) -> int:
    """How many calls make one repeat last about ``budget`` seconds (at least 1)."""
    start = time.perf_counter()
    fn()
    once = time.perf_counter() - start
    return max(1, int(budget / max(once, 1e-7)))


def measure_interleaved(fns: dict, repeats: int, budget: float = 0.05) -> dict:
    """Like :func:`measure` for several functions, run round-robin so that a noisy machine slows
    every library alike; returns ``{name: {"median", "min", "rounds"}}`` in seconds per call,
    ``rounds`` being the time of each repeat in order (one per round, for paired comparisons).

    Each repeat times a block of consecutive calls (about ``budget`` seconds, at least one) after a
    full collection. A block, not a single call: a full collection also empties CPython's free
    lists of floats and tuples, so a lone call right after it measures the allocator refilling
    them rather than the steady state a user's repeated calls (a training loop) run in.
    """
    numbers = {name: calls_for(fn, budget) if budget > 0 else 1 for name, fn in fns.items()}
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            gc.collect()
            start = time.perf_counter()
            for _ in range(numbers[name]):
                fn()
            times[name].append((time.perf_counter() - start) / numbers[name])
    return {name: {"median": statistics.median(t), "min": min(t), "rounds": t}
            for name, t in times.items()}
