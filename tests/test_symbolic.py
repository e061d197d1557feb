"""Symbolic differentiation (ad.symbolic): values against SymPy, swell sizes against independent
counts (closed forms derived by hand, and SymPy's own tree traversal), printing, errors."""
from __future__ import annotations

import math
import operator

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, strategies as st

import adlab as ad
from adlab.errors import DomainError, InputError, UnsupportedOperationError

from conftest import SURVEY_GRAD, SURVEY_POINT, survey_f

S = ad.symbolic


# ---------------------------------------------------------------------- the survey's example

def test_survey_function_traces_prints_and_differentiates():
    e = S.expression(survey_f, "x1", "x2")
    assert str(e) == "ln(x1) + x1 × x2 - sin(x2)"
    assert e._repr_latex_() == r"$\ln x_{1} + x_{1} \times x_{2} - \sin x_{2}$"
    assert e.evaluate(x1=2.0, x2=5.0) == pytest.approx(math.log(2) + 10 - math.sin(5), rel=1e-15)
    d1, d2 = S.diff(e, "x1"), S.diff(e, "x2")
    assert str(d1) == "1 / x1 + x2"                   # ∂/∂x1: 1/x1 from ln, x2 from x1·x2
    assert d1.evaluate(x1=2.0, x2=5.0) == pytest.approx(SURVEY_GRAD[0], rel=1e-15)
    assert d2.evaluate(x1=2.0, x2=5.0) == pytest.approx(SURVEY_GRAD[1], rel=1e-15)
    assert str(S.simplify(d2)) == "x1 - cos(x2)"
    assert S.expression(survey_f) is e                # parameter names by default; hash-consed


# ---------------------------------------------------------------------- values against SymPy

x_, y_ = sp.symbols("x y", real=True)


def _sympy_logistic(n):
    """l_n of the logistic map written natively in SymPy."""
    l = x_
    for _ in range(n - 1):
        l = 4 * l * (1 - l)
    return l


# (adlab form, SymPy form, variables, sample points)
CASES = [
    (lambda x, y: ad.log(x) + x * y - ad.sin(y), sp.log(x_) + x_ * y_ - sp.sin(y_),
     [(2.0, 5.0), (0.3, -1.2)]),
    (lambda x, y: x / y - y ** 3 * ad.exp(-x), x_ / y_ - y_ ** 3 * sp.exp(-x_),
     [(1.0, 2.0), (-0.5, 0.7)]),
    (lambda x, y: x ** y + ad.sqrt(x * y), x_ ** y_ + sp.sqrt(x_ * y_), [(1.5, 2.5), (3.0, 0.2)]),
    (lambda x, y: ad.tanh(x * y) * ad.cos(x) / (1 + y * y),
     sp.tanh(x_ * y_) * sp.cos(x_) / (1 + y_ ** 2), [(0.4, -2.0), (1.1, 0.3)]),
    (lambda x, y: ad.sigmoid(x - y) + ad.tan(x) * y, 1 / (1 + sp.exp(-(x_ - y_))) + sp.tan(x_) * y_,
     [(0.2, 1.0), (-1.0, -3.0)]),
    (lambda x, y: ad.abs(x - y) * ad.relu(x) + ad.maximum(x, y * y) - ad.minimum(x, y),
     sp.Abs(x_ - y_) * sp.Max(x_, 0) + sp.Max(x_, y_ ** 2) - sp.Min(x_, y_),
     [(0.5, 2.0), (1.5, 0.3), (2.0, -1.0)]),                     # away from every kink
    (lambda x, y: S.logistic_map(x, 4) * y, _sympy_logistic(4) * y_, [(0.3, 1.0), (0.8, -2.0)]),
    (lambda x, y: ad.arctan2(x * y, 1 - x), sp.atan2(x_ * y_, 1 - x_), [(0.5, 2.0), (1.5, -0.3)]),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_derivatives_equal_sympy_at_sample_points(case):
    adlab_form, sympy_form, points = CASES[case]
    e = S.expression(adlab_form, "x", "y")
    for name, sym in (("x", x_), ("y", y_)):
        raw = S.diff(e, name)
        simple = S.simplify(raw)
        reference = sp.lambdify((x_, y_), sp.diff(sympy_form, sym), "math")
        for px, py in points:
            expected = reference(px, py)
            assert raw.evaluate(x=px, y=py) == pytest.approx(expected, rel=1e-12, abs=1e-12)
            assert simple.evaluate(x=px, y=py) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_second_derivative_and_ad_of_the_expression_agree_with_sympy():
    e = S.expression(lambda x: ad.exp(ad.sin(x)) / x, "x")
    second = S.diff(S.diff(e, "x"), "x")
    reference = sp.lambdify(x_, sp.diff(sp.exp(sp.sin(x_)) / x_, x_, 2), "math")
    assert second.evaluate(x=0.9) == pytest.approx(reference(0.9), rel=1e-12)
    # an expression evaluates on traced values too: AD through it gives the symbolic derivative
    first = S.diff(e, "x")
    assert ad.grad(lambda x: e.evaluate(x=x))(0.9) == pytest.approx(first.evaluate(x=0.9),
                                                                    rel=1e-14)


def test_numpy_ufuncs_build_expressions():
    e = S.expression(lambda x: np.exp(-x) * np.sin(x) + np.sqrt(x), "x")
    assert str(e) == "exp(-x) × sin(x) + √x"
    ref = sp.lambdify(x_, sp.diff(sp.exp(-x_) * sp.sin(x_) + sp.sqrt(x_), x_), "math")
    assert S.diff(e, "x").evaluate(x=1.3) == pytest.approx(ref(1.3), rel=1e-13)
    assert np.allclose(e.evaluate(x=np.array([0.5, 1.0])),
                       np.exp(-np.array([0.5, 1.0])) * np.sin([0.5, 1.0]) + np.sqrt([0.5, 1.0]))


# ---------------------------------------------------------------------- expression swell

def _to_sympy_tree(e):
    """One SymPy node per adlab node: each primitive becomes an undefined SymPy function of the
    same name (so SymPy neither reorders nor simplifies), symbols and constants become leaves."""
    done = {}
    stack = [e]
    while stack:                       # iterative post-order, like the code under test
        node = stack[-1]
        pending = [a for a in node.args if a not in done]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        if node.is_symbol:
            done[node] = sp.Symbol(node.name)
        elif node.is_constant:
            done[node] = sp.Float(node.value)
        else:
            done[node] = sp.Function(node.op.name)(*(done[a] for a in node.args))
    return done[e]


_SYMPY_IMPLEMENTATIONS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
                          "neg": operator.neg}


def _sympy_tree_sizes(e):
    tree = _to_sympy_tree(e)
    nodes = list(sp.preorder_traversal(tree))
    return tree, len(nodes), len(set(nodes))


def test_swell_sizes_match_closed_forms_and_sympys_count():
    """l_{n+1} = 4·l·(1 - l) is mul(mul(4, l), sub(1, l)): its tree has T_{n+1} = 2 T_n + 5 nodes,
    T_1 = 1, so T_n = 3·2ⁿ - 5; as a DAG, x, 4, 1 and three new nodes per step: 3n (n ≥ 2).
    Its derivative by the literal rules, d(a·b) = b·da + a·db with d(4·l) = 4·dl, d(1-l) = -dl,
    has D_{n+1} = 10 + 2 T_n + 2 D_n nodes (D_2 = 12), i.e. D_n = 3(n-1)·2ⁿ for n ≥ 2."""
    table = S.swell_table(8)
    assert [r.n for r in table.rows] == list(range(1, 9))
    for row in table.rows:
        n = row.n
        assert row.expression == 3 * 2 ** n - 5
        assert row.expression_dag == (3 * n if n >= 2 else 1)
        assert row.derivative == (3 * (n - 1) * 2 ** n if n >= 2 else 1)
        l_n = S.expression(lambda x: S.logistic_map(x, n), "x")
        d = S.diff(l_n, "x")
        for expr in (l_n, d, S.simplify(d)):
            _, tree, dag = _sympy_tree_sizes(expr)
            assert (S.size(expr), S.size(expr, dag=True)) == (tree, dag)
        assert (row.derivative, row.derivative_dag) == (S.size(d), S.size(d, dag=True))
    # trees swell exponentially, the DAG and AD's trace grow linearly
    steps = [b.ad_trace_rows - a.ad_trace_rows for a, b in zip(table.rows[1:], table.rows[2:])]
    assert len(set(steps)) == 1
    dag_steps = [b.derivative_dag - a.derivative_dag for a, b in zip(table.rows[1:],
                                                                     table.rows[2:])]
    assert len(set(dag_steps)) == 1
    assert all(b.simplified >= 2 * a.simplified for a, b in zip(table.rows[1:], table.rows[2:]))
    assert all(r.simplified <= r.derivative for r in table.rows)


def test_sympy_tree_is_faithful_to_the_expression():
    """The counted SymPy tree computes the same function as l_n written natively in SymPy."""
    l_n = S.expression(lambda x: S.logistic_map(x, 5), "x")
    tree = _to_sympy_tree(S.diff(l_n, "x"))
    f = sp.lambdify(sp.Symbol("x"), tree, [_SYMPY_IMPLEMENTATIONS])
    reference = sp.lambdify(x_, sp.diff(_sympy_logistic(5), x_), "math")
    for x in (0.1, 0.3, 0.77):
        assert f(x) == pytest.approx(reference(x), rel=1e-11)


def test_swell_table_prints_and_plots():
    table = S.swell_table(5)
    text = str(table)
    assert text.splitlines()[0].split()[:3] == ["n", "l_n", "tree"] and len(text.splitlines()) == 7
    assert "<table>" in table._repr_html_()
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ax = table.plot()
    assert ax.get_yscale() == "log" and len(ax.get_lines()) == 5
    plt.close(ax.figure)


# ---------------------------------------------------------------------- sizes, sharing, simplify

def test_hash_consing_makes_the_dag_measurable():
    e = S.expression(lambda x: x * x + x * x, "x")
    assert e.args[0] is e.args[1]
    assert S.size(e) == 7 and S.size(e, dag=True) == 3
    assert S.symbol("x") * 2 is S.symbol("x") * 2.0


def test_simplify_rules():
    cases = {
        (lambda x: x * 1 + 0 * x + 2 * 3): "x + 6",
        (lambda x: (x - 0) / 1 - (0 - x)): "x + x",
        (lambda x: -(-x) ** 1 * (x ** 0)): "x",
        (lambda x: x - x + ad.sin(x) * -1): "-sin(x)",
        (lambda x: 2 ** 3 * x - (-x)): "8 × x + x",
    }
    for f, expected in cases.items():
        assert str(S.simplify(S.expression(f, "x"))) == expected
    d2 = S.diff(S.expression(lambda x: S.logistic_map(x, 2), "x"), "x")
    assert str(d2) == "(1 - x) × 4 + 4 × x × (-1)"     # the product rule, literally
    assert str(S.simplify(d2)) == "(1 - x) × 4 - 4 × x"  # the survey's 4(1 - x) - 4x


# ---------------------------------------------------------------------- printing

def test_minimal_parentheses():
    a, b, c = S.symbol("a"), S.symbol("b"), S.symbol("c")
    cases = [((a + b) * c, "(a + b) × c"), (a - (b - c), "a - (b - c)"), (a - b + c, "a - b + c"),
             (-(a + b), "-(a + b)"), ((-a) ** 2, "(-a)^2"), (-a ** 2, "-a^2"),
             (a ** (b + 1), "a^(b + 1)"), (a / (b * c), "a / (b × c)"), (a * b / c, "a × b / c"),
             (a + (-b), "a + (-b)"), (ad.log(a * b) ** 2, "ln(a × b)^2"),
             (ad.sqrt(a + 1) * ad.abs(b), "√(a + 1) × |b|"), (a * -2.5, "a × (-2.5)")]
    for e, expected in cases:
        assert str(e) == expected


def _python(text):
    return (text.replace("×", "*").replace("^", "**").replace("ln(", "log(")
            .replace("√", "sqrt"))


_leaf = st.one_of(st.sampled_from(["a", "b", "c"]).map(S.symbol),
                  st.sampled_from([0.5, 2.0, 3.0, -1.5]).map(S.constant))


def _extend(children):
    binary = st.tuples(st.sampled_from(["add", "sub", "mul", "div"]), children, children)
    unary = st.tuples(st.sampled_from(["neg", "sin", "exp", "pow2"]), children)
    return st.one_of(binary, unary).map(_build)


def _build(spec):
    name, *args = spec
    if name == "pow2":
        return args[0] ** 2.0
    if name in ("sin", "exp"):
        return getattr(ad, name)(args[0])
    return S.apply(ad.PRIMITIVES[name], *args)


@given(st.recursive(_leaf, _extend, max_leaves=12))
def test_printed_text_reads_back_as_the_same_value(e):
    values = {"a": 0.7, "b": -1.3, "c": 0.45}
    try:
        expected = e.evaluate(**{k: v for k, v in values.items() if k in e.symbols})
    except DomainError:
        return  # e.g. a division by an exact zero: nothing to read back
    namespace = {"sin": math.sin, "exp": math.exp, "log": math.log, "sqrt": math.sqrt, **values}
    try:
        got = eval(_python(str(e)), namespace)  # noqa: S307 - our own generated text
    except (ZeroDivisionError, OverflowError):
        return
    # "a × b / c" reads back as (a·b)/c, not a·(b/c): equal up to rounding of the largest
    # intermediate value
    scale = max([1.0] + [abs(_value(n, values)) for n in _subexpressions(e)])
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12 * scale)


def _subexpressions(e):
    out, stack = [], [e]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(node.args)
    return out


def _value(node, values):
    return node.evaluate(**{k: v for k, v in values.items() if k in node.symbols})


def test_latex():
    x, y = S.symbol("x1"), S.symbol("y")
    assert (x / (y + 1))._repr_latex_() == r"$\frac{x_{1}}{y + 1}$"
    assert ((x / y) ** 2).latex() == r"{\left(\frac{x_{1}}{y}\right)}^{2}"
    assert (ad.log(x + y) * ad.sqrt(y)).latex() == r"\ln \left(x_{1} + y\right) \times \sqrt{y}"
    assert (ad.abs(x) - ad.sigmoid(y)).latex() == r"\left|x_{1}\right| - \sigma(y)"


def test_large_expressions_are_summarised_not_dumped():
    d = S.diff(S.expression(lambda x: S.logistic_map(x, 8), "x"), "x")
    text = str(d)
    assert text.startswith("expression with 5376 nodes (57 distinct)")  # D_8 = 3·7·2⁸
    assert len(text) < 300 and "e.text()" in text
    assert "5376 nodes" in d._repr_latex_() and len(d._repr_latex_()) < 300
    full = d.text()  # the whole formula on request: one "x" per x-leaf of the tree
    x_leaves = sum(1 for node in sp.preorder_traversal(_to_sympy_tree(d)) if node == sp.Symbol("x"))
    assert len(full) > 2000 and full.count("x") == x_leaves


def test_deep_expressions_do_not_recurse():
    def deep(x):
        for _ in range(5000):
            x = ad.sin(x)
        return x
    e = S.expression(deep, "x")
    d = S.diff(e, "x")
    assert S.size(e) == 5001 and S.size(d, dag=True) > 5000
    value = d.evaluate(x=0.5)
    t = 0.5
    product = 1.0
    for _ in range(5000):
        product *= math.cos(t)
        t = math.sin(t)
    assert value == pytest.approx(product, rel=1e-9)
    assert str(e).startswith("expression with 5001 nodes")


# ---------------------------------------------------------------------- errors

def test_branching_on_a_symbol_is_refused_with_an_explanation():
    def f(x):
        return x if x > 0 else -x
    with pytest.raises(InputError, match="comparison.*no value"):
        S.expression(f, "x")


def test_math_functions_and_unknown_ufuncs_are_refused():
    with pytest.raises(InputError, match="float"):
        S.expression(lambda x: math.sin(x), "x")
    with pytest.raises(UnsupportedOperationError, match="fmod"):
        S.expression(lambda x: np.fmod(x, 2.0), "x")
    with pytest.raises(UnsupportedOperationError, match="scalars"):
        S.expression(lambda x: ad.sum(x), "x")


def test_evaluate_names_missing_and_unknown_symbols():
    e = S.expression(survey_f, "x1", "x2")
    with pytest.raises(InputError, match="no value for x2"):
        e.evaluate(x1=1.0)
    d = S.diff(e, "x1")  # 1/x1 + x2: ... still evaluates with every variable given
    assert S.diff(S.expression(lambda x1, x2: x1 * 3), "x1").evaluate(x1=1.0, x2=2.0) == 3.0
    assert d.evaluate(x1=2.0, x2=5.0, unused=1.0) == 5.5
    with pytest.raises(DomainError, match="ln"):
        e.evaluate(x1=-1.0, x2=2.0)


def test_bad_arguments():
    with pytest.raises(InputError, match="identifier"):
        S.symbol("2x")
    with pytest.raises(InputError, match="symbol"):
        S.diff(S.symbol("x") * 2, 3)
    with pytest.raises(InputError, match="2 values"):
        S.expression(lambda x: (x, x * 2), "x")
    with pytest.raises(InputError, match="parameter names"):
        S.expression(lambda *args: args[0])
    with pytest.raises(AttributeError, match="immutable"):
        S.symbol("x").name = "y"


def test_derivative_at_a_kink_is_undefined_not_silently_chosen():
    d = S.diff(S.expression(lambda x: ad.abs(x), "x"), "x")
    assert d.evaluate(x=-2.0) == -1.0 and d.evaluate(x=3.0) == 1.0
    with pytest.raises(DomainError):
        d.evaluate(x=0.0)
