"""Execute lessons and store the outputs that validate and display well.

Usage: python lessons/store_outputs.py lessons/*.ipynb

- Cells marked `# NBVAL_CHECK_OUTPUT` (or tagged `nbval-check-output`) keep their outputs: nbval
  compares them in CI, so they must be text without timings or memory addresses.
- Plots (outputs with an `image/png`) are kept in every cell, so that a lesson read on GitHub or
  nbviewer without running shows its figures; nbval never compares images.
- Everything else (widgets, SVG, HTML with per-run ids, printed timings) is dropped: widget views
  and SVG show as plain text in an untrusted notebook, and their ids change from run to run.
  Widget state is not stored.
A cell that keeps outputs keeps its execution count (nbval refuses a cell with outputs and none).
"""
import subprocess
import sys
from pathlib import Path

import nbformat

CHECKED = ("NBVAL_CHECK_OUTPUT", "nbval-check-output")


def is_checked(cell) -> bool:
    return CHECKED[0] in cell.source or CHECKED[1] in cell.get("metadata", {}).get("tags", [])


def kept_outputs(cell) -> list:
    """The outputs of ``cell`` worth storing (see the module's docstring)."""
    if is_checked(cell):
        return list(cell.outputs)
    kept = []
    for output in cell.outputs:
        data = output.get("data", {})
        if "image/png" in data:
            output["data"] = {k: v for k, v in data.items() if k in ("image/png", "text/plain")}
            kept.append(output)
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
        if not cell.outputs:
            cell.execution_count = None
        cell.metadata.pop("execution", None)  # timestamps: noise in every diff
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        store(Path(name).resolve())
