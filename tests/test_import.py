"""The engine stays light: ``import adlab`` pulls in no Jupyter, widget, Graphviz or plotting module
and takes little time on top of numpy. Measured in fresh interpreters."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("ipywidgets", "graphviz", "matplotlib", "IPython", "ipykernel", "jupyter_client",
         "sympy", "hypothesis", "pytest")

PROBE = r"""
import json, sys, time
import numpy
start = time.perf_counter()
import adlab
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "modules": sorted(sys.modules)}))
"""


def _probe(code=PROBE):
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         timeout=60)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def modules_after_import():
    return set(_probe()["modules"])


def test_import_adlab_imports_no_heavy_module(modules_after_import):
    modules = modules_after_import
    for name in HEAVY:
        assert not any(m == name or m.startswith(name + ".") for m in modules), name


def test_import_adlab_is_fast_on_top_of_numpy():
    """A smoke check of the design rule (< 0.3 s); the best of 3 runs, to ignore a busy machine."""
    best = min(_probe()["seconds"] for _ in range(3))
    assert best < 0.3, f"import adlab took {best:.3f} s on top of numpy"


def test_the_engine_works_from_a_plain_script_without_heavy_modules():
    code = r"""
import json, sys
import adlab as ad
g = ad.grad(lambda x1, x2: ad.log(x1) + x1 * x2 - ad.sin(x2), argnums=(0, 1))(2.0, 5.0)
text = str(ad.reverse(lambda x1, x2: ad.log(x1) + x1 * x2 - ad.sin(x2), (2.0, 5.0)))
jac = ad.jacobian(lambda x: [x[0] * x[1], x[1]], mode="forward")([1.0, 2.0])
print(json.dumps({"grad": list(g), "lines": len(text.splitlines()), "jac": jac.tolist(),
                  "modules": sorted(sys.modules)}))
"""
    result = _probe(code)
    assert result["grad"] == pytest.approx([5.5, 1.7163378145367738], rel=1e-15)
    assert result["lines"] > 10 and result["jac"] == [[2.0, 1.0], [0.0, 1.0]]
    for name in HEAVY:
        assert name not in result["modules"], name


@pytest.mark.parametrize("attribute", ["fd", "finite_differences", "symbolic", "show", "step"])
def test_lazy_layers_are_not_imported_until_asked_for(attribute, modules_after_import):
    # the names are reachable lazily; merely importing adlab does not load their modules
    modules = modules_after_import
    target = {"fd": "adlab.methods.finite_differences",
              "finite_differences": "adlab.methods.finite_differences",
              "symbolic": "adlab.methods.symbolic", "show": "adlab.traces.graph",
              "step": "adlab.views.player"}[attribute]
    assert target not in modules


def test_unknown_attribute_is_a_clear_attribute_error():
    import adlab
    with pytest.raises(AttributeError, match="no_such_thing"):
        adlab.no_such_thing
