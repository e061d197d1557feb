"""Tangent (and adjoint) rows of structural operations read as the mathematics says.

Expected formulas are typed from the rules: the product rule for ``@``,
d logsumexp = softmax · dx, d max = dx at the arg-max, and ``v̇ = op(v̇)`` for the linear
operations (sum, indexing, stack, ...).
"""
import math
import re

import numpy as np
import pytest

import adlab as ad
from adlab.engine.primitives import Primitive
from adlab.engine.tape import PRIMITIVES


def _rows_of(f, primals, tangents=None):
    """The tangent rows of ``f`` (seeds and outputs left out), keyed by primitive name."""
    if tangents is None:
        tangents = tuple(np.ones(np.shape(p)) if np.ndim(p) else 1.0 for p in primals)
    trace = ad.forward(f, primals, tangents)
    return [r for r in trace.tangent_rows if r.op not in ("seed", "output")]


def _row(f, primals, op, tangents=None):
    rows = [r for r in _rows_of(f, primals, tangents) if r.op == op]
    assert len(rows) == 1, [r.formula for r in _rows_of(f, primals, tangents)]
    return rows[0]


def _assert_latex_well_formed(latex):
    depth = 0
    for ch in re.sub(r"\\[{}]", "", latex):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0, latex
    assert depth == 0, latex
    assert not re.search(r"(?<!_)\{-?d?\d+\}", latex), latex  # no unfilled template field
    assert "̇" not in latex and "@" not in latex, latex  # accents and operators written in LaTeX


A = np.array([[1.0, 2.0], [3.0, 4.0]])
X = np.array([0.5, -1.0])


def test_matmul_both_traced_is_the_product_rule():
    row = _row(lambda a, x: a @ x, (A, X), "matmul")
    assert row.formula == "v̇1 = v̇-1 @ v0 + v-1 @ v̇0"
    assert row.latex == r"\dot{v}_{1} = \dot{v}_{-1} v_{0} + v_{-1} \dot{v}_{0}"
    _assert_latex_well_formed(row.latex)


def test_matmul_with_a_constant_keeps_only_the_traced_term():
    row = _row(lambda a: a @ np.array([1.0, 2.0]), (A,), "matmul")
    assert row.formula == "v̇1 = v̇0 @ [1, 2]"
    row = _row(lambda x: np.array([1.0, 2.0]) @ x, (A,), "matmul")
    assert row.formula == "v̇1 = [1, 2] @ v̇0"
    assert row.latex == r"\dot{v}_{1} = [1, 2] \dot{v}_{0}"
    _assert_latex_well_formed(row.latex)


def test_matmul_of_a_value_with_itself_has_both_terms():
    row = _row(lambda a: a @ a, (A,), "matmul")
    assert row.formula == "v̇1 = v̇0 @ v0 + v0 @ v̇0"


def test_logsumexp_tangent_is_softmax_weighted_sum():
    row = _row(lambda x: ad.logsumexp(x), (X,), "logsumexp")
    assert row.formula == "v̇1 = sum(softmax(v0) × v̇0)"
    assert row.latex == r"\dot{v}_{1} = \sum \operatorname{softmax}(v_{0}) \times \dot{v}_{0}"
    _assert_latex_well_formed(row.latex)


def test_max_and_min_tangents_are_taken_at_the_extreme():
    row = _row(lambda x: ad.max(x), (X,), "max")
    assert row.formula == "v̇1 = v̇0[argmax v0]"
    assert row.latex == r"\dot{v}_{1} = \dot{v}_{0}[\operatorname{argmax} v_{0}]"
    _assert_latex_well_formed(row.latex)
    row = _row(lambda x: ad.min(x, axis=0), (A,), "min")
    assert row.formula == "v̇1 = v̇0[argmin v0]"
    _assert_latex_well_formed(row.latex)


def test_where_is_where_of_the_tangents_with_zero_for_a_constant_branch():
    cond = np.array([True, False])
    row = _row(lambda x, y: ad.where(cond, x, y), (X, X), "where")
    assert row.formula == "v̇1 = where([True, False], v̇-1, v̇0)"
    _assert_latex_well_formed(row.latex)
    row = _row(lambda x: ad.where(True, x, 5.0), (2.0,), "where", (3.0,))
    assert row.formula == "v̇1 = where(True, v̇0, 0)"  # the tangent of the constant 5 is 0
    assert row.numbers == "where(True, 3, 0)"
    assert row.text == "v̇1 = where(True, v̇0, 0) = where(True, 3, 0) = 3"
    assert row.latex == r"\dot{v}_{1} = \operatorname{where}(True, \dot{v}_{0}, 0)"


def test_sum_getitem_transpose_apply_the_operation_to_the_tangent():
    assert _row(lambda x: ad.sum(x), (X,), "sum").formula == "v̇1 = sum(v̇0)"
    row = _row(lambda x: x[1], (X,), "getitem")
    assert row.formula == "v̇1 = v̇0[1]"
    assert row.latex == r"\dot{v}_{1} = \dot{v}_{0}[1]"
    assert _row(lambda a: a.T, (A,), "transpose").formula == "v̇1 = v̇0ᵀ"


def test_stack_joins_the_tangents_and_a_constant_contributes_zero():
    row = _row(lambda x1, x2: ad.stack([x1, x2, 3.0]), (1.0, 2.0), "stack", (0.5, 2.0))
    assert row.formula == "v̇1 = stack(v̇-1, v̇0, 0)"
    assert row.numbers == "stack(0.5, 2, 0)"
    assert row.latex == r"\dot{v}_{1} = \operatorname{stack}(\dot{v}_{-1}, \dot{v}_{0}, 0)"
    _assert_latex_well_formed(row.latex)
    primal = [r for r in ad.forward(lambda x1, x2: ad.stack([x1, x2, 3.0]), (1.0, 2.0),
                                    (0.5, 2.0)).primal_rows if r.op == "stack"][0]
    assert primal.formula == "v1 = stack(v-1, v0, 3)"  # the values, not the axis


def test_concatenate_names_its_values_and_a_non_default_axis():
    row = _row(lambda a, b: ad.concatenate([a, b], axis=1), (A, A), "concatenate")
    assert row.formula == "v̇1 = concatenate(v̇-1, v̇0, axis=1)"
    _assert_latex_well_formed(row.latex)


def test_adjoint_rows_of_structural_operations_keep_the_partial_symbol():
    trace = ad.reverse(lambda x1, x2: ad.sum(ad.stack([x1, x2])), (1.0, 2.0))
    rows = {r.formula: r for r in trace.adjoint_rows}
    assert "v̄-1 = v̄1 · ∂v1/∂v-1" in rows and "v̄0 = v̄1 · ∂v1/∂v0" in rows
    for r in trace.adjoint_rows:
        assert not r.numbers.rstrip().endswith("·"), r.numbers  # no half-written numbers
        _assert_latex_well_formed(r.latex)


def test_structural_primitive_without_a_rule_falls_back_to_the_generic_chain_rule():
    cube_sum = Primitive("cube_sum", lambda x: float(np.sum(np.asarray(x) ** 3)),
                         jvp_rule=lambda args, out, t: ad.sum(3.0 * args[0] ** 2 * t[0]),
                         vjp_rule=lambda k, g, args, out: g * 3.0 * args[0] ** 2,
                         text="cubesum({0})", latex=r"\operatorname{{cubesum}}({0})")
    trace = ad.forward(lambda x: cube_sum(x), (X,), (np.ones(2),))
    row = [r for r in trace.tangent_rows if r.op == "cube_sum"][0]
    assert row.formula == "v̇1 = ∂v1/∂v0 · v̇0"
    assert row.latex == r"\dot{v}_{1} = \frac{\partial v_{1}}{\partial v_{0}} \cdot \dot{v}_{0}"
    assert trace.tangent == pytest.approx(3 * 0.5 ** 2 + 3 * 1.0)  # 3x² summed


@pytest.mark.parametrize("name", [n for n, p in PRIMITIVES.items() if p.partials is None])
def test_every_structural_primitive_says_how_its_tangent_row_reads(name):
    prim = PRIMITIVES[name]
    has_template = prim.tangent_text is not None and prim.tangent_latex is not None
    assert prim.linear is True or has_template, (
        f"{name}: set linear=True (the tangent rule is the operation) or tangent_text/latex")


def _evaluate_numbers(text):
    """The substituted numbers of a row (``1 × ([0 > 0] + ½[0 = 0])``) evaluated as Python."""
    python = (text.replace("×", "*").replace("½", "0.5*").replace(" = ", " == ")
              .replace("[", "(").replace("]", ")"))
    return float(eval(python))  # noqa: S307 - numbers and operators typed by the rows module


@pytest.mark.parametrize("op", [ad.maximum, ad.minimum])
@pytest.mark.parametrize("x", [-1.0, 0.0, 1.0])
def test_max_and_min_rows_say_what_the_sweeps_compute_also_at_a_tie(op, x):
    """At a tie the derivative is split in halves (README); the rows must not read [0 > 0] = 0.5."""
    forward = ad.forward(lambda x: op(x, 0.0), (x,), (1.0,))
    (tangent,) = [r for r in forward.tangent_rows if r.op == op.name]
    assert _evaluate_numbers(tangent.numbers) == tangent.value == forward.tangent
    reverse = ad.reverse(lambda a, b: op(a, b), (x, 0.0))
    rows = [r for r in reverse.adjoint_rows if r.op == op.name]
    assert len(rows) == 2 and [r.value for r in rows] == list(reverse.grad)
    for row in rows:
        assert _evaluate_numbers(row.numbers) == row.value
        _assert_latex_well_formed(row.latex)
    if x == 0.0:
        assert all("½" in r.formula for r in rows) and list(reverse.grad) == [0.5, 0.5]


def test_a_partial_already_in_parentheses_is_not_wrapped_twice():
    """log1p's partial 1/(1 + x) reads v̄1 / (1 + v0), not v̄1 / ((1 + v0))."""
    from adlab.traces.notation import paren
    row = [r for r in ad.reverse(ad.log1p, (1.0,)).adjoint_rows if r.op == "log1p"][0]
    assert row.text == "v̄0 = v̄1 / (1 + v0) = 1 / (1 + 1) = 0.5"
    tangent = [r for r in ad.forward(ad.log1p, (1.0,), (1.0,)).tangent_rows if r.op == "log1p"][0]
    assert tangent.formula == "v̇1 = v̇0 / (1 + v0)"
    assert paren("(1 + v0)") == "(1 + v0)" and paren("(a) + (b)") == "((a) + (b))"
    assert paren("-1") == "(-1)" and paren("v0") == "v0"


# ---------------------------------------------------------------- how rows name things

def test_a_negative_constant_is_bracketed_in_every_column():
    rows = ad.reverse(lambda x: x * -1.2, (2.0,)).rows
    primal = next(r for r in rows if r.kind == "primal")
    assert primal.text == "v1 = v0 × (-1.2) = 2 × (-1.2) = -2.4"


def test_the_partial_of_logaddexp_is_written_with_the_inputs_and_evaluates_to_its_value():
    trace = ad.reverse(lambda x, y: ad.logaddexp(x, y), (2.0, 1.0))
    for row in (r for r in trace.adjoint_rows if r.source is not None):
        assert "out" not in row.formula and "σ(" in row.formula
    # ∂/∂x ln(eˣ + eʸ) = eˣ / (eˣ + eʸ) = σ(x - y), by hand
    sigma = 1 / (1 + math.exp(-(2.0 - 1.0)))
    assert trace.grad[0] == pytest.approx(sigma) and trace.grad[1] == pytest.approx(1 - sigma)
    row = next(r for r in trace.adjoint_rows if r.node == 0 and r.source is not None)
    assert row.text == "v̄-1 = v̄1 × σ(v-1 - v0) = 1 × σ(2 - 1) = 0.731"


def test_inputs_in_a_dict_or_nested_list_are_named_as_python_indexes_them():
    trace = ad.reverse(lambda params: params["w"] * params["b"][0], ({"w": 2.0, "b": [3.0]},))
    assert trace.recording.input_names == ["params['w']", "params['b'][0]"]
    names = [r.formula.split(" = ")[0] for r in trace.adjoint_rows if r.op == "gradient"]
    overlined = "".join(c + "\u0305" for c in "params")      # the bar over the whole word
    assert sorted(names) == sorted([overlined + "['w']", overlined + "['b'][0]"])
    single = ad.reverse(lambda x1, x2: x1 * x2, (2.0, 3.0))
    assert [r.formula.split(" = ")[0] for r in single.adjoint_rows if r.op == "gradient"] == \
        ["x̄2", "x̄1"]


def test_a_row_does_not_repeat_its_value_in_brackets():
    trace = ad.forward(lambda x: -ad.sin(x), (2.0,), (1.0,))
    assert trace.tangent_rows[-2].text == "v\u0307" "2 = -v\u0307" "1 = -(-0.416) = 0.416"
    row = trace.tangent_rows[-2]
    copy = ad.Row(row.kind, row.node, row.name, "identity", row.inputs, "v\u0307" "2 = v\u0307" "1",
                  "", "(-0.25)", -0.25)       # an identity row: its numbers are its value
    assert not copy.shows_numbers and copy.text == "v\u0307" "2 = v\u0307" "1 = -0.25"


@pytest.mark.parametrize("f, primals, text", [
    # a bias broadcast over the rows of a batch: its adjoint is summed over the rows
    (lambda x, b: ad.sum(ad.tanh(x + b)), (np.ones((5, 4)), np.zeros(4)), "sum(v̄1 × 1, axis=0)"),
    (lambda x, b: ad.sum(x * b), (np.ones((5, 4)), np.ones((1, 4))),
     "v̄0 = sum(v̄1 × v-1, axis=0)"),
    # a number times a vector: summed over everything
    (lambda a, x: ad.sum(a * x), (2.0, np.ones(3)), "sum(v̄1 × v0)"),
    (lambda a, x: ad.sum(a + x), (np.ones((3, 1)), np.ones((4, 3, 5))), "axis=(0, 2)"),
])
def test_an_adjoint_row_of_a_broadcast_argument_shows_the_sum_over_the_broadcast_axes(
        f, primals, text):
    trace = ad.reverse(f, primals)
    broadcast = [r for r in trace.adjoint_rows if r.op in ("add", "mul")
                 and np.shape(r.value) != np.shape(trace.recording.nodes[r.source][3])]
    assert len(broadcast) == 1, [r.text for r in trace.adjoint_rows]
    row = broadcast[0]
    assert text in row.formula, row.formula
    assert np.shape(row.value) == np.shape(trace.recording.nodes[row.node][3])
    _assert_latex_well_formed(row.latex)
    assert r"\sum" in row.latex
    others = [r for r in trace.adjoint_rows if r is not row]
    assert not any("sum(v̄" in r.formula for r in others)  # arguments of the output's shape: no sum


def test_typeset_writes_integer_powers_as_superscripts_and_true_minus_signs():
    from adlab.traces.notation import typeset
    assert typeset("v7^2 + x^(-1) - v12^10") == "v7² + x⁻¹ − v12¹⁰"
    assert typeset("v0^0.5 × v1^(v2-1)") == "v0^0.5 × v1^(v2−1)"   # not integers: left as they are
    trace = ad.reverse(lambda x: x ** 2, (3.0,))
    assert trace.primal_rows[1].pretty == "v₁ = v₀²"
