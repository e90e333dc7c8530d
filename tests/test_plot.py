"""Test layer: ``exprgrad plot`` -- the sampling (exprgrad/analysis/plot.py), its forms
(exprgrad/render/plot.py) and the command (exprgrad/cli/plot.py).

The vectorised pass must give exactly what one pass per point gives (kinks, inf/nan, constants
included); sign changes of f′, kinks and poles are marked where they are; lines break at poles
and where f′ jumps; the TSV, JSON, SVG and terminal forms; bad ranges exit 2 with clear words;
``eval`` never loads any of it.  Imports: stdlib, pytest, numpy, exprgrad, conftest, benchmarks.
"""

from __future__ import annotations

import math
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from conftest import EXE, REPO, error_of, invoke, needs_exe, one_json, run_python

import exprgrad
from exprgrad.analysis.plot import _per_point, _vectorised, sample
from exprgrad.render import plot as render

NS = "{http://www.w3.org/2000/svg}"

# (expression, bindings): scalar expressions over ranges that hit kinks, poles, nan and constants
SCALAR_CASES = [
    ("x^2", {"x": "-1:1"}),
    ("(a + relu(b)) * c", {"a": "7", "b": "-3:3", "c": "2"}),  # the lecture's relu, kink at 0
    ("(a + b^3) * c", {"a": "7", "b": "-3:3", "c": "2"}),
    ("abs(x) - x^3/3", {"x": "-2:2"}),
    ("1/x", {"x": "-1:1"}),  # x = 0 is sampled: inf
    ("log(x)", {"x": "-1:2"}),  # nan on the left
    ("sqrt(x) + x", {"x": "-1:1"}),
    ("x*0 + 3", {"x": "0:1"}),  # constant
    ("x", {"x": "-2:5"}),
    ("2^x + x^x", {"x": "0:2"}),  # pow with the input in the exponent, 0^0
    ("tanh(x) * sigmoid(x) + softplus(-x) + exp(x) / (1 + x^2)", {"x": "-4:4"}),
    ("sin(x) * cos(2*x) - tan(x)", {"x": "-2:2"}),  # poles of tan at ±π/2
    ("x / (x - 1e400)", {"x": "-1:1"}),  # an inf literal
]


def _pointwise(text: str, bindings: dict, points: int):
    """One scalar-engine pass per point (Expression.gradients): the reference."""
    s = sample(exprgrad.parse(text), bindings, points=points)
    f = exprgrad.parse(text)
    values, grads = [], []
    for x in s.x.tolist():
        r = f.gradients({**{k: v for k, v in bindings.items() if k != s.variable}, s.variable: x})
        values.append(r.value)
        grads.append(r.gradients[s.variable])
    return s, np.array(values), np.array(grads)


@pytest.mark.parametrize("text,bindings", SCALAR_CASES)
def test_vectorised_pass_agrees_with_one_pass_per_point(text, bindings):
    s, values, grads = _pointwise(text, bindings, 101)
    assert s.method == "vectorised"
    # numpy and math may differ in the last bit of exp/log/tan: 4 ulps, same nan/inf pattern
    for got, want in ((s.value, values), (s.gradient, grads)):
        finite = want[np.isfinite(want)]
        scale = float(np.abs(finite).max()) if finite.size else 0.0  # cancellation near roots
        np.testing.assert_allclose(got, want, rtol=4e-15, atol=4e-15 * scale, equal_nan=True)
    assert (np.isinf(s.value) == np.isinf(values)).all()


@pytest.mark.parametrize("text,bindings", SCALAR_CASES)
def test_vectorised_and_per_point_numpy_passes_are_identical(text, bindings):
    f = exprgrad.parse(text)
    s = sample(f, bindings, points=41)
    values = {k: float(v) for k, v in s.bindings.items()}
    a = _vectorised(f, s.variable, s.x, {**values, s.variable: 0.0})
    b = _per_point(f, s.variable, s.x, {**values, s.variable: 0.0})
    np.testing.assert_allclose(a[0], b[0], rtol=1e-15 * 4, equal_nan=True)
    np.testing.assert_allclose(a[1], b[1], rtol=1e-15 * 4, equal_nan=True)
    assert [i for i, _ in a[2]] == [i for i, _ in b[2]]  # the same kink nodes


def test_the_lecture_relu_example_values():
    s = sample(exprgrad.parse("(a + relu(b)) * c"), {"a": 7, "b": "-3:3", "c": 2}, points=7)
    assert s.x.tolist() == [-3, -2, -1, 0, 1, 2, 3]
    assert s.value.tolist() == [14, 14, 14, 14, 16, 18, 20]  # (7 + relu(b)) * 2
    assert s.gradient.tolist() == [0, 0, 0, 0, 2, 2, 2]  # relu'(0) = 0: the lecture's convention
    (m,) = s.marks
    assert (m.x, m.kind, m.label) == (0.0, "kink", "kink: relu at column 6")


def test_sign_changes_are_minima_and_maxima():
    s = sample(exprgrad.parse("sin(x)"), {"x": "0:10"}, points=1001)
    marks = [(m.x, m.label) for m in s.marks]
    assert len(marks) == 3
    for (x, label), want, kind in zip(marks, (0.5, 1.5, 2.5), ("max", "min", "max")):
        assert x == pytest.approx(want * math.pi, abs=1e-5) and label.endswith(f"({kind})")
    s = sample(exprgrad.parse("x^2"), {"x": "-1:1"}, points=201)
    assert [(m.x, m.kind, m.label) for m in s.marks] == [(0.0, "sign", "∂f/∂x: − to + (min)")]
    # x^3: f' touches 0 without changing sign -- nothing to mark
    assert sample(exprgrad.parse("x^3"), {"x": "-1:1"}).marks == []
    # the variable's own name in the label
    s = sample(exprgrad.parse("(w - 2)^2"), {"w": "0:3"}, points=4)
    assert [(m.x, m.label) for m in s.marks] == [(2.0, "∂f/∂w: − to + (min)")]


def test_a_kink_between_points_is_interpolated_and_breaks_the_derivative():
    s = sample(exprgrad.parse("relu(x - 0.5)"), {"x": "0:1"}, points=10)
    (m,) = s.marks
    assert m.kind == "kink" and m.x == pytest.approx(0.5)
    assert s.gradient_breaks.tolist() == [False] * 4 + [True] + [False] * 4
    assert not s.value_breaks.any()  # relu itself is continuous
    # a kink the derivative does not jump at: relu(x)^2 = x^2 on the right, 0 on the left
    s = sample(exprgrad.parse("relu(x)^2"), {"x": "-1:1"}, points=21)
    assert [m.kind for m in s.marks] == ["kink"] and not s.gradient_breaks.any()
    # abs: a kink where f' jumps from -1 to 1, also a sign change (a minimum)
    s = sample(exprgrad.parse("abs(x)"), {"x": "-1:1"}, points=21)
    assert sorted(m.kind for m in s.marks) == ["kink", "sign"]
    assert s.gradient_breaks.tolist()[9:11] == [True, True]  # a lone dot at abs'(0) = 0


def test_a_pole_between_points_breaks_both_lines_and_is_no_extremum():
    s = sample(exprgrad.parse("1/x"), {"x": "-1:1"}, points=200)  # 0 is not sampled
    assert [(m.kind, m.label) for m in s.marks] == [("edge", "pole: / at column 2")]
    assert s.marks[0].x == pytest.approx(0.0, abs=1e-12)
    assert np.flatnonzero(s.value_breaks).tolist() == [99]
    assert np.flatnonzero(s.gradient_breaks).tolist() == [99]
    s = sample(exprgrad.parse("log(abs(x))"), {"x": "-1:1"}, points=200)
    assert "sign" not in [m.kind for m in s.marks]  # f' = 1/x changes sign only across the pole
    assert np.flatnonzero(s.value_breaks).tolist() == [99]  # and the line does not join over it
    s = sample(exprgrad.parse("log(x)"), {"x": "-1:2"}, points=200)
    assert [m.label for m in s.marks] == ["domain edge: log at column 1"]


def test_an_expression_holding_arrays_is_evaluated_per_point():
    X = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    y = np.array([1.0, 2.0, 0.0])
    w = np.array([0.5, -1.0])
    f = exprgrad.parse("mean((X @ w + c - y)^2)")
    s = sample(f, {"X": X, "y": y, "w": w, "c": "-3:3"}, points=61)
    assert s.method == "per point"
    r = X @ w - y
    want = [np.mean((r + c) ** 2) for c in s.x]
    np.testing.assert_allclose(s.value, want, rtol=1e-14)
    np.testing.assert_allclose(s.gradient, [2 * np.mean(r + c) for c in s.x], rtol=1e-12)
    (m,) = s.marks  # the minimum: c = -mean(r)
    assert m.kind == "sign" and m.x == pytest.approx(-np.mean(r), abs=1e-12)
    # a relu per data row: one kink per row, each where that row's input crosses 0
    s = sample(exprgrad.parse("mean(relu(X @ w + c))"), {"X": X, "w": w, "c": "-3:3"}, points=601)
    kinks = sorted(m.x for m in s.marks if m.kind == "kink")
    np.testing.assert_allclose(kinks, sorted(-(X @ w)), atol=1e-9)


def test_an_array_output_cannot_be_plotted():
    err = error_of(sample, exprgrad.parse("w * x"), {"w": "[1, 2]", "x": "0:1"})
    assert err.type == "shape" and "shape (2,)" in err.message and "sum(" in err.message


def test_range_and_points_errors_in_the_library():
    f = exprgrad.parse("x * y")
    assert error_of(sample, f, {"x": "1", "y": "2"}).reason == "no range"
    assert error_of(sample, f, {"x": "0:1", "y": "0:2"}).reason == "ranges"
    for raw, words in [
        ("1:0", "is empty"),
        ("1:1", "is empty"),
        ("0:inf", "finite ends"),
        ("nan:1", "finite ends"),
        ("0:a", "STOP of the range '0:a' is not a number: 'a'"),
        ("1:2:3", "expected a range START:STOP"),
    ]:
        err = error_of(sample, f, {"x": raw, "y": "1"})
        assert err.reason == "value" and err.name == "x" and words in err.message, raw
    for bad in (1, 0, 1_000_001, 2.5, True):
        assert error_of(sample, f, {"x": "0:1", "y": "1"}, points=bad).name == "points"
    assert sample(f, {"x": (0, 1), "y": 2}, points=2).value.tolist() == [0, 2]  # a tuple range


# -- the command -----------------------------------------------------------------------------------
def test_tsv_table_of_values_and_derivatives():
    r = invoke("plot", "x^2", "--x", "0:1", "--points", "11")
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "x\tvalue\tgradient" and len(lines) == 12
    assert lines[1] == "0\t0\t0" and lines[-1] == "1\t1\t2"
    assert lines[6] == "0.5\t0.25\t1"
    assert lines[4].split("\t")[0] == "0.3"  # grid points as typed, not 0.30000000000000004
    rows = [[float(c) for c in line.split("\t")] for line in lines[1:]]
    assert all(g == 2 * x for x, _, g in rows)


def test_json_form_is_strict_and_complete():
    r = invoke("plot", "log(x)", "--x", "0:2", "--points", "5", "--json")
    assert r.exit_code == 0
    out = one_json(r)
    assert {"expression", "variable", "x", "value", "gradient"} <= set(out)
    assert out["expression"] == "log(x)" and out["variable"] == "x"
    assert out["x"] == [0, 0.5, 1, 1.5, 2]
    assert out["value"][0] == "-inf" and out["gradient"][0] == "inf"
    assert out["value"][2] == 0 and out["gradient"][2] == 1
    assert out["points"] == 5 and out["range"] == [0, 2] and out["method"] == "vectorised"
    assert out["warnings"] == ["log at column 1 gave -inf in 1 of 5 values"]
    assert "warning: log at column 1 gave -inf" in r.stderr
    r = invoke("plot", "(a + relu(b)) * c", "--a", "7", "--b", "-3:3", "--c", "2", "--json")
    out = one_json(r)
    assert out["bindings"] == {"a": 7, "c": 2}
    assert out["marks"] == [{"x": 0, "kind": "kink", "label": "kink: relu at column 6",
                             "column": 6}]  # fmt: skip


def _svg(text: str) -> ET.Element:
    root = ET.fromstring(text)
    assert root.tag == f"{NS}svg"
    return root


def _series(root: ET.Element) -> dict[str, ET.Element]:
    return {g.get("data-name"): g for g in root.iter() if g.get("class") == "series"}


def test_svg_output_file(tmp_path):
    out = tmp_path / "relu.svg"
    r = invoke("plot", "(a + relu(b)) * c", "--a", "7", "--b", "-3:3", "--c", "2", "-o", str(out))
    assert r.exit_code == 0 and f"wrote {out}" in r.stderr
    assert r.stdout.startswith("x\tvalue\tgradient")  # the table still goes to stdout
    root = _svg(out.read_text())
    series = _series(root)
    assert set(series) == {"f(b)", "∂f/∂b"}
    assert series["f(b)"].get("data-segments") == "1"  # relu is continuous ...
    assert series["∂f/∂b"].get("data-segments") == "3"  # ... its derivative jumps: a lone dot
    (m,) = [g for g in root.iter() if g.get("class") == "marker"]
    assert (m.get("data-kind"), m.get("data-value")) == ("kink", "0")
    texts = "".join(root.itertext())
    assert "f(b) = (a + relu(b)) * c" in texts and "a = 7, c = 2" in texts


def test_svg_gaps_at_a_pole_and_where_f_is_not_finite():
    r = invoke("plot", "1/x", "--x", "-1:1", "--points", "200", "-o", "-")
    root = _svg(r.stdout)
    series = _series(root)
    assert series["f(x)"].get("data-segments") == "2"
    assert series["∂f/∂x"].get("data-segments") == "2"
    assert [g.get("data-kind") for g in root.iter() if g.get("class") == "marker"] == ["edge"]
    r = invoke("plot", "log(x)", "--x", "-1:2", "-o", "-")
    series = _series(_svg(r.stdout))
    # left of 0 log is nan: neither f nor its derivative (1/x there) is drawn
    assert int(series["f(x)"].get("data-points")) == int(series["∂f/∂x"].get("data-points"))
    assert int(series["f(x)"].get("data-points")) < 140


@pytest.mark.parametrize(
    "args,words",
    [
        (["x^2", "--x", "1:0"], "--x: the range '1:0' is empty: START must be below STOP"),
        (["x^2", "--x", "0:inf"], "--x: the range '0:inf' must have finite ends"),
        (["x^2", "--x", "1"], "give it as --x START:STOP (for example --x -2:2)"),
        (["x*y", "--x", "0:1", "--y", "0:1"], "only one variable can range, but --x and --y"),
        (["x^2", "--x", "0:1", "--points", "1"], "--points must be a whole number from 2 to"),
        (["x^2", "--x", "0:1", "--points", "2000000"], "from 2 to 1,000,000, got 2000000"),
        (["x^2", "--x", "0:1", "--points", "many"], "'many' is not a valid integer"),
        (["x*y", "--x", "0:1"], "unbound variable: y (give a value with --y VALUE)"),
        (["x^2", "--xx", "0:1"], "'xx' is bound but the expression does not use it"),
        (["w * x", "--w", "[1, 2]", "--x", "0:1"], "gives an array of shape (2,)"),
        (["x^2 +", "--x", "0:1"], "syntax error"),
    ],
)
def test_bad_input_exits_2_with_clear_words(args, words):
    r = invoke("plot", *args)
    assert r.exit_code == 2 and words in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    r = invoke("plot", *args, "--json")
    assert r.exit_code == 2
    assert one_json(r)["error"]["type"] in ("binding", "shape", "syntax")


def test_missing_expr_and_unwritable_output(tmp_path):
    r = invoke("plot")
    assert r.exit_code == 2 and "missing EXPR" in r.stderr
    r = invoke("plot", "x", "--x", "0:1", "-o", str(tmp_path / "no" / "such" / "dir.svg"))
    assert r.exit_code == 2 and "could not write" in r.stderr
    r = invoke("plot", "x", "--x", "0:1", "-o", str(tmp_path), "--json")
    assert r.exit_code == 2 and one_json(r)["error"]["type"] == "io"


def test_plot_is_listed_and_helped():
    r = invoke("--help")
    assert "plot" in r.stdout and "Plot EXPR and its derivative" in r.stdout
    r = invoke("plot", "--help")
    assert r.exit_code == 0 and "--points N" in r.stdout and "START:STOP" in r.stdout


# -- the terminal chart ----------------------------------------------------------------------------
@pytest.mark.parametrize("columns", [80, 60])
def test_terminal_chart_fits_and_lists_the_marks(columns):
    s = sample(exprgrad.parse("abs(x) - x^3/3"), {"x": "-2:2"})
    text = render.terminal(s, columns=columns, lines=40, color=False)
    lines = text.splitlines()
    assert all(len(line) <= columns for line in lines), max(map(len, lines))
    assert lines[0] == "f(x) = abs(x) - x^3/3" and lines[1] == "x from -2 to 2 (201 points)"
    assert "** f(x)" in text and ".. ∂f/∂x" in text  # the legend, told apart without colour
    assert "\x1b[" not in text
    marks = [line for line in lines if line.startswith("  │ x ")]
    assert marks == [
        "  │ x = 0   kink: abs at column 1 · ∂f/∂x: − to + (min)",
        "  │ x = 1   ∂f/∂x: + to − (max)",  # f' = 1 - x^2 is exactly 0 at the grid point 1
    ]
    colored = render.terminal(s, columns=columns, lines=40, color=True)
    assert "\x1b[" in colored


def test_terminal_chart_notes_gaps():
    s = sample(exprgrad.parse("log(x)"), {"x": "-1:3"})
    text = render.terminal(s, columns=100, lines=40, color=False)
    assert "gaps: f(x) is not finite at 51 of 201 points (∂f/∂x not drawn there)" in text
    assert "  │ x = 0   domain edge: log at column 1" in text


# -- real runs and start-up ------------------------------------------------------------------------
@needs_exe
def test_pipe_gives_the_table():
    p = subprocess.run(
        f'"{EXE}" plot "x^2" --x 0:1 --points 11 | cat',
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=str(REPO),
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[:3] == [
        "x\tvalue\tgradient",
        "0\t0\t0",
        "0.1\t0.010000000000000002\t0.2",
    ]


def test_eval_loads_nothing_of_plot():
    code = (
        "import sys, io, contextlib\n"
        "from exprgrad.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['eval', '(a + b^3) * c', '--a', '7', '--b', '3', '--c', '2', '--json'])\n"
        "print(sorted(m for m in sys.modules if 'plot' in m or 'chart' in m))\n"
    )
    assert run_python(code, 60).stdout.strip() == "[]"


def test_benchmark_smoke():
    sys.path.insert(0, str(Path(REPO)))
    from benchmarks import bench_plot

    d = bench_plot.measure("relu", 2_001, 1)  # raises if values or derivatives differ
    assert d["ratio"] > 0 and d["marks"] == 1
    rows = bench_plot.run(smoke=True)
    assert [r["name"] for r in rows][:2] == ["plot smooth f and f′", "plot relu f and f′"]
    assert all(r["ratio"] > 0 for r in rows[:2]) and rows[0]["met"] is None


def _readme_plot_examples() -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for each ``$ exprgrad plot`` line of README's Plot
    section."""
    text = (Path(REPO) / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Plot\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```console\n", 1)[1].split("```", 1)[0]
    out: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            out.append((line[2:].split("  #", 1)[0].strip(), []))
        else:
            out[-1][1].append(line)
    return out


@needs_exe
def test_readme_plot_examples_run_as_written(tmp_path):
    (tmp_path / "examples").symlink_to(Path(REPO) / "examples")
    examples = _readme_plot_examples()
    assert len(examples) >= 6
    for command, expected in examples:
        assert command.startswith("exprgrad plot ")
        p = subprocess.run(
            str(EXE) + command[len("exprgrad") :],
            shell=True,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=str(tmp_path),
        )
        assert p.returncode == 0, (command, p.stderr)
        if expected:
            assert p.stdout.splitlines() == expected, command
    for name in ("tanh.svg", "inverse.svg"):
        ET.parse(tmp_path / name)
