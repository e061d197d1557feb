"""End to end in a real browser (JupyterLab + Chromium): the step-through player as students see it.

One JupyterLab (free port, private runtime/settings/workspace dirs, news toast off) serves the
notebooks; Chromium (Playwright) drives them at 1366×768 with the file browser open, as on a laptop:

- the survey's example in reverse mode fits the screen at every step (controls, caption, graph and
  the current table row in view, nothing scrolls), names are subscripted (v₋₁) in graph, table and
  caption, ← / → step, the fan-out step shows the adjoint flowing back, the last step the result;
- ``player.goto`` in Python moves the page, stepping in the page moves ``player.step``, and stepping
  keeps working while the kernel is busy;
- every text in the players has 4.5:1 contrast with what is behind it, in the light and the dark
  theme (computed from the rendered styles);
- the notebook saved, its kernel shut down and reopened shows working players (no "model not found");
  the committed lesson (stored outputs, untrusted) shows the static view;
- that notebook's HTML export (``jupyter nbconvert --to html``) and a ``player.save_html`` page step
  in Chromium from a file, without any kernel, server or network.

Screenshots go to ``test-artifacts/browser/`` (kept by CI). Expected numbers come from the survey
(Table 3) and ``math``, not from adlab. Needs Chromium and Playwright: ``bash setup.sh test``
installs both.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import unicodedata
import urllib.request
from pathlib import Path

import pytest

from conftest import sub

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SETUP_HINT = "run `bash setup.sh test` (it installs Chromium, Playwright and Graphviz)"
NO_NEWS = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                           "checkForUpdates": False}}
LAPTOP = {"width": 1366, "height": 768}
SURVEY_CODE = """\
import adlab as ad

def f(x1, x2):
    v1 = ad.log(x1)
    v2 = x1 * x2
    v3 = ad.sin(x2)
    return v1 + v2 - v3

trace = ad.reverse(f, (2.0, 5.0))"""
CELLS = [SURVEY_CODE,
         "player = ad.step(trace)\nplayer",
         "ad.step(ad.forward(f, (2.0, 5.0), (1.0, 0.0)))",
         "%load_ext adlab",
         "%%adtrace --mode both --wrt x1 --at x1=2 x2=5\ny = log(x1) + x1 * x2 - sin(x2)",
         "player.goto(7)  # Python moves the page",
         "print('the page is at step', player.step)",
         "import time\ntime.sleep(120)  # the kernel is busy (the test interrupts it)"]
# Survey (Baydin et al. 2018, Table 3): the values, the fan-out and the gradient
LN2 = f"{math.log(2):.3f}"
Y = f"{math.log(2) + 2 * 5 - math.sin(5):.3f}"
DX2 = f"{2 - math.cos(5):.3f}"                 # ∂f/∂x2 = x1 - cos x2
FIRST_V0 = f"{-math.cos(5):.3f}"               # v̄0 = v̄3 × cos v0 with v̄3 = -1
STEP3_VALUES = {"v-1 = x1": "= 2", "v0 = x2": "= 5", "v1 = ln v-1": f"= {LN2}",
                "v2 = v-1 × v0": "= ?", "v3 = sin v0": "= ?", "v4 = v1 + v2": "= ?",
                "y = v5 = v4 - v3": "= ?"}
WAIT = 30_000  # ms, for anything that needs the kernel


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def typeset(mapping: dict) -> dict:
    return {nfc(sub(k)): nfc(sub(v)) for k, v in mapping.items()}


def requirements():
    """Playwright's sync API and the Chromium path, or a failure saying how to install them."""
    try:
        from playwright import sync_api
    except ImportError:
        pytest.fail(f"Playwright (Python) is not installed: {SETUP_HINT}.", pytrace=False)
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Chromium was not found at {CHROMIUM}: {SETUP_HINT}.", pytrace=False)
    if shutil.which("dot") is None:
        pytest.fail(f"Graphviz's dot was not found, so the player has no graph: {SETUP_HINT}.",
                    pytrace=False)
    return sync_api


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_notebook(path: Path, cells) -> None:
    cells = [{"cell_type": "code", "execution_count": None, "id": f"cell{i}", "metadata": {},
              "outputs": [], "source": src} for i, src in enumerate(cells)]
    path.write_text(json.dumps({
        "cells": cells, "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                    "language": "python"}}}))


@contextlib.contextmanager
def jupyter_lab(tmp: Path):
    """A JupyterLab serving ``tmp/nb`` with its own runtime, config, settings and workspaces."""
    dirs = {name: tmp / name for name in ("nb", "runtime", "data", "config", "user-settings",
                                          "app-settings", "workspaces")}
    for d in dirs.values():
        d.mkdir()
    (dirs["app-settings"] / "overrides.json").write_text(json.dumps(NO_NEWS))
    port, token = free_port(), "adlab-browser-test"
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
               JUPYTER_DATA_DIR=str(dirs["data"]), JUPYTER_CONFIG_DIR=str(dirs["config"]),
               JUPYTERLAB_SETTINGS_DIR=str(dirs["user-settings"]),
               JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={dirs['nb']}",
           f"--LabApp.app_settings_dir={dirs['app-settings']}"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log_path = tmp / "lab.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=1)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start; its log:\n"
                                + log_path.read_text()[-3000:])
                time.sleep(0.2)
        yield url, token, dirs["nb"], log_path
    finally:
        proc.send_signal(signal.SIGTERM)  # the server shuts its kernels down
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # our own process group only
            proc.wait()


def poll(read, expected, timeout=10.0):
    """Wait until ``read()`` equals ``expected``; on timeout fail with what was last seen."""
    deadline = time.monotonic() + timeout
    while True:
        seen = read()
        if seen == expected or time.monotonic() > deadline:
            assert seen == expected
            return
        time.sleep(0.1)


def shot(page_or_locator, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page_or_locator.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@pytest.fixture(scope="module")
def sync_api():
    return requirements()


@pytest.fixture(scope="module")
def lab(tmp_path_factory, sync_api):
    with jupyter_lab(tmp_path_factory.mktemp("lab")) as server:
        yield server


@pytest.fixture(scope="module")
def browser(sync_api):
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# ---------------------------------------------------------------- reading the page

STATE = """root => {
    const box = e => { if (!e) return null; const b = e.getBoundingClientRect();
                       return [b.left, b.top, b.right, b.bottom]; };
    const svg = root.querySelector('.adl-graph svg');
    const current = root.querySelector('tr.adl-cur');
    const nodes = {};
    for (const g of svg ? svg.querySelectorAll('g.node') : []) {
        const t = [...g.querySelectorAll('text')].map(x => x.textContent);
        nodes[t[0]] = t.slice(1);
    }
    return {count: root.querySelector('.adl-count').textContent,
            caption: root.querySelector('.adl-caption').textContent,
            bar: box(root.querySelector('.adl-bar')), captionBox: box(root.querySelector('.adl-caption')),
            graph: box(svg), row: box(current),
            rowCells: current ? [...current.cells].map(c => c.textContent) : [],
            rows: [...root.querySelectorAll('tbody tr')].map(tr => [tr.className, [...tr.cells].map(c => c.textContent)]),
            nodes, overflow: root.scrollWidth - root.clientWidth,
            columns: [...root.querySelectorAll('thead th')].map(th => { const b = th.getBoundingClientRect();
                                                                     return [b.left, b.right]; }),
            back: [...root.querySelectorAll('g.edge.adl-back')].length,
            arrows: root.querySelectorAll('.adl-arrow').length,
            label: root.querySelector('.adl-label text')?.textContent || null};
}"""

# WCAG 2.1 contrast of every visible text of the players against what is behind it: backgrounds
# composited from the document root down (and any opacity on the way), the node box or label
# pill under an SVG text.
CONTRAST = """roots => {
    const parse = c => { const m = /rgba?\\(([^)]*)\\)/.exec(c || ''); if (!m) return null;
        const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
    const lin = c => { c /= 255; return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    const lum = c => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
    const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
    const over = (top, bottom, alpha) => [0, 1, 2].map(i => top[i] * alpha + bottom[i] * (1 - alpha)).concat([1]);
    const background = el => { const chain = []; for (let e = el; e; e = e.parentElement) chain.push(e);
        let bg = [255, 255, 255, 1];
        for (const e of chain.reverse()) { const c = parse(getComputedStyle(e).backgroundColor); if (c && c[3] > 0) bg = over(c, bg, c[3]); }
        return bg; };
    const opacity = el => { let o = 1; for (let e = el; e && e.nodeType === 1; e = e.parentElement) o *= parseFloat(getComputedStyle(e).opacity); return o; };
    const out = [];
    const measure = (el, text, fg, bg) => {
        const o = opacity(el); const c = over(fg, bg, fg[3] * o);
        out.push({text: text.slice(0, 50), ratio: Math.round(ratio(c, bg) * 100) / 100,
                  fg: String(fg), bg: String(bg.slice(0, 3)), opacity: o});
    };
    for (const root of roots) {
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            const el = n.parentElement;
            if (!n.textContent.trim() || el.closest('svg,script,style,option')) continue;
            const cs = getComputedStyle(el);
            if (cs.visibility === 'hidden' || !el.getClientRects().length) continue;
            measure(el, n.textContent.trim(), parse(cs.color), background(el));
        }
        for (const select of root.querySelectorAll('select')) {
            measure(select, select.value, parse(getComputedStyle(select).color), background(select));
        }
        for (const t of root.querySelectorAll('svg text')) {
            if (!t.textContent.trim()) continue;
            const holder = t.closest('g.node, g.adl-label');
            const shape = holder && holder.querySelector('rect, path:not([fill="none"]), polygon:not([fill="none"])');
            let bg = background(t.closest('svg').parentElement);
            const fill = shape && parse(getComputedStyle(shape).fill);
            if (fill) bg = over(fill, bg, fill[3]);
            measure(t, t.textContent, parse(getComputedStyle(t).fill), bg);
        }
    }
    return out;
}"""


def check_contrast(page, name: str) -> int:
    roots = page.locator(".adl-player").element_handles()
    measured = page.evaluate(CONTRAST, roots)
    low = [m for m in measured if m["ratio"] < 4.5]
    assert not low, f"{name}: texts below 4.5:1: {low[:8]}"
    assert all(m["opacity"] == 1 for m in measured), name  # nothing faded
    return len(measured)


def run_all(page, expect):
    """Run every cell; retry while the page is not yet connected to the kernel (then Run All
    runs nothing)."""
    expect(page.locator(".jp-StatusBar-Widget", has_text="| Idle").first).to_be_visible(
        timeout=WAIT)
    first_prompt = page.locator(".jp-CodeCell .jp-InputPrompt").first
    for attempt in range(4):
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Run All Cells$")).click()
        try:
            expect(first_prompt).to_have_text(re.compile(r"\[(\*|\d+)\]"), timeout=5_000)
            return
        except AssertionError:
            if attempt == 3:
                raise


def run_cell(page, expect, index: int):
    """Run one code cell (click its prompt, Ctrl+Enter) without waiting for it to finish."""
    cell = page.locator(".jp-CodeCell").nth(index)
    prompt = cell.locator(".jp-InputPrompt")
    before = prompt.inner_text()
    prompt.click()
    page.keyboard.press("Control+Enter")
    expect(prompt).not_to_have_text(before, timeout=WAIT)  # [*], or already the next number
    return cell


def set_theme(page, name: str):
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Settings$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Theme$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{name}$")).click()
    light = "true" if "Light" in name else "false"
    page.wait_for_function(f"document.body.dataset.jpThemeLight === '{light}'", timeout=WAIT)
    time.sleep(0.3)  # the theme's stylesheet applies


def check_fit(page, player, mode: str, last: int):
    player.evaluate("root => root.scrollIntoView({block: 'start'})")
    scroller = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer")
    view = scroller.evaluate("e => { const b = e.getBoundingClientRect(); "
                             "return [b.left, b.top, b.right, b.bottom, e.scrollTop]; }")
    step_to(player, page, 0)
    layout = None
    for k in range(last + 1):
        if k:
            page.keyboard.press("ArrowRight")
        state = player.evaluate(STATE)
        assert state["count"] == f"Step {k} of {last}"
        parts = {"controls": state["bar"], "caption": state["captionBox"],
                 "graph": state["graph"], **({"current row": state["row"]} if k else {})}
        for name, (left, top, right, bottom) in parts.items():
            assert (left >= view[0] and top >= view[1] and right <= view[2]
                    and bottom <= view[3]), f"{mode}, step {k}: the {name} is out of view"
        assert k == 0 or state["rowCells"][0] == str(k)
        assert state["overflow"] <= 1, f"{mode}, step {k}: the player is wider than the notebook"
        # nothing moves between steps: the graph, the caption and the table's columns stay put
        layout = layout or (state["graph"], state["columns"], state["captionBox"][:3])
        assert (state["graph"], state["columns"], state["captionBox"][:3]) == layout, (mode, k)
        if k in (0, 3, 16, last):
            shot(page, f"{mode}-1366x768-step{k:02d}-light")
    assert scroller.evaluate("e => e.scrollTop") == view[4]


def step_to(player, page, k: int):
    player.locator(".adl-caption").first.click()  # gives the player the keyboard
    page.keyboard.press("Home")
    for _ in range(k):
        page.keyboard.press("ArrowRight")


# ---------------------------------------------------------------- the tests

def test_player_in_jupyterlab(lab, browser, sync_api):
    expect = sync_api.expect
    url, token, notebooks, log_path = lab
    print(f"JupyterLab's log: {log_path}")  # shown by pytest if the test fails
    write_notebook(notebooks / "player.ipynb", CELLS)
    page = browser.new_page(viewport=LAPTOP)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{url}/lab/tree/player.ipynb?token={token}")
        run_all(page, expect)
        players = page.locator(".adl-player[data-adl-ready]")
        expect(players).to_have_count(3, timeout=WAIT)
        player = players.first
        expect(page.locator("#jp-left-stack")).to_be_visible()  # the file browser is open
        assert page.locator("#jp-left-stack").bounding_box()["width"] > 200

        # Python moved the page: cell 5 ran player.goto(7) after the player was shown
        expect(player.locator(".adl-count")).to_have_text("Step 7 of 19", timeout=WAIT)
        expect(page.locator(".jp-CodeCell").nth(6).locator(".jp-OutputArea-output")).to_contain_text(
            "the page is at step 7", timeout=WAIT)
        svg = player.locator(".adl-graph svg")
        expect(svg.locator("g.node")).to_have_count(7)  # v-1, v0, v1 ... v5

        # the start: nothing computed, every value reads "?" (not a wall of words)
        step_to(player, page, 0)
        state = player.evaluate(STATE)
        assert state["count"] == "Step 0 of 19" and "Nothing computed yet" in state["caption"]
        assert {v for lines in state["nodes"].values() for v in lines} == {
            "= ?", *(nfc(sub(f"v̄{n} = ?")) for n in (-1, 0, 1, 2, 3, 4, 5))}

        # three steps with the Next button: v-1 = 2, v0 = 5, v1 = ln 2, the rest still "?"
        next_button = player.get_by_role("button", name="Next")
        for k in (1, 2, 3):
            next_button.click()
            expect(player.locator(".adl-count")).to_have_text(f"Step {k} of 19")
        state = player.evaluate(STATE)
        assert nfc(sub(f"v1 = ln v-1 = ln 2 = {LN2}")) in nfc(state["caption"])
        values = {nfc(title): lines[0] for title, lines in state["nodes"].items()}
        assert values == typeset(STEP3_VALUES)
        assert [nfc(c) for c in state["rowCells"]] == ["3", nfc(sub("v1 = ln v-1 = ln 2")), LN2]
        pending = [cells for cls, cells in state["rows"] if "adl-pend" in cls]
        assert len(pending) >= 3 and all(cells[2] == "?" for cells in pending)
        assert nfc(sub("v2 = v-1 × v0")) in [nfc(cells[1]) for cells in pending]
        current_bg, done_bg = (player.locator(f"tr.{c}").first.locator("td").first.evaluate(
            "td => getComputedStyle(td).backgroundColor") for c in ("adl-cur", "adl-done"))
        assert current_bg not in ("rgba(0, 0, 0, 0)", "transparent", done_bg)
        # subscripts everywhere: graph, table, caption; never "v-1"
        page_text = nfc(player.inner_text() + " ".join(state["nodes"]))
        assert "v₋₁" in page_text and "v-1" not in page_text and "x₁" in page_text

        # the keyboard: → and ← step, End and Home jump
        player.locator(".adl-caption").click()
        page.keyboard.press("ArrowRight")
        expect(player.locator(".adl-count")).to_have_text("Step 4 of 19")
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
        expect(player.locator(".adl-count")).to_have_text("Step 2 of 19")
        page.keyboard.press("End")
        expect(player.locator(".adl-count")).to_have_text("Step 19 of 19")

        # 1366×768 next to the file browser: at every step of the reverse trace (and of the
        # forward one) the controls, the caption, the graph and the current row are in view,
        # nothing moves between steps and nothing scrolls
        for n, mode, last in ((1, "forward", 16), (0, "reverse", 19)):
            check_fit(page, players.nth(n), mode, last)
        player = players.first

        # the fan-out (step 16): the adjoint flows back along v0 -> v2 carrying 2, the running sum
        step_to(player, page, 16)
        state = player.evaluate(STATE)
        assert state["back"] == 1 and state["arrows"] == 1 and state["label"] == "+2"
        caption = nfc(state["caption"])
        assert nfc(sub(f"v̄0 = {FIRST_V0} (from v3) + 2 (from v2) = {DX2}")) in caption
        read = {nfc(cells[1]) for cls, cells in state["rows"] if "adl-read" in cls}
        assert nfc(sub("v̄0 = v̄3 × cos v0 = (-1) × cos 5")) in read  # the earlier contribution
        shot(player.locator(".adl-graph"), "reverse-step16-graph")
        check_contrast(page, "light theme, step 16")

        # the end: the result, x̄ rows marked
        page.keyboard.press("End")
        state = player.evaluate(STATE)
        assert nfc(sub(f"y = {Y} and ∇f = (x̄1, x̄2) = (5.5, {DX2})")) in nfc(state["caption"])
        results = {nfc(cells[1]) for cls, cells in state["rows"] if "adl-res" in cls}
        assert {nfc(sub("x̄2 = v̄0")), nfc(sub("x̄1 = v̄-1"))} <= results
        measured = check_contrast(page, "light theme, last step")
        step_to(player, page, 0)
        check_contrast(page, "light theme, step 0")
        assert measured > 100

        # the controls: each has a label and a tooltip; the legend, the full table and any step
        # are a click away
        for button in player.locator(".adl-bar button").all():
            assert button.get_attribute("title") and button.inner_text().strip()
        player.get_by_role("button", name="Legend").click()
        legend = player.locator(".adl-legend")
        expect(legend).to_be_visible()
        assert legend.locator(".adl-legend-item").count() == 7
        check_contrast(page, "light theme, legend open")
        shot(player, "legend-open")
        player.get_by_role("button", name="Legend").click()
        expect(legend).to_be_hidden()
        player.get_by_role("button", name="Full table").click()
        expect(player.locator("tbody tr:not(.adl-sec)")).to_have_count(19)
        expect(player.locator("tbody tr.adl-sec")).to_have_text(["primal trace", "adjoint trace"])
        player.get_by_role("button", name="Rows near this step").click()
        expect(player.locator("tbody tr")).to_have_count(7)
        player.locator(".adl-slider").fill("12")
        expect(player.locator(".adl-count")).to_have_text("Step 12 of 19")

        # stepping happens in the page: with the kernel busy it still steps, and the kernel
        # learns the step when it is free again
        sleeping = run_cell(page, expect, 7)
        step_to(player, page, 0)
        for k in range(1, 6):
            page.keyboard.press("ArrowRight")
            expect(player.locator(".adl-count")).to_have_text(f"Step {k} of 19")
        expect(sleeping.locator(".jp-InputPrompt")).to_have_text("[*]:")  # still busy
        expect(page.locator(".jp-StatusBar-Widget", has_text="| Busy").first).to_be_visible()
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Kernel$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Interrupt Kernel$")).click()
        expect(sleeping.locator(".jp-InputPrompt")).not_to_have_text("[*]:", timeout=WAIT)
        printed = run_cell(page, expect, 6)
        expect(printed.locator(".jp-OutputArea-output")).to_contain_text("the page is at step 5",
                                                                          timeout=WAIT)

        # the forward player and %%adtrace --mode both, as they look
        both = players.nth(2)
        both.evaluate("root => root.scrollIntoView({block: 'start'})")
        step_to(both, page, 9)
        shot(page, "mode-both-1366x768-step09-light")
        assert both.locator(".adl-panel").count() == 2 and both.locator(".adl-slider").count() == 1
        # step 9, forward: v-1, v̇-1, v0, v̇0 (no operations), v1, v̇1, v2, v̇2, v3
        expect(both.locator(".adl-ops").first).to_have_text("operations so far: 3 primal + 2 tangent")
        # reverse: the primal sweep (5 operations, inputs and y = v5 are none), the seed v̄5 = ȳ
        expect(both.locator(".adl-ops").last).to_have_text("operations so far: 5 primal + 0 adjoint")
        expect(both.locator(".adl-note")).to_contain_text("left to right")

        # the dark theme: every text still 4.5:1, nothing faded
        set_theme(page, "JupyterLab Dark")
        player.evaluate("root => root.scrollIntoView({block: 'start'})")
        for k in (0, 16, 19):
            step_to(player, page, k)
            check_contrast(page, f"dark theme, step {k}")
            shot(page, f"reverse-1366x768-step{k:02d}-dark")
        set_theme(page, "JupyterLab Light")

        # saved, kernel shut down, reopened: the players work, no widget error anywhere
        page.keyboard.press("Control+s")
        expect(page.locator(".jp-mod-dirty")).to_have_count(0, timeout=WAIT)
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Kernel$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Shut Down Kernel$")).click()
        expect(page.locator(".jp-StatusBar-Widget", has_text="No Kernel").first).to_be_visible(
            timeout=WAIT)
        page.reload()
        players = page.locator(".adl-player[data-adl-ready]")
        expect(players).to_have_count(3, timeout=WAIT)
        assert "model not found" not in page.content() and "Error displaying" not in page.content()
        player = players.first
        player.evaluate("root => root.scrollIntoView({block: 'start'})")
        step_to(player, page, 16)
        expect(player.locator(".adl-count")).to_have_text("Step 16 of 19")
        assert player.evaluate(STATE)["label"] == "+2"
        shot(page, "reopened-after-save-step16")
        assert not errors, errors
    finally:
        page.close()

    # the saved notebook exported to HTML, and a page written by save_html: they step in
    # Chromium from a file, with no kernel, no server and no network
    export = notebooks / "player.html"
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html",
                    str(notebooks / "player.ipynb")], check=True, capture_output=True)
    check_offline_pages(browser, expect, [(export, 3)] + [(own_page(notebooks), 1)])


def own_page(folder: Path) -> Path:
    import adlab as ad
    namespace = {}
    exec(SURVEY_CODE, namespace)  # noqa: S102 - the survey's example, as in the notebook
    return ad.step(namespace["trace"]).save_html(folder / "trace.html")


def check_offline_pages(browser, expect, pages):
    page = browser.new_page(viewport=LAPTOP)
    fetched, errors = [], []
    page.route(re.compile(r"^https?://"), lambda route: (fetched.append(route.request.url),
                                                          route.abort()))
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        for path, players in pages:
            page.goto(path.as_uri())
            ready = page.locator(".adl-player[data-adl-ready]")
            expect(ready).to_have_count(players, timeout=WAIT)
            player = ready.first
            player.evaluate("root => root.scrollIntoView({block: 'start'})")
            step_to(player, page, 0)
            expect(player.locator(".adl-count")).to_have_text("Step 0 of 19")
            expect(player.get_by_role("button", name="Start")).to_be_disabled()
            player.get_by_role("button", name="Next").click()
            expect(player.locator(".adl-count")).to_have_text("Step 1 of 19")
            step_to(player, page, 16)
            state = player.evaluate(STATE)
            assert state["label"] == "+2" and "fan-out" in state["caption"]
            player.get_by_role("button", name="Play").click()  # Play and Pause are one button
            expect(player.get_by_role("button", name="Pause")).to_be_visible()
            expect(player.locator(".adl-count")).to_have_text("Step 17 of 19", timeout=WAIT)
            player.get_by_role("button", name="Pause").click()
            player.locator(".adl-speed").select_option(label="very fast")
            player.get_by_role("button", name="Play").click()
            expect(player.locator(".adl-count")).to_have_text("Step 19 of 19", timeout=WAIT)
            expect(player.get_by_role("button", name="Play")).to_be_visible()  # stopped at the end
            shot(page, f"{path.name.replace('.', '-')}-no-kernel")
        assert [u for u in fetched if "adl" in u] == []  # the player fetched nothing
        own = pages[-1][0].read_text()
        assert "https://" not in own and not errors, errors
    finally:
        page.close()


def test_committed_lesson_shows_its_static_view(lab, browser, sync_api):
    """lessons/00_start_here.ipynb is stored with its players' outputs; opened from a clone it
    is untrusted: JupyterLab strips scripts and styles, the static view (graph image, the survey's
    table) remains, with no error."""
    expect = sync_api.expect
    url, token, notebooks, _ = lab
    shutil.copy(ROOT / "lessons" / "00_start_here.ipynb", notebooks / "lesson.ipynb")
    page = browser.new_page(viewport=LAPTOP)
    try:
        # a workspace of its own: only this notebook open
        page.goto(f"{url}/lab/workspaces/lesson/tree/lesson.ipynb?reset&token={token}")
        static = page.locator(".adl-static")
        expect(static).to_have_count(2, timeout=WAIT)
        assert page.locator(".adl-player[data-adl-ready]").count() == 0  # no script ran
        image = static.first.locator("img")
        expect(image).to_be_visible()
        assert image.evaluate("img => img.complete && img.naturalWidth > 300")
        table = nfc(static.first.inner_text())
        for row in (f"v1 = ln v-1 = ln 2 = {LN2}", f"x̄2 = v̄0 = {DX2}"):
            assert nfc(sub(row)) in table
        assert "model not found" not in page.content()
        static.first.scroll_into_view_if_needed()
        shot(page, "lesson-untrusted-static-view")
    finally:
        page.close()


def test_a_wide_graph_keeps_readable_text_and_follows_the_step(browser, sync_api, tmp_path):
    """A long chain is wider than the notebook: the graph shrinks to at most 3/4 of its size
    (16 px text stays 12 px or more) and scrolls sideways, keeping the current node in view."""
    import adlab as ad

    def chain(x):
        for _ in range(14):
            x = ad.sin(x) * 1.5
        return x
    path = ad.step(ad.reverse(chain, (0.5,))).save_html(tmp_path / "chain.html")
    page = browser.new_page(viewport={"width": 900, "height": 768})
    try:
        page.goto(path.as_uri())
        player = page.locator(".adl-player[data-adl-ready]")
        sync_api.expect(player).to_have_count(1, timeout=WAIT)
        scale = player.evaluate("""root => {
            const svg = root.querySelector('.adl-graph svg');
            return svg.getBoundingClientRect().width / parseFloat(svg.getAttribute('width')); }""")
        assert scale >= 0.74, scale
        box = player.locator(".adl-graph")
        assert box.evaluate("b => b.scrollWidth > b.clientWidth + 100")
        step_to(player, page, 25)   # a node near the output, far right of the first screen
        inside = player.evaluate("""root => {
            const box = root.querySelector('.adl-graph').getBoundingClientRect();
            const cur = root.querySelector('.adl-graph g.adl-cur').getBoundingClientRect();
            return cur.left >= box.left - 1 && cur.right <= box.right + 1; }""")
        assert inside
        shot(page, "wide-graph-follows-the-step")
    finally:
        page.close()
