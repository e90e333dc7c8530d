"""Render layer: an SVG line chart written by exprgrad itself (no plotting library) -- the picture
behind ``plot -o plot.svg``, ``fit -o loss.svg`` and ``check --sweep``.

    >>> from exprgrad.render.chart import Marker, Series, line_chart_svg
    >>> svg = line_chart_svg(
    ...     [Series("f(x) = x^2", xs, [x * x for x in xs]),
    ...      Series("∂f/∂x", xs, [2 * x for x in xs], dashed=True)],
    ...     title="x^2", x_label="x", markers=[Marker(x=0.0, label="∂f/∂x = 0", kind="sign")])

``line_chart_svg(series, *, title="", x_label="", y_label="", x_log=False, y_log=False,
markers=(), width=720, height=420, x_range=None, y_range=None, robust_y=False) -> str``

* ``series``: ``Series(name, x, y, dashed=False, dots=False, color=None)``; ``x`` and ``y`` are
  sequences of numbers of one length (lists, tuples, numpy arrays); ``x=None`` means 0, 1, 2, ...
  (steps).  Series may share an x or each have their own.  Colours come from a colour-blind-safe
  palette in order unless ``color`` (any SVG colour) is given.
* Gaps: a point whose x or y is not finite (nan, ±inf) -- or not positive on a log axis -- is not
  drawn and breaks the line there; a lone point between two gaps is drawn as a dot.  A series with
  more points than the plot has pixels is thinned per pixel column (first, min, max, last), so a
  million points give a small file that looks the same.
* Scales: ``x_log``/``y_log`` (base 10, ticks at powers of ten, or 1-2-5 within a decade);
  ticks are "nice" (1, 2, 5 × 10^k) and labelled with as few digits as tell them apart.
  ``x_range``/``y_range`` = (lo, hi) fix a range (else the data's; y gets a small margin).
  ``robust_y``: when a few values dwarf the rest (a pole of 1/x or tan), the y range follows the
  bulk (2nd–98th percentile, plus a margin) and lines run off the plot, clipped; a note says so.
* ``markers``: ``Marker(x=... | y=..., label="", kind="")``: a vertical (x) or horizontal (y)
  line with a label; ``kind`` picks its look: ``"sign"`` (a sign change), ``"kink"``, ``"edge"``
  (a pole or domain edge), ``"chosen"`` (a chosen value, such as a step size), else neutral.
* Text (title, labels, names) is escaped, and characters XML cannot hold are replaced, so no
  text breaks the SVG; the result always parses as XML.

Structure, for tools and tests: ``<g class="series" data-name data-index data-points
data-segments>`` holding one ``<path class="line">`` per unbroken run (``<circle class="dot">``
for lone points), ``<g class="axis" data-axis="x|y" data-scale="linear|log" data-min
data-max>`` holding ``<g class="tick" data-value>``, ``<g class="legend">`` with ``<g
class="legend-item" data-name>``, ``<g class="marker" data-axis data-value data-kind
data-label>``, ``<text class="note">``.  Ticks come from exprgrad/render/ticks.py.
Nothing here prints.  Imports: stdlib, exprgrad.render.ticks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .ticks import bulk_range, linear_ticks, log_ticks, tick_labels
from .ticks import num as _num
from .ticks import short as _short

#: series colours (Okabe & Ito's colour-blind-safe palette, the yellow left out)
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
#: marker kind -> (colour, dash pattern)
MARKER_STYLE = {
    "sign": ("#009E73", "2 3"),
    "kink": ("#CC79A7", "6 3"),
    "edge": ("#777777", "1 3"),
    "chosen": ("#E69F00", ""),
}
_NEUTRAL = ("#555555", "4 3")
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
_CHAR = 0.6  # average glyph width, in font sizes (for layout estimates)


@dataclass(frozen=True)
class Series:
    """One named line: ``y`` over ``x`` (None: 0, 1, 2, ...)."""

    name: str
    x: Sequence[float] | None
    y: Sequence[float]
    dashed: bool = False
    dots: bool = False
    color: str | None = None


@dataclass(frozen=True)
class Marker:
    """A vertical line at ``x`` or a horizontal one at ``y``, with a label."""

    x: float | None = None
    y: float | None = None
    label: str = ""
    kind: str = ""


# -- text ----------------------------------------------------------------------------------------
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def esc(text: Any) -> str:
    """Text safe inside an element or a double-quoted attribute."""
    s = _NOT_XML.sub("\ufffd", str(text))
    return (
        s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )


def _fit(text: str, px: float, size: float) -> str:
    """``text`` cut with … to about ``px`` pixels wide at font ``size``."""
    room = max(1, int(px / (size * _CHAR)))
    one = " ".join(text.split())
    return one if len(one) <= room else one[: max(room - 1, 0)] + "…"


def _width(text: str, size: float) -> float:
    return len(text) * size * _CHAR


def _px(v: float) -> str:
    """A pixel coordinate, to 0.01 px."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


# -- data ----------------------------------------------------------------------------------------
def _floats(seq: Iterable[Any]) -> list[float]:
    tolist = getattr(seq, "tolist", None)
    return [float(v) for v in (tolist() if tolist is not None else seq)]


def _transform(vals: list[float], log: bool) -> list[float]:
    """Axis units: log10 on a log axis (nan where not positive); nan where not finite."""
    nan = math.nan
    if log:
        return [math.log10(v) if 0.0 < v < math.inf else nan for v in vals]
    return [v if -math.inf < v < math.inf else nan for v in vals]


def _range(vals: list[float], pad: float, log: bool) -> tuple[float, float]:
    if not vals:
        return (-1.0, 1.0) if log else (0.0, 1.0)
    lo, hi = min(vals), max(vals)
    if hi == lo:
        d = 0.5 if log else max(abs(lo) * 0.1, 1.0) if lo == 0 else abs(lo) * 0.1
        return lo - d, hi + d
    m = (hi - lo) * pad
    return lo - m, hi + m


def _thin(px: list[float], py: list[float]) -> tuple[list[float], list[float]]:
    """First, min, max and last point of each pixel column (in order): the same picture."""
    out_x: list[float] = []
    out_y: list[float] = []
    i, n = 0, len(px)
    while i < n:
        col = int(px[i])
        j = i
        lo = hi = i
        while j + 1 < n and int(px[j + 1]) == col:
            j += 1
            if py[j] < py[lo]:
                lo = j
            if py[j] > py[hi]:
                hi = j
        for k in sorted({i, lo, hi, j}):
            out_x.append(px[k])
            out_y.append(py[k])
        i = j + 1
    return out_x, out_y


# -- the chart -------------------------------------------------------------------------------------
class _Frame:
    """The plot area in pixels and the axis ranges in axis units (log10 on a log axis)."""

    def __init__(self, left, top, pw, ph, x0, x1, y0, y1):
        self.left, self.top, self.pw, self.ph = left, top, pw, ph
        self.x0, self.x1, self.y0, self.y1 = x0, x1, y0, y1

    def X(self, t: float) -> float:
        return self.left + (t - self.x0) / (self.x1 - self.x0) * self.pw

    def Y(self, t: float) -> float:
        """The pixel row, kept within 20 plot heights (no 1e300 coordinates off the plot)."""
        y = self.top + self.ph - (t - self.y0) / (self.y1 - self.y0) * self.ph
        return min(max(y, self.top - 20 * self.ph), self.top + 21 * self.ph)


def _points(s: Series, x_log: bool, y_log: bool):
    """(x, y in axis units -- nan where not drawable --, how many finite points a log axis
    hides)."""
    y = _floats(s.y)
    x = _floats(s.x) if s.x is not None else [float(i) for i in range(len(y))]
    if len(x) != len(y):
        raise ValueError(f"series {s.name!r}: {len(x)} x values but {len(y)} y values")
    tx, ty = _transform(x, x_log), _transform(y, y_log)
    hidden = 0
    if x_log or y_log:
        finite = zip(_transform(x, False), _transform(y, False))
        hidden = sum(1 for a, b in finite if a == a and b == b)
        hidden -= sum(1 for a, b in zip(tx, ty) if a == a and b == b)
    return tx, ty, hidden


def _axis_range(given, log: bool, pad: float, vals: list[float]) -> tuple[float, float]:
    if given is not None:
        t = _transform([float(v) for v in given], log)
        if t[0] == t[0] and t[1] == t[1] and t[1] > t[0]:
            return t[0], t[1]
    return _range(vals, pad, log)


def _ticks(lo: float, hi: float, log: bool, target: int):
    if log:
        return log_ticks(lo, hi)
    ticks = linear_ticks(lo, hi, target)
    return ticks, tick_labels(ticks), []


def line_chart_svg(
    series: Sequence[Series],
    *,
    title: str = "",
    x_label: str = "",
    y_label: str = "",
    x_log: bool = False,
    y_log: bool = False,
    markers: Sequence[Marker] = (),
    width: int = 720,
    height: int = 420,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    robust_y: bool = False,
) -> str:
    """The chart as one SVG document (a string); see the module docstring."""
    width, height = max(int(width), 200), max(int(height), 150)
    for m in markers:
        if (m.x is None) == (m.y is None):
            raise ValueError("a Marker needs exactly one of x and y")
    data = [_points(s, x_log, y_log) for s in series]
    xs = [a for tx, ty, _ in data for a, b in zip(tx, ty) if a == a and b == b]
    ys = [b for tx, ty, _ in data for a, b in zip(tx, ty) if a == a and b == b]
    x0, x1 = _axis_range(x_range, x_log, 0.0, xs)
    clipped = bulk_range(ys) if y_range is None and robust_y else None
    y0, y1 = clipped or _axis_range(y_range, y_log, 0.04, ys)
    xt, xl, xm = _ticks(x0, x1, x_log, max(3, (width - 120) // 110))
    yt, yl, ym = _ticks(y0, y1, y_log, max(3, (height - 120) // 55))

    fs = 12.0  # the layout: the left margin fits the widest y label
    legend_rows = _legend_layout([s.name for s in series], width - 80, fs)
    top = 14 + (26 if title else 0) + 20 * len(legend_rows)
    left = 18 + (22 if y_label else 0) + max((_width(t, fs) for t in yl), default=10)
    bottom = 30 + (22 if x_label else 0) + (18 if clipped else 0)
    pw, ph = width - left - 24, height - top - bottom
    if pw < 40 or ph < 40:
        raise ValueError(f"a {width}×{height} chart leaves no room for the plot")
    fr = _Frame(left, top, pw, ph, x0, x1, y0, y1)

    out: list[str] = []
    w = out.append
    label = title or ", ".join(s.name for s in series) or "chart"
    w(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="{fs:g}" '
        f'class="exprgrad-chart" role="img" aria-label="{esc(label)}">'
    )
    w(f"<title>{esc(label)}</title>")
    clip = f"plot-{width}x{height}-{_px(left)}-{_px(top)}".replace(".", "_")
    w(
        f'<defs><clipPath id="{clip}"><rect x="{_px(left)}" y="{_px(top)}" width="{_px(pw)}" '
        f'height="{_px(ph)}"/></clipPath></defs>'
    )
    w(f'<rect class="background" width="{width}" height="{height}" fill="#ffffff"/>')
    if title:
        w(
            f'<text class="title" x="{_px(left)}" y="24" font-size="15" font-weight="bold" '
            f'fill="#222222">{esc(_fit(title, width - left - 10, 15))}</text>'
        )
    _legend(w, series, legend_rows, left, 14 + (26 if title else 0), fs)
    _grid(w, fr, xt, yt, x_log, y_log)
    _axis(w, fr, "x", x_log, xt, xl, xm, x_label)
    _axis(w, fr, "y", y_log, yt, yl, ym, y_label)
    for i, (s, (tx, ty, _)) in enumerate(zip(series, data)):
        _series(w, fr, i, s, tx, ty, clip)
    _markers(w, markers, x_log, y_log, fr)

    notes = []
    if clipped:
        a, b = (10.0**v for v in clipped) if y_log else clipped
        notes.append(f"y axis cut to {_short(a)} … {_short(b)}: values beyond run off the plot")
    hidden = sum(h for _, _, h in data)
    if hidden:
        notes.append(f"{hidden} value{'s' if hidden > 1 else ''} ≤ 0 not shown (log scale)")
    for k, text in enumerate(notes):
        w(
            f'<text class="note" x="{_px(left + pw)}" y="{_px(height - 8 - 16 * k)}" '
            f'text-anchor="end" font-size="11" fill="#666666">{esc(text)}</text>'
        )
    if not xs:
        w(
            f'<text class="note" x="{_px(left + pw / 2)}" y="{_px(top + ph / 2)}" '
            'text-anchor="middle" fill="#666666">no finite values to draw</text>'
        )
    w("</svg>")
    return "\n".join(out) + "\n"


def _grid(w, fr: _Frame, xt, yt, x_log: bool, y_log: bool) -> None:
    """Light grid lines at the ticks, darker lines at 0 (linear axes), the frame."""
    L, T, R, B = fr.left, fr.top, fr.left + fr.pw, fr.top + fr.ph
    w('<g class="grid" stroke="#e6e6e6" stroke-width="1">')
    for t in xt:
        w(f'<line x1="{_px(fr.X(t))}" y1="{_px(T)}" x2="{_px(fr.X(t))}" y2="{_px(B)}"/>')
    for t in yt:
        w(f'<line x1="{_px(L)}" y1="{_px(fr.Y(t))}" x2="{_px(R)}" y2="{_px(fr.Y(t))}"/>')
    w("</g>")
    zero = 'class="zero" stroke="#9a9a9a" stroke-width="1"'
    if not y_log and fr.y0 < 0.0 < fr.y1:
        y = _px(fr.Y(0.0))
        w(f'<line {zero} data-axis="y" x1="{_px(L)}" y1="{y}" x2="{_px(R)}" y2="{y}"/>')
    if not x_log and fr.x0 < 0.0 < fr.x1:
        x = _px(fr.X(0.0))
        w(f'<line {zero} data-axis="x" x1="{x}" y1="{_px(T)}" x2="{x}" y2="{_px(B)}"/>')
    w(
        f'<rect class="frame" x="{_px(L)}" y="{_px(T)}" width="{_px(fr.pw)}" '
        f'height="{_px(fr.ph)}" fill="none" stroke="#444444" stroke-width="1"/>'
    )


def _axis(w, fr: _Frame, which: str, log: bool, ticks, labels, minor, title: str) -> None:
    """One axis: ticks with labels, minor ticks (log), the axis title."""
    lo, hi = (fr.x0, fr.x1) if which == "x" else (fr.y0, fr.y1)
    if log:
        lo, hi = 10.0**lo, 10.0**hi
    w(
        f'<g class="axis" data-axis="{which}" data-scale="{"log" if log else "linear"}" '
        f'data-min="{_num(lo)}" data-max="{_num(hi)}" fill="#333333">'
    )
    B, L = fr.top + fr.ph, fr.left
    for t, lab in zip(ticks, labels):
        v = _num(float(f"{10.0**t:.12g}") if log else t)
        if which == "x":
            p = _px(fr.X(t))
            line = f'x1="{p}" y1="{_px(B)}" x2="{p}" y2="{_px(B + 5)}"'
            text = f'x="{p}" y="{_px(B + 18)}" text-anchor="middle"'
        else:
            p = _px(fr.Y(t))
            line = f'x1="{_px(L - 5)}" y1="{p}" x2="{_px(L)}" y2="{p}"'
            text = f'x="{_px(L - 8)}" y="{_px(fr.Y(t) + 4)}" text-anchor="end"'
        w(
            f'<g class="tick" data-value="{v}"><line {line} stroke="#444444"/>'
            f"<text {text}>{esc(lab)}</text></g>"
        )
    for t in minor:
        if which == "x":
            p = _px(fr.X(t))
            line = f'x1="{p}" y1="{_px(B)}" x2="{p}" y2="{_px(B + 3)}"'
        else:
            p = _px(fr.Y(t))
            line = f'x1="{_px(L - 3)}" y1="{p}" x2="{_px(L)}" y2="{p}"'
        w(f'<line class="minor" {line} stroke="#444444"/>')
    if title and which == "x":
        w(
            f'<text class="axis-label" x="{_px(L + fr.pw / 2)}" y="{_px(B + 40)}" '
            f'text-anchor="middle" font-size="13">{esc(_fit(title, fr.pw, 13))}</text>'
        )
    elif title:
        cy = _px(fr.top + fr.ph / 2)
        w(
            f'<text class="axis-label" x="16" y="{cy}" text-anchor="middle" font-size="13" '
            f'transform="rotate(-90 16 {cy})">{esc(_fit(title, fr.ph, 13))}</text>'
        )
    w("</g>")


def _series(w, fr: _Frame, i: int, s: Series, tx, ty, clip: str) -> None:
    """One series: a path per unbroken run (thinned when denser than the pixels), a dot for a
    lone point, and the points themselves with ``dots``."""
    color = s.color or PALETTE[i % len(PALETTE)]
    runs: list[tuple[list[float], list[float]]] = []
    cur_x: list[float] = []
    cur_y: list[float] = []
    X, Y = fr.X, fr.Y
    for a, b in zip(tx, ty):
        if a == a and b == b:
            cur_x.append(X(a))
            cur_y.append(Y(b))
        elif cur_x:
            runs.append((cur_x, cur_y))
            cur_x, cur_y = [], []
    if cur_x:
        runs.append((cur_x, cur_y))
    dash = ' stroke-dasharray="7 4"' if s.dashed else ""
    w(
        f'<g class="series" data-name="{esc(s.name)}" data-index="{i}" '
        f'data-points="{sum(len(r[0]) for r in runs)}" data-segments="{len(runs)}" '
        f'clip-path="url(#{clip})">'
    )
    for rx, ry in runs:
        if len(rx) == 1:
            w(f'<circle class="dot" cx="{_px(rx[0])}" cy="{_px(ry[0])}" r="2" fill="{color}"/>')
            continue
        if len(rx) > 3 * fr.pw:
            rx, ry = _thin(rx, ry)
        d = "M" + " L".join(f"{_px(a)},{_px(b)}" for a, b in zip(rx, ry))
        w(
            f'<path class="line" d="{d}" fill="none" stroke="{color}" stroke-width="2" '
            f'stroke-linejoin="round" stroke-linecap="round"{dash}/>'
        )
    if s.dots:
        for rx, ry in runs:
            for a, b in zip(rx, ry):
                w(f'<circle class="point" cx="{_px(a)}" cy="{_px(b)}" r="2.6" fill="{color}"/>')
    w("</g>")


def _legend_layout(names: list[str], room: float, fs: float) -> list[list[tuple[int, str]]]:
    """Legend items flowed into rows: [(series index, shown name)], at most ``room`` px wide."""
    rows: list[list[tuple[int, str]]] = []
    used = room + 1
    for i, name in enumerate(names):
        shown = _fit(name, min(room - 40, 360), fs)
        need = 36 + _width(shown, fs) + 18
        if used + need > room:
            rows.append([])
            used = 0.0
        rows[-1].append((i, shown))
        used += need
    return rows


def _legend(w, series, rows, left: float, y0: float, fs: float) -> None:
    if not rows:
        return
    w('<g class="legend">')
    for r, row in enumerate(rows):
        x = left
        y = y0 + 20 * r + 10
        for i, shown in row:
            s = series[i]
            color = s.color or PALETTE[i % len(PALETTE)]
            dash = ' stroke-dasharray="7 4"' if s.dashed else ""
            w(
                f'<g class="legend-item" data-name="{esc(s.name)}"><title>{esc(s.name)}</title>'
                f'<line x1="{_px(x)}" y1="{_px(y)}" x2="{_px(x + 28)}" y2="{_px(y)}" '
                f'stroke="{color}" stroke-width="2.5"{dash}/><text x="{_px(x + 34)}" '
                f'y="{_px(y + 4)}" fill="#222222">{esc(shown)}</text></g>'
            )
            x += 36 + _width(shown, fs) + 18
    w("</g>")


_HALO = 'stroke="#ffffff" stroke-width="3" paint-order="stroke" stroke-linejoin="round"'


def _markers(w, markers, x_log: bool, y_log: bool, fr: _Frame) -> None:
    """Marker lines and labels; a vertical marker's label takes the first of three rows where it
    does not collide, else only the line is drawn (the label stays in its tooltip)."""
    L, T, R, B = fr.left, fr.top, fr.left + fr.pw, fr.top + fr.ph
    rows: list[list[tuple[float, float]]] = [[], [], []]
    for m in markers:
        color, dash = MARKER_STYLE.get(m.kind, _NEUTRAL)
        along_x = m.x is not None
        value = float(m.x) if m.x is not None else float(m.y)
        t = _transform([value], x_log if along_x else y_log)[0]
        lo, hi = (fr.x0, fr.x1) if along_x else (fr.y0, fr.y1)
        if t != t or not lo <= t <= hi:
            continue
        da = f' stroke-dasharray="{dash}"' if dash else ""
        w(
            f'<g class="marker" data-axis="{"x" if along_x else "y"}" data-value="{_num(value)}" '
            f'data-kind="{esc(m.kind)}" data-label="{esc(m.label)}">'
            f"<title>{esc(m.label or _num(value))}</title>"
        )
        text = _fit(m.label, 320, 11) if m.label else ""
        style = f'font-size="11" fill="{color}" {_HALO}'
        if along_x:
            p = fr.X(t)
            w(
                f'<line x1="{_px(p)}" y1="{_px(T)}" x2="{_px(p)}" y2="{_px(B)}" '
                f'stroke="{color}" stroke-width="1.5"{da}/>'
            )
            tw = _width(text, 11)
            flip = p + 4 + tw > R
            a, b = (p - 4 - tw, p - 4) if flip else (p + 4, p + 4 + tw)
            for r, taken in enumerate(rows if text else ()):
                if all(b < c or a > d for c, d in taken):
                    taken.append((a - 6, b + 6))
                    anchor = "end" if flip else "start"
                    w(
                        f'<text x="{_px(b if flip else a)}" y="{_px(T + 14 + 14 * r)}" '
                        f'text-anchor="{anchor}" {style}>{esc(text)}</text>'
                    )
                    break
        else:
            p = fr.Y(t)
            w(
                f'<line x1="{_px(L)}" y1="{_px(p)}" x2="{_px(R)}" y2="{_px(p)}" '
                f'stroke="{color}" stroke-width="1.5"{da}/>'
            )
            if text:
                w(
                    f'<text x="{_px(R - 4)}" y="{_px(p - 4)}" text-anchor="end" {style}>'
                    f"{esc(text)}</text>"
                )
        w("</g>")
