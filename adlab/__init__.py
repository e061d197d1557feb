"""adlab: automatic differentiation you can watch, in the notation of Baydin et al. (2018).

>>> import adlab as ad
>>> def f(x1, x2):
...     return ad.log(x1) + x1 * x2 - ad.sin(x2)
>>> t = ad.reverse(f, (2.0, 5.0))
>>> round(t.value, 3), [round(g, 3) for g in t.grad]
(11.652, [5.5, 1.716])

The engine (this package's top level) imports only numpy. The Jupyter layers (tables, graphs,
the step-through player, ``%adtrace``) are imported when first used.
"""
from .api import grad, hessian, jacobian, jvp, value_and_grad, vjp
from .errors import (AdlabError, DerivativeError, DomainError, InputError,
                     UnsupportedOperationError)
from .primitives import (PRIMITIVES, absolute as abs, cos, exp, log, maximum, minimum, relu,
                         reshape, sigmoid, sin, sqrt, stack, sum, tan, tanh)
from .array_primitives import (arccos, arcsin, arctan, array, concatenate, cosh, cross_entropy,
                               dot, expm1, log1p, log2, log10, log_softmax, logaddexp, logsumexp,
                               matmul, max, mean, min, sinh, softmax, square, swapaxes, transpose,
                               where)
from .rows import Row
from .sweeps import count_sweeps
from .traces import Cost, ForwardTrace, ReverseTrace, forward, reverse
from .tracing import Traced

__version__ = "0.1.0"

# Layers above the engine, imported on first use so that `import adlab` stays light:
#   ad.fd / ad.finite_differences, ad.symbolic   the other two methods
#   ad.show, ad.step                             graphs, tables and the step-through player
#   ad.exercises                                 the lessons' self-checking exercises
_LAZY = {"fd": ("finite_differences", None), "finite_differences": ("finite_differences", None),
         "symbolic": ("symbolic", None), "exercises": ("exercises", None),
         "show": ("render", "show"), "step": ("widgets", "step")}


def __getattr__(name):
    if name in _LAZY:
        import importlib
        module_name, attribute = _LAZY[name]
        module = importlib.import_module(f".{module_name}", __name__)
        return module if attribute is None else getattr(module, attribute)
    raise AttributeError(f"module 'adlab' has no attribute {name!r}")


def load_ipython_extension(ipython):
    """``%load_ext adlab``: registers the ``%adtrace`` / ``%%adtrace`` magic."""
    from .magic import load_ipython_extension as load
    load(ipython)


def unload_ipython_extension(ipython):
    from .magic import unload_ipython_extension as unload
    unload(ipython)

__all__ = [
    "forward", "reverse", "count_sweeps", "grad", "value_and_grad", "jvp", "vjp", "jacobian", "hessian",
    "log", "exp", "sin", "cos", "tan", "tanh", "sqrt", "abs", "maximum", "minimum", "relu",
    "sigmoid", "sum", "reshape", "stack",
    "array", "mean", "max", "min", "matmul", "dot", "transpose", "swapaxes", "concatenate",
    "where", "logsumexp", "softmax", "log_softmax", "cross_entropy", "square", "log1p", "expm1",
    "log2", "log10", "sinh", "cosh", "arcsin", "arccos", "arctan", "logaddexp",
    "ForwardTrace", "ReverseTrace", "Row", "Cost", "Traced", "PRIMITIVES",
    "AdlabError", "DomainError", "DerivativeError", "InputError", "UnsupportedOperationError",
]
