"""Shared helpers for the engine's tests: the survey's example and independent references.

Reference derivatives never come from adlab: they come from SymPy, from the complex-step method
(``Im f(x + ih) / h``, exact to rounding for analytic code written with ``cmath``), or from central
differences, each computed here from the mathematical definition of the function.
"""
from __future__ import annotations

import math
import re
import unicodedata

import numpy as np
from hypothesis import settings

import adlab as ad

settings.register_profile("adlab", deadline=None, print_blob=True)
settings.load_profile("adlab")


def survey_f(x1, x2):
    """Baydin et al. (2018), eq. (3) / Tables 2-3, written with the survey's node order."""
    v1 = ad.log(x1)
    v2 = x1 * x2
    v3 = ad.sin(x2)
    return v1 + v2 - v3


def survey_f_math(x1, x2):
    """The same function in plain floats (no adlab), for reference values."""
    return math.log(x1) + x1 * x2 - math.sin(x2)


#: The survey's point and partial derivatives there, by hand: ∂f/∂x1 = 1/x1 + x2, ∂f/∂x2 = x1 - cos x2
SURVEY_POINT = (2.0, 5.0)
SURVEY_GRAD = (1 / 2 + 5, 2 - math.cos(5))


def complex_step(f, x: float, h: float = 1e-30) -> float:
    """f'(x) by the complex-step method; f must be written with cmath/complex arithmetic."""
    return f(complex(x, h)).imag / h


def central_difference(f, x: float, h: float = 1e-6) -> float:
    """f'(x) by central differences, error O(h²) + O(eps/h)."""
    return (f(x + h) - f(x - h)) / (2 * h)


def numeric_jacobian(g, x, h=1e-6):
    """Jacobian of g: R^n -> R^m (any output shape) by central differences, JAX's layout."""
    x = np.asarray(x, dtype=float)
    y0 = np.asarray(g(x), dtype=float)
    jac = np.zeros(y0.shape + x.shape)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        jac[(...,) + idx] = (np.asarray(g(x + e), float) - np.asarray(g(x - e), float)) / (2 * h)
    return jac


_SUB = {"-": "₋", **{str(d): "₀₁₂₃₄₅₆₇₈₉"[d] for d in range(10)}}


def sub(text: str) -> str:
    """Survey typography for expected strings typed in plain text: ``v-1`` -> ``v₋₁``,
    ``v̄0`` -> ``v̄₀``, ``x1`` -> ``x₁``, and every other hyphen a minus sign (``-0.959`` ->
    ``−0.959``). Written here, independently of adlab's own typesetting."""
    text = unicodedata.normalize("NFD", text)  # ẋ as x + a combining dot, as adlab writes it
    text = re.sub(r"\b([vxy])([\u0304\u0307]?)(-?\d+)",
                  lambda m: m.group(1) + m.group(2) + "".join(_SUB[c] for c in m.group(3)), text)
    return text.replace("-", "\u2212")


__all__ = ["sub", "survey_f", "survey_f_math", "SURVEY_POINT", "SURVEY_GRAD", "complex_step",
           "central_difference", "numeric_jacobian"]
