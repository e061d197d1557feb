"""Property-based tests: random computation graphs over the primitives, at random points.

A program is a list of steps; each step applies an operation to earlier nodes (any of them, so nodes
are reused: fan-out) and constants. The same program runs twice:

- on adlab (forward mode, reverse mode, nested modes), and
- on :class:`Ref`, an independent evaluator written here with ``cmath``: the complex-step method
  (``f'(x) = Im f(x + ih) / h`` with ``h = 1e-20``) gives first derivatives exact to rounding, with no
  subtractive cancellation; abs, relu and max are extended to complex numbers by the sign of the real
  part, which is exact away from their kinks. ``Ref`` also counts operations, records the graph and
  measures how close each evaluation came to a kink.

Domains are respected by construction (``log(1 + a²)``, ``sqrt(1 + a²)``, ``tan(tanh a)``, a divisor
``1.5 + sin b``); examples that overflow, or come within 1e-3 of a kink, are rejected.

Tolerances: AD and complex step each carry rounding errors of a few ulps of the largest magnitude
met along the computation (value or derivative), so they are compared to ``1e-9 × scale`` where
``scale = 1 + max |v_i| + max |dv_i/dx|`` over the program's nodes, measured on the reference.
Forward and reverse mode multiply the same partials in different orders: ``1e-11 × scale``.
"""
from __future__ import annotations

import cmath
import math
import unicodedata

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import adlab as ad

H = 1e-20
KINK_MARGIN = 1e-3
MAX_MAGNITUDE = 1e5


class Context:
    """One reference evaluation: the graph it builds and how close it came to a kink."""

    def __init__(self):
        self.parents: list[tuple] = []   # per node: ids of the node arguments
        self.values: list[complex] = []
        self.kink = math.inf

    def node(self, z, *operands):
        self.parents.append(tuple(o.id for o in operands if isinstance(o, Ref)))
        self.values.append(z)
        return Ref(self, z, len(self.values) - 1)

    def near_kink(self, distance):
        self.kink = min(self.kink, abs(distance))


def _z(x):
    return x.z if isinstance(x, Ref) else complex(x)


class Ref:
    """A complex value with a node id; arithmetic records a node in its context."""

    __slots__ = ("ctx", "z", "id")

    def __init__(self, ctx, z, id):
        self.ctx, self.z, self.id = ctx, z, id

    def _binary(self, other, op, reflected=False):
        a, b = (other, self) if reflected else (self, other)
        return self.ctx.node(op(_z(a), _z(b)), a, b)

    def __add__(self, o): return self._binary(o, lambda a, b: a + b)
    def __radd__(self, o): return self._binary(o, lambda a, b: a + b, True)
    def __sub__(self, o): return self._binary(o, lambda a, b: a - b)
    def __rsub__(self, o): return self._binary(o, lambda a, b: a - b, True)
    def __mul__(self, o): return self._binary(o, lambda a, b: a * b)
    def __rmul__(self, o): return self._binary(o, lambda a, b: a * b, True)
    def __truediv__(self, o): return self._binary(o, lambda a, b: a / b)
    def __rtruediv__(self, o): return self._binary(o, lambda a, b: a / b, True)
    def __pow__(self, o): return self._binary(o, _cpow)
    def __rpow__(self, o): return self._binary(o, _cpow, True)
    def __neg__(self): return self.ctx.node(-self.z, self)
    def __abs__(self): return RefMath.abs(self)


def _cpow(a, b):
    if b.imag == 0 and b.real == int(b.real):
        return a ** int(b.real)
    return cmath.exp(b * cmath.log(a))


def _unary(fn, kink=False):
    def apply(x):
        if kink:
            x.ctx.near_kink(x.z.real)
        return x.ctx.node(fn(x.z), x)
    return staticmethod(apply)


class RefMath:
    """The primitives, written from their definitions for complex arguments."""

    log = _unary(cmath.log)
    exp = _unary(cmath.exp)
    sin = _unary(cmath.sin)
    cos = _unary(cmath.cos)
    tan = _unary(cmath.tan)
    tanh = _unary(cmath.tanh)
    sqrt = _unary(cmath.sqrt)
    sigmoid = _unary(lambda z: 1 / (1 + cmath.exp(-z)))
    abs = _unary(lambda z: z if z.real >= 0 else -z, kink=True)
    relu = _unary(lambda z: z if z.real > 0 else 0j, kink=True)

    @staticmethod
    def maximum(a, b):
        a.ctx.near_kink(a.z.real - b.z.real)
        return a.ctx.node(a.z if a.z.real >= b.z.real else b.z, a, b)

    @staticmethod
    def minimum(a, b):
        a.ctx.near_kink(a.z.real - b.z.real)
        return a.ctx.node(a.z if a.z.real <= b.z.real else b.z, a, b)


# name -> (m, a, b, c) -> result; m is adlab or RefMath; a, b nodes; c a constant
OPS = {
    "add": lambda m, a, b, c: a + b,
    "sub": lambda m, a, b, c: a - b,
    "mul": lambda m, a, b, c: a * b,
    "div": lambda m, a, b, c: a / (1.5 + m.sin(b)),
    "neg": lambda m, a, b, c: -a,
    "square": lambda m, a, b, c: a ** 2,
    "cube": lambda m, a, b, c: a ** 3,
    "pow": lambda m, a, b, c: (1.0 + a * a) ** m.tanh(b),
    "const base": lambda m, a, b, c: 2.0 ** m.sin(a),
    "const left": lambda m, a, b, c: c - a,
    "const right": lambda m, a, b, c: a * c + c,
    "const over": lambda m, a, b, c: c / (1.0 + a * a),
    "log": lambda m, a, b, c: m.log(1.0 + a * a),
    "log abs": lambda m, a, b, c: m.log(m.abs(a) + 1.0),
    "log exp": lambda m, a, b, c: m.log(m.exp(a) + m.exp(b)),
    "exp": lambda m, a, b, c: m.exp(a),
    "sin": lambda m, a, b, c: m.sin(a),
    "cos": lambda m, a, b, c: m.cos(a),
    "tan": lambda m, a, b, c: m.tan(m.tanh(a)),
    "tanh": lambda m, a, b, c: m.tanh(a),
    "sigmoid": lambda m, a, b, c: m.sigmoid(a),
    "sqrt": lambda m, a, b, c: m.sqrt(1.0 + a * a),
    "abs": lambda m, a, b, c: abs(a),
    "relu": lambda m, a, b, c: m.relu(a),
    "maximum": lambda m, a, b, c: m.maximum(a, b),
    "minimum": lambda m, a, b, c: m.minimum(a, b),
}


@st.composite
def programs(draw, max_inputs=3, max_steps=10, ops=tuple(OPS)):
    n = draw(st.integers(1, max_inputs))
    steps = []
    for s in range(draw(st.integers(1, max_steps))):
        # arguments may be any earlier node: nodes get reused (fan-out)
        op = draw(st.sampled_from(ops))
        i, j = draw(st.integers(0, n + s - 1)), draw(st.integers(0, n + s - 1))
        steps.append((op, i, j, draw(st.sampled_from([0.5, -1.5, 2.0, 3.0]))))
    xs = tuple(draw(st.floats(-2.0, 2.0, allow_nan=False)) for _ in range(n))
    return n, steps, xs


def run(steps, m, xs):
    nodes = list(xs)
    for op, i, j, c in steps:
        nodes.append(OPS[op](m, nodes[i], nodes[j], c))
    return nodes[-1]


def as_function(steps):
    def f(*xs):
        return run(steps, ad, xs)
    return f


def reference(steps, xs, direction):
    """Value, directional derivative, the context (graph), and the magnitude scale."""
    ctx = Context()
    inputs = [ctx.node(complex(x, H * d)) for x, d in zip(xs, direction)]
    try:
        out = run(steps, RefMath, inputs)
    except (OverflowError, ValueError, ZeroDivisionError):
        assume(False)
    values = np.array(ctx.values)
    ok = np.all(np.isfinite(values)) and np.max(np.abs(values.real)) < MAX_MAGNITUDE
    assume(ok and ctx.kink > KINK_MARGIN)
    scale = 1 + np.max(np.abs(values.real)) + np.max(np.abs(values.imag)) / H
    return out.z.real, out.z.imag / H, ctx, scale


def reference_gradient(steps, xs):
    grads, scale = [], 1.0
    for k in range(len(xs)):
        value, d, ctx, s = reference(steps, xs, [1.0 if i == k else 0.0 for i in range(len(xs))])
        grads.append(d)
        scale = max(scale, s)
    return value, grads, ctx, scale


FAST = settings(max_examples=150, deadline=None)


@FAST
@given(programs())
def test_forward_equals_reverse_equals_complex_step(program):
    n, steps, xs = program
    value, ref_grad, _, scale = reference_gradient(steps, xs)
    f = as_function(steps)
    tol = 1e-9 * scale

    rev = ad.grad(f, argnums=tuple(range(n)))(*xs)
    trace = ad.reverse(f, xs)
    fwd = [ad.forward(f, xs, tuple(1.0 if i == k else 0.0 for i in range(n))).tangent
           for k in range(n)]
    assert abs(trace.value - value) <= tol
    for k in range(n):
        assert abs(rev[k] - ref_grad[k]) <= tol, (k, rev, ref_grad)
        assert abs(fwd[k] - rev[k]) <= 1e-11 * scale, (k, fwd, rev)
        assert trace.grad[k] == rev[k]


@FAST
@given(programs(), st.lists(st.floats(-1.0, 1.0), min_size=3, max_size=3))
def test_jvp_is_the_gradient_dotted_with_the_direction(program, u):
    n, steps, xs = program
    u = tuple(u[:n])
    value, derivative, _, scale = reference(steps, xs, u)
    y, ydot = ad.jvp(as_function(steps), xs, u)
    assert abs(y - value) <= 1e-9 * scale
    assert abs(ydot - derivative) <= 1e-9 * scale
    _, pullback = ad.vjp(as_function(steps), *xs)
    assert abs(sum(g * d for g, d in zip(pullback(1.0), u)) - ydot) <= 1e-11 * scale


@FAST
@given(programs())
def test_central_differences_agree_with_the_complex_step_reference(program):
    """A check of the reference itself, with a tolerance fit for central differences."""
    n, steps, xs = program
    _, ref_grad, _, scale = reference_gradient(steps, xs)
    for k in range(n):
        h = 1e-6
        plus = [x + (h if i == k else 0.0) for i, x in enumerate(xs)]
        minus = [x - (h if i == k else 0.0) for i, x in enumerate(xs)]
        fp, _, _, _ = reference(steps, plus, [0.0] * n)
        fm, _, _, _ = reference(steps, minus, [0.0] * n)
        assert abs((fp - fm) / (2 * h) - ref_grad[k]) <= 1e-4 * scale


@FAST
@given(programs())
def test_trace_rows_match_the_graph(program):
    """Row counts follow the graph: one primal row per operation, one adjoint row per edge reached
    backwards from the output, and `accumulates` on every use of a node after its first."""
    n, steps, xs = program
    _, _, ctx, _ = reference_gradient(steps, xs)
    trace = ad.reverse(as_function(steps), xs)
    n_ops = len(ctx.parents) - n
    assert len(trace.primal_rows) == n + n_ops + 1
    assert trace.cost.ops_function == n_ops

    reached = {len(ctx.parents) - 1}
    for i in range(len(ctx.parents) - 1, n - 1, -1):
        if i in reached:
            reached.update(ctx.parents[i])
    uses = {}
    for i in reached:
        if i >= n:
            for p in ctx.parents[i]:
                uses[p] = uses.get(p, 0) + 1
    contributions = [r for r in trace.adjoint_rows if r.source is not None]
    assert len(contributions) == sum(uses.values())
    accumulating = {}
    for row in contributions:
        accumulating[row.node] = accumulating.get(row.node, 0) + row.accumulates
    assert accumulating == {p: k - 1 for p, k in uses.items()}
    assert len(trace.adjoint_rows) == 1 + sum(uses.values()) + n
    bar = unicodedata.normalize("NFC", "v\u0304")
    assert all(unicodedata.normalize("NFC", r.name).startswith(bar) for r in contributions)


@settings(max_examples=60, deadline=None)
@given(programs(max_inputs=1, max_steps=7))
def test_second_derivatives_agree_across_nestings_and_with_a_reference(program):
    """Reference f'' = central difference (h = 1e-5) of complex-step f': truncation h²/6·f''' and
    rounding eps·|f'|/h are below 1e-6 × scale for these bounded programs."""
    _, steps, (x,) = program
    f = as_function(steps)
    h = 1e-5
    d_plus = reference(steps, (x + h,), (1.0,))
    d_minus = reference(steps, (x - h,), (1.0,))
    _, _, _, scale = reference(steps, (x,), (1.0,))
    scale = max(scale, d_plus[3], d_minus[3])
    ref = (d_plus[1] - d_minus[1]) / (2 * h)

    df = ad.grad(f)
    rr = ad.grad(df)(x)
    fr = ad.jvp(df, (x,), (1.0,))[1]
    rf = ad.grad(lambda x: ad.jvp(f, (x,), (1.0,))[1])(x)
    ff = ad.jvp(lambda x: ad.jvp(f, (x,), (1.0,))[1], (x,), (1.0,))[1]
    assert abs(rr - ref) <= 1e-5 * scale * (1 + abs(ref))
    for other in (fr, rf, ff):
        assert abs(other - rr) <= 1e-10 * scale * (1 + abs(rr))


@settings(max_examples=60, deadline=None)
@given(programs(max_inputs=2, max_steps=8), st.lists(st.floats(-2.0, 2.0), min_size=6, max_size=6))
def test_array_inputs_give_the_scalar_derivatives_elementwise(program, points):
    """The same program on arrays of 3 points: the gradient of the sum is the scalar gradients."""
    n, steps, _ = program
    columns = [np.array(points[3 * k:3 * k + 3]) for k in range(n)]
    expected = []
    for j in range(3):
        xs = tuple(float(c[j]) for c in columns)
        _, grads, _, scale = reference_gradient(steps, xs)
        expected.append((grads, scale))
    f = as_function(steps)
    got = ad.grad(lambda *xs: ad.sum(f(*xs) * np.ones(3)), argnums=tuple(range(n)))(*columns)
    for k in range(n):
        assert np.shape(got[k]) == (3,)
        for j in range(3):
            grads, scale = expected[j]
            assert abs(got[k][j] - grads[k]) <= 1e-9 * scale
