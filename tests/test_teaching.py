"""The README's commands for instructors do what it says: the ``ipython`` blocks (magics) run in an
IPython shell after the README's Python examples, and the exports they promise exist: a LaTeX
booktabs table of the trace, and the graph as an SVG file."""
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def assert_svg(path: Path):
    """A well-formed SVG of the survey's f: its 7 nodes (inputs v₋₁, v₀ and five operations), named
    with the survey's subscripts."""
    root = ElementTree.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg", path
    nodes = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if "node" in g.get("class", "").split()]
    assert len(nodes) >= 7, f"{path}: {len(nodes)} nodes"
    texts = " ".join(root.itertext())
    assert "v₋₁ = x₁" in texts and "v₀ = x₂" in texts, texts[:300]


def assert_booktabs(latex: str):
    assert latex.count(r"\begin{tabular}") == latex.count(r"\end{tabular}") >= 1
    assert r"\toprule" in latex and r"\midrule" in latex and r"\bottomrule" in latex
    assert latex.count("{") == latex.count("}")
    rows = [line for line in latex.splitlines() if line.endswith(r"\\")]
    assert rows and all(line.count("&") == 1 for line in rows)   # two columns, as {ll} says


@pytest.fixture
def shell(tmp_path, monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    ip = InteractiveShell.instance()
    for block in blocks("python"):          # the README's examples define f, rt, ...
        exec(compile(block, str(README), "exec"), ip.user_ns)
    yield ip
    ip.run_line_magic("unload_ext", "adlab")


def test_readme_exports_for_slides(shell, tmp_path, capsys):
    ipython = blocks("ipython")
    assert ipython, "README.md has no ```ipython block (the magics for slides)"
    capsys.readouterr()
    for block in ipython:
        result = shell.run_cell(block)
        assert result.success, result.error_in_exec or result.error_before_exec
    out = capsys.readouterr().out
    assert_booktabs(out)
    # every SVG file the README names was written, by --svg or by .save(...)
    names = set(re.findall(r"--svg (\S+\.svg)", "".join(ipython)))
    names |= set(re.findall(r'\.save\("([^"]+\.svg)"\)', "".join(blocks("python"))))
    assert names
    for name in names:
        assert_svg(tmp_path / name)
    # the Python way gives the same table as the magic prints
    assert_booktabs(shell.user_ns["table"])
    assert shell.user_ns["table"] in out
