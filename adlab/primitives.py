"""The one table of elementary operations that drives every mode and every picture.

Each :class:`Primitive` holds, side by side:

- ``impl``      -- how to evaluate it (``math`` for floats, ``numpy`` for arrays);
- its derivative: for elementwise operations the local partial derivatives ``∂out/∂arg_k``
  (from which forward mode's tangent rule and reverse mode's adjoint rule both follow), for
  structural operations (indexing, sums, ...) explicit ``jvp``/``vjp`` rules;
- its domain, stated for error messages;
- how it is written: a text and a LaTeX template for ``v3 = sin v0`` and for each partial; for
  structural operations, how their tangent row reads: ``linear`` (the tangent rule is the operation
  itself, ``v̇2 = sum(v̇1)``) or a tangent template (``v̇-1 @ v0 + v-1 @ v̇0``).

Derivative rules are written with adlab's own functions, so they are themselves traceable: that is
what makes second derivatives (``grad`` of ``grad``) work.

Adding an operation means one entry here plus its tests.
"""
from __future__ import annotations

import builtins
import math
import operator

import numpy as np

from .tracing import _DOMAIN_FAILURES, Traced, bind, bind1, bind2, binary_method, raw

ONE, MINUS_ONE = 1, -1  # partials that need no computation: the contribution is g or -g


class Primitive:
    # An elementary operation (see the module docstring for what each field means). Its
    # ``__doc__`` is written from the table, so that ``ad.log?`` in a notebook describes ``log``.

    __slots__ = ("name", "impl", "partials", "jvp_rule", "vjp_rule", "domain", "text", "latex",
                 "partial_text", "partial_latex", "tangent_text", "tangent_latex", "linear",
                 "symbolic", "note")

    def __init__(self, name, impl, *, partials=None, jvp=None, vjp=None, domain=None,
                 text, latex, partial_text=None, partial_latex=None, tangent_text=None,
                 tangent_latex=None, linear=False, note=None):
        self.note = note  # a convention worth stating (a derivative at a kink)
        self.name = name
        self.impl = impl
        self.partials = partials
        self.jvp_rule = jvp
        self.vjp_rule = vjp
        self.domain = domain
        self.text = text
        self.latex = latex
        self.partial_text = partial_text
        self.partial_latex = partial_latex
        # How the tangent row reads, when it is not the chain rule over ``partials``: a template
        # with ``{0}, {1}`` for argument names and ``{d0}, {d1}`` for their tangents ("0" for a
        # constant), a tuple of one term per argument (terms of constant arguments are dropped) or
        # a callable ``(args_text, tangents_text) -> str`` (tangent None for a constant).
        self.tangent_text = tangent_text
        self.tangent_latex = tangent_latex
        # True when the tangent rule is the operation itself, its constant arguments (an axis, an
        # index, a shape) kept: v̇ = op(v̇).
        self.linear = linear
        self.symbolic = None  # filled in by adlab.symbolic

    @property
    def elementwise(self) -> bool:
        return self.partials is not None

    def __call__(self, *args):
        if len(args) == 1:
            return bind1(self, args[0])
        return bind2(self, *args) if len(args) == 2 else bind(self, *args)

    def __repr__(self):
        return f"<primitive {self.name}>"

    @property
    def __doc__(self):
        if self.partials is None:
            return (f"adlab primitive {self.name!r}, a structural operation on arrays; its "
                    f"derivative rules are explicit (jvp/vjp)."
                    + (f"\nDomain: {self.domain}." if self.domain else ""))
        args = ["x"] if len(self.partials) == 1 else [f"x{k + 1}" for k in range(len(self.partials))]
        lines = [f"adlab primitive {self.name!r}: {self.text.format(*args)}, elementwise on numbers "
                 f"and numpy arrays (with broadcasting)."]
        for k, partial in enumerate(self.partial_text or ()):
            lines.append(f"∂/∂{args[k]} = {partial.format(*args)}")
        if self.domain:
            lines.append(f"Domain: {self.domain}.")
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    def jvp(self, args, out, tangents):
        """Tangent of the output given tangents of the arguments (``None`` = constant argument)."""
        if self.partials is None:
            return self.jvp_rule(args, out, tangents)
        total = None
        for partial, t in zip(self.partials, tangents):
            if t is not None:
                term = times_partial(t, partial, args, out)
                total = term if total is None else total + term
        return broadcast_like(total, out)


def times_partial(seed, partial, args, out):
    """``seed × ∂out/∂arg`` for one entry of a partials table (ONE, MINUS_ONE: no product).

    The chain rule's one step, shared by forward mode (seed = a tangent) and reverse mode
    (seed = an adjoint); the reverse sweep's hot loop inlines it.
    """
    if partial is ONE:
        return seed
    if partial is MINUS_ONE:
        return -seed
    return seed * partial(*args, out)


#: name -> Primitive, in the order they are defined
PRIMITIVES: dict[str, Primitive] = {}


class UnaryPrimitive(Primitive):
    # An elementwise function of one argument, callable on floats at the speed of ``math``.
    # Derivative rules call such functions on plain floats in every reverse sweep (``cos`` in
    # sin's rule), so the float case skips the generic dispatch; out-of-domain floats still go
    # through ``bind1``, which names the problem. (No docstring: ``__doc__`` comes from the table.)

    __slots__ = ("float_impl",)

    def __call__(self, x):
        if type(x) is float:
            try:
                return self.float_impl(x)
            except _DOMAIN_FAILURES:
                pass  # report it the usual way
        return bind1(self, x)


UnaryPrimitive.__doc__ = Primitive.__dict__["__doc__"]  # a class body always sets __doc__ (None)


def _define(name, impl, **fields) -> Primitive:
    float_impl = getattr(impl, "float_impl", None)
    if float_impl is not None:
        prim = UnaryPrimitive(name, impl, **fields)
        prim.float_impl = float_impl
    else:
        prim = Primitive(name, impl, **fields)
    PRIMITIVES[name] = prim
    return prim


def _unary(math_fn, numpy_fn, prim_name):
    """An implementation that uses math for floats, numpy for arrays, and traces traced values."""
    def impl(x):
        if type(x) is float or type(x) is int:
            return math_fn(x)
        if type(x) is Traced:
            return bind1(PRIMITIVES[prim_name], x)
        apply = getattr(type(x), "_adlab_apply", None)  # other value types (symbolic expressions)
        if apply is not None:
            return apply(x, PRIMITIVES[prim_name])
        return numpy_fn(x)
    impl.__name__ = prim_name
    impl.float_impl = math_fn
    return impl


# ---------------------------------------------------------------- shape helpers for broadcasting

def unbroadcast(value, like):
    """Sum ``value`` down to the shape of ``like`` (the reverse of numpy broadcasting)."""
    target = like.shape if type(like) is np.ndarray else np.shape(like)
    plain = type(value) is np.ndarray  # not traced: numpy directly (this runs in every sweep)
    shape = value.shape if plain else np.shape(value)
    if shape == target:
        return value
    extra = len(shape) - len(target)
    axes = tuple(range(extra)) + tuple(extra + i for i, n in enumerate(target)
                                       if n == 1 and shape[extra + i] != 1)
    if plain:
        summed = value.sum(axis=axes, keepdims=True) if axes else value
        return summed.reshape(target) if target else float(summed.reshape(()))
    summed = sum(value, axis=axes, keepdims=True) if axes else value
    if np.shape(summed) == target:
        return summed
    if not target and type(summed) is not Traced:
        return float(np.asarray(summed).reshape(()))  # a scalar's adjoint is a float
    return reshape(summed, target)


def broadcast_like(value, like):
    """Broadcast a tangent to the shape of the output it belongs to."""
    if value is None or np.shape(value) == np.shape(like):
        return value
    return value + zeros_like(like)


def zeros_like(x):
    """A constant zero of the shape of ``x`` (a float for scalars)."""
    x = raw(x)
    return np.zeros(np.shape(x)) if np.ndim(x) else 0.0


# ---------------------------------------------------------------- helpers for the rules

def _sign(x):
    """sign(x) as a constant (the derivative of a step is zero); sign(0) = 0."""
    x = raw(x)
    return float((x > 0) - (x < 0)) if type(x) is float else np.sign(x).astype(float)


def _step(x):
    """1 where x > 0, else 0, as a constant (relu's derivative; 0 at x = 0 by convention)."""
    x = raw(x)
    return (1.0 if x > 0 else 0.0) if type(x) is float else (x > 0).astype(float)


def _float_pow(x, y):
    result = x ** y
    if type(result) is complex:
        raise ValueError("a negative number to a non-integer power is complex")
    return result


def _float_div(x, y):
    return x / y


def _numeric(v):
    """The number or array under ``v``, or None for a symbolic expression."""
    v = raw(v)
    return v if isinstance(v, (int, float, np.ndarray, np.number)) else None


def _pow_base_partial(x, y, out):
    ny, nx = _numeric(y), _numeric(x)
    if ny is not None and np.ndim(ny) == 0 and ny == 0:  # d(x^0)/dx = 0, also at x = 0
        return np.zeros(np.shape(nx)) if nx is not None and np.ndim(nx) else 0.0
    return y * x ** (y - 1)


def _pow_exponent_partial(x, y, out):
    nx = _numeric(x)
    if nx is not None and np.any(nx == 0):  # 0^y = 0 for y > 0: the limit of x^y ln x is 0
        x = x + (np.asarray(nx == 0, dtype=float) if np.ndim(nx) else 1.0)
    return out * log(x)


def _max_partial(first):
    def partial(x, y, out):
        x, y = raw(x), raw(y)
        if type(x) in (float, int) and type(y) in (float, int):
            return 1.0 if (x > y if first else y > x) else (0.5 if x == y else 0.0)
        return np.where(x > y if first else y > x, 1.0, np.where(x == y, 0.5, 0.0))
    return partial


def _sigmoid_float(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sigmoid_array(x):
    if np.iscomplexobj(x):  # the complex-step method evaluates f at x + ih
        return 1.0 / (1.0 + np.exp(-x))
    return np.exp(-np.logaddexp(0.0, -x))


def _abs_array(x):
    if np.iscomplexobj(x):  # the analytic continuation the complex-step method needs
        return np.where(np.real(x) >= 0, x, -x) if np.ndim(x) else (x if x.real >= 0 else -x)
    return np.abs(x)


def _relu_float(x):
    return x if x > 0 else 0.0


def _relu_array(x):
    return np.maximum(x, 0.0)


# ---------------------------------------------------------------- the table: arithmetic

add = _define("add", operator.add, partials=(ONE, ONE),
              text="{0} + {1}", latex="{0} + {1}", partial_text=("1", "1"), partial_latex=("1", "1"))
sub = _define("sub", operator.sub, partials=(ONE, MINUS_ONE),
              text="{0} - {1}", latex="{0} - {1}", partial_text=("1", "-1"),
              partial_latex=("1", "-1"))
mul = _define("mul", operator.mul,
              partials=(lambda x, y, out: y, lambda x, y, out: x),
              text="{0} × {1}", latex=r"{0} \times {1}", partial_text=("{1}", "{0}"),
              partial_latex=("{1}", "{0}"))
div = _define("div", operator.truediv,
              partials=(lambda x, y, out: 1.0 / y, lambda x, y, out: -out / y),
              domain="the divisor must not be zero",
              text="{0} / {1}", latex=r"\frac{{{0}}}{{{1}}}", partial_text=("1/{1}", "-{0}/{1}²"),
              partial_latex=(r"\frac{{1}}{{{1}}}", r"-\frac{{{0}}}{{{1}^2}}"))
power = _define("pow", lambda x, y: _float_pow(x, y) if type(x) is float else x ** y,
                partials=(_pow_base_partial, _pow_exponent_partial),
                domain="a negative base needs an integer exponent, and a zero base a non-negative one",
                text="{0}^{1}", latex="{{{0}}}^{{{1}}}",
                partial_text=("{1} × {0}^({1}-1)", "{0}^{1} × ln {0}"),
                partial_latex=(r"{1}\,{{{0}}}^{{{1}-1}}", r"{{{0}}}^{{{1}}} \ln {0}"))
neg = _define("neg", operator.neg, partials=(MINUS_ONE,),
              text="-{0}", latex="-{0}", partial_text=("-1",), partial_latex=("-1",))

# ---------------------------------------------------------------- the table: elementary functions

log = _define("log", _unary(math.log, np.log, "log"), partials=(lambda x, out: 1.0 / x,),
              domain="log needs a positive input",
              text="ln {0}", latex=r"\ln {0}", partial_text=("1/{0}",),
              partial_latex=(r"\frac{{1}}{{{0}}}",))
exp = _define("exp", _unary(math.exp, np.exp, "exp"), partials=(lambda x, out: out,),
              domain="exp overflows a float64 above about exp(709.78)",
              text="exp {0}", latex=r"\exp {0}", partial_text=("exp {0}",),
              partial_latex=(r"\exp {0}",))
sin = _define("sin", _unary(math.sin, np.sin, "sin"), partials=(lambda x, out: cos(x),),
              text="sin {0}", latex=r"\sin {0}", partial_text=("cos {0}",),
              partial_latex=(r"\cos {0}",))
cos = _define("cos", _unary(math.cos, np.cos, "cos"), partials=(lambda x, out: -sin(x),),
              text="cos {0}", latex=r"\cos {0}", partial_text=("-sin {0}",),
              partial_latex=(r"-\sin {0}",))
tan = _define("tan", _unary(math.tan, np.tan, "tan"), partials=(lambda x, out: 1.0 + out * out,),
              text="tan {0}", latex=r"\tan {0}", partial_text=("1 + tan² {0}",),
              partial_latex=(r"1 + \tan^2 {0}",))
tanh = _define("tanh", _unary(math.tanh, np.tanh, "tanh"),
               partials=(lambda x, out: 1.0 - out * out,),
               text="tanh {0}", latex=r"\tanh {0}", partial_text=("1 - tanh² {0}",),
               partial_latex=(r"1 - \tanh^2 {0}",))
sqrt = _define("sqrt", _unary(math.sqrt, np.sqrt, "sqrt"),
               partials=(lambda x, out: 0.5 / out,),
               domain="sqrt needs a non-negative input, and its derivative a positive one",
               text="√{0}", latex=r"\sqrt{{{0}}}", partial_text=("1/(2√{0})",),
               partial_latex=(r"\frac{{1}}{{2\sqrt{{{0}}}}}",))
absolute = _define("abs", _unary(builtins.abs, _abs_array, "abs"),
                   note="abs'(0) is taken to be 0 (the subgradient JAX and PyTorch use).",
                   partials=(lambda x, out: _sign(x),),
                   text="|{0}|", latex=r"\left|{0}\right|", partial_text=("sign {0}",),
                   partial_latex=(r"\operatorname{{sign}} {0}",))
sigmoid = _define("sigmoid", _unary(_sigmoid_float, _sigmoid_array, "sigmoid"),
                  partials=(lambda x, out: out * (1.0 - out),),
                  text="σ({0})", latex=r"\sigma({0})", partial_text=("σ({0})(1 - σ({0}))",),
                  partial_latex=(r"\sigma({0})(1-\sigma({0}))",))
relu = _define("relu", _unary(_relu_float, _relu_array, "relu"),
               note="relu'(0) is taken to be 0 (as in JAX and PyTorch).",
               partials=(lambda x, out: _step(x),),
               text="relu {0}", latex=r"\operatorname{{relu}} {0}", partial_text=("[{0} > 0]",),
               partial_latex=(r"[{0} > 0]",))


def _maximum_impl(x, y):
    if type(x) in (float, int) and type(y) in (float, int):
        return x if x >= y else y
    if type(x) is Traced or type(y) is Traced:
        return bind(maximum, x, y)
    return np.maximum(x, y)


def _minimum_impl(x, y):
    if type(x) in (float, int) and type(y) in (float, int):
        return x if x <= y else y
    if type(x) is Traced or type(y) is Traced:
        return bind(minimum, x, y)
    return np.minimum(x, y)


maximum = _define("maximum", _maximum_impl, partials=(_max_partial(True), _max_partial(False)),
                  note="At a tie (x1 = x2) each argument receives half of the derivative.",
                  text="max({0}, {1})", latex=r"\max({0}, {1})",
                  partial_text=("[{0} > {1}] + ½[{0} = {1}]", "[{1} > {0}] + ½[{0} = {1}]"),
                  partial_latex=(r"[{0} > {1}] + \tfrac12[{0} = {1}]",
                                 r"[{1} > {0}] + \tfrac12[{0} = {1}]"))
minimum = _define("minimum", _minimum_impl, partials=(_max_partial(False), _max_partial(True)),
                  note="At a tie (x1 = x2) each argument receives half of the derivative.",
                  text="min({0}, {1})", latex=r"\min({0}, {1})",
                  partial_text=("[{0} < {1}] + ½[{0} = {1}]", "[{1} < {0}] + ½[{0} = {1}]"),
                  partial_latex=(r"[{0} < {1}] + \tfrac12[{0} = {1}]",
                                 r"[{1} < {0}] + \tfrac12[{0} = {1}]"))

# ---------------------------------------------------------------- the table: structural operations
# arguments after the first are constants (an index, an axis, a shape) unless said otherwise


def _sum_impl(x, axis, keepdims):
    if type(x) is Traced:
        return bind(sum_, x, axis, keepdims)
    return np.sum(x, axis=axis, keepdims=keepdims)


def _sum_vjp(k, g, args, out):
    x, axis, keepdims = args
    if axis is not None and not keepdims:
        g = reshape(g, np.shape(np.sum(np.zeros(np.shape(raw(x))), axis=axis, keepdims=True)))
    if type(g) is not Traced:  # a read-only view: no copy (the sweep copies gradients it returns)
        return np.broadcast_to(g, np.shape(raw(x)))
    return g * np.ones(np.shape(raw(x)))  # broadcast the adjoint back over the summed axes


sum_ = _define("sum", _sum_impl,
               jvp=lambda args, out, t: sum(t[0], axis=args[1], keepdims=args[2]),
               vjp=_sum_vjp, text="sum({0})", latex=r"\sum {0}", linear=True)


def _reshape_impl(x, shape):
    if type(x) is Traced:
        return bind(reshape_, x, shape)
    return np.reshape(x, shape)


reshape_ = _define("reshape", _reshape_impl,
                   jvp=lambda args, out, t: reshape(t[0], np.shape(raw(out))),
                   vjp=lambda k, g, args, out: reshape(g, np.shape(raw(args[0]))),
                   text="reshape({0}, {1})", latex=r"\operatorname{{reshape}}({0}, {1})",
                   linear=True)


def _getitem_impl(x, index):
    if type(x) is Traced:
        return bind(getitem_, x, index)
    result = x[index]
    return float(result) if type(result) is np.float64 else result


def _getitem_vjp(k, g, args, out):
    x, index = args
    return scatter(g, index, np.shape(raw(x)))


getitem_ = _define("getitem", _getitem_impl,
                   jvp=lambda args, out, t: t[0][args[1]],
                   vjp=_getitem_vjp, text="{0}[{1}]", latex="{0}[{1}]", linear=True)


def _scatter_impl(g, index, shape):
    if type(g) is Traced:
        return bind(scatter_, g, index, shape)
    result = np.zeros(shape)
    np.add.at(result, index, g)
    return result


scatter_ = _define("scatter", _scatter_impl,
                   jvp=lambda args, out, t: scatter(t[0], args[1], args[2]),
                   vjp=lambda k, g, args, out: g[args[1]],
                   text="scatter({0}, {1})", latex=r"\operatorname{{scatter}}({0}, {1})",
                   linear=True)


def _stack_impl(axis, *xs):
    if any(type(x) is Traced for x in xs):
        return bind(stack_, axis, *xs)
    return np.stack(xs, axis=axis)


def _stack_vjp(k, g, args, out):
    axis = args[0]
    return take(g, k - 1, axis)


def joined_text(name):
    """How a join (stack, concatenate) of ``(axis, *values)`` is written: ``stack(v1, v2)``
    (``axis=1`` shown when not 0); its tangent template (with ``tangents``) joins the tangents,
    a constant value's tangent being 0."""
    def text(args, tangents=None):
        values = args[1:] if tangents is None else ["0" if t is None else t for t in tangents[1:]]
        axis = "" if args[0] == "0" else f", axis={args[0]}"
        return f"{name}({', '.join(values)}{axis})"
    return text


stack_ = _define("stack", _stack_impl,
                 jvp=lambda args, out, t: stack([ti if ti is not None else zeros_like(a)
                                                 for a, ti in zip(args[1:], t[1:])], axis=args[0]),
                 vjp=_stack_vjp, text=joined_text("stack"),
                 latex=joined_text(r"\operatorname{stack}"), linear=True,
                 tangent_text=joined_text("stack"),
                 tangent_latex=joined_text(r"\operatorname{stack}"))


def _take_impl(x, i, axis):
    if type(x) is Traced:
        return bind(take_, x, i, axis)
    result = np.take(x, i, axis=axis)
    return float(result) if type(result) is np.float64 else result


def _take_vjp(k, g, args, out):
    x, i, axis = args
    index = (slice(None),) * (axis % np.ndim(raw(x))) + (i,)
    return scatter(g, index, np.shape(raw(x)))


take_ = _define("take", _take_impl, jvp=lambda args, out, t: take(t[0], args[1], args[2]),
                vjp=_take_vjp, text="{0}[{1}]", latex="{0}[{1}]", linear=True)


# ---------------------------------------------------------------- public functions

def sum(x, axis=None, keepdims=False):  # noqa: A001 - mirrors numpy's name
    """Sum of the elements of ``x`` (over ``axis``), like ``numpy.sum``."""
    if isinstance(axis, list):
        axis = tuple(axis)
    return bind(sum_, x, axis, keepdims)


def reshape(x, shape):
    """``x`` with a new shape, like ``numpy.reshape``."""
    return bind(reshape_, x, tuple(shape) if isinstance(shape, (list, tuple)) else shape)


def stack(xs, axis=0):
    """Join values (numbers or arrays of one shape) along a new axis, like ``numpy.stack``."""
    xs = [float(x) if isinstance(x, int) else x for x in xs]
    return bind(stack_, axis, *xs)


def take(x, i, axis):
    """Element ``i`` of ``x`` along ``axis`` (an integer ``i``)."""
    return bind(take_, x, i, axis)


def scatter(g, index, shape):
    """An array of zeros of ``shape`` with ``g`` added at ``index`` (the adjoint of indexing)."""
    return bind(scatter_, g, index, shape)


def supported_operations() -> str:
    """The operations adlab can differentiate, for error messages."""
    names = ["+", "-", "*", "/", "**", "unary -"] + [
        n for n in PRIMITIVES if n not in ("add", "sub", "mul", "div", "pow", "neg", "scatter",
                                           "take", "getitem")] + ["indexing x[i]"]
    return ", ".join(names)


# ---------------------------------------------------------------- operators of Traced

def _operator(prim, reflected=False):
    return binary_method(prim, reflected)  # bind2, inlined for speed


for _dunder, _prim in [("add", add), ("sub", sub), ("mul", mul), ("truediv", div),
                       ("pow", power)]:
    setattr(Traced, f"__{_dunder}__", _operator(_prim))
    setattr(Traced, f"__r{_dunder}__", _operator(_prim, reflected=True))
Traced.__neg__ = lambda self: bind1(neg, self)
Traced.__pos__ = lambda self: self
Traced.__abs__ = lambda self: bind1(absolute, self)
Traced.__getitem__ = lambda self, index: bind(getitem_, self, index)


# ---------------------------------------------------------------- numpy dispatch

_UFUNCS = {np.add: add, np.subtract: sub, np.multiply: mul, np.true_divide: div,
           np.power: power, np.negative: neg, np.log: log, np.exp: exp, np.sin: sin, np.cos: cos,
           np.tan: tan, np.tanh: tanh, np.sqrt: sqrt, np.absolute: absolute, np.maximum: maximum,
           np.minimum: minimum}
_COMPARISONS = {np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal}


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    if method == "__call__" and not kwargs:
        if ufunc in _UFUNCS:
            return bind(_UFUNCS[ufunc], *inputs)
        if ufunc in _COMPARISONS:
            return ufunc(*[raw(x) for x in inputs])
    from .tracing import _unsupported
    _unsupported(f"numpy.{ufunc.__name__}" + (f".{method}" if method != "__call__" else "")
                 + (f" with arguments {sorted(kwargs)}" if kwargs else ""))


Traced.__array_ufunc__ = _array_ufunc


def _numpy_sum(a, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
    return sum(a, axis=axis, keepdims=keepdims)


_FUNCTIONS = {np.sum: _numpy_sum, np.reshape: lambda a, shape=None, **kw: reshape(a, shape),
              np.stack: lambda arrays, axis=0, **kw: stack(arrays, axis=axis)}


_INSPECTIONS = {np.shape, np.ndim, np.size, np.isfinite, np.isnan, np.isinf, np.iscomplexobj,
                np.isrealobj}  # read the value, have no derivative


def _array_function(self, func, types, args, kwargs):
    if func in _INSPECTIONS:
        return func(*[raw(a) for a in args], **kwargs)
    if func in _FUNCTIONS:
        return _FUNCTIONS[func](*args, **kwargs)
    from .tracing import _unsupported
    _unsupported(f"{getattr(func, '__module__', None) or 'numpy'}.{func.__name__}")


Traced.__array_function__ = _array_function


from . import array_primitives  # noqa: E402,F401 - array operations join this table
