"""Array programs: c = time(value + gradient) / time(numpy f), for adlab and its peers.

Two functions, float64, same inputs for every library:
- the survey's f(x1, x2) = sum(log x1 + x1·x2 − sin x2) on vectors of n elements;
- an MLP loss 784-128-10 (tanh, softmax cross-entropy) on a batch of 64, gradient with respect
  to the four parameter arrays (the data is a constant).
"hand-written" is numpy with the gradient derived by hand: what a careful person would write.
JAX's arrays are placed on the device once, outside the timing; torch wraps the numpy arrays
(no copy) on every call.
"""
from __future__ import annotations

import statistics

import numpy as np

import adlab as ad
from adlab.engine import arrays as A

from .peers import optional
from .timing import calls_for, measure_interleaved

# ---------------------------------------------------------------- the survey's function

def survey_numpy(x1, x2):
    return np.sum(np.log(x1) + x1 * x2 - np.sin(x2))


def survey_by_hand(x1, x2):
    return survey_numpy(x1, x2), (1.0 / x1 + x2, x1 - np.cos(x2))


def survey_adlab(x1, x2):
    return ad.sum(ad.log(x1) + x1 * x2 - ad.sin(x2))


def survey_peers(x1, x2):
    """name -> zero-argument function computing value and gradient; None for a missing peer."""
    out = {"numpy f (reference)": lambda: survey_numpy(x1, x2),
           "hand-written": lambda: survey_by_hand(x1, x2)}
    vg = ad.value_and_grad(survey_adlab, (0, 1))
    out["adlab"] = lambda: vg(x1, x2)
    autograd = optional("autograd")
    if autograd:
        anp = optional("autograd.numpy")
        avg = autograd.value_and_grad(lambda a, b: anp.sum(anp.log(a) + a * b - anp.sin(b)),
                                      (0, 1))
        out["autograd"] = lambda: avg(x1, x2)
    jax = optional("jax")
    if jax:
        jax.config.update("jax_enable_x64", True)
        jnp = jax.numpy
        jvg = jax.jit(jax.value_and_grad(lambda a, b: jnp.sum(jnp.log(a) + a * b - jnp.sin(b)),
                                         (0, 1)))
        j1, j2 = jax.device_put(x1), jax.device_put(x2)
        out["jax.jit"] = lambda: jax.block_until_ready(jvg(j1, j2))
    torch = optional("torch")
    if torch:
        def torch_vg():
            a = torch.from_numpy(x1).requires_grad_()
            b = torch.from_numpy(x2).requires_grad_()
            y = torch.sum(torch.log(a) + a * b - torch.sin(b))
            y.backward()
            return y.item(), (a.grad.numpy(), b.grad.numpy())
        out["torch"] = torch_vg
    return out


def check_survey(results, x1, x2):
    value, (g1, g2) = survey_by_hand(x1, x2)
    for name, fn in results.items():
        if name == "numpy f (reference)":
            continue
        v, grads = fn() if name != "jax.jit" else fn()
        assert np.isclose(float(v), value, rtol=1e-10), name
        assert np.allclose(np.asarray(grads[0]), g1, rtol=1e-10), name
        assert np.allclose(np.asarray(grads[1]), g2, rtol=1e-10), name


# ---------------------------------------------------------------- the MLP loss

def mlp_data(batch=64, sizes=(784, 128, 10), seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, sizes[0]))
    labels = rng.integers(0, sizes[2], size=batch)
    params = (rng.normal(size=sizes[:2]) / np.sqrt(sizes[0]), np.zeros(sizes[1]),
              rng.normal(size=sizes[1:]) / np.sqrt(sizes[1]), np.zeros(sizes[2]))
    return params, x, labels


def mlp_numpy(params, x, labels):
    W1, b1, W2, b2 = params
    z = np.tanh(x @ W1 + b1) @ W2 + b2
    top = z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(z - top).sum(axis=1)) + top[:, 0]
    return np.mean(lse - z[np.arange(len(labels)), labels])


def mlp_by_hand(params, x, labels):
    W1, b1, W2, b2 = params
    batch = len(labels)
    h = np.tanh(x @ W1 + b1)
    z = h @ W2 + b2
    top = z.max(axis=1, keepdims=True)
    e = np.exp(z - top)
    s = e.sum(axis=1, keepdims=True)
    loss = np.mean(np.log(s[:, 0]) + top[:, 0] - z[np.arange(batch), labels])
    dz = e / s
    dz[np.arange(batch), labels] -= 1.0
    dz /= batch
    dh = dz @ W2.T
    da = dh * (1.0 - h * h)
    return loss, (x.T @ da, da.sum(axis=0), h.T @ dz, dz.sum(axis=0))


def mlp_adlab(params, x, labels):
    W1, b1, W2, b2 = params
    return A.cross_entropy(np.tanh(x @ W1 + b1) @ W2 + b2, labels)


def mlp_peers(params, x, labels):
    out = {"numpy f (reference)": lambda: mlp_numpy(params, x, labels),
           "hand-written": lambda: mlp_by_hand(params, x, labels)}
    vg = ad.value_and_grad(mlp_adlab)
    out["adlab"] = lambda: vg(params, x, labels)
    onehot = np.eye(params[3].shape[0])[labels]
    autograd = optional("autograd")
    if autograd:
        anp = optional("autograd.numpy")
        special = optional("autograd.scipy.special")

        def loss(params):
            W1, b1, W2, b2 = params
            z = anp.tanh(x @ W1 + b1) @ W2 + b2
            return -anp.sum((z - special.logsumexp(z, axis=1, keepdims=True)) * onehot) / len(x)
        avg = autograd.value_and_grad(loss)
        out["autograd"] = lambda: avg(list(params))
    jax = optional("jax")
    if jax:
        jax.config.update("jax_enable_x64", True)
        jnp = jax.numpy

        def jloss(params, x, onehot):
            W1, b1, W2, b2 = params
            z = jnp.tanh(x @ W1 + b1) @ W2 + b2
            return -jnp.sum(jax.nn.log_softmax(z, axis=1) * onehot) / x.shape[0]
        jvg = jax.jit(jax.value_and_grad(jloss))
        jp = [jax.device_put(p) for p in params]
        jx, jo = jax.device_put(x), jax.device_put(onehot)
        out["jax.jit"] = lambda: jax.block_until_ready(jvg(jp, jx, jo))
    torch = optional("torch")
    if torch:
        tx, tl = torch.from_numpy(x), torch.from_numpy(labels)

        def torch_vg():
            ps = [torch.from_numpy(p).requires_grad_() for p in params]
            W1, b1, W2, b2 = ps
            z = torch.tanh(tx @ W1 + b1) @ W2 + b2
            y = torch.nn.functional.cross_entropy(z, tl)
            y.backward()
            return y.item(), [p.grad.numpy() for p in ps]
        out["torch"] = torch_vg
    return out


def check_mlp(results, params, x, labels):
    value, grads = mlp_by_hand(params, x, labels)
    for name, fn in results.items():
        if name == "numpy f (reference)":
            continue
        v, g = fn()
        assert np.isclose(float(v), value, rtol=1e-10), name
        for a, b in zip(g, grads):
            assert np.allclose(np.asarray(a), b, rtol=1e-8, atol=1e-12), name


# ---------------------------------------------------------------- the measurement

def ratios(fns: dict, repeats: int) -> list[dict]:
    """Seconds per call and c = time / time(numpy f) for each entry (round-robin repeats)."""
    batched = {}
    for name, fn in fns.items():
        fn()  # warm-up (jit compilation happens here)
        number = calls_for(fn, 0.02)
        batched[name] = (lambda fn, number: lambda: [fn() for _ in range(number)])(fn, number)
        batched[name].number = number
    timed = measure_interleaved(batched, repeats, budget=0.0)  # already batched above
    base = timed["numpy f (reference)"]
    base_n = batched["numpy f (reference)"].number
    rows = []
    for name, t in timed.items():
        n = batched[name].number
        rows.append({"library": name, "seconds_median": t["median"] / n,
                     "seconds_min": t["min"] / n,
                     "c_median": (t["median"] / n) / (base["median"] / base_n),
                     "c_min": (t["min"] / n) / (base["min"] / base_n),
                     "seconds_rounds": [seconds / n for seconds in t["rounds"]]})
    return rows


def paired_ratio(rows: list[dict], name: str = "adlab", reference: str = "hand-written") -> float:
    """The median over rounds of time(``name``) / time(``reference``) measured in the same round:
    the machine's load drifts between rounds more than within one, so pairing removes most of it."""
    by = {r["library"]: r for r in rows}
    return statistics.median(a / b for a, b in zip(by[name]["seconds_rounds"],
                                                   by[reference]["seconds_rounds"]))


def operation_counts() -> dict:
    """ops(f) and ops(gradient sweep) as adlab counts them, for the survey f and the MLP."""
    rng = np.random.default_rng(0)
    x1, x2 = rng.uniform(0.5, 2.0, 100), rng.uniform(0.5, 2.0, 100)
    survey = ad.reverse(survey_adlab, (x1, x2)).cost
    params, x, labels = mlp_data(batch=8)
    mlp = ad.reverse(lambda W1, b1, W2, b2: mlp_adlab((W1, b1, W2, b2), x, labels), params).cost
    scalar = ad.reverse(lambda a, b: ad.log(a) + a * b - ad.sin(b), (2.0, 5.0)).cost
    return {name: {"ops_f": c.ops_function, "ops_sweep": c.ops_derivative, "c": c.ratio}
            for name, c in (("survey f (scalars, the survey's table 3)", scalar),
                            ("survey f (arrays)", survey), ("MLP loss", mlp))}
