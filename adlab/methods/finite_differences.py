"""Finite differences: differentiating by evaluating f at nearby points (``ad.fd``).

>>> import adlab as ad
>>> r = ad.fd.gradient(lambda x1, x2: ad.log(x1) + x1 * x2 - ad.sin(x2), (2.0, 5.0))
>>> [round(g, 5) for g in r.value], r.evaluations          # n + 1 evaluations of f
([5.5, 1.71634], 3)

Schemes, for a step ``h`` along input ``x_j``:

- ``forward``  ``(f(x + h) - f(x)) / h``        error ≈ h/2·|f''| + ε|f|/h,        n + 1 evaluations
- ``backward`` ``(f(x) - f(x - h)) / h``        the same error,                    n + 1 evaluations
- ``central``  ``(f(x + h) - f(x - h)) / 2h``   error ≈ h²/6·|f'''| + ε|f|/(2h),   2n evaluations
- ``complex``  ``Im f(x + ih) / h``             error ≈ h²/6·|f'''| (no cancellation), n evaluations;
  f must accept complex numbers (operators, numpy, cmath, adlab's ``ad.sin``, ``ad.exp``...; not
  ``math.*``, and not ``abs``, which is not analytic).

The round-off term: each evaluation of f is off by about ε|f|/2 (ε = 2.2e-16, machine epsilon),
and subtracting two nearly equal values keeps that absolute error while the difference shrinks
with h. Balancing the two terms gives the textbook default step (used when ``h`` is None):
``√ε·max(|x|, 1)`` ≈ 1.5e-8 one-sided, ``∛ε·max(|x|, 1)`` ≈ 6.1e-6 central, and ``1e-20·max(|x|, 1)``
for the complex step. Real steps are rounded so that ``x + h`` is a float exactly ``h`` away
(``h = (x + h) - x``), which removes the error of representing the step.

Every result counts its evaluations of f, to set beside AD's cost: a gradient by finite differences
costs n + 1 (or 2n) evaluations; by reverse mode, one forward and one reverse sweep
(``ad.reverse(f, x).cost``), whatever n is.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..engine.recording import parameter_names
from ..engine.tree import flatten
from ..errors import AdlabError, DomainError, InputError

EPS = float(np.finfo(float).eps)
SCHEMES = ("forward", "backward", "central", "complex")
_DEFAULT_STEP = {"forward": math.sqrt(EPS), "backward": math.sqrt(EPS),
                 "central": EPS ** (1 / 3), "complex": 1e-20}


@dataclass(frozen=True)
class Estimate:
    """A finite-difference derivative: ``value``, the ``scheme`` and step(s) ``h`` used, and the
    number of ``evaluations`` of f it cost. Behaves like its value in arithmetic and numpy."""

    value: object
    scheme: str
    h: object
    evaluations: int

    def __float__(self):
        return float(self.value)

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.value, dtype=dtype)

    def __repr__(self):
        return (f"Estimate(value={self.value!r}, scheme={self.scheme!r}, h={self.h!r}, "
                f"evaluations={self.evaluations})")


def _delegate(name):
    def method(self, *other):
        return getattr(np.asarray(self.value) if isinstance(self.value, tuple) else self.value,
                       name)(*other)
    method.__name__ = name
    return method


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
              "__rtruediv__", "__neg__", "__abs__"):
    setattr(Estimate, _name, _delegate(_name))


# ---------------------------------------------------------------------- checking arguments

def _check_scheme(scheme):
    if scheme not in SCHEMES:
        raise InputError(f"scheme must be one of {', '.join(map(repr, SCHEMES))}; got {scheme!r}.")


def _real_leaf(value, what):
    """A float or float64 array for one input leaf, or a clear error naming it."""
    if isinstance(value, (complex, np.complexfloating)) or np.iscomplexobj(value):
        raise InputError(f"{what} is complex ({value!r}); finite differences differentiate with "
                         f"respect to real inputs (scheme='complex' adds the imaginary step itself).")
    if isinstance(value, (bool, str, bytes)) or value is None:
        raise InputError(f"{what} is {type(value).__name__} {value!r}; pass a real number or an "
                         f"array of them.")
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            raise DomainError(f"{what} is {value}: finite differences need a finite point.")
        return value
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{what} is {type(value).__name__} {value!r}; pass a real number or an "
                         f"array of them.") from None
    if not np.all(np.isfinite(array)):
        raise DomainError(f"{what} has non-finite entries ({array[~np.isfinite(array)][:3]}): "
                          f"finite differences need a finite point.")
    return array


def _steps(h, x, scheme, names):
    """The step for each entry of the flat input vector ``x``."""
    if h is None:
        steps = _DEFAULT_STEP[scheme] * np.maximum(np.abs(x), 1.0)
    else:
        if isinstance(h, (bool, str, complex)) or np.iscomplexobj(h):
            raise InputError(f"h must be a positive real number (or one per input), got {h!r}.")
        try:
            steps = np.broadcast_to(np.asarray(h, dtype=float), x.shape).copy()
        except (TypeError, ValueError):
            raise InputError(f"h must be a positive number, or a sequence of {x.size} of them "
                             f"(one per input), got {h!r}.") from None
        bad = ~(np.isfinite(steps) & (steps > 0))
        if bad.any():
            j = int(np.argmax(bad))
            raise DomainError(f"h must be positive and finite; got h = {steps[j]!r} for "
                              f"{names[j]}. Leave h=None for the textbook step.")
    if scheme != "complex":
        exact = (x + steps) - x  # a step that x + h represents exactly
        if np.any(exact == 0):
            j = int(np.argmax(exact == 0))
            raise DomainError(f"h = {steps[j]:.3g} is too small for {names[j]} = {x[j]!r}: "
                              f"{names[j]} + h rounds back to {names[j]}. Take h of at least "
                              f"{EPS * max(abs(x[j]), 1):.3g} (ε·|x|).")
        steps = exact
    return steps


# ---------------------------------------------------------------------- evaluating f

class _Failure(Exception):
    """An evaluation failed; ``error(where)`` is the message, formatted only when needed."""

    def __init__(self, error):
        self.error = error


class _Problem:
    """f with its arguments flattened to one vector, counting its evaluations."""

    def __init__(self, f, xs, single):
        if not callable(f):
            raise InputError(f"expected a function to differentiate, got {type(f).__name__} {f!r}.")
        self.f, self.single = f, single
        self.fname = getattr(f, "__name__", None) or getattr(f, "name", "f")
        args = (xs,) if single else tuple(xs)
        arg_names = parameter_names(f, len(args))
        _, self.rebuild_args = flatten(list(args))
        self.names, self.shapes, values = [], [], []
        for i, arg in enumerate(args):
            arg_leaves, _ = flatten(arg)
            what = f"argument {arg_names[i]!r}" + (" (an entry of it)" if len(arg_leaves) > 1
                                                   else "")
            offset = 0
            for leaf in arg_leaves:
                value = _real_leaf(leaf, what)
                size = int(np.size(value))
                self.shapes.append(np.shape(value))
                values.append(np.ravel(value))
                self.names += ([arg_names[i]] if size == 1 and len(arg_leaves) == 1 else
                               [f"{arg_names[i]}[{offset + k}]" for k in range(size)])
                offset += size
        self.x = np.concatenate(values) if values else np.zeros(0)
        self.evaluations = 0
        self.out_rebuild = None
        self.out_shapes = None

    def args(self, vector):
        leaves, start = [], 0
        for shape in self.shapes:
            size = int(np.prod(shape)) if shape else 1
            part = vector[start:start + size]
            leaves.append(part.reshape(shape) if shape else part[0].item())
            start += size
        rebuilt = self.rebuild_args(leaves)
        return (rebuilt[0],) if self.single else tuple(rebuilt)

    def __call__(self, vector, where, complex_step=False):
        """f at the flat point ``vector`` as a flat output vector; ``where`` names the point (a
        string, or a function giving it: messages are only formatted when something fails)."""
        self.evaluations += 1
        try:
            return self._evaluate(vector, complex_step)
        except _Failure as failure:
            raise failure.error(where if isinstance(where, str) else where()) from None

    def _evaluate(self, vector, complex_step):
        try:
            result = self.f(*self.args(vector))  # numpy's warnings are off (see _jacobian)
        except AdlabError as error:
            if complex_step and isinstance(error, TypeError):
                raise _Failure(lambda where, e=error: self._not_complex(where, e)) from None
            raise _Failure(lambda where, e=error: DomainError(
                f"{self.fname} failed at {where}: {e}")) from None
        except Exception as error:  # noqa: BLE001 - any failure of user code, reported with its point
            if complex_step and isinstance(error, TypeError):
                raise _Failure(lambda where, e=error: self._not_complex(where, e)) from None
            raise _Failure(lambda where, e=error: DomainError(
                f"{self.fname} failed at {where} [{type(e).__name__}: {e}]. "
                f"Finite differences need f defined around x: try a smaller h, or "
                f"scheme='backward'/'forward' at the edge of f's domain.")) from None
        leaves, rebuild = flatten(result)
        try:
            parts = [np.ravel(np.asarray(leaf, dtype=complex if complex_step else float))
                     for leaf in leaves]
        except (TypeError, ValueError):
            raise _Failure(lambda where: InputError(
                f"{self.fname} returned {type(result).__name__} {result!r} at {where}; "
                f"expected a number, an array, or a tuple/list of them.")) from None
        if complex_step and not any(np.iscomplexobj(leaf) for leaf in leaves):
            raise _Failure(lambda where: self._not_complex(
                where, "it returned a real value, dropping the imaginary part"))
        if self.out_rebuild is None:
            self.out_rebuild, self.out_shapes = rebuild, [np.shape(leaf) for leaf in leaves]
        out = np.concatenate(parts) if parts else np.zeros(0)
        if not np.all(np.isfinite(out)):
            raise _Failure(lambda where: DomainError(
                f"{self.fname} is not finite at {where} (it returned {result!r}): "
                f"finite differences need f defined around x; try a smaller h."))
        return out

    def _not_complex(self, where, cause):
        return InputError(
            f"scheme='complex' needs {self.fname} to accept complex numbers, but at {where} "
            f"{cause}. Write f with operators, numpy or cmath functions, or adlab's (ad.sin, "
            f"ad.exp...): math.* and abs() do not work; or use scheme='central'.")

    def rebuild_output(self, flat):
        """Per-output values shaped like f's result."""
        leaves, start = [], 0
        for shape in self.out_shapes:
            size = int(np.prod(shape)) if shape else 1
            part = flat[start:start + size]
            leaves.append(part.reshape(shape) if shape else float(part[0]))
            start += size
        return self.out_rebuild(leaves)


def _describe_point(problem, j, sign, h, scheme):
    name = problem.names[j]
    step = f"{name} + i·h" if scheme == "complex" else f"{name} {sign} h"
    value = float(problem.x[j] + (h if sign == "+" else -h))
    shown = f" = {value!r}" if scheme != "complex" else ""
    return f"{step}{shown} ({scheme} difference for ∂/∂{name}, h = {h:.3g})"


def _jacobian(problem, h, scheme):
    """The m × n matrix of finite differences, column j for input j."""
    with np.errstate(all="ignore"):  # a non-finite value is reported by _Problem itself
        return _columns(problem, h, scheme)


def _columns(problem, h, scheme):
    _check_scheme(scheme)
    x = problem.x
    steps = _steps(h, x, scheme, problem.names)
    columns = []
    if scheme in ("forward", "backward"):
        base = problem(x, "x itself (the base point of the differences)")
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = steps[j]

        def at(sign, j=j):  # names the point in an error message, only if one is raised
            return lambda: _describe_point(problem, j, sign, steps[j], scheme)
        if scheme == "forward":
            column = (problem(x + e, at("+")) - base) / steps[j]
        elif scheme == "backward":
            column = (base - problem(x - e, at("-"))) / steps[j]
        elif scheme == "central":
            column = (problem(x + e, at("+")) - problem(x - e, at("-"))) / (2 * steps[j])
        else:
            column = problem(x + 1j * e, at("+"), complex_step=True).imag / steps[j]
        columns.append(np.real(column))
    if not columns:
        raise InputError(f"{problem.fname} has no inputs to differentiate with respect to.")
    return np.stack(columns, axis=1), steps


def _step_report(steps):
    return float(steps[0]) if steps.size == 1 else steps


# ---------------------------------------------------------------------- public functions

def derivative(f, x, h=None, scheme="central") -> Estimate:
    """``f'(x)`` for one real number ``x`` by finite differences (f may return several values).

    ``h`` is the step (default: the textbook step, see the module docstring); ``scheme`` is
    ``"forward"``, ``"backward"``, ``"central"`` or ``"complex"``.
    """
    if isinstance(x, (tuple, list)) or np.ndim(x) != 0:
        raise InputError(f"derivative takes one number x, got {type(x).__name__} of shape "
                         f"{np.shape(x)}; use ad.fd.gradient or ad.fd.jacobian for several inputs.")
    problem = _Problem(f, x, single=True)
    matrix, steps = _jacobian(problem, h, scheme)
    return Estimate(problem.rebuild_output(matrix[:, 0]), scheme, _step_report(steps),
                    problem.evaluations)


def gradient(f, xs, h=None, scheme="forward") -> Estimate:
    """The gradient of a scalar function at ``xs`` by finite differences.

    ``xs`` is a tuple of arguments (``f(*xs)``, like ``ad.reverse``) or one number or array
    (``f(xs)``); the gradient is nested the same way. ``evaluations`` is n + 1 (forward, backward),
    2n (central) or n (complex) for n input numbers.
    """
    problem = _Problem(f, xs, single=not isinstance(xs, (tuple, list)))
    matrix, steps = _jacobian(problem, h, scheme)
    if matrix.shape[0] != 1:
        raise InputError(f"gradient needs {problem.fname} to return one number, but it returned "
                         f"{matrix.shape[0]} values; use ad.fd.jacobian for several outputs.")
    leaves = problem.args(matrix[0])
    return Estimate(leaves[0] if problem.single else leaves, scheme, _step_report(steps),
                    problem.evaluations)


def jacobian(f, xs, h=None, scheme="forward") -> Estimate:
    """The Jacobian of ``f: Rⁿ → Rᵐ`` at ``xs`` as an ``(m, n)`` array (inputs and outputs
    flattened in order), one column of differences per input."""
    problem = _Problem(f, xs, single=not isinstance(xs, (tuple, list)))
    matrix, steps = _jacobian(problem, h, scheme)
    return Estimate(matrix, scheme, _step_report(steps), problem.evaluations)


# ---------------------------------------------------------------------- the error study

class ErrorRow(NamedTuple):
    """One step of an error sweep: the total error and the two terms of its model."""
    h: float
    error: float        # |estimate - exact|
    truncation: float   # model: h/2·|f''| (one-sided) or h²/6·|f'''| (central, complex)
    roundoff: float     # model: ε|f|/h (one-sided), ε|f|/(2h) (central), ε|f'| (complex)
    estimate: float


class ErrorSweep:
    """The result of :func:`error_sweep`: ``rows``, the optimal steps, ``str()`` and ``plot()``."""

    def __init__(self, rows, scheme, x, exact, h_optimal_theory, derivatives, model_source):
        self.rows = rows
        self.scheme, self.x, self.exact = scheme, x, exact
        self.h_optimal_theory = h_optimal_theory
        self.derivatives = derivatives  # {"f": .., "f'": .., "f''": .., "f'''": ..} at x
        self.model_source = model_source
        best = min(rows, key=lambda r: r.error)
        self.h_smallest_error, self.error_optimal_measured = best.h, best.error
        self.h_optimal_measured = _smoothed_argmin(rows, exact)

    @property
    def optimum_ratio(self) -> float | None:
        """measured / theoretical optimal h (1 = perfect agreement)."""
        if self.h_optimal_theory is None:
            return None
        return self.h_optimal_measured / self.h_optimal_theory

    def summary(self) -> str:
        theory = (f"{self.h_optimal_theory:.2g}" if self.h_optimal_theory is not None
                  else "none (the model has no V: any small h)")
        at = next(r.error for r in self.rows if r.h == self.h_optimal_measured)
        return (f"{self.scheme} differences at x = {self.x:g}: optimal h measured "
                f"{self.h_optimal_measured:.2g} (the bottom of the V's trend; error {at:.2g} "
                f"there), theory {theory}")

    def __str__(self) -> str:
        lines = [self.summary(), f"{'h':>10}  {'error':>10}  {'truncation':>10}  {'round-off':>10}"]
        lines += [f"{r.h:10.3g}  {r.error:10.3g}  {r.truncation:10.3g}  {r.roundoff:10.3g}"
                  for r in self.rows]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ErrorSweep: {self.summary()}; {len(self.rows)} rows>"

    def plot(self, ax=None):
        """The log-log error curve (the V), its model, and the optimal h marked."""
        import matplotlib.pyplot as plt

        from .. import palette
        if ax is None:
            _, ax = plt.subplots(figsize=(6.4, 4.2))
        h = np.array([r.h for r in self.rows])
        floor = EPS * max(abs(self.exact), 1e-300) * 1e-3   # exact hits (error 0) drawn at a floor
        raw_error = np.array([r.error for r in self.rows])
        error = np.maximum(raw_error, floor)
        truncation = np.array([r.truncation for r in self.rows])
        roundoff = np.array([r.roundoff for r in self.rows])
        exact = raw_error == 0
        ax.loglog(h[~exact], error[~exact], "o", ms=3.5, color=palette.BLUE,
                  label="measured error")
        if exact.any():
            ax.loglog(h[exact], error[exact], "v", ms=4, mfc="none", color=palette.BLUE,
                      label="error exactly 0 (drawn at the bottom)")
        ax.loglog(h, truncation + roundoff, "-", color=palette.BLACK, lw=1, label="model")
        ax.loglog(h, truncation, "--", color=palette.VERMILLION, lw=1, label="truncation")
        ax.loglog(h, roundoff, ":", color=palette.BLUISH_GREEN, lw=1.5, label="round-off")
        if self.h_optimal_theory is not None:
            ax.axvline(self.h_optimal_theory, color=palette.ORANGE, lw=1.2,
                       label=f"optimal h, theory ({self.h_optimal_theory:.1e})")
        at = next(r.error for r in self.rows if r.h == self.h_optimal_measured)
        ax.plot([self.h_optimal_measured], [max(at, floor)], "*",
                ms=14, color=palette.REDDISH_PURPLE,
                label=f"optimal h, measured ({self.h_optimal_measured:.1e})")
        low = min(error.min(), np.min((truncation + roundoff)[truncation + roundoff > 0],
                                      initial=error.min()))
        ax.set_ylim(bottom=max(low / 10, floor / 10))
        ax.set_xlabel("step h")
        ax.set_ylabel("|error|")
        ax.set_title(f"{self.scheme} difference: error against step size")
        ax.legend(fontsize="small")
        return ax


def _smoothed_argmin(rows, exact):
    """The h at the bottom of the V's trend: the median of log10|error| over the steps within half
    a decade either side, smallest.

    Round-off makes single errors random: a lucky step can be exact (error 0, common for
    polynomials at integer points) or fall far below its neighbours, so the optimum is read off
    the trend of the V, never off one point. Exact zeros are luck, not the trend's level: they are
    left out, and a median of what remains ignores single outliers. (If every error is 0, the
    smallest step is returned.)
    """
    h = np.array([r.h for r in rows])
    error = np.array([r.error for r in rows])
    nonzero = error > 0
    if not nonzero.any():
        return float(h.min())
    log_h, log_error = np.log10(h), np.log10(np.where(nonzero, error, 1.0))
    trend = np.full(len(rows), np.inf)
    for i, lh in enumerate(log_h):
        near = nonzero & (np.abs(log_h - lh) <= 0.5 + 1e-9)
        if near.sum() >= min(2, nonzero.sum()):
            trend[i] = np.median(log_error[near])
    return rows[int(np.argmin(trend))].h


def _model_derivatives(f, x):
    """f, f', f'', f''' at x: by adlab's AD when f is traceable, else by wide finite differences."""
    from ..engine import transforms as api
    try:
        d1 = api.grad(f)
        d2 = api.grad(d1)
        d3 = api.grad(d2)
        return {"f": float(f(x)), "f'": float(d1(x)), "f''": float(d2(x)),
                "f'''": float(d3(x))}, "ad"
    except (AdlabError, TypeError):
        pass  # not traceable (math.*, numpy functions adlab has no rule for...)
    scale = max(abs(x), 1.0)
    k2, k3 = EPS ** 0.25 * scale, EPS ** 0.2 * scale
    g = lambda t: float(f(t))  # noqa: E731
    return {"f": g(x), "f'": (g(x + k2) - g(x - k2)) / (2 * k2),
            "f''": (g(x + k2) - 2 * g(x) + g(x - k2)) / k2 ** 2,
            "f'''": (g(x + 2 * k3) - 2 * g(x + k3) + 2 * g(x - k3) - g(x - 2 * k3)) / (2 * k3 ** 3)
            }, "finite differences"


def _model(scheme, d):
    """(truncation(h), roundoff(h), optimal h or None) for the scheme, from derivatives d at x."""
    f, f1, f2, f3 = (abs(d[k]) for k in ("f", "f'", "f''", "f'''"))
    if scheme in ("forward", "backward"):
        optimum = math.sqrt(2 * EPS * f / f2) if f2 > 0 and f > 0 else None
        return (lambda h: h / 2 * f2), (lambda h: EPS * f / h), optimum
    if scheme == "central":
        optimum = (1.5 * EPS * f / f3) ** (1 / 3) if f3 > 0 and f > 0 else None
        return (lambda h: h * h / 6 * f3), (lambda h: EPS * f / (2 * h)), optimum
    return (lambda h: h * h / 6 * f3), (lambda h: EPS * f1), None


def error_sweep(f, x, exact=None, hs=None, scheme="forward") -> ErrorSweep:
    """The error of a finite difference of scalar ``f`` at ``x`` for many steps ``h``.

    ``exact`` is the true ``f'(x)`` (default: adlab's reverse mode). ``hs`` defaults to 5 steps a
    decade from 1e-15 to 0.1 (times max(|x|, 1); from 1e-20 for the complex step). Each row has the measured
    error and its model, truncation + round-off (see :class:`ErrorRow`); the model's derivatives
    come from adlab's AD (or wide differences if f cannot be traced). The optimal h in theory
    minimises the model: ``√(2ε|f|/|f''|)`` one-sided, ``∛(3ε|f|/(2|f'''|))`` central.
    """
    _check_scheme(scheme)
    if isinstance(x, (tuple, list)) or np.ndim(x) != 0:
        raise InputError("error_sweep studies one real input: pass a number x.")
    x = _real_leaf(x, "x")
    if exact is None:
        from ..engine.transforms import grad
        try:
            exact = float(grad(f)(x))
        except AdlabError as error:
            raise InputError(f"error_sweep needs the exact derivative: pass exact=..., since "
                             f"adlab could not differentiate f ({error}).") from None
    else:
        exact = _real_leaf(exact, "exact")
    scale = max(abs(x), 1.0)
    if hs is None:
        low = -20 if scheme == "complex" else -15
        hs = scale * np.logspace(low, -1, 5 * (-1 - low) + 1)
    hs = np.atleast_1d(np.asarray(hs, dtype=float))
    if hs.ndim != 1 or hs.size < 2:
        raise InputError("hs must be a list of at least two steps, e.g. np.logspace(-15, 0, 61).")
    derivatives, source = _model_derivatives(f, x)
    truncation, roundoff, optimum = _model(scheme, derivatives)
    rows = []
    for h in hs:
        estimate = derivative(f, x, h=h, scheme=scheme)
        used = float(estimate.h)
        value = float(estimate.value)
        rows.append(ErrorRow(used, abs(value - exact), truncation(used), roundoff(used), value))
    return ErrorSweep(rows, scheme, x, exact, optimum, derivatives, source)


__all__ = ["derivative", "gradient", "jacobian", "error_sweep", "Estimate", "ErrorSweep",
           "ErrorRow", "SCHEMES", "EPS"]
