"""``adlab lessons [FOLDER]``: the lessons from a pip install, copied without losing a student's work.

In-process tests drive :func:`adlab.cli.main` as a user would (stdin a terminal or not); one runs
the real command on a pseudo-terminal; the slow one builds the wheel (through an sdist, as
``python -m build`` does), installs it in a fresh venv, copies the lessons there and runs the first
one under nbval.
"""
from __future__ import annotations

import io
import json
import os
import pty
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from adlab import cli
from environments import (ROOT, clean_env, lessons, make_venv, nbval_options, pip_install, run,
                          scratch_folder)

FIRST = cli.FIRST_LESSON


class Terminal(io.StringIO):
    """A stdin that is a terminal, with the answers a student types."""

    def isatty(self):
        return True


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))     # not a terminal unless a test says so
    return tmp_path


def names() -> list[str]:
    return [p.name for p in lessons()]


def edit(path: Path) -> bytes:
    """What a student does: change a lesson and save it."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    notebook["cells"].append({"cell_type": "markdown", "metadata": {}, "source": "my notes"})
    data = json.dumps(notebook).encode()
    path.write_bytes(data)
    return data


def test_the_installation_has_every_lesson():
    assert FIRST in names()
    assert sorted(p.name for p in cli.lessons_folder().glob("*.ipynb")) == names()


def test_copies_every_lesson_and_says_how_to_open_them(in_tmp, capsys):
    assert cli.main(["lessons"]) == 0
    out = capsys.readouterr().out
    for lesson in lessons():
        assert (in_tmp / "adlab-lessons" / lesson.name).read_bytes() == lesson.read_bytes()
    n = len(names())
    assert f"{n} lesson{'s' if n > 1 else ''} in adlab-lessons: {n} new." in out
    command = out.split("Open them with:\n", 1)[1].strip()
    assert re.fullmatch(rf"jupyter lab( --allow-root)? adlab-lessons/{FIRST}", command), command


def test_copies_into_a_folder_outside_the_current_one(in_tmp, capsys, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("course") / "my lessons"
    assert cli.main(["lessons", str(elsewhere)]) == 0
    command = capsys.readouterr().out.split("Open them with:\n", 1)[1].strip()
    # JupyterLab serves only below the folder it starts in: cd there first
    assert command.startswith(f"cd '{elsewhere.resolve()}' && jupyter lab"), command
    assert command.endswith(FIRST) and (elsewhere / FIRST).is_file()


def test_copied_lessons_are_writable(in_tmp):
    assert cli.main(["lessons"]) == 0
    assert all(os.access(in_tmp / "adlab-lessons" / n, os.W_OK) for n in names())


def test_a_second_run_changes_nothing(in_tmp, capsys):
    cli.main(["lessons"])
    capsys.readouterr()
    assert cli.main(["lessons"]) == 0
    assert f"{len(names())} unchanged" in capsys.readouterr().out


def test_a_changed_lesson_is_kept_when_nobody_can_be_asked(in_tmp, capsys):
    cli.main(["lessons"])
    mine = edit(in_tmp / "adlab-lessons" / FIRST)
    capsys.readouterr()
    assert cli.main(["lessons"]) == 0
    out, err = capsys.readouterr()
    assert (in_tmp / "adlab-lessons" / FIRST).read_bytes() == mine
    assert "1 kept" in out
    assert f"Kept your version of {FIRST}" in err and "no terminal to ask on" in err
    assert "adlab lessons adlab-lessons --force" in err


def test_force_replaces_a_changed_lesson(in_tmp, capsys):
    cli.main(["lessons"])
    edit(in_tmp / "adlab-lessons" / FIRST)
    assert cli.main(["lessons", "--force"]) == 0
    assert (in_tmp / "adlab-lessons" / FIRST).read_bytes() == (ROOT / "lessons" / FIRST).read_bytes()
    assert "1 replaced" in capsys.readouterr().out


@pytest.mark.parametrize("answer, replaced", [("y\n", True), ("yes\n", True), ("n\n", False),
                                              ("\n", False), ("", False)])
def test_on_a_terminal_it_asks(in_tmp, capsys, monkeypatch, answer, replaced):
    cli.main(["lessons"])
    mine = edit(in_tmp / "adlab-lessons" / FIRST)
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", Terminal(answer))
    assert cli.main(["lessons"]) == 0
    out, err = capsys.readouterr()
    assert f"{FIRST} has changes of yours. Replace it with adlab's version" in err
    now = (in_tmp / "adlab-lessons" / FIRST).read_bytes()
    assert (now != mine) is replaced
    assert ("1 replaced" in out) is replaced and ("1 kept" in out) is (not replaced)


def test_an_untouched_copy_of_an_older_version_is_updated_without_asking(in_tmp, capsys):
    cli.main(["lessons"])
    folder = in_tmp / "adlab-lessons"
    old = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    (folder / FIRST).write_bytes(old)          # as an older adlab had copied it ...
    manifest = json.loads((folder / cli.MANIFEST).read_text())
    manifest["files"][FIRST] = cli._digest(old)  # ... and recorded
    (folder / cli.MANIFEST).write_text(json.dumps(manifest))
    capsys.readouterr()
    assert cli.main(["lessons"]) == 0
    assert (folder / FIRST).read_bytes() == (ROOT / "lessons" / FIRST).read_bytes()
    assert "1 updated" in capsys.readouterr().out


def test_the_real_command_asks_on_a_terminal(tmp_path):
    """`python -m adlab lessons` with its stdin a pseudo-terminal: the question, the answer."""
    folder = tmp_path / "course"
    run([sys.executable, "-m", "adlab", "lessons", folder], cwd=tmp_path)
    mine = edit(folder / FIRST)
    controller, terminal = pty.openpty()
    try:
        os.write(controller, b"n\n")            # typed ahead: waits in the terminal's buffer
        result = subprocess.run([sys.executable, "-m", "adlab", "lessons", str(folder)],
                                stdin=terminal, capture_output=True, text=True, timeout=60,
                                cwd=tmp_path, env=clean_env(PYTHONPATH=str(ROOT)))
    finally:
        os.close(terminal)
        os.close(controller)
    assert result.returncode == 0, result.stderr
    assert "has changes of yours" in result.stderr and "you said no" in result.stderr
    assert "python -m adlab lessons" in result.stderr
    assert (folder / FIRST).read_bytes() == mine


@pytest.mark.slow
def test_the_printed_command_opens_the_first_lesson(tmp_path):
    """Run what `adlab lessons` prints, with a stand-in browser that records the page it is sent to."""
    course, elsewhere = tmp_path / "my course", tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = run([sys.executable, "-m", "adlab", "lessons", course], cwd=elsewhere).stdout
    command = out.split("Open them with:\n", 1)[1].strip()
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser"
    browser.write_text(f"#!/bin/sh\necho \"$1\" > '{opened}'\n")
    browser.chmod(0o755)
    port = _free_port()
    env = clean_env(BROWSER=str(browser), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
                    JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
                    JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    server = subprocess.Popen(["bash", "-c", f"{command} --port={port} --ServerApp.port_retries=0"],
                              cwd=elsewhere, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(240):
            if opened.exists() and opened.read_text().strip():
                break
            assert server.poll() is None, f"{command!r} exited with {server.returncode}"
            time.sleep(0.25)
        else:
            raise AssertionError(f"{command!r} opened no browser page")
        page = opened.read_text().strip()
        if page.startswith("file://"):       # JupyterLab sends the browser to a redirect file
            page = Path(page.removeprefix("file://")).read_text()
        assert f"/lab/tree/{FIRST}?token=" in page, page[:500]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- errors, for people

def test_unknown_command(capsys):
    assert cli.main(["lesson"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'lesson'. Did you mean 'lessons'?" in err and "adlab --help" in err


def test_no_command_shows_help(capsys):
    assert cli.main([]) == 2
    assert "lessons" in capsys.readouterr().err


def test_bad_option(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["lessons", "--forse"])
    assert stop.value.code == 2
    assert "unrecognized arguments: --forse" in capsys.readouterr().err


def test_a_file_where_the_folder_should_be(in_tmp, capsys):
    (in_tmp / "notes.txt").write_text("mine")
    assert cli.main(["lessons", "notes.txt"]) == 1
    err = capsys.readouterr().err
    assert "adlab lessons: notes.txt is a file, not a folder" in err
    assert (in_tmp / "notes.txt").read_text() == "mine"


def test_a_folder_inside_a_file(in_tmp, capsys):
    (in_tmp / "notes.txt").write_text("mine")
    assert cli.main(["lessons", "notes.txt/course"]) == 1
    err = capsys.readouterr().err
    assert "cannot write to notes.txt/course: Not a directory" in err
    assert "Choose a folder you can write to" in err


def _as_another_user(command) -> list | None:
    """``command`` run as `nobody` (we are root, to whom permissions do not apply), if that works."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("setpriv"):
        return None
    drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    probe = subprocess.run(drop + [sys.executable, "-c", "import adlab.cli"], capture_output=True,
                           env=clean_env(), cwd="/")
    return drop + command if probe.returncode == 0 else None


def test_a_folder_nobody_may_write_to(monkeypatch):
    base = Path(tempfile.mkdtemp(prefix="adlab-test-"))
    base.chmod(0o755)                       # another user may look in, not write
    locked = base / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        command = [sys.executable, "-m", "adlab", "lessons", str(locked / "course")]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command = _as_another_user(command)
        if command is not None:
            result = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd="/",
                                    env=clean_env())
            err = result.stderr
            assert result.returncode == 1, (result.stdout, err)
        else:   # root without a way to drop privileges: the OS would let us; make it refuse
            def refuse(*args, **kwargs):
                raise PermissionError(13, "Permission denied")
            monkeypatch.setattr(Path, "mkdir", refuse)
            stderr = io.StringIO()
            monkeypatch.setattr(sys, "stderr", stderr)
            assert cli.main(["lessons", str(locked / "course")]) == 1
            err = stderr.getvalue()
        assert f"cannot write to {locked / 'course'}: Permission denied" in err
        assert "Choose a folder you can write to, e.g. adlab lessons ~/adlab-lessons" in err
        assert "Traceback" not in err
    finally:
        locked.chmod(0o755)
        shutil.rmtree(base)


# ---------------------------------------------------------------- from a wheel, no clone

@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    started = time.perf_counter()
    run([sys.executable, "-m", "build", "--outdir", out, ROOT], what="python -m build")
    wheels = list(out.glob("adlab-*.whl"))
    assert len(wheels) == 1 and list(out.glob("adlab-*.tar.gz")), list(out.iterdir())
    print(f"\nwheel {wheels[0].name}: {wheels[0].stat().st_size / 1024:.0f} KiB, "
          f"built (sdist, then wheel from it) in {time.perf_counter() - started:.0f} s")
    yield wheels[0]
    shutil.rmtree(out, ignore_errors=True)


@pytest.mark.slow
def test_the_wheel_ships_every_lesson_and_the_command(wheel):
    with zipfile.ZipFile(wheel) as archive:
        for lesson in lessons():
            assert archive.read(f"adlab/lessons/{lesson.name}") == lesson.read_bytes()
        entry_points = next(n for n in archive.namelist() if n.endswith("entry_points.txt"))
        assert "adlab = adlab.cli:main" in archive.read(entry_points).decode()
        # every module and front-end file of the package (a subpackage missing from
        # pyproject's list would be left out of the wheel without any error)
        source = {str(p.relative_to(ROOT)) for p in (ROOT / "adlab").rglob("*")
                  if p.is_file() and p.suffix in (".py", ".js", ".css")
                  and "__pycache__" not in p.parts}
        assert source <= set(archive.namelist()), source - set(archive.namelist())


@pytest.fixture
def scratch():
    folder = scratch_folder("adlab-wheel-")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_lessons_from_a_wheel_run_under_nbval(wheel, scratch):
    venv = make_venv(sys.executable, scratch / "venv")
    pip_install(venv, f"{wheel}[jupyter]", "ipykernel", "pytest", "nbval", cwd=scratch)
    home = scratch / "student"
    home.mkdir()
    # adlab lessons, in the student's folder, from the installed wheel (no clone)
    result = run([venv.parent / "adlab", "lessons"], cwd=home)
    installed = run([venv, "-c", "import adlab; print(adlab.__file__)"], cwd=home).stdout.strip()
    assert Path(installed).is_relative_to(scratch / "venv"), installed
    exercises = run([venv, "-c", "import adlab as ad; print(len(ad.exercises.ids()))"], cwd=home)
    assert int(exercises.stdout) == len(__import__("adlab").exercises.ids()) > 0
    assert sorted(p.name for p in (home / "adlab-lessons").glob("*.ipynb")) == names()
    command = result.stdout.split("Open them with:\n", 1)[1].strip()
    assert command.endswith(f"adlab-lessons/{FIRST}"), command
    # and the first lesson runs there, as the README's test command runs lessons
    result = subprocess.run([venv, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             f"adlab-lessons/{FIRST}", *nbval_options()], cwd=home,
                            env=clean_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert re.search(r"\d+ passed", result.stdout)
