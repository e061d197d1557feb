"""How fast the pictures are: laying a graph out once, then one step of the player.

For reverse-mode traces of random AD-like graphs with about 10, 100 and 300 nodes (1-2 inputs per
operation, read from the last 20 nodes, a mix of unary and binary primitives):

- layout: building the DOT text, the one ``dot -Tsvg`` run, and making the SVG steppable
  (what ``ad.step(trace)`` costs before anything is shown), median of 5 fresh traces;
- dot alone: the ``dot`` subprocess inside that;
- per step: ``player.next()``, i.e. building the step's ``<style>`` block, caption and table window
  and setting the widgets' values (what a click costs on the kernel side), median over all steps;
- style size: the bytes sent to the browser per step for the graph.

Run: ``python bench/bench_render.py``; writes ``bench/results/render.md``.
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import adlab as ad  # noqa: E402
from adlab import render, widgets  # noqa: E402

SIZES = (10, 100, 300)


def random_function(n_nodes: int, seed: int):
    """A function whose trace has ``n_nodes`` nodes (inputs included)."""
    rng = random.Random(seed)
    n_inputs = max(2, n_nodes // 25)
    unary = [ad.sin, ad.cos, ad.tanh, ad.sigmoid, lambda v: v * 0.5]
    binary = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b]
    plan = []
    for i in range(n_inputs, n_nodes - 2):  # + stack + sum = n_nodes
        window = list(range(max(0, i - 20), i))
        if rng.random() < 0.5:
            plan.append((rng.choice(unary), (rng.choice(window),)))
        else:
            plan.append((rng.choice(binary), (rng.choice(window), rng.choice(window))))

    def f(*xs):
        values = list(xs)
        for op, args in plan:
            values.append(op(*(values[a] for a in args)))
        return ad.sum(ad.stack(values[-3:]))  # one output that uses the last nodes
    return f, n_inputs


def trace_of(n_nodes: int, seed: int):
    f, n_inputs = random_function(n_nodes, seed)
    return ad.reverse(f, tuple(0.1 + 0.05 * k for k in range(n_inputs)))


def bench(n_nodes: int) -> dict:
    layouts, dots, nodes = [], [], []
    real_dot = render._run_dot

    def timed_dot(source):
        start = time.perf_counter()
        out = real_dot(source)
        dots.append(time.perf_counter() - start)
        return out
    render._run_dot = timed_dot
    try:
        for seed in range(5):
            trace = trace_of(n_nodes, seed)
            _ = trace.rows  # rows are the engine's work, not the picture's
            start = time.perf_counter()
            player = widgets.step(trace, max_nodes=1000)
            layouts.append(time.perf_counter() - start)
            nodes.append(len(trace.recording.nodes))
    finally:
        render._run_dot = real_dot
    steps, style_bytes = [], []
    for _ in range(len(player) - 1):
        start = time.perf_counter()
        player.next()
        steps.append(time.perf_counter() - start)
        style_bytes.append(len(player.style_html.value))
    return {"nodes": round(statistics.median(nodes)), "edges": len(player.model.edges),
            "steps": len(player), "layout": statistics.median(layouts),
            "dot": statistics.median(dots), "step": statistics.median(steps),
            "step_max": max(steps), "style": statistics.median(style_bytes),
            "svg": len(player.svg)}


def main() -> str:
    rows = [bench(n) for n in SIZES]
    lines = ["| nodes | edges | steps | layout (once) | of which `dot` | per step (median) | "
             "per step (max) | style per step | SVG |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['nodes']} | {r['edges']} | {r['steps']} | {r['layout'] * 1e3:.1f} ms | "
                     f"{r['dot'] * 1e3:.1f} ms | {r['step'] * 1e3:.2f} ms | "
                     f"{r['step_max'] * 1e3:.2f} ms | {r['style'] / 1024:.1f} KB | "
                     f"{r['svg'] / 1024:.0f} KB |")
    dot_version = os.popen("dot -V 2>&1").read().strip()
    table = "\n".join(lines)
    text = (f"# Rendering: layout once, then re-style per step\n\n"
            f"Reverse-mode traces of random AD-like graphs; {dot_version}; Python "
            f"{sys.version.split()[0]}; kernel-side times (no browser). Layout = `ad.step(trace)`"
            f" (DOT + one `dot -Tsvg` run + steppable SVG), median of 5 traces; per step = "
            f"`player.next()` over every step of one player.\n\n{table}\n")
    os.makedirs(os.path.join(os.path.dirname(__file__), "results"), exist_ok=True)
    with open(os.path.join(os.path.dirname(__file__), "results", "render.md"), "w") as out:
        out.write(text)
    return table


if __name__ == "__main__":
    print(main())
