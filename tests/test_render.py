"""The computation graph (DOT/SVG) and the tables of a trace, checked against the survey's example.

Expected nodes, edges and numbers are typed in from Baydin et al. (2018), Fig. and Tables 2-3,
f(x1, x2) = ln x1 + x1 x2 - sin x2 at (2, 5) with the survey's node numbering.
"""
from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import adlab as ad
from adlab.traces import graph as render, tables
from adlab import palette
from conftest import SURVEY_POINT, sub, survey_f

pytestmark = pytest.mark.skipif(render.dot_path() is None, reason="needs Graphviz's dot")

SVG = "{http://www.w3.org/2000/svg}"
# the survey's figure: node -> the nodes it reads
SURVEY_EDGES = {("v-1", "v1"), ("v-1", "v2"), ("v0", "v2"), ("v0", "v3"), ("v1", "v4"),
                ("v2", "v4"), ("v4", "v5"), ("v3", "v5")}
SURVEY_NODES = {"v-1", "v0", "v1", "v2", "v3", "v4", "v5"}
LABELS = {"v-1": "v-1 = x1", "v0": "v0 = x2", "v1": "v1 = ln v-1", "v2": "v2 = v-1 × v0",
          "v3": "v3 = sin v0", "v4": "v4 = v1 + v2", "v5": "y = v5 = v4 - v3"}
VALUES = {"v-1": "2", "v0": "5", "v1": "0.693", "v2": "10", "v3": "-0.959", "v4": "10.693",
          "v5": "11.652"}
TANGENTS = {"v-1": "1", "v0": "0", "v1": "0.5", "v2": "5", "v3": "0", "v4": "5.5", "v5": "5.5"}
ADJOINTS = {"v-1": "5.5", "v0": "1.716", "v1": "1", "v2": "1", "v3": "-1", "v4": "1", "v5": "1"}


def name(index: int, n_inputs: int = 2) -> str:
    return f"v{index - n_inputs + 1}"


@pytest.fixture
def reverse_trace():
    return ad.reverse(survey_f, SURVEY_POINT)


@pytest.fixture
def forward_trace():
    return ad.forward(survey_f, SURVEY_POINT, (1.0, 0.0))


@pytest.fixture
def dot_calls(monkeypatch):
    calls = []
    real = render._run_dot

    def counting(source):
        calls.append(source)
        return real(source)
    monkeypatch.setattr(render, "_run_dot", counting)
    return calls


def svg_graph(svg_text):
    """Nodes {id: [text lines]} and edges {(from title, to title)} of a Graphviz SVG."""
    root = ET.fromstring(svg_text)
    nodes, edges = {}, set()
    for group in root.iter(f"{SVG}g"):
        classes = group.get("class", "").split()
        title = group.find(f"{SVG}title").text if group.find(f"{SVG}title") is not None else ""
        if "node" in classes:
            nodes[title] = ["".join(t.itertext()).strip() for t in group.iter(f"{SVG}text")]
        elif "edge" in classes:
            edges.add(tuple(title.split("->")))
    return nodes, edges


def test_dot_and_svg_hold_exactly_the_traces_nodes_and_edges(reverse_trace):
    view = ad.show(reverse_trace)
    dot_nodes = re.findall(r"^\s+n(\d+) \[id=", view.dot_source, flags=re.M)
    dot_edges = re.findall(r"^\s+n(\d+) -> n(\d+) ", view.dot_source, flags=re.M)
    assert {name(int(i)) for i in dot_nodes} == SURVEY_NODES and len(dot_nodes) == 7
    assert {(name(int(a)), name(int(b))) for a, b in dot_edges} == SURVEY_EDGES
    assert len(dot_edges) == 8
    nodes, edges = svg_graph(view.svg)
    assert {name(int(t[1:])) for t in nodes} == SURVEY_NODES
    assert {(name(int(a[1:])), name(int(b[1:]))) for a, b in edges} == SURVEY_EDGES


def test_labels_values_and_adjoints_in_reverse_mode(reverse_trace):
    nodes, _ = svg_graph(ad.show(reverse_trace).svg)
    for title, lines in nodes.items():
        v = name(int(title[1:]))
        assert lines == [sub(LABELS[v]), sub(f"= {VALUES[v]}"), sub(f"v\u0304{v[1:]} = {ADJOINTS[v]}")]


def test_forward_mode_shows_tangents(forward_trace):
    nodes, _ = svg_graph(ad.show(forward_trace).svg)
    for title, lines in nodes.items():
        v = name(int(title[1:]))
        assert lines[2] == sub(f"v\u0307{v[1:]} = {TANGENTS[v]}")


def test_layout_inputs_left_output_marked(reverse_trace):
    view = ad.show(reverse_trace)
    assert "rankdir=LR" in view.dot_source
    assert re.search(r"rank=source; n0; n1;", view.dot_source)
    output = re.search(r"^\s+n6 \[(.*)\];$", view.dot_source, flags=re.M).group(1)
    assert 'class="output"' in output and "peripheries=2" in output
    # inputs are left of every operation in the drawn picture
    root = ET.fromstring(view.svg)
    x = {g.find(f"{SVG}title").text: float(g.find(f"{SVG}text").get("x"))
         for g in root.iter(f"{SVG}g") if "node" in g.get("class", "")}
    assert max(x["n0"], x["n1"]) < min(x[f"n{i}"] for i in range(2, 7))
    assert x["n6"] == max(x.values())


def test_graph_text_is_large_enough_to_project(reverse_trace):
    """Text is drawn at 16 CSS pixels or more: the SVG's pixel width over its viewBox width,
    times the font size of its text."""
    root = ET.fromstring(ad.show(reverse_trace).svg)
    scale = float(root.get("width").removesuffix("px")) / float(root.get("viewBox").split()[2])
    sizes = {float(t.get("font-size")) for t in root.iter(f"{SVG}text")}
    assert min(sizes) * scale >= 16


def test_inputs_and_outputs_are_marked_by_their_border_not_a_state_colour(reverse_trace):
    """Colours mean states (computed, read, result); kinds are borders: bold inputs, double
    outputs, all in the same neutral colour."""
    root = ET.fromstring(ad.show(reverse_trace).svg)
    states = {c.lower() for c in (palette.CURRENT, palette.READ, palette.RESULT, palette.ORANGE,
                                  palette.VERMILLION, palette.BLUE, palette.SKY_BLUE)}
    strokes, widths, paths = set(), {}, {}
    for g in root.iter(f"{SVG}g"):
        if "node" in g.get("class", ""):
            kind_paths = list(g.iter(f"{SVG}path"))
            strokes |= {p.get("stroke").lower() for p in kind_paths}
            widths[g.get("class")] = float(kind_paths[0].get("stroke-width", 1))
            paths[g.get("class")] = len(kind_paths)
    assert not strokes & states and len(strokes) == 1
    assert widths["node input"] > 2 * widths["node operation"]
    assert paths["node output"] == 2 and paths["node operation"] == 1  # a double border


def test_array_nodes_show_their_shape():
    trace = ad.reverse(lambda w: ad.sum(ad.tanh(w) * w), (np.linspace(0.1, 1.0, 12).reshape(3, 4),))
    nodes, _ = svg_graph(ad.show(trace).svg)
    assert nodes["n0"][1] == "= shape (3, 4)"
    assert nodes["n3"][1].startswith("= ") and "shape" not in nodes["n3"][1]  # the scalar sum


def test_ids_are_prefixed_per_picture_and_use_no_dashes(reverse_trace):
    a, b = ad.show(reverse_trace).svg, ad.show(reverse_trace).svg
    ids_a = set(re.findall(r'<g id="([^"]+)" class="(?:node|edge)', a))
    ids_b = set(re.findall(r'<g id="([^"]+)" class="(?:node|edge)', b))
    assert len(ids_a) == 15 and not ids_a & ids_b
    assert all("-" not in i and "&#45;" not in i for i in ids_a)


def test_one_dot_run_per_trace(reverse_trace, dot_calls):
    ad.show(reverse_trace)
    ad.show(reverse_trace, table=False)
    reverse_trace._repr_svg_()
    reverse_trace._repr_html_()
    assert len(dot_calls) == 1
    ad.show(ad.reverse(survey_f, SURVEY_POINT))
    assert len(dot_calls) == 2


def test_tables_match_the_survey(reverse_trace, forward_trace):
    html_table = ad.show(reverse_trace, graph=False)._repr_html_()
    assert "<svg" not in html_table
    for text in ("v1 = ln v-1 = ln 2 = 0.693", "v̄-1 = v̄-1 + v̄1 / v-1 = 5 + 1 / 2 = 5.5",
                 "x̄2 = v̄0 = 1.716", "v5 = v4 - v3 = 10.693 - (-0.959) = 11.652"):
        assert sub(text) in html_table
    markdown = forward_trace._repr_markdown_()
    assert sub("| v1 = ln v-1 = ln 2 = 0.693 | v̇1 = v̇-1 / v-1 = 1 / 2 = 0.5 |") in markdown
    assert markdown.count("\n") == 2 + 8 - 1


def test_latex_is_a_booktabs_table(forward_trace, reverse_trace):
    latex = forward_trace._repr_latex_()
    lines = latex.splitlines()
    assert lines[0] == r"\begin{tabular}{ll}" and lines[-1] == r"\end{tabular}"
    assert lines[1] == r"\toprule" and r"\midrule" in lines and lines[-2] == r"\bottomrule"
    assert r"$v_{1} = \ln v_{-1} = \ln 2 = 0.693$ & $\dot{v}_{1} = \frac{\dot{v}_{-1}}{v_{-1}}" \
           in latex
    for cell_row in lines[4:-2]:
        assert cell_row.endswith(r"\\") and cell_row.count("&") == 1
        assert cell_row.count("$") % 2 == 0 and cell_row.count("{") == cell_row.count("}")
        assert "×" not in cell_row and "·" not in cell_row  # all converted to LaTeX
    assert r"\bar{v}_{-1} = \bar{v}_{-1} + \frac{\bar{v}_{1}}{v_{-1}}" in reverse_trace._repr_latex_()


def test_rich_reprs_through_ipython(reverse_trace):
    from IPython.core.interactiveshell import InteractiveShell
    data, _ = InteractiveShell.instance().display_formatter.format(reverse_trace)
    assert {"text/html", "text/markdown", "text/latex", "image/svg+xml", "text/plain"} <= set(data)
    assert data["text/html"].index("<svg") < data["text/html"].index("<table")
    assert data["image/svg+xml"].startswith("<svg")


def test_dot_missing_gives_install_help_and_tables_still_work(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot anywhere
    trace = ad.reverse(survey_f, SURVEY_POINT)
    view = ad.show(trace)
    assert view.svg is None
    for hint in ("apt-get install graphviz", "brew install graphviz", "conda install"):
        assert hint in view.message
    html_out = view._repr_html_()
    assert "apt-get install graphviz" in html_out and sub("v1 = ln v-1 = ln 2 = 0.693") in html_out
    assert trace._repr_svg_() is None and "<table" in trace._repr_html_()
    with pytest.raises(ad.AdlabError, match="brew install graphviz"):
        view.save(tmp_path / "x.svg")


def test_which_returning_none_is_handled(monkeypatch):
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    view = ad.show(ad.forward(survey_f, SURVEY_POINT, (1.0, 0.0)))
    assert view.svg is None and "sudo apt-get install graphviz" in view.message


def chain(n_ops: int):
    def f(x):
        for k in range(n_ops):
            x = ad.sin(x) if k % 2 else x + 0.5  # one operation per k
        return x
    return f


def test_too_large_graph_is_refused_with_a_way_out(dot_calls):
    trace = ad.reverse(chain(400), (0.3,))
    view = ad.show(trace)
    assert view.svg is None and not dot_calls
    assert "401 nodes" in view.message and "graph=False" in view.message
    assert "max_nodes=401" in view.message
    assert "<table" in view._repr_html_()
    assert ad.show(trace, max_nodes=500).svg is not None and len(dot_calls) == 1


def test_huge_tables_are_truncated():
    trace = ad.forward(chain(2500), (0.3,))
    html_out = ad.show(trace, graph=False)._repr_html_()
    assert "rows left out" in html_out and html_out.count("<tr>") < tables.MAX_TABLE_ROWS + 5


def test_save_writes_an_svg_file(reverse_trace, tmp_path):
    path = tmp_path / "graph.svg"
    ad.show(reverse_trace).save(path)
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"


def test_show_rejects_what_is_not_a_trace():
    with pytest.raises(ad.AdlabError, match="ad.forward"):
        ad.show(lambda x: x)


def test_import_adlab_stays_free_of_jupyter_layers():
    code = ("import sys, adlab; bad = [m for m in ('ipywidgets', 'graphviz', 'IPython', "
            "'adlab.traces.graph', 'adlab.views.player', 'adlab.views.magic', 'adlab.palette') if m in sys.modules];"
            "print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
