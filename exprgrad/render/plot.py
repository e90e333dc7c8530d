"""Render layer: ``plot``'s forms -- a sampling of f and ∂f/∂x (exprgrad/analysis/plot.py) as a
terminal chart (uniplot), an SVG (exprgrad/render/chart.py), a TSV table or a JSON object.

* terminal: the chart with its legend, vertical lines at the marks, and the marks listed below
  (``x ≈ 1.571  ∂f/∂x: + to − (max)``); colour unless ``color=False`` (then f is drawn with
  ``*`` and ∂f/∂x with ``.``);
* TSV: ``x  value  gradient`` with a header, every number as the contract writes it;
* JSON: ``{"expression", "variable", "x", "value", "gradient", ...}`` (strict: non-finite
  numbers as strings);
* SVG: f solid, ∂f/∂x dashed, gaps where a value is not finite, at poles, and in ∂f/∂x where it
  jumps at a kink; the marks as labelled vertical lines; the y range follows the bulk past a pole.

Nothing here prints.  Imports: stdlib, numpy (the sampling's arrays), exprgrad.render; uniplot
only in ``terminal``.
"""

from __future__ import annotations

import math
from typing import Any

from .chart import Marker, Series, line_chart_svg
from .messages import safe
from .numbers import fmt_number, fmt_value
from .ticks import bulk_range

#: how many marks the terminal lists (all are in the JSON)
LISTED_MARKS = 8
_PRIORITY = {"kink": 0, "edge": 1, "sign": 2}


def _numbers(values: Any) -> list[str]:
    """Each number as the contract writes it (``68``, ``0.1``, ``inf``, ``nan``), fast."""
    return [r[:-2] if r.endswith(".0") else r for r in map(repr, values.tolist())]


def _json_numbers(values: Any) -> list[Any]:
    import numpy as np

    if np.isfinite(values).all():
        return values.tolist()
    return [v if math.isfinite(v) else fmt_number(v) for v in values.tolist()]


def _binding_text(name: str, v: Any) -> str:
    shape: tuple[int, ...] = tuple(getattr(v, "shape", ()))
    if len(shape) == 1:
        return f"{name}: array of {shape[0]}"
    if shape:
        return f"{name}: {'×'.join(str(k) for k in shape)} array"
    return f"{name} = {fmt_value(v)}"


def _given(s: Any) -> str:
    return ", ".join(_binding_text(k, v) for k, v in s.bindings.items())


def where_text(s: Any) -> str:
    """``x from -2 to 2 (201 points), a = 7, c = 2``."""
    x = s.x
    parts = [f"{s.variable} from {fmt_number(x[0])} to {fmt_number(x[-1])} ({x.shape[0]} points)"]
    parts += [_binding_text(k, v) for k, v in s.bindings.items()]
    return ", ".join(parts)


def _cut(text: str, width: int) -> str:
    """One line of at most ``width`` characters, '…' where cut (spacing kept)."""
    text = safe(text).replace("\n", " ").replace("\t", " ")
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def mark_x(x: float) -> str:
    t = f"{x:.4g}"
    shown = t.replace("-", "−")
    return f"= {shown}" if float(t) == x else f"≈ {shown}"


# -- JSON and TSV --------------------------------------------------------------------------------
def plot_json(s: Any) -> dict[str, Any]:
    return {
        "expression": s.expression,
        "variable": s.variable,
        "x": _json_numbers(s.x),
        "value": _json_numbers(s.value),
        "gradient": _json_numbers(s.gradient),
        "range": [float(s.x[0]), float(s.x[-1])],
        "points": int(s.x.shape[0]),
        "bindings": {  # arrays by their shape only: a data set is not repeated
            k: {"shape": list(v.shape)} if getattr(v, "shape", ()) else v
            for k, v in s.bindings.items()
        },
        "marks": [
            {"x": m.x, "kind": m.kind, "label": m.label, "column": m.column} for m in s.marks
        ],
        "omitted_marks": s.omitted,
        "method": s.method,
        "warnings": [w.message for w in s.warnings],
    }


def plot_tsv(s: Any) -> str:
    rows = zip(_numbers(s.x), _numbers(s.value), _numbers(s.gradient))
    return "x\tvalue\tgradient\n" + "\n".join(f"{a}\t{b}\t{c}" for a, b, c in rows)


# -- drawing -------------------------------------------------------------------------------------
def drawn_gradient(s: Any) -> Any:
    """∂f/∂x where f is finite (log's rule 1/x is a number at x < 0, where log is nan: a chart
    must not draw a derivative of nothing); nan elsewhere."""
    import numpy as np

    return np.where(np.isfinite(s.value), s.gradient, np.nan)


def _gapped(x: Any, y: Any, breaks: Any) -> tuple[Any, Any]:
    """x, y with a nan point inserted wherever a line must break (non-finite y becomes nan)."""
    import numpy as np

    y = np.where(np.isfinite(y), y, np.nan)
    idx = np.flatnonzero(breaks) + 1
    if not idx.size:
        return x, y
    return np.insert(x, idx, (x[idx - 1] + x[idx]) / 2), np.insert(y, idx, np.nan)


def _drawn(s: Any, y: Any, breaks: Any) -> tuple[Any, Any]:
    return _decimated(*_gapped(s.x, y, breaks))


def _decimated(x: Any, y: Any, buckets: int = 2000) -> tuple[Any, Any]:
    """At most about 4 points per bucket of the x range (first, lowest, highest, last) plus the
    first point of each run of nan (the gaps): the same picture from a million points, fast."""
    import numpy as np

    n = x.shape[0]
    if n <= 8 * buckets:
        return x, y
    nan = np.isnan(y)
    edges = np.linspace(0, n, buckets + 1).astype(np.int64)
    size = int(np.diff(edges).max())
    pad = np.full(buckets * size, np.nan)
    idx = (edges[:-1, None] + np.arange(size)[None, :]).ravel()
    ok = (idx < np.repeat(edges[1:], size)) & (idx < n)
    pad[ok] = y[idx[ok]]
    grid = pad.reshape(buckets, size)
    keep = [edges[:-1], edges[1:] - 1, np.flatnonzero(nan & ~np.roll(nan, 1))]
    some = ~np.isnan(grid).all(axis=1)
    with np.errstate(all="ignore"):
        lo = np.nanargmin(np.where(some[:, None], grid, 0.0), axis=1)
        hi = np.nanargmax(np.where(some[:, None], grid, 0.0), axis=1)
    keep += [(edges[:-1] + lo)[some], (edges[:-1] + hi)[some]]
    k = np.unique(np.concatenate(keep))
    return x[k], y[k]


def y_range(s: Any) -> tuple[float, float] | None:
    """The y range both charts show: the bulk's past a pole, else all finite values'."""
    import numpy as np

    ys = np.concatenate((s.value, s.gradient))
    ys = ys[np.isfinite(ys)]
    if not ys.size:
        return None
    if ys.size > 20_000:  # the bulk of a large grid: every k-th value is enough
        ys = ys[:: ys.size // 10_000]
    bulk = bulk_range(ys.tolist())
    if bulk is not None:
        return bulk
    lo, hi = float(ys.min()), float(ys.max())
    pad = (hi - lo) * 0.04 if hi > lo else max(abs(lo) * 0.1, 1.0)
    return lo - pad, hi + pad


def merged_marks(s: Any, within: float) -> list[tuple[float, str, str]]:
    """(x, kind, label) with marks closer than ``within`` joined: ``kink: abs … · ∂f/∂x: …``."""
    out: list[tuple[float, str, str]] = []
    for m in sorted(s.marks, key=lambda m: (m.x, _PRIORITY.get(m.kind, 9))):
        if out and m.x - out[-1][0] <= within:
            x, kind, label = out[-1]
            if m.label not in label.split(" · "):
                out[-1] = (x, kind, f"{label} · {m.label}")
            continue
        out.append((m.x, m.kind, m.label))
    return out


def plot_svg(s: Any) -> str:
    x = s.x
    xv, v = _drawn(s, s.value, s.value_breaks)
    xg, g = _drawn(s, drawn_gradient(s), s.gradient_breaks)
    var = s.variable
    step = (float(x[-1]) - float(x[0])) / 600
    markers = [Marker(x=mx, label=label, kind=kind) for mx, kind, label in merged_marks(s, step)]
    return line_chart_svg(
        [Series(f"f({var})", xv, v), Series(f"∂f/∂{var}", xg, g, dashed=True)],
        title=f"f({var}) = {s.expression}",
        x_label=var + (f"   ({given})" if (given := _given(s)) else ""),
        markers=markers,
        x_range=(float(x[0]), float(x[-1])),
        y_range=y_range(s),
    )


def terminal(s: Any, *, columns: int = 80, lines: int = 24, color: bool = True) -> str:
    """The chart for a terminal ``columns`` wide: title, chart and legend, the marks listed."""
    from uniplot import plot_to_string

    x = s.x
    xv, v = _drawn(s, s.value, s.value_breaks)
    xg, g = _drawn(s, drawn_gradient(s), s.gradient_breaks)
    var = s.variable
    x0, x1 = float(x[0]), float(x[-1])
    marks = merged_marks(s, (x1 - x0) / max(columns * 2, 1))
    kw: dict[str, Any] = {}
    r = y_range(s)
    if r is not None:
        kw.update(y_min=r[0], y_max=r[1])
    if not color:
        kw.update(character_set="ascii", force_ascii_characters=["*", "."])
    chart = plot_to_string(
        [v, g],
        [xv, xg],
        lines=True,
        legend_labels=[f"f({var})", f"∂f/∂{var}"],
        color=["blue", "red"] if color else False,
        width=max(columns - 14, 20),
        line_length_hard_cap=max(columns, 30),
        height=max(8, min(18, lines - 10)),
        x_min=x0,
        x_max=x1,
        x_gridlines=[m[0] for m in marks[:LISTED_MARKS]] or [0.0],
        y_gridlines=[0.0],
        **kw,
    )
    head = [
        _cut(f"f({var}) = {s.expression}", columns - 1),
        _cut(where_text(s), columns - 1),
    ]
    tail = []
    shown = [f"{var} {mark_x(mx)}" for mx, _, _ in marks[:LISTED_MARKS]]
    pad = max((len(t) for t in shown), default=0)
    for t, (_, _, label) in zip(shown, marks):
        tail.append(_cut(f"  │ {t:<{pad}}   {label}", columns - 1))
    more = len(marks) - LISTED_MARKS + sum(s.omitted.values())
    if more > 0:
        tail.append(f"  … and {more} more mark{'s' if more > 1 else ''} (all are in --json)")
    note = _gap_note(s)
    if note:
        import textwrap

        tail += textwrap.wrap(note, max(columns - 1, 20), initial_indent="  ",
                              subsequent_indent="    ")  # fmt: skip
    return "\n".join([*head, chart.rstrip("\n"), *tail])


def _gap_note(s: Any) -> str:
    """``gaps: f(x) is not finite at 1 of 201 points ...`` (or nothing)."""
    import numpy as np

    n = s.x.shape[0]
    var = s.variable
    bad_f = ~np.isfinite(s.value)
    bad_g = ~np.isfinite(s.gradient) & ~bad_f
    parts = []
    if bad_f.any():
        parts.append(
            f"f({var}) is not finite at {int(bad_f.sum())} of {n} points "
            f"(∂f/∂{var} not drawn there)"
        )
    if bad_g.any():
        parts.append(f"∂f/∂{var} is not finite at {int(bad_g.sum())} more")
    return f"gaps: {'; '.join(parts)}" if parts else ""
