"""Bad input gets a clear error that names what was wrong and what to do, never a wrong number."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest

import adlab as ad
from adlab import DerivativeError, DomainError, InputError, UnsupportedOperationError


def message(excinfo) -> str:
    return str(excinfo.value)


def assert_lists_supported_operations(text):
    assert "upported" in text
    for op in ("sin", "log", "exp", "+", "*"):
        assert op in text


# ---------------------------------------------------------------- unsupported operations

@pytest.mark.parametrize("label, fn, names", [
    ("math.sin", lambda x: math.sin(x), ["float", "math"]),
    ("math.exp", lambda x: math.exp(x * 2.0), ["float", "math"]),
    ("np.fmod", lambda x: np.fmod(x, 2.0), ["numpy.fmod"]),
    ("np.arcsinh", lambda x: np.arcsinh(x), ["arcsinh"]),
    ("np.nancumsum", lambda x: np.nancumsum(x), ["nancumsum"]),
    ("float()", lambda x: float(x), ["float"]),
    ("int()", lambda x: int(x), ["int"]),
    ("int(math.floor())", lambda x: int(math.floor(x)), ["int"]),
    ("np.asarray", lambda x: np.asarray(x), ["array"]),
])
def test_unsupported_operations_raise_a_type_error_naming_them(label, fn, names):
    for run in (lambda: ad.grad(fn)(1.5), lambda: ad.forward(fn, 1.5),
                lambda: ad.reverse(fn, (1.5,))):
        with pytest.raises(UnsupportedOperationError) as excinfo:
            run()
        assert isinstance(excinfo.value, TypeError)
        text = message(excinfo)
        for name in names:
            assert name in text, (label, text)
        assert_lists_supported_operations(text)
        assert "ad." in text  # says what to use instead


def test_unsupported_numpy_function_on_an_array():
    with pytest.raises(UnsupportedOperationError, match="numpy.fmod") as excinfo:
        ad.grad(lambda x: ad.sum(np.fmod(x, 2.0)))(np.array([1.5, 2.5]))
    assert_lists_supported_operations(message(excinfo))


@pytest.mark.parametrize("label, fn, value, slope", [
    ("math.floor", lambda x: math.floor(x) + x, 3.5, 1.0),   # floor has a rule: derivative 0
    ("math.ceil", lambda x: math.ceil(x) * x, 3.5, 4.0),
    ("math.trunc", lambda x: math.trunc(x) * x, -3.5, -3.0),
    ("round", lambda x: round(x) * x, 2.5, 2.0),             # half to even, as numpy
    ("np.floor", lambda x: np.floor(x) * x, 3.5, 3.0),
    ("modulo", lambda x: x % 2.0, 3.5, 1.0),
    ("floor division", lambda x: x // 2.0 + x, 3.5, 1.0),
])
def test_operations_with_a_rule_once_refused_are_now_differentiated(label, fn, value, slope):
    assert ad.grad(fn)(value) == slope


def test_untraced_values_still_work_with_math_and_numpy():
    # the restriction only concerns traced values: constants may use anything
    assert ad.grad(lambda x: x * math.floor(2.7) + np.floor(1.5))(1.0) == 2.0


# ---------------------------------------------------------------- domains

# the node as the primal trace writes it ("v1 = ln v0") or as a call ("v1 = log(v0)")
@pytest.mark.parametrize("label, fn, x, node, value", [
    ("log(-1)", ad.log, -1.0, r"v1 = (ln v0|log\(v0\))", "-1"),
    ("sqrt(-4)", ad.sqrt, -4.0, r"v1 = (√v0|sqrt\(v0\))", "-4"),
    ("1/0", lambda x: 1 / x, 0.0, r"v1 = (1 / v0|div\(1, v0\))", "0"),
    ("log(0)", ad.log, 0.0, r"v1 = (ln v0|log\(v0\))", "0"),
    ("exp overflow", ad.exp, 1000.0, r"v1 = (exp v0|exp\(v0\))", "1000"),
    ("(-8)**0.5", lambda x: x ** 0.5, -8.0, r"v1 = (v0\^0\.5|pow\(v0, 0\.5\))", "-8"),
    ("0**-1", lambda x: x ** -1.0, 0.0, r"v1 = (v0\^-1|pow\(v0, -1\))", "0"),
    ("np.log(-1)", np.log, -1.0, r"v1 = (ln v0|log\(v0\))", "-1"),
])
def test_domain_errors_name_the_node_and_the_value(label, fn, x, node, value):
    for run in (lambda: ad.grad(fn)(x), lambda: ad.forward(fn, x), lambda: ad.reverse(fn, (x,)),
                lambda: ad.jvp(fn, (x,), (1.0,))):
        with pytest.raises(DomainError) as excinfo:
            run()
        assert isinstance(excinfo.value, ValueError)
        text = message(excinfo)
        assert re.search(node, text), (label, text)
        assert re.search(rf"v0 = {re.escape(value)}\b", text), (label, text)


def test_domain_error_in_the_survey_numbering_with_two_inputs():
    def f(x1, x2):
        return ad.log(x1) + x1 * x2 - ad.sin(x2)
    for run in (lambda: ad.reverse(f, (-1.0, 5.0)), lambda: ad.grad(f, argnums=(0, 1))(-1.0, 5.0)):
        with pytest.raises(DomainError) as excinfo:
            run()
        text = message(excinfo)
        assert re.search(r"v1 = (ln v-1|log\(v-1\))", text), text
        assert "v-1 = -1" in text and "positive" in text


def test_domain_error_deep_in_a_function_names_the_right_node():
    def f(x):
        y = x * 2.0         # v1
        z = y - 4.0         # v2
        return 1.0 / z      # v3
    with pytest.raises(DomainError) as excinfo:
        ad.grad(f)(2.0)
    assert re.search(r"v3 = (1 / v2|div\(1, v2\))", message(excinfo)), message(excinfo)
    assert "v2 = 0" in message(excinfo)


def test_domain_error_on_arrays_reports_the_offending_values():
    with pytest.raises(DomainError) as excinfo:
        ad.grad(lambda x: ad.sum(ad.log(x)))(np.array([1.0, -2.0, 3.0]))
    text = message(excinfo)
    assert "log" in text and "-2" in text and "(3,)" in text
    assert "ad.where" in text and "`if`" in text  # an `if` cannot guard an array element by element


def test_domain_error_on_a_number_suggests_an_if():
    with pytest.raises(DomainError) as excinfo:
        ad.grad(ad.log)(-2.0)
    assert "guard the operation with an `if`" in message(excinfo)
    assert "ad.where" not in message(excinfo)


def test_untraced_domain_errors_are_domain_errors_too():
    with pytest.raises(DomainError, match="log"):
        ad.log(-1.0)
    with pytest.raises(DomainError, match="sqrt"):
        ad.sqrt(np.array([-1.0, 4.0]))


# ---------------------------------------------------------------- shape errors

X85, W5_16 = np.ones((8, 5)), np.ones((5, 16))


@pytest.mark.parametrize("fn, message", [
    (lambda X, W: X @ W.T, "v2 = v-1 @ v1: the shapes (8, 5) @ (16, 5) do not fit: the inner "
                           "dimensions must agree, (n, k) @ (k, m), and here they are 5 and 16."),
    (lambda X, W: X @ np.ones(3), "v1 = v-1 @ a constant: the shapes (8, 5) @ (3,) do not fit"),
    (lambda X, W: ad.tanh(X @ W) + ad.sum(X, axis=0),
     "v4 = v2 + v3: the shapes (8, 16) and (5,) do not broadcast: numpy lines shapes up from the "
     "right, and each pair of lengths must be equal or one of them 1."),
    (lambda X, W: ad.concatenate([X, W]), "v1 = concatenate(v-1, v0): the shapes (8, 5), (5, 16) "
                                          "must agree in every dimension but the joining one"),
])
def test_a_shape_error_names_the_node_and_both_shapes_and_says_what_to_look_for(fn, message):
    with pytest.raises(DomainError) as error:
        ad.reverse(lambda X, W: ad.sum(fn(X, W)), (X85, W5_16))
    text = str(error.value)
    assert text.startswith(message), text
    assert "transpose (.T)" in text and "min" not in text and "guard the operation" not in text


def test_a_shape_error_outside_a_trace_names_the_shapes_too():
    with pytest.raises(DomainError, match=r"^a @ b: the shapes \(8, 5\) @ \(8, 5\) do not fit"):
        ad.matmul(X85, X85)
    with pytest.raises(DomainError, match=r"^concatenate\(a, b\): the shapes \(8, 5\), \(5, 16\)"):
        ad.concatenate([X85, W5_16])


# ---------------------------------------------------------------- derivatives that do not exist

@pytest.mark.parametrize("run", [
    lambda: ad.grad(ad.sqrt)(0.0),
    lambda: ad.jvp(ad.sqrt, (0.0,), (1.0,)),
    lambda: ad.forward(ad.sqrt, 0.0).tangent,
    lambda: ad.reverse(ad.sqrt, (0.0,)).grad,
    lambda: ad.grad(lambda x: ad.sqrt(x * x))(0.0),
    # forward mode on arrays: an infinite tangent is an error, not an inf in the result
    lambda: ad.jvp(ad.sqrt, (np.array([0.0, 1.0]),), (np.array([1.0, 1.0]),)),
    lambda: ad.jacobian(ad.sqrt, mode="forward")(np.array([0.0, 1.0])),
    lambda: ad.forward(lambda x: ad.sum(ad.sqrt(x)), (np.array([1.0, 0.0]),),
                       (np.array([0.0, 1.0]),)).tangent,
], ids=["grad", "jvp", "forward", "reverse", "sqrt(x²)", "jvp array", "jacobian forward",
        "forward array"])
def test_derivative_of_sqrt_at_zero_is_a_derivative_error(run):
    with pytest.raises(DerivativeError) as excinfo:
        run()
    text = message(excinfo)
    assert isinstance(excinfo.value, ValueError)
    assert "derivative" in text and "sqrt" in text and ("= 0" in text or "min 0" in text)


def test_derivative_of_arctan2_at_the_origin_is_a_derivative_error():
    assert ad.arctan2(0.0, 0.0) == 0.0  # the value exists (as in numpy), the derivative does not
    for run in (lambda: ad.grad(ad.arctan2, argnums=(0, 1))(0.0, 0.0),
                lambda: ad.jvp(ad.arctan2, (0.0, 0.0), (1.0, 0.0)),
                lambda: ad.grad(lambda v: ad.sum(ad.arctan2(v, v)))(np.array([1.0, 0.0]))):
        with pytest.raises(DerivativeError) as excinfo:
            run()
        assert "arctan2" in message(excinfo) and "(0, 0)" in message(excinfo)


@pytest.mark.parametrize("run", [
    lambda: ad.grad(lambda y: (-2.0) ** y)(2.0),
    lambda: ad.jvp(lambda y: (-2.0) ** y, (2.0,), (1.0,)),
    lambda: ad.reverse(lambda y: (-2.0) ** y, (2.0,)),
], ids=["grad", "jvp", "reverse"])
def test_derivative_of_a_power_in_its_exponent_at_a_negative_base(run):
    """(-2)^y has a value at y = 2 but no derivative in y (ln of a negative number): the error is a
    DerivativeError naming the node, like any other, not a bare message about ln."""
    with pytest.raises(DerivativeError) as excinfo:
        run()
    text = message(excinfo)
    assert "derivative" in text and "v1" in text and "v0 = 2" in text, text


def test_sqrt_at_zero_has_a_value():
    assert ad.sqrt(0.0) == 0.0
    assert ad.sqrt(np.zeros(2)).tolist() == [0.0, 0.0]


# ---------------------------------------------------------------- wrong kinds of input and output

@pytest.mark.parametrize("output, words", [
    (lambda x: (x, x * 2.0), ["scalar", "2 values", "jacobian"]),
    (lambda x: [x, x], ["scalar", "2 values"]),
    (lambda x: x * np.ones(3), ["scalar", "shape (3,)"]),
])
def test_grad_of_a_non_scalar_function_says_a_scalar_was_expected(output, words):
    for transform in (ad.grad, ad.value_and_grad):
        with pytest.raises(InputError) as excinfo:
            transform(output)(1.0)
        for word in words:
            assert word in message(excinfo), message(excinfo)


@pytest.mark.parametrize("bad, kind", [("a", "str"), ("1.0", "str"), (None, "NoneType"),
                                       (True, "bool"), (1 + 2j, "complex"),
                                       (np.array(["a"]), "ndarray"), ([1.0, "b"], "str")])
def test_passing_a_non_number_says_what_was_expected(bad, kind):
    with pytest.raises(InputError) as excinfo:
        ad.grad(lambda x: x)(bad)
    text = message(excinfo)
    assert isinstance(excinfo.value, TypeError)
    assert kind in text and "float" in text and "'x'" in text, text


def test_a_non_number_output_is_reported():
    with pytest.raises(InputError, match="returned str"):
        ad.grad(lambda x: "a")(1.0)
    with pytest.raises(InputError, match="expects a number"):
        ad.reverse(lambda x: None, (1.0,))


def test_differentiating_something_that_is_not_a_function():
    with pytest.raises(InputError, match="function"):
        ad.grad(3.0)(1.0)


@pytest.mark.parametrize("argnums", [2, -3, (0, 2), (0, "a"), 1.0, "x", None])
def test_bad_argnums(argnums):
    def f(x, y):
        return x * y
    for transform in (ad.grad, ad.value_and_grad, ad.jacobian):
        with pytest.raises(InputError) as excinfo:
            transform(f, argnums=argnums)(1.0, 2.0)
        text = message(excinfo)
        assert "argnums" in text and "2 positional argument" in text, text


def test_reverse_of_a_vector_output_needs_a_cotangent():
    for fn in (lambda x: (x, 2.0 * x), lambda x: x * np.ones(2)):
        with pytest.raises(InputError) as excinfo:
            ad.reverse(fn, (1.0,))
        assert "cotangent" in message(excinfo)
    # with one, it works
    assert ad.reverse(lambda x: (x, 2.0 * x), (1.0,), (0.0, 1.0)).grad == (2.0,)


def test_forward_with_several_inputs_needs_a_tangent():
    with pytest.raises(InputError, match="tangent"):
        ad.forward(lambda x, y: x * y, (1.0, 2.0))


@pytest.mark.parametrize("run, words", [
    (lambda: ad.forward(lambda x, y: x * y, (1.0, 2.0), (1.0,)), ["1 entries", "2"]),
    (lambda: ad.jvp(lambda x: 2.0 * x, (np.ones(3),), (np.ones(2),)), ["shape (2,)", "(3,)"]),
    (lambda: ad.forward(lambda x: 2.0 * x, (np.ones(3),), (np.ones(2),)), ["shape (2,)", "(3,)"]),
    (lambda: ad.vjp(lambda x: 2.0 * x, np.ones(3))[1](np.ones(2)), ["cotangent", "(2,)", "(3,)"]),
    (lambda: ad.reverse(lambda x: 2.0 * x, (np.ones(3),), np.ones(4)), ["cotangent", "(4,)"]),
    (lambda: ad.jvp(lambda x: x, (1.0,), ("a",)), ["str", "float"]),
])
def test_wrong_tangent_or_cotangent_shapes(run, words):
    with pytest.raises(InputError) as excinfo:
        run()
    for word in words:
        assert word in message(excinfo), message(excinfo)


def test_bad_jacobian_mode():
    with pytest.raises(InputError, match="forward.*reverse"):
        ad.jacobian(lambda x: x, mode="sideways")(1.0)


# ---------------------------------------------------------------- state after an error

def test_an_error_leaves_no_tape_active_and_restores_numpy_error_handling():
    before = np.geterr()
    with pytest.raises(DomainError):
        ad.grad(lambda x: ad.grad(lambda y: ad.log(y - x))(x))(1.0)
    assert np.geterr() == before
    from adlab.engine import tape
    assert tape.active_tapes == [] and tape.strict_depth == 0
    assert ad.grad(lambda x: x * x)(3.0) == 6.0
    with np.errstate(divide="warn"), pytest.warns(RuntimeWarning):  # numpy's own behaviour
        assert np.array([1.0]) / np.array([0.0]) == np.inf


def test_every_error_is_an_adlab_error():
    for cls in (DomainError, DerivativeError, InputError, UnsupportedOperationError):
        assert issubclass(cls, ad.AdlabError)
