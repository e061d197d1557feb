"""The engine: automatic differentiation, forward and reverse, on a recorded tape (numpy only).

Reading path: the whole algorithm, plain, in 400 lines. Read these in order:

  1. tape.py          1-155   the tape (Tape), bind, and Traced with its operators: how running
                              a function on traced values records its evaluation trace
  2. primitives.py    1-89    an entry of the primitive table (Primitive): the partials, and how
                              forward mode (jvp) and reverse mode (vjp) use them
  3. primitives.py  109-151   the chain rule's one step; the arithmetic entries: + - * / ** neg
  4. sweeps.py       19-86    the tangent sweep (forward mode) and the adjoint sweep (reverse mode)
  5. recording.py    19-63    record: call a function on traced inputs and keep its tape

Everything else in this folder is detail beside that path: the array operations of the table
(``arrays.py``), nested arguments (``tree.py``), the transformations built on the sweeps
(``transforms.py``: grad, jvp, vjp, jacobian, hessian), error texts (``messages.py``), and the fast
paths, each marked as an equivalent optimisation of a plain function on the path and tested equal
to it (``bind1``/``bind2``/``bindn`` at the end of ``tape.py``, ``UnaryPrimitive`` in ``primitives.py``,
``fast.py``'s adjoint loop). The engine imports nothing from the layers above it (traces, views,
methods, exercises); tests/test_layers.py checks it.
"""
from __future__ import annotations

from . import arrays, primitives
from . import contractions, elementwise, reductions, shapes
from .recording import Recording, record
from .sweeps import adjoint_sweep, count_sweeps, tangent_sweep
from .tape import PRIMITIVES, Tape, Traced, bind, raw
from .transforms import grad, hessian, jacobian, jvp, value_and_grad, vjp

#: The modules that define the table's entries, the last ones first (a later module may wrap an
#: earlier entry in a function of the same name). Each has ``COMPOSED``: its functions made of
#: entries. A new module of operations is one line here and one import above.
OPERATION_MODULES = (reductions, contractions, elementwise, shapes, arrays, primitives)


def _function(name):
    """What adlab exports for table entry ``name``: the function of that name in the module that
    defines it -- the entry itself (``sin``) or the function that prepares its arguments (``sum``'s
    axis, ``where``'s condition)."""
    return next(getattr(m, name) for m in OPERATION_MODULES if hasattr(m, name))


#: adlab's functions: one per entry of the table that programs call by name (operators such as
#: ``+`` and entries that only rules use aside), then the functions composed of entries.
FUNCTIONS = {name: _function(name) for name, entry in PRIMITIVES.items()
             if entry.operator is None and not entry.internal}
FUNCTIONS.update((f.__name__, f) for m in reversed(OPERATION_MODULES)  # later modules win
                 for f in getattr(m, "COMPOSED", ()))

#: The elementary functions: the elementwise entries among them (what ``%%adtrace`` offers a cell).
ELEMENTARY = {name: f for name, f in FUNCTIONS.items()
              if name in PRIMITIVES and PRIMITIVES[name].elementwise}

# numpy.linalg's entries are not among OPERATION_MODULES: its functions are np.linalg.f and
# ad.linalg.f (as in numpy), not top-level ones, so it comes after FUNCTIONS
from . import linalg  # noqa: E402

__all__ = ["FUNCTIONS", "ELEMENTARY", "PRIMITIVES", "Recording", "Tape", "Traced",
           "adjoint_sweep", "bind", "count_sweeps", "grad", "hessian", "jacobian", "jvp", "raw",
           "record", "tangent_sweep", "value_and_grad", "vjp"]
