"""The primitive table: for each elementary operation, how to compute it, differentiate it and
write it. One table drives forward mode, reverse mode, the printed formulas and symbolic ``diff``.

An entry (:class:`Primitive`) holds, side by side, its implementation (plain: numbers and arrays
in, a number or an array out), its derivative and how it is written. For an elementwise operation
the derivative is its local partial derivatives ``∂out/∂arg_k``: forward mode multiplies them by
tangents (``jvp``), reverse mode by the adjoint (``vjp``), and their text is what a trace prints
beside them. Derivative rules are written with adlab's own functions, so they are themselves
traceable: that is what makes second derivatives (``grad`` of ``grad``) work.

Adding an operation means one entry here (or in :mod:`adlab.engine.arrays`) plus its tests.
"""
from __future__ import annotations

import builtins
import math
import operator

import numpy as np

from .messages import FAILURES
from .tape import PRIMITIVES, Traced, bind1, bind2, bindn, implements, raw

ONE, MINUS_ONE = 1, -1  # partials that need no computation: the contribution is g or -g


class Primitive:
    # An entry of the table. Fields (keyword arguments of ``define``):
    #   partials        elementwise: per argument, ∂out/∂arg as a function (args..., out), or ONE,
    #                   MINUS_ONE; symbolic: the same for ``diff`` where these read values (a kink)
    #   jvp_rule, vjp_rule    structural operations: (args, out, tangents) -> tangent of the output;
    #                   (k, g, args, out) -> the adjoint argument k receives
    #   text, latex     how ``v3 = sin v0`` is written: a template ("sin {0}") or a function of the
    #                   argument names; partial_text, partial_latex: each partial, likewise
    #   tangent_text, tangent_latex   how a tangent row reads when it is not the chain rule over
    #                   the partials (templates with {d0}, {d1} for tangents); linear: the tangent
    #                   rule is the operation itself, v̇ = op(v̇)
    #   domain, note    what the operation needs (for errors) and a convention worth stating
    #   ufunc           the numpy ufunc it answers for (np.sin); operator: how it is written when
    #                   it is an operator ("+"); internal: used by rules, not by programs
    # Its ``__doc__`` is written from these, so that ``ad.log?`` in a notebook describes ``log``.

    FIELDS = {"partials": None, "symbolic": None, "jvp_rule": None, "vjp_rule": None,
              "text": "", "latex": "", "partial_text": (), "partial_latex": (),
              "tangent_text": None, "tangent_latex": None, "linear": False,
              "domain": None, "note": None, "ufunc": None, "operator": None, "internal": False}
    __slots__ = ("name", "impl", *FIELDS)

    def __init__(self, name, impl, **fields):
        unknown = set(fields) - set(self.FIELDS)
        if unknown:
            raise TypeError(f"a primitive has no field {', '.join(sorted(unknown))}")
        self.name, self.impl = name, impl
        for field, default in self.FIELDS.items():
            setattr(self, field, fields.get(field, default))

    def __call__(self, *args):
        # bind(self, *args); bind1, bind2 and bindn are bind for one, two, any arguments, faster
        if len(args) == 2:
            return bind2(self, *args)
        return bind1(self, *args) if len(args) == 1 else bindn(self, *args)

    @property
    def elementwise(self) -> bool:
        return self.partials is not None

    def formula(self, names, latex=False) -> str:
        """``sin v0``: this operation applied to its arguments' names (or values)."""
        template = self.latex if latex else self.text
        return template(names) if callable(template) else template.format(*names)

    def jvp(self, args, out, tangents):
        """Forward mode: the output's tangent, ``Σ_k ∂out/∂arg_k × tangent_k`` (None: constant)."""
        if self.partials is None:
            return self.jvp_rule(args, out, tangents)
        total = None
        for partial, t in zip(self.partials, tangents):
            if t is not None:
                term = times_partial(t, partial, args, out)
                total = term if total is None else total + term
        return broadcast_like(total, out)

    def vjp(self, k, g, args, out):
        """Reverse mode: what argument ``k`` receives from the output's adjoint ``g``:
        ``g × ∂out/∂arg_k``, summed back to the argument's shape if it was broadcast."""
        if self.partials is None:
            return self.vjp_rule(k, g, args, out)
        contribution = times_partial(g, self.partials[k], args, out)
        return contribution if type(contribution) is float else unbroadcast(contribution, args[k])

    def __repr__(self):
        return f"<primitive {self.name}>"

    @property
    def __doc__(self):
        if self.partials is None:
            return (f"adlab primitive {self.name!r}, a structural operation on arrays; its "
                    f"derivative rules are explicit (jvp/vjp)."
                    + (f"\nDomain: {self.domain}." if self.domain else ""))
        args = ["x"] if len(self.partials) == 1 else [f"x{k + 1}" for k in range(len(self.partials))]
        lines = [f"adlab primitive {self.name!r}: {self.formula(args)}, elementwise on numbers "
                 f"and numpy arrays (with broadcasting)."]
        lines += [f"∂/∂{args[k]} = {partial.format(*args)}"
                  for k, partial in enumerate(self.partial_text)]
        lines += [f"Domain: {self.domain}."] if self.domain else []
        return "\n".join(lines + ([self.note] if self.note else []))


def times_partial(seed, partial, args, out):
    """``seed × ∂out/∂arg``, the chain rule's one step, for forward mode (seed = a tangent) and
    reverse mode (seed = an adjoint); ONE and MINUS_ONE need no product."""
    if partial is ONE:
        return seed
    if partial is MINUS_ONE:
        return -seed
    return seed * partial(*args, out)


def define(name, impl, **fields) -> Primitive:
    """Add an entry to the table (see :class:`Primitive` for the fields)."""
    kind = UnaryPrimitive if hasattr(impl, "float_impl") else Primitive
    PRIMITIVES[name] = prim = kind(name, impl, **fields)
    return prim


# ---------------------------------------------------------------- the table: arithmetic

add = define("add", operator.add, operator="+", ufunc=np.add, partials=(ONE, ONE),
             text="{0} + {1}", latex="{0} + {1}", partial_text=("1", "1"), partial_latex=("1", "1"))
sub = define("sub", operator.sub, operator="-", ufunc=np.subtract, partials=(ONE, MINUS_ONE),
             text="{0} - {1}", latex="{0} - {1}", partial_text=("1", "-1"),
             partial_latex=("1", "-1"))
mul = define("mul", operator.mul, operator="*", ufunc=np.multiply,
             partials=(lambda x, y, out: y, lambda x, y, out: x),
             text="{0} × {1}", latex=r"{0} \times {1}", partial_text=("{1}", "{0}"),
             partial_latex=("{1}", "{0}"))
div = define("div", operator.truediv, operator="/", ufunc=np.true_divide,
             partials=(lambda x, y, out: 1.0 / y, lambda x, y, out: -out / y),
             domain="the divisor must not be zero",
             text="{0} / {1}", latex=r"\frac{{{0}}}{{{1}}}", partial_text=("1/{1}", "-{0}/{1}²"),
             partial_latex=(r"\frac{{1}}{{{1}}}", r"-\frac{{{0}}}{{{1}^2}}"))
power = define("pow", lambda x, y: _float_pow(x, y) if type(x) is float else x ** y,
               operator="**", ufunc=np.power, partials=(
                   lambda x, y, out: _zero_like(x) if _is_zero(y) else y * x ** _less_one(y),
                   lambda x, y, out: out * log(_zero_as_one(x))),
               domain="a negative base needs an integer exponent, and a zero base a non-negative one",
               text="{0}^{1}", latex="{{{0}}}^{{{1}}}",
               partial_text=("{1} × {0}^({1}-1)", "{0}^{1} × ln {0}"),
               partial_latex=(r"{1}\,{{{0}}}^{{{1}-1}}", r"{{{0}}}^{{{1}}} \ln {0}"))
neg = define("neg", operator.neg, operator="unary -", ufunc=np.negative, partials=(MINUS_ONE,),
             text="-{0}", latex="-{0}", partial_text=("-1",), partial_latex=("-1",))


def _float_pow(x, y):
    result = x ** y
    if type(result) is complex:
        raise ValueError("a negative number to a non-integer power is complex")
    return result


def _numeric(v):
    """The number or array under ``v``, or None for a symbolic expression."""
    v = raw(v)
    return v if isinstance(v, (int, float, np.ndarray, np.number)) else None


def _is_zero(y) -> bool:
    """y is the number 0: d(x^0)/dx = 0, also at x = 0 (where y·x^(y-1) would divide by 0)."""
    ny = _numeric(y)
    return ny is not None and np.ndim(ny) == 0 and ny == 0


def _zero_like(x):
    nx = _numeric(x)
    return np.zeros(np.shape(nx)) if nx is not None and np.ndim(nx) else 0.0


def _less_one(y):
    """y - 1, and 1 where an array y is 0: there y·x^1 is 0, the derivative of the constant x^0,
    also at x = 0, where y·x^(y-1) would read 0·0^(-1) (a number y = 0: see _is_zero)."""
    ny = _numeric(y)
    if type(ny) is not np.ndarray or not (ny == 0).any():
        return y - 1
    return y - 1 + 2.0 * (ny == 0)


def _zero_as_one(x):
    """x with zeros replaced by 1 (a constant shift): 0^y = 0 for y > 0, so ∂/∂y is 0 there, the
    limit of x^y ln x, and out × ln 1 gives it."""
    nx = _numeric(x)
    if nx is None or not np.any(nx == 0):
        return x
    return x + (np.asarray(nx == 0, dtype=float) if np.ndim(nx) else 1.0)


# ---------------------------------------------------------------- the table: elementary functions

class UnaryPrimitive(Primitive):
    # An elementwise function of one argument, callable on floats at the speed of ``math``: rules
    # call such functions on plain floats in every reverse sweep (``cos`` in sin's rule), so the
    # float case skips bind (an equivalent optimisation; a failure goes to bind, which names it).
    __slots__ = ("float_impl",)
    __doc__ = Primitive.__dict__["__doc__"]

    def __init__(self, name, impl, **fields):
        super().__init__(name, impl, **fields)
        self.float_impl = impl.float_impl

    def __call__(self, x):
        if type(x) is float:
            try:
                return self.float_impl(x)
            except FAILURES:
                pass
        return bind1(self, x)


def unary(math_fn, numpy_fn):
    """An implementation: ``math_fn`` on numbers, ``numpy_fn`` on arrays (and complex numbers)."""
    def impl(x):
        return math_fn(x) if type(x) is float or type(x) is int else numpy_fn(x)
    impl.float_impl = math_fn
    return impl


log = define("log", unary(math.log, np.log), ufunc=np.log, partials=(lambda x, out: 1.0 / x,),
             domain="log needs a positive input",
             text="ln {0}", latex=r"\ln {0}", partial_text=("1/{0}",),
             partial_latex=(r"\frac{{1}}{{{0}}}",))
exp = define("exp", unary(math.exp, np.exp), ufunc=np.exp, partials=(lambda x, out: out,),
             domain="exp overflows a float64 above about exp(709.78)",
             text="exp {0}", latex=r"\exp {0}", partial_text=("exp {0}",),
             partial_latex=(r"\exp {0}",))
sin = define("sin", unary(math.sin, np.sin), ufunc=np.sin, partials=(lambda x, out: cos(x),),
             text="sin {0}", latex=r"\sin {0}", partial_text=("cos {0}",),
             partial_latex=(r"\cos {0}",))
cos = define("cos", unary(math.cos, np.cos), ufunc=np.cos, partials=(lambda x, out: -sin(x),),
             text="cos {0}", latex=r"\cos {0}", partial_text=("-sin {0}",),
             partial_latex=(r"-\sin {0}",))
tan = define("tan", unary(math.tan, np.tan), ufunc=np.tan,
             partials=(lambda x, out: 1.0 + out * out,),
             text="tan {0}", latex=r"\tan {0}", partial_text=("1 + tan² {0}",),
             partial_latex=(r"1 + \tan^2 {0}",))
def _one_minus_square(x, out):
    """tanh's partial, ``1 - out²``; on a float64 array in one temporary (the same numbers)."""
    if type(out) is np.ndarray and out.dtype == np.float64:
        square = out * out
        return np.subtract(1.0, square, out=square)
    return 1.0 - out * out


tanh = define("tanh", unary(math.tanh, np.tanh), ufunc=np.tanh,
              partials=(_one_minus_square,),
              text="tanh {0}", latex=r"\tanh {0}", partial_text=("1 - tanh² {0}",),
              partial_latex=(r"1 - \tanh^2 {0}",))
sqrt = define("sqrt", unary(math.sqrt, np.sqrt), ufunc=np.sqrt,
              partials=(lambda x, out: 0.5 / out,),
              domain="sqrt needs a non-negative input, and its derivative a positive one",
              text="√{0}", latex=r"\sqrt{{{0}}}", partial_text=("1/(2√{0})",),
              partial_latex=(r"\frac{{1}}{{2\sqrt{{{0}}}}}",))


def _abs_array(x):
    if np.iscomplexobj(x):  # the analytic continuation the complex-step method needs
        return np.where(np.real(x) >= 0, x, -x) if np.ndim(x) else (x if x.real >= 0 else -x)
    return np.abs(x)


def _sign(x):
    """sign(x) as a constant (the derivative of a step is zero); sign(0) = 0."""
    x = raw(x)
    return float((x > 0) - (x < 0)) if type(x) is float else np.sign(x).astype(float)


def _step(x):
    """1 where x > 0, else 0, as a constant (relu's derivative; 0 at x = 0 by convention)."""
    x = raw(x)
    return (1.0 if x > 0 else 0.0) if type(x) is float else (x > 0).astype(float)


def _sigmoid_float(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sigmoid_array(x):
    if np.iscomplexobj(x):  # the complex-step method evaluates f at x + ih
        return 1.0 / (1.0 + np.exp(-x))
    return np.exp(-np.logaddexp(0.0, -x))


abs = define("abs", unary(builtins.abs, _abs_array), ufunc=np.absolute,  # noqa: A001
             note="abs'(0) is taken to be 0 (the subgradient JAX and PyTorch use).",
             partials=(lambda x, out: _sign(x),),
             symbolic=(lambda x, out: out / x,),  # sign x = |x| / x, away from 0
             text="|{0}|", latex=r"\left|{0}\right|", partial_text=("sign {0}",),
             partial_latex=(r"\operatorname{{sign}} {0}",))
sigmoid = define("sigmoid", unary(_sigmoid_float, _sigmoid_array),
                 partials=(lambda x, out: out * (1.0 - out),),
                 text="σ({0})", latex=r"\sigma({0})", partial_text=("σ({0})(1 - σ({0}))",),
                 partial_latex=(r"\sigma({0})(1-\sigma({0}))",))
relu = define("relu", unary(lambda x: x if x > 0 else 0.0, lambda x: np.maximum(x, 0.0)),
              note="relu'(0) is taken to be 0 (as in JAX and PyTorch).",
              partials=(lambda x, out: _step(x),),
              symbolic=(lambda x, out: out / x,),  # [x > 0] = relu(x) / x, away from 0
              text="relu {0}", latex=r"\operatorname{{relu}} {0}", partial_text=("[{0} > 0]",),
              partial_latex=(r"[{0} > 0]",))


def binary(number_fn, numpy_fn):
    """An implementation: ``number_fn`` when both arguments are numbers, else ``numpy_fn``."""
    def impl(x, y):
        if (type(x) is float or type(x) is int) and (type(y) is float or type(y) is int):
            return number_fn(x, y)
        return numpy_fn(x, y)
    return impl


def _max_partial(first):
    def partial(x, y, out):
        x, y = raw(x), raw(y)
        if type(x) in (float, int) and type(y) in (float, int):
            return 1.0 if (x > y if first else y > x) else (0.5 if x == y else 0.0)
        return np.where(x > y if first else y > x, 1.0, np.where(x == y, 0.5, 0.0))
    return partial


def _slope(first):
    """max/min's partial for ``diff``, where a formula has no value to compare: the slope written
    with the output, 1 or 0 away from a tie, undefined (0/0) exactly at it."""
    if first:
        return lambda x, y, out: (out - y) / (x - y)
    return lambda x, y, out: (out - x) / (y - x)


def _extremum(name, word, wins, ufunc):
    """max or min of two numbers: the argument that ``wins`` (``>`` or ``<``) gets the derivative,
    and at a tie each gets half of it."""
    first = (lambda x, y: x if x >= y else y) if wins == ">" else (lambda x, y: x if x <= y else y)
    return define(name, binary(first, ufunc), ufunc=ufunc,
                  partials=(_max_partial(wins == ">"), _max_partial(wins == "<")),
                  symbolic=(_slope(True), _slope(False)),
                  note="At a tie (x1 = x2) each argument receives half of the derivative.",
                  text=f"{word}({{0}}, {{1}})", latex=rf"\{word}({{0}}, {{1}})",
                  partial_text=(f"[{{0}} {wins} {{1}}] + ½[{{0}} = {{1}}]",
                                f"[{{1}} {wins} {{0}}] + ½[{{0}} = {{1}}]"),
                  partial_latex=(rf"[{{0}} {wins} {{1}}] + \tfrac12[{{0}} = {{1}}]",
                                 rf"[{{1}} {wins} {{0}}] + \tfrac12[{{0}} = {{1}}]"))


maximum = _extremum("maximum", "max", ">", np.maximum)
minimum = _extremum("minimum", "min", "<", np.minimum)

# ---------------------------------------------------------------- the table: structural operations
# Arguments after the first are constants (an axis, an index, a shape) unless said otherwise.


def _sum_vjp(k, g, args, out):
    x, axis, keepdims = args
    if axis is None and type(x) is np.ndarray and type(g) is float:  # the common case, plain
        if x.size > 1024:
            return broadcast_view(g, x.shape)  # a read-only view: no memory for copies of g
        filled = np.empty(x.shape)  # a small one filled: cheaper than building a view
        filled.fill(g)
        return filled
    shape = np.shape(raw(x))
    if axis is not None and not keepdims:  # the summed axes back, as 1s
        axes = {a % len(shape) for a in ((axis,) if isinstance(axis, (int, np.integer)) else axis)}
        g = reshape(g, tuple(1 if i in axes else n for i, n in enumerate(shape)))
    if type(g) is not Traced:  # a read-only view: no copy (the sweep copies gradients it returns)
        return broadcast_view(g, shape)
    return g * np.ones(shape)  # broadcast the adjoint back over the summed axes


def _sum(x, axis, keepdims):
    if type(x) is np.ndarray:  # what np.sum runs, without its Python wrappers
        return np.add.reduce(x, axis=axis, keepdims=keepdims)
    return np.sum(x, axis=axis, keepdims=keepdims)


sum_ = define("sum", _sum,
              jvp_rule=lambda args, out, t: sum(t[0], axis=args[1], keepdims=args[2]),
              vjp_rule=_sum_vjp, text="sum({0})", latex=r"\sum {0}", linear=True)
reshape_ = define("reshape", np.reshape,
                  jvp_rule=lambda args, out, t: reshape(t[0], np.shape(raw(out))),
                  vjp_rule=lambda k, g, args, out: reshape(g, np.shape(raw(args[0]))),
                  text=lambda a: f"reshape({a[0]}, {_shape_text(a[1])})",
                  latex=lambda a: rf"\operatorname{{reshape}}({a[0]}, {_shape_text(a[1])})",
                  linear=True)


def _shape_text(shape):
    """A shape as written in a row: ``(2, 3)``, and one length as a number (``-1``, ``4``)."""
    return f"({shape})" if ", " in shape else shape.strip("()")


def _as_float(result):
    """An element numpy gives as a float64 as a Python float (scalar code stays on the fast paths)."""
    return float(result) if type(result) is np.float64 else result


def _getitem(x, index):
    element = x[index]
    return float(element) if type(element) is np.float64 else element


from . import tape as _tape  # noqa: E402 - its strict_depth, read when the rule runs


def _getitem_vjp(k, g, args, out):
    x, index = args
    if type(g) is np.ndarray and type(x) is np.ndarray and _tape.strict_depth:
        try:  # scatter(g, index, x.shape) on plain arrays in a sweep: what bindn would run
            return _scatter_impl(g, index, x.shape)
        except FAILURES:
            pass
    return scatter(g, index, np.shape(raw(x)))


getitem_ = define("getitem", _getitem, operator="indexing x[i]",
                  jvp_rule=lambda args, out, t: t[0][args[1]],
                  vjp_rule=_getitem_vjp,
                  text="{0}[{1}]", latex="{0}[{1}]", linear=True)


def _scatter_impl(g, index, shape):
    """Zeros of ``shape`` with ``g`` added at ``index``: assigned where every element is picked
    at most once (slices, masks, distinct indices), ``np.add.at`` where an index repeats
    (``x[[0, 2, 2]]``) -- and where integer arrays alone pick every element of ``g``, whose
    ``np.add.at`` (numpy 2) is as fast as checking for repeats would be, as it is on small ones."""
    result = np.zeros(shape)
    size = g.size if type(g) is np.ndarray else np.size(g)
    if size < 256 and _integer_arrays(index):  # what the test below decides for them
        if len(index) == 2 and index[0] is _ROWS.get(len(index[0])) \
                and index[1].shape == index[0].shape:
            result[index] = g  # x[rows(n), labels]: row i picks one element, no repeats
        else:
            np.add.at(result, index, g)
        return result
    arrays = _index_arrays(index, shape)
    if arrays is not None and (size < 256 or _picked(arrays) == size
                               or _repeats(_positions(arrays))):
        np.add.at(result, index, g)
    else:
        result[index] = g
    return result


_ROWS: dict = {}  # n -> 0..n-1, read-only, for indexing one element per row: see rows()


def rows(n):
    """The row indices ``0..n-1`` as a read-only array, the same object for every call: an index
    ``x[rows(n), columns]`` picks each element at most once, which scatter then knows at once."""
    indices = _ROWS.get(n)
    if indices is None:
        if len(_ROWS) > 64:
            _ROWS.clear()
        indices = _ROWS[n] = np.arange(n)
        indices.flags.writeable = False
    return indices


def _integer_arrays(index) -> bool:
    """Whether ``index`` is a tuple of integer arrays only (``x[rows, labels]``): for it
    :func:`_index_arrays` returns its arrays, or ``[]`` (unsure), never None."""
    if type(index) is not tuple or not index:
        return False
    for i in index:
        if type(i) is not np.ndarray or i.dtype.kind not in "iu":
            return False
    return True


def picks_twice(index, shape) -> bool:
    """Whether ``x[index]`` (x of ``shape``) picks some element more than once; True where
    unsure (np.add.at is right in every case)."""
    arrays = _index_arrays(index, shape)
    return arrays is not None and _repeats(_positions(arrays))


def _index_arrays(index, shape):
    """The arrays of ``index`` with the lengths of the axes they index, if it has integer arrays
    (only they can pick an element twice); else None. ``[]``: not understood (unsure)."""
    index = index if type(index) is tuple else (index,)
    arrays, axis, integers = [], 0, False
    for i in index:
        if i is None:
            continue
        if i is Ellipsis:
            axis += len(shape) - builtins.sum(np.ndim(j) if np.asarray(j).dtype == bool else 1
                                              for j in index if j is not None and j is not ...)
        elif type(i) is slice or type(i) is int or isinstance(i, np.integer):
            axis += 1
        else:
            a = np.asarray(i)
            if not (a.dtype == bool and a.ndim or a.dtype.kind in "iu") or axis + builtins.max(
                    a.ndim, 1) > len(shape):
                return []
            sizes = shape[axis:axis + a.ndim] if a.dtype == bool else shape[axis:axis + 1]
            arrays.append((a, sizes))
            axis += len(sizes)
            integers = integers or a.dtype != bool
    return arrays if integers else None


def _picked(arrays) -> int:
    """How many positions the index arrays pick (a mask picks its True elements); -1: unknown."""
    if not arrays:
        return -1
    try:
        return math.prod(np.broadcast_shapes(*[(np.count_nonzero(a),) if a.dtype == bool
                                               else a.shape for a, _ in arrays]))
    except ValueError:
        return -1


def _positions(arrays):
    """The positions the index arrays pick, as flat positions in the axes they index; [-1, -1]
    where not understood."""
    if not arrays:
        return np.array([-1, -1])
    try:
        flat, sizes = [], []
        for a, n in arrays:
            flat += np.nonzero(a) if a.dtype == bool else [a]
            sizes += n
        return np.ravel_multi_index([np.ravel(a) % n for a, n in
                                     zip(np.broadcast_arrays(*flat), sizes)], sizes)
    except (ValueError, IndexError, ZeroDivisionError):
        return np.array([-1, -1])


def _repeats(positions) -> bool:
    """Whether a position repeats (counted where they are dense, else sorted: np.unique is
    slower than either)."""
    if positions.size < 2:
        return False
    if positions.min() < 0:
        return True
    if positions.max() < 4 * positions.size:
        return bool(np.bincount(positions).max() > 1)
    ordered = np.sort(positions)
    return bool(np.any(ordered[1:] == ordered[:-1]))


scatter_ = define("scatter", _scatter_impl, internal=True,
                  jvp_rule=lambda args, out, t: scatter(t[0], args[1], args[2]),
                  vjp_rule=lambda k, g, args, out: g[args[1]],
                  text="scatter({0}, {1})", latex=r"\operatorname{{scatter}}({0}, {1})",
                  linear=True)


def joined_text(name):
    """How a join (stack, concatenate) of ``(axis, *values)`` is written: ``stack(v1, v2)``
    (``axis=1`` shown when not 0); its tangent template (with ``tangents``) joins the tangents,
    a constant value's tangent being 0."""
    def text(args, tangents=None):
        values = args[1:] if tangents is None else ["0" if t is None else t for t in tangents[1:]]
        axis = "" if args[0] == "0" else f", axis={args[0]}"
        return f"{name}({', '.join(values)}{axis})"
    return text


stack_ = define("stack", lambda axis, *xs: np.stack(xs, axis=axis),
                jvp_rule=lambda args, out, t: stack([ti if ti is not None else zeros_like(a)
                                                     for a, ti in zip(args[1:], t[1:])],
                                                    axis=args[0]),
                vjp_rule=lambda k, g, args, out: take(g, k - 1, args[0]),
                text=joined_text("stack"), latex=joined_text(r"\operatorname{stack}"),
                linear=True, tangent_text=joined_text("stack"),
                tangent_latex=joined_text(r"\operatorname{stack}"))


def _take_vjp(k, g, args, out):
    x, i, axis = args
    index = (slice(None),) * (axis % np.ndim(raw(x))) + (i,)
    return scatter(g, index, np.shape(raw(x)))


take_ = define("take", lambda x, i, axis: _as_float(np.take(x, i, axis=axis)), internal=True,
               jvp_rule=lambda args, out, t: take(t[0], args[1], args[2]),
               vjp_rule=_take_vjp, text="{0}[{1}]", latex="{0}[{1}]", linear=True)


# ---------------------------------------------------------------- the functions of the entries

def sum(x, axis=None, keepdims=False):  # noqa: A001 - mirrors numpy's name
    """Sum of the elements of ``x`` (over ``axis``), like ``numpy.sum``."""
    return bindn(sum_, x, tuple(axis) if isinstance(axis, list) else axis, keepdims)  # sum_(...)


def reshape(x, shape):
    """``x`` with a new shape, like ``numpy.reshape``."""
    return reshape_(x, tuple(shape) if isinstance(shape, (list, tuple)) else shape)


def stack(xs, axis=0):
    """Join values (numbers or arrays of one shape) along a new axis, like ``numpy.stack``."""
    return stack_(axis, *[float(x) if isinstance(x, int) else x for x in xs])


def take(x, i, axis):
    """Element ``i`` of ``x`` along ``axis`` (an integer ``i``)."""
    return take_(x, i, axis)


def scatter(g, index, shape):
    """An array of zeros of ``shape`` with ``g`` added at ``index`` (the adjoint of indexing)."""
    return scatter_(g, index, shape)


implements(np.sum)(lambda a, axis=None, dtype=None, out=None, keepdims=False, **kw:
                   sum(a, axis=axis, keepdims=keepdims))
implements(np.reshape)(lambda a, shape=None, **kw: reshape(a, shape))
implements(np.stack)(lambda arrays, axis=0, **kw: stack(arrays, axis=axis))


# ---------------------------------------------------------------- shapes, for broadcasting

_summed_axes: dict = {}  # (shape, target) -> (axes to sum, those kept as 1s): found once per pair


def unbroadcast(value, like):
    """Sum ``value`` down to the shape of ``like`` (the reverse of numpy broadcasting)."""
    target = like.shape if type(like) is np.ndarray else np.shape(like)
    plain = type(value) is np.ndarray  # not traced: numpy directly (this runs in every sweep)
    shape = value.shape if plain else np.shape(value)
    if shape == target:
        return value
    known = _summed_axes.get((shape, target))
    if known is None:  # the axes numpy broadcast over: the leading ones, and 1s made n
        extra = len(shape) - len(target)
        kept = tuple(extra + i for i, n in enumerate(target) if n == 1 and shape[extra + i] != 1)
        if len(_summed_axes) > 1024:
            _summed_axes.clear()
        known = _summed_axes[shape, target] = (tuple(range(extra)) + kept, kept)
    axes, kept = known
    if plain:  # ndarray.sum without its Python wrapper
        if not target:
            return float(np.add.reduce(value, axis=None))  # a scalar's adjoint is a float
        if not kept:  # leading axes only: the sum has the target's shape already
            return np.add.reduce(value, axis=axes)
        summed = np.add.reduce(value, axis=axes, keepdims=True) if axes else value
        return summed if summed.shape == target else summed.reshape(target)
    summed = sum(value, axis=axes, keepdims=True) if axes else value
    if np.shape(summed) == target:
        return summed
    if not target and type(summed) is not Traced:
        return float(np.asarray(summed).reshape(()))  # a scalar's adjoint is a float
    return reshape(summed, target)


def broadcast_view(value, shape):
    """``np.broadcast_to(value, shape)``: a read-only view, built directly for a number."""
    if type(value) is float or type(value) is np.float64:
        view = np.ndarray(shape, np.float64, np.array(value, dtype=np.float64), 0,
                          (0,) * len(shape))
        view.flags.writeable = False
        return view
    return np.broadcast_to(value, shape)


def broadcast_like(value, like):
    """Broadcast a tangent to the shape of the output it belongs to."""
    if value is None or np.shape(value) == np.shape(like):
        return value
    return value + zeros_like(like)


def zeros_like(x):
    """A constant zero of the shape of ``x`` (a float for scalars)."""
    x = raw(x)
    return np.zeros(np.shape(x)) if np.ndim(x) else 0.0
