"""The fast paths are equivalent optimisations of the plain algorithm a student reads.

- ``bind1`` / ``bind2`` (what operators and functions call) and ``UnaryPrimitive``'s float path
  record the same nodes and return the same values (or raise the same error) as ``bind``;
- ``fast.adjoint_loop`` computes the same adjoints as the plain ``sweeps.adjoint_loop``.

Random programs (Hypothesis) on scalars and arrays (with broadcasting), whose operations reuse
earlier nodes (fan-out), on one tape, on nested tapes (a function of an outer traced value) and
on no tape at all. Values are compared exactly: the fast paths do the same arithmetic.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import adlab as ad
from adlab.engine import fast, sweeps
from adlab.engine.recording import record
from adlab.engine.tape import PRIMITIVES, Tape, Traced, bind, raw, strict_begin, strict_end


def spellings(written, name):
    """(as a program writes it, the plain ``bind`` on the table's entry, the entry called)."""
    return (written, lambda *args: bind(PRIMITIVES[name], *args),
            lambda *args: PRIMITIVES[name](*args))


WRITTEN, PLAIN, CALLED = 0, 1, 2
BINARY = {
    "add": spellings(lambda a, b: a + b, "add"),
    "sub": spellings(lambda a, b: a - b, "sub"),
    "mul": spellings(lambda a, b: a * b, "mul"),
    "div": spellings(lambda a, b: a / b, "div"),
    "pow": spellings(lambda a, b: a ** b, "pow"),
    "maximum": spellings(ad.maximum, "maximum"),
    "minimum": spellings(ad.minimum, "minimum"),
    "logaddexp": spellings(ad.logaddexp, "logaddexp"),
    "arctan2": spellings(ad.arctan2, "arctan2"),
    "mod": spellings(lambda a, b: a % b, "mod"),
    "floor_divide": spellings(lambda a, b: a // b, "floor_divide"),
    "hypot": spellings(ad.hypot, "hypot"),
}
UNARY = {name: spellings(getattr(ad, name), name)
         for name in ("log", "exp", "sin", "cos", "tanh", "sqrt", "sigmoid", "relu", "square",
                      "arctan", "log1p", "abs", "floor", "sign", "cbrt", "sinc", "reciprocal")}
UNARY["neg"] = spellings(lambda a: -a, "neg")
UNARY["builtin abs"] = spellings(lambda a: abs(a), "abs")
UNARY["np.sin"] = spellings(np.sin, "sin")


@st.composite
def programs(draw, arrays=False):
    """(inputs, steps): a step applies an operation to earlier nodes or a constant."""
    n = draw(st.integers(1, 3))
    numbers = st.floats(-3.0, 3.0, allow_nan=False).map(lambda v: round(v, 2))
    if arrays:  # a vector, a matrix it broadcasts against, a number
        shapes = [draw(st.sampled_from([(), (3,), (2, 3)])) for _ in range(n)]
        inputs = [np.array(draw(st.lists(numbers, min_size=int(np.prod(s)),
                                         max_size=int(np.prod(s))))).reshape(s) if s
                  else draw(numbers) for s in shapes]
    else:
        inputs = [draw(numbers) for _ in range(n)]
    steps = []
    for s in range(draw(st.integers(1, 12))):
        earlier = st.integers(0, n + s - 1)  # any earlier node: fan-out
        if draw(st.booleans()):
            name = draw(st.sampled_from(sorted(BINARY)))
            left, right = draw(earlier), draw(st.one_of(earlier, numbers.map(lambda v: ("c", v))))
            if draw(st.booleans()):
                left, right = right, left  # a constant on the left: the reflected operator
            steps.append((name, left, right))
        else:
            steps.append((draw(st.sampled_from(sorted(UNARY))), draw(earlier)))
    return inputs, steps


def run(inputs, steps, spelling):
    """The program's nodes, each step computed with one of its spellings (WRITTEN, PLAIN, CALLED)."""
    nodes = list(inputs)

    def value(ref):
        return ref[1] if isinstance(ref, tuple) else nodes[ref]
    for name, *refs in steps:
        table = BINARY if len(refs) == 2 else UNARY
        nodes.append(table[name][spelling](*map(value, refs)))
    return nodes


def outcome(function):
    """What calling ``function`` gives: a value, or the error's type and message."""
    try:
        return "value", function()
    except (ad.AdlabError, ArithmeticError, ValueError, TypeError) as error:
        return "error", (type(error), str(error))


def same(a, b) -> bool:
    """Equal values, exactly (the same types of wrapper, equal numbers, equal shapes)."""
    if type(a) is Traced or type(b) is Traced:
        return type(a) is type(b) and same(a.value, b.value)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    a, b = np.asarray(raw(a)), np.asarray(raw(b))
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


def recorded(inputs, steps, spelling):
    """The tape a program records (and its output), or the error it raises."""
    def go():
        with Tape() as tape:
            traced = [tape.input(x) for x in inputs]
            out = run(traced, steps, spelling)[-1]
        return tape.nodes, out
    return outcome(go)


def assert_same_recording(fast_run, plain_run):
    assert fast_run[0] == plain_run[0], (fast_run, plain_run)
    if fast_run[0] == "error":
        assert fast_run[1] == plain_run[1]
        return
    (fast_nodes, fast_out), (plain_nodes, plain_out) = fast_run[1], plain_run[1]
    assert len(fast_nodes) == len(plain_nodes)
    for f, p in zip(fast_nodes, plain_nodes):
        assert f[0] is p[0] and f[1] == p[1], (f, p)  # the same primitive, the same parents
        assert same(f[2], p[2]) and same(f[3], p[3]), (f, p)  # the same arguments and value
    assert same(fast_out, plain_out)


SETTINGS = settings(max_examples=200, deadline=None)


@SETTINGS
@given(programs(), st.sampled_from([WRITTEN, CALLED]))
def test_fast_binds_record_what_bind_records_on_scalars(program, spelling):
    inputs, steps = program
    assert_same_recording(recorded(inputs, steps, spelling), recorded(inputs, steps, PLAIN))


@SETTINGS
@given(programs(arrays=True), st.sampled_from([WRITTEN, CALLED]))
def test_fast_binds_record_what_bind_records_on_arrays(program, spelling):
    inputs, steps = program
    assert_same_recording(recorded(inputs, steps, spelling), recorded(inputs, steps, PLAIN))


@SETTINGS
@given(programs(), st.booleans())
def test_fast_binds_compute_what_bind_computes_without_a_tape(program, arrays):
    """Plain values (as derivative rules see them in a sweep): the entries called directly."""
    inputs, steps = program
    inputs = [np.full(2, x) if arrays else x for x in inputs]
    fast_run = outcome(lambda: run(inputs, steps, CALLED)[-1])
    plain_run = outcome(lambda: run(inputs, steps, PLAIN)[-1])
    assert fast_run[0] == plain_run[0]
    assert same(fast_run[1], plain_run[1]) if fast_run[0] == "value" else \
        fast_run[1] == plain_run[1]


@SETTINGS
@given(programs())
def test_fast_binds_record_what_bind_records_on_nested_tapes(program):
    """An inner tape whose operations mix its inputs with an outer tape's values (grad of grad)."""
    inputs, steps = program

    def nested(spelling):
        def go():
            with Tape() as outer:
                xs = [outer.input(x) for x in inputs]
                with Tape() as inner:
                    ys = [inner.input(x * 1.0) for x in xs[:1]] + xs[1:]  # inner and outer values
                    out = run(ys, steps, spelling)[-1]
            return (outer.nodes + inner.nodes), out
        return outcome(go)
    assert_same_recording(nested(WRITTEN), nested(PLAIN))


# ------------------------------------------------------------------------------ the adjoint loop

STRUCTURAL = {
    "sum": lambda a, b: ad.sum(a),
    "sum axis": lambda a, b: ad.sum(a, axis=-1, keepdims=True) * b,
    "mean": lambda a, b: ad.mean(a) - b,
    "index": lambda a, b: a[..., 0] * b if np.ndim(raw(a)) else a * b,
    "matmul": lambda a, b: (a * np.ones(3)) @ (b * np.ones(3)),
    "max": lambda a, b: ad.max(a * 1.0) + b,
    "where": lambda a, b: ad.where(raw(a) > 0, a, b),
    "transpose": lambda a, b: ad.transpose(a * np.ones((2, 3))) * b,
}


@st.composite
def array_programs(draw):
    inputs, steps = draw(programs(arrays=True))
    for _ in range(draw(st.integers(0, 3))):  # structural operations among them
        k = len(inputs) + len(steps)
        steps.insert(len(steps), ("structural", draw(st.sampled_from(sorted(STRUCTURAL))),
                                  draw(st.integers(0, k - 1)), draw(st.integers(0, k - 1))))
    return inputs, steps


def run_with_structural(inputs, steps):
    nodes = list(inputs)
    for step in steps:
        if step[0] == "structural":
            _, name, i, j = step
            nodes.append(STRUCTURAL[name](nodes[i], nodes[j]))
        else:
            nodes.append(run(nodes, [(step[0], *step[1:])], WRITTEN)[-1])
    return ad.sum(nodes[-1] * 1.0)


def both_loops(nodes, n_inputs, seeds):
    """The adjoints from the plain loop and from the fast one, or the error each raised."""
    results = []
    for loop in (sweeps.adjoint_loop, fast.adjoint_loop):
        adjoints = [None] * len(nodes)
        for p, g in seeds:
            adjoints[p] = g
        strict_begin()
        try:
            results.append(outcome(lambda: loop(nodes, n_inputs, adjoints) or adjoints))
        finally:
            strict_end()
    return results


def assert_same_adjoints(plain_run, fast_run):
    assert plain_run[0] == fast_run[0], (plain_run, fast_run)
    if plain_run[0] == "error":
        assert plain_run[1] == fast_run[1]
        return
    for a, b in zip(plain_run[1], fast_run[1]):
        assert (a is None) == (b is None) and (a is None or same(a, b)), (a, b)


@SETTINGS
@given(programs())
def test_fast_adjoint_loop_equals_the_plain_loop_on_scalar_graphs(program):
    inputs, steps = program
    rec = outcome(lambda: record(lambda *xs: run(xs, steps, WRITTEN)[-1], tuple(inputs)))
    if rec[0] == "error" or rec[1].output_parents[0] is None:
        return
    rec = rec[1]
    assert_same_adjoints(*both_loops(rec.nodes, rec.n_inputs, rec.seeds([1.0])))


@SETTINGS
@given(array_programs())
def test_fast_adjoint_loop_equals_the_plain_loop_on_array_graphs(program):
    inputs, steps = program
    rec = outcome(lambda: record(lambda *xs: run_with_structural(xs, steps), tuple(inputs)))
    if rec[0] == "error" or rec[1].output_parents[0] is None:
        return
    rec = rec[1]
    assert_same_adjoints(*both_loops(rec.nodes, rec.n_inputs, rec.seeds([1.0])))


@SETTINGS
@given(programs(), st.floats(-2.0, 2.0, allow_nan=False))
def test_fast_adjoint_loop_equals_the_plain_loop_with_traced_adjoints(program, seed):
    """In grad of grad the adjoints are traced values of an outer tape: the loops record."""
    inputs, steps = program
    rec = outcome(lambda: record(lambda *xs: run(xs, steps, WRITTEN)[-1], tuple(inputs)))
    if rec[0] == "error" or rec[1].output_parents[0] is None:
        return
    rec = rec[1]
    with Tape() as outer:
        g = outer.input(seed)
        results = both_loops(rec.nodes, rec.n_inputs, rec.seeds([g]))
    assert_same_adjoints(*results)


def test_the_reverse_sweep_uses_the_fast_loop_and_the_rows_the_plain_one(monkeypatch):
    """So the properties above cover what runs: grad runs fast.adjoint_loop, rows the plain loop."""
    calls = []
    for module in (fast, sweeps):
        real = module.adjoint_loop
        monkeypatch.setattr(module, "adjoint_loop",
                            lambda *a, _real=real, _m=module.__name__: calls.append(_m) or _real(*a))
    f = lambda x1, x2: ad.log(x1) + x1 * x2 - ad.sin(x2)  # noqa: E731
    ad.grad(f)(2.0, 5.0)
    assert calls == ["adlab.engine.fast"]
    calls.clear()
    trace = ad.reverse(f, (2.0, 5.0))
    trace.adjoint_rows
    assert calls == ["adlab.engine.fast", "adlab.engine.sweeps"]


@pytest.mark.parametrize("x", [0.5, -1.0, 1e300])
def test_a_float_fast_path_failure_is_reported_as_bind_reports_it(x):
    for name in ("log", "sqrt", "exp"):
        fast_run = outcome(lambda: PRIMITIVES[name](x))
        plain_run = outcome(lambda: bind(PRIMITIVES[name], x))
        assert fast_run[0] == plain_run[0]
        assert same(fast_run[1], plain_run[1]) if fast_run[0] == "value" else \
            fast_run[1] == plain_run[1]


# ------------------------------------------------------------------------ rules' plain shortcuts

@SETTINGS
@given(st.integers(1, 40), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_rules_plain_shortcuts_give_the_general_numbers(batch, classes, seed):
    """tanh's partial in one temporary is ``1 - out²``; the scatter of ``x[rows(n), labels]`` by
    assignment is ``np.add.at``'s; the label check by one unsigned maximum is min/max's."""
    from adlab.engine.arrays import _indices_below
    from adlab.engine.primitives import _one_minus_square, _scatter_impl, rows
    rng = np.random.default_rng(seed)
    out = np.tanh(rng.normal(size=(batch, classes)) * 3)
    assert same(_one_minus_square(None, out), 1.0 - out * out)
    labels = rng.integers(0, classes, batch)
    for g in (rng.normal(size=batch), np.broadcast_to(rng.normal(), (batch,))):
        expected = np.zeros((batch, classes))
        np.add.at(expected, (np.arange(batch), labels), g)
        assert same(_scatter_impl(g, (rows(batch), labels), (batch, classes)), expected)
    for dtype in (np.int64, np.int32, np.int16, np.uint8):
        shifted = (labels - rng.integers(0, 2, batch)).astype(dtype)
        for n in (classes - 1, classes, classes + 1):
            assert _indices_below(shifted, n) == bool(shifted.min() >= 0 and shifted.max() < n)


# ---------------------------------------------------------------- value_and_grad's plain path

def general_value_and_grad(f, args, nums):
    """value_and_grad as the general path computes it: record, adjoint_sweep, input_gradients."""
    strict_begin()
    try:
        rec = record(f, args, nums)
        adjoints = sweeps.adjoint_sweep(rec.nodes, rec.n_inputs, rec.seeds([1.0]), release=True)
    finally:
        strict_end()
    return rec.output_values[0], rec.input_gradients(adjoints)


@SETTINGS
@given(array_programs(), st.booleans())
def test_value_and_grad_of_plain_arguments_equals_the_general_path(program, grouped):
    """Plain arguments (arrays, floats, a flat tuple of them) take value_and_grad's short path:
    the same value and gradients, or the same error, as record + adjoint_sweep."""
    inputs, steps = program
    if grouped:  # one argument, a tuple of leaves (the MLP's parameters)
        f, args = (lambda xs, scale: run_with_structural(xs, steps) * scale), (tuple(inputs), 2.0)
        nums = (0,)
    else:
        f, args, nums = (lambda *xs: run_with_structural(xs, steps)), tuple(inputs), \
            tuple(range(len(inputs)))
    assert ad.engine.transforms._plain_arguments(args, nums)
    short = outcome(lambda: ad.value_and_grad(f, nums)(*args))
    general = outcome(lambda: general_value_and_grad(f, args, nums))
    assert short[0] == general[0], (short, general)
    if short[0] == "error":
        assert short[1] == general[1]
        return
    (v1, g1), (v2, g2) = short[1], general[1]
    assert same(v1, v2)
    assert len(g1) == len(g2) and all(same(a, b) for a, b in zip(g1, g2)), (g1, g2)


def test_value_and_grad_s_short_path_hands_other_results_to_the_general_one():
    """A constant result, an array, a 0-d array: decided after the call, from its recording."""
    x = np.array([1.0, 2.0])
    assert ad.value_and_grad(lambda x: 3.0)(x)[1].tolist() == [0.0, 0.0]
    assert ad.value_and_grad(lambda x: ad.sum(x) * np.ones(()))(x)[1].tolist() == [1.0, 1.0]
    with pytest.raises(ad.InputError, match="to return one number"):
        ad.value_and_grad(lambda x: x * 2.0)(x)
    with ad.count_sweeps() as n:
        ad.grad(lambda x: ad.sum(x * x))(x)
    assert n.adjoint == 1


@SETTINGS
@given(st.lists(st.sampled_from([0.0, 1.5, -2.0, 700.0, -np.inf, np.inf, np.nan]), min_size=6,
                max_size=6), st.integers(0, 2**32 - 1))
def test_logsumexp_without_its_finiteness_check_under_the_strict_mode_is_the_same(values, seed):
    """In the strict mode x - max(x) raising tells a maximum that is not finite: the same results
    and errors as the check it replaces (run under an equal np.errstate, which is not the mode)."""
    from adlab.engine.arrays import _logsumexp_impl
    x = np.array(values).reshape(2, 3) + np.random.default_rng(seed).normal(size=(2, 3))

    def under(mode):
        if mode == "strict":
            strict_begin()
            try:
                return outcome(lambda: _logsumexp_impl(x, -1, True))
            finally:
                strict_end()
        with np.errstate(divide="raise", invalid="raise", over="raise"):
            return outcome(lambda: _logsumexp_impl(x, -1, True))
    fast_run, checked_run = under("strict"), under("errstate")
    assert fast_run[0] == checked_run[0]
    if fast_run[0] == "value":
        assert np.array_equal(fast_run[1], checked_run[1], equal_nan=True)
    else:
        assert fast_run[1] == checked_run[1]
