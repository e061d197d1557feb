"""Baydin et al. (2018), Tables 2 and 3, value by value: f(x1, x2) = ln x1 + x1 x2 - sin x2 at (2, 5).

The expected numbers and formulas are typed in from the survey (rounded to 3 decimals as printed
there); exact values are checked against the closed forms.
"""
from __future__ import annotations

import math
import unicodedata

import pytest

import adlab as ad
from conftest import SURVEY_GRAD, SURVEY_POINT, sub, survey_f, survey_f_math

# Table 2, left column: the forward primal trace
PRIMAL = [  # (name, formula as printed, value as printed)
    ("v-1", "v-1 = x1", 2.0),
    ("v0", "v0 = x2", 5.0),
    ("v1", "v1 = ln v-1", 0.693),
    ("v2", "v2 = v-1 × v0", 10.0),
    ("v3", "v3 = sin v0", -0.959),
    ("v4", "v4 = v1 + v2", 10.693),
    ("v5", "v5 = v4 - v3", 11.652),
    ("y", "y = v5", 11.652),
]
# Table 2, right column: the forward tangent trace with ẋ1 = 1, ẋ2 = 0
TANGENT = [
    ("v̇-1", "v̇-1 = ẋ1", 1.0),
    ("v̇0", "v̇0 = ẋ2", 0.0),
    ("v̇1", "v̇1 = v̇-1 / v-1", 0.5),
    ("v̇2", "v̇2 = v̇-1 × v0 + v̇0 × v-1", 5.0),
    ("v̇3", "v̇3 = v̇0 × cos v0", 0.0),
    ("v̇4", "v̇4 = v̇1 + v̇2", 5.5),
    ("v̇5", "v̇5 = v̇4 - v̇3", 5.5),
    ("ẏ", "ẏ = v̇5", 5.5),
]
# Table 3, the adjoint trace in the order the reverse sweep computes it
ADJOINT = [  # (name, formula, value, accumulates)
    ("v̄5", "v̄5 = ȳ", 1.0, False),
    ("v̄4", "v̄4 = v̄5 × 1", 1.0, False),
    ("v̄3", "v̄3 = v̄5 × (-1)", -1.0, False),
    ("v̄1", "v̄1 = v̄4 × 1", 1.0, False),
    ("v̄2", "v̄2 = v̄4 × 1", 1.0, False),
    ("v̄0", "v̄0 = v̄3 × cos v0", -0.284, False),
    ("v̄-1", "v̄-1 = v̄2 × v0", 5.0, False),
    ("v̄0", "v̄0 = v̄0 + v̄2 × v-1", 1.716, True),
    ("v̄-1", "v̄-1 = v̄-1 + v̄1 / v-1", 5.5, True),
    ("x̄2", "x̄2 = v̄0", 1.716, False),
    ("x̄1", "x̄1 = v̄-1", 5.5, False),
]


def nfc(text):
    """Compare text, not code points: ẏ may be one character or y + a combining dot."""
    if isinstance(text, list):
        return [nfc(t) for t in text]
    return unicodedata.normalize("NFC", text)


@pytest.fixture(scope="module")
def forward_trace():
    return ad.forward(survey_f, SURVEY_POINT, (1.0, 0.0))


@pytest.fixture(scope="module")
def reverse_trace():
    return ad.reverse(survey_f, SURVEY_POINT)


def test_forward_value_and_tangent(forward_trace):
    assert forward_trace.value == pytest.approx(survey_f_math(*SURVEY_POINT), rel=1e-15)
    assert forward_trace.tangent == pytest.approx(SURVEY_GRAD[0], rel=1e-15)


def test_reverse_value_and_gradient(reverse_trace):
    assert reverse_trace.value == pytest.approx(survey_f_math(*SURVEY_POINT), rel=1e-15)
    assert reverse_trace.grad == pytest.approx(SURVEY_GRAD, rel=1e-15)
    assert isinstance(reverse_trace.grad, tuple)


def test_primal_trace_row_by_row(forward_trace, reverse_trace):
    for trace in (forward_trace, reverse_trace):
        rows = trace.primal_rows
        assert nfc([r.name for r in rows]) == nfc([name for name, _, _ in PRIMAL])
        assert nfc([r.formula for r in rows]) == nfc([formula for _, formula, _ in PRIMAL])
        for row, (_, _, printed) in zip(rows, PRIMAL):
            assert round(row.value, 3) == printed, row
        assert [r.kind for r in rows] == ["input"] * 2 + ["primal"] * 5 + ["output"]
        assert [r.op for r in rows[2:7]] == ["log", "mul", "sin", "add", "sub"]


def test_primal_rows_are_structured(forward_trace):
    rows = forward_trace.primal_rows
    # node numbering: tape indices 0, 1 are the inputs v-1, v0; v1.. are the operations
    assert [r.node for r in rows[:7]] == list(range(7))
    assert rows[2].inputs == (0,)           # v1 = ln v-1
    assert rows[3].inputs == (0, 1)         # v2 = v-1 × v0
    assert rows[6].inputs == (5, 4)         # v5 = v4 - v3
    assert rows[7].inputs == (6,)           # y = v5
    assert r"\ln v_{-1}" in rows[2].latex and rows[2].latex.startswith("v_{1} =")
    assert r"\sin v_{0}" in rows[4].latex
    assert rows[3].text == "v2 = v-1 × v0 = 2 × 5 = 10"
    assert rows[2].text.startswith("v1 = ln v-1 = ln 2 = 0.693")


def test_tangent_trace_row_by_row(forward_trace):
    rows = forward_trace.tangent_rows
    assert nfc([r.name for r in rows]) == nfc([name for name, _, _ in TANGENT])
    assert nfc([r.formula for r in rows]) == nfc([formula for _, formula, _ in TANGENT])
    for row, (_, _, printed) in zip(rows, TANGENT):
        assert round(row.value, 3) == printed, row
    assert nfc(rows[3].text) == nfc("v̇2 = v̇-1 × v0 + v̇0 × v-1 = 1 × 5 + 0 × 2 = 5")


def test_forward_rows_interleave_primal_and_tangent(forward_trace):
    rows = forward_trace.rows
    assert len(rows) == 16
    assert [r.kind for r in rows[4:8]] == ["primal", "tangent", "primal", "tangent"]
    assert nfc([r.name for r in rows[4:8]]) == nfc(["v1", "v̇1", "v2", "v̇2"])


def test_adjoint_trace_row_by_row_in_sweep_order(reverse_trace):
    rows = reverse_trace.adjoint_rows
    assert nfc([r.name for r in rows]) == nfc([name for name, _, _, _ in ADJOINT])
    assert nfc([r.formula for r in rows]) == nfc([formula for _, formula, _, _ in ADJOINT])
    for row, (_, _, printed, accumulates) in zip(rows, ADJOINT):
        assert round(row.value, 3) == printed, row
        assert row.accumulates is accumulates, row
    assert all(r.kind == "adjoint" for r in rows)
    assert reverse_trace.rows == reverse_trace.primal_rows + rows


def test_adjoint_rows_record_where_each_contribution_comes_from(reverse_trace):
    rows = reverse_trace.adjoint_rows
    # v̄0 = v̄0 + v̄2 × v-1: node v0 (index 1) receives v̄2 · ∂v2/∂v0 = 1 × 2 from v2 (index 3)
    row = rows[7]
    assert (row.node, row.source, row.contribution, row.op) == (1, 3, 2.0, "mul")
    assert row.value == pytest.approx(2 - math.cos(5), rel=1e-15)
    assert row.numbers == "(-0.284) + 1 × 2"
    # v̄-1 = v̄-1 + v̄1 / v-1: node v-1 (index 0) receives 1 / 2 from v1 (index 2)
    row = rows[8]
    assert (row.node, row.source, row.contribution) == (0, 2, 0.5)
    assert r"\bar{v}_{-1} = \bar{v}_{-1} + \frac{\bar{v}_{1}}{v_{-1}}" == row.latex
    # accumulation happens exactly on the second use of each input: the fan-out of v-1 and v0
    assert nfc([r.name for r in rows if r.accumulates]) == nfc(["v̄0", "v̄-1"])


def test_str_prints_the_tables(forward_trace, reverse_trace):
    text = nfc(str(forward_trace))
    for line in ["v-1 = x1 = 2", "v1 = ln v-1 = ln 2 = 0.693", "v5 = v4 - v3",
                 "v̇1 = v̇-1 / v-1 = 1 / 2 = 0.5", "v̇2 = v̇-1 × v0 + v̇0 × v-1", "ẏ = v̇5 = 5.5"]:
        assert nfc(line) in nfc(text), line
    text = nfc(str(reverse_trace))
    for line in ["v5 = v4 - v3 = 10.693 - (-0.959) = 11.652", "v̄5 = ȳ = 1",
                 "v̄0 = v̄3 × cos v0 = (-1) × cos 5 = -0.284",
                 "v̄0 = v̄0 + v̄2 × v-1 = (-0.284) + 1 × 2 = 1.716",
                 "v̄-1 = v̄-1 + v̄1 / v-1 = 5 + 1 / 2 = 5.5", "x̄1 = v̄-1 = 5.5", "x̄2 = v̄0 = 1.716"]:
        assert nfc(line) in nfc(text), line
    # the adjoint lines appear in sweep order
    positions = [text.index(nfc(f"{name} = ")) for name in ("v̄5", "v̄4", "v̄3", "v̄1", "v̄2")]
    assert positions == sorted(positions)


def test_the_one_liner_numbers_nodes_in_python_evaluation_order():
    # ln x1 + x1 x2 - sin x2 evaluates the sum before sin: sin is v4, the subtraction v5 = v3 - v4
    trace = ad.reverse(lambda x1, x2: ad.log(x1) + x1 * x2 - ad.sin(x2), SURVEY_POINT)
    assert [r.formula for r in trace.primal_rows[2:7]] == [
        "v1 = ln v-1", "v2 = v-1 × v0", "v3 = v1 + v2", "v4 = sin v0", "v5 = v3 - v4"]
    assert trace.grad == pytest.approx(SURVEY_GRAD, rel=1e-15)


def test_input_names_come_from_the_signature():
    def g(alpha, beta):
        return alpha * beta
    trace = ad.forward(g, (2.0, 3.0), (1.0, 0.0))
    assert [r.formula for r in trace.primal_rows[:2]] == ["v-1 = alpha", "v0 = beta"]
    seed = trace.tangent_rows[0].formula
    assert seed.startswith("v̇-1 = ") and "lpha" in seed


def test_node_numbering_with_three_inputs():
    trace = ad.reverse(lambda a, b, c: a * b + c, (1.0, 2.0, 3.0))
    assert [r.name for r in trace.primal_rows] == ["v-2", "v-1", "v0", "v1", "v2", "y"]
    assert trace.primal_rows[4].formula == "v2 = v1 + v0"


def test_cost_of_the_survey_function(forward_trace, reverse_trace):
    for trace in (forward_trace, reverse_trace):
        cost = trace.cost
        assert cost.ops_function == 5          # ln, ×, sin, +, -  (Table 2 has five operations)
        assert cost.ops_derivative > 0
        assert cost.ratio == pytest.approx((5 + cost.ops_derivative) / 5)
        assert cost.ratio < 6, str(cost)       # the survey's bound: c < 6 (typically 2 < c < 3)
        assert f"c = {cost.ratio:.2f}" in str(cost)


def test_cost_is_measured_and_scales_with_the_function():
    """The derivative count is measured on the code that runs: k copies of f cost k times more."""
    def repeated(k):
        def f(x1, x2):
            total = survey_f(x1, x2)
            for _ in range(k - 1):
                total = total + survey_f(x1, x2)
            return total
        return f
    one = ad.reverse(repeated(1), SURVEY_POINT).cost
    four = ad.reverse(repeated(4), SURVEY_POINT).cost
    assert one.ops_function == 5
    assert four.ops_function == 4 * 5 + 3      # and three additions joining the copies
    assert four.ops_derivative > 3 * one.ops_derivative
    assert four.ratio < 6
    fwd = ad.forward(repeated(4), SURVEY_POINT, (1.0, 0.0)).cost
    assert fwd.ops_function == four.ops_function and fwd.ratio < 6


def test_output_names_never_collide_with_input_names():
    """With inputs x and y, the output must not also be called y: "v0 = y = 3" and "y = v1 = 6" in
    one table (or ȳ meaning both the seed and an input's adjoint) would read as a contradiction."""
    def f(x, y):
        return x * y
    rev = ad.reverse(f, (2.0, 3.0))
    inputs = {"x", "y"}
    outputs = {r.name for r in rev.primal_rows if r.kind == "output"}
    assert not outputs & inputs, outputs
    seed = rev.adjoint_rows[0]
    seeded_with = nfc(seed.formula.split(" = ")[1])
    gradients = {nfc(r.name) for r in rev.adjoint_rows if r.op == "gradient"}
    assert seeded_with not in gradients, (seeded_with, gradients)
    fwd = ad.forward(f, (2.0, 3.0), (1.0, 0.0))
    tangent_names = [nfc(r.name) for r in fwd.tangent_rows if r.kind == "output"]
    seeds = [nfc(r.formula.split(" = ")[1]) for r in fwd.tangent_rows[:2]]
    assert not set(tangent_names) & set(seeds), (tangent_names, seeds)


# ---------------------------------------------------------------- typeset and structured rows

def test_typeset_formulas_are_the_survey_tables():
    """``Row.pretty`` is the survey's typography (v₋₁, v̄₀, a minus sign) of the same formula."""
    forward = ad.forward(survey_f, SURVEY_POINT, (1.0, 0.0))
    reverse = ad.reverse(survey_f, SURVEY_POINT)
    assert nfc([r.pretty for r in forward.primal_rows]) == nfc([sub(f) for _, f, _ in PRIMAL])
    assert nfc([r.pretty for r in forward.tangent_rows]) == nfc([sub(f) for _, f, _ in TANGENT])
    assert nfc([r.pretty for r in reverse.adjoint_rows]) == nfc(
        [sub(f) for _, f, _, _ in ADJOINT])
    assert [r.formula for r in reverse.primal_rows] == [f for _, f, _ in PRIMAL]  # print() stays


def _names(nodes):
    return {f"v{i - 1}" for i in nodes}  # two inputs: tape node 0 is v-1


# What each row of Table 3 reads, from its formula as printed: (values, derivatives, k, term)
ADJOINT_READS = [
    (set(), set(), None, ""),                                  # v̄5 = ȳ
    (set(), {"v5"}, 0, "v̄5 × 1"),                              # v5 = v4 - v3, argument 0
    (set(), {"v5"}, 1, "v̄5 × (-1)"),
    (set(), {"v4"}, 0, "v̄4 × 1"),
    (set(), {"v4"}, 1, "v̄4 × 1"),
    ({"v0"}, {"v3"}, 0, "v̄3 × cos v0"),
    ({"v0"}, {"v2"}, 0, "v̄2 × v0"),
    ({"v-1"}, {"v2", "v0"}, 1, "v̄2 × v-1"),                    # adds to its own earlier v̄0
    ({"v-1"}, {"v1", "v-1"}, 0, "v̄1 / v-1"),
    (set(), {"v0"}, None, ""),                                 # x̄2 = v̄0
    (set(), {"v-1"}, None, ""),
]
TANGENT_READS = [(set(), set()), (set(), set()), ({"v-1"}, {"v-1"}), ({"v-1", "v0"}, {"v-1", "v0"}),
                 ({"v0"}, {"v0"}), (set(), {"v1", "v2"}), (set(), {"v4", "v3"}), (set(), {"v5"})]


def test_rows_say_what_they_read_and_which_term_they_add():
    reverse = ad.reverse(survey_f, SURVEY_POINT)
    for row, (values, derivatives, k, term) in zip(reverse.adjoint_rows, ADJOINT_READS):
        assert (_names(row.reads_values), _names(row.reads_derivatives)) == (values, derivatives), \
            row.formula
        assert (row.argument, nfc(row.term)) == (k, nfc(term)) and row.sweep == "adjoint"
    fan_out = reverse.adjoint_rows[7]
    assert (fan_out.term_numbers, fan_out.contribution, fan_out.accumulates) == ("1 × 2", 2.0, True)
    forward = ad.forward(survey_f, SURVEY_POINT, (1.0, 0.0))
    for row, (values, derivatives) in zip(forward.tangent_rows, TANGENT_READS):
        assert (_names(row.reads_values), _names(row.reads_derivatives)) == (values, derivatives), \
            row.formula
        assert row.sweep == "tangent"
    assert [r.sweep for r in forward.primal_rows] == ["primal"] * 8
    assert _names(forward.primal_rows[6].reads_values) == {"v4", "v3"}
