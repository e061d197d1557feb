"""The evaluation trace as a table: the survey's two columns (primal | derivative), as plain text
(``print(trace)``), HTML, Markdown and a LaTeX booktabs table. Each cell is a row's structured
fields put side by side (formula, numbers, value): nothing here parses text.
"""
from __future__ import annotations

import html
from itertools import zip_longest

from .. import palette as C
from .notation import fmt, typeset

#: Tables with more rows than this show their first and last rows only.
MAX_TABLE_ROWS = 2000


def row_parts(row, pretty: bool = True) -> tuple[str, str]:
    """A row split into its formula (with numbers substituted) and its value, typeset as the
    survey prints them (``pretty=False``: the plain ``v-1`` spelling of ``print(trace)``)."""
    value = fmt(row.value)
    text = row.pretty if pretty and row.pretty else row.formula
    if row.shows_numbers:
        text += " = " + (row.pretty_numbers if pretty else row.numbers)
    return text, (typeset(value) if pretty else value)


def columns(trace):
    """The survey's two columns: (title, rows) of the primal and of the derivative trace."""
    if trace.mode == "forward":
        return [("Forward primal trace", trace.primal_rows),
                ("Forward tangent (derivative) trace", trace.tangent_rows)]
    return [("Forward primal trace", trace.primal_rows),
            ("Reverse adjoint (derivative) trace, in the order computed", trace.adjoint_rows)]


def _truncate(pairs: list, limit: int = MAX_TABLE_ROWS):
    """(shown rows, number left out): the first and last rows of a very long table."""
    if len(pairs) <= limit:
        return pairs, 0
    half = limit // 2
    return pairs[:half] + [None] + pairs[-half:], len(pairs) - 2 * half


# a proportional font: monospace fonts draw the combining bar of v̄ beside the letter, not over it
TABLE_CSS = ("border-collapse:collapse;font-family:var(--jp-content-font-family,sans-serif);"
             "font-variant-numeric:tabular-nums;font-size:15px;color:inherit")
CELL_CSS = "text-align:left;padding:2px 10px;white-space:nowrap"


def table_html(trace) -> str:
    """The survey-style table (primal | derivative) as HTML, readable on light and dark themes."""
    (left_title, left), (right_title, right) = columns(trace)
    pairs, left_out = _truncate(list(zip_longest(left, right)))
    head = (f'<tr><th style="{CELL_CSS};border-bottom:1px solid {C.EDGE}">{html.escape(left_title)}'
            f'</th><th style="{CELL_CSS};border-bottom:1px solid {C.EDGE}">'
            f'{html.escape(right_title)}</th></tr>')
    body = []
    for pair in pairs:
        if pair is None:
            body.append(f'<tr><td colspan="2" style="{CELL_CSS}">… {left_out} rows left out '
                        f"(print(trace) or trace.rows show them all) …</td></tr>")
            continue
        cells = "".join(f'<td style="{CELL_CSS}">{html.escape(_cell_text(r))}</td>' for r in pair)
        body.append(f"<tr>{cells}</tr>")
    return f'<table style="{TABLE_CSS}"><thead>{head}</thead><tbody>{"".join(body)}</tbody></table>'


def _cell_text(row) -> str:
    if row is None:
        return ""
    formula, value = row_parts(row)
    return f"{formula} = {value}"


def table_markdown(trace) -> str:
    (left_title, left), (right_title, right) = columns(trace)
    pairs, left_out = _truncate(list(zip_longest(left, right)))
    lines = [f"| {left_title} | {right_title} |", "|:--|:--|"]
    for pair in pairs:
        if pair is None:
            lines.append(f"| … {left_out} rows left out … | |")
            continue
        lines.append("| " + " | ".join(_md_escape(_cell_text(r)) for r in pair) + " |")
    return "\n".join(lines)


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def _latex_cell(row) -> str:
    if row is None:
        return ""
    parts = [row.latex] + ([row.numbers_latex] if row.shows_numbers else []) + [row.value_latex]
    return "$" + " = ".join(parts) + "$"


def table_latex(trace) -> str:
    r"""A booktabs table (``\usepackage{booktabs}``) to paste into slides or a paper."""
    (left_title, left), (right_title, right) = columns(trace)
    pairs, left_out = _truncate(list(zip_longest(left, right)))
    lines = [r"\begin{tabular}{ll}", r"\toprule",
             f"{left_title} & {right_title} \\\\", r"\midrule"]
    for pair in pairs:
        if pair is None:
            lines.append(rf"\multicolumn{{2}}{{c}}{{\dots\ {left_out} rows left out \dots}} \\")
            continue
        lines.append(" & ".join(_latex_cell(r) for r in pair) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines)




def text_table(title_left, left, title_right=None, right=None) -> str:
    """One or two columns of row texts, aligned, for ``str(trace)``."""
    left_texts = [r.text for r in left]
    width = max([len(title_left)] + [len(t) for t in left_texts])
    if right is None:
        return "\n".join([title_left, "-" * width] + left_texts)
    right_texts = [r.text for r in right]
    lines = [f"{title_left:<{width}} | {title_right}", "-" * width + "-+-" + "-" * max(
        [len(title_right)] + [len(t) for t in right_texts])]
    lines += [f"{a:<{width}} | {b}" for a, b in zip(left_texts, right_texts)]
    return "\n".join(lines)
