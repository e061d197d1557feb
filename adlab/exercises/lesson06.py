"""Lesson 6 · Forward or reverse: what each costs."""
from __future__ import annotations

import adlab as ad

from . import Rejected, as_function, as_number, as_vector, call, close, describe_value, \
    exercise, returned, right, wrong


# ---------------------------------------------------------------- 06-read-c

def gaussian_bump(x1, x2):
    """The function of the cost table in exercise 6.1 (the lesson defines the same one)."""
    return ad.exp(-(x1 * x1 + x2 * x2))


def _gaussian_costs():
    forward = ad.forward(gaussian_bump, (0.3, 0.4), (1.0, 0.0)).cost
    reverse = ad.reverse(gaussian_bump, (0.3, 0.4)).cost
    return forward, reverse


@exercise("06-read-c", "c of one forward and one reverse sweep, from a table of operation counts")
def _read_c(answer):
    c_forward, c_reverse = as_vector(answer, 2, "numbers (c forward, c reverse)")
    forward, reverse = _gaussian_costs()
    expected = (forward.ratio, reverse.ratio)

    def ok(a, b):
        return abs(a - b) <= 0.006  # two decimals are enough

    if ok(c_forward, expected[0]) and ok(c_reverse, expected[1]):
        return right("c = (ops(f) + ops(sweep)) / ops(f): one sweep, the function's own evaluation "
                     "included, costs between 2 and 3 evaluations of f here.")
    if ok(c_forward, expected[1]) and ok(c_reverse, expected[0]):
        return wrong("the two values are swapped.",
                     "The first number is forward mode (the tangent sweep), the second reverse mode "
                     "(the adjoint sweep).")
    sweeps = (forward.ops_derivative / forward.ops_function,
              reverse.ops_derivative / reverse.ops_function)
    if ok(c_forward, sweeps[0]) and ok(c_reverse, sweeps[1]):
        return wrong("these are the sweeps' operations divided by ops(f), which is c − 1.",
                     "c counts the function's own operations too: a sweep evaluates f on the way "
                     "(the primal trace), so c·ops(f) = ops(f) + ops(sweep).")
    if 0 < c_forward < 1 and 0 < c_reverse < 1:
        return wrong("c is at least 1: a derivative sweep costs more than f alone.",
                     "Divide the total, ops(f) + ops(sweep), by ops(f), not the other way round.")
    if ok(c_forward, expected[0]) or ok(c_reverse, expected[1]):
        which = "reverse" if ok(c_forward, expected[0]) else "forward"
        return wrong(f"one of the two is right; the {which} one is not.",
                     f"Use the {which} sweep's row of the table: c = (ops(f) + ops(sweep)) / ops(f).")
    return wrong(f"({c_forward:.3g}, {c_reverse:.3g}) is not (c forward, c reverse) for this table.",
                 "c·ops(f) is what one sweep costs, the evaluation of f included: "
                 "c = (ops(f) + ops(sweep)) / ops(f), one value per mode.")


# ---------------------------------------------------------------- 06-which-mode

_MODES = {"forward": "forward", "forward mode": "forward", "tangent": "forward",
          "reverse": "reverse", "reverse mode": "reverse", "adjoint": "reverse",
          "backward": "reverse", "backprop": "reverse", "backpropagation": "reverse"}


@exercise("06-which-mode", "the mode, and how many sweeps, for the Jacobian of f: R^1000 → R^2")
def _which_mode(answer):
    form = ("Answer with a tuple ('forward' or 'reverse', number of sweeps), "
            "e.g. ('forward', 7).")
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise Rejected(f"expected a pair (mode, sweeps), got {describe_value(answer)}.", form)
    mode, sweeps = answer
    if not isinstance(mode, str) or mode.strip().lower() not in _MODES:
        raise Rejected(f"the mode should be the string 'forward' or 'reverse', got "
                       f"{describe_value(mode)}.", form)
    mode = _MODES[mode.strip().lower()]
    count = as_number(sweeps, "a number of sweeps")
    if count != int(count) or count < 0:
        raise Rejected(f"a number of sweeps is a whole number, got {count:g}.", form)
    count = int(count)
    n, m = 1000, 2
    if mode == "reverse" and count == m:
        return right("one reverse sweep per output gives a row of J each: 2 sweeps for a 2 × 1000 "
                     "Jacobian, where forward mode would need 1000 (one per column).")
    if mode == "forward" and count == n:
        return wrong("1000 forward sweeps do give the whole Jacobian, but it is not the cheaper way.",
                     "Forward mode builds J a column at a time (one per input). How many sweeps "
                     "would the other mode need, building it a row at a time?")
    if mode == "forward":
        return wrong(f"{count} forward sweep{'s' * (count != 1)} give{'s' * (count == 1)} only "
                     f"{min(count, n)} of the 1000 columns of J.",
                     "A forward sweep seeded with ẋ = e_j gives one column, ∂y/∂x_j. Compare the "
                     "number of columns (inputs) with the number of rows (outputs).")
    if count == n:
        return wrong("reverse is the right mode, but it does not need a sweep per input.",
                     "A reverse sweep seeded with ȳ = e_i gives a whole row of J, ∂y_i/∂x, all "
                     "1000 inputs at once. How many rows does J have?")
    if count < m:
        return wrong(f"{count} reverse sweep{'s' * (count != 1)} give{'s' * (count == 1)} "
                     f"{count} row{'s' * (count != 1)} of J; f has more outputs than that.",
                     "One reverse sweep gives the gradient of one output (ȳ = e_i). Count the "
                     "outputs of f: R^1000 → R^2.")
    return wrong(f"reverse is the right mode, but {count} sweeps is not the number it needs.",
                 "One reverse sweep per row of J, i.e. per output of f.")


# ---------------------------------------------------------------- 06-checkpoint-counts

CHAIN_LENGTH, SEGMENT = 10_000, 50


@exercise("06-checkpoint-counts",
          "states held at the peak and recomputations of g: checkpointing with L = 10000, k = 50")
def _checkpoint_counts(answer):
    stored, recomputed = as_vector(answer, 2, "whole numbers (stored states, recomputations)")
    L, k = CHAIN_LENGTH, SEGMENT
    segments = L // k                         # k divides L here
    peak = segments + k - 1                   # all checkpoints while the last segment is rebuilt:
    #                                           its own checkpoint moved into it, k − 1 recomputed
    extra = L - segments                      # every state but the checkpoints, once more
    if (stored, recomputed) == (peak, extra):
        return right(f"{peak} states instead of {L}, for {extra} extra evaluations of g: less than "
                     "one more forward pass. k = √L = 100 would hold 199.")
    if (stored, recomputed) == (extra, peak):
        return wrong("the two numbers are swapped.", "Answer (stored states, recomputations).")
    hints = []
    if stored != peak:
        if stored == segments:
            hints.append("Stored: the checkpoints alone are not the peak; while a segment is "
                         "recomputed its states are held too.")
        elif stored == segments + k:
            hints.append("Stored: L/k + k is the text's estimate; count exactly, as "
                         "checkpointed_reverse does. A segment's first state is its checkpoint, "
                         "popped from the list into the segment: held once, not twice (the table: "
                         "k = 20 holds 39 states for L = 400, not 40).")
        elif stored == L:
            hints.append("Stored: L is what storing everything holds; checkpointing keeps only "
                     "every k-th state and one segment at a time.")
        elif stored == k or stored == k - 1:
            hints.append("Stored: a segment is not the only thing in memory; the checkpoints of "
                         "the segments not yet processed are still held.")
        else:
            hints.append("Stored: at the peak the memory holds every checkpoint not yet used and "
                         "the segment being recomputed; count both for L/k segments of k states.")
    if recomputed != extra:
        if recomputed == 2 * L - segments or recomputed == 2 * L:
            hints.append("Recomputations: count only the extra evaluations of g, not the first "
                         "forward pass.")
        elif recomputed == L:
            hints.append("Recomputations: the checkpoints themselves are never recomputed; they "
                         "were stored during the forward pass.")
        elif recomputed == segments or recomputed == segments - 1:
            hints.append("Recomputations: that is the number of segments; each segment recomputes "
                         "several states.")
        elif recomputed == 0:
            hints.append("Recomputations: only storing everything (k = 1) recomputes nothing.")
        else:
            hints.append("Recomputations: on the way back each segment is rebuilt from its "
                         "checkpoint; count the evaluations of g that takes, for all L/k "
                         "segments.")
    return wrong(f"({stored:g}, {recomputed:g}) is not right for L = {L}, k = {k}.", " ".join(hints))


# ---------------------------------------------------------------- 06-checkpointed-gradient

class _State(float):
    """A state of the chain, as the checker's g returns it: counts how many are alive at once."""

    alive = 0
    peak = 0

    def __new__(cls, value):
        cls.alive += 1
        cls.peak = max(cls.peak, cls.alive)
        return float.__new__(cls, value)

    def __del__(self):
        type(self).alive -= 1


def _euler(x):
    return x + 0.01 * ad.sin(x)


def _d_euler(x):
    return 1 + 0.01 * ad.cos(x)


def _logistic(x):
    return 3.7 * x * (1 - x)


def _d_logistic(x):
    return 3.7 * (1 - 2 * x)


def _wave(x):
    return ad.tanh(2 * x) + 0.5 * x


def _d_wave(x):
    return 2 * (1 - ad.tanh(2 * x) ** 2) + 0.5


# (name, g, g' written by hand, x0, L, k): k divides L, k does not, k = 1, k = L, L = 1
_CASES = [
    ("Euler steps x + 0.01·sin x", _euler, _d_euler, 1.0, 100, 10),
    ("Euler steps x + 0.01·sin x", _euler, _d_euler, 1.0, 50, 7),
    ("the logistic map 3.7·x·(1 − x)", _logistic, _d_logistic, 0.3, 12, 4),
    ("tanh(2x) + x/2", _wave, _d_wave, 0.2, 30, 1),
    ("tanh(2x) + x/2", _wave, _d_wave, 0.2, 30, 30),
    ("the logistic map 3.7·x·(1 − x)", _logistic, _d_logistic, 0.3, 1, 1),
    ("Euler steps x + 0.01·sin x", _euler, _d_euler, 2.0, 400, 20),
]


def _reference(g, x0, L):
    """dx_L/dx_0 by adlab's reverse mode on the whole chain."""
    def chain(x):
        for _ in range(L):
            x = g(x)
        return x
    return float(ad.grad(chain)(x0)) if L else 1.0


@exercise("06-checkpointed-gradient",
          "write checkpointed_gradient(g, dg, x0, L, k): a reverse sweep storing every k-th state")
def _checkpointed_gradient(answer):
    student = as_function(answer)
    for name, step, dstep, x0, L, k in _CASES:
        calls = {"g": 0, "dg": 0}

        def g(x):
            calls["g"] += 1
            return _State(float(step(x)))

        def dg(x):
            calls["dg"] += 1
            return float(dstep(x))

        where = f"(g, dg, x0={x0}, L={L}, k={k}) on {name}"
        _State.alive = _State.peak = 0
        result = call(student, g, dg, _State(x0), L, k, label=where)
        held = _State.peak
        value = as_number(returned(result, student, where), "a number (dx_L/dx_0)")
        expected = _reference(step, x0, L)
        if not close(value, expected, rtol=1e-9, atol=1e-12):
            if L % k:
                hint = ("It is wrong here, where k does not divide L: the last segment is shorter "
                        f"than k ({L} = {L // k}·{k} + {L % k}). Does every state x_0 … x_(L−1) "
                        "get its factor g'(x_j) exactly once?")
            else:
                hint = ("dx_L/dx_0 = g'(x_0)·g'(x_1)···g'(x_(L−1)): every state but the last, "
                        "each exactly once, the adjoint starting from x̄_L = 1. Check which "
                        "states your backward loop visits (compare with storing everything).")
            return wrong(f"checkpointed_gradient{where} returned {value:.6g}; adlab's reverse mode "
                         f"gives {expected:.6g}.", hint)
        checkpoints = -(-L // k)
        if calls["g"] > 2 * L:
            return wrong(f"the gradient is right, but checkpointed_gradient{where} called g "
                         f"{calls['g']} times, for a chain of {L} steps.",
                         "Rebuild each segment from its own checkpoint, not from x0: the "
                         "recomputation should cost less than one more forward pass.")
        if k > 1 and calls["g"] <= L and L > 1:
            return wrong(f"the gradient is right, but checkpointed_gradient{where} called g only "
                         f"{calls['g']} times: no state was recomputed, so every state was kept.",
                         "Keep only x_0, x_k, x_2k, … during the forward pass and recompute the "
                         "states in between, one segment at a time, on the way back.")
        allowed = checkpoints + k + 3   # a few loop variables beside checkpoints and one segment
        if held > allowed and allowed < L:
            return wrong(f"the gradient is right, but up to {held} states were alive at once in "
                         f"checkpointed_gradient{where}; checkpointing needs about "
                         f"{checkpoints} + {k}.",
                         "Keep only the checkpoints and the one segment you are working on: "
                         "drop a segment's states (and its checkpoint) once its adjoint sweep "
                         "is done.")
        if calls["dg"] > L:
            return wrong(f"the gradient is right, but dg was called {calls['dg']} times for "
                         f"{L} steps.", "The backward sweep needs g'(x_j) once per state.")
    return right("the same gradient as reverse mode over the whole tape, holding about L/k + k "
                 "states instead of L, for fewer than L extra evaluations of g.")
