"""The engine's docstring is a reading path: files and line ranges, in order, about 400 lines at
most, that hold the whole plain algorithm -- the tape, bind, Traced, the arithmetic entries of the
table, the two sweeps, recording -- and none of the fast paths. The line numbers are checked
against the source, so the path stays true when the code moves."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import adlab.engine as engine

ENGINE = Path(engine.__file__).parent
RANGE = re.compile(r"^\s+\d+\.\s+(\w+\.py)\s+(\d+)-(\d+)\s", re.M)

MUST_READ = {
    "tape.py": ["PRIMITIVES", "node_number", "Tape", "Tape.input", "raw", "bind", "innermost_tape",
                "arithmetic", "Traced.__init__", "Traced.__add__", "Traced.__mul__",
                "Traced.__neg__", "Traced.__getitem__"],
    "primitives.py": ["Primitive.FIELDS", "Primitive.__init__", "Primitive.__call__", "Primitive.jvp",
                      "Primitive.vjp", "times_partial", "define", "add", "sub", "mul", "div",
                      "power", "neg"],
    "sweeps.py": ["tangent_sweep", "adjoint_sweep", "adjoint_loop"],
    "recording.py": ["record"],
}
FAST_PATHS = {"tape.py": ["bind1", "bind2"], "primitives.py": ["UnaryPrimitive"],
              "sweeps.py": [], "recording.py": []}


def reading_path():
    return [(name, int(first), int(last)) for name, first, last in RANGE.findall(engine.__doc__)]


def spans(path: Path) -> dict[str, tuple[int, int]]:
    """Top-level definitions and class members: name (``Traced.__add__``) -> (first, last line)."""
    found = {}

    def add(node, prefix=""):
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names = [node.name]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [e.id for t in targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])
                     if isinstance(e, ast.Name)]
        else:
            return
        for name in names:
            found[prefix + name] = (first, node.end_lineno)

    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        add(node)
        if isinstance(node, ast.ClassDef):
            for member in node.body:
                add(member, f"{node.name}.")
    return found


def covered(ranges, name, first, last) -> bool:
    return any(f == name and a <= first and last <= b for f, a, b in ranges)


def test_the_reading_path_is_about_400_lines_and_says_how_many():
    ranges = reading_path()
    assert len(ranges) >= 4
    total = sum(last - first + 1 for _, first, last in ranges)
    assert total <= 400
    assert f"in {total} lines" in engine.__doc__


def test_the_reading_path_holds_the_plain_algorithm_in_whole_definitions():
    ranges = reading_path()
    for name, first, last in ranges:
        path = ENGINE / name
        lines = path.read_text(encoding="utf-8").splitlines()
        assert 1 <= first <= last <= len(lines), (name, first, last)
        ends = {end for _, end in spans(path).values()} | {len(lines)}
        starts = {start for start, _ in spans(path).values()} | {1}
        assert first in starts or lines[first - 2].strip() == "", f"{name} {first}: mid-definition"
        assert last in ends, f"{name}-{last}: the range ends inside a definition"
    for name, must in MUST_READ.items():
        where = spans(ENGINE / name)
        for definition in must:
            assert covered(ranges, name, *where[definition]), f"{name}: {definition} not on the path"


@pytest.mark.parametrize("name", sorted(FAST_PATHS))
def test_the_fast_paths_are_off_the_reading_path(name):
    ranges = reading_path()
    assert all(f != "fast.py" for f, _, _ in ranges)
    where = spans(ENGINE / name)
    for definition in FAST_PATHS[name]:
        first, last = where[definition]
        assert not any(f == name and a <= last and first <= b for f, a, b in ranges), definition
