"""The step-through player, checked step by step against the survey's Tables 2 and 3.

What the page receives is inspected directly: the JSON of every step (which node and edges are
highlighted, which rows, the caption, the texts each node shows), read the way the page's script
reads it. The expected steps are typed in from the survey (f(x1, x2) = ln x1 + x1 x2 - sin x2 at
(2, 5)) in plain spelling and typeset by ``conftest.sub`` (``v-1`` -> ``v₋₁``). The browser test
(tests/test_browser.py) checks that the page shows what this data says.
"""
from __future__ import annotations

import base64
import html.parser
import json
import math
import re
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import adlab as ad
from adlab.traces import graph as render
from adlab.views import player as widgets
from conftest import SURVEY_GRAD, SURVEY_POINT, sub, survey_f

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
PENDING = "?"


def nfc(text: str) -> str:
    """One spelling of accented letters (ȳ is one code point or y + a combining bar)."""
    return unicodedata.normalize("NFC", text)


def index(name: str) -> int:
    return int(name[1:]) + 1  # two inputs: v-1 is tape node 0


def pick(timeline, k):
    """The entry of a node's text timeline in force at step k (as the page's script reads it)."""
    return [entry for entry in timeline if entry[0] <= k][-1]


class Seen:
    """What the page shows at the player's current step, read from the data it received."""

    def __init__(self, player, panel: int = 0):
        data = player.data
        p = data["panels"][panel]
        k = min(player.step, len(p["steps"]) - 1)
        step = p["steps"][k]
        self.active = set(step.get("n", []))
        self.arguments = set(step.get("r", []))
        self.edges = {edge for edge, _ in step.get("e", [])}
        self.backward = any(direction < 0 for _, direction in step.get("e", []))
        self.current_rows = [str(step["row"])] if "row" in step else []
        self.read_rows = set(step.get("rr", []))
        self.result_rows = set(step.get("rres", []))
        self.result_nodes = set(step.get("res", []))
        self.flow = step.get("f")
        self.lines = {}  # node -> [value line, derivative line] as displayed
        self.pending = {}  # node -> (value pending, derivative pending)
        for i, (value, derivative) in enumerate(p["nodes"]):
            v, d = pick(value, k), pick(derivative, k)
            self.lines[i] = [v[1], d[1]]
            self.pending[i] = (bool(v[2]), bool(d[2]))
        self.rows = []  # (text, value) of every row as the table shows it at this step
        for r, (sweep, pending_text, done_text, value) in enumerate(p["rows"]):
            self.rows.append((done_text, value) if r < k else (pending_text, PENDING))
        self.pending_rows = {r for r in range(len(p["rows"])) if r >= k}
        self.caption = nfc(html_text(step["c"]))
        self.plain_caption = nfc(player.caption)


def html_text(fragment: str) -> str:
    """The text of an HTML fragment (what the caption reads)."""
    parts = []
    parser = html.parser.HTMLParser()
    parser.handle_data = parts.append
    parser.feed(fragment)
    return "".join(parts)


def edge_ids(player):
    """(from name, to name) -> the edge id the page's data uses, read from the laid-out SVG."""
    out = {}
    for m in re.finditer(r'<g id="([^"]+)" class="edge">\s*<title>n(\d+)&#45;&gt;n(\d+)</title>',
                         player.svg):
        out[(f"v{int(m.group(2)) - 1}", f"v{int(m.group(3)) - 1}")] = m.group(1)[len(player.prefix):]
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
        assert nfc(sub(caption)) in seen.caption, (k, seen.caption)
        assert nfc(sub(caption)) in seen.plain_caption, (k, seen.plain_caption)


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
        assert nfc(sub(caption)) in seen.caption, (k, seen.caption)


def test_values_not_computed_yet_are_never_shown_as_numbers(reverse_player):
    player = reverse_player
    seen = Seen(player)  # step 0
    for node, (value, derivative) in seen.lines.items():
        assert value == "= ?" and derivative.endswith("= ?")
        assert seen.pending[node] == (True, True)
    assert "not yet computed" in player.data["pending"]  # what "?" means (legend, tooltips)
    player.goto(5)  # v3 = sin v0 just computed; v4, v5 not yet
    seen = Seen(player)
    assert seen.lines[index("v3")] == [sub("= -0.959"), sub("v̄3 = ?")]
    assert seen.pending[index("v3")] == (False, True)
    assert seen.lines[index("v4")][0] == "= ?" and seen.pending[index("v4")][0]
    assert seen.pending_rows == set(range(5, 19))
    text, value = seen.rows[5]
    assert value == PENDING and text == sub("v4 = v1 + v2")  # no numbers substituted
    assert "0.693" not in text and "10.693" not in text
    assert seen.rows[4] == (sub("v3 = sin v0 = sin 5"), sub("-0.959"))


def test_fan_out_accumulation_is_its_own_visible_step(reverse_player):
    player = reverse_player
    player.goto(15)  # v̄-1 = v̄2 × v0: the first contribution
    assert Seen(player).lines[index("v-1")] == ["= 2", sub("v̄-1 = 5")]
    player.next()
    assert Seen(player).lines[index("v0")] == ["= 5", sub("v̄0 = 1.716")]
    assert Seen(player).lines[index("v-1")] == ["= 2", sub("v̄-1 = 5")]
    player.next()  # v̄-1 += v̄1 / v-1
    assert Seen(player).lines[index("v-1")] == ["= 2", sub("v̄-1 = 5.5")]
    assert "fan-out" in player.caption
    player.goto(-1)
    final = Seen(player).lines
    assert [final[index(v)][1] for v in ("v-1", "v0", "v1", "v2", "v3", "v4", "v5")] == [
        sub(t) for t in ("v̄-1 = 5.5", "v̄0 = 1.716", "v̄1 = 1", "v̄2 = 1", "v̄3 = -1", "v̄4 = 1",
                         "v̄5 = 1")]


def test_fan_out_step_shows_the_flow_and_the_running_sum(reverse_player):
    """Survey step 16: v̄0 += v̄2 × v-1. The adjoint flows back along v0 -> v2 carrying 2; the
    rows read are v-1's value, v̄2, and the earlier contribution v̄0 = -0.284 it adds to."""
    player = reverse_player
    player.goto(16)
    seen = Seen(player)
    assert seen.backward and seen.flow == "+2"
    rows = player.data["panels"][0]["rows"]
    read = {rows[r][2] for r in seen.read_rows}
    assert read == {sub("v-1 = x1"), sub("v̄2 = v̄4 × 1 = 1 × 1"),
                    sub("v̄0 = v̄3 × cos v0 = (-1) × cos 5")}
    contribution_v3 = -1 * math.cos(5)  # v̄3 × cos v0, the survey's first contribution to v̄0
    assert f"{contribution_v3:.3f}" == "-0.284"
    assert nfc(sub("v̄0 = -0.284 (from v3) + 2 (from v2) = 1.716")) in seen.caption
    assert nfc(sub("used twice (by v2 and v3)")) in seen.caption


def test_final_step_states_the_result(reverse_player, forward_player):
    player = reverse_player
    player.goto(-1)
    seen = Seen(player)
    rows = player.data["panels"][0]["rows"]
    assert {rows[r][2] for r in seen.result_rows} == {sub("y = v5"), sub("x̄2 = v̄0"),
                                                      sub("x̄1 = v̄-1")}
    assert seen.result_nodes == {index("v-1"), index("v0"), index("v5")}
    g1, g2 = (f"{g:.3f}".rstrip("0").rstrip(".") for g in SURVEY_GRAD)
    value = f"{math.log(2) + 10 - math.sin(5):.3f}"
    assert nfc(sub(f"y = {value} and ∇f = (x̄1, x̄2) = ({g1}, {g2})")) in seen.caption
    player.goto(18)  # x̄2 is read off: not yet the final summary, the current row is not green
    assert 17 not in Seen(player).result_rows and "∇f" not in Seen(player).caption
    forward_player.goto(-1)
    seen = Seen(forward_player)
    assert nfc(sub(f"y = {value} and ẏ = 5.5 for (ẋ1, ẋ2) = (1, 0): the derivative ∂y/∂x1")) \
        in seen.caption
    assert seen.result_nodes == {index("v5")}


def test_square_accumulates_twice_into_one_node():
    player = ad.step(ad.reverse(lambda x: x * x, (3.0,)))
    captions = []
    while player.step < len(player) - 1:
        player.next()
        captions.append(player.caption)
    assert any(sub("v̄0 = v̄1 × v0 = 1 × 3 = 3") in c for c in captions)
    assert any(sub("v̄0 += v̄1 × v0 = 1 × 3 = 3 → v̄0 = 6") in c for c in captions)
    assert any(sub("used twice (by v1 (twice))") in c for c in captions)


def test_node_the_output_does_not_use():
    def f(x1, x2):
        ad.sin(x2)  # computed, never used
        return x1 * 2.0
    player = ad.step(ad.reverse(f, (1.0, 4.0)))
    sin_node = 2
    player.goto(6)  # the seed v̄2 = ȳ is set, v̄-1 not yet: the sweep is not over
    assert Seen(player).lines[sin_node][1] == sub("v̄1 = ?")
    player.goto(-1)
    assert Seen(player).lines[sin_node][1] == sub("v̄1 = 0 (y does not use it)")


def test_scripting_and_the_kernel_link(reverse_player):
    player = reverse_player
    for n in range(1, 6):
        player.next()
        assert player.step == n
    assert Seen(player).current_rows == ["4"]
    player.prev()
    assert player.step == 4 and Seen(player).current_rows == ["3"]
    player.goto(12)  # what dragging the slider does
    assert player.step == 12 and Seen(player).active == {index("v1")}
    player.reset()
    assert player.step == 0 and Seen(player).active == set()
    player.prev()
    assert player.step == 0
    player.goto(-1)
    player.next()
    assert player.step == len(player) - 1
    with pytest.raises(IndexError, match="steps 0 to 19"):
        player.goto(20)
    with pytest.raises(IndexError):
        player.goto(True)
    # the page's controls and Play: every speed, the slider's range
    data = player.data
    assert [s[1] for s in data["speeds"]] == [1600, 900, 400, 150] and data["interval"] == 900
    assert len(data["panels"][0]["steps"]) == 20
    # the kernel link: Python moves the page, the page moves Python
    link = player._bridge
    assert link is not None and link.key.startswith("adl-") and data["key"] == link.key
    player.goto(7)
    assert link.step == 7
    link.step = 3  # what stepping in the page sends back
    assert player.step == 3 and Seen(player).current_rows == ["2"]


def test_the_page_receives_every_step_once(reverse_player, monkeypatch):
    """Stepping changes nothing the page was sent but the step number: all steps are in it."""
    player = reverse_player
    first = json.loads(json.dumps(player.data))
    for k in range(len(player)):
        player.goto(k)
        now = json.loads(json.dumps(player.data))
        assert now["step"] == k
        now["step"] = first["step"]
        assert now == first
    monkeypatch.setattr(widgets, "_bridge_class", lambda: None)  # no anywidget: still a player
    alone = ad.step(reverse_player.trace)
    alone.goto(3)
    assert alone._bridge is None and alone.step == 3 and alone.data["key"] is None


def test_stepping_never_reruns_dot(monkeypatch):
    calls = []
    real = render._run_dot
    monkeypatch.setattr(render, "_run_dot", lambda source: calls.append(1) or real(source))
    trace = ad.reverse(survey_f, SURVEY_POINT)
    player = ad.step(trace)
    page = player._repr_html_()
    for _ in range(len(player)):
        player.next()
    player.goto(3)
    ad.step(trace).goto(-1)  # a second player of the same trace reuses the layout
    assert len(calls) == 1 and player.svg in decoded_images(page)


def decoded_images(page: str) -> list[str]:
    return [base64.b64decode(m).decode() for m in
            re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page)]


def test_two_players_do_not_share_ids(reverse_player):
    other = ad.step(reverse_player.trace)
    assert other.prefix != reverse_player.prefix
    assert reverse_player.prefix not in other._repr_html_()
    assert other.data["key"] != reverse_player.data["key"]


def test_large_trace_gets_a_table_only_player():
    def f(x):
        for _ in range(400):
            x = ad.sin(x)
        return x
    player = ad.step(ad.reverse(f, (0.5,)))
    assert player.svg is None and "401 nodes" in player.message
    panel = player.data["panels"][0]
    assert panel["graph"] is False and panel["message"] == player.message
    assert "data:image/svg" not in player._repr_html_()
    player.goto(450)
    seen = Seen(player)
    assert seen.current_rows == ["449"] and len(seen.rows) == len(player.trace.rows)
    assert player.data["window"] <= 24  # the page shows a window of rows around the step


def test_player_without_dot(monkeypatch):
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    player = ad.step(ad.forward(survey_f, SURVEY_POINT, (1.0, 0.0)))
    assert player.svg is None and "brew install graphviz" in player.message
    player.goto(6)
    assert Seen(player).rows[5] == (sub("v̇1 = v̇-1 / v-1 = 1 / 2"), "0.5")
    assert "brew install graphviz" in player._repr_html_()


def test_player_displays_as_html_with_a_static_view():
    """One text/html output (no widget view to lose): the static view first (graph image and
    the survey's table, made of what JupyterLab's sanitizer keeps), then the data and the script."""
    player = ad.step(ad.reverse(survey_f, SURVEY_POINT))
    data, metadata = player._repr_mimebundle_()
    assert set(data) == {"text/html", "text/plain"} and metadata["adlab"]["key"] == player.data["key"]
    page = data["text/html"]
    static = page.split('<script type="application/json"', 1)[0]
    assert "<svg" not in static and "<style" not in static and " id=" not in static
    (image,) = decoded_images(static)
    nodes = {g.get("id")[len(player.prefix):]: ["".join(t.itertext()) for t in g.iter(f"{SVG}text")]
             for g in ET.fromstring(image).iter(f"{SVG}g") if "node" in g.get("class", "")}
    assert nodes["n1"] == [sub("v0 = x2"), "= 5", sub("v̄0 = 1.716")]  # the finished trace
    for row in ("v1 = ln v-1 = ln 2 = 0.693", "v̄-1 = v̄-1 + v̄1 / v-1 = 5 + 1 / 2 = 5.5",
                "x̄2 = v̄0 = 1.716"):
        assert sub(row) in static
    sent = json.loads(re.search(r'<script type="application/json" class="adl-data">(.*?)</script>',
                                page, flags=re.S).group(1).replace("<\\/", "</"))
    assert sent == json.loads(json.dumps(player.data))
    assert page.count("<script>") == 1 and "</script></div>" in page


def test_save_html_writes_a_page_of_its_own(reverse_player, tmp_path):
    path = reverse_player.save_html(tmp_path / "trace.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<title>" in page
    assert re.findall(r'(?:src|href)="(?!data:)[^"]*"', page) == []  # nothing to fetch
    assert set(re.findall(r"https?://[^\s\"']*", page)) <= {  # XML namespaces, not addresses
        "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert not re.search(r"\b(fetch|XMLHttpRequest|import)\s*\(", page)
    assert '"key":null' in page or reverse_player.data["key"] in page
    assert reverse_player._repr_html_() in page


def test_player_of_several_traces_steps_them_together():
    forward = ad.forward(survey_f, SURVEY_POINT, (1.0, 0.0))
    reverse = ad.reverse(survey_f, SURVEY_POINT)
    player = widgets.Player([forward, reverse])
    assert len(player) == 20 and len(player.data["panels"]) == 2
    player.goto(16)  # forward is done at 16, reverse at its fan-out step
    forward_seen, reverse_seen = Seen(player, 0), Seen(player, 1)
    assert nfc(sub("ẏ = v̇5 = 5.5")) in forward_seen.caption and "fan-out" in reverse_seen.caption
    ops = [p["steps"][-1]["o"] for p in player.data["panels"]]
    assert ops == [[5, 5], [5, 8]]  # ops(f) = 5; tangents: 5; adjoint contributions: 8 (edges)
    player.goto(-1)
    assert player.caption.count("\n") == 1


def test_rendering_is_deterministic(tmp_path):
    """Two fresh kernels render the same player byte for byte, but for the link key (which must
    differ between kernels that share one JupyterLab page)."""
    code = ("import sys, re; sys.path.insert(0, 'tests'); import adlab as ad\n"
            "from conftest import survey_f, SURVEY_POINT\n"
            "p = ad.step(ad.reverse(survey_f, SURVEY_POINT))\n"
            "sys.stdout.write(p._repr_html_().replace(p.data['key'], 'KEY') + '\\n' + p.data['key'])")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, cwd=Path(__file__).resolve().parents[1]).stdout
            for _ in range(2)]
    (page_a, key_a), (page_b, key_b) = (run.rsplit("\n", 1) for run in runs)
    assert page_a == page_b and key_a != key_b and "KEY" in page_a


def test_step_rejects_what_is_not_a_trace():
    with pytest.raises(ad.AdlabError, match="ad.reverse"):
        ad.step(3.0)


def test_an_accumulated_negative_contribution_is_labelled_with_its_sign():
    # y = -3x + x·x at 2: v̄0 gets 2 and 2 (x·x uses x twice), then adds -3 (from -3x); by hand
    # dy/dx = 2x - 3 = 1. The edge label says what is added, sign and all: "+(−3)", not "+−3".
    trace = ad.reverse(lambda x: -3.0 * x + x * x, (2.0,))
    labels = [s.flow_label for s in ad.step(trace).steps if s.flow_label]
    assert "+(−3)" in labels and not any(label.startswith("+−") for label in labels), labels
    assert trace.grad[0] == 1.0
