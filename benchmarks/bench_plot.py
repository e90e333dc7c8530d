"""Benchmarks layer: ``plot`` (issue 12) -- f and ∂f/∂x at 1,000,000 points against hand-written
numpy computing f and f′ for the same expression.

Ours is ``exprgrad.analysis.plot.sample`` (parsed once, untimed): the grid, one vectorised
forward + backward pass over the graph, and the marks (sign changes of f′, kinks, poles).  The
reference builds the grid with ``np.linspace`` and evaluates f and f′ written out by hand, as a
user would write them.  Two expressions: a smooth one, ``tanh(x) * x^2 + sin(3*x)``, and the
lecture's ``(a + relu(b)) * c`` over b (a kink to find).  Values and derivatives are checked equal
first.  Runs alternate (shared noise); the median of the repeats is the result.  Informational
rows: the TSV and the SVG of the same million points (no reference, no goal).
Imports: stdlib, numpy, exprgrad.
"""

from __future__ import annotations

import gc
import statistics
import time

import numpy as np

import exprgrad
from exprgrad.analysis.plot import sample
from exprgrad.render import plot as render

GOAL = 2.0  # ours / hand-written numpy, f and f′ over the grid


def hand_smooth(n: int):
    x = np.linspace(-3.0, 3.0, n)
    f = np.tanh(x) * x**2 + np.sin(3 * x)
    fp = (1 - np.tanh(x) ** 2) * x**2 + np.tanh(x) * 2 * x + 3 * np.cos(3 * x)
    return f, fp


def hand_relu(n: int):
    a, c = 7.0, 2.0
    b = np.linspace(-3.0, 3.0, n)
    f = (a + np.maximum(b, 0.0)) * c
    fp = np.where(b > 0.0, c, 0.0)
    return f, fp


CASES = {
    "smooth": ("tanh(x) * x^2 + sin(3*x)", {"x": "-3:3"}, hand_smooth),
    "relu": ("(a + relu(b)) * c", {"a": "7", "b": "-3:3", "c": "2"}, hand_relu),
}


NOTES = {
    "smooth": "",
    "relu": "no goal: the reference is three numpy calls and finds no kink or sign change; ours "
    "also locates the kink (and checks f′ for sign changes)",
}


def _time(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def measure(kind: str, n: int, repeats: int) -> dict:
    text, bindings, hand = CASES[kind]
    expr = exprgrad.parse(text)
    s = sample(expr, bindings, points=n)
    f, fp = hand(n)
    assert np.allclose(s.x, np.linspace(-3.0, 3.0, n), rtol=0, atol=1e-12)
    assert np.allclose(s.value, f, rtol=1e-12, atol=1e-12)
    assert np.allclose(s.gradient, fp, rtol=1e-12, atol=1e-12)
    cases = {"ours": lambda: sample(expr, bindings, points=n), "hand": lambda: hand(n)}
    times: dict[str, list[float]] = {k: [] for k in cases}
    for fn in cases.values():
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
    return {
        "expression": text,
        "points": n,
        "repeats": repeats,
        "median_s": med,
        "best_s": {k: min(t) for k, t in times.items()},
        "ratio": med["ours"] / med["hand"],
        "marks": len(s.marks),
    }


def measure_render(n: int) -> dict:
    s = sample(exprgrad.parse(CASES["smooth"][0]), CASES["smooth"][1], points=n)
    out = {}
    for name, fn in (
        ("tsv", render.plot_tsv),
        ("svg", render.plot_svg),
        ("json", render.plot_json),
    ):
        t = time.perf_counter()
        fn(s)
        out[name] = time.perf_counter() - t
    return out


def run(smoke: bool) -> list[dict]:
    n = 20_000 if smoke else 1_000_000
    repeats = 5 if smoke else 15
    rows = []
    for kind in CASES:
        d = measure(kind, n, repeats)
        m = d["median_s"]
        rows.append(
            {
                "name": f"plot {kind} f and f′",
                "result": f"{m['ours'] * 1e3:.1f} ms (hand {m['hand'] * 1e3:.1f} ms), "
                f"{n:,} points of {d['expression']}",
                "ratio": d["ratio"],
                "reference": "hand-written numpy f and f′ (np.linspace grid)",
                "goal": f"≤ {GOAL:g}×" if kind == "smooth" else "-",
                "met": None if smoke or kind != "smooth" else d["ratio"] <= GOAL,
                "note": NOTES[kind] if not smoke else "goal applies at 1,000,000 points",
                "data": d,
            }
        )
    r = measure_render(n)
    rows.append(
        {
            "name": "plot render (TSV, SVG, JSON object)",
            "result": f"TSV {r['tsv'] * 1e3:.0f} ms, SVG {r['svg'] * 1e3:.0f} ms, "
            f"JSON object {r['json'] * 1e3:.0f} ms, {n:,} points",
            "ratio": None,
            "goal": "-",
            "met": None,
            "data": r,
        }
    )
    return rows


if __name__ == "__main__":  # pragma: no cover
    import sys

    for row in run("--smoke" in sys.argv):
        print(f"{row['name']}: {row['result']}; ratio {row['ratio']}")
