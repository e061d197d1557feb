"""The peer libraries, imported only if installed (``pip install -e .[bench]``).

micrograd's ``Value`` has only + * ** relu; the mesh also needs tanh, sin and log, so they are
added here exactly in micrograd's own style (a ``_backward`` closure per node), as a user would.
"""
from __future__ import annotations

import importlib
import math


def optional(name):
    """The module, or None when the peer is not installed (its columns then read 'n/a')."""
    try:
        return importlib.import_module(name)
    except Exception:  # noqa: BLE001 - a broken install counts as missing
        return None


def micrograd_value():
    engine = optional("micrograd.engine")
    if engine is None:
        return None
    Value = engine.Value
    if not hasattr(Value, "sin"):
        def unary(name, f, df):
            def op(self):
                out = Value(f(self.data), (self,), name)

                def _backward():
                    self.grad += df(self.data, out.data) * out.grad
                out._backward = _backward
                return out
            setattr(Value, name, op)
        unary("tanh", math.tanh, lambda x, y: 1.0 - y * y)
        unary("sin", math.sin, lambda x, y: math.cos(x))
        unary("log", math.log, lambda x, y: 1.0 / x)
    return Value


def versions() -> dict:
    from importlib import metadata
    out = {}
    for name in ("numpy", "micrograd", "autograd", "jax", "torch", "threadpoolctl"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out
