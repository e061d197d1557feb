"""Execute lessons and store only the outputs nbval checks (text), so that they validate and display well.

Usage: python lessons/store_outputs.py lessons/*.ipynb

Cells marked `# NBVAL_CHECK_OUTPUT` keep their text outputs (nbval compares them in CI). Every other
cell is stored without outputs: widgets and SVG would show as plain text in an untrusted notebook, and
their ids change from run to run. Widget state is not stored.
"""
import subprocess
import sys
from pathlib import Path

import nbformat


def store(path: Path) -> None:
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                    "--inplace", "--ExecutePreprocessor.store_widget_state=False", str(path)],
                   check=True, cwd=path.parent)
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "NBVAL_CHECK_OUTPUT" not in cell.source:
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        store(Path(name).resolve())
