"""The step-through player, checked step by step against the survey's Tables 2 and 3.

What the browser receives is inspected directly: the ``<style>`` block (which node/edge is
highlighted, which text variant each node shows), the table window and the caption. The expected
steps are typed in from the survey (f(x1, x2) = ln x1 + x1 x2 - sin x2 at (2, 5)).
"""
from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET

import pytest

import adlab as ad
from adlab import palette as C
from adlab import render
from conftest import SURVEY_POINT, survey_f

pytestmark = pytest.mark.skipif(render.dot_path() is None, reason="needs Graphviz's dot")

BAR, DOT = "\u0304", "\u0307"
SVG = "{http://www.w3.org/2000/svg}"

# Table 3 as a sequence of steps: (node computed, nodes read, the edge(s) values flow along:
# forward along the inputs' edges in the primal sweep, one edge backwards per adjoint contribution,
# caption fragment). Nodes by survey name; the primal sweep comes first.
REVERSE_STEPS = [
    ("v-1", set(), None, "v-1 = x1 = 2"),
    ("v0", set(), None, "v0 = x2 = 5"),
    ("v1", {"v-1"}, [("v-1", "v1")], "v1 = ln v-1 = ln 2 = 0.693"),
    ("v2", {"v-1", "v0"}, [("v-1", "v2"), ("v0", "v2")], "v2 = v-1 × v0 = 2 × 5 = 10"),
    ("v3", {"v0"}, [("v0", "v3")], "v3 = sin v0 = sin 5 = -0.959"),
    ("v4", {"v1", "v2"}, [("v1", "v4"), ("v2", "v4")], "v4 = v1 + v2 = 0.693 + 10 = 10.693"),
    ("v5", {"v4", "v3"}, [("v4", "v5"), ("v3", "v5")], "v5 = v4 - v3 = 10.693 - (-0.959) = 11.652"),
    ("v5", set(), None, "y = v5 = 11.652"),
    ("v5", set(), None, "v̄5 = ȳ = 1"),
    ("v4", {"v5"}, ("v4", "v5"), "v̄4 = v̄5 × 1 = 1 × 1 = 1"),
    ("v3", {"v5"}, ("v3", "v5"), "v̄3 = v̄5 × (-1) = 1 × (-1) = -1"),
    ("v1", {"v4"}, ("v1", "v4"), "v̄1 = v̄4 × 1 = 1 × 1 = 1"),
    ("v2", {"v4"}, ("v2", "v4"), "v̄2 = v̄4 × 1 = 1 × 1 = 1"),
    ("v0", {"v3"}, ("v0", "v3"), "v̄0 = v̄3 × cos v0 = (-1) × cos 5 = -0.284"),
    ("v-1", {"v2", "v0"}, ("v-1", "v2"), "v̄-1 = v̄2 × v0 = 1 × 5 = 5"),
    ("v0", {"v2", "v-1"}, ("v0", "v2"), "v̄0 += v̄2 × v-1 = 1 × 2 = 2 → v̄0 = 1.716"),
    ("v-1", {"v1"}, ("v-1", "v1"), "v̄-1 += v̄1 / v-1 = 1 / 2 = 0.5 → v̄-1 = 5.5"),
    ("v0", set(), None, "x̄2 = v̄0 = 1.716"),
    ("v-1", set(), None, "x̄1 = v̄-1 = 5.5"),
]
# Table 2, node by node: the value, then its tangent (ẋ = (1, 0))
FORWARD_STEPS = [
    ("v-1", set(), None, "v-1 = x1 = 2"), ("v-1", set(), None, "v̇-1 = ẋ1 = 1"),
    ("v0", set(), None, "v0 = x2 = 5"), ("v0", set(), None, "v̇0 = ẋ2 = 0"),
    ("v1", {"v-1"}, [("v-1", "v1")], "v1 = ln v-1 = ln 2 = 0.693"),
    ("v1", {"v-1"}, [("v-1", "v1")], "v̇1 = v̇-1 / v-1 = 1 / 2 = 0.5"),
    ("v2", {"v-1", "v0"}, [("v-1", "v2"), ("v0", "v2")], "v2 = v-1 × v0 = 2 × 5 = 10"),
    ("v2", {"v-1", "v0"}, [("v-1", "v2"), ("v0", "v2")], "v̇2 = v̇-1 × v0 + v̇0 × v-1 = 1 × 5 + 0 × 2 = 5"),
    ("v3", {"v0"}, [("v0", "v3")], "v3 = sin v0 = sin 5 = -0.959"),
    ("v3", {"v0"}, [("v0", "v3")], "v̇3 = v̇0 × cos v0 = 0 × cos 5 = 0"),
    ("v4", {"v1", "v2"}, [("v1", "v4"), ("v2", "v4")], "v4 = v1 + v2 = 0.693 + 10 = 10.693"),
    ("v4", {"v1", "v2"}, [("v1", "v4"), ("v2", "v4")], "v̇4 = v̇1 + v̇2 = 0.5 + 5 = 5.5"),
    ("v5", {"v4", "v3"}, [("v4", "v5"), ("v3", "v5")], "v5 = v4 - v3 = 10.693 - (-0.959) = 11.652"),
    ("v5", {"v4", "v3"}, [("v4", "v5"), ("v3", "v5")], "v̇5 = v̇4 - v̇3 = 5.5 - 0 = 5.5"),
    ("v5", set(), None, "y = v5 = 11.652"),
    ("v5", set(), None, "ẏ = v̇5 = 5.5"),
]


def nfc(text: str) -> str:
    """One spelling of accented letters (ȳ is one code point or y + a combining bar)."""
    return unicodedata.normalize("NFC", text)


def index(name: str) -> int:
    return int(name[1:]) + 1  # two inputs: v-1 is tape node 0


class Seen:
    """What the browser shows for the player's current step, read from the widgets' values."""

    def __init__(self, player):
        p = player.prefix
        style = player.style_html.value
        self.active = {int(i) for i in re.findall(
            rf"#{p}n(\d+)>path\{{stroke:{C.ACTIVE};stroke-width:3.5px", style)}
        self.arguments = {int(i) for i in re.findall(
            rf"#{p}n(\d+)>path\{{stroke:{C.BLUE};stroke-width:2.5px", style)}
        self.edges = set(re.findall(rf"#({p}e\d+_\d+) path\{{stroke:", style))
        self.backward = "stroke-dasharray" in style
        shown = set(i.lstrip("#") for rule in re.findall(r"([^{}]*)\{display:inline\}", style)
                    for i in rule.strip().split(","))
        root = ET.fromstring(player.graph_html.value.split(">", 1)[1].rsplit("</div>", 1)[0])
        self.lines = {}  # node -> [value line, derivative line] as displayed
        for group in root.iter(f"{SVG}g"):
            if "node" in group.get("class", ""):
                node = int(group.get("id")[len(p) + 1:])
                self.lines[node] = ["".join(t.itertext()) for t in group.iter(f"{SVG}text")
                                    if t.get("id") in shown]
        table = player.table_html.value
        self.current_rows = re.findall(rf'<tr id="{p}r(\d+)" class="current"', table)
        self.pending_rows = {int(r) for r in re.findall(rf'<tr id="{p}r(\d+)" class="pending"', table)}
        self.table = table
        self.caption = nfc(player.caption_html.value)


def edge_ids(player):
    """(from name, to name) -> SVG edge id, read from the laid-out SVG's titles."""
    out = {}
    for m in re.finditer(r'<g id="([^"]+)" class="edge">\s*<title>n(\d+)&#45;&gt;n(\d+)</title>',
                         player.svg):
        out[(f"v{int(m.group(2)) - 1}", f"v{int(m.group(3)) - 1}")] = m.group(1)
    return out


@pytest.fixture
def reverse_player():
    return ad.step(ad.reverse(survey_f, SURVEY_POINT))


@pytest.fixture
def forward_player():
    return ad.step(ad.forward(survey_f, SURVEY_POINT, (1.0, 0.0)))


def test_reverse_steps_highlight_node_inputs_edge_row_and_caption(reverse_player):
    player = reverse_player
    assert len(player) == len(REVERSE_STEPS) + 1 and player.step == 0
    edges = edge_ids(player)
    for k, (node, reads, edge, caption) in enumerate(REVERSE_STEPS, start=1):
        player.goto(k)
        seen = Seen(player)
        assert seen.active == {index(node)}, k
        assert seen.arguments == {index(n) for n in reads}, k
        assert seen.edges == ({edges[edge]} if isinstance(edge, tuple) else
                              {edges[e] for e in edge or []}), k
        assert seen.backward == isinstance(edge, tuple), k
        assert seen.current_rows == [str(k - 1)], k
        assert nfc(caption) in seen.caption, (k, seen.caption)


def test_forward_steps(forward_player):
    player = forward_player
    assert len(player) == len(FORWARD_STEPS) + 1
    edges = edge_ids(player)
    for k, (node, reads, edge_list, caption) in enumerate(FORWARD_STEPS, start=1):
        player.next()
        seen = Seen(player)
        assert player.step == k
        assert seen.active == {index(node)} and seen.arguments == {index(n) for n in reads}, k
        assert seen.edges == {edges[e] for e in edge_list or []} and not seen.backward, k
        assert nfc(caption) in seen.caption, (k, seen.caption)


def test_values_not_computed_yet_are_never_shown_as_numbers(reverse_player):
    player = reverse_player
    seen = Seen(player)  # step 0
    for node, (value, derivative) in seen.lines.items():
        assert value == "not yet computed" and derivative.endswith("not yet computed")
    player.goto(5)  # v3 = sin v0 just computed; v4, v5 not yet
    seen = Seen(player)
    assert seen.lines[index("v3")] == ["= -0.959", "v̄3 not yet computed"]
    assert seen.lines[index("v4")][0] == "not yet computed"
    assert seen.pending_rows == set(range(5, 19)) & seen.pending_rows and 5 in seen.pending_rows
    pending = re.search(rf'<tr id="{player.prefix}r5" class="pending".*?</tr>', seen.table).group(0)
    assert "not yet computed" in pending and "sin 5" not in pending and "-0.959" not in pending


def test_fan_out_accumulation_is_its_own_visible_step(reverse_player):
    player = reverse_player
    player.goto(15)  # v̄-1 = v̄2 × v0: the first contribution
    assert Seen(player).lines[index("v-1")] == ["= 2", "v̄-1 = 5"]
    player.next()
    assert Seen(player).lines[index("v0")] == ["= 5", "v̄0 = 1.716"]
    assert Seen(player).lines[index("v-1")] == ["= 2", "v̄-1 = 5"]
    player.next()  # v̄-1 += v̄1 / v-1
    assert Seen(player).lines[index("v-1")] == ["= 2", "v̄-1 = 5.5"]
    assert "fan-out" in player.caption
    player.goto(-1)
    final = Seen(player).lines
    assert [final[index(v)][1] for v in ("v-1", "v0", "v1", "v2", "v3", "v4", "v5")] == [
        "v̄-1 = 5.5", "v̄0 = 1.716", "v̄1 = 1", "v̄2 = 1", "v̄3 = -1", "v̄4 = 1", "v̄5 = 1"]


def test_square_accumulates_twice_into_one_node():
    player = ad.step(ad.reverse(lambda x: x * x, (3.0,)))
    captions = []
    while player.step < len(player) - 1:
        player.next()
        captions.append(player.caption)
    assert any("v̄0 = v̄1 × v0 = 1 × 3 = 3" in c for c in captions)
    assert any("v̄0 += v̄1 × v0 = 1 × 3 = 3 → v̄0 = 6" in c for c in captions)


def test_node_the_output_does_not_use():
    def f(x1, x2):
        ad.sin(x2)  # computed, never used
        return x1 * 2.0
    player = ad.step(ad.reverse(f, (1.0, 4.0)))
    sin_node = 2
    player.goto(6)  # the seed v̄2 = ȳ is set, v̄-1 not yet: the sweep is not over
    assert Seen(player).lines[sin_node][1] == "v̄1 not yet computed"
    player.goto(-1)
    assert Seen(player).lines[sin_node][1] == "v̄1 = 0 (y does not use it)"


def test_buttons_slider_and_scripting(reverse_player):
    player = reverse_player
    for n in range(1, 6):
        player.next_button.click()
        assert player.step == n and player.slider.value == n
    assert Seen(player).current_rows == ["4"]
    player.prev_button.click()
    assert player.step == 4 and Seen(player).current_rows == ["3"]
    player.slider.value = 12  # what Play and dragging the slider do
    assert player.step == 12 and Seen(player).active == {index("v1")}
    player.reset_button.click()
    assert player.step == 0 and Seen(player).active == set()
    player.prev()
    assert player.step == 0
    player.goto(-1)
    player.next()
    assert player.step == len(player) - 1
    with pytest.raises(IndexError, match="steps 0 to 19"):
        player.goto(20)
    assert player.play.max == player.slider.max == 19
    player.speed.value = 150
    assert player.play.interval == 150


def test_stepping_never_reruns_dot(monkeypatch):
    calls = []
    real = render._run_dot
    monkeypatch.setattr(render, "_run_dot", lambda source: calls.append(1) or real(source))
    trace = ad.reverse(survey_f, SURVEY_POINT)
    player = ad.step(trace)
    svg = player.graph_html.value
    for _ in range(len(player)):
        player.next_button.click()
    player.goto(3)
    ad.step(trace).goto(-1)  # a second player of the same trace reuses the layout
    assert len(calls) == 1 and player.graph_html.value == svg


def test_two_players_do_not_share_ids(reverse_player):
    other = ad.step(reverse_player.trace)
    assert other.prefix != reverse_player.prefix
    assert reverse_player.prefix not in other.style_html.value + other.graph_html.value


def test_large_trace_gets_a_table_only_player():
    def f(x):
        for _ in range(400):
            x = ad.sin(x)
        return x
    player = ad.step(ad.reverse(f, (0.5,)))
    assert player.svg is None and "401 nodes" in player.message
    assert player.graph_html not in player.widget.children[-1].children
    player.goto(450)
    seen = player.table_html.value
    assert seen.count("<tr id=") <= 24 and f'id="{player.prefix}r449" class="current"' in seen
    assert "rows above" in seen and "rows below" in seen


def test_player_without_dot(monkeypatch):
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    player = ad.step(ad.forward(survey_f, SURVEY_POINT, (1.0, 0.0)))
    assert player.svg is None and "brew install graphviz" in player.message
    player.goto(6)
    assert "v̇1 = v̇-1 / v-1 = 1 / 2" in player.table_html.value


def test_player_displays_as_a_widget(reverse_player):
    bundle = reverse_player._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_step_rejects_what_is_not_a_trace():
    with pytest.raises(ad.AdlabError, match="ad.reverse"):
        ad.step(3.0)
