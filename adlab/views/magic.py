"""``%adtrace`` / ``%%adtrace``: trace a function call or a cell and show its step-through player.

Load it with ``%load_ext adlab``; ``%adtrace?`` shows the full help (the docstring of
:meth:`AdtraceMagics.adtrace`).
"""
from __future__ import annotations

import ast
import math

import numpy as np
from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ..engine import ELEMENTARY
from ..engine.recording import parameter_names
from ..engine.tree import flatten
from ..errors import AdlabError

CELL_FILE = "<%%adtrace cell>"

def elementary() -> dict:
    """The names a cell sees without imports: adlab's elementary functions (each elementwise entry
    of the primitive table: log, sin, maximum ...), ``ln``, ``pi`` and ``e``."""
    return {**ELEMENTARY, "ln": ELEMENTARY["log"], "pi": math.pi, "e": math.e}


@magics_class
class AdtraceMagics(Magics):

    @magic_arguments()
    @argument("call", nargs="*", help="line form only: the call to trace, e.g. f(2.0, 5.0)")
    @argument("--mode", choices=["forward", "reverse", "both"], default=None,
              help="forward (tangents v̇), reverse (adjoints v̄) or both side by side; "
                   "default reverse, or forward when --wrt is given")
    @argument("--at", nargs="+", metavar="NAME=VALUE", default=None,
              help="cell form: the inputs and the point, e.g. --at x1=2 x2=5 (values are Python "
                   "expressions: w=[1, 2, 3] or w=np.ones(3))")
    @argument("--wrt", metavar="NAMES", default=None,
              help="forward mode: differentiate with respect to these inputs (comma-separated); "
                   "the seed ẋ is 1 there and 0 elsewhere. Default: the first input")
    @argument("--seed", metavar="VALUES", default=None,
              help="the seed as a Python expression: ẋ in forward mode (e.g. 1,0), ȳ in reverse "
                   "mode (default 1)")
    @argument("--result", metavar="NAME", default=None,
              help="cell form: the variable that is the output y (see below)")
    @argument("--table", action="store_true", help="show the table only")
    @argument("--graph", action="store_true", help="show the graph only")
    @argument("--static", action="store_true",
              help="show the finished graph and table instead of the step-through player")
    @argument("--latex", action="store_true",
              help="also print the trace as a LaTeX booktabs table (for slides)")
    @argument("--svg", metavar="FILE", default=None, help="also write the graph to this SVG file")
    @argument("-o", "--output", metavar="NAME", default=None,
              help="store the trace in this variable (a (forward, reverse) pair for --mode both)")
    @argument("--quiet", action="store_true", help="display nothing (use with -o, --latex, --svg)")
    @line_cell_magic
    def adtrace(self, line, cell=None):
        """Trace a computation and watch automatic differentiation step by step.

        Line form, for an existing function::

            %adtrace f(2.0, 5.0) --mode forward --wrt x1

        Cell form: the cell's code is the function. Name its inputs and the point with ``--at``;
        adlab's elementary functions (``log exp sin cos tan tanh sqrt abs relu sigmoid maximum
        minimum arctan2`` ..., every elementwise entry of ``ad.PRIMITIVES``), ``ln``, ``pi`` and
        ``e`` are available without imports, and so are your notebook's variables::

            %%adtrace --mode reverse --at x1=2 x2=5
            y = log(x1) + x1 * x2 - sin(x2)

        The output of a cell is: the variable named by ``--result`` if given; else ``y`` if the
        cell assigns it; else the cell's last line if it is an expression; else the last variable
        the cell assigns. The cell's variables are not added to the notebook (use ``-o NAME`` to
        keep the trace).

        Nodes are numbered in the order Python evaluates the cell (left to right, arguments
        first): ``log(x1) + x1 * x2 - sin(x2)`` makes ``v₁ + v₂`` node ``v₃`` and ``sin x₂`` node
        ``v₄``, where the survey, numbering level by level, has ``v₃ = sin v₀``. The player says so
        when it happens; write one operation per line to choose the numbering.

        The player shows the graph and the table; Back / Next (or ← →) step, Play runs the steps
        at the chosen speed, Start goes back to step 0. ``--mode both`` shows the two modes side
        by side, stepped together by one slider, with the operations each has done so far.
        Errors (a bad option, a syntax error, an operation adlab cannot differentiate) are
        reported in one short message.
        """
        options, at = _take_at(_options(line, cell))
        try:
            args = parse_argstring(self.adtrace, options)
        except UsageError as error:
            raise UsageError(f"%adtrace: {error} (see %adtrace? for the options)") from None
        args.at = at
        if cell is None:
            call = _split_call(line)[0] or " ".join(args.call)
            function, primals, names = self._call(call)
        else:
            if args.call:
                raise UsageError(f"%%adtrace: unexpected {' '.join(args.call)!r} on the first "
                                 f"line; give the inputs as --at NAME=VALUE ...")
            function, primals, names = self._cell(cell, args)
        traces = self._trace(function, primals, names, args)
        if args.output:
            self.shell.user_ns[args.output] = traces[0] if len(traces) == 1 else tuple(traces)
        self._export(traces, args)
        note = numbering_note(cell, traces[0]) if cell is not None else ""
        if not args.quiet:
            self._display(traces, args, note)

    # -- what to trace
    def _eval(self, source: str, what: str):
        namespace = {"np": np, **self.shell.user_ns}
        try:
            return eval(source, namespace)  # noqa: S307 - the user's own notebook code
        except Exception as error:  # noqa: BLE001 - reported as one line
            raise UsageError(f"%adtrace: could not evaluate {what} {source!r}: "
                             f"{type(error).__name__}: {error}") from None

    def _call(self, call: str):
        if not call:
            raise UsageError("%adtrace: give a call to trace, e.g. %adtrace f(2.0, 5.0) "
                             "(or use the cell form %%adtrace --at x1=2 x2=5).")
        try:
            tree = ast.parse(call.strip(), mode="eval").body
        except SyntaxError as error:
            raise UsageError(f"%adtrace: {call!r} is not valid Python ({error.msg}).") from None
        if not isinstance(tree, ast.Call) or tree.keywords or any(
                isinstance(a, ast.Starred) for a in tree.args):
            raise UsageError(f"%adtrace: expected a call with positional arguments such as "
                             f"f(2.0, 5.0), got {call!r}.")
        function = self._eval(ast.unparse(tree.func), "the function")
        if not callable(function):
            raise UsageError(f"%adtrace: {ast.unparse(tree.func)} is a {type(function).__name__}, "
                             f"not a function.")
        primals = tuple(self._eval(ast.unparse(a), "the argument") for a in tree.args)
        return function, primals, parameter_names(function, len(primals))

    def _cell(self, cell: str, args):
        if not args.at:
            raise UsageError("%%adtrace: name the inputs and the point with --at, e.g. "
                             "%%adtrace --at x1=2 x2=5")
        names, primals = [], []
        for item in args.at:
            name, sep, value = item.partition("=")
            if not sep or not name.isidentifier():
                raise UsageError(f"%%adtrace: --at expects NAME=VALUE items, got {item!r}.")
            names.append(name)
            primals.append(_number(self._eval(value, f"the value of {name}")))
        return _cell_function(cell, names, args.result, self.shell.user_ns), tuple(primals), names

    def _trace(self, function, primals, names, args):
        from ..traces import modes as T
        mode = args.mode or ("forward" if args.wrt else "reverse")
        if args.wrt and mode == "reverse":
            raise UsageError("%adtrace: --wrt chooses the direction of forward mode; reverse mode "
                             "gives every input's derivative at once (--seed sets ȳ).")
        if args.table and args.graph:
            raise UsageError("%adtrace: --table and --graph exclude each other (give neither to "
                             "see both).")
        try:
            out = []
            if mode in ("forward", "both"):
                seed = self._eval(args.seed, "--seed") if args.seed else \
                    _unit_seed(primals, names, args.wrt)
                out.append(T.forward(function, primals, seed))
            if mode in ("reverse", "both"):
                cotangent = self._eval(args.seed, "--seed") if args.seed and mode == "reverse" \
                    else None
                out.append(T.reverse(function, primals, cotangent))
            return out
        except UsageError:
            raise
        except SyntaxError as error:
            raise UsageError(f"%adtrace: {error}") from None
        except Exception as error:  # noqa: BLE001 - the user's code failed: one line, no wall
            raise UsageError(_short(error)) from None

    # -- showing and exporting
    def _export(self, traces, args):
        from ..traces import graph, tables
        if args.latex:
            for trace in traces:
                print(f"% {trace.mode} mode\n{tables.table_latex(trace)}")
        if args.svg:
            for trace in traces:
                path = args.svg if len(traces) == 1 else _suffixed(args.svg, trace.mode)
                try:
                    graph.show(trace, table=False).save(path)
                except AdlabError as error:
                    raise UsageError(f"%adtrace --svg: {error}") from None
                except OSError as error:
                    raise UsageError(f"%adtrace --svg: cannot write {path}: {error}") from None
                print(f"wrote {path}")

    def _display(self, traces, args, note=""):
        from IPython.display import HTML, display
        graph, table = not args.table, not args.graph
        if args.static:
            from ..traces.graph import show
            views = [show(t, graph=graph, table=table) for t in traces]
            if len(views) == 1:
                display(views[0])
            else:
                display(HTML('<div style="display:flex;gap:24px;flex-wrap:wrap">' + "".join(
                    f"<div><b>{t.mode} mode</b>{v._repr_html_()}</div>"
                    for t, v in zip(traces, views)) + "</div>"))
            return
        from .player import Player
        if len(traces) == 1:
            display(Player(traces[0], graph=graph, table=table, note=note))
            return
        # side by side, stepped together by one slider
        titles = [_mode_title(t) for t in traces]
        display(Player(traces, graph=graph, table=table, note=note, titles=titles, window=5))


def _mode_title(trace) -> str:
    """``Forward mode, ẋ = (1, 0)`` / ``Reverse mode, ȳ = 1``: a panel's title."""
    from ..traces.graph import value_text
    if trace.mode == "forward":
        seeds = [value_text(t) for t in trace.input_tangents]
        return "Forward mode, ẋ = " + (f"({', '.join(seeds)})" if len(seeds) > 1 else seeds[0])
    bars = [value_text(c) for c in trace.cotangents]
    return "Reverse mode, ȳ = " + (f"({', '.join(bars)})" if len(bars) > 1 else bars[0])


def _operations(tree) -> int:
    """How many operations a statement writes (calls, arithmetic): 2 or more is a compound one."""
    return sum(isinstance(n, (ast.Call, ast.BinOp, ast.UnaryOp)) for n in ast.walk(tree))


def numbering_note(cell: str, trace) -> str:
    """Why the cell's nodes are numbered as they are, when that differs from the survey's order.

    Python evaluates a compound expression left to right, arguments first; the survey numbers
    level by level (every operation on the inputs, then those on their results ...). When a line
    of the cell holds a compound expression and the two orders differ, say so, with the first
    node they disagree on. Read from the cell's syntax tree and the recording (no text parsing).
    """
    try:
        body = ast.parse(cell).body
    except SyntaxError:
        return ""
    if not any(_operations(statement) >= 2 for statement in body):
        return ""
    rec = trace.recording
    n = rec.n_inputs
    depth = [0] * len(rec.nodes)
    for i in range(n, len(rec.nodes)):
        depth[i] = 1 + max((depth[p] for p in rec.nodes[i][1] if p is not None), default=0)
    evaluated = list(range(n, len(rec.nodes)))
    by_level = sorted(evaluated, key=lambda i: (depth[i], i))
    for position, (here, survey) in enumerate(zip(evaluated, by_level)):
        if here != survey:
            break
    else:
        return ""
    from ..traces.notation import node_name
    formula = {row.node: row.pretty for row in trace.primal_rows if row.kind == "primal"}
    return (f"Numbering: Python evaluates left to right, arguments first, so {formula[here]} comes "
            f"before {formula[survey]} (the survey numbers level by level: its "
            f"{node_name(position + 1, pretty=True)} is this cell's "
            f"{node_name(rec.number(survey), pretty=True)}). One operation per line chooses the "
            f"numbering; the derivatives are the same.")


def _options(line: str, cell) -> str:
    return line if cell is not None else _split_call(line)[1]


def _top_level_tokens(text: str) -> list[str]:
    """Split at spaces outside brackets and quotes: ``w=[1, 2] x=2`` -> ``["w=[1, 2]", "x=2"]``."""
    tokens, depth, quote, start = [], 0, None, None
    for i, ch in enumerate(text + " "):
        if quote:
            quote = None if ch == quote else quote
        elif ch.isspace() and depth <= 0:
            if start is not None:
                tokens.append(text[start:i])
                start = None
            continue
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if start is None:
            start = i
    return tokens


def _take_at(options: str):
    """The ``--at`` items (read here, so that ``w=[1, 2, 3]`` needs no quotes) and the rest."""
    tokens = _top_level_tokens(options)
    if "--at" not in tokens:
        return options, None
    first = tokens.index("--at")
    last = first + 1
    while last < len(tokens) and not _is_option(tokens[last]):
        last += 1
    items = [t[1:-1] if len(t) > 1 and t[0] == t[-1] and t[0] in "'\"" else t
             for t in tokens[first + 1:last]]
    if not items:
        raise UsageError("%adtrace: --at needs NAME=VALUE items, e.g. --at x1=2 x2=5")
    return " ".join(tokens[:first] + tokens[last:]), items


def _is_option(token: str) -> bool:
    return token.startswith("-") and len(token) > 1 and (token[1].isalpha() or token[1] == "-")


def _split_call(line: str) -> tuple[str, str]:
    """``"f(2.0, -5.0) --mode forward"`` -> ``("f(2.0, -5.0)", "--mode forward")``.

    Options start at the first ``-x`` / ``--x`` token outside brackets and quotes.
    """
    tokens = _top_level_tokens(line)
    for i, token in enumerate(tokens):
        if _is_option(token):
            return " ".join(tokens[:i]), " ".join(tokens[i:])
    return line.strip(), ""


def _number(value):
    """Inputs given as ints or lists become floats / float arrays (what tracing expects)."""
    if isinstance(value, (bool, np.bool_)):
        raise UsageError(f"%%adtrace: an input must be a number or an array, got {value!r}.")
    if isinstance(value, (int, np.integer, np.floating)):
        return float(value)
    if isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.dtype != float):
        try:
            return np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise UsageError(f"%%adtrace: cannot use {value!r} as an input (numbers only).") \
                from None
    return value


def _unit_seed(primals, names, wrt):
    """ẋ = 1 on the inputs named in ``wrt`` (default: the first), 0 elsewhere."""
    chosen = [w.strip() for w in wrt.split(",") if w.strip()] if wrt else names[:1]
    unknown = [w for w in chosen if w not in names]
    if unknown:
        raise UsageError(f"%adtrace --wrt: no input named {', '.join(unknown)}; the inputs are "
                         f"{', '.join(names)}.")
    seed = []
    for name, value in zip(names, primals):
        leaves, rebuild = flatten(value)
        fill = 1.0 if name in chosen else 0.0
        seed.append(rebuild([np.full(np.shape(leaf), fill) if np.ndim(leaf) else fill
                             for leaf in leaves]))
    return tuple(seed)


def _cell_function(cell: str, names: list, result, user_ns):
    """The cell's code as a function of ``names`` returning its output (see ``%adtrace?``)."""
    try:
        body = ast.parse(cell, filename=CELL_FILE).body
    except SyntaxError as error:
        where = f"line {error.lineno + 1}" if error.lineno else "the cell"  # %%adtrace is line 1
        text = f": {error.text.strip()}" if error.text else ""
        raise UsageError(f"%%adtrace: syntax error on {where} of the cell ({error.msg}){text}") \
            from None
    if not body:
        raise UsageError("%%adtrace: the cell is empty; write the computation, e.g. "
                         "y = log(x1) + x1 * x2 - sin(x2)")
    assigned = _assigned_names(body)
    if result is not None:
        if result not in assigned:
            raise UsageError(f"%%adtrace --result: the cell never assigns {result!r} "
                             f"(it assigns {', '.join(assigned) or 'nothing'}).")
        output = ast.Name(result, ast.Load())
    elif "y" in assigned:
        output = ast.Name("y", ast.Load())
    elif isinstance(body[-1], ast.Expr):
        output = body.pop().value
    elif assigned:
        output = ast.Name(assigned[-1], ast.Load())
    else:
        raise UsageError("%%adtrace: the cell computes no output; assign it to y, e.g. "
                         "y = log(x1) + x1 * x2")
    module = ast.parse("def cell(): pass")
    function = module.body[0]
    function.args.args = [ast.arg(arg=n) for n in names]
    function.body = body + [ast.Return(output)]
    ast.fix_missing_locations(module)
    namespace = {"np": np, **user_ns, **elementary()}
    exec(compile(module, CELL_FILE, "exec"), namespace)  # noqa: S102 - the user's own cell
    return namespace["cell"]


def _assigned_names(body) -> list:
    """Top-level variables the cell assigns, in order (last assignment last)."""
    names = []

    def add(target):
        if isinstance(target, ast.Name):
            if target.id in names:
                names.remove(target.id)
            names.append(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                add(t)
    for statement in body:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                add(target)
        elif isinstance(statement, (ast.AugAssign, ast.AnnAssign)):
            add(statement.target)
    return names


def _short(error: Exception) -> str:
    """One line for an error raised while tracing, with the cell line it came from."""
    where = ""
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == CELL_FILE:
            where = f" (line {tb.tb_lineno + 1} of the cell)"  # the %%adtrace line is line 1
        tb = tb.tb_next
    kind = type(error).__name__
    return f"%adtrace: {kind}{where}: {error}"


def _suffixed(path: str, mode: str) -> str:
    stem, dot, ext = path.rpartition(".")
    return f"{stem}-{mode}.{ext}" if dot else f"{path}-{mode}"


def load_ipython_extension(ipython) -> None:
    """Register ``%adtrace`` / ``%%adtrace`` (``%load_ext adlab``)."""
    ipython.register_magics(AdtraceMagics)


def unload_ipython_extension(ipython) -> None:
    for kind in ("line", "cell"):
        ipython.magics_manager.magics[kind].pop("adtrace", None)


__all__ = ["AdtraceMagics", "load_ipython_extension", "unload_ipython_extension"]
