"""Symbolic differentiation: expressions built from adlab's primitives, differentiated by rule.

The same Python function that ``ad.reverse`` traces into an evaluation trace can be traced into an
:class:`Expression`, a formula over named symbols:

>>> import adlab as ad
>>> e = ad.symbolic.expression(lambda x1, x2: ad.log(x1) + x1 * x2 - ad.sin(x2))
>>> str(e)
'ln(x1) + x1 × x2 - sin(x2)'
>>> d = ad.symbolic.diff(e, "x1")            # the rules applied literally, nothing simplified
>>> str(d), d.evaluate(x1=2.0, x2=5.0)
('1 / x1 + x2', 5.5)

Expressions are immutable and hash-consed: building the same ``(primitive, arguments)`` twice gives
the same object, so equal subexpressions are shared and :func:`size` can count an expression both as
a tree (every occurrence) and as a DAG (distinct subexpressions). The gap between the two is the
*expression swell* of Baydin et al. (2018), section 2.2; :func:`swell_table` measures it on the
survey's logistic map.

``diff`` takes its rules from the primitive table (``Primitive.partials``): the chain rule
``d op(a, b) = ∂op/∂a · da + ∂op/∂b · db`` with the partials that forward and reverse mode use, so
``mul``'s partials give the product rule and ``div``'s the quotient rule. Walks over expressions
are iterative (no recursion), so deep expressions are fine.
"""
from __future__ import annotations

import inspect
import math
import numbers
import re
import string
import weakref
from typing import NamedTuple

import numpy as np

from ..engine.primitives import MINUS_ONE, ONE
from ..engine.tape import PRIMITIVES, entry_for_ufunc
from ..errors import DomainError, InputError, UnsupportedOperationError

#: Longest text ``str()`` / ``_repr_latex_`` print in full; longer ones are summarised.
PRINT_LIMIT = 2000

_INTERNED: "weakref.WeakValueDictionary[tuple, Expression]" = weakref.WeakValueDictionary()


def _operators(*names):
    """For each of the table's entries ``names``, the operator ``e ⊕ x`` of expressions and its
    reflected form ``x ⊕ e``: the entry applied."""
    def pair(name):
        return (lambda self, other: apply(PRIMITIVES[name], self, other),
                lambda self, other: apply(PRIMITIVES[name], other, self))
    return tuple(f for name in names for f in pair(name))


class Expression:
    """An immutable formula: a symbol, a constant, or a primitive applied to expressions.

    ``op`` is the :class:`~adlab.engine.primitives.Primitive` (``None`` for a leaf), ``args`` its argument
    expressions, ``name`` a symbol's name, ``value`` a constant's value. Arithmetic operators, adlab's
    functions (``ad.sin(e)``) and numpy's ufuncs (``np.sin(e)``) build new expressions.
    Comparisons and ``float()`` are refused: a formula has no value until :meth:`evaluate`.
    """

    __slots__ = ("op", "args", "name", "value", "__weakref__")
    __array_priority__ = 1000.0

    def __new__(cls, op, args=(), name=None, value=None):
        key = (op, args) if op is not None else (("symbol", name) if name is not None
                                                  else ("constant", value))
        existing = _INTERNED.get(key)
        if existing is not None:
            return existing
        self = object.__new__(cls)
        for field, v in (("op", op), ("args", args), ("name", name), ("value", value)):
            object.__setattr__(self, field, v)
        if not (value is not None and value != value):  # NaN never equals itself: not shared
            _INTERNED[key] = self
        return self

    def __setattr__(self, name, value):
        raise AttributeError("expressions are immutable: build a new one instead")

    def __reduce__(self):
        return (Expression, (self.op, self.args, self.name, self.value))

    # ------------------------------------------------------------------ what kind of node
    @property
    def is_symbol(self) -> bool:
        return self.name is not None

    @property
    def is_constant(self) -> bool:
        return self.op is None and self.name is None

    @property
    def symbols(self) -> list[str]:
        """Names of the symbols the expression depends on, in order of first appearance."""
        return [n.name for n in _postorder(self) if n.name is not None]

    # ------------------------------------------------------------------ building expressions
    @staticmethod
    def _adlab_apply(prim, *args):
        """How adlab's functions (``ad.sin(e)``...) reach expressions (see ``tape.evaluate``)."""
        return apply(prim, *args)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        entry = entry_for_ufunc(ufunc) if method == "__call__" and not kwargs else None
        if entry is not None:
            return apply(entry, *inputs)
        raise UnsupportedOperationError(
            f"symbolic expressions have no rule for numpy.{ufunc.__name__}"
            f"{'.' + method if method != '__call__' else ''}: use adlab's functions "
            f"(ad.sin, ad.log, ...) or the arithmetic operators.")

    def __array_function__(self, func, types, args, kwargs):
        raise UnsupportedOperationError(
            f"symbolic expressions are scalars: numpy.{func.__name__} does not apply to them.")

    __add__, __radd__, __sub__, __rsub__, __mul__, __rmul__ = _operators("add", "sub", "mul")
    __truediv__, __rtruediv__, __pow__, __rpow__ = _operators("div", "pow")
    __mod__, __rmod__, __floordiv__, __rfloordiv__ = _operators("mod", "floor_divide")
    def __neg__(self): return apply(PRIMITIVES["neg"], self)
    def __pos__(self): return self
    def __abs__(self): return apply(PRIMITIVES["abs"], self)

    # identity is structural equality (hash-consing); ordering has no meaning for a formula
    def _no_value(self, what):
        raise InputError(
            f"{what} of a symbolic expression: a formula has no value, so it cannot decide a "
            f"comparison or an `if`. Symbolic differentiation needs closed-form code (no branches "
            f"on the inputs) -- one of its limits that AD does not have; use ad.reverse for such "
            f"code, or e.evaluate(...) to get a number.")

    def __lt__(self, other): self._no_value("a comparison (<)")
    def __le__(self, other): self._no_value("a comparison (<=)")
    def __gt__(self, other): self._no_value("a comparison (>)")
    def __ge__(self, other): self._no_value("a comparison (>=)")
    def __bool__(self): self._no_value("the truth value")
    def __float__(self): self._no_value("float() (math.sin, math.exp... call it)")
    def __int__(self): self._no_value("int()")
    def __complex__(self): self._no_value("complex()")
    def __index__(self): self._no_value("using it as an index")

    # ------------------------------------------------------------------ using expressions
    def evaluate(self, **values):
        """The expression's value with each symbol given by keyword, e.g. ``e.evaluate(x1=2.0)``.

        Values may be floats, numpy arrays (evaluated elementwise) or values adlab is tracing;
        values for symbols the expression does not contain are ignored.
        """
        needed = self.symbols
        missing = [n for n in needed if n not in values]
        if missing:  # extra names are fine: a derivative may no longer contain every variable
            raise InputError(f"evaluate: no value for {', '.join(missing)}; this expression's "
                             f"symbols are {', '.join(needed)}: pass each as a keyword, "
                             f"e.g. evaluate({', '.join(f'{n}=1.0' for n in needed)}).")
        values = {k: float(v) if isinstance(v, numbers.Real) and not isinstance(v, bool) else v
                  for k, v in values.items()}
        computed = {}
        for node in _postorder(self):
            if node.op is None:
                computed[node] = values[node.name] if node.name is not None else node.value
                continue
            try:
                computed[node] = node.op(*(computed[a] for a in node.args))
            except DomainError as error:
                raise DomainError(f"evaluating {_short(node)}: {error}") from None
        return computed[self]

    def text(self, limit: int | None = None) -> str | None:
        """The expression as readable infix text, in full (or ``None`` if longer than ``limit``)."""
        return _render(self, _TEXT, limit)

    def latex(self, limit: int | None = None) -> str | None:
        """The expression in LaTeX, without ``$``, in full (or ``None`` if longer than ``limit``)."""
        return _render(self, _LATEX, limit)

    def summary(self) -> str:
        return (f"expression with {size(self)} nodes ({size(self, dag=True)} distinct), too long "
                f"to print (over {PRINT_LIMIT} characters): e.text() or e.latex() give it in full")

    def __str__(self) -> str:
        text = self.text(PRINT_LIMIT)
        return text if text is not None else self.summary()

    def __repr__(self) -> str:
        return f"Expression({self})"

    def _repr_latex_(self) -> str:
        latex = self.latex(PRINT_LIMIT)
        return f"${latex}$" if latex is not None else rf"$\text{{{self.summary()}}}$"

    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self))


# ---------------------------------------------------------------------- building

def symbol(name: str) -> Expression:
    """The symbol (independent variable) called ``name``."""
    if not isinstance(name, str) or not name.isidentifier():
        raise InputError(f"a symbol's name must be a Python identifier such as 'x1', got {name!r}.")
    return Expression(None, name=name)


def constant(value) -> Expression:
    """A numeric constant (stored as a float)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"symbolic expressions hold real numbers, got {type(value).__name__} "
                         f"{value!r}.")
    return Expression(None, value=float(value))


def as_expression(value) -> Expression:
    """``value`` if it is an expression, else the constant it stands for."""
    if isinstance(value, Expression):
        return value
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return constant(value)
    raise InputError(f"symbolic expressions are built from symbols and real numbers; got "
                     f"{type(value).__name__} {value!r}.")


def apply(prim, *args) -> Expression:
    """The expression ``prim(*args)`` (arguments: expressions or numbers)."""
    if prim.partials is None:
        raise UnsupportedOperationError(
            f"symbolic expressions are scalars: the structural operation {prim.name!r} does not "
            f"apply to them.")
    return Expression(prim, tuple(as_expression(a) for a in args))


def expression(f, *names: str) -> Expression:
    """Trace the Python function ``f`` into an expression over the symbols ``names``.

    Without names, ``f``'s parameter names are used. ``f`` must compute with operators and adlab's
    functions (``ad.sin``...) or numpy's ufuncs, and return one number.
    """
    if not callable(f):
        raise InputError(f"expression: expected a function, got {type(f).__name__} {f!r}.")
    if not names:
        try:
            params = [p for p in inspect.signature(f).parameters.values()
                      if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY,
                                                              p.POSITIONAL_OR_KEYWORD)]
        except (TypeError, ValueError):
            params = []
        if not params:
            raise InputError("expression: cannot read f's parameter names; pass them, e.g. "
                             "ad.symbolic.expression(f, 'x1', 'x2').")
        names = tuple(p.name for p in params)
    result = f(*(symbol(n) for n in names))
    if isinstance(result, (tuple, list)):
        raise InputError(f"expression: {getattr(f, '__name__', 'f')} returned "
                         f"{len(result)} values; symbolic expressions are single formulas: "
                         f"trace each output separately.")
    return as_expression(result)


# ---------------------------------------------------------------------- walking (no recursion)

def _postorder(root: Expression) -> list[Expression]:
    """The distinct nodes of ``root``, every argument before the nodes that use it."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        stack.extend((a, False) for a in reversed(node.args) if a not in seen)
    return order


def size(e: Expression, dag: bool = False) -> int:
    """Nodes of ``e`` (leaves included): counted as a tree (every occurrence), or as a DAG.

    The tree size is what writing the formula out costs; the DAG size counts each distinct
    subexpression once (what common-subexpression elimination keeps).
    """
    e = as_expression(e)
    nodes = _postorder(e)
    if dag:
        return len(nodes)
    counts: dict[Expression, int] = {}
    for node in nodes:
        counts[node] = 1 + sum(counts[a] for a in node.args)  # exact Python ints, however large
    return counts[e]


# ---------------------------------------------------------------------- differentiation

def diff(e: Expression, variable) -> Expression:
    """The derivative of ``e`` with respect to ``variable`` (a name or a symbol), by the rules.

    Each node contributes ``∂op/∂arg · d(arg)`` for each argument that depends on ``variable``,
    with the partials of the primitive table; nothing is simplified. Two conventions only: an
    argument that does not depend on ``variable`` contributes no term (as a constant argument in
    AD), and ``d variable = 1`` is not written as a factor. Subexpressions are differentiated
    once and shared, so ``size(diff(e), dag=True)`` stays small while the tree size swells.
    """
    e = as_expression(e)
    var = symbol(variable) if isinstance(variable, str) else variable
    if not isinstance(var, Expression) or not var.is_symbol:
        raise InputError(f"diff: differentiate with respect to a symbol or its name, e.g. "
                         f"diff(e, 'x1'); got {variable!r}.")
    derivative: dict[Expression, Expression | None] = {}   # None: does not depend on var
    for node in _postorder(e):
        if node.op is None:
            derivative[node] = constant(1.0) if node is var else None
            continue
        rules = node.op.symbolic or node.op.partials
        total = None
        for k, arg in enumerate(node.args):
            d_arg = derivative[arg]
            if d_arg is None:
                continue
            rule = rules[k]
            if rule is ONE:
                term = d_arg
            elif rule is MINUS_ONE:
                term = -d_arg
            else:
                try:
                    partial = as_expression(rule(*node.args, node))
                except (InputError, UnsupportedOperationError) as cause:
                    raise UnsupportedOperationError(
                        f"no symbolic rule for {node.op.name}: its partial derivative could not "
                        f"be written as a formula ({cause}). Give the primitive a symbolic rule "
                        f"(Primitive.symbolic).") from None
                term = partial if arg is var else partial * d_arg
            total = term if total is None else total + term
        derivative[node] = total
    return derivative[e] if derivative[e] is not None else constant(0.0)


# ---------------------------------------------------------------------- simplification

def _is(e: Expression, value: float) -> bool:
    return e.is_constant and e.value == value


def _is_neg(e: Expression) -> bool:
    return e.op is not None and e.op.name == "neg"


def _simplified(op, args) -> Expression:
    """``op(*args)`` (arguments already simplified) after one round of local rules."""
    name = op.name
    if name in _FOLDABLE and all(a.is_constant for a in args):
        try:
            with np.errstate(all="raise"):
                value = op.impl(*(a.value for a in args))
            if isinstance(value, float) and math.isfinite(value):
                return constant(value)
        except (ArithmeticError, ValueError, FloatingPointError, DomainError):
            pass  # leave an undefined operation written out
    a, b = args[0], args[-1]
    def again(name, *operands):  # a rewritten node, simplified in turn
        return _simplified(PRIMITIVES[name], operands)
    sub, add = (lambda x, y: again("sub", x, y)), (lambda x, y: again("add", x, y))
    neg = lambda x: again("neg", x)  # noqa: E731
    rewrite = {  # tried left to right; None: no rule applies
        "add": lambda: b if _is(a, 0) else a if _is(b, 0) else sub(a, b.args[0]) if _is_neg(b)
        else None,
        "sub": lambda: a if _is(b, 0) else add(a, b.args[0]) if _is_neg(b) else neg(b) if _is(a, 0)
        else constant(0.0) if a is b else None,
        "mul": lambda: constant(0.0) if _is(a, 0) or _is(b, 0) else b if _is(a, 1) else a if _is(
            b, 1) else neg(b) if _is(a, -1) else neg(a) if _is(b, -1) else None,
        "div": lambda: a if _is(b, 1) else constant(0.0) if _is(a, 0) else None,
        "pow": lambda: a if _is(b, 1) else constant(1.0) if _is(b, 0) else None,
        "neg": lambda: a.args[0] if _is_neg(a) else None,
    }.get(name)
    result = rewrite() if rewrite is not None else None
    return result if result is not None else Expression(op, tuple(args))


_FOLDABLE = {"add", "sub", "mul", "div", "neg", "pow"}


def simplify(e: Expression) -> Expression:
    """``e`` with constant arithmetic folded and ``x+0, x-0, 0-x, x-x, x+(-y), x-(-y), x·1, x·0,
    x·(-1), x/1, 0/x, x^1, x^0, --x`` rewritten; common subexpressions are shared already (hash-consing).

    Simplifying a derivative shortens it, but its tree size still grows as fast: the swell is in
    the repeated subexpressions, which only sharing (the DAG, or AD's trace) removes.
    """
    e = as_expression(e)
    done: dict[Expression, Expression] = {}
    for node in _postorder(e):
        done[node] = node if node.op is None else _simplified(node.op,
                                                              [done[a] for a in node.args])
    return done[e]


# ---------------------------------------------------------------------- printing

_ATOM, _PREFIX, _POWER, _NEG, _PRODUCT, _SUM = 9, 5, 4, 3, 2, 1
_INFIX = {"add": _SUM, "sub": _SUM, "mul": _PRODUCT, "div": _PRODUCT, "pow": _POWER, "neg": _NEG}


class _Style(NamedTuple):
    name: str
    template: str         # Primitive field holding the template: "text" or "latex"
    parens: str           # "({})" or r"\left({}\right)"


_TEXT = _Style("text", "text", "({})")
_LATEX = _Style("latex", "latex", r"\left({}\right)")


def _number(value: float) -> str:
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _symbol_latex(name: str) -> str:
    match = re.fullmatch(r"([A-Za-z]+)_?(\d+)", name)
    if match:
        letters, digits = match.groups()
        base = letters if len(letters) == 1 else rf"\mathrm{{{letters}}}"
        return f"{base}_{{{digits}}}"
    return name if len(name) == 1 else rf"\mathrm{{{name}}}"


def _slots(template: str):
    """For each placeholder of a template: is it visibly delimited by the template itself?

    ``max({0}, {1})``, ``|{0}|``, ``\\sqrt{{{0}}}`` and ``\\frac{{{0}}}{{{1}}}`` delimit their
    arguments; ``ln {0}`` does not, and neither does a bare LaTeX group ``{{{0}}}^2`` (braces that
    group without showing), so a compound argument there gets parentheses.
    """
    literals, fields = [""], []
    for literal, field, _, _ in string.Formatter().parse(template):
        literals[-1] += literal
        if field is not None:
            fields.append(int(field))
            literals.append("")

    def opens(before):
        if before.endswith("{"):  # a command's argument (\sqrt{, \frac{..}{, ^{), not a bare group
            return before[:-1][-1:].isalpha() or before[:-1].endswith(("}", "^", "_"))
        return before.endswith(("(", "|", "[", ","))

    return {field: opens(literals[i].rstrip()) and
            literals[i + 1].lstrip().startswith((")", "}", "|", "]", ",", r"\right"))
            for i, field in enumerate(fields)}


def _template_level(template: str, closed: bool) -> int:
    """How tightly a template's result binds: by the operators outside its brackets."""
    depth, top = 0, []
    for ch in template:
        depth += ch in "([{"
        depth -= ch in ")]}"
        top.append(ch if depth == 0 else " ")
    top = "".join(top)
    if " + " in top or " - " in top:
        return _SUM
    if any(op in top for op in (" × ", " / ", r" \times ", r" \cdot ")):
        return _PRODUCT
    return _ATOM if closed else _PREFIX


def _leaf(node: Expression, style: _Style):
    if node.name is not None:
        return (node.name if style is _TEXT else _symbol_latex(node.name)), _ATOM
    text = _number(node.value)
    return text, (_NEG if text.startswith("-") else _ATOM)


def _wrap(style, text):
    return style.parens.format(text)


def _infix(name, op, args, style):
    (a, pa), *rest = args
    if name == "neg":
        return "-" + (_wrap(style, a) if pa <= _NEG or a.startswith("-") else a), _NEG
    (b, pb), = rest
    if name == "div" and style is _LATEX:
        return op.latex.format(a, b), _ATOM - 1      # \frac{a}{b}: delimited, but not a pow base
    if name == "pow":
        a = _wrap(style, a) if pa < _ATOM else a
        if style is _TEXT:
            b = _wrap(style, b) if pb < _ATOM else b
        return getattr(op, style.template).format(a, b), _POWER
    level = _INFIX[name]
    a = _wrap(style, a) if pa < level else a
    right_needs = pb <= level if name in ("sub", "div") else pb < level
    b = _wrap(style, b) if right_needs or b.startswith("-") else b
    return getattr(op, style.template).format(a, b), level


def _function(op, args, style):
    template = getattr(op, style.template)
    if style is _TEXT:
        match = re.fullmatch(r"(\w+) \{0\}", template)
        if match:  # "ln {0}" -> "ln(x)": always bracketed in running text
            return f"{match.group(1)}({args[0][0]})", _ATOM
    delimited = _slots(template)
    texts = [t if delimited.get(k) or p >= _ATOM else _wrap(style, t)
             for k, (t, p) in enumerate(args)]
    out = template.format(*texts)
    closed = template.rstrip().endswith((")", "}", "|")) and not re.search(r"\{\d\}$",
                                                                           template.rstrip())
    return out, _template_level(template, closed)


def _render(e: Expression, style: _Style, limit: int | None):
    done: dict[Expression, tuple[str, int]] = {}
    for node in _postorder(e):
        if node.op is None:
            done[node] = _leaf(node, style)
        else:
            args = [done[a] for a in node.args]
            name = node.op.name
            done[node] = (_infix(name, node.op, args, style) if name in _INFIX
                          else _function(node.op, args, style))
        if limit is not None and len(done[node][0]) > limit:
            return None
    return done[e][0]


def _short(node: Expression) -> str:
    text = node.text(80)
    return f"`{text}`" if text is not None else f"a {node.op.name} node"


# ---------------------------------------------------------------------- expression swell

def logistic_map(x, n: int):
    """``l_n`` of the survey's logistic map ``l_{k+1} = 4 l_k (1 - l_k)``, ``l_1 = x``."""
    l = x
    for _ in range(n - 1):
        l = 4 * l * (1 - l)
    return l


class SwellRow(NamedTuple):
    """Sizes for ``l_n``: tree (dag) sizes of the expression, its raw and simplified derivative,
    and the rows / elementary operations of AD's evaluation trace (primal + adjoint)."""
    n: int
    expression: int
    expression_dag: int
    derivative: int
    derivative_dag: int
    simplified: int
    simplified_dag: int
    ad_trace_rows: int
    ad_operations: int


class SwellTable:
    """The expression-swell measurements of :func:`swell_table`; ``rows``, ``str()``, ``plot()``."""

    COLUMNS = ("n", "l_n tree", "l_n dag", "d/dx tree", "d/dx dag", "simplified tree",
               "simplified dag", "AD trace rows", "AD ops")

    def __init__(self, rows: list[SwellRow]):
        self.rows = rows

    def __str__(self) -> str:
        cells = [self.COLUMNS] + [tuple(str(v) for v in row) for row in self.rows]
        widths = [max(len(c[i]) for c in cells) for i in range(len(self.COLUMNS))]
        lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{c}</th>" for c in self.COLUMNS)
        body = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>"
                       for row in self.rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def plot(self, ax=None):
        """Sizes against n on a log scale: trees grow exponentially, DAGs and AD linearly."""
        import matplotlib.pyplot as plt

        from .. import palette
        if ax is None:
            _, ax = plt.subplots(figsize=(6.4, 4.2))
        n = [r.n for r in self.rows]
        series = [("l_n (tree)", "expression", palette.BLUE, "o-"),
                  ("d l_n/dx, raw (tree)", "derivative", palette.VERMILLION, "s-"),
                  ("d l_n/dx, simplified (tree)", "simplified", palette.ORANGE, "^-"),
                  ("d l_n/dx, raw (DAG, shared)", "derivative_dag", palette.REDDISH_PURPLE, "s--"),
                  ("AD evaluation trace (rows)", "ad_trace_rows", palette.BLUISH_GREEN, "D-")]
        for label, field, colour, style in series:
            ax.plot(n, [getattr(r, field) for r in self.rows], style, color=colour, label=label)
        ax.set_yscale("log")
        ax.set_xlabel("n (iterations of the logistic map)")
        ax.set_ylabel("size (nodes)")
        ax.set_title("Expression swell: symbolic derivative vs AD")
        ax.legend()
        return ax


def swell_table(n_max: int = 8, x: float = 0.3) -> SwellTable:
    """Sizes of ``l_n``, ``d l_n/dx`` (raw and simplified) and AD's trace, for n = 1 … ``n_max``.

    Baydin et al. (2018), Table 1 / section 2.2: written out as trees, the derivative of the
    logistic map swells exponentially with n; AD's evaluation trace (here ``ad.reverse`` at ``x``)
    grows linearly, like the DAG of shared subexpressions.
    """
    if isinstance(n_max, bool) or not isinstance(n_max, int) or not 1 <= n_max <= 60:
        raise InputError(f"swell_table: n_max must be an integer from 1 to 60, got {n_max!r}.")
    from ..traces.modes import reverse
    rows = []
    for n in range(1, n_max + 1):
        l_n = expression(lambda x: logistic_map(x, n), "x")
        raw = diff(l_n, "x")
        simple = simplify(raw)
        trace = reverse(lambda x: logistic_map(x, n), (x,))
        rows.append(SwellRow(n, size(l_n), size(l_n, dag=True), size(raw), size(raw, dag=True),
                             size(simple), size(simple, dag=True), len(trace.rows),
                             trace.cost.ops_function + trace.cost.ops_derivative))
    return SwellTable(rows)


__all__ = ["Expression", "symbol", "constant", "expression", "diff", "simplify", "size",
           "logistic_map", "swell_table", "SwellTable", "SwellRow", "PRINT_LIMIT"]
