"""Fresh virtual environments for the tests that install adlab the way a user would (Binder, a wheel).

Helpers only (no tests): find a Python of a given version, make a venv, pip-install into it with the
output kept for the failure message, and the nbval options the README's test command uses.
"""
from __future__ import annotations

import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "lessons"
#: pip installs may download on a cold cache; nbval runs every lesson: generous, but bounded
TIMEOUT = 1200


def lessons() -> list[Path]:
    """Every lesson notebook, found by globbing (lessons are added all the time)."""
    found = sorted(LESSONS.glob("*.ipynb"))
    assert found, f"no lessons found in {LESSONS}"
    return found


def nbval_options() -> list[str]:
    """The nbval options of the README's test command (setup.sh), so lessons run the same way."""
    script = (ROOT / "setup.sh").read_text(encoding="utf-8").replace("\\\n", " ")
    for line in script.splitlines():
        if "-m pytest" in line and "--nbval" in line:
            words = shlex.split(line.split("-m pytest", 1)[1])
            options = []
            for word in words:
                if word.startswith("--nbval") or (options and options[-1] == "--nbval-sanitize-with"):
                    options.append(word)
            sanitize = options.index("--nbval-sanitize-with") + 1 if "--nbval-sanitize-with" in options else None
            if sanitize is not None:   # relative to the repository: make it absolute
                options[sanitize] = str(ROOT / options[sanitize])
            return options
    raise AssertionError("setup.sh has no `python -m pytest ... --nbval...` line to take the nbval "
                         "options from")


def clean_env(**extra) -> dict:
    """The environment for a subprocess in another venv: nothing from this one leaks in."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONSTARTUP")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.update(extra)
    return env


def find_python(version: str) -> str:
    """An interpreter of Python ``version`` ("3.12"): on PATH, or installed by pyenv, or the usual
    places; each candidate is run to check it is that version (a pyenv shim on PATH may refuse)."""
    name = f"python{version}"
    candidates = [shutil.which(name)]
    pyenv_roots = [os.environ.get("PYENV_ROOT"), str(Path.home() / ".pyenv")]
    for root in filter(None, pyenv_roots):
        candidates += sorted(glob.glob(f"{root}/versions/{version}.*/bin/{name}"),
                             key=lambda p: [int(n) for n in re.findall(r"\d+", Path(p).parts[-3])],
                             reverse=True)
    candidates += [f"/usr/bin/{name}", f"/usr/local/bin/{name}", f"/opt/homebrew/bin/{name}"]
    tried = []
    for candidate in dict.fromkeys(filter(None, candidates)):
        try:
            out = subprocess.run([candidate, "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
                                 capture_output=True, text=True, timeout=60)
        except OSError as error:
            tried.append(f"{candidate}: {error.strerror}")
            continue
        if out.returncode == 0 and out.stdout.strip() == version:
            return candidate
        tried.append(f"{candidate}: {(out.stderr or out.stdout).strip().splitlines()[0:1]}")
    raise AssertionError(
        f"Python {version} (named by binder/runtime.txt) is not installed here, so the Binder "
        f"environment cannot be rebuilt. Install it (pyenv install {version}; or apt-get install "
        f"{name} {name}-venv where available) and run the tests again. Tried: "
        + ("; ".join(tried) or "nothing found"))


def run(command, *, cwd=ROOT, env=None, timeout=TIMEOUT, what: str = "") -> subprocess.CompletedProcess:
    """Run a command; on failure, an assertion error with the end of its output."""
    result = subprocess.run([str(c) for c in command], cwd=cwd, env=env or clean_env(),
                            capture_output=True, text=True, timeout=timeout,
                            stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        output = "\n".join(line for line in (result.stdout + result.stderr).splitlines()
                           if "is ignored" not in line)
        raise AssertionError(f"{what or command[0]} failed (exit {result.returncode}):\n"
                             f"$ {shlex.join(str(c) for c in command)}\n{output[-6000:]}")
    return result


def scratch_folder(prefix: str) -> Path:
    """A new folder for a venv: in memory (/dev/shm) when there is room, as installing a few hundred
    MB of packages is I/O-bound on these machines (35 s on disk, 16 s in memory); else in the
    temporary folder. The caller removes it."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 4 * 2**30:
        return Path(tempfile.mkdtemp(prefix=prefix, dir=shm))
    return Path(tempfile.mkdtemp(prefix=prefix))


def make_venv(python, path: Path) -> Path:
    """A fresh virtual environment at ``path`` (without pip: this pip installs into it); returns
    its python."""
    run([python, "-m", "venv", "--without-pip", path], what="creating a virtual environment")
    return path / "bin" / "python"


def pip(venv_python: Path, *arguments, cwd=ROOT) -> subprocess.CompletedProcess:
    """This environment's pip acting on another venv (``pip --python``)."""
    return run([sys.executable, "-m", "pip", "--python", venv_python, *arguments], cwd=cwd,
               what=f"pip {' '.join(map(str, arguments))}")


def pip_install(venv_python: Path, *arguments, cwd=ROOT) -> None:
    pip(venv_python, "install", "-q", *arguments, cwd=cwd)


def frozen(venv_python: Path, path: Path) -> Path:
    """``pip freeze`` of a venv written to ``path``: a constraints file that keeps it as it is."""
    path.write_text(pip(venv_python, "freeze", "--exclude-editable").stdout, encoding="utf-8")
    return path


def with_venv_on_path(venv_python: Path, **extra) -> dict:
    env = clean_env(**extra)
    env["PATH"] = f"{venv_python.parent}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv_python.parent.parent)
    return env


__all__ = ["ROOT", "LESSONS", "TIMEOUT", "lessons", "nbval_options", "clean_env", "find_python",
           "run", "scratch_folder", "make_venv", "pip", "pip_install", "frozen", "with_venv_on_path"]
