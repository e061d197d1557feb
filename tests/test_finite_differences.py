"""Finite differences (ad.fd): values, evaluation counts, the error model, the optimal step, errors.

References: derivatives written by hand (or by SymPy), adlab's reverse mode for the complex step
(a different method), and the textbook error model written out here from its formulas.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import adlab as ad
from adlab.errors import DomainError, InputError

from conftest import SURVEY_GRAD, SURVEY_POINT, survey_f

fd = ad.fd
EPS = np.finfo(float).eps


# ---------------------------------------------------------------------- values

@pytest.mark.parametrize("scheme, rel", [("forward", 1e-6), ("backward", 1e-6),
                                         ("central", 1e-9), ("complex", 1e-15)])
def test_survey_gradient_by_each_scheme(scheme, rel):
    result = fd.gradient(survey_f, SURVEY_POINT, scheme=scheme)
    assert isinstance(result.value, tuple) and len(result.value) == 2
    assert np.allclose(result.value, SURVEY_GRAD, rtol=rel, atol=0)


def test_derivative_defaults_to_central_with_the_cube_root_step():
    r = fd.derivative(np.exp, 1.0)
    assert r.scheme == "central"
    assert r.h == pytest.approx(EPS ** (1 / 3), rel=1e-6)
    assert abs(r - math.e) < 1e-9                     # Estimate behaves like its value
    big = fd.derivative(np.exp, 50.0)                 # the step scales with |x|
    assert big.h == pytest.approx(EPS ** (1 / 3) * 50.0, rel=1e-6)


def test_one_sided_default_step_is_sqrt_eps_times_scale():
    for x in (0.25, 1.0, -300.0):
        r = fd.derivative(np.sin, x, scheme="forward")
        assert r.h == pytest.approx(math.sqrt(EPS) * max(abs(x), 1.0), rel=1e-6)
        assert x + r.h - x == r.h                     # an exactly representable step
        # error ≈ h/2·|sin x| + ε|sin x|/h, about √ε·max(|x|, 1)
        assert abs(r.value - math.cos(x)) < 2 * math.sqrt(EPS) * max(abs(x), 1.0)


def test_derivative_of_a_vector_valued_function_keeps_its_output_structure():
    r = fd.derivative(lambda t: (np.sin(t), t ** 3), 2.0, scheme="complex")
    assert r.value[0] == pytest.approx(math.cos(2.0), rel=1e-15)
    assert r.value[1] == pytest.approx(12.0, rel=1e-15)


def test_jacobian_against_hand_written_and_ad():
    def g(v):
        return ad.stack([v[0] * v[1], ad.sin(v[2]) + v[0], v[1] ** 2 * v[2]])
    v = np.array([1.5, -2.0, 0.7])
    by_hand = np.array([[v[1], v[0], 0.0], [1.0, 0.0, math.cos(v[2])],
                        [0.0, 2 * v[1] * v[2], v[1] ** 2]])
    for scheme, tol in (("forward", 1e-6), ("central", 1e-9), ("complex", 1e-14)):
        r = fd.jacobian(g, v, scheme=scheme)
        assert r.value.shape == (3, 3)
        assert np.allclose(r.value, by_hand, rtol=tol, atol=tol)
    assert np.allclose(fd.jacobian(g, v, scheme="central").value, ad.jacobian(g)(v), atol=1e-9)


def test_gradient_nests_like_the_arguments():
    r = fd.gradient(lambda w, b: np.sum(w * w) * b, (np.array([1.0, 2.0]), 3.0), scheme="central")
    w_grad, b_grad = r.value
    assert np.allclose(w_grad, [6.0, 12.0], rtol=1e-9) and b_grad == pytest.approx(5.0, rel=1e-9)
    single = fd.gradient(lambda v: np.sum(v ** 3), np.array([1.0, -1.0, 2.0]), scheme="complex")
    assert np.allclose(single.value, [3.0, 3.0, 12.0], rtol=1e-15)


def test_user_step_per_input():
    r = fd.gradient(survey_f, SURVEY_POINT, h=[1e-3, 2e-3], scheme="central")
    assert np.allclose(r.h, [1e-3, 2e-3], rtol=1e-12)
    # central error h²/6·|f'''|: for x1, f''' = 2/x1³ = 0.25 -> 1e-6/6·0.25
    assert abs(r.value[0] - SURVEY_GRAD[0]) == pytest.approx(1e-6 / 6 * 0.25, rel=1e-3)


# ---------------------------------------------------------------------- complex step against AD

COMPLEX_CASES = [
    (lambda x: ad.exp(x) * ad.sin(x), [0.3, 1.0, 2.5]),
    (lambda x: ad.log(x) / x + x ** 3, [0.5, 2.0, 7.0]),
    (lambda x: ad.tanh(x) * ad.sqrt(x) - ad.cos(x * x), [0.1, 1.0, 3.0]),
    (lambda x: ad.tan(x) / (1 + x * x), [-1.0, 0.2, 1.3]),
    (lambda x: 2.0 ** x - x ** 0.5, [0.7, 4.0]),
]


@pytest.mark.parametrize("case", range(len(COMPLEX_CASES)))
def test_complex_step_matches_reverse_mode_to_1e_13(case):
    f, points = COMPLEX_CASES[case]
    for x in points:
        by_fd = fd.derivative(f, x, scheme="complex").value
        by_ad = ad.reverse(f, x).grad[0]
        assert abs(by_fd - by_ad) <= 1e-13 * abs(by_ad), (x, by_fd, by_ad)


def test_complex_step_gradient_of_several_inputs_matches_reverse_mode():
    def f(a, b, c):
        return ad.exp(a * b) * ad.sin(c) + ad.log(b) / (a + c)
    point = (0.4, 1.7, 2.2)
    by_fd = fd.gradient(f, point, scheme="complex")
    by_ad = ad.reverse(f, point).grad
    assert np.allclose(by_fd.value, by_ad, rtol=1e-13, atol=0)
    assert by_fd.evaluations == 3


# ---------------------------------------------------------------------- evaluation counts

@pytest.mark.parametrize("n", [1, 4, 9])
def test_evaluation_counts_are_n_plus_1_2n_and_n(n):
    calls = [0]

    def f(v):
        calls[0] += 1
        return np.sum(np.sin(v) * v)
    x = np.linspace(0.1, 1.0, n)
    for scheme, expected in (("forward", n + 1), ("backward", n + 1), ("central", 2 * n),
                             ("complex", n)):
        calls[0] = 0
        r = fd.gradient(f, x, scheme=scheme)
        assert r.evaluations == calls[0] == expected


def test_fd_cost_grows_with_n_while_reverse_mode_cost_ratio_stays_bounded():
    def f(v):
        return ad.sum(ad.sin(v) * v)
    for n in (1, 10, 100):
        x = np.linspace(0.1, 1.0, n)
        assert fd.gradient(f, x, scheme="central").evaluations == 2 * n
        cost = ad.reverse(f, (x,)).cost
        assert cost.ratio < 4  # one forward + one reverse sweep, whatever n is


# ---------------------------------------------------------------------- the error model

def test_forward_difference_of_exp_follows_truncation_then_roundoff():
    """f = exp at x = 1: f = f' = f'' = e. Truncation error (h/2)·e dominates for large h;
    round-off, at most about ε·e/h, for small h."""
    e = math.e
    large = np.logspace(-4, -2, 7)
    small = np.logspace(-13, -11, 11)
    sweep = fd.error_sweep(np.exp, 1.0, exact=e, hs=np.concatenate([small, large]))
    for h in large:
        row = min(sweep.rows, key=lambda r: abs(r.h - h))
        assert row.error == pytest.approx(h / 2 * e, rel=0.01)      # next term: h²/6·e
        assert row.truncation == pytest.approx(row.h / 2 * e, rel=1e-12)
    small_rows = [r for r in sweep.rows if r.h < 1e-10]
    for row in small_rows:
        assert row.roundoff == pytest.approx(EPS * e / row.h, rel=1e-12)
        assert row.error <= 2 * EPS * e / row.h                      # bounded by the model
    # ... and of the model's size, not accidentally tiny: the typical error is within 20x of it
    ratios = sorted(r.error / (EPS * e / r.h) for r in small_rows)
    assert ratios[len(ratios) // 2] > 0.05


def test_central_difference_truncation_is_h_squared_over_6():
    sweep = fd.error_sweep(np.sin, 1.0, exact=math.cos(1.0), hs=np.logspace(-3, -1.5, 5),
                           scheme="central")
    for row in sweep.rows:  # f''' = -cos
        assert row.error == pytest.approx(row.h ** 2 / 6 * math.cos(1.0), rel=0.01)


def _theory_optimum(scheme, f, f2, f3):
    if scheme in ("forward", "backward"):
        return math.sqrt(2 * EPS * abs(f) / abs(f2))
    return (1.5 * EPS * abs(f) / abs(f3)) ** (1 / 3)


# (adlab function, x, f(x), f'(x), f''(x), f'''(x)) with derivatives written by hand
OPTIMUM_CASES = [
    ("exp at 1", ad.exp, 1.0, math.e, math.e, math.e, math.e),
    ("sin at 1", ad.sin, 1.0, math.sin(1), math.cos(1), -math.sin(1), -math.cos(1)),
    ("x ln x at 2", lambda x: x * ad.log(x), 2.0, 2 * math.log(2), math.log(2) + 1, 0.5, -0.25),
    ("1/(1+x²) at 0.5", lambda x: 1 / (1 + x * x), 0.5, None, None, None, None),
    ("exp at 10", ad.exp, 10.0, math.exp(10), math.exp(10), math.exp(10), math.exp(10)),
]


def _runge_derivatives(x):
    # 1/(1+x²): f' = -2x/(1+x²)², f'' = (6x²-2)/(1+x²)³, f''' = 24x(1-x²)/(1+x²)⁴
    q = 1 + x * x
    return 1 / q, -2 * x / q ** 2, (6 * x * x - 2) / q ** 3, 24 * x * (1 - x * x) / q ** 4


@pytest.mark.parametrize("scheme", ["forward", "backward", "central"])
@pytest.mark.parametrize("case", range(len(OPTIMUM_CASES)))
def test_measured_optimal_step_agrees_with_theory_within_10x(case, scheme):
    name, f, x, f0, f1, f2, f3 = OPTIMUM_CASES[case]
    if f0 is None:
        f0, f1, f2, f3 = _runge_derivatives(x)
    sweep = fd.error_sweep(f, x, exact=f1, scheme=scheme)
    theory = _theory_optimum(scheme, f0, f2, f3)
    assert sweep.h_optimal_theory == pytest.approx(theory, rel=1e-6), name
    assert 0.1 < sweep.h_optimal_measured / theory < 10, (name, sweep.summary())


def test_error_sweep_defaults_exact_to_ad_and_works_for_untraceable_functions():
    traced = fd.error_sweep(ad.exp, 1.0)
    assert traced.exact == pytest.approx(math.e, rel=1e-15) and traced.model_source == "ad"
    plain = fd.error_sweep(math.exp, 1.0, exact=math.e)          # math.exp cannot be traced
    assert plain.model_source == "finite differences"
    assert plain.derivatives["f''"] == pytest.approx(math.e, rel=1e-5)
    assert plain.h_optimal_theory == pytest.approx(math.sqrt(2 * EPS), rel=1e-4)


def test_complex_step_error_has_no_v():
    sweep = fd.error_sweep(ad.exp, 1.0, scheme="complex")
    assert sweep.h_optimal_theory is None
    assert all(r.error <= 4 * EPS * math.e for r in sweep.rows if r.h < 1e-9)
    assert min(r.h for r in sweep.rows) <= 1e-19


def test_error_sweep_plot_draws_the_v_and_marks_the_optimum():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    sweep = fd.error_sweep(ad.exp, 1.0)
    ax = sweep.plot()
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    labels = [line.get_label() for line in ax.get_lines()]
    assert any("theory" in label for label in labels) and any("measured" in label
                                                              for label in labels)
    theory_line = next(line for line in ax.get_lines() if "theory" in line.get_label())
    assert theory_line.get_xdata()[0] == pytest.approx(sweep.h_optimal_theory)
    plt.close(ax.figure)
    text = str(sweep)
    assert "optimal h measured" in text and len(text.splitlines()) == len(sweep.rows) + 2


# ---------------------------------------------------------------------- bad input

def test_non_finite_x_is_refused_naming_it():
    for bad in (math.nan, math.inf):
        with pytest.raises(DomainError, match="argument 'x'.*finite"):
            fd.derivative(np.exp, bad)
    with pytest.raises(DomainError, match="argument 'v'"):
        fd.gradient(lambda v: np.sum(v), np.array([1.0, np.nan]))


def test_complex_x_and_strings_are_refused():
    with pytest.raises(InputError, match="complex"):
        fd.derivative(np.exp, 1 + 2j)
    with pytest.raises(InputError, match="str"):
        fd.derivative(np.exp, "1.0")
    with pytest.raises(InputError, match="gradient"):
        fd.derivative(np.exp, np.array([1.0, 2.0]))


@pytest.mark.parametrize("h", [0.0, -1e-6, math.inf])
def test_non_positive_step_is_refused(h):
    with pytest.raises(DomainError, match="h must be positive"):
        fd.derivative(np.exp, 1.0, h=h)


def test_a_step_too_small_to_move_x_is_refused():
    with pytest.raises(DomainError, match="too small"):
        fd.derivative(np.exp, 1e6, h=1e-12, scheme="forward")


def test_unknown_scheme():
    with pytest.raises(InputError, match="scheme must be one of"):
        fd.derivative(np.exp, 1.0, scheme="centered")


def test_function_failing_at_x_plus_h_is_reported_with_the_point():
    with pytest.raises(DomainError, match=r"log failed at x - h = 0\.0 \(backward difference"):
        fd.derivative(ad.log, 1e-9, h=1e-9, scheme="backward")

    def f(x):
        if x > 1.0:
            raise ValueError("only defined up to 1")
        return x * x
    with pytest.raises(DomainError, match=r"x \+ h = 1\.0.*only defined up to 1"):
        fd.derivative(f, 1.0, scheme="forward")
    assert fd.derivative(f, 1.0, scheme="backward").value == pytest.approx(2.0, rel=1e-6)


def test_function_returning_nan_is_reported():
    with pytest.raises(DomainError, match="not finite"):
        fd.derivative(np.log, 0.0, scheme="central", h=1e-3)


def test_complex_step_needs_a_complex_safe_function():
    with pytest.raises(InputError, match="accept complex"):
        fd.derivative(math.sin, 1.0, scheme="complex")
    with pytest.raises(InputError, match="real value"):
        fd.derivative(lambda x: float(np.real(x)) ** 2, 1.0, scheme="complex")


def test_gradient_of_vector_function_points_to_jacobian():
    with pytest.raises(InputError, match="jacobian"):
        fd.gradient(lambda v: v * 2, np.array([1.0, 2.0]))


def test_measured_optimum_ignores_steps_that_happen_to_be_exact():
    # ∂f/∂x1 of the survey's f at (2, 5) as a function of x1 alone: some steps give an error of
    # exactly 0 (and single ones fall far below their neighbours); the V's bottom is near 1e-7
    f = lambda x: math.log(x) + 5 * x - math.sin(5)  # noqa: E731
    sweep = fd.error_sweep(f, 2.0, exact=5.5, scheme="forward")
    assert any(r.error == 0 for r in sweep.rows if r.h < 1e-9)       # the lucky steps exist
    theory = math.sqrt(2 * EPS * abs(math.log(2) + 10 - math.sin(5)) / 0.25)
    assert sweep.h_optimal_theory == pytest.approx(theory, rel=1e-6)
    assert 0.1 < sweep.h_optimal_measured / theory < 10, sweep.summary()
    assert 1e-8 < sweep.h_optimal_measured < 1e-6


# polynomials at integer points: many steps are exact in floating point
POLYNOMIALS = [  # (f, x, f(x), f'(x), f''(x), f'''(x)), derivatives by hand
    (lambda x: x ** 3, 2.0, 8.0, 12.0, 12.0, 6.0),
    (lambda x: x ** 4 - 3 * x, 1.0, -2.0, 1.0, 12.0, 24.0),
    (lambda x: 5 * x ** 3 + x ** 2, 3.0, 144.0, 141.0, 92.0, 30.0),
]


@pytest.mark.parametrize("scheme", ["forward", "backward", "central"])
@pytest.mark.parametrize("case", range(len(POLYNOMIALS)))
def test_measured_optimum_on_polynomials_at_integer_points(case, scheme):
    f, x, f0, f1, f2, f3 = POLYNOMIALS[case]
    sweep = fd.error_sweep(f, x, exact=f1, scheme=scheme)
    theory = _theory_optimum(scheme, f0, f2, f3)
    assert 0.1 < sweep.h_optimal_measured / theory < 10, sweep.summary()


def test_measured_optimum_survives_a_single_outlier():
    rows = fd.error_sweep(ad.exp, 1.0, scheme="forward").rows
    bottom = fd.error_sweep(ad.exp, 1.0, scheme="forward").h_optimal_measured
    # one absurdly good point far from the bottom must not move the optimum
    k = next(i for i, r in enumerate(rows) if r.h > 1e-13)
    rows[k] = rows[k]._replace(error=1e-30)
    from adlab.methods.finite_differences import _smoothed_argmin
    assert _smoothed_argmin(rows, math.e) == bottom
