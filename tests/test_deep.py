"""Test layer: deep and long expressions under Python's default recursion limit.

Each case runs in a fresh interpreter (``sys.executable -c``) that asserts the recursion limit is
the default 1000 before and after, so nothing in parsing, graph building, forward, backward,
``check`` or error reporting may recurse on the depth of the expression (or raise the limit).
The child prints one JSON object, parsed strictly.  Imports: stdlib, pytest, conftest
(``run_python``, ``strict_loads``); exprgrad only in the child processes.
"""

from __future__ import annotations

import textwrap

import pytest
from conftest import run_python, strict_loads

TIMEOUT = 120  # seconds per case: generous, each takes a few seconds

PRELUDE = """
import json, sys, threading, time
assert sys.getrecursionlimit() == 1000, sys.getrecursionlimit()
import exprgrad
assert sys.getrecursionlimit() == 1000, "importing exprgrad changed the recursion limit"
t0 = time.perf_counter()
out = {}
"""

EPILOGUE = """
assert sys.getrecursionlimit() == 1000, "exprgrad changed the recursion limit"
assert threading.stack_size() == 0, "exprgrad changed the thread stack size"
out["seconds"] = time.perf_counter() - t0
print(json.dumps(out))
"""


def run_case(body: str) -> dict:
    code = PRELUDE + textwrap.dedent(body) + EPILOGUE
    proc = run_python(code, TIMEOUT)
    lines = proc.stdout.strip().splitlines()
    assert lines, proc.stderr
    return strict_loads(lines[-1])


def test_100k_nested_parentheses():
    out = run_case(
        """
        n = 100_000
        e = exprgrad.parse("(" * n + "x" + ")" * n)
        r = e.gradients(x=2.5)
        out["value"], out["grad"] = r.value, r.gradients["x"]
        e = exprgrad.parse("(" * n + "x * y" + ")" * n + " + 1")
        r = e.gradients(x=2.5, y=4)
        out["value2"], out["grads2"] = r.value, r.gradients
        out["ok"] = e.check(x=2.5, y=4).ok
        """,
    )
    assert (out["value"], out["grad"]) == (2.5, 1.0)
    assert out["value2"] == 11.0
    assert out["grads2"] == {"x": 4.0, "y": 2.5}
    assert out["ok"] is True


def test_100k_negation_chain():
    out = run_case(
        """
        n = 100_000
        e = exprgrad.parse("-(" * n + "x" + ")" * n)
        r = e.gradients(x=3.0)
        out["even"] = [r.value, r.gradients["x"], len(r.nodes)]
        e = exprgrad.parse("-(" * (n + 1) + "x" + ")" * (n + 1))
        r = e.gradients(x=3.0)
        out["odd"] = [r.value, r.gradients["x"]]
        e = exprgrad.parse("-" * n + "x")
        out["bare"] = exprgrad.gradients(e, x=3.0).gradients["x"]
        """,
    )
    assert out["even"] == [3.0, 1.0, 100_001]
    assert out["odd"] == [-3.0, -1.0]
    assert out["bare"] == 1.0


def test_100k_right_associative_power():
    out = run_case(
        """
        n = 100_000
        e = exprgrad.parse("x" + "^1" * n)  # x^(1^(1^...)): 100,000 levels, right-associative
        r = e.gradients(x=3.0)
        out["const"] = [r.value, r.gradients["x"]]
        e = exprgrad.parse("x" + "^y" * n)  # x^(y^(y^...)) with y = 1: variable exponents
        r = e.gradients(x=3.0, y=1.0)
        out["var"] = [r.value, r.gradients["x"], r.gradients["y"]]
        """,
    )
    assert out["const"] == [3.0, 1.0]
    # d/dy of x^(y^(y^...)) at y = 1: only the outermost y^... contributes ln(3) * 3 * 1
    assert out["var"][:2] == [3.0, 1.0]
    assert out["var"][2] == pytest.approx(3.0 * 1.0986122886681098, rel=1e-12)


def test_million_term_sum():
    out = run_case(
        """
        n = 1_000_000
        e = exprgrad.parse(" + ".join(["x"] * n))
        r = e.gradients(x=0.5)
        out["same"] = [r.value, r.gradients["x"]]
        m = 100_000
        e = exprgrad.parse(" + ".join(f"x{i} * {i % 7}" for i in range(m)))
        r = e.gradients({f"x{i}": 1.0 for i in range(m)})
        out["distinct"] = [r.value, len(r.gradients), r.gradients["x0"], r.gradients["x13"],
                           r.gradients[f"x{m - 1}"]]
        """,
    )
    assert out["same"] == [500_000.0, 1_000_000.0]
    m = 100_000
    assert out["distinct"] == [float(sum(i % 7 for i in range(m))), m, 0.0, 6.0, float((m - 1) % 7)]


def test_deep_errors_are_reported_without_recursion():
    out = run_case(
        """
        n = 100_000
        errors = []
        for text in ["(" * n + "x", "(" * n + "x" + ")" * n + ")", "-(" * n + "tahn(x)" + ")" * n,
                     "x" + "^" * n]:
            try:
                exprgrad.parse(text)
            except exprgrad.ExprgradError as err:
                errors.append([err.type, err.column])
        e = exprgrad.parse("(" * n + "1/x" + ")" * n)
        r = e.gradients(x=0.0)
        out["errors"] = errors
        out["warnings"] = [w.column for w in r.warnings]
        """,
    )
    n = 100_000
    assert out["errors"] == [
        ["syntax", n + 2],
        ["syntax", 2 * n + 2],
        ["name", 2 * n + 1],
        ["syntax", 3],
    ]
    assert out["warnings"] == [n + 2]
