"""More elementwise operations in the one primitive table: rounding and sign, clip, remainder,
hypot, reciprocal, exp2, cbrt, sinc, logaddexp2.

Each is one entry: its implementation (``math`` on floats, numpy on arrays), its partial
derivatives written with adlab's functions (so second derivatives work), how it is written, its
domain. numpy's ufunc of the same name answers for it on traced values (``np.floor(x)``), and
``x % y``, ``x // y``, ``math.floor(x)``, ``round(x)`` on a traced ``x`` apply these entries too.

Piecewise-constant operations (``floor``, ``ceil``, ``trunc``, ``round``, ``sign``, ``//``) have the
partial derivative 0: it is their derivative wherever they have one, and AD returns it also at a
jump, where the derivative does not exist (lesson 11, section 4: a derivative of 0 says nothing
about a jump nearby). Complex numbers are outside adlab's scope: these functions refuse them,
except ``exp2``, ``reciprocal`` and ``sinc``, whose numpy versions are the analytic continuations the
complex-step method (``ad.fd``) needs.
"""
from __future__ import annotations

import builtins
import math
import operator

import numpy as np

from ..errors import InputError
from .arrays import _chosen, _scalar, where
from .primitives import ONE, _sign, binary, cos, define, unary
from .tape import implements, raw, unsupported


def _real(name, numpy_fn):
    """``numpy_fn``, refusing complex numbers with a clear error (see the module docstring)."""
    def impl(*args):
        if builtins.any(np.iscomplexobj(a) for a in args):
            raise InputError(
                f"{name} of a complex number: adlab's {name} takes real numbers (complex numbers "
                f"are outside adlab's scope). For the complex-step method (ad.fd with "
                f"scheme='complex') write f with analytic functions, or use scheme='central'.")
        return numpy_fn(*args)
    return impl


def _finite_or_same(math_fn):
    """``math.floor`` and its kind on a float, as a float; ``inf`` and ``nan`` unchanged (as numpy)."""
    def impl(x):
        return float(math_fn(x)) if math.isfinite(x) else x
    return impl


ZERO_PARTIAL = (lambda x, out: 0.0,)  # a piecewise-constant function: ∂out/∂x = 0
PIECEWISE_CONSTANT = ("{name} is piecewise constant: its derivative is 0 wherever it exists, and adlab "
                      "takes 0 also at a jump{where}, where it does not exist (as JAX, PyTorch and "
                      "autograd do; lesson 11 shows what that hides).")


def _piecewise_constant(name, float_fn, ufunc, text, latex, where_jumps):
    return define(name, unary(_finite_or_same(float_fn), _real(name, ufunc)), ufunc=ufunc,
                  partials=ZERO_PARTIAL, text=text, latex=latex, partial_text=("0",),
                  partial_latex=("0",),
                  note=PIECEWISE_CONSTANT.format(name=name, where=where_jumps))


# ---------------------------------------------------------------- rounding and sign

floor = _piecewise_constant("floor", math.floor, np.floor, "⌊{0}⌋", r"\lfloor {0} \rfloor",
                            " (at every integer)")
ceil = _piecewise_constant("ceil", math.ceil, np.ceil, "⌈{0}⌉", r"\lceil {0} \rceil",
                           " (at every integer)")
trunc = _piecewise_constant("trunc", math.trunc, np.trunc, "trunc {0}",
                            r"\operatorname{{trunc}} {0}", " (at every non-zero integer)")
round_ = _piecewise_constant("round", builtins.round, np.rint, "round {0}",
                             r"\operatorname{{round}} {0}",
                             " (at every half-integer; halves round to the even integer, as "
                             "numpy's rint and round do)")
sign = define("sign", unary(lambda x: float((x > 0) - (x < 0)) if x == x else x,
                            _real("sign", np.sign)),
              ufunc=np.sign, partials=ZERO_PARTIAL, text="sign {0}",
              latex=r"\operatorname{{sign}} {0}", partial_text=("0",), partial_latex=("0",),
              note=PIECEWISE_CONSTANT.format(name="sign", where=" (at 0)"))
fabs = define("fabs", unary(builtins.abs, _real("fabs", np.fabs)), ufunc=np.fabs,
              note="fabs'(0) is taken to be 0, as abs'(0) (the subgradient JAX and PyTorch use).",
              partials=(lambda x, out: _sign(x),),
              symbolic=(lambda x, out: out / x,),  # sign x = |x| / x, away from 0
              text="|{0}|", latex=r"\left|{0}\right|", partial_text=("sign {0}",),
              partial_latex=(r"\operatorname{{sign}} {0}",))


def round(x, decimals=0):  # noqa: A001 - mirrors numpy's name
    """``x`` rounded to ``decimals`` decimals, halves to even, like ``numpy.round``.

    numpy rounds to decimals by scaling: ``round(x · 10^d) / 10^d``; so does adlab (the trace
    shows the three steps), with the same values. The derivative is 0 (see the ``round`` entry).
    """
    decimals = operator.index(decimals)
    if decimals == 0:
        return round_(x)
    if decimals > 0:
        scale = 10.0 ** decimals
        return round_(x * scale) / scale
    scale = 10.0 ** -decimals
    return round_(x / scale) * scale


# ---------------------------------------------------------------- clip


def _clip_impl(x, low, high):
    if type(x) is float and type(low) is float and type(high) is float:
        return builtins.min(builtins.max(x, low), high)
    return _scalar(np.clip(x, low, high))


clip_ = define(
    "clip", _real("clip", _clip_impl),
    partials=(lambda x, low, high, out: _chosen((raw(low) <= raw(x)) & (raw(x) <= raw(high)), True),
              lambda x, low, high, out: _chosen((raw(x) < raw(low)) & (raw(low) <= raw(high)),
                                                True),
              lambda x, low, high, out: _chosen(np.maximum(raw(x), raw(low)) > raw(high), True)),
    note="At a bound (x = low or x = high) the derivative with respect to x is 1 and the "
         "bound's is 0: x passes through on the closed interval [low, high], as in PyTorch and "
         "TensorFlow (JAX splits it in halves, autograd gives 0 to x). A bound gets the "
         "derivative where it is the result (x outside the interval; high when low > high).",
    text="clip({0}, {1}, {2})", latex=r"\operatorname{{clip}}({0}, {1}, {2})",
    partial_text=("[{1} ≤ {0} ≤ {2}]", "[{0} < {1} ≤ {2}]", "[max({0}, {1}) > {2}]"),
    partial_latex=(r"[{1} \le {0} \le {2}]", r"[{0} < {1} \le {2}]",
                   r"[\max({0}, {1}) > {2}]"))


def clip(x, a_min=None, a_max=None):
    """``x`` limited to the interval ``[a_min, a_max]`` (None: no bound), like ``numpy.clip``.

    The bounds may be traced too; see the ``clip`` entry for the convention at a bound.
    """
    if a_min is None and a_max is None:
        return x
    low = -math.inf if a_min is None else a_min
    high = math.inf if a_max is None else a_max
    return clip_(*[float(v) if type(v) is int else v for v in (x, low, high)])


# ---------------------------------------------------------------- remainder and floor division

floor_divide = define(
    "floor_divide", binary(operator.floordiv, _real("floor_divide", np.floor_divide)),
    operator="//", ufunc=np.floor_divide,
    partials=(lambda x, y, out: 0.0, lambda x, y, out: 0.0),
    domain="the divisor must not be zero",
    note=PIECEWISE_CONSTANT.format(name="x // y", where=" (where x/y is an integer)"),
    text="⌊{0} / {1}⌋", latex=r"\left\lfloor \frac{{{0}}}{{{1}}} \right\rfloor",
    partial_text=("0", "0"), partial_latex=("0", "0"))
mod = define(
    "mod", binary(operator.mod, _real("mod", np.remainder)), operator="%", ufunc=np.remainder,
    # x mod y = x - y⌊x/y⌋, with ⌊x/y⌋ the quotient numpy's floor_divide computes (x // y): the
    # one that goes with the remainder (1 % 0.1 is 0.0999..., 1 // 0.1 is 9, floor(1 / 0.1) is 10)
    partials=(ONE, lambda x, y, out: -floor_divide(x, y)),
    domain="the divisor must not be zero",
    note="The remainder has the sign of the divisor, as Python's % and numpy.remainder (numpy.mod); "
         "its derivative jumps where x/y is an integer, and adlab takes the one-sided value of "
         "the quotient x // y there.",
    text="{0} mod {1}", latex=r"{0} \bmod {1}",
    partial_text=("1", "-⌊{0} / {1}⌋"),
    partial_latex=("1", r"-\left\lfloor \frac{{{0}}}{{{1}}} \right\rfloor"))


# ---------------------------------------------------------------- smooth functions

hypot = define("hypot", binary(math.hypot, _real("hypot", np.hypot)), ufunc=np.hypot,
               partials=(lambda x, y, out: x / out, lambda x, y, out: y / out),
               domain="its derivative needs a point other than (0, 0)",
               text="hypot({0}, {1})", latex=r"\sqrt{{{0}^2 + {1}^2}}",
               partial_text=("{0}/√({0}² + {1}²)", "{1}/√({0}² + {1}²)"),
               partial_latex=(r"\frac{{{0}}}{{\sqrt{{{0}^2 + {1}^2}}}}",
                              r"\frac{{{1}}}{{\sqrt{{{0}^2 + {1}^2}}}}"))
reciprocal = define("reciprocal", unary(lambda x: 1.0 / x, lambda x: 1.0 / x), ufunc=np.reciprocal,
                    partials=(lambda x, out: -(out * out),), domain="the input must not be zero",
                    text="1/{0}", latex=r"\frac{{1}}{{{0}}}", partial_text=("-1/{0}²",),
                    partial_latex=(r"-\frac{{1}}{{{0}^2}}",))
exp2 = define("exp2", unary(lambda x: 2.0 ** x, np.exp2), ufunc=np.exp2,
              partials=(lambda x, out: out * math.log(2.0),),
              domain="exp2 overflows a float64 from 2^1024",
              text="2^{0}", latex="2^{{{0}}}", partial_text=("2^{0} × ln 2",),
              partial_latex=(r"2^{{{0}}} \ln 2",))
cbrt = define("cbrt", unary(math.cbrt, _real("cbrt", np.cbrt)), ufunc=np.cbrt,
              partials=(lambda x, out: 1.0 / (3.0 * (out * out)),),
              domain="its derivative needs a non-zero input (the cube root's slope is infinite "
                     "at 0)",
              text="∛{0}", latex=r"\sqrt[3]{{{0}}}", partial_text=("1/(3 ∛{0}²)",),
              partial_latex=(r"\frac{{1}}{{3 \sqrt[3]{{{0}}}^2}}",))
logaddexp2 = define(
    "logaddexp2", _real("logaddexp2", lambda x, y: _scalar(np.logaddexp2(x, y))),
    ufunc=np.logaddexp2,
    partials=(lambda x, y, out: exp2(x - out), lambda x, y, out: exp2(y - out)),
    text="log₂(2^{0} + 2^{1})", latex=r"\log_2(2^{{{0}}} + 2^{{{1}}})",
    # exp2(x - out) = 2^x / (2^x + 2^y) = σ((x - y) ln 2), written with the inputs
    partial_text=("σ(({0} - {1}) ln 2)", "σ(({1} - {0}) ln 2)"),
    partial_latex=(r"\sigma(({0} - {1}) \ln 2)", r"\sigma(({1} - {0}) \ln 2)"))


def _sinc_float(x):
    if x == 0:
        return 1.0
    y = math.pi * x
    return math.sin(y) / y


#: sinc'(x) = Σ_{n≥1} c_n x^(2n-1), c_n = (-1)^n π^(2n) 2n / (2n+1)!: the series of the derivative
#: at 0, where (cos πx - sinc x)/x reads 0/0. Its value at 0 is 0, and its derivatives there are
#: sinc's higher derivatives, exact to order 2 × 8.
SINC_SERIES = tuple((-1) ** n * math.pi ** (2 * n) * 2 * n / math.factorial(2 * n + 1)
                    for n in range(1, 9))


def _sinc_series(x):
    square = x * x
    total = SINC_SERIES[-1]
    for c in reversed(SINC_SERIES[:-1]):
        total = total * square + c
    return total * x


def _sinc_partial(x, out):
    """sinc'(x) = (cos πx - sinc x)/x; at x = 0 its limit 0, from the series (exact to order 16)."""
    at_zero = raw(x) == 0
    if not np.any(at_zero):
        return (cos(math.pi * x) - out) / x
    if np.ndim(at_zero) == 0:
        return _sinc_series(x)
    safe = where(at_zero, 1.0, x)  # the general formula away from 0, a finite number at 0
    return where(at_zero, _sinc_series(x), (cos(math.pi * safe) - out) / safe)


sinc = define("sinc", unary(_sinc_float, np.sinc), partials=(_sinc_partial,),
              note="sinc is numpy's normalised sinc, sin(πx)/(πx), 1 at 0; its derivative at 0 is "
                   "0 exactly, and higher derivatives there come from its series (exact to order "
                   "16).",
              text="sinc {0}", latex=r"\operatorname{{sinc}} {0}",
              partial_text=("(cos(π × {0}) - sinc {0})/{0}",),
              partial_latex=(r"\frac{{\cos(\pi {0}) - \operatorname{{sinc}} {0}}}{{{0}}}",))


# ---------------------------------------------------------------- numpy's functions on traced values

def _no_out(name, out, kwargs=()):
    """numpy's ``out=`` (writing into an array) cannot be traced: the clear error for it."""
    if out is not None or kwargs:
        given = (["out"] if out is not None else []) + sorted(kwargs)
        raise unsupported(f"numpy.{name} with arguments {given}")


def _numpy_clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None,  # noqa: A002
                **kwargs):
    _no_out("clip", out, kwargs)
    return clip(a, a_min if a_min is not None else min, a_max if a_max is not None else max)


def _numpy_round(a, decimals=0, out=None):
    _no_out("round", out)
    return round(a, decimals)


def _numpy_fix(x, out=None):
    _no_out("fix", out)
    return trunc(x)


implements(np.clip)(_numpy_clip)
implements(np.round)(_numpy_round)
implements(np.around)(_numpy_round)
implements(np.fix)(_numpy_fix)
implements(np.sinc)(sinc)

#: Functions composed of entries: none here (round and clip are their entries' functions).
COMPOSED = ()
