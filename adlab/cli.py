"""The ``adlab`` command: ``adlab lessons [FOLDER]`` copies the course's notebooks into a folder.

``python -m adlab lessons`` does the same. The lessons ship inside the package (``adlab/lessons/``
in a wheel; ``lessons/`` of the source tree in an editable install). They are copied into FOLDER
(default ``./adlab-lessons``), then the command that opens them is printed.

A student's work is never overwritten without asking. A lesson in FOLDER that differs from adlab's
version is *changed*: on a terminal adlab asks, lesson by lesson, whether to replace it (default:
no); without a terminal (a script, ``!adlab lessons`` in a notebook) it cannot ask, so it keeps the
student's version and says how to replace it. ``--force`` replaces changed lessons. A lesson that
is still exactly as adlab last copied it (``.adlab-lessons.json`` in FOLDER records what that was)
is brought up to date without asking.
"""
from __future__ import annotations

import argparse
import difflib
import hashlib
import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_FOLDER = "adlab-lessons"
#: Written into the folder: the hash of each lesson as adlab last copied it.
MANIFEST = ".adlab-lessons.json"
FIRST_LESSON = "00_start_here.ipynb"
COMMANDS = {"lessons": "copy the course's notebooks into a folder and say how to open them"}


class CommandError(Exception):
    """A problem the user can fix; its message says what was wrong and what to do."""


def lessons_folder() -> Path:
    """Where this installation keeps the lesson notebooks."""
    package = Path(__file__).resolve().parent
    candidates = [package / "lessons"]                       # a wheel: adlab/lessons/
    if (package.parent / "pyproject.toml").is_file():        # a source tree: lessons/ beside adlab/
        candidates.append(package.parent / "lessons")
    for folder in candidates:
        if any(folder.glob("*.ipynb")):
            return folder
    raise CommandError(
        "the lessons are missing from this installation of adlab (looked in "
        + " and ".join(str(c) for c in candidates)
        + "). Reinstall it: pip install --force-reinstall adlab")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Report:
    """What ``copy_lessons`` did, lesson by lesson (file names)."""
    folder: Path
    lessons: list = field(default_factory=list)    # every lesson adlab ships, in order
    new: list = field(default_factory=list)
    updated: list = field(default_factory=list)    # untouched copies of an older version
    unchanged: list = field(default_factory=list)
    replaced: list = field(default_factory=list)   # changed by the student, replaced (--force / yes)
    kept: list = field(default_factory=list)       # changed by the student, kept


def copy_lessons(folder, force: bool = False, ask=None, source: Path | None = None) -> Report:
    """Copy the lessons into ``folder``; ``ask(name) -> bool`` decides about changed lessons.

    ``ask=None`` means nobody can be asked: changed lessons are kept (unless ``force``).
    """
    source = source or lessons_folder()
    folder = Path(folder).expanduser()
    try:
        if folder.exists() and not folder.is_dir():
            raise CommandError(f"{folder} is a file, not a folder. Give a folder name: "
                               f"adlab lessons my-lessons")
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _write_error(folder, error) from None
    manifest_path = folder / MANIFEST
    try:
        recorded = json.loads(manifest_path.read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError, AttributeError):
        recorded = {}
    if not isinstance(recorded, dict):
        recorded = {}
    report = Report(folder)
    for lesson in sorted(source.glob("*.ipynb")):
        name, data = lesson.name, lesson.read_bytes()
        report.lessons.append(name)
        target = folder / name
        if not target.exists():
            outcome = "new"
        else:
            try:
                current = target.read_bytes()
            except OSError as error:
                raise _write_error(target, error) from None
            if current == data:
                outcome = "unchanged"
            elif recorded.get(name) == _digest(current):
                outcome = "updated"
            elif force or (ask is not None and ask(name)):
                outcome = "replaced"
            else:
                outcome = "kept"
        if outcome in ("new", "updated", "replaced"):
            _write(target, data)
        if outcome != "kept":
            recorded[name] = _digest(data)
        getattr(report, outcome).append(name)
    _write(manifest_path, json.dumps({"files": recorded}, indent=1, sort_keys=True).encode())
    return report


def _write(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder: never a half-written notebook."""
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.chmod(temporary, 0o666 & ~_umask())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise _write_error(path, error) from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_error(path: Path, error: OSError) -> CommandError:
    reason = error.strerror or str(error)
    return CommandError(f"cannot write to {path}: {reason}. Choose a folder you can write to, "
                        f"e.g. adlab lessons ~/{DEFAULT_FOLDER}")


# ---------------------------------------------------------------- the command line

def _quote(text: str) -> str:
    return subprocess.list2cmdline([text]) if os.name == "nt" else shlex.quote(text)


def open_command(folder: Path, first: str) -> str:
    """The shell command that opens ``first`` in ``folder`` with JupyterLab."""
    lab = "jupyter lab"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        lab += " --allow-root"           # JupyterLab refuses to run as root without it
    folder = folder.resolve()
    try:
        relative = folder.relative_to(Path.cwd().resolve())
    except ValueError:                   # outside the current folder: JupyterLab serves only below
        return f"cd {_quote(str(folder))} && {lab} {_quote(first)}"   # the folder it starts in
    return f"{lab} {_quote((relative / first).as_posix())}"


def _ask_on_terminal(folder: Path):
    """A function that asks on the terminal, or ``None`` when stdin is not one (nobody to ask)."""
    try:
        if not (sys.stdin and sys.stdin.isatty()):
            return None
    except (ValueError, OSError):        # closed or detached stdin
        return None

    def ask(name: str) -> bool:
        sys.stderr.write(f"{folder / name} has changes of yours. Replace it with adlab's version "
                         f"(your changes would be lost)? [y/N] ")
        sys.stderr.flush()
        answer = sys.stdin.readline()
        if not answer:                   # end of input: keep
            sys.stderr.write("\n")
        return answer.strip().lower() in ("y", "yes")
    return ask


def _missing_programs() -> list[str]:
    notes = []
    if importlib.util.find_spec("jupyterlab") is None or importlib.util.find_spec("ipywidgets") is None:
        notes.append("JupyterLab and the notebook libraries are not installed in this Python; "
                     "install them first: pip install 'adlab[lab]'")
    if shutil.which("dot") is None:
        notes.append("Graphviz's dot program was not found, so graphs will not be drawn (tables "
                     "still work). Install it: sudo apt-get install graphviz | brew install "
                     "graphviz | conda install -c conda-forge graphviz")
    return notes


def _lessons(args, prog: str) -> int:
    folder = Path(args.folder).expanduser()
    ask = None if args.force else _ask_on_terminal(folder)
    report = copy_lessons(folder, force=args.force, ask=ask)
    counts = [f"{len(getattr(report, k))} {k}" for k in
              ("new", "updated", "replaced", "unchanged", "kept") if getattr(report, k)]
    print(f"{_plural(len(report.lessons), 'lesson')} in {folder}: {', '.join(counts)}.")
    if report.kept:
        why = ("you said no" if ask is not None else
               "adlab asks before replacing a changed lesson, and there is no terminal to ask on")
        print(f"Kept your version of {', '.join(report.kept)} ({why}). To replace "
              f"{'it' if len(report.kept) == 1 else 'them'} with adlab's version (your changes "
              f"will be lost): {prog} lessons {_quote(str(folder))} --force", file=sys.stderr)
    first = FIRST_LESSON if FIRST_LESSON in report.lessons else report.lessons[0]
    for note in _missing_programs():
        print(f"Note: {note}", file=sys.stderr)
    print(f"Open them with:\n    {open_command(folder, first)}")
    return 0


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {message}. See {self.prog} --help\n")


def _parser(prog: str) -> argparse.ArgumentParser:
    from . import __version__
    parser = _Parser(prog=prog, description="adlab: automatic differentiation you can watch.")
    parser.add_argument("--version", action="version", version=f"adlab {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    lessons = commands.add_parser(
        "lessons", help=COMMANDS["lessons"],
        description="Copy the course's lesson notebooks into FOLDER and print the command that "
                    "opens them. A lesson you have changed is never replaced without asking.")
    lessons.add_argument("folder", nargs="?", default=DEFAULT_FOLDER, metavar="FOLDER",
                         help=f"where to put them (default: ./{DEFAULT_FOLDER})")
    lessons.add_argument("--force", action="store_true",
                         help="replace lessons you have changed with adlab's version, without asking")
    return parser


def main(argv=None, prog: str | None = None) -> int:
    """Run the ``adlab`` command; returns the exit status (0 done, 1 failed, 2 bad usage)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    prog = prog or "adlab"
    parser = _parser(prog)
    if not argv:
        parser.print_help(sys.stderr)
        print(f"\n{prog}: say what to do, e.g. {prog} lessons", file=sys.stderr)
        return 2
    if not argv[0].startswith("-") and argv[0] not in COMMANDS:
        close = difflib.get_close_matches(argv[0], list(COMMANDS), n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        listing = "\n".join(f"  {name:10} {what}" for name, what in COMMANDS.items())
        print(f"{prog}: unknown command '{argv[0]}'.{hint} The commands are:\n{listing}\n"
              f"See {prog} --help", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return _lessons(args, prog)
    except CommandError as error:
        print(f"{prog} {args.command}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\n{prog} {args.command}: stopped; lessons already copied stay.", file=sys.stderr)
        return 130
