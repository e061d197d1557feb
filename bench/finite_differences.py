"""Finite differences against reverse mode: time of a central-difference gradient (2n evaluations
of the numpy function) over the time of one reverse-mode gradient, for n = 10 ... 10,000."""
from __future__ import annotations

import math

import numpy as np

import adlab as ad

from .peers import optional
from .timing import calls_for, measure


def f_numpy(x):
    return np.sum(np.log(x) + x * x[::-1] - np.sin(x))


def f_adlab(x):
    return ad.sum(ad.log(x) + x * x[::-1] - ad.sin(x))


def fd_gradient(x, h=1e-6):
    g = np.empty_like(x)
    for i in range(len(x)):
        xi = x[i]
        x[i] = xi + h
        up = f_numpy(x)
        x[i] = xi - h
        down = f_numpy(x)
        x[i] = xi
        g[i] = (up - down) / (2 * h)
    return g


def run(sizes=(10, 30, 100, 300, 1000, 3000, 10000)):
    rows = []
    grad = ad.grad(f_adlab)
    autograd = optional("autograd")
    agrad = None
    if autograd:
        anp = optional("autograd.numpy")
        agrad = autograd.grad(lambda x: anp.sum(anp.log(x) + x * x[::-1] - anp.sin(x)))
    for n in sizes:
        x = np.random.default_rng(n).uniform(0.5, 2.0, n)
        exact = 1.0 / x + 2.0 * x[::-1] - np.cos(x)
        assert np.allclose(grad(x), exact, rtol=1e-12)
        assert np.allclose(fd_gradient(x.copy()), exact, rtol=1e-5, atol=1e-7)
        repeats = 5 if n <= 1000 else 1
        fd = measure(lambda: fd_gradient(x), repeats, calls_for(lambda: fd_gradient(x), 0.01))
        rev = measure(lambda: grad(x), 7, calls_for(lambda: grad(x), 0.02))
        row = {"n": n, "fd_seconds": fd["median"], "reverse_seconds": rev["median"],
               "fd_over_reverse": fd["median"] / rev["median"]}
        if agrad:
            ag = measure(lambda: agrad(x), 7, calls_for(lambda: agrad(x), 0.02))
            row["fd_over_autograd"] = fd["median"] / ag["median"]
        rows.append(row)
    return rows


def crossover(rows, key="fd_over_reverse"):
    """The n at which FD and reverse mode take the same time (log-log interpolation), or None."""
    for a, b in zip(rows, rows[1:]):
        if a[key] < 1.0 <= b[key]:
            la, lb = math.log(a[key]), math.log(b[key])
            t = -la / (lb - la)
            return round(math.exp(math.log(a["n"]) + t * (math.log(b["n"]) - math.log(a["n"]))))
    if rows and rows[0][key] >= 1.0:
        return f"< {rows[0]['n']}"
    return None
