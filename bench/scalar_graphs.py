"""Scalar graphs: a mesh of + * tanh sin log (µs per node, build + backward) and the deepest chain.

The same mesh is built by every library from the same operations; "nodes" counts the operations
of the function (the same number for every library). adlab's time includes recording the tape,
which *is* the evaluation trace the lessons display (rows are derived from it only when shown).
"""
from __future__ import annotations

import gc
import math
import sys

import numpy as np

import adlab as ad

from .peers import micrograd_value, optional
from .timing import measure, measure_interleaved


def mesh(xs, layers, add, mul, tanh, sin, log, add_const):
    """``layers`` layers over ``len(xs)`` lanes, then a pairwise sum: one operation per node."""
    cur = list(xs)
    w = len(cur)
    for layer in range(layers):
        kind = layer % 6
        if kind == 0:
            cur = [add(cur[i], cur[(i + 1) % w]) for i in range(w)]
        elif kind == 1:
            cur = [tanh(v) for v in cur]
        elif kind == 2:
            cur = [mul(cur[i], cur[(i + 1) % w]) for i in range(w)]
        elif kind == 3:
            cur = [sin(v) for v in cur]
        elif kind == 4:
            cur = [add_const(v, 2.0) for v in cur]
        else:
            cur = [log(v) for v in cur]
    while len(cur) > 1:  # pairwise: depth log2(width)
        cur = [add(cur[i], cur[i + 1]) if i + 1 < len(cur) else cur[i]
               for i in range(0, len(cur), 2)]
    return cur[0]


def mesh_shape(nodes: int) -> tuple[int, int]:
    """(width, layers) with about ``nodes`` operations and a square-ish mesh."""
    width = max(4, int(round(math.sqrt(nodes))))
    layers = max(1, round((nodes - width + 1) / width))
    return width, layers


def mesh_nodes(width: int, layers: int) -> int:
    return width * layers + width - 1


def _plus(a, b):
    return a + b


def _times(a, b):
    return a * b


def adlab_mesh(width, layers):
    def f(xs):
        return mesh(xs, layers, _plus, _times, ad.tanh, ad.sin, ad.log, _plus)
    grad = ad.grad(f)
    return lambda xs: grad(xs)


def micrograd_mesh(width, layers):
    Value = micrograd_value()
    if Value is None:
        return None

    def run(xs):
        inputs = [Value(x) for x in xs]
        out = mesh(inputs, layers, _plus, _times, Value.tanh, Value.sin, Value.log, _plus)
        out.backward()
        return [v.grad for v in inputs]
    return run


def torch_mesh(width, layers):
    torch = optional("torch")
    if torch is None:
        return None

    def run(xs):
        inputs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
        out = mesh(inputs, layers, _plus, _times, torch.tanh, torch.sin, torch.log, _plus)
        out.backward()
        return [float(v.grad) for v in inputs]
    return run


def autograd_mesh(width, layers):
    autograd = optional("autograd")
    if autograd is None:
        return None
    anp = optional("autograd.numpy")
    grad = autograd.grad(lambda xs: mesh(xs, layers, _plus, _times, anp.tanh, anp.sin, anp.log,
                                         _plus))
    return lambda xs: grad(list(xs))


MESH_PEERS = {"adlab": adlab_mesh, "micrograd": micrograd_mesh, "torch": torch_mesh,
              "autograd": autograd_mesh}


def run_mesh(sizes_and_repeats, skip=()):
    """µs per node for each library at each size (round-robin repeats); every library's gradient
    is checked against adlab's first."""
    rows = []
    for nodes, repeats, peers in sizes_and_repeats:
        width, layers = mesh_shape(nodes)
        n = mesh_nodes(width, layers)
        xs = np.random.default_rng(nodes).uniform(0.1, 0.9, size=width).tolist()
        runs, reference = {}, None
        for name in peers:
            run = None if name in skip else MESH_PEERS[name](width, layers)
            if run is None:
                continue
            grads = np.asarray(run(xs), dtype=float)  # warm-up, and the check
            if reference is None:
                reference = grads
            elif not np.allclose(grads, reference, rtol=1e-9):
                raise AssertionError(f"{name} and adlab disagree on the mesh gradient")
            runs[name] = (lambda run: lambda: run(xs))(run)
        for name, t in measure_interleaved(runs, repeats).items():
            rows.append({"nodes": n, "library": name, "us_per_node_median": t["median"] / n * 1e6,
                         "us_per_node_min": t["min"] / n * 1e6, "repeats": repeats})
        gc.collect()
    return rows


def run_mesh_gc_off(nodes, repeats):
    """micrograd with the garbage collector off, for context (its closures make cycles)."""
    width, layers = mesh_shape(nodes)
    run = micrograd_mesh(width, layers)
    if run is None:
        return None
    n = mesh_nodes(width, layers)
    xs = np.random.default_rng(nodes).uniform(0.1, 0.9, size=width).tolist()
    gc.disable()
    try:
        t = measure(lambda: run(xs), repeats)
    finally:
        gc.enable()
        gc.collect()
    return {"nodes": n, "library": "micrograd (GC off)", "us_per_node_median": t["median"] / n * 1e6,
            "us_per_node_min": t["min"] / n * 1e6, "repeats": repeats}


# ---------------------------------------------------------------- the deepest chain

def adlab_chain(depth: int) -> float:
    def f(x):
        for _ in range(depth):
            x = ad.sin(x)
        return x
    return ad.grad(f)(0.5)


def micrograd_chain(depth: int):
    Value = micrograd_value()
    x = Value(0.5)
    y = x
    for _ in range(depth):
        y = y.sin()
    y.backward()
    return x.grad


def deepest_micrograd_chain(limit: int = 10**6) -> int:
    """The longest chain whose backward pass works at the default recursion limit (bisection)."""
    if micrograd_value() is None:
        return None
    assert sys.getrecursionlimit() == 1000, "the default recursion limit is the point of this test"

    def works(depth):
        try:
            micrograd_chain(depth)
            return True
        except RecursionError:
            return False
    lo, hi = 1, 2
    while hi <= limit and works(hi):
        lo, hi = hi, hi * 2
    if hi > limit:
        return limit
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if works(mid) else (lo, mid)
    return lo


def chain_check(depth: int) -> dict:
    """adlab's derivative of sin∘…∘sin (``depth`` times) against the product rule, and its time."""
    import time
    start = time.perf_counter()
    g = adlab_chain(depth)
    seconds = time.perf_counter() - start
    x, expected = 0.5, 1.0
    for _ in range(depth):
        expected *= math.cos(x)
        x = math.sin(x)
    return {"depth": depth, "ok": math.isclose(g, expected, rel_tol=1e-9), "seconds": seconds}
