"""``python -m adlab lessons [FOLDER]``: the ``adlab`` command (see :mod:`adlab.cli`)."""
from .cli import main

raise SystemExit(main(prog="python -m adlab"))
