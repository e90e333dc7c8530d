"""Render layer: axis ranges and ticks for charts -- the range of the bulk of the values past a
pole (``bulk_range``), nice steps (1, 2, 5 × 10^k), ticks on linear and log
axes, and labels with the fewest digits that tell the ticks apart (``0.25``, not
``0.25000000000000006``; ``1e6``; powers of ten as ``10⁻³``; a real minus sign).

Used by the SVG chart (exprgrad/render/chart.py).  Imports: stdlib only.
"""

from __future__ import annotations

import math


def num(v: float) -> str:
    """A number for an attribute: shortest round-trip text, integral without .0."""
    r = repr(float(v))
    return r[:-2] if r.endswith(".0") else r


def short(v: float) -> str:
    """A number for people, 3 significant digits, a real minus sign."""
    s = f"{v:.3g}"
    return "\u2212" + s[1:] if s.startswith("-") else s


# -- ticks ---------------------------------------------------------------------------------------
def nice_step(span: float, target: int = 6) -> float:
    """The step of 1, 2 or 5 × 10^k whose number of intervals over ``span`` is nearest
    ``target`` (a tie goes to the larger step)."""
    raw = span / max(target, 1)
    k = math.floor(math.log10(raw))
    steps = [m * 10.0**e for e in (k - 1, k, k + 1) for m in (1.0, 2.0, 5.0)]
    return min(steps, key=lambda st: (abs(span / st - target), -st))


def linear_ticks(lo: float, hi: float, target: int = 6) -> list[float]:
    """Multiples of a nice step inside [lo, hi]."""
    if not hi > lo:
        return [lo]
    step = nice_step(hi - lo, target)
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    ticks = [k * step for k in range(first, last + 1)]
    return [0.0 if abs(t) < step * 1e-9 else t for t in ticks]


def tick_labels(ticks: list[float]) -> list[str]:
    """Labels with the fewest digits that tell the ticks apart: 0.25 not 0.25000000000000006,
    1e6 rather than 1000000, a real minus sign."""
    if not ticks:
        return []
    big = max(abs(t) for t in ticks)
    step = min((abs(b - a) for a, b in zip(ticks, ticks[1:]) if b != a), default=big or 1.0)
    if big >= 1e6 or (0 < big < 1e-3):
        digits = max(0, round(math.log10(big)) - math.floor(math.log10(step))) if step else 0
        out = []
        for t in ticks:
            m, _, e = f"{t:.{min(digits, 12)}e}".partition("e")
            m = m.rstrip("0").rstrip(".") if "." in m else m
            out.append("0" if t == 0 else f"{m}e{int(e)}")
    else:
        d = 0
        while d < 12 and abs(round(step, d) - step) > step * 1e-6:
            d += 1
        out = [f"{t:.{d}f}" for t in ticks]
    return ["\u2212" + s[1:] if s.startswith("-") else s for s in out]


_SUP = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def log_ticks(lo: float, hi: float) -> tuple[list[float], list[str], list[float]]:
    """(major ticks, their labels, minor ticks) for a log axis over [lo, hi] (log10 units)."""
    a, b = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
    if b - a >= 1:  # at least two powers of ten: label powers of ten
        every = 1 if b - a <= 8 else int(nice_step(b - a, 6)) or 1
        exps = [e for e in range(a, b + 1) if e % every == 0]
        plain = all(-3 <= e <= 4 for e in exps)
        labels = [
            num(10.0**e) if plain and e >= 0 else f"{10.0**e:.{-e}f}" if plain else
            "10" + str(e).translate(_SUP)
            for e in exps
        ]  # fmt: skip
        minor = []
        if b - a <= 6:
            for e in range(a - 1, b + 1):
                minor += [math.log10(m * 10.0**e) for m in range(2, 10)]
        minor = [m for m in minor if lo <= m <= hi]
        return [float(e) for e in exps], labels, minor
    # less than two decades: 1, 2, 5 × 10^k, or plain nice ticks between 10^lo and 10^hi
    vals = [
        m * 10.0**e
        for e in range(math.floor(lo) - 1, math.ceil(hi) + 1)
        for m in (1.0, 2.0, 5.0)
        if lo - 1e-9 <= math.log10(m * 10.0**e) <= hi + 1e-9
    ]
    if len(vals) < 3:
        vals = [v for v in linear_ticks(10.0**lo, 10.0**hi, 4) if v > 0]
    return [math.log10(v) for v in vals], tick_labels(vals), []


def bulk_range(vals: list[float]) -> tuple[float, float] | None:
    """The bulk's range (5th to 95th percentile, plus a margin) when a few values dwarf it (a
    pole), else None."""
    if len(vals) < 20:
        return None
    s = sorted(vals)
    k = len(s) // 20
    qlo, qhi = s[k], s[-1 - k]
    if not qhi > qlo or (s[-1] - s[0]) <= 4.0 * (qhi - qlo):
        return None
    m = 0.25 * (qhi - qlo)
    return max(s[0], qlo - m), min(s[-1], qhi + m)
