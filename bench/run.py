"""Run every benchmark side by side in one process and write the results.

    python bench/run.py            # about 2-3 minutes; writes bench/results/
    python bench/run.py --quick    # smaller sizes, fewer repeats (a smoke run, ~30 s)
    python bench/run.py --threads 2

Writes ``bench/results/README-table.md`` (the Markdown table the README shows),
``bench/results/results.json`` (every number) and ``bench/results/benchmarks.png`` (the plot).
Peers are optional (``pip install -e .[bench]``): a missing one reads "n/a".

For fair numpy timings the process re-executes itself once with OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE unset (they are set on some machines here and slow a current OpenBLAS) and with
every library limited to ``--threads`` threads (default 1: the machines have 2 cores, and other
processes share them); the BLAS kernel that ran is recorded (threadpoolctl).
"""
from __future__ import annotations

import os
import sys

_CHILD = "ADLAB_BENCH_CHILD"


def _reexec(threads: int) -> None:
    """Re-run this script with the BLAS/threading environment the benchmark needs (once)."""
    if os.environ.get(_CHILD):
        return
    env = dict(os.environ)
    unset = [v for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if env.pop(v, None) is not None]
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    if threads == 1:
        env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false "
                            "intra_op_parallelism_threads=1").strip()
    env[_CHILD] = ",".join(unset) or "-"
    os.execve(sys.executable, [sys.executable, *sys.argv], env)


def _threads_arg(argv) -> int:
    if "--threads" in argv:
        return int(argv[argv.index("--threads") + 1])
    return 1


if __name__ == "__main__":
    _reexec(_threads_arg(sys.argv))

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bench import arrays, finite_differences, scalar_graphs  # noqa: E402
from bench.memory import peak_bytes  # noqa: E402
from bench.peers import micrograd_value, optional, versions  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
PEERS = ["adlab", "micrograd", "torch", "autograd"]


def environment(threads: int) -> dict:
    info = {"python": platform.python_version(), "machine": platform.machine(),
            "cpus": os.cpu_count(), "threads": threads, "versions": versions(),
            "unset": os.environ.get(_CHILD, "-")}
    tpc = optional("threadpoolctl")
    if tpc:
        info["blas"] = [{k: d.get(k) for k in ("internal_api", "version", "architecture",
                                               "num_threads")}
                        for d in tpc.threadpool_info() if d.get("user_api") == "blas"]
    torch = optional("torch")
    if torch:
        torch.set_num_threads(threads)
    return info


def section_mesh(quick: bool) -> dict:
    sizes = [(1000, 11 if quick else 31, PEERS), (10000, 3 if quick else 9, PEERS)]
    big = 20000 if quick else 100000
    sizes.append((big, 1 if quick else 3, PEERS))
    rows = scalar_graphs.run_mesh(sizes)
    gc_off = scalar_graphs.run_mesh_gc_off(big, 1 if quick else 3)
    return {"rows": rows + ([gc_off] if gc_off else [])}


def section_chain(quick: bool) -> dict:
    depth = 100000 if quick else 1000000
    return {"adlab": scalar_graphs.chain_check(depth),
            "micrograd_deepest": scalar_graphs.deepest_micrograd_chain()}


def section_arrays(quick: bool) -> dict:
    rng = np.random.default_rng(0)
    out = {}
    repeats = 5 if quick else 11
    for n in (10**6, 10**4):
        x1, x2 = rng.uniform(0.5, 2.0, n), rng.uniform(0.5, 2.0, n)
        fns = arrays.survey_peers(x1, x2)
        arrays.check_survey(fns, x1, x2)
        out[f"survey n={n:.0e}"] = arrays.ratios(fns, repeats)
    params, x, labels = arrays.mlp_data()
    fns = arrays.mlp_peers(params, x, labels)
    arrays.check_mlp(fns, params, x, labels)
    out["MLP 784-128-10, batch 64"] = arrays.ratios(fns, 3 * repeats - 2)  # blocks of ~20 ms
    out["operation counts"] = arrays.operation_counts()
    return out


def section_fd(quick: bool) -> dict:
    sizes = (10, 30, 100, 300, 1000) if quick else (10, 30, 100, 300, 1000, 3000, 10000)
    rows = finite_differences.run(sizes)
    out = {"rows": rows, "crossover_n": finite_differences.crossover(rows)}
    if rows and "fd_over_autograd" in rows[0]:
        out["crossover_n_autograd"] = finite_differences.crossover(rows, "fd_over_autograd")
    return out


def section_memory(quick: bool) -> dict:
    import adlab as ad
    depth = 100000 if quick else 1000000
    out = {"chain_depth": depth}
    out["adlab chain (record + backward)"] = peak_bytes(lambda: scalar_graphs.adlab_chain(depth))
    Value = micrograd_value()
    if Value is not None:
        def micrograd_build():
            y = Value(0.5)
            for _ in range(depth):
                y = y.sin()
        out["micrograd chain (build only: its backward needs recursion)"] = peak_bytes(
            micrograd_build)
    params, x, labels = arrays.mlp_data()
    vg = ad.value_and_grad(arrays.mlp_adlab)
    vg(params, x, labels)
    out["adlab MLP value+grad"] = peak_bytes(lambda: vg(params, x, labels), "tracemalloc")
    out["MLP nodes"] = ad.reverse(lambda *p: arrays.mlp_adlab(p, x, labels),
                                  params).operation_count
    out["numpy MLP forward (reference)"] = peak_bytes(lambda: arrays.mlp_numpy(params, x, labels),
                                                      "tracemalloc")
    out["hand-written MLP value+grad"] = peak_bytes(lambda: arrays.mlp_by_hand(params, x, labels),
                                                    "tracemalloc")
    return out


# ---------------------------------------------------------------- the Markdown table

def _fmt(v, digits=2):
    if v is None:
        return "n/a"
    if isinstance(v, str):
        return v
    return f"{v:.{digits}f}" if abs(v) < 100 else f"{v:,.0f}"


def _pair(med, low, digits=2):
    return f"{_fmt(med, digits)} ({_fmt(low, digits)})"


def table(results: dict) -> str:
    lines = ["<!-- written by `python bench/run.py`; do not edit by hand -->", ""]
    env = results["environment"]
    blas = env.get("blas") or [{}]
    lines.append(f"Measured {results['date']} on {env['cpus']} CPUs, {env['threads']} thread(s) "
                 f"per library, Python {env['python']}, numpy {env['versions']['numpy']} "
                 f"(BLAS: {blas[0].get('internal_api')} {blas[0].get('architecture')}), "
                 f"total {results['seconds']:.0f} s. Peers: "
                 + ", ".join(f"{k} {v}" for k, v in env["versions"].items()
                             if k not in ("numpy", "threadpoolctl")) + ". "
                 "Figures are medians (minima) over repeats run round-robin in one process.")
    lines += ["", "**Scalar graph** (mesh of + × tanh sin log), µs per node, build + backward, "
              "garbage collector on; adlab records its evaluation trace while doing so. Each "
              "repeat times consecutive calls (about 50 ms) after a full collection, the steady "
              "state of repeated calls; a single call right after `gc.collect()` (which empties "
              "CPython's float and tuple free lists) measured 1.2–1.4× slower for adlab and no "
              "slower for micrograd at 1e3 nodes.", "",
              "| nodes | adlab | micrograd | torch | autograd | adlab / micrograd (target) |",
              "|---:|---:|---:|---:|---:|---|"]
    by = {}
    for r in results["mesh"]["rows"]:
        by.setdefault(r["nodes"], {})[r["library"]] = r
    for nodes, libs in sorted(by.items()):
        cells = [_pair(libs[k]["us_per_node_median"], libs[k]["us_per_node_min"])
                 if k in libs else "n/a" for k in PEERS]
        ratio = None
        if "micrograd" in libs:
            ratio = libs["adlab"]["us_per_node_median"] / libs["micrograd"]["us_per_node_median"]
        target = "≤ 0.66" if nodes <= 10000 else f"adlab ≤ 3 µs: {_fmt(libs['adlab']['us_per_node_median'])}"
        extra = (f"; micrograd with GC off: "
                 f"{_fmt(libs['micrograd (GC off)']['us_per_node_median'])} µs"
                 if "micrograd (GC off)" in libs else "")
        lines.append(f"| {nodes:,} | " + " | ".join(cells) + f" | {_fmt(ratio)} ({target}{extra}) |")
    chain = results["chain"]
    lines += ["", f"**Deepest chain that backpropagates** (default recursion limit): adlab "
              f"{chain['adlab']['depth']:,} ({'correct' if chain['adlab']['ok'] else 'WRONG'}, "
              f"{chain['adlab']['seconds']:.1f} s; target 1,000,000), micrograd "
              f"{_fmt(chain['micrograd_deepest'], 0)} (RecursionError beyond).", ""]
    lines += ["**Cheap gradient principle**: c = time(value + gradient) / time(numpy f) "
              "(lower is better). adlab / hand-written: the median over the repeats of "
              "time(adlab) / time(hand-written) timed in the same round (the load of the machine "
              "drifts between rounds more than within one); in parentheses the ratio of the two "
              "minima.", "",
              "| function | hand-written | adlab | autograd | jax.jit | torch | adlab target "
              "| adlab / hand-written |",
              "|---|---:|---:|---:|---:|---:|---|---|"]
    targets = {"survey n=1e+06": "≤ 2.0", "survey n=1e+04": "≤ 3",
               "MLP 784-128-10, batch 64": "≤ 2.5"}
    # issue 13: within 1.1x of the gradient written by hand, measured in the same run
    versus_hand = {"survey n=1e+06": "≤ 1.1", "MLP 784-128-10, batch 64": "≤ 1.1"}
    for name, target in targets.items():
        rows = {r["library"]: r for r in results["arrays"][name]}
        cells = [_pair(rows[k]["c_median"], rows[k]["c_min"]) if k in rows else "n/a"
                 for k in ("hand-written", "adlab", "autograd", "jax.jit", "torch")]
        label = name.replace("survey", "f = sum(log x1 + x1·x2 − sin x2),")
        base = rows["numpy f (reference)"]["seconds_median"] * 1e3
        ratio = arrays.paired_ratio(results["arrays"][name])
        ratio_min = rows["adlab"]["c_min"] / rows["hand-written"]["c_min"]
        lines.append(f"| {label} (numpy f: {base:.3g} ms) | " + " | ".join(cells)
                     + f" | {target} | {_pair(ratio, ratio_min)}"
                     + (f"; target {versus_hand[name]}" if name in versus_hand else "") + " |")
    counts = results["arrays"]["operation counts"]
    lines += ["", "**Operation counts** (adlab counts the operations its sweep performs): "
              + "; ".join(f"{k}: ops(f) = {v['ops_f']}, ops(gradient) = {v['ops_sweep']}, "
                          f"c = {v['c']:.2f}" for k, v in counts.items()) + ".", ""]
    fd = results["fd"]
    lines += ["**Finite differences vs reverse mode**: time of a central-difference gradient "
              "(2n evaluations of numpy f) / time of one reverse-mode gradient.", "",
              "| n | " + " | ".join(f"{r['n']:,}" for r in fd["rows"]) + " |",
              "|---|" + "---:|" * len(fd["rows"]),
              "| FD / adlab | " + " | ".join(_fmt(r["fd_over_reverse"]) for r in fd["rows"]) + " |"]
    if "crossover_n_autograd" in fd:
        lines.append("| FD / autograd | " + " | ".join(_fmt(r.get("fd_over_autograd"))
                                                      for r in fd["rows"]) + " |")
    lines += ["", f"Crossover (reverse mode becomes faster): n ≈ {fd['crossover_n']} for adlab"
              + (f", n ≈ {fd['crossover_n_autograd']} for autograd" if "crossover_n_autograd" in fd
                 else "") + ".", ""]
    mem = results["memory"]
    mb = lambda b: "n/a" if b is None else f"{b / 1e6:,.{0 if b > 1e8 else 2}f} MB"  # noqa: E731
    depth = mem["chain_depth"]
    lines += ["**Peak memory of reverse mode** (measured in a forked process: for the chains the "
              "growth of the resident set, for the MLP the peak of allocated bytes, tracemalloc):",
              "",
              f"- adlab, chain of {depth:,} sin nodes, record + backward: "
              f"{mb(mem['adlab chain (record + backward)'])} "
              f"({mem['adlab chain (record + backward)'] / depth:.0f} bytes per node)"]
    key = "micrograd chain (build only: its backward needs recursion)"
    if mem.get(key):
        lines.append(f"- micrograd, the same chain, building the graph only: {mb(mem[key])} "
                     f"({mem[key] / depth:.0f} bytes per node)")
    lines.append(f"- MLP value + gradient: adlab {mb(mem['adlab MLP value+grad'])} "
                 f"({mem['MLP nodes']} nodes, {mem['adlab MLP value+grad'] / mem['MLP nodes'] / 1e3:,.0f} kB per node), "
                 f"hand-written numpy {mb(mem['hand-written MLP value+grad'])}, numpy forward only "
                 f"{mb(mem['numpy MLP forward (reference)'])}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the plot

def plot(results: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4))
    colors = {"adlab": "#0072B2", "micrograd": "#E69F00", "torch": "#009E73",
              "autograd": "#CC79A7", "jax.jit": "#56B4E9", "hand-written": "#555555"}
    ax = axes[0]
    for lib in PEERS:
        rows = sorted((r for r in results["mesh"]["rows"] if r["library"] == lib),
                      key=lambda r: r["nodes"])
        if rows:
            ax.plot([r["nodes"] for r in rows], [r["us_per_node_median"] for r in rows], "o-",
                    label=lib, color=colors[lib])
    ax.set(xscale="log", yscale="log", xlabel="nodes", ylabel="µs per node (build + backward)",
           title="Scalar graph")
    ax.legend()
    ax = axes[1]
    groups = ["survey n=1e+06", "survey n=1e+04", "MLP 784-128-10, batch 64"]
    libs = ["hand-written", "adlab", "autograd", "jax.jit", "torch"]
    width = 0.16
    for j, lib in enumerate(libs):
        values = []
        for g in groups:
            rows = {r["library"]: r for r in results["arrays"][g]}
            values.append(rows[lib]["c_median"] if lib in rows else 0.0)
        ax.bar(np.arange(len(groups)) + (j - 2) * width, values, width, label=lib,
               color=colors[lib])
    for i, target in enumerate((2.0, 3.0, 2.5)):
        ax.hlines(target, i - 0.45, i + 0.45, colors="black", linestyles="dashed")
    ax.set_xticks(range(len(groups)), ["f, n=1e6", "f, n=1e4", "MLP"])
    ax.set(ylabel="c = time(value+grad) / time(f)", title="Cheap gradient (dashed: target)")
    ax.legend(fontsize=8)
    ax = axes[2]
    rows = results["fd"]["rows"]
    ax.plot([r["n"] for r in rows], [r["fd_over_reverse"] for r in rows], "o-", label="adlab",
            color=colors["adlab"])
    if rows and "fd_over_autograd" in rows[0]:
        ax.plot([r["n"] for r in rows], [r["fd_over_autograd"] for r in rows], "o-",
                label="autograd", color=colors["autograd"])
    ax.axhline(1.0, color="black", linestyle="dashed")
    ax.set(xscale="log", yscale="log", xlabel="n (inputs)",
           ylabel="time(FD gradient) / time(reverse)", title="Finite differences vs reverse")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def write_tables(results, out: Path) -> None:
    """The Markdown table in ``out`` and, for the default output folder, in the README."""
    text = table(results)
    (out / "README-table.md").write_text(text)
    if out.resolve() == RESULTS.resolve() and README.exists():
        readme = README.read_text(encoding="utf-8")
        if START in readme and END in readme:
            head, rest = readme.split(START, 1)
            README.write_text(head + START + "\n" + text.strip() + "\n" + END
                              + rest.split(END, 1)[1], encoding="utf-8")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument("--threads", type=int, default=1, help="threads per library (default 1)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the results")
    parser.add_argument("--table-only", action="store_true",
                        help="rewrite the table and plot from results.json without measuring")
    args = parser.parse_args(argv)
    if args.table_only:
        results = json.loads((args.out / "results.json").read_text())
        write_tables(results, args.out)
        plot(results, args.out / "benchmarks.png")
        return results
    start = time.perf_counter()
    results = {"date": time.strftime("%Y-%m-%d"), "environment": environment(args.threads)}
    for name, section in (("memory", section_memory), ("chain", section_chain),
                          ("mesh", section_mesh), ("arrays", section_arrays), ("fd", section_fd)):
        t = time.perf_counter()
        results[name] = section(args.quick)
        print(f"{name}: {time.perf_counter() - t:.1f} s", flush=True)
        gc.collect()
    results["seconds"] = time.perf_counter() - start
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1, default=str))
    write_tables(results, args.out)
    plot(results, args.out / "benchmarks.png")
    print((args.out / "README-table.md").read_text())
    return results


if __name__ == "__main__":
    main()
