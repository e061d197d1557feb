"""The layers are the folders, and imports only go down: no cycle anywhere, nothing upward.

Read from the source (every import statement, at the top of a module or inside a function), not
from what happens to be imported at run time. The facade's lazy attributes (``ad.show``,
``ad.symbolic``: ``importlib`` by name in ``adlab/__init__.py``) are the one way up, on purpose.

    base       errors.py, palette.py   what every layer shares (exceptions, colours)
    engine     engine/                 automatic differentiation, numpy only
    traces     traces/                 trace objects, rows, notation, tables, graph
    views      views/                  the player and %adtrace (Jupyter)
    methods    methods/                finite differences, symbolic differentiation
    course     exercises/              the lessons' exercises (may use the public API)
    top        __init__.py, cli.py     the public API, the `adlab lessons` command
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import adlab

PACKAGE = Path(adlab.__file__).parent

#: What each layer may import from (besides itself).
ALLOWED = {
    "base": set(),
    "engine": {"base"},
    "traces": {"base", "engine"},
    "views": {"base", "engine", "traces"},
    "methods": {"base", "engine", "traces"},
    "course": {"base", "engine", "traces", "views", "methods", "top"},
    "top": {"base", "engine", "traces", "views", "methods", "course"},
}
FOLDERS = {"engine": "engine", "traces": "traces", "views": "views", "methods": "methods",
           "exercises": "course"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in FOLDERS:
        return FOLDERS[parts[1]]
    return "base" if module in ("adlab.errors", "adlab.palette") else "top"


def source_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path, module: str, known: set[str]) -> set[str]:
    """The adlab modules ``path`` imports (``from . import x`` counts as module ``x`` if it is one)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "adlab"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "adlab":
                continue
            submodules = {f"{target}.{alias.name}" for alias in node.names} & known
            found |= submodules or {target}
    return {m for m in found if m in known} - {module}


def import_graph() -> dict[str, set[str]]:
    modules = source_modules()
    return {name: imports(path, name, set(modules)) for name, path in modules.items()}


def problems(graph: dict[str, set[str]]) -> list[str]:
    """Upward (or sideways) imports between layers, and import cycles, as sentences."""
    found = [f"{a} ({layer(a)}) imports {b} ({layer(b)})"
             for a, targets in sorted(graph.items()) for b in sorted(targets)
             if layer(b) != layer(a) and layer(b) not in ALLOWED[layer(a)]]
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(start):  # iterative depth-first search
        stack = [(start, iter(sorted(graph.get(start, ()))))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(child) == 1:
                found.append("import cycle: " + " -> ".join(path[path.index(child):] + [child]))
            elif child not in state:
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(graph.get(child, ())))))

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return found


def test_every_module_belongs_to_a_layer_and_the_folders_are_the_layers():
    modules = source_modules()
    assert {layer(m) for m in modules} == set(ALLOWED)
    for folder, name in FOLDERS.items():
        assert (PACKAGE / folder / "__init__.py").exists(), folder
        assert all(layer(m) == name for m in modules if m.startswith(f"adlab.{folder}."))


def test_imports_only_go_down_and_make_no_cycle():
    assert problems(import_graph()) == []


def test_the_checker_sees_an_upward_import_and_a_cycle():
    graph = import_graph()
    graph["adlab.engine.tape"] = graph["adlab.engine.tape"] | {"adlab.traces.rows"}
    assert any("adlab.engine.tape (engine) imports adlab.traces.rows (traces)" in p
               for p in problems(graph))
    graph = import_graph()
    graph["adlab.engine.tape"] = graph["adlab.engine.tape"] | {"adlab.engine.primitives"}
    assert any(p.startswith("import cycle:") and "adlab.engine.primitives" in p
               for p in problems(graph))


def test_the_engine_imports_only_numpy_and_the_standard_library():
    for name, path in source_modules().items():
        if layer(name) != "engine":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level:
                roots = {node.module.split(".")[0]}
            else:
                continue
            outside = roots - set(sys.stdlib_module_names) - {"numpy", "adlab", "__future__"}
            assert not outside, f"{name} imports {outside}"


@pytest.mark.parametrize("module", ["adlab.engine.tape", "adlab.engine.sweeps"])
def test_the_import_reader_sees_imports_inside_functions(module, tmp_path):
    # the checker reads function-level imports too (a lazy import is still a dependency)
    path = source_modules()[module]
    copy = tmp_path / path.name
    copy.write_text(path.read_text(encoding="utf-8") + "\n\ndef later():\n"
                    "    from ..traces import rows\n", encoding="utf-8")
    assert "adlab.traces.rows" in imports(copy, module, set(source_modules()))
