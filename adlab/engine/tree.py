"""Nested arguments and results: flatten tuples/lists/dicts of numbers and arrays into leaves.

adlab differentiates with respect to every leaf (a float or a float array) of the arguments it is
given, and returns derivatives with the same nesting, as JAX and autograd do.
"""
from __future__ import annotations

import numbers

import numpy as np

from ..errors import InputError
from .tape import Traced


def flatten(tree):
    """``(leaves, rebuild)``: the leaves in order, and a function that puts new leaves back."""
    kind = type(tree)
    if kind is np.ndarray or kind is float or kind is Traced:  # a leaf (the common cases first)
        return [tree], _first
    if (kind is tuple or kind is list) and all(type(item) is np.ndarray or type(item) is float
                                                 for item in tree):
        return list(tree), kind  # a flat tuple or list: tuple(leaves) puts the leaves back
    if isinstance(tree, (tuple, list)):
        parts = [flatten(item) for item in tree]
        counts = [len(leaves) for leaves, _ in parts]
        kind = type(tree)

        def rebuild(leaves):
            out, start = [], 0
            for (_, sub), n in zip(parts, counts):
                out.append(sub(leaves[start:start + n]))
                start += n
            return kind(out) if kind in (tuple, list) else kind(*out)
        return [leaf for leaves, _ in parts for leaf in leaves], rebuild
    if isinstance(tree, dict):
        keys = list(tree)
        leaves, rebuild_values = flatten([tree[k] for k in keys])
        return leaves, lambda new: dict(zip(keys, rebuild_values(new)))
    return [tree], _first


def _first(leaves):
    return leaves[0]


def leaf_paths(tree) -> list[str]:
    """Where each leaf of ``tree`` sits, as Python would index it: ``["['w']", "['b'][0]"]`` for
    ``{"w": w, "b": [b0]}``, ``[""]`` for a leaf itself. Names the inputs of a trace."""
    if isinstance(tree, (tuple, list)):
        return [f"[{i}]{path}" for i, item in enumerate(tree) for path in leaf_paths(item)]
    if isinstance(tree, dict):
        return [f"[{key!r}]{path}" for key, item in tree.items() for path in leaf_paths(item)]
    return [""]


_FLOAT64 = np.dtype(np.float64)


def as_input(value, what):
    """A float or float64 array for an input leaf, or a clear :class:`InputError` naming it as
    ``what`` (a string, or a function giving it: messages are written only when needed)."""
    if type(value) is float or type(value) is np.ndarray and value.dtype == _FLOAT64 and value.ndim:
        return value
    if callable(what):
        what = what()
    if isinstance(value, bool) or value is None or isinstance(value, (str, bytes, complex)):
        raise InputError(f"{what} is {type(value).__name__} {value!r}; adlab differentiates with "
                         f"respect to real numbers: pass a float, an int or a numpy array of floats.")
    if isinstance(value, numbers.Real) and not isinstance(value, np.ndarray):
        return float(value)
    if type(value) is Traced:  # an outer transformation's value: the inner one traces through it
        return value
    array = np.asarray(value)
    if array.dtype.kind in "iuf" and array.dtype != object:
        array = array.astype(np.float64, copy=False)  # float64 input: no copy
        return float(array) if array.ndim == 0 else array
    raise InputError(f"{what} is {type(value).__name__} of dtype {array.dtype}; adlab differentiates "
                     f"with respect to real numbers: pass floats, ints or numpy arrays of floats.")
