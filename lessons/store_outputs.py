"""Execute lessons and store only the outputs worth committing, so that they validate and display well.

Usage: python lessons/store_outputs.py lessons/*.ipynb

Kept:
- every output of a checked cell (marked `# NBVAL_CHECK_OUTPUT` or tagged `nbval-check-output`):
  text that nbval compares in CI, so without timings or memory addresses;
- plots (outputs with an `image/png`), in every cell, so that a lesson read on GitHub or nbviewer
  without running shows its figures; nbval never compares images;
- the step-through player (`ad.step(...)`, `%%adtrace`): one HTML output holding a static view of
  the finished trace (graph image and table, which GitHub and an untrusted JupyterLab show) and the
  player itself (which steps without a kernel in nbviewer, Jupyter Book, an HTML export, or once the
  notebook is trusted). Its link to the kernel that made it is dropped: that key is new every run.
Every other output is dropped: widgets and inline SVG show as plain text in an untrusted notebook,
and their ids change from run to run. Widget state and execution timings are not stored. A cell
that keeps an output keeps its execution count (nbval requires one); the others are reset.
"""
import subprocess
import sys
from pathlib import Path

import nbformat

CHECKED = ("NBVAL_CHECK_OUTPUT", "nbval-check-output")


def is_checked(cell) -> bool:
    return CHECKED[0] in cell.source or CHECKED[1] in cell.get("metadata", {}).get("tags", [])


def is_player(output) -> bool:
    """An adlab player's output (its display metadata says so)."""
    return "adlab" in output.get("metadata", {}) and "text/html" in output.get("data", {})


def unlinked(output):
    """The player output without its (per-run) link to a kernel."""
    meta = output["metadata"]["adlab"]
    key = meta.get("key")
    if key:
        html = output["data"]["text/html"]
        output["data"]["text/html"] = html.replace(f'"key":"{key}"', '"key":null')
        meta["key"] = None
    return output


def plot(output):
    """A matplotlib figure: its image, and the text a viewer without images shows."""
    output["data"] = {k: v for k, v in output["data"].items() if k in ("image/png", "text/plain")}
    return output


def joined_streams(outputs) -> list:
    """Consecutive prints to the same stream as one output (how they arrive is timing)."""
    joined = []
    for output in outputs:
        last = joined[-1] if joined else None
        if (output.get("output_type") == "stream" and last is not None
                and last.get("output_type") == "stream" and last.get("name") == output.get("name")):
            last["text"] = "".join(last["text"]) + "".join(output["text"])
        else:
            joined.append(output)
    return joined


def kept_outputs(cell) -> list:
    """The outputs of ``cell`` worth storing (see the module's docstring)."""
    if is_checked(cell):
        return joined_streams(cell.outputs)
    kept = []
    for output in cell.outputs:
        if is_player(output):
            kept.append(unlinked(output))
        elif "image/png" in output.get("data", {}):
            kept.append(plot(output))
    return kept


def store(path: Path) -> None:
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                    "--inplace", "--ExecutePreprocessor.store_widget_state=False", str(path)],
                   check=True, cwd=path.parent)
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs = kept_outputs(cell)
        cell.metadata.pop("execution", None)  # timestamps: a diff on every run
        if not cell.outputs:
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        store(Path(name).resolve())
