"""Evaluation traces: what ``ad.forward`` and ``ad.reverse`` return, in the survey's notation.

``modes.py`` runs the two modes on a recording and returns trace objects; ``rows.py`` derives
their rows (structured: which node, which values it reads, the term it adds, the formula in three
spellings and the numbers); ``notation.py`` names nodes and prints numbers; ``tables.py`` and
``graph.py`` draw a trace as a table (text, HTML, Markdown, LaTeX) and as a graph (Graphviz).
Rows are derived only when someone looks, so differentiation never pays for text.
"""
from .modes import Cost, ForwardTrace, ReverseTrace, forward, reverse
from .rows import Row

__all__ = ["Cost", "ForwardTrace", "ReverseTrace", "Row", "forward", "reverse"]
