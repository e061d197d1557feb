"""numpy for the functions adlab differentiates: ``import adlab.numpy as anp``.

The convention of ``autograd.numpy`` and ``jax.numpy``: every name of numpy is here (functions,
``anp.pi``, ``anp.newaxis``, ``anp.float64``, ``anp.linalg``, ``anp.random``, ``anp.fft``), so code
written for autograd runs by changing its import line::

    import adlab.numpy as anp

    def loss(W, b, x):
        return anp.sum(anp.tanh(anp.dot(x, W) + b) ** 2)

Nearly every name *is* numpy's own: on traced values numpy hands its functions to adlab
(``__array_ufunc__``, ``__array_function__``), which records the table's entry (``anp.sin(x)`` is
``np.sin(x)``, recorded as ``sin``), and a function without a rule raises
:class:`~adlab.errors.UnsupportedOperationError` naming it. What numpy cannot hand over are the
builders that read nested lists: ``np.array([x, y])`` asks each traced value for a plain number,
which would drop its derivative. Here ``anp.array``, ``anp.asarray`` and the stacking functions
(``stack``, ``vstack``, ``hstack``, ``dstack``, ``column_stack``, ``concatenate``, ``atleast_1d``...)
accept (nested lists of) traced values and build the array on the tape; on plain values they are
numpy's, unchanged. Plain ``numpy`` on traced values keeps working as it does without this module.
"""
from __future__ import annotations

import builtins as _builtins
import sys

import numpy as _np
from numpy import *  # noqa: F403 - every name of numpy, as autograd.numpy and jax.numpy have
# (so below, any, round, min... are numpy's: Python's builtins are _builtins.any...)
from numpy import __all__ as _numpy_names
from numpy import fft, linalg, random  # numpy's own (their functions dispatch on traced values)

from ..engine.arrays import _contains_traced
from ..engine.arrays import array as _array_of_traced
from ..engine.primitives import reshape as _reshape
from ..engine.tape import Traced as _Traced
from ..engine.tape import raw as _raw
from ..errors import UnsupportedOperationError as _UnsupportedOperationError

__all__ = list(_numpy_names)

# `import adlab.numpy.linalg as la` and `import adlab.numpy.random as npr` (autograd's examples
# do) give numpy's modules: their functions dispatch to adlab's rules on traced values.
for _name, _module in (("linalg", linalg), ("random", random), ("fft", fft)):
    sys.modules[f"{__name__}.{_name}"] = _module


def __getattr__(name):
    """numpy's names that are not in its ``__all__`` (``anp.testing``, ``anp.typing``...)."""
    return getattr(_np, name)


def __dir__():
    return sorted(set(globals()) | set(dir(_np)))


# ---------------------------------------------------------------- building arrays from traced values

def _has_complex(values) -> bool:
    if isinstance(values, (list, tuple)):
        return _builtins.any(_has_complex(v) for v in values)
    return _np.iscomplexobj(_raw(values))


def _check_dtype(dtype, function):
    """Traced values are float64 numbers: a dtype that is not float64 would lose the derivative
    (integers, booleans) or leave adlab's scope (complex)."""
    if dtype is None or _np.dtype(dtype) == _np.float64:
        return
    kind = _np.dtype(dtype)
    if kind.kind == "c":
        reason = "complex numbers are outside adlab's scope"
    elif kind.kind == "f":
        reason = "adlab computes in float64"
    else:
        reason = "it would drop the derivative"
    raise _UnsupportedOperationError(
        f"anp.{function} of traced values with dtype={kind.name}: {reason}. Leave dtype out (or "
        f"use float), and convert the result after differentiating.")


def _traced_array(values, dtype, ndmin, function):
    """The array of (nested lists of) values, some traced, recorded on the tape."""
    _check_dtype(dtype, function)
    if _has_complex(values):
        raise _UnsupportedOperationError(
            f"anp.{function} of traced values with a complex element: complex numbers are outside "
            f"adlab's scope; adlab differentiates real functions of real numbers.")
    result = _array_of_traced(values)
    shape = _np.shape(_raw(result))
    if len(shape) < ndmin:
        result = _reshape(result, (1,) * (ndmin - len(shape)) + shape)
    return result


def array(object, dtype=None, *, copy=True, order="K", subok=False, ndmin=0,  # noqa: A002
          **kwargs):
    """``numpy.array``; with traced values inside (``anp.array([x, y])``, nested lists too), the
    array built on the tape (a ``stack`` of its rows), so that derivatives flow through it."""
    if not _contains_traced(object):
        return _np.array(object, dtype=dtype, copy=copy, order=order, subok=subok, ndmin=ndmin,
                         **kwargs)
    return _traced_array(object, dtype, ndmin, "array")


def _as_array(name):
    numpy_function = getattr(_np, name)

    def as_array(a, dtype=None, *args, **kwargs):
        if not _contains_traced(a):
            return numpy_function(a, dtype, *args, **kwargs)
        return _traced_array(a, dtype, 0, name)
    as_array.__name__ = as_array.__qualname__ = name
    as_array.__doc__ = (f"``numpy.{name}``; with traced values inside (a traced array, or nested "
                        f"lists of traced values), the traced array (see :func:`array`).")
    return as_array


asarray = _as_array("asarray")
asanyarray = _as_array("asanyarray")
ascontiguousarray = _as_array("ascontiguousarray")


def _elements(values):
    """A list's nested lists with traced values in them as traced arrays; the rest unchanged."""
    if isinstance(values, _Traced) or not isinstance(values, (list, tuple)):
        return values
    return [_traced_array(v, None, 0, "array") if isinstance(v, (list, tuple))
            and _contains_traced(v) else v for v in values]


def _stacking(name):
    """numpy's ``name`` (it joins a sequence of arrays), accepting nested lists of traced values
    as the arrays; numpy then hands the traced ones to adlab's rule for ``name``."""
    numpy_function = getattr(_np, name)

    def stacking(arrays, *args, **kwargs):
        return numpy_function(_elements(arrays), *args, **kwargs)
    stacking.__name__ = stacking.__qualname__ = name
    stacking.__doc__ = (f"``numpy.{name}``, whose arrays may be (nested lists of) traced values; "
                        f"on plain values numpy's, unchanged.\n\n{numpy_function.__doc__ or ''}")
    return stacking


def _each_argument(name):
    """numpy's ``name`` (``atleast_1d(*arrays)``), accepting nested lists of traced values."""
    numpy_function = getattr(_np, name)

    def each(*arrays, **kwargs):
        return numpy_function(*_elements(list(arrays)), **kwargs)
    each.__name__ = each.__qualname__ = name
    each.__doc__ = f"``numpy.{name}``, whose arguments may be (nested lists of) traced values."
    return each


stack = _stacking("stack")
vstack = _stacking("vstack")
hstack = _stacking("hstack")
dstack = _stacking("dstack")
column_stack = _stacking("column_stack")
concatenate = _stacking("concatenate")
atleast_1d = _each_argument("atleast_1d")
atleast_2d = _each_argument("atleast_2d")
atleast_3d = _each_argument("atleast_3d")

del _name, _module
