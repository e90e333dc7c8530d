"""Test layer: the ``exprgrad`` CLI for single expressions, through Click's CliRunner.

Covers issue 2's CLI section: binding forms, EXPR starting with '-', '--', errors and their exit
codes, strict JSON (success and error objects), caret lines, did-you-mean, plain vs Rich output,
NO_COLOR, help/version, the hand-over to the batch mode, and golden Rich tables rendered with a
fixed-width Console.  Imports: stdlib, pytest, click.testing, rich (golden tables), exprgrad.
"""

from __future__ import annotations

import io
import json
import re
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

import exprgrad
from exprgrad.analysis import bindings as settings
from exprgrad.cli import main as cli
from exprgrad.core.results import CheckReport, CheckRow
from exprgrad.errors import BindingError, ExprSyntaxError
from exprgrad.render import messages, numbers, results
from exprgrad.syntax.diagnostics import did_you_mean

LECTURE = [
    ("(a + b) * c", ["--a", "7", "--b", "3", "--c", "2"], 20.0, {"a": 2.0, "b": 2.0, "c": 10.0}),
    ("(a + b^3) * c", ["--a", "7", "--b", "3", "--c", "2"], 68.0, {"a": 2.0, "b": 54.0, "c": 34.0}),
    ("(a + relu(b)) * c", ["--a", "7", "--b", "-3", "--c", "2"], 14.0, {"a": 2, "b": 0, "c": 7}),
    ("(a + b) * b^3", ["--a", "7", "--b", "3"], 270.0, {"a": 27.0, "b": 297.0}),
]
BOX = set("┏┓┗┛━┃│─┌┐└┘├┤┼╇┡┩")
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*3[0-7]m|\x1b\[[0-9;]*38;")


def _no_constant(name: str):
    raise ValueError(f"non-standard JSON constant {name}")


def loads(text: str):
    """Strict JSON: NaN/Infinity literals raise."""
    return json.loads(text, parse_constant=_no_constant)


def run(*args: str, **kw):
    return CliRunner().invoke(cli.cli, list(args), prog_name="exprgrad", **kw)


def one_json(result) -> dict:
    """stdout must be exactly one JSON object (one line)."""
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    obj = loads(lines[0])
    assert isinstance(obj, dict)
    return obj


# -- the lecture, values and gradients ---------------------------------------------------------
@pytest.mark.parametrize("expr, args, value, grads", LECTURE, ids=[e for e, *_ in LECTURE])
def test_lecture_json(expr, args, value, grads):
    r = run("eval", expr, *args, "--json")
    assert r.exit_code == 0, r.output
    obj = one_json(r)
    assert obj["expression"] == expr
    assert obj["value"] == value
    assert obj["gradients"] == grads
    assert list(obj["gradients"]) == list(grads)  # order of first appearance


def test_lecture_plain_tsv():
    r = run("eval", "(a + b^3) * c", "--a", "7", "--b", "3", "--c", "2")
    assert r.exit_code == 0
    assert r.stdout == "variable\tvalue\tgradient\n(output)\t68\t1\na\t7\t2\nb\t3\t54\nc\t2\t34\n"
    assert not BOX & set(r.stdout)
    assert "\x1b" not in r.stdout


def test_gradient_keys_in_order_of_first_appearance():
    obj = one_json(run("eval", "c * b + a", "--a", "1", "--b", "2", "--c", "3", "--json"))
    assert list(obj["gradients"]) == ["c", "b", "a"]


# -- binding forms -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, expected",
    [
        (["(a + relu(b)) * c", "--a", "7", "--b", "-3", "--c", "2"], 14.0),
        (["(a + relu(b)) * c", "--a=7", "--b=-3", "--c=2"], 14.0),
        (["--b", "-3", "(a + relu(b)) * c", "--a", "7", "--c", "2"], 14.0),
        (["--a", "7", "--b", "-3", "--c", "2", "(a + relu(b)) * c"], 14.0),
        (["(a + relu(b)) * c", "--var", "a=7", "--var", "b=-3", "--c", "2"], 14.0),
        (["-x^2", "--x", "3"], -9.0),
        (["--x", "3", "-x^2"], -9.0),
        (["--x", "3", "--", "-x^2"], -9.0),
        (["x * 1000", "--x=-1e-3"], -1.0),
        (["-(f + h)", "--f", "1", "--h", "2"], -3.0),  # -f/-h are options, --f/--h bindings
        (["file + wrt", "--var", "file=1", "--var", "wrt=2"], 3.0),  # names that are options
        (["x", "--x", " 2.5 "], 2.5),
    ],
)
def test_binding_forms(args, expected):
    r = run("eval", "--json", *args)
    assert r.exit_code == 0, r.output
    assert one_json(r)["value"] == expected


@pytest.mark.parametrize(
    "raw, value", [("inf", "inf"), ("-inf", "-inf"), ("nan", "nan"), ("1e308", 1e308)]
)
def test_non_finite_values_are_strings_in_json(raw, value):
    r = run("eval", "x", "--x", raw, "--json")
    assert r.exit_code == 0
    assert one_json(r)["value"] == value


def test_check_takes_bindings_after_its_own_options():
    r = run("check", "--eps", "1e-4", "x^2", "--x", "-3", "--rtol=1e-3", "--json")
    assert r.exit_code == 0, r.output
    obj = one_json(r)
    assert obj["eps"] == 1e-4 and obj["rtol"] == 1e-3
    assert obj["checks"][0]["backprop"] == -6.0


# -- bad input: exit 2, a message on stderr, JSON error object ---------------------------------
@pytest.mark.parametrize(
    "args, etype, words",
    [
        (["x + y", "--x", "1"], "binding", ["unbound", "y", "--y VALUE"]),
        (["x + y", "--x", "1", "--y", "2", "--x", "3"], "binding", ["x is bound twice"]),
        (["x", "--x", "1", "--var", "x=2"], "binding", ["bound twice", "--var x=2"]),
        (["abc + x", "--abc", "1", "--x", "1", "--abd", "2"], "binding", ["'abd'", "'abc'"]),
        (["x + pi", "--x", "1", "--pi", "3"], "binding", ["pi is a built-in constant"]),
        (["x", "--x", "abc"], "binding", ["'abc' is not a number"]),
        (["x", "--x"], "binding", ["--x needs a value"]),
        (["x", "--x", "1", "--var", "x"], "binding", ["NAME=VALUE"]),
        (["x", "--x", "1", "--wrt", "y"], "binding", ["--wrt", "'y'"]),
        (["2a", "--a", "1"], "syntax", ["implicit multiplication"]),
        (["(a + ", "--a", "1"], "syntax", ["end of input", "expected"]),
        (["tahn(x)", "--x", "1"], "name", ["unknown function 'tahn'", "did you mean 'tanh'"]),
        (["sin(x, x)", "--x", "1"], "arity", ["sin() takes 1 argument, got 2"]),
        (["a \u2212 b", "--a", "1", "--b", "2"], "syntax", ["MINUS SIGN", "did you mean '-'"]),
        (["x = 3"], "syntax", ["'=' defines a name"]),
    ],
)
def test_bad_input_exit_2(args, etype, words):
    r = run("eval", *args)
    assert r.exit_code == 2, r.output
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    for w in words:
        assert w in r.stderr, (w, r.stderr)
    rj = run("eval", "--json", *args)
    assert rj.exit_code == 2
    obj = one_json(rj)
    assert set(obj) == {"expression", "error"}
    assert set(obj["error"]) == {"type", "message", "column"}
    assert obj["error"]["type"] == etype
    assert isinstance(obj["error"]["message"], str) and obj["error"]["message"]
    col = obj["error"]["column"]
    assert col is None or (isinstance(col, int) and col >= 1)


@pytest.mark.parametrize(
    "expr, column", [("2a", 2), ("(a + ", 5), ("tahn(x)", 1), ("x + sin(x, x)", 5), ("a $ b", 3)]
)
def test_error_columns_are_one_based(expr, column):
    obj = one_json(run("eval", expr, "--json"))
    assert obj["expression"] == expr
    assert obj["error"]["column"] == column


def test_caret_under_the_offending_column():
    r = run("eval", "(a + b) 2", "--a", "1", "--b", "2")
    assert r.exit_code == 2
    lines = r.stderr.splitlines()
    assert "column 9" in lines[0]
    src, caret = lines[1], lines[2]
    assert src.strip() == "(a + b) 2"
    assert caret.index("^") == src.index("2")
    assert set(caret.strip()) == {"^"}


def test_caret_at_end_of_input():
    r = run("eval", "a +", "--a", "1")
    src, caret = r.stderr.splitlines()[1:3]
    assert caret.index("^") == len(src)


def test_long_expression_is_cut_to_80_columns_around_the_error():
    expr = " + ".join(f"x{i}" for i in range(100)) + " $ " + " + ".join("y" for _ in range(100))
    r = run("eval", expr)
    assert r.exit_code == 2
    src, caret = r.stderr.splitlines()[1:3]
    assert len(src) <= 80 and len(caret) <= 80
    assert src.lstrip().startswith("…") and src.endswith("…")
    assert src[caret.index("^")] == "$"


def test_did_you_mean_prefers_a_transposition():
    assert did_you_mean("tahn", ["tan", "tanh", "exp"]) == " (did you mean 'tanh'?)"
    assert did_you_mean("sigmod", ["sigmoid", "sin"]) == " (did you mean 'sigmoid'?)"
    assert did_you_mean("xyz", ["tanh", "exp"]) == ""
    assert did_you_mean("X", ["x", "y"]) == " (did you mean 'x'?)"
    assert did_you_mean("q", ["x", "y"]) == ""


def test_unused_binding_suggests_the_nearest_variable():
    r = run("eval", "alpha * x", "--alhpa", "1", "--x", "2")
    assert r.exit_code == 2
    assert "'alhpa'" in r.stderr and "did you mean 'alpha'" in r.stderr


@pytest.mark.parametrize(
    "args, words",
    [
        (["x", "--no-such-option", "1"], ["No such option"]),
        (["x", "y", "--x", "1"], ["expected one EXPR", "quote the expression"]),
        (["--", "-x^2", "--x", "3"], ["put bindings before '--'"]),
        (["x", "-f", "some.expr"], ["EXPR or -f FILE, not both"]),
    ],
)
def test_usage_errors_exit_2(args, words):
    r = run("eval", *args)
    assert r.exit_code == 2
    assert "Traceback" not in r.stderr
    for w in words:
        assert w in r.stderr
    rj = run("eval", *args, "--json") if "--" not in args else None
    if rj is not None:
        assert rj.exit_code == 2
        assert one_json(rj)["error"]["type"] == "binding"


def test_bad_option_value_exit_2():
    r = run("check", "x", "--x", "1", "--eps", "abc")
    assert r.exit_code == 2
    assert "--eps" in r.stderr


def test_check_rejects_a_non_positive_eps():
    r = run("check", "x", "--x", "1", "--eps", "0", "--json")
    assert r.exit_code == 2
    assert one_json(r)["error"]["type"] == "binding"


# -- check --------------------------------------------------------------------------------------
def test_check_json_keys_and_pass():
    r = run("check", "(a + b^3) * c", "--a", "7", "--b", "3", "--c", "2", "--json")
    assert r.exit_code == 0
    obj = one_json(r)
    assert obj["ok"] is True and obj["expression"] == "(a + b^3) * c"
    assert [c["variable"] for c in obj["checks"]] == ["a", "b", "c"]
    keys = {"variable", "backprop", "numeric", "abs_error", "rel_error", "ok", "kink"}
    for c in obj["checks"]:
        assert keys <= set(c)
        assert c["ok"] is True and c["kink"] is None
    assert [c["backprop"] for c in obj["checks"]] == [2.0, 54.0, 34.0]
    assert (obj["eps"], obj["rtol"], obj["atol"]) == (
        settings.DEFAULT_EPS,
        settings.DEFAULT_RTOL,
        settings.DEFAULT_ATOL,
    )


def test_check_kink_row_is_flagged_and_passes():
    r = run("check", "(a + relu(b)) * c", "--a", "7", "--b", "0", "--c", "2", "--json")
    assert r.exit_code == 0
    obj = one_json(r)
    b = obj["checks"][1]
    assert b["variable"] == "b" and b["ok"] is True
    assert "relu" in b["kink"] and "kink" in b["kink"]
    assert obj["checks"][0]["kink"] is None


def test_check_failure_exits_1():
    args = ["exp(x)", "--x", "1", "--eps", "0.5", "--rtol", "0", "--atol", "0"]
    r = run("check", *args)
    assert r.exit_code == 1
    header, row = r.stdout.splitlines()
    assert header.split("\t") == list(results.CHECK_HEADER)
    assert row.split("\t")[5] == "false"
    obj = one_json(run("check", *args, "--json"))
    assert obj["ok"] is False and obj["checks"][0]["ok"] is False


def test_check_nan_fails_and_is_a_string():
    r = run("check", "sqrt(x)", "--x", "-1", "--json")
    assert r.exit_code == 1
    row = one_json(r)["checks"][0]
    assert row["backprop"] == "nan" and row["ok"] is False
    assert "warning" in r.stderr


# -- output modes --------------------------------------------------------------------------------
def test_warnings_go_to_stderr_and_json_stays_strict():
    r = run("eval", "1/x", "--x", "0", "--json")
    assert r.exit_code == 0
    obj = one_json(r)
    assert obj["value"] == "inf" and obj["gradients"]["x"] == "-inf"
    assert "warning" in r.stderr and "column 2" in r.stderr


def test_wrt_limits_the_gradients():
    obj = one_json(
        run("eval", "x*y + z", "--x", "2", "--y", "3", "--z", "1", "--wrt", "z,x", "--json")
    )
    assert obj["gradients"] == {"x": 3.0, "z": 1.0}


def test_table_on_a_terminal(monkeypatch):
    monkeypatch.setattr(cli, "stdout_is_tty", lambda: True)
    r = run("eval", "(a + b^3) * c", "--a", "7", "--b", "3", "--c", "2")
    assert r.exit_code == 0
    assert BOX & set(r.stdout)
    assert "68" in r.stdout and "54" in r.stdout and "(output)" in r.stdout


def test_json_wins_over_the_terminal(monkeypatch):
    monkeypatch.setattr(cli, "stdout_is_tty", lambda: True)
    obj = one_json(run("eval", "x", "--x", "1", "--json"))
    assert obj["value"] == 1.0


def test_no_color(monkeypatch):
    monkeypatch.setattr(cli, "stdout_is_tty", lambda: True)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    coloured = run("check", "x^2", "--x", "3")
    assert ANSI_COLOUR.search(coloured.stdout), "FORCE_COLOR should give colour codes"
    monkeypatch.setenv("NO_COLOR", "1")
    plain = run("check", "x^2", "--x", "3")
    assert plain.exit_code == 0
    assert BOX & set(plain.stdout)
    assert not ANSI_COLOUR.search(plain.stdout)
    assert "\x1b" not in plain.stderr


def test_rich_is_not_needed_for_plain_output(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "rich", None)  # any rich import would now fail
    monkeypatch.setitem(sys.modules, "rich.console", None)
    monkeypatch.setitem(sys.modules, "rich.table", None)
    r = run("check", "(a + b) * c", "--a", "7", "--b", "3", "--c", "2")
    assert r.exit_code == 0 and r.stdout.startswith("variable\tbackprop")
    assert one_json(run("eval", "x", "--x", "1", "--json"))["value"] == 1.0


# -- help, version, no arguments ---------------------------------------------------------------
def test_group_without_arguments_shows_help():
    r = run()
    assert r.exit_code == 0
    assert "Usage: exprgrad" in r.stdout and "eval" in r.stdout and "check" in r.stdout


@pytest.mark.parametrize("command", ["eval", "check"])
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_shows_examples(command, flag):
    r = run(command, flag)
    assert r.exit_code == 0
    assert "Examples:" in r.stdout and f"exprgrad {command} " in r.stdout
    assert "--NAME VALUE" in r.stdout


def test_check_help_documents_the_defaults():
    r = run("check", "--help")
    for d in ("1e-06", "1e-05", "1e-08"):
        assert d in r.stdout


def test_version():
    r = run("--version")
    assert r.exit_code == 0 and r.stdout.strip() == f"exprgrad {exprgrad.__version__}"


def test_main_returns_the_exit_code(capsys):
    assert cli.main(["eval", "x", "--x", "2", "--json"]) == 0
    assert loads(capsys.readouterr().out)["value"] == 2.0
    assert cli.main(["eval", "x +"]) == 2
    assert cli.main(["check", "exp(x)", "--x", "1", "--eps", "1", "--rtol", "0"]) == 1


# -- internal errors and Ctrl-C ------------------------------------------------------------------
def _boom(*_a, **_k):
    raise RuntimeError("boom")


def test_internal_error_exit_70_without_traceback(monkeypatch):
    monkeypatch.delenv("EXPRGRAD_DEBUG", raising=False)
    monkeypatch.setattr(exprgrad.analysis.expression.Expression, "gradients", _boom)
    r = run("eval", "x", "--x", "1")
    assert r.exit_code == 70
    assert "internal error" in r.stderr and "EXPRGRAD_DEBUG=1" in r.stderr
    assert "Traceback" not in r.stderr
    obj = one_json(run("eval", "x", "--x", "1", "--json"))
    assert obj["error"]["type"] == "internal" and obj["expression"] == "x"


def test_internal_error_traceback_with_debug(monkeypatch):
    monkeypatch.setenv("EXPRGRAD_DEBUG", "1")
    monkeypatch.setattr(exprgrad.analysis.expression.Expression, "gradients", _boom)
    r = run("eval", "x", "--x", "1")
    assert r.exit_code == 70
    assert "Traceback" in r.stderr and "RuntimeError: boom" in r.stderr


def test_ctrl_c_exit_130(monkeypatch):
    def interrupted(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(exprgrad.analysis.expression.Expression, "gradients", interrupted)
    r = run("eval", "x", "--x", "1")
    assert r.exit_code == 130
    assert "Traceback" not in r.stderr


# -- arrays and the batch hand-over ----------------------------------------------------------------
def test_array_output_without_gradients_prints_the_note():
    r = run("eval", "2 * w", "--w", "[1, 2]", "--json")
    assert r.exit_code == 0, r.output
    obj = one_json(r)
    assert obj["value"] == [2.0, 4.0] and "gradients" not in obj and obj["note"]
    plain = run("eval", "2 * w", "--w", "[1, 2]")
    assert plain.stdout.splitlines()[1] == "(output)\t[2, 4]\t"
    assert "scalar" in plain.stderr
    grads = one_json(run("eval", "sum(w * w)", "--w", "[1, 2]", "--json"))
    assert grads["gradients"] == {"w": [2.0, 4.0]}


def test_batch_handover(monkeypatch):
    from exprgrad.cli import statements as batch

    seen = {}

    def fake_run_cli(**kw):
        seen.update(kw)
        kw["stdout"].write("batch ran\n")
        return 1

    monkeypatch.setattr(batch, "run_cli", fake_run_cli)
    r = run("check", "--b", "-3", "--var", "c=2", "--eps", "1e-3", "--json", input="b * c\n")
    assert r.exit_code == 1 and r.stdout == "batch ran\n"
    from exprgrad.cli import check

    assert type(seen["stream"].rows) is type(check.stream().rows) and seen["filename"] == "<stdin>"
    assert seen["source"].read() == b"b * c\n"
    assert seen["bindings"] == {"b": "-3", "c": "2"}
    assert seen["options"]["json"] is True and seen["options"]["eps"] == 1e-3
    assert seen["tty"] is False


def test_batch_file_option(monkeypatch, tmp_path):
    from exprgrad.cli import statements as batch

    seen = {}
    monkeypatch.setattr(batch, "run_cli", lambda **kw: seen.update(kw) or 0)
    f = tmp_path / "s.expr"
    f.write_bytes(b"x = 1\n")
    r = run("eval", "-f", str(f))
    assert r.exit_code == 0 and seen["filename"] == str(f)
    missing = run("eval", "-f", str(tmp_path / "missing.expr"), "--json")
    assert missing.exit_code == 2
    assert one_json(missing)["error"]["type"] == "io"


def test_no_expr_on_a_terminal_prints_usage(monkeypatch):
    monkeypatch.setattr(cli, "_stdin_is_tty", lambda: True)
    r = run("eval", "--x", "1")
    assert r.exit_code == 2
    assert "Usage:" in r.stderr and "missing EXPR" in r.stderr


# -- render: numbers, JSON, snippets, golden tables ------------------------------------------------
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
    assert loads(s) == {"a": "nan", "b": [1.5, "-inf"], "c": {"d": "inf"}}
    import numpy as np

    s = numbers.dumps({"w": np.array([[1.0, np.inf], [np.nan, 2.0]]), "v": np.float64(3.0)})
    assert loads(s) == {"w": [[1.0, "inf"], ["nan", 2.0]], "v": 3.0}


def test_fmt_value_summarizes_large_arrays():
    import numpy as np

    assert numbers.fmt_value(np.array([[1.0, 2.5], [3.0, 4.0]])) == "[[1, 2.5], [3, 4]]"
    big = numbers.fmt_value(np.arange(5000.0))
    assert "…" in big and "shape (5000,)" in big and len(big) < 200
    assert "…" not in numbers.fmt_value(np.arange(5000.0), full=True)


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


def _rendered(renderable, width: int) -> str:
    from rich.console import Console

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


# -- review fixes: option values, tolerances, kinks, hints ---------------------------------------
@pytest.mark.parametrize(
    "args, opt",
    [
        (("eval", "x", "--x", "3", "--wrt"), "--wrt"),
        (("check", "x", "--x", "3", "--eps"), "--eps"),
        (("eval", "x", "--x", "3", "-f"), "-f"),
    ],
)
def test_an_option_without_its_value_says_so(args, opt):
    r = run(*args)
    assert r.exit_code == 2
    assert f"{opt} needs a value" in r.output


def test_unbound_name_of_an_option_is_bound_with_var():
    r = run("check", "eps*x", "--x", "1")
    assert r.exit_code == 2
    assert "--var eps=VALUE" in r.output and "--eps VALUE" not in r.output
    r = run("check", "eps*x", "--x", "1", "--var", "eps=2", "--json")
    assert r.exit_code == 0 and one_json(r)["ok"] is True


@pytest.mark.parametrize(
    "args",
    [
        ("--rtol", "-1"),
        ("--atol", "nan"),
        ("--rtol", "inf"),
    ],
)
def test_bad_tolerances_are_binding_errors(args):
    r = run("check", "x^2", "--x", "1", *args, "--json")
    assert r.exit_code == 2
    assert one_json(r)["error"]["type"] == "binding"


def test_negative_seed_is_bad_input_not_a_crash():
    r = run("check", "sum(x^2)", "--x", "[1, 2]", "--seed", "-1")
    assert r.exit_code == 2 and "--seed" in r.output


def test_a_kink_never_hides_a_nan():
    r = run("check", "abs(x) + sqrt(x)", "--x", "0", "--json")
    row = one_json(r)["checks"][0]
    assert row["kink"] and row["numeric"] == "nan"
    assert row["ok"] is False and r.exit_code == 1


def test_wrt_repeated_and_comma_separated_add_up():
    base = ("eval", "a*b + c", "--a", "1", "--b", "2", "--c", "3", "--json")
    obj = one_json(run(*base, "--wrt", "a", "--wrt", "c"))
    assert obj["gradients"] == {"a": 2.0, "c": 1.0}
    obj = one_json(run(*base, "--wrt", "c,b", "--wrt", "a"))
    assert obj["gradients"] == {"a": 2.0, "b": 1.0, "c": 1.0}


def test_function_name_before_an_operand_asks_for_parentheses():
    r = run("eval", "sin x", "--x", "1")
    assert r.exit_code == 2 and "write 'sin(x)'" in r.output


def test_missing_array_file_is_an_io_error():
    r = run("eval", "sum(x)", "--x", "@/nonexistent/x.csv", "--json")
    assert r.exit_code == 2 and one_json(r)["error"]["type"] == "io"


def test_overflowing_literals_and_nan_from_infinities_are_warned():
    r = run("eval", "1e999 - 1e999", "--json")
    warnings = one_json(r)["warnings"]
    assert warnings[:2] == [
        "number at column 1 is too large for a float: inf",
        "number at column 9 is too large for a float: inf",
    ]
    assert "- at column 7 gave nan" in warnings
    r = run("eval", "x*0", "--x", "inf", "--json")
    assert one_json(r)["warnings"] == ["* at column 2 gave nan"]
    r = run("eval", "x + 1", "--x", "inf", "--json")  # inf carried along: nothing new to say
    assert one_json(r)["warnings"] == []


def test_did_you_mean_is_fast_for_long_names():
    import time

    a, b = "a" * 4000, "b" * 4000
    t0 = time.perf_counter()
    assert did_you_mean(a, [b, "c" * 3999]) == ""
    assert time.perf_counter() - t0 < 0.5


# -- review fixes: array data, seeds, worst elements ---------------------------------------------
@pytest.mark.parametrize(
    "fname, content, words",
    [
        ("deep.json", "[" * 100_000, "deep.json: row 1, column 1 is a list"),
        ("big.json", "[[" + "9" * 5000 + "]]", None),
        ("empty.npy", b"", "empty.npy: the file is empty"),
        ("huge.npy", "huge-header", "huge.npy: the file is cut short"),
    ],
)
def test_bad_array_files_exit_2_not_70(tmp_path, monkeypatch, fname, content, words):
    monkeypatch.chdir(tmp_path)
    if content == "huge-header":
        buf = io.BytesIO()
        header = {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**7)}
        import numpy as np

        np.lib.format.write_array_header_1_0(buf, header)
        content = buf.getvalue() + b"\0" * 16
    if isinstance(content, bytes):
        (tmp_path / fname).write_bytes(content)
    else:
        (tmp_path / fname).write_text(content)
    r = run("eval", "sum(w)", "--w", f"@{fname}", "--json")
    if words is None:  # too large for a float: inf, as --x 1e999
        assert r.exit_code == 0 and one_json(r)["value"] == "inf"
        return
    assert r.exit_code == 2, r.output
    err = one_json(r)["error"]
    assert err["type"] == "binding" and err["message"].startswith(f"--w: {words}")


@pytest.mark.parametrize("digits", [400, 5000])
def test_long_integers_inline_are_inf_not_an_internal_error(digits):
    r = run("eval", "sum(w)", "--w", "[1" + "0" * digits + ", 2]", "--json")
    assert r.exit_code == 0, r.output
    assert one_json(r)["value"] == "inf"


def test_inline_inf_and_nan_read_back_what_exprgrad_prints():
    r = run("eval", "sum(w * 0)", "--w", "[inf, 1, -inf]", "--json")
    assert r.exit_code == 0, r.output
    obj = one_json(r)
    assert obj["value"] == "nan"
    assert obj["warnings"] == ["* at column 7 gave nan in 2 of 3 values"]
    assert "warning: * at column 7 gave nan in 2 of 3 values" in r.stderr
    r = run("eval", "sum(w - w)", "--w", "[Infinity, 1]", "--json")
    assert one_json(r)["warnings"] == ["- at column 7 gave nan in 1 of 2 values"]


def test_directional_check_shows_its_seed_for_a_replay():
    args = ("check", "sum(W @ v)", "--W", "[[1, 2], [3, 4]]", "--v", "[1, -1]", "--directional")
    first = one_json(run(*args, "--json"))
    seed = first["seed"]
    assert isinstance(seed, int) and seed >= 0
    again = one_json(run(*args, "--seed", str(seed), "--json"))
    assert again["seed"] == seed and again["checks"] == first["checks"]
    assert "seed" not in one_json(run("check", "x^2", "--x", "3", "--json"))
    assert "seed" not in one_json(run("check", "sum(w^2)", "--w", "[1, 2]", "--json"))
    report = exprgrad.check(
        "sum(W @ v)", W=[[1, 2], [3, 4]], v=[1, -1], method="directional", seed=9
    )
    text = _rendered(results.check_table(report), 100)
    assert "directional · seed 9 — all 2 passed" in text


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
    r = run("check", "sum(w^2)", "--w", "[1, 2]")
    assert r.exit_code == 0
    assert r.stdout.splitlines()[0] == "\t".join(results.CHECK_HEADER)
    assert [ln.split("\t")[0] for ln in r.stdout.splitlines()[1:]] == ["w[0]", "w[1]"]
