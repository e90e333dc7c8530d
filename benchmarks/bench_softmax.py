"""Benchmarks layer: the softmax family (issue 10) -- softmax regression against hand-written numpy.

``-mean(pick(log_softmax(X @ W, 1), labels))`` with X 100,000 x 20, W 20 x 10 and integer labels
(smoke: 2,000 x 20), forward + backward for W through the public API (``Expression.gradients``,
``wrt W``; parsed once, untimed), against the hand-written, equally stable gradient in the same
run: ``S = X @ W; L = S - logsumexp(S, 1); value = -mean(L[i, labels[i]]);
∇W = Xᵀ (softmax(S) - onehot(labels)) / n``.  The labels are an integer input: no gradient is
formed for them, and they are checked (whole numbers, in range) on every call -- part of the cost.

Two rows: scores of a trained-from-scratch model (W standard normal, scores up to ~±25; goal
≤ 1.5×, as for linear regression), and scores of ±thousands (W × 100; no goal): there numpy's
``exp`` takes its slow underflow path, and the composition pays it twice (forward, and the
softmax weights ``exp(log_softmax)`` in backward) where the hand-written code pays it once.
Runs of ours and of the reference alternate (the machine is shared); the median of the repeats
is the result, the best is kept in ``data``.
Imports: stdlib, numpy, exprgrad.
"""

from __future__ import annotations

import gc
import statistics
import time

import numpy as np

import exprgrad

GOAL = 1.5
EXPR = "-mean(pick(log_softmax(X @ W, 1), labels))"
SMOKE_NOTE = "goal applies at 100,000×20; at smoke size the fixed per-call cost dominates"


def hand(X, W, labels):
    S = X @ W
    m = np.max(S, axis=1, keepdims=True)
    e = np.exp(S - m)
    z = np.sum(e, axis=1, keepdims=True)
    rows = np.arange(S.shape[0])
    value = -float(np.mean(S[rows, labels] - (np.log(z[:, 0]) + m[:, 0])))
    G = e / z
    G[rows, labels] -= 1.0
    return value, X.T @ (G / S.shape[0])


def _time(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def measure(n: int, d: int, c: int, repeats: int, scale: float = 1.0) -> dict:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d))
    W = rng.standard_normal((d, c)) * scale
    labels = rng.integers(0, c, size=n).astype(np.float64)
    f = exprgrad.parse(EXPR)
    # same answers first (a benchmark of wrong results is worthless)
    r = f.gradients(X=X, W=W, labels=labels, wrt="W")
    v, gW = hand(X, W, labels.astype(np.intp))
    assert np.isfinite(r.value) and abs(r.value - v) <= 1e-9 * abs(v)
    assert np.allclose(r.gradients["W"], gW, rtol=1e-9, atol=1e-12)
    ilabels = labels.astype(np.intp)
    cases = {
        "ours": lambda: f.gradients(X=X, W=W, labels=labels, wrt="W"),
        "hand": lambda: hand(X, W, ilabels),
    }
    times: dict[str, list[float]] = {k: [] for k in cases}
    for fn in cases.values():  # warm-up
        fn()
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            for name, fn in cases.items():
                times[name].append(_time(fn))
    finally:
        if was:
            gc.enable()
    med = {k: statistics.median(t) for k, t in times.items()}
    best = {k: min(t) for k, t in times.items()}
    scores = X @ W
    return {
        "n": n,
        "d": d,
        "classes": c,
        "max_abs_score": float(np.max(np.abs(scores))),
        "repeats": repeats,
        "median_s": med,
        "best_s": best,
        "ratio": med["ours"] / med["hand"],
    }


def run(smoke: bool) -> list[dict]:
    n, d, c = (2_000, 20, 10) if smoke else (100_000, 20, 10)
    repeats = 7 if smoke else 11
    rows = []
    for scale, label in ((1.0, ""), (100.0, ", scores of ±thousands")):
        m = measure(n, d, c, repeats, scale)
        med = m["median_s"]
        goal = scale == 1.0
        rows.append(
            {
                "name": f"softmax regression fwd+bwd, wrt W{label}",
                "result": f"{med['ours'] * 1e3:.2f} ms (hand {med['hand'] * 1e3:.2f} ms), "
                f"X {n:,}×{d}, {c} classes, scores up to ±{m['max_abs_score']:.0f}",
                "ratio": m["ratio"],
                "reference": "hand-written stable numpy Xᵀ(softmax(XW) − onehot)/n",
                "goal": f"≤ {GOAL}×" if goal else "-",
                "met": None if smoke or not goal else m["ratio"] <= GOAL,
                "note": SMOKE_NOTE if smoke and goal else "",
                "data": m,
            }
        )
    return rows


if __name__ == "__main__":  # pragma: no cover
    import sys

    for row in run("--smoke" in sys.argv):
        print(f"{row['name']}: {row['result']}; ratio {row['ratio']:.2f}")
