"""Test layer: syntax -- syntax errors as the user sees them: the words, the 1-based column, the
caret under it, "did you mean" for names and look-alike characters, implicit multiplication,
unknown functions and arity, and text that is accepted (CRLF, a BOM that does not shift columns).

Through the Python API (``exprgrad.parse``: the error's type, column and message), through
exprgrad/syntax/diagnostics.py directly (``did_you_mean``), and through the CLI in-process
(``invoke``: the JSON error's column and the caret lines on stderr).  The generated parser
itself (tables, equivalence with Lark, depth) is tested in test_parser.py; the caret snippet as a
function in test_render.py.
Imports: stdlib, pytest, exprgrad, conftest (``error_of``, ``invoke``, ``one_json``).
"""

from __future__ import annotations

import time

import pytest
from conftest import error_of, invoke, one_json

import exprgrad
from exprgrad.core.ops import FUNCTIONS
from exprgrad.syntax.diagnostics import did_you_mean


# -- columns and words ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, column",
    [("(a + b", 7), ("a +", 4), ("a + * b", 5), (")", 1), ("", 1), ("a b", 3), ("2..5", 3)],
)
def test_syntax_error_columns(text, column):
    err = error_of(exprgrad.parse, text)
    assert err.type == "syntax"
    assert err.column == column
    assert err.to_json() == {"type": "syntax", "message": err.message, "column": column}


def test_syntax_error_message_in_words():
    err = error_of(exprgrad.parse, "a +")
    assert "end of input" in err.message
    assert "NUMBER" not in err.message and "$END" not in err.message


def test_statements_are_not_expressions():
    err = error_of(exprgrad.parse, "y = x + 1")
    assert err.type == "syntax"


@pytest.mark.parametrize(
    "expr, column", [("2a", 2), ("(a + ", 5), ("tahn(x)", 1), ("x + sin(x, x)", 5), ("a $ b", 3)]
)
def test_error_columns_are_one_based(expr, column):
    obj = one_json(invoke("eval", expr, "--json"))
    assert obj["expression"] == expr
    assert obj["error"]["column"] == column


# -- carets on stderr ----------------------------------------------------------------------------
def test_caret_under_the_offending_column():
    r = invoke("eval", "(a + b) 2", "--a", "1", "--b", "2")
    assert r.exit_code == 2
    lines = r.stderr.splitlines()
    assert "column 9" in lines[0]
    src, caret = lines[1], lines[2]
    assert src.strip() == "(a + b) 2"
    assert caret.index("^") == src.index("2")
    assert set(caret.strip()) == {"^"}


def test_caret_at_end_of_input():
    r = invoke("eval", "a +", "--a", "1")
    src, caret = r.stderr.splitlines()[1:3]
    assert caret.index("^") == len(src)


def test_long_expression_is_cut_to_80_columns_around_the_error():
    expr = " + ".join(f"x{i}" for i in range(100)) + " $ " + " + ".join("y" for _ in range(100))
    r = invoke("eval", expr)
    assert r.exit_code == 2
    src, caret = r.stderr.splitlines()[1:3]
    assert len(src) <= 80 and len(caret) <= 80
    assert src.lstrip().startswith("…") and src.endswith("…")
    assert src[caret.index("^")] == "$"


# -- implicit multiplication and look-alike characters ----------------------------------------
def test_no_implicit_multiplication():
    err = error_of(exprgrad.parse, "2a")
    assert err.type == "syntax"
    assert err.column == 2
    assert err.exit_code == 2
    err = error_of(exprgrad.parse, "(a)(b)")
    assert err.type == "syntax" and err.column == 4
    err = error_of(exprgrad.parse, "x (y)")  # a call of the unknown function x
    assert err.type == "name" and err.column == 1
    assert "x*(...)" in err.message and "implicit multiplication" in err.message


def test_function_name_before_an_operand_asks_for_parentheses():
    r = invoke("eval", "sin x", "--x", "1")
    assert r.exit_code == 2 and "write 'sin(x)'" in r.output


@pytest.mark.parametrize(
    "text, column, fix",
    [
        ("a \u2212 b", 3, "-"),  # minus sign
        ("a \u00d7 b", 3, "*"),  # multiplication sign
        ("a \u00b7 b", 3, "*"),  # middle dot
        ("a\u00b2", 2, "^2"),  # superscript two
    ],
)
def test_lookalike_characters_get_did_you_mean(text, column, fix):
    err = error_of(exprgrad.parse, text)
    assert err.type == "syntax"
    assert err.column == column
    assert f"did you mean '{fix}'" in err.message


# -- CRLF and BOM ------------------------------------------------------------------------------
def test_crlf_and_bom_accepted():
    assert exprgrad.evaluate("a + b\r\n", {"a": 1, "b": 2}) == 3.0
    assert exprgrad.evaluate("a +\r\n b", {"a": 1, "b": 2}) == 3.0
    assert exprgrad.evaluate("\ufeffa * b", {"a": 2, "b": 3}) == 6.0
    assert exprgrad.evaluate("\ufeff(a + b) * c\r\n", {"a": 7, "b": 3, "c": 2}) == 20.0


def test_a_bom_does_not_shift_columns():
    err = error_of(exprgrad.parse, "\ufeffa + \u00d7")
    assert err.type == "syntax"
    assert "did you mean '*'" in err.message
    assert err.column == 5 == error_of(exprgrad.parse, "a + \u00d7").column


# -- function names, did you mean, arity ----------------------------------------------------------
def test_unknown_function_suggests_nearest():
    err = error_of(exprgrad.parse, "tahn(x)")
    assert err.type == "name"
    assert "tahn" in err.message and "did you mean 'tanh'" in err.message
    assert err.column == 1
    err = error_of(exprgrad.parse, "1 + sigmod(x)")
    assert "did you mean 'sigmoid'" in err.message and err.column == 5


def test_did_you_mean_prefers_a_transposition():
    assert did_you_mean("tahn", ["tan", "tanh", "exp"]) == " (did you mean 'tanh'?)"
    assert did_you_mean("sigmod", ["sigmoid", "sin"]) == " (did you mean 'sigmoid'?)"
    assert did_you_mean("xyz", ["tanh", "exp"]) == ""
    assert did_you_mean("X", ["x", "y"]) == " (did you mean 'x'?)"
    assert did_you_mean("q", ["x", "y"]) == ""


def test_did_you_mean_is_fast_for_long_names():
    a, b = "a" * 4000, "b" * 4000
    t0 = time.perf_counter()
    assert did_you_mean(a, [b, "c" * 3999]) == ""
    assert time.perf_counter() - t0 < 0.5


@pytest.mark.parametrize("text", ["tanh(x, y)", "tanh()", "exp(x, x, x)", "relu()"])
def test_arity_errors(text):
    err = error_of(exprgrad.parse, text)
    assert err.type == "arity"
    assert err.column == 1
    assert err.exit_code == 2
    assert text.split("(")[0] in err.message


def test_every_function_is_called_by_name():
    for name, op in FUNCTIONS.items():
        if op.array_only:
            continue
        expr = exprgrad.parse(f"{name}(" + ", ".join(["x"] * op.arity) + ")")
        assert expr.variables == ("x",)
