"""adlab: automatic differentiation you can watch, in the notation of Baydin et al. (2018).

>>> import adlab as ad
>>> def f(x1, x2):
...     return ad.log(x1) + x1 * x2 - ad.sin(x2)
>>> t = ad.reverse(f, (2.0, 5.0))
>>> round(t.value, 3), [round(g, 3) for g in t.grad]
(11.652, [5.5, 1.716])

The layers are the folders: ``engine/`` (the AD engine, numpy only; its docstring is the reading
path), ``traces/`` (what ad.forward and ad.reverse return: rows in the survey's notation, tables,
the graph), ``views/`` (the step-through player, ``%adtrace``), ``methods/`` (finite differences,
symbolic differentiation) and ``exercises/`` (the lessons' exercises). Importing adlab imports the
engine and the traces; the other layers are imported when first used.
"""
from .engine import FUNCTIONS as _FUNCTIONS
from .engine import linalg  # ad.linalg.norm, ad.linalg.inv, ...: np.linalg's functions, traced
from .engine import (PRIMITIVES, Traced, count_sweeps, grad, hessian, jacobian, jvp, value_and_grad,
                     vjp)
from .errors import (AdlabError, DerivativeError, DomainError, InputError,
                     UnsupportedOperationError)
from .traces import Cost, ForwardTrace, ReverseTrace, Row, forward, reverse

__version__ = "0.1.0"

# log, exp, sin, ..., sum, matmul, ..., mean, softmax: one function per entry of the primitive
# table that programs call by name, and the functions composed of entries (adlab.engine.FUNCTIONS)
globals().update(_FUNCTIONS)

# Layers above the engine, imported on first use so that `import adlab` stays light:
#   ad.fd / ad.finite_differences, ad.symbolic   the other two methods
#   ad.show, ad.step                             graphs, tables and the step-through player
#   ad.exercises                                 the lessons' self-checking exercises
_LAZY = {"fd": ("methods.finite_differences", None),
         "finite_differences": ("methods.finite_differences", None),
         "symbolic": ("methods.symbolic", None), "exercises": ("exercises", None),
         "show": ("traces.graph", "show"), "step": ("views.player", "step")}


def __getattr__(name):
    if name in _LAZY:
        import importlib
        module_name, attribute = _LAZY[name]
        module = importlib.import_module(f".{module_name}", __name__)
        return module if attribute is None else getattr(module, attribute)
    raise AttributeError(f"module 'adlab' has no attribute {name!r}")


def load_ipython_extension(ipython):
    """``%load_ext adlab``: registers the ``%adtrace`` / ``%%adtrace`` magic."""
    from .views.magic import load_ipython_extension as load
    load(ipython)


def unload_ipython_extension(ipython):
    from .views.magic import unload_ipython_extension as unload
    unload(ipython)


__all__ = ["forward", "reverse", "count_sweeps", "grad", "value_and_grad", "jvp", "vjp",
           "jacobian", "hessian", *_FUNCTIONS, "ForwardTrace", "ReverseTrace", "Row", "Cost",
           "Traced", "PRIMITIVES", "AdlabError", "DomainError", "DerivativeError", "InputError",
           "UnsupportedOperationError", "linalg"]
