"""The benchmarks' baselines are right and their table says what it measured (nothing is timed here).

The ratios in bench/ compare adlab with gradients written by hand in numpy; a wrong hand-written
gradient would make every ratio meaningless, so each is checked against autograd (an independent
AD library, test-only) and against adlab. The table's ratio column is recomputed from the stored
results: the median of the per-round ratios adlab / hand-written, and the ratio of the minima.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import adlab as ad
from bench import arrays as B

autograd = pytest.importorskip("autograd")
anp = pytest.importorskip("autograd.numpy")
special = pytest.importorskip("autograd.scipy.special")

RESULTS = Path(__file__).resolve().parent.parent / "bench" / "results"


def test_hand_written_mlp_gradient_agrees_with_autograd_and_adlab():
    params, x, labels = B.mlp_data(batch=16, sizes=(20, 8, 5), seed=3)
    onehot = np.eye(5)[labels]

    def loss(params):
        W1, b1, W2, b2 = params
        z = anp.tanh(x @ W1 + b1) @ W2 + b2
        return -anp.sum((z - special.logsumexp(z, axis=1, keepdims=True)) * onehot) / len(x)

    value, grads = B.mlp_by_hand(params, x, labels)
    reference = autograd.grad(loss)(list(params))
    assert value == pytest.approx(loss(list(params)), rel=1e-12)
    assert value == pytest.approx(B.mlp_numpy(params, x, labels), rel=1e-12)
    adlab_value, adlab_grads = ad.value_and_grad(B.mlp_adlab)(params, x, labels)
    assert adlab_value == pytest.approx(value, rel=1e-12)
    for mine, theirs, by_adlab in zip(grads, reference, adlab_grads):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(by_adlab, theirs, rtol=1e-10, atol=1e-14)


def test_hand_written_survey_gradient_agrees_with_autograd_and_adlab():
    rng = np.random.default_rng(0)
    x1, x2 = rng.uniform(0.5, 2.0, 50), rng.uniform(0.5, 2.0, 50)
    value, (g1, g2) = B.survey_by_hand(x1, x2)
    f = lambda a, b: anp.sum(anp.log(a) + a * b - anp.sin(b))  # noqa: E731
    r1, r2 = autograd.grad(f, 0)(x1, x2), autograd.grad(f, 1)(x1, x2)
    np.testing.assert_allclose(g1, r1, rtol=1e-13)
    np.testing.assert_allclose(g2, r2, rtol=1e-13)
    v, (a1, a2) = ad.value_and_grad(B.survey_adlab, (0, 1))(x1, x2)
    assert v == pytest.approx(value, rel=1e-13)
    np.testing.assert_allclose(a1, r1, rtol=1e-13)
    np.testing.assert_allclose(a2, r2, rtol=1e-13)


def test_the_table_shows_adlab_over_hand_written_from_the_stored_results(tmp_path):
    run = pytest.importorskip("bench.run")
    results = json.loads((RESULTS / "results.json").read_text())
    (tmp_path / "results.json").write_text(json.dumps(results))
    run.write_tables(results, tmp_path)  # not the default folder: the README is left alone
    table = (tmp_path / "README-table.md").read_text()
    for name, label, target in [("survey n=1e+06", "n=1e+06", "≤ 1.1"),
                                ("MLP 784-128-10, batch 64", "MLP 784-128-10", "≤ 1.1")]:
        rows = {r["library"]: r for r in results["arrays"][name]}
        adlab, hand = rows["adlab"]["seconds_rounds"], rows["hand-written"]["seconds_rounds"]
        assert len(adlab) == len(hand) >= 5
        ratio = float(np.median(np.array(adlab) / np.array(hand)))  # paired by round
        ratio_min = rows["adlab"]["c_min"] / rows["hand-written"]["c_min"]
        line = next(line for line in table.splitlines() if label in line and line.startswith("|"))
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert re.match(rf"{ratio:.2f} \({ratio_min:.2f}\); target {target}$", cells[-1]), cells[-1]
    # the committed README shows the committed results' table
    readme = (RESULTS.parent.parent / "README.md").read_text(encoding="utf-8")
    assert run.table(results).strip() in readme
