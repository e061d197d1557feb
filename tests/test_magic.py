"""``%adtrace`` / ``%%adtrace`` in an IPython shell (no kernel): the forms, the options, every error.

Expected derivatives are the survey's (∂f/∂x1 = 1/x1 + x2 = 5.5, ∂f/∂x2 = x1 - cos x2 at (2, 5)),
computed here by hand.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell

import adlab as ad
from adlab.traces import graph as render

GRAD = (1 / 2 + 5, 2 - math.cos(5))
needs_dot = pytest.mark.skipif(render.dot_path() is None, reason="needs Graphviz's dot")


@pytest.fixture(scope="module")
def ip():
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "adlab")
    shell.run_cell("import adlab as ad\n"
                   "def f(x1, x2):\n    return ad.log(x1) + x1 * x2 - ad.sin(x2)\n")
    yield shell
    shell.run_line_magic("unload_ext", "adlab")


def run(ip, source, capsys):
    """Run a cell as typed; return (success, stdout, stderr) and check the kernel still works."""
    result = ip.run_cell(source)
    out, err = capsys.readouterr()
    assert ip.run_cell("1 + 1").result == 2
    return result.success, out, err


def fails_briefly(ip, source, capsys, *fragments):
    ok, out, err = run(ip, source, capsys)
    assert not ok
    text = out + err
    assert "Traceback" not in text and text.count("\n") <= 8, text
    assert "UsageError" in text
    for fragment in fragments:
        assert fragment in text, text
    return text


def test_line_form_forward_wrt(ip, capsys):
    ok, _, err = run(ip, "%adtrace f(2.0, 5.0) --mode forward --wrt x1 -o tr --quiet", capsys)
    assert ok, err
    trace = ip.user_ns["tr"]
    assert trace.mode == "forward" and trace.tangent == pytest.approx(GRAD[0], abs=1e-12)
    ok, _, err = run(ip, "%adtrace f(2.0, 5.0) --wrt x2 -o tr --quiet", capsys)  # forward implied
    assert ok and ip.user_ns["tr"].tangent == pytest.approx(GRAD[1], abs=1e-12)


def test_line_form_reverse_default_and_negative_arguments(ip, capsys):
    ok, _, err = run(ip, "%adtrace f(2.0, -(-5.0)) -o tr --quiet", capsys)
    assert ok, err
    assert ip.user_ns["tr"].mode == "reverse"
    assert ip.user_ns["tr"].grad == pytest.approx(GRAD, abs=1e-12)


def test_line_form_seed(ip, capsys):
    ok, _, err = run(ip, "%adtrace f(2.0, 5.0) --mode forward --seed 1,1 -o tr --quiet", capsys)
    assert ok, err
    assert ip.user_ns["tr"].tangent == pytest.approx(GRAD[0] + GRAD[1], abs=1e-12)


def test_cell_form_as_in_the_issue(ip, capsys):
    ok, _, err = run(ip, "%%adtrace --mode reverse --at x1=2 x2=5 -o tr\n"
                         "y = log(x1) + x1 * x2 - sin(x2)\n", capsys)
    assert ok, err
    trace = ip.user_ns["tr"]
    assert trace.grad == pytest.approx(GRAD, abs=1e-12)
    assert trace.recording.input_names == ["x1", "x2"]
    assert "y" not in ip.user_ns or ip.user_ns.get("y") is not trace.value  # cell vars stay inside


@pytest.mark.parametrize("cell, expected", [
    ("y = x * x\nz = 3 * x\n", 9.0),          # y wins
    ("a = x * x\nb = a + x\n", 12.0),         # the last assigned variable
    ("a = x * x\na + 1\n", 10.0),             # a final expression
    ("u, w = x * 2, x * x\n", 9.0),           # tuple assignment: w is assigned last
])
def test_which_variable_is_the_output(ip, capsys, cell, expected):
    ok, _, err = run(ip, f"%%adtrace --at x=3 -o tr --quiet\n{cell}", capsys)
    assert ok, err
    assert ip.user_ns["tr"].value == pytest.approx(expected)


def test_result_option_and_notebook_variables(ip, capsys):
    ip.user_ns["scale"] = 10.0
    ok, _, err = run(ip, "%%adtrace --at x=2 --result a -o tr --quiet\n"
                         "a = scale * exp(x)\nb = a + 1\n", capsys)
    assert ok, err
    assert ip.user_ns["tr"].grad[0] == pytest.approx(10 * math.exp(2))


def test_array_inputs(ip, capsys):
    ok, _, err = run(ip, "%%adtrace --at w=[1, 2, 3] v=np.ones(3) -o tr --quiet\n"
                         "y = ad.sum(w * w * v)\n", capsys)
    assert ok, err
    assert np.allclose(ip.user_ns["tr"].grad[0], [2, 4, 6])


@needs_dot
def test_mode_both_side_by_side(ip, capsys, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    ok, out, err = run(ip, "%%adtrace --mode both --wrt x1 --at x1=2 x2=5 -o pair\n"
                           "y = log(x1) + x1 * x2 - sin(x2)\n", capsys)
    assert ok, err
    forward, backward = ip.user_ns["pair"]
    assert forward.tangent == pytest.approx(GRAD[0]) and backward.grad == pytest.approx(GRAD)
    (player,) = shown  # two players in one row, driven by one slider
    panels = player.data["panels"]
    assert [p["mode"] for p in panels] == ["forward", "reverse"]
    assert [p["title"] for p in panels] == ["Forward mode, ẋ = (1, 0)", "Reverse mode, ȳ = 1"]
    assert len(player) == max(len(p["steps"]) for p in panels) == 20
    assert all("o" in step for p in panels for step in p["steps"])  # operation counts
    assert 'class="adl-player"' in player._repr_html_()


SURVEY_ORDER = "v1 = log(x1)\nv2 = x1 * x2\nv3 = sin(x2)\ny = v1 + v2 - v3\n"
LEFT_TO_RIGHT = "y = log(x1) + x1 * x2 - sin(x2)\n"


@needs_dot
@pytest.mark.parametrize("cell, says", [(LEFT_TO_RIGHT, True), (SURVEY_ORDER, False),
                                         ("y = sin(x1 * x2)\n", False)])
def test_numbering_note_when_python_order_differs_from_the_survey(ip, capsys, monkeypatch, cell,
                                                                   says):
    """Python evaluates log(x1) + x1*x2 - sin(x2) left to right: v1 + v2 becomes v3 and sin x2
    becomes v4, where the survey (level by level) has v3 = sin v0. The player says so, once."""
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    ok, _, err = run(ip, f"%%adtrace --at x1=2 x2=5 -o tr\n{cell}", capsys)
    assert ok, err
    note = shown[0].data["note"]
    if says:
        rows = {r.node: r.pretty for r in ip.user_ns["tr"].primal_rows if r.kind == "primal"}
        assert rows[4] == "v₃ = v₁ + v₂" and rows[5] == "v₄ = sin v₀"  # the cell's own order
        assert "v₃ = v₁ + v₂ comes before v₄ = sin v₀" in note and "left to right" in note
        assert "its v₃ is this cell's v₄" in note
    else:
        assert note == ""


@needs_dot
@pytest.mark.parametrize("options", ["--table", "--graph", "--static", "--static --table",
                                     "--mode both --static"])
def test_display_options(ip, capsys, options):
    ok, _, err = run(ip, f"%adtrace f(2.0, 5.0) {options}", capsys)
    assert ok, err


@needs_dot
def test_table_and_graph_options_reach_the_player(ip, monkeypatch, capsys):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    run(ip, "%adtrace f(2.0, 5.0) --table", capsys)
    run(ip, "%adtrace f(2.0, 5.0) --graph", capsys)
    assert shown[0].svg is None and shown[0].show_table
    assert shown[1].svg is not None and not shown[1].show_table


def test_latex_export(ip, capsys):
    ok, out, err = run(ip, "%adtrace f(2.0, 5.0) --latex --quiet", capsys)
    assert ok, err
    assert r"\toprule" in out and r"$v_{1} = \ln v_{-1} = \ln 2 = 0.693$" in out


@needs_dot
def test_svg_export(ip, capsys, tmp_path):
    path = tmp_path / "graph.svg"
    ok, out, err = run(ip, f"%adtrace f(2.0, 5.0) --svg {path} --quiet", capsys)
    assert ok, err
    assert path.read_text().count('class="node') == 7 and f"wrote {path}" in out
    ok, out, _ = run(ip, f"%adtrace f(2.0, 5.0) --mode both --svg {tmp_path / 'g.svg'} --quiet",
                     capsys)
    assert ok and (tmp_path / "g-forward.svg").exists() and (tmp_path / "g-reverse.svg").exists()


def test_help_documents_the_magic(ip):
    doc = ip.find_line_magic("adtrace").__doc__
    for text in ("%adtrace f(2.0, 5.0) --mode forward --wrt x1", "--at", "--seed", "--latex",
                 "--svg", "-o NAME", "the variable named by ``--result``", "without imports"):
        assert text in doc
    assert ip.find_cell_magic("adtrace") is not None


# ---------------------------------------------------------------- every error path, briefly

def test_bad_option(ip, capsys):
    fails_briefly(ip, "%adtrace f(2.0, 5.0) --mode sideways", capsys, "invalid choice", "sideways")
    fails_briefly(ip, "%adtrace f(2.0, 5.0) --frobnicate", capsys, "unrecognized", "%adtrace?")


def test_syntax_error_in_cell(ip, capsys):
    fails_briefly(ip, "%%adtrace --at x1=2\ny = 1\ny = log(x1 +\n", capsys,
                  "syntax error on line 3")


def test_unsupported_operation(ip, capsys):
    fails_briefly(ip, "%%adtrace --at x1=2\nimport math\ny = math.sin(x1)\n", capsys,
                  "UnsupportedOperationError", "line 3 of the cell")
    fails_briefly(ip, "%%adtrace --at x1=2\nimport numpy as np\ny = np.fmod(x1, 2)\n", capsys,
                  "numpy.fmod")


def test_domain_and_runtime_errors_in_the_cell(ip, capsys):
    fails_briefly(ip, "%%adtrace --at x1=-1\ny = log(x1)\n", capsys, "DomainError", "log")
    fails_briefly(ip, "%%adtrace --at x1=1\ny = x1 * undefined_name\n", capsys, "NameError",
                  "line 2 of the cell")


@pytest.mark.parametrize("source, fragment", [
    ("%%adtrace\ny = 1\n", "--at"),
    ("%%adtrace --at x1\ny = x1\n", "NAME=VALUE"),
    ("%%adtrace --at 1x=2\ny = 1\n", "NAME=VALUE"),
    ("%%adtrace --at x1=nope\ny = x1\n", "could not evaluate"),
    ("%%adtrace --at x1=True\ny = x1\n", "number or an array"),
    ("%%adtrace --at x1=2\n\n", "empty"),
    ("%%adtrace --at x1=2\nimport math\n", "no output"),
    ("%%adtrace --at x1=2 --result q\ny = x1\n", "never assigns 'q'"),
    ("%%adtrace --at x1=2 f(3)\ny = x1\n", "NAME=VALUE items, got 'f(3)'"),
    ("%%adtrace --at --mode forward\ny = 1\n", "--at needs NAME=VALUE"),
    ("%adtrace", "give a call"),
    ("%adtrace --mode forward", "give a call"),
    ("%adtrace f(2.0, 5.0", "not valid Python"),
    ("%adtrace 3 + 4", "expected a call"),
    ("%adtrace f(x1=2.0, x2=5.0)", "positional"),
    ("%adtrace nothing_here(2.0)", "could not evaluate"),
    ("%adtrace ad.__version__.upper()", "InputError"),
    ("%adtrace f(2.0, 5.0) --wrt x3", "no input named x3"),
    ("%adtrace f(2.0, 5.0) --mode reverse --wrt x1", "--wrt"),
    ("%adtrace f(2.0, 5.0) --table --graph", "exclude each other"),
    ("%adtrace f('a', 5.0)", "InputError"),
    ("%adtrace f(2.0, 5.0) --mode forward --seed 1,2,3", "InputError"),
    ("%adtrace f(2.0, 5.0) --svg /nonexistent-dir/x.svg --quiet", "cannot write"),
])
def test_other_errors_are_one_short_message(ip, capsys, source, fragment):
    if "--svg" in source and render.dot_path() is None:
        pytest.skip("needs Graphviz's dot")
    fails_briefly(ip, source, capsys, fragment)


def test_not_callable(ip, capsys):
    ip.user_ns["number"] = 3.0
    fails_briefly(ip, "%adtrace number(2.0)", capsys, "not a function")


def test_svg_export_without_dot(ip, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    fails_briefly(ip, f"%adtrace f(2.0, 5.0) --svg {tmp_path / 'x.svg'} --quiet", capsys,
                  "apt-get install graphviz")
    ok, out, err = run(ip, "%adtrace f(2.0, 5.0) --static", capsys)  # tables still shown
    assert ok, err


def test_unload_removes_the_magic():
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "adlab")
    shell.run_line_magic("unload_ext", "adlab")
    assert shell.find_line_magic("adtrace") is None and shell.find_cell_magic("adtrace") is None
    shell.run_line_magic("load_ext", "adlab")
    assert shell.find_line_magic("adtrace") is not None
    assert ad.__name__ == "adlab"
