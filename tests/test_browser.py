"""End to end in a real browser (JupyterLab + Chromium): the step-through player as students see it.

A fresh JupyterLab (free port, private runtime/settings/workspace dirs, news toast off) serves a
notebook that traces the survey's example in reverse mode and displays ``ad.step(trace)``; Chromium
(Playwright) runs all cells, then reads the page: the graph is an inline SVG of the trace's 7 nodes,
step 0 says nothing is computed, three clicks on ▶ reach step 3 (v1 = ln 2), the current table row
is highlighted and what is not computed yet says so. Expected numbers come from the survey (Table 3)
and ``math``, not from adlab. Needs Chromium and Playwright: ``bash setup.sh test`` installs both.
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

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SETUP_HINT = "run `bash setup.sh test` (it installs Chromium, Playwright and Graphviz)"
NO_NEWS = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                           "checkForUpdates": False}}
SURVEY_CODE = """\
import adlab as ad

def f(x1, x2):
    v1 = ad.log(x1)
    v2 = x1 * x2
    v3 = ad.sin(x2)
    return v1 + v2 - v3

trace = ad.reverse(f, (2.0, 5.0))"""
# Survey (Baydin et al. 2018, Table 3) after three steps: v-1 = 2, v0 = 5, v1 = ln 2; nothing else.
LN2 = f"{math.log(2):.3f}"
STEP3_VALUES = {"v-1 = x1": "= 2", "v0 = x2": "= 5", "v1 = ln v-1": f"= {LN2}",
                "v2 = v-1 × v0": "not yet computed", "v3 = sin v0": "not yet computed",
                "v4 = v1 + v2": "not yet computed", "y = v5 = v4 - v3": "not yet computed"}
WAIT = 30_000  # ms, for anything that needs the kernel


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


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


def write_notebook(path: Path) -> None:
    code = [SURVEY_CODE, "ad.step(trace)"]
    cells = [{"cell_type": "code", "execution_count": None, "id": f"cell{i}", "metadata": {},
              "outputs": [], "source": src} for i, src in enumerate(code)]
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


NODE_TEXTS = """svg => Object.fromEntries([...svg.querySelectorAll('g.node')].map(g => {
    const shown = [...g.querySelectorAll('text')]
        .filter(t => getComputedStyle(t).display !== 'none').map(t => t.textContent);
    return [shown[0], shown.slice(1)];
}))"""


def node_state(svg):
    """What the graph's nodes show: {title: value line}, and the derivative lines that are not
    "… not yet computed" (only the text variants the current step's CSS displays count)."""
    shown = {nfc(title): lines for title, lines in svg.evaluate(NODE_TEXTS).items()}
    values = {title: lines[0] for title, lines in shown.items()}
    derivatives = {title: lines[1] for title, lines in shown.items()
                   if not lines[1].endswith("not yet computed")}
    return values, derivatives


def test_player_in_jupyterlab(tmp_path):
    sync_api = requirements()
    expect = sync_api.expect
    with jupyter_lab(tmp_path) as (url, token, notebooks, log_path), \
            sync_api.sync_playwright() as p:
        print(f"JupyterLab's log: {log_path}")  # shown by pytest if the test fails
        write_notebook(notebooks / "player.ipynb")
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/lab/tree/player.ipynb?token={token}")
            # The kernel may be idle before the page is connected to it: then Run All runs
            # nothing. Retry until the first prompt shows [*] or [n].
            expect(page.locator(".jp-StatusBar-Widget", has_text="| Idle").first).to_be_visible(
                timeout=WAIT)
            first_prompt = page.locator(".jp-CodeCell .jp-InputPrompt").first
            for attempt in range(4):
                page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Run$")).click()
                page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Run All Cells$")).click()
                try:
                    expect(first_prompt).to_have_text(re.compile(r"\[(\*|\d+)\]"), timeout=5_000)
                    break
                except AssertionError:
                    if attempt == 3:
                        raise

            output = page.locator(".jp-OutputArea-output").filter(has=page.locator(".widget-vbox"))
            svg = output.locator(".widget-html-content svg").first
            expect(svg).to_be_visible(timeout=WAIT)
            expect(svg.locator("g.node")).to_have_count(7)  # v-1, v0, v1 ... v5
            caption = output.locator(".widget-html-content", has_text=re.compile(r"^Step \d+ of"))
            expect(caption).to_contain_text("Step 0 of")
            expect(caption).to_contain_text("Nothing computed yet")
            poll(lambda: node_state(svg), ({k: "not yet computed" for k in STEP3_VALUES}, {}))

            next_button = output.locator("button.jupyter-button", has_text=re.compile("^▶$"))
            readout = output.locator(".widget-readout")
            for k in (1, 2, 3):
                next_button.click()
                expect(caption).to_contain_text(f"Step {k} of", timeout=WAIT)
                expect(readout).to_have_text(str(k))
            expect(caption).to_contain_text(f"v1 = ln v-1 = ln 2 = {LN2}")

            table = output.locator("table")
            current = table.locator("tr.current")
            expect(current).to_have_count(1)
            expect(current.locator("td")).to_have_text(["3", "v1 = ln v-1 = ln 2", LN2])
            assert current.evaluate("tr => getComputedStyle(tr).backgroundColor") not in (
                "rgba(0, 0, 0, 0)", "transparent", table.locator("tr.done").first.evaluate(
                    "tr => getComputedStyle(tr).backgroundColor"))
            v2_row = table.locator("tr", has_text="v2 = v-1 × v0")
            expect(v2_row.locator("td").last).to_have_text("not yet computed")
            assert table.locator("tr.pending").count() >= 4  # v2 ... v5 at least
            for row in table.locator("tr.pending").all():
                expect(row.locator("td").last).to_have_text("not yet computed")

            # the graph says the same: v-1, v0, v1 have values, the rest and every v̄ are pending
            poll(lambda: node_state(svg), (STEP3_VALUES, {}))

            page.screenshot(path=str(tmp_path / "player_step3.png"))
            output.screenshot(path=str(tmp_path / "player_output.png"))
        finally:
            browser.close()
