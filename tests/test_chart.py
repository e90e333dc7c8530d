"""Test layer: the SVG line chart (exprgrad/render/chart.py; its ticks: exprgrad/render/ticks.py)
-- golden structure checks: it parses as XML, series / axes / ticks / legend / markers are there
with their data attributes, lines break where a value is not finite (or not positive on a log
axis), hostile text never breaks the SVG, ticks are nice and nicely written, a million points are
thinned to a small file.

Imports: stdlib, pytest, numpy, exprgrad.render.chart, exprgrad.render.ticks.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from exprgrad.render.chart import Marker, Series, line_chart_svg
from exprgrad.render.ticks import linear_ticks, log_ticks, nice_step, tick_labels

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    return root


def groups(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter() if g.get("class") == cls]


def series_named(root: ET.Element, name: str) -> ET.Element:
    (g,) = [g for g in groups(root, "series") if g.get("data-name") == name]
    return g


def paths(g: ET.Element) -> list[list[tuple[float, float]]]:
    out = []
    for p in g.iter(f"{NS}path"):
        pts = [tuple(map(float, pt.split(","))) for pt in p.get("d")[1:].split(" L")]
        out.append(pts)
    return out


def axis(root: ET.Element, which: str) -> ET.Element:
    (a,) = [a for a in groups(root, "axis") if a.get("data-axis") == which]
    return a


def tick_values(root: ET.Element, which: str) -> list[float]:
    return [float(t.get("data-value")) for t in axis(root, which) if t.get("class") == "tick"]


XS = [i / 10 for i in range(-20, 21)]


def test_two_series_axes_legend_and_a_marker():
    svg = line_chart_svg(
        [Series("f(x) = x^2", XS, [x * x for x in XS]), Series("∂f/∂x", XS, [2 * x for x in XS])],
        title="x^2",
        x_label="x",
        y_label="value",
        markers=[Marker(x=0.0, label="∂f/∂x changes sign", kind="sign")],
    )
    root = parse(svg)
    assert root.get("width") == "720" and root.get("height") == "420"
    f, d = series_named(root, "f(x) = x^2"), series_named(root, "∂f/∂x")
    assert (f.get("data-index"), f.get("data-points"), f.get("data-segments")) == ("0", "41", "1")
    assert d.get("data-index") == "1" and len(paths(d)) == 1 and len(paths(d)[0]) == 41
    # the line goes through the data: f's lowest pixel is at x = 0, the middle of the plot
    (pts,) = paths(f)
    lowest = max(pts, key=lambda p: p[1])  # SVG y grows downwards
    assert lowest == pts[20]
    assert tick_values(root, "x") == [-2.0, -1.0, 0.0, 1.0, 2.0]
    ax = axis(root, "x")
    assert (ax.get("data-scale"), ax.get("data-min"), ax.get("data-max")) == ("linear", "-2", "2")
    ay = axis(root, "y")
    assert float(ay.get("data-min")) < -4 and float(ay.get("data-max")) > 4  # a small margin
    assert [t for t in tick_values(root, "y") if t == int(t)] == [-4, -2, 0, 2, 4]
    legend = [g.get("data-name") for g in groups(root, "legend-item")]
    assert legend == ["f(x) = x^2", "∂f/∂x"]
    (m,) = groups(root, "marker")
    assert (m.get("data-axis"), m.get("data-value"), m.get("data-kind")) == ("x", "0", "sign")
    assert m.get("data-label") == "∂f/∂x changes sign"
    texts = ["".join(t.itertext()) for t in root.iter(f"{NS}text")]
    assert "x^2" in texts and "x" in texts and "value" in texts
    assert "−2" in texts  # a real minus sign in tick labels
    assert any(t.get("class") == "zero" for t in root.iter(f"{NS}line"))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_value_breaks_the_line(bad):
    y = [0.0, 1.0, 2.0, bad, 4.0, 5.0, bad, 7.0, bad, 9.0, 10.0]
    root = parse(line_chart_svg([Series("f", list(range(11)), y)]))
    g = series_named(root, "f")
    assert g.get("data-segments") == "4" and g.get("data-points") == "8"
    runs = paths(g)
    assert [len(r) for r in runs] == [3, 2, 2]  # 0-2, 4-5, 9-10
    (dot,) = [c for c in g.iter(f"{NS}circle") if c.get("class") == "dot"]  # the lone 7
    # each run's x pixels are increasing and the gap is wider than a step
    step = runs[0][1][0] - runs[0][0][0]
    assert runs[1][0][0] - runs[0][-1][0] == pytest.approx(2 * step, abs=0.02)
    assert float(dot.get("cx")) == pytest.approx(runs[1][-1][0] + 2 * step, abs=0.02)


def test_non_finite_x_breaks_too_and_per_series_x():
    root = parse(
        line_chart_svg(
            [Series("a", [0, 1, math.nan, 3], [1, 2, 3, 4]), Series("b", [0.5, 2.5], [0, 0])]
        )
    )
    assert series_named(root, "a").get("data-segments") == "2"
    assert len(paths(series_named(root, "b"))[0]) == 2


def test_log_log_axes_drop_non_positive_values():
    h = [10.0**-k for k in range(1, 13)]
    err = [1e-3 * x if i != 4 else 0.0 for i, x in enumerate(h)]
    err[7] = -1.0
    root = parse(line_chart_svg([Series("b", h, err, dots=True)], x_log=True, y_log=True))
    g = series_named(root, "b")
    assert g.get("data-segments") == "3" and g.get("data-points") == "10"
    assert sum(1 for c in g.iter(f"{NS}circle") if c.get("class") == "point") == 10
    assert axis(root, "x").get("data-scale") == "log" and axis(root, "y").get("data-scale") == "log"
    xt = tick_values(root, "x")
    assert all(math.log10(v) == round(math.log10(v)) for v in xt) and len(xt) >= 4
    notes = ["".join(t.itertext()) for t in groups(root, "note")]
    assert notes == ["2 values ≤ 0 not shown (log scale)"]
    texts = ["".join(t.itertext()) for t in root.iter(f"{NS}text")]
    assert "10⁻¹⁰" in texts  # powers of ten as 10 with a superscript


def test_log_y_within_a_decade_or_so_gets_1_2_5_or_plain_ticks():
    root = parse(line_chart_svg([Series("loss", None, [0.9, 0.5, 0.3, 0.2, 0.15])], y_log=True))
    assert tick_values(root, "y") == [0.2, 0.4, 0.6, 0.8]  # too few of 1, 2, 5: plain ticks
    assert tick_values(root, "x") == [0, 1, 2, 3, 4]  # x=None: the steps 0, 1, 2, ...
    root = parse(line_chart_svg([Series("loss", None, [1.5, 0.5, 0.3, 0.15])], y_log=True))
    assert tick_values(root, "y") == [0.2, 0.5, 1.0]


HOSTILE = 'a</text></g></svg><script>alert("x")</script> & \' ]]> \x00\x1b\ud800 —\n2nd'


def test_hostile_text_never_breaks_the_svg():
    svg = line_chart_svg(
        [Series(HOSTILE, [0, 1], [0, 1])],
        title=HOSTILE,
        x_label=HOSTILE,
        y_label=HOSTILE,
        markers=[Marker(x=0.5, label=HOSTILE, kind=HOSTILE), Marker(y=0.5, label=HOSTILE)],
    )
    svg.encode("utf-8")  # no lone surrogate left
    root = parse(svg)
    assert "<script>" not in svg
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    expected = 'a</text></g></svg><script>alert("x")</script> & \' ]]> \ufffd\ufffd\ufffd —\n2nd'
    assert series_named(root, expected) is not None
    assert [m.get("data-label") for m in groups(root, "marker")] == [expected, expected]


def test_markers_outside_the_range_are_left_out_and_need_one_axis():
    svg = line_chart_svg(
        [Series("f", [0, 1], [0, 1])],
        markers=[Marker(x=5.0, label="far"), Marker(y=0.25, label="quarter", kind="chosen")],
    )
    (m,) = groups(parse(svg), "marker")
    assert (m.get("data-axis"), m.get("data-value"), m.get("data-kind")) == ("y", "0.25", "chosen")
    with pytest.raises(ValueError, match="exactly one"):
        line_chart_svg([Series("f", [0, 1], [0, 1])], markers=[Marker(x=1, y=1)])
    with pytest.raises(ValueError, match="2 x values but 3"):
        line_chart_svg([Series("f", [0, 1], [0, 1, 2])])


def test_many_marker_labels_do_not_pile_up():
    markers = [Marker(x=i / 100, label=f"sign change {i}", kind="sign") for i in range(0, 100, 2)]
    root = parse(line_chart_svg([Series("f", [0, 1], [0, 1])], markers=markers))
    ms = groups(root, "marker")
    assert len(ms) == 50  # every line is drawn ...
    labelled = [m for m in ms if m.find(f"{NS}text") is not None]
    assert 3 <= len(labelled) < 50  # ... but only the labels that fit
    spans = {}
    for m in labelled:
        t = m.find(f"{NS}text")
        spans.setdefault(t.get("y"), []).append(float(t.get("x")))
    for xs in spans.values():  # within a row, labels are at least a label's width apart
        xs.sort()
        assert all(b - a > 60 for a, b in zip(xs, xs[1:]))


def test_a_million_points_are_thinned_but_keep_their_extremes():
    x = np.linspace(0.0, 1.0, 1_000_000)
    y = np.sin(40 * x)
    y[123_456] = 5.0  # a spike must survive thinning
    y[500_000] = np.nan
    svg = line_chart_svg([Series("f", x, y)])
    assert len(svg) < 200_000
    g = series_named(parse(svg), "f")
    assert g.get("data-points") == "999999" and g.get("data-segments") == "2"
    runs = paths(g)
    assert sum(len(r) for r in runs) < 4 * 720
    ay = axis(parse(svg), "y")
    assert float(ay.get("data-max")) > 5.0  # the spike sets the range ...
    top = min(p[1] for r in runs for p in r)  # ... and is drawn: the highest pixel is near the
    assert top < 70  # top of the plot area (plain sin(40x) peaks at 1, far below 5)
    y0 = float(ay.get("data-min"))
    assert y0 < -1.0


def test_robust_y_follows_the_bulk_when_a_pole_dwarfs_it():
    x = [i / 100 - 1.005 for i in range(201)]  # -1.005 .. 0.995: never 0
    y = [1 / v for v in x]
    plain = parse(line_chart_svg([Series("1/x", x, y)]))
    assert float(axis(plain, "y").get("data-max")) > 190
    root = parse(line_chart_svg([Series("1/x", x, y)], robust_y=True))
    ay = axis(root, "y")
    assert 1 < float(ay.get("data-max")) < 60 and -60 < float(ay.get("data-min")) < -1
    (note,) = groups(root, "note")
    assert "values beyond run off the plot" in "".join(note.itertext())
    for r in paths(series_named(root, "1/x")):  # clipped lines stay within bounded coordinates
        assert all(abs(p[1]) < 1e5 for p in r)
    # smooth data is never cut
    smooth = parse(line_chart_svg([Series("e", x, [math.exp(3 * v) for v in x])], robust_y=True))
    assert not groups(smooth, "note")


def test_nothing_finite_and_constant_series_still_draw_axes():
    root = parse(line_chart_svg([Series("f", [0, 1, 2], [math.nan] * 3)]))
    assert "no finite values" in "".join("".join(t.itertext()) for t in groups(root, "note"))
    root = parse(line_chart_svg([Series("f", [0, 1, 2], [3.0, 3.0, 3.0])]))
    ay = axis(root, "y")
    assert float(ay.get("data-min")) < 3 < float(ay.get("data-max"))
    root = parse(line_chart_svg([], title="empty"))
    assert groups(root, "axis")


def test_ranges_can_be_fixed():
    root = parse(line_chart_svg([Series("f", [0, 1], [0, 1])], x_range=(-1, 2), y_range=(0, 10)))
    ax, ay = axis(root, "x"), axis(root, "y")
    assert (ax.get("data-min"), ax.get("data-max")) == ("-1", "2")
    assert (ay.get("data-min"), ay.get("data-max")) == ("0", "10")


def test_nice_steps_and_ticks():
    assert (
        nice_step(1.0, 5) == 0.2
        and nice_step(10.0, 5) == 2.0
        and nice_step(7.0, 6) == 1.0
        and nice_step(51.0, 5) == 10.0
    )
    assert nice_step(3e-7, 6) == pytest.approx(5e-8)
    assert linear_ticks(0.0, 1.0, 5) == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert linear_ticks(-0.3, 0.3, 6)[3] == 0.0  # exactly zero, not 5.55e-17
    assert linear_ticks(2.0, 2.0) == [2.0]


def test_tick_labels_use_few_digits():
    assert tick_labels([0.0, 0.1, 0.2, 0.30000000000000004]) == ["0.0", "0.1", "0.2", "0.3"]
    assert tick_labels([0.0, 0.25, 0.5]) == ["0.00", "0.25", "0.50"]
    assert tick_labels([-10.0, 0.0, 10.0]) == ["−10", "0", "10"]
    assert tick_labels([0.0, 5e5, 1e6, 1.5e6]) == ["0", "5e5", "1e6", "1.5e6"]
    assert tick_labels([-2e-4, 0.0, 2e-4]) == ["−2e-4", "0", "2e-4"]


def test_log_ticks():
    major, labels, minor = log_ticks(-3.0, 2.0)
    assert major == [-3, -2, -1, 0, 1, 2]
    assert labels == ["0.001", "0.01", "0.1", "1", "10", "100"]
    assert len(minor) == 5 * 8
    major, labels, _ = log_ticks(-20.0, 0.0)
    assert major == [-20, -15, -10, -5, 0] and labels[0] == "10⁻²⁰" and labels[-1] == "10⁰"
