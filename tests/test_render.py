"""Test layer: render -- results as text, strict JSON and Rich tables (exprgrad/render/), called
directly, never through the CLI.

numbers.py: number and array formatting (shortest round-trip, integral floats without ``.0``,
arrays summarized past 1,000 elements) and strict JSON dumps.  messages.py: the caret snippet
(cut to 80 columns around the error) and error texts.  results.py: golden Rich tables of eval and
check rendered with a fixed-width Console, ``check_plain`` (TSV), and the worst-element summary of
array checks (table, JSON and TSV rows).
Imports: stdlib, pytest, numpy, rich (golden tables), exprgrad, conftest (``strict_loads``).
"""

from __future__ import annotations

import io
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import strict_loads
from rich.console import Console

import exprgrad
from exprgrad.core.results import CheckReport, CheckRow
from exprgrad.errors import BindingError, ExprSyntaxError
from exprgrad.render import messages, numbers, results


# -- numbers.py: numbers, arrays, strict JSON ------------------------------------------------------
@pytest.mark.parametrize(
    "x, text",
    [
        (68.0, "68"),
        (0.1, "0.1"),
        (-0.0, "-0"),
        (1e-30, "1e-30"),
        (1e22, "1e+22"),
        (2.0**53, "9007199254740992"),
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
        (float("nan"), "nan"),
        (1 / 3, "0.3333333333333333"),
        (True, "true"),
        (3, "3"),
    ],
)
def test_fmt_number(x, text):
    assert numbers.fmt_number(x) == text
    if isinstance(x, float) and x == x:
        assert float(text) == x  # round-trips


def test_dumps_is_strict_and_handles_arrays():
    s = numbers.dumps({"a": float("nan"), "b": [1.5, float("-inf")], "c": {"d": float("inf")}})
    assert strict_loads(s) == {"a": "nan", "b": [1.5, "-inf"], "c": {"d": "inf"}}
    s = numbers.dumps({"w": np.array([[1.0, np.inf], [np.nan, 2.0]]), "v": np.float64(3.0)})
    assert strict_loads(s) == {"w": [[1.0, "inf"], ["nan", 2.0]], "v": 3.0}


def test_fmt_value_summarizes_large_arrays():
    assert numbers.fmt_value(np.array([[1.0, 2.5], [3.0, 4.0]])) == "[[1, 2.5], [3, 4]]"
    big = numbers.fmt_value(np.arange(5000.0))
    assert "…" in big and "shape (5000,)" in big and len(big) < 200
    assert "…" not in numbers.fmt_value(np.arange(5000.0), full=True)


def test_format_value():
    """Arrays in tables: shortest round-trip numbers, summarized with … past 1,000 elements."""
    assert numbers.fmt_value(np.array([1.0, 2.5, -3.0])) == "[1, 2.5, -3]"
    assert numbers.fmt_value(2.0) == "2"
    big = np.arange(2000.0)
    assert numbers.fmt_value(big) == "[0, 1, 2, …, 1997, 1998, 1999]  (shape (2000,))"
    full = numbers.fmt_value(big, full=True)
    assert "…" not in full and full.count(",") == 1999
    m = numbers.fmt_value(np.arange(10000.0).reshape(100, 100) / 7, oneline=False)
    assert "…" in m and m.endswith("shape (100, 100)") and "0.14285714285714285" in m


# -- messages.py: caret snippets and error texts ------------------------------------------------
def test_caret_snippet():
    assert messages.caret_snippet("2a", 2) == ("2a", " ^")
    assert messages.caret_snippet("a +", 4) == ("a +", "   ^")
    assert messages.caret_snippet("a\tb", 3) == ("a b", "  ^")
    text = "x" * 200 + "$" + "y" * 200
    line, caret = messages.caret_snippet(text, 201)
    assert len(line) <= 78 and line[0] == "…" and line[-1] == "…"
    assert line[caret.index("^")] == "$"
    line, caret = messages.caret_snippet("z" * 500, 501)  # end of input
    assert line.startswith("…") and len(caret) <= 80 and caret.index("^") == len(line)


def test_error_text_without_a_column():
    text = messages.error_text(BindingError("unbound variable: y"), "x + y")
    assert text == "exprgrad: error: unbound variable: y"
    text = messages.error_text(ExprSyntaxError("oops", 3, text="a $ b"))
    assert text.splitlines() == ["exprgrad: syntax error at column 3: oops", "  a $ b", "    ^"]


# -- results.py: golden Rich tables, TSV ---------------------------------------------------------
def _rendered(renderable, width: int) -> str:
    console = Console(width=width, color_system=None, file=io.StringIO(), legacy_windows=False)
    console.print(renderable)
    return "\n".join(line.rstrip() for line in console.file.getvalue().splitlines())


GOLDEN_EVAL = """\
(a + b^3) * c
┏━━━━━━━━━━┳━━━━━━━┳━━━━━━━━━━┓
┃ variable ┃ value ┃ gradient ┃
┡━━━━━━━━━━╇━━━━━━━╇━━━━━━━━━━┩
│ (output) │    68 │        1 │
├──────────┼───────┼──────────┤
│ a        │     7 │        2 │
│ b        │     3 │       54 │
│ c        │     2 │       34 │
└──────────┴───────┴──────────┘"""


GOLDEN_CHECK = """\
check (a + relu(b)) * c
┏━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━┓
┃ variable ┃ backprop ┃ numeric ┃ abs_error ┃ rel_error ┃   ok   ┃
┡━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━┩
│ a        │        2 │       2 │         0 │         0 │   ✓    │
│ b        │        0 │       1 │         1 │         1 │  kink  │
│ c        │        7 │     6.5 │       0.5 │    0.0625 │ ✗ FAIL │
└──────────┴──────────┴─────────┴───────────┴───────────┴────────┘
eps 1e-06 · rtol 1e-05 · atol 1e-08 · elementwise — 1 of 3 failed
kink: b: relu at column 6: its input is 0; relu has a kink at 0"""


def test_golden_eval_table():
    res = exprgrad.parse("(a + b^3) * c").gradients(a=7, b=3, c=2)
    assert _rendered(results.eval_table(res), 80) == GOLDEN_EVAL


def test_golden_check_table():
    rows = [
        CheckRow("a", 2.0, 2.0, 0.0, 0.0, True),
        CheckRow(
            "b",
            0.0,
            1.0,
            1.0,
            1.0,
            True,
            "relu at column 6: its input is 0; relu has a kink at 0",
            False,
        ),
        CheckRow("c", 7.0, 6.5, 0.5, 0.0625, False, None, False),
    ]
    report = CheckReport(SimpleNamespace(text="(a + relu(b)) * c"), 14.0, rows, 1e-6, 1e-5, 1e-8)
    assert _rendered(results.check_table(report), 72) == GOLDEN_CHECK


def test_check_plain_matches_the_rows():
    rows = [
        CheckRow("a", 2.0, 2.0, 0.0, 0.0, True),
        CheckRow("b", 0.0, 1.0, 1.0, 1.0, True, "k", False),
    ]
    report = CheckReport(SimpleNamespace(text="x"), 1.0, rows, 1e-6, 1e-5, 1e-8)
    assert results.check_plain(report) == (
        "variable\tbackprop\tnumeric\tabs_error\trel_error\tok\tkink\n"
        "a\t2\t2\t0\t0\ttrue\t\n"
        "b\t0\t1\t1\t1\ttrue\tk"
    )


def test_directional_check_table_shows_its_seed():
    report = exprgrad.check(
        "sum(W @ v)", W=[[1, 2], [3, 4]], v=[1, -1], method="directional", seed=9
    )
    text = _rendered(results.check_table(report), 100)
    assert "directional · seed 9 — all 2 passed" in text


# -- results.py: array checks, the worst element per variable -----------------------------------
def _element_report():
    rows = [
        CheckRow("W", 1.0, 1.0, 0.0, 0.0, True, None, True, (0, 0)),
        CheckRow("W", 2.0, 2.5, 0.5, 0.2, False, None, False, (0, 1)),
        CheckRow("W", 3.0, 3.1, 0.1, 0.03, False, None, False, (1, 0)),
        CheckRow("W", 4.0, 4.0, 0.0, 0.0, True, None, True, (1, 1)),
        CheckRow("b", 1.0, 1.0, 0.0, 0.0, True, None, True, (0,)),
        CheckRow("b", 0.0, 1.0, 1.0, 1.0, True, "relu at column 9: its input is 0", False, (1,)),
        CheckRow("c", 7.0, 7.0, 0.0, 0.0, True),
    ]
    return CheckReport(SimpleNamespace(text="f(W, b, c)"), 1.0, rows, 1e-6, 1e-5, 1e-8)


GOLDEN_WORST = """\
check f(W, b, c)
┏━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━┓
┃ variable ┃ backprop ┃ numeric ┃ abs_error ┃ rel_error ┃   ok   ┃ failed ┃
┡━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━┩
│ W[0, 1]  │        2 │     2.5 │       0.5 │       0.2 │ ✗ FAIL │ 2 of 4 │
│ b[1]     │        0 │       1 │         1 │         1 │  kink  │ 0 of 2 │
│ c        │        7 │       7 │         0 │         0 │   ✓    │ 0 of 1 │
└──────────┴──────────┴─────────┴───────────┴───────────┴────────┴────────┘
eps 1e-06 · rtol 1e-05 · atol 1e-08 · elementwise — 2 of 7 elements failed
· the worst element of each variable (--full shows all)
kink: b[1]: relu at column 9: its input is 0"""


def test_array_check_table_shows_the_worst_element_per_variable():
    report = _element_report()
    assert _rendered(results.check_table(report), 76) == GOLDEN_WORST
    full = _rendered(results.check_table(report, full=True), 100)
    assert "W[1, 0]" in full and "failed" not in full.splitlines()[2]
    obj = results.check_json(report)
    assert len(obj["checks"]) == 7 and obj["checks"][1]["index"] == (0, 1)
    assert "index" not in obj["checks"][6]


def test_array_check_tsv_keeps_the_contract_columns():
    text = results.check_plain(_element_report())
    lines = text.splitlines()
    assert lines[0] == "variable\tbackprop\tnumeric\tabs_error\trel_error\tok\tkink"
    assert [ln.split("\t")[0] for ln in lines[1:]] == [
        "W[0, 0]",
        "W[0, 1]",
        "W[1, 0]",
        "W[1, 1]",
        "b[0]",
        "b[1]",
        "c",
    ]
    assert all(len(ln.split("\t")) == 7 for ln in lines)
