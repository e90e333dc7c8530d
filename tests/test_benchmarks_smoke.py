"""Test layer: the benchmark suite itself -- its reference, its inputs, its harness and its runner.

CI runs ``python -m benchmarks --smoke`` for the numbers; these tests check that the benchmarks
measure what they claim: the reference tape stays small and agrees with the engine on every
generated graph, the batch input is valid and distinct, the pty harness gives a real terminal,
and the runner's exit status depends on crashes only.  Imports: stdlib, pytest, exprgrad,
benchmarks (from the checkout), conftest (``strict_loads``).
"""

from __future__ import annotations

import math
import sys
import types
from pathlib import Path

import pytest
from conftest import strict_loads

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import exprgrad  # noqa: E402
from benchmarks import __main__ as runner  # noqa: E402
from benchmarks import bench_batch, bench_engine, bench_startup  # noqa: E402


def test_reference_tape_is_at_most_40_lines():
    src = Path(bench_engine.__file__).read_text().splitlines()
    start, end = src.index("# fmt: off"), src.index("# fmt: on")
    assert 10 < end - start - 1 <= 40


@pytest.mark.parametrize("kind", list(bench_engine.GRAPHS))
def test_engine_and_reference_agree_on_each_graph(kind):
    d = bench_engine.measure(kind, 900, 1)  # raises if value or any gradient differs
    assert 800 <= d["op_nodes"] <= 1200
    for k in ("fwd", "bwd", "ref_fwd", "ref_bwd"):
        assert d["us_per_node_best"][k] > 0.0
    assert math.isfinite(d["ratio_fwd"]) and math.isfinite(d["ratio_bwd"])
    assert d["peak_bytes_per_node"] > 8


def test_reference_matches_lecture_example():
    # (a + b^3) * c at a=7, b=3, c=2: 68; grads 2, 54, 34 -- on a hand-built tape
    t = bench_engine.Tape()
    a, b, c = (bench_engine._var(t, x) for x in (7.0, 3.0, 2.0))
    root = t.node(
        bench_engine.MUL,
        t.node(bench_engine.ADD, a, t.pow(b, 0, bench_engine._const(t, 3.0)), 0),
        c,
        0,
    )
    prog = t.program()
    v = list(t.val)
    bench_engine.ref_forward(v, *prog)
    g = [0.0] * len(v)
    g[root] = 1.0
    bench_engine.ref_backward(v, g, *prog)
    assert (v[root], g[a], g[b], g[c]) == (68.0, 2.0, 54.0, 34.0)


def test_batch_input_is_distinct_and_valid():
    text, lines = bench_batch.make_input(2000)
    rows = text.splitlines()
    assert len(lines) == 2000 and len(rows) == lines[-1]
    body = rows[lines[0] - 1 :]
    assert len(set(body)) == len(body)
    defs = {}
    for line in rows[: lines[0] - 1]:
        name, value = line.split(" = ")
        defs[name] = float(value)
    for line in body[:300]:
        f = exprgrad.parse(line)
        r = f.gradients({n: defs[n] for n in f.variables})
        assert math.isfinite(r.value), line


def test_pty_harness_gives_a_terminal():
    code = "import sys; print(sys.stdout.isatty(), sys.stdin.isatty())"
    dt, rc, out = bench_startup.run_pty([sys.executable, "-c", code], bench_startup._env())
    assert rc == 0 and dt > 0
    assert out.decode().split() == ["True", "True"]


def test_runner_json_smoke_engine(capsys):
    assert runner.main(["--smoke", "--only", "engine", "--json"]) == 0
    out = strict_loads(capsys.readouterr().out)
    assert out["crashed"] == [] and out["smoke"] is True
    names = [r["name"] for r in out["rows"]]
    assert "engine chain forward" in names and "engine mix backward" in names
    assert all(r["met"] in (True, False) and r["ratio"] > 0 for r in out["rows"])


def test_runner_exit_status_is_1_only_on_a_crash(monkeypatch, capsys):
    def boom(smoke):
        raise RuntimeError("broken benchmark")

    fake = {
        "benchmarks.bench_ok": types.SimpleNamespace(
            run=lambda smoke: [{"name": "ok", "met": False}]
        ),
        "benchmarks.bench_boom": types.SimpleNamespace(run=boom),
    }
    monkeypatch.setattr(runner, "discover", lambda: ["ok", "boom"])
    monkeypatch.setattr(runner.importlib, "import_module", fake.__getitem__)
    assert runner.main(["--smoke"]) == 1
    out = capsys.readouterr().out
    assert "boom (crashed)" in out and "MISSED" in out
    monkeypatch.setattr(runner, "discover", lambda: ["ok"])
    assert runner.main(["--smoke"]) == 0  # a missed goal is reported, not an error


def test_render_tolerates_partial_rows():
    text = runner.render([{"name": "x", "custom": 3}, {"name": "y", "ratio": 1.5, "met": True}])
    assert "custom=3" in text and "1.50×" in text and "yes" in text


def test_softmax_benchmark_measures_the_right_numbers():
    """bench_softmax compares equal answers (it asserts them), at both score scales."""
    from benchmarks import bench_softmax

    for scale in (1.0, 100.0):
        d = bench_softmax.measure(300, 4, 3, 1, scale)
        assert d["ratio"] > 0 and d["max_abs_score"] > (100 if scale > 1 else 0)
    rows = bench_softmax.run(smoke=True)
    assert [r["goal"] for r in rows] == ["≤ 1.5×", "-"] and all(r["met"] is None for r in rows)
