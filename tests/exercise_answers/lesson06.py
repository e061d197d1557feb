"""Lesson 6: reference answers, computed without the checkers."""

# ---- 06-read-c: f(x1, x2) = exp(-(x1·x1 + x2·x2)), counted by hand.
# ops(f) = 5: x1·x1, x2·x2, +, unary −, exp.
# Forward sweep, 9: each square by the product rule ẋ·x + x·ẋ (2 products, 1 sum) → 6;
# the sum 1; the negation 1; exp: v̇ · exp(v), its value reused → 1.
# Reverse sweep, 8: exp's adjoint v̄ · exp(v) → 1; the negation 1; the sum passes v̄ on → 0;
# each square x̄ = v̄·x, then x̄ += v̄·x (2 products, 1 accumulation) → 6.
OPS_F, OPS_FORWARD, OPS_REVERSE = 5, 9, 8
C_FORWARD = (OPS_F + OPS_FORWARD) / OPS_F
C_REVERSE = (OPS_F + OPS_REVERSE) / OPS_F


# ---- 06-checkpoint-counts: simulate the schedule and count (no closed formula here).
def simulate_checkpointing(L, k):
    """(most states held at once, evaluations of g beyond the first forward pass)."""
    held, evaluations = 0, 0
    checkpoints = [j for j in range(L) if j % k == 0]
    evaluations += L
    held = len(checkpoints)
    while checkpoints:
        start = checkpoints.pop()
        segment = [start]
        while segment[-1] + 1 < min(start + k, L):
            segment.append(segment[-1] + 1)
            evaluations += 1
        held = max(held, len(checkpoints) + len(segment))
    return held, evaluations - L


# ---- 06-checkpointed-gradient
def checkpointed_gradient(g, dg, x0, L, k):
    checkpoints, x = [], x0
    for j in range(L):
        if j % k == 0:
            checkpoints.append(x)
        x = g(x)
    xbar = 1.0
    while checkpoints:
        start = (len(checkpoints) - 1) * k
        segment = [checkpoints.pop()]
        for _ in range(min(k, L - start) - 1):
            segment.append(g(segment[-1]))
        for xj in reversed(segment):
            xbar = xbar * dg(xj)
    return xbar


def store_everything(g, dg, x0, L, k):
    states, x = [], x0
    for _ in range(L):
        states.append(x)
        x = g(x)
    xbar = 1.0
    for xj in reversed(states):
        xbar = xbar * dg(xj)
    return xbar


def recompute_from_x0(g, dg, x0, L, k):
    xbar = 1.0
    for j in reversed(range(L)):
        x = x0
        for _ in range(j):
            x = g(x)
        xbar = xbar * dg(x)
    return xbar


def whole_segments_only(g, dg, x0, L, k):
    """Forgets that the last segment is shorter when k does not divide L."""
    checkpoints, x = [], x0
    for j in range(L):
        if j % k == 0:
            checkpoints.append(x)
        x = g(x)
    xbar = 1.0
    while checkpoints:
        segment = [checkpoints.pop()]
        for _ in range(k - 1):
            segment.append(g(segment[-1]))
        for xj in reversed(segment):
            xbar = xbar * dg(xj)
    return xbar


def one_state_too_far(g, dg, x0, L, k):
    """Multiplies g'(x_1) ... g'(x_L) instead of g'(x_0) ... g'(x_(L-1))."""
    checkpoints, x = [], x0
    for j in range(L):
        x = g(x)
        if j % k == 0:
            checkpoints.append(x)
    xbar = 1.0
    while checkpoints:
        start = (len(checkpoints) - 1) * k
        segment = [checkpoints.pop()]
        for _ in range(min(k, L - start) - 1):
            segment.append(g(segment[-1]))
        for xj in reversed(segment):
            xbar = xbar * dg(xj)
    return xbar


def keeps_every_segment(g, dg, x0, L, k):
    """Recomputes the segments but keeps all of them: as much memory as storing everything."""
    checkpoints, x = [], x0
    for j in range(L):
        if j % k == 0:
            checkpoints.append(x)
        x = g(x)
    kept, xbar = [], 1.0
    for s in reversed(range(len(checkpoints))):
        segment = [checkpoints[s]]
        for _ in range(min(k, L - s * k) - 1):
            segment.append(g(segment[-1]))
        kept.append(segment)
        for xj in reversed(segment):
            xbar = xbar * dg(xj)
    return xbar


SOLUTIONS = {
    "06-read-c": (C_FORWARD, C_REVERSE),
    "06-which-mode": ("reverse", 2),
    "06-checkpoint-counts": simulate_checkpointing(10_000, 50),
    "06-checkpointed-gradient": checkpointed_gradient,
}

WRONG = {
    "06-read-c": [
        ((C_REVERSE, C_FORWARD), "swapped"),
        ((OPS_FORWARD / OPS_F, OPS_REVERSE / OPS_F), "c − 1"),
        ((OPS_F / (OPS_F + OPS_FORWARD), OPS_F / (OPS_F + OPS_REVERSE)), "at least 1"),
        ((C_FORWARD, 2.0), "reverse"),
    ],
    "06-which-mode": [
        (("forward", 1000), "not the cheaper way"),
        (("reverse", 1000), "how many rows"),
        (("forward", 2), "column"),
        (("reverse", 1), "count the outputs"),
        (("sideways", 2), "'forward' or 'reverse'"),
        ("reverse", "pair"),
    ],
    "06-checkpoint-counts": [
        ((200 + 50, 10_000 - 200), "twice"),
        ((200, 10_000 - 200), "checkpoints alone"),
        ((249, 2 * 10_000 - 200), "first forward pass"),
        ((249, 10_000), "never recomputed"),
        ((10_000, 0), "storing everything"),
        ((9800, 249), "swapped"),
    ],
    "06-checkpointed-gradient": [
        (store_everything, "every state was kept"),
        (recompute_from_x0, "own checkpoint"),
        (whole_segments_only, "shorter"),
        (one_state_too_far, "each exactly once"),
        (keeps_every_segment, "alive at once"),
    ],
}
