"""How fast and how big the player is: the graph laid out once, every step computed once, sent once.

For reverse-mode traces of random AD-like graphs with about 10, 100 and 300 nodes (1-2 inputs per
operation, read from the last 20 nodes, a mix of unary and binary primitives):

- build: the DOT text, the one ``dot -Tsvg`` run and every step as data, i.e. ``ad.step(trace)``
  plus the HTML it displays (what the kernel does before anything is shown), median of 5 traces;
- dot alone: the ``dot`` subprocess inside that;
- sent: the bytes of the player's one HTML output (static view, steps as JSON, script and styles),
  and of the steps' JSON alone. Stepping costs the kernel nothing: it happens in the browser.

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
from adlab.traces import graph as render  # noqa: E402
from adlab.views import player as widgets  # noqa: E402
from adlab.views.player import _script_json  # noqa: E402

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
    builds, dots, nodes, sizes, data = [], [], [], [], []
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
            page = player._repr_html_()
            builds.append(time.perf_counter() - start)
            nodes.append(len(trace.recording.nodes))
            sizes.append(len(page.encode()))
            data.append(len(_script_json(player.data).encode()))
    finally:
        render._run_dot = real_dot
    return {"nodes": round(statistics.median(nodes)), "edges": len(player.model.edges),
            "steps": len(player), "build": statistics.median(builds),
            "dot": statistics.median(dots), "sent": statistics.median(sizes),
            "data": statistics.median(data), "svg": len(player.svg)}


def main() -> str:
    rows = [bench(n) for n in SIZES]
    lines = ["| nodes | edges | steps | build (once) | of which `dot` | sent (one HTML output) | "
             "of which steps (JSON) | SVG |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['nodes']} | {r['edges']} | {r['steps']} | {r['build'] * 1e3:.1f} ms | "
                     f"{r['dot'] * 1e3:.1f} ms | {r['sent'] / 1024:.0f} KB | "
                     f"{r['data'] / 1024:.0f} KB | {r['svg'] / 1024:.0f} KB |")
    dot_version = os.popen("dot -V 2>&1").read().strip()
    table = "\n".join(lines)
    text = (f"# Rendering: lay out once, compute every step once, send once\n\n"
            f"Reverse-mode traces of random AD-like graphs; {dot_version}; Python "
            f"{sys.version.split()[0]}; kernel side. Build = `ad.step(trace)` and its HTML output "
            f"(DOT + one `dot -Tsvg` run + every step as data), median of 5 traces; sent = the "
            f"bytes of that output (the graph travels once, base64 in the static view). A step costs"
            f" the kernel nothing: the browser steps.\n\n{table}\n")
    os.makedirs(os.path.join(os.path.dirname(__file__), "results"), exist_ok=True)
    with open(os.path.join(os.path.dirname(__file__), "results", "render.md"), "w") as out:
        out.write(text)
    return table


if __name__ == "__main__":
    print(main())
