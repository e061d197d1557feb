"""The README's Python examples run as written, in order (so the README stays true to the code)."""
import math
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_has_examples():
    assert len(python_blocks()) >= 3


def test_readme_examples_run(monkeypatch, tmp_path):
    pytest.importorskip("matplotlib")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in python_blocks():
        exec(compile(block, str(README), "exec"), namespace)
    # the figures the first example states: ∂f/∂x1 = 1/x1 + x2, ∂f/∂x2 = x1 - cos x2 at (2, 5)
    assert abs(namespace["ft"].tangent - (1 / 2 + 5)) < 1e-12
    assert abs(namespace["rt"].grad[1] - (2 - math.cos(5))) < 1e-12
    # the grading example: v2 = x1·x2 = 10 is right, x̄2 = x1 - cos x2 = 1.716 is not -0.284
    assert namespace["marks"] == 1
    assert [r["correct"] for r in namespace["report"]] == [True, False]
