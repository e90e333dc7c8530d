"""Test layer: cli -- the ``exprgrad`` command for single expressions, through Click's CliRunner.

Covers issue 2's CLI section: binding forms, EXPR starting with '-', '--', errors and their exit
codes, strict JSON (success and error objects), plain vs Rich output, NO_COLOR, help/version,
internal errors and Ctrl-C, array values, and the hand-over to the statements mode.  Syntax errors
as the user sees them (columns, carets, did-you-mean) are in test_syntax.py; the renderers
themselves (numbers, JSON, golden Rich tables) in test_render.py.
Imports: stdlib, pytest, exprgrad, conftest (``invoke``, ``one_json``, ``strict_loads``).
"""

from __future__ import annotations

import io
import re

import pytest
from conftest import invoke, one_json, strict_loads

import exprgrad
from exprgrad.analysis import bindings as settings
from exprgrad.cli import main as cli
from exprgrad.render import results

LECTURE = [
    ("(a + b) * c", ["--a", "7", "--b", "3", "--c", "2"], 20.0, {"a": 2.0, "b": 2.0, "c": 10.0}),
    ("(a + b^3) * c", ["--a", "7", "--b", "3", "--c", "2"], 68.0, {"a": 2.0, "b": 54.0, "c": 34.0}),
    ("(a + relu(b)) * c", ["--a", "7", "--b", "-3", "--c", "2"], 14.0, {"a": 2, "b": 0, "c": 7}),
    ("(a + b) * b^3", ["--a", "7", "--b", "3"], 270.0, {"a": 27.0, "b": 297.0}),
]
BOX = set("┏┓┗┛━┃│─┌┐└┘├┤┼╇┡┩")
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*3[0-7]m|\x1b\[[0-9;]*38;")


# -- the lecture, values and gradients ---------------------------------------------------------
@pytest.mark.parametrize("expr, args, value, grads", LECTURE, ids=[e for e, *_ in LECTURE])
def test_lecture_json(expr, args, value, grads):
    r = invoke("eval", expr, *args, "--json")
    assert r.exit_code == 0, r.output
    obj = one_json(r)
    assert obj["expression"] == expr
    assert obj["value"] == value
    assert obj["gradients"] == grads
    assert list(obj["gradients"]) == list(grads)  # order of first appearance


def test_lecture_plain_tsv():
    r = invoke("eval", "(a + b^3) * c", "--a", "7", "--b", "3", "--c", "2")
    assert r.exit_code == 0
    assert r.stdout == "variable\tvalue\tgradient\n(output)\t68\t1\na\t7\t2\nb\t3\t54\nc\t2\t34\n"
    assert not BOX & set(r.stdout)
    assert "\x1b" not in r.stdout


def test_gradient_keys_in_order_of_first_appearance():
    obj = one_json(invoke("eval", "c * b + a", "--a", "1", "--b", "2", "--c", "3", "--json"))
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
    r = invoke("eval", "--json", *args)
    assert r.exit_code == 0, r.output
    assert one_json(r)["value"] == expected


@pytest.mark.parametrize(
    "raw, value", [("inf", "inf"), ("-inf", "-inf"), ("nan", "nan"), ("1e308", 1e308)]
)
def test_non_finite_values_are_strings_in_json(raw, value):
    r = invoke("eval", "x", "--x", raw, "--json")
    assert r.exit_code == 0
    assert one_json(r)["value"] == value


def test_check_takes_bindings_after_its_own_options():
    r = invoke("check", "--eps", "1e-4", "x^2", "--x", "-3", "--rtol=1e-3", "--json")
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
    r = invoke("eval", *args)
    assert r.exit_code == 2, r.output
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    for w in words:
        assert w in r.stderr, (w, r.stderr)
    rj = invoke("eval", "--json", *args)
    assert rj.exit_code == 2
    obj = one_json(rj)
    assert set(obj) == {"expression", "error"}
    assert set(obj["error"]) == {"type", "message", "column"}
    assert obj["error"]["type"] == etype
    assert isinstance(obj["error"]["message"], str) and obj["error"]["message"]
    col = obj["error"]["column"]
    assert col is None or (isinstance(col, int) and col >= 1)


def test_unused_binding_suggests_the_nearest_variable():
    r = invoke("eval", "alpha * x", "--alhpa", "1", "--x", "2")
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
    r = invoke("eval", *args)
    assert r.exit_code == 2
    assert "Traceback" not in r.stderr
    for w in words:
        assert w in r.stderr
    rj = invoke("eval", *args, "--json") if "--" not in args else None
    if rj is not None:
        assert rj.exit_code == 2
        assert one_json(rj)["error"]["type"] == "binding"


def test_bad_option_value_exit_2():
    r = invoke("check", "x", "--x", "1", "--eps", "abc")
    assert r.exit_code == 2
    assert "--eps" in r.stderr


def test_check_rejects_a_non_positive_eps():
    r = invoke("check", "x", "--x", "1", "--eps", "0", "--json")
    assert r.exit_code == 2
    assert one_json(r)["error"]["type"] == "binding"


# -- check --------------------------------------------------------------------------------------
def test_check_json_keys_and_pass():
    r = invoke("check", "(a + b^3) * c", "--a", "7", "--b", "3", "--c", "2", "--json")
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
    r = invoke("check", "(a + relu(b)) * c", "--a", "7", "--b", "0", "--c", "2", "--json")
    assert r.exit_code == 0
    obj = one_json(r)
    b = obj["checks"][1]
    assert b["variable"] == "b" and b["ok"] is True
    assert "relu" in b["kink"] and "kink" in b["kink"]
    assert obj["checks"][0]["kink"] is None


def test_check_failure_exits_1():
    args = ["exp(x)", "--x", "1", "--eps", "0.5", "--rtol", "0", "--atol", "0"]
    r = invoke("check", *args)
    assert r.exit_code == 1
    header, row = r.stdout.splitlines()
    assert header.split("\t") == list(results.CHECK_HEADER)
    assert row.split("\t")[5] == "false"
    obj = one_json(invoke("check", *args, "--json"))
    assert obj["ok"] is False and obj["checks"][0]["ok"] is False


def test_check_nan_fails_and_is_a_string():
    r = invoke("check", "sqrt(x)", "--x", "-1", "--json")
    assert r.exit_code == 1
    row = one_json(r)["checks"][0]
    assert row["backprop"] == "nan" and row["ok"] is False
    assert "warning" in r.stderr


# -- output modes --------------------------------------------------------------------------------
def test_warnings_go_to_stderr_and_json_stays_strict():
    r = invoke("eval", "1/x", "--x", "0", "--json")
    assert r.exit_code == 0
    obj = one_json(r)
    assert obj["value"] == "inf" and obj["gradients"]["x"] == "-inf"
    assert "warning" in r.stderr and "column 2" in r.stderr


def test_wrt_limits_the_gradients():
    obj = one_json(
        invoke("eval", "x*y + z", "--x", "2", "--y", "3", "--z", "1", "--wrt", "z,x", "--json")
    )
    assert obj["gradients"] == {"x": 3.0, "z": 1.0}


def test_table_on_a_terminal(monkeypatch):
    monkeypatch.setattr(cli, "stdout_is_tty", lambda: True)
    r = invoke("eval", "(a + b^3) * c", "--a", "7", "--b", "3", "--c", "2")
    assert r.exit_code == 0
    assert BOX & set(r.stdout)
    assert "68" in r.stdout and "54" in r.stdout and "(output)" in r.stdout


def test_json_wins_over_the_terminal(monkeypatch):
    monkeypatch.setattr(cli, "stdout_is_tty", lambda: True)
    obj = one_json(invoke("eval", "x", "--x", "1", "--json"))
    assert obj["value"] == 1.0


def test_no_color(monkeypatch):
    monkeypatch.setattr(cli, "stdout_is_tty", lambda: True)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    coloured = invoke("check", "x^2", "--x", "3")
    assert ANSI_COLOUR.search(coloured.stdout), "FORCE_COLOR should give colour codes"
    monkeypatch.setenv("NO_COLOR", "1")
    plain = invoke("check", "x^2", "--x", "3")
    assert plain.exit_code == 0
    assert BOX & set(plain.stdout)
    assert not ANSI_COLOUR.search(plain.stdout)
    assert "\x1b" not in plain.stderr


def test_rich_is_not_needed_for_plain_output(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "rich", None)  # any rich import would now fail
    monkeypatch.setitem(sys.modules, "rich.console", None)
    monkeypatch.setitem(sys.modules, "rich.table", None)
    r = invoke("check", "(a + b) * c", "--a", "7", "--b", "3", "--c", "2")
    assert r.exit_code == 0 and r.stdout.startswith("variable\tbackprop")
    assert one_json(invoke("eval", "x", "--x", "1", "--json"))["value"] == 1.0


# -- help, version, no arguments ---------------------------------------------------------------
def test_group_without_arguments_shows_help():
    r = invoke()
    assert r.exit_code == 0
    assert "Usage: exprgrad" in r.stdout and "eval" in r.stdout and "check" in r.stdout


@pytest.mark.parametrize("command", ["eval", "check"])
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_shows_examples(command, flag):
    r = invoke(command, flag)
    assert r.exit_code == 0
    assert "Examples:" in r.stdout and f"exprgrad {command} " in r.stdout
    assert "--NAME VALUE" in r.stdout


def test_check_help_documents_the_defaults():
    r = invoke("check", "--help")
    for d in ("1e-06", "1e-05", "1e-08"):
        assert d in r.stdout


def test_version():
    r = invoke("--version")
    assert r.exit_code == 0 and r.stdout.strip() == f"exprgrad {exprgrad.__version__}"


def test_main_returns_the_exit_code(capsys):
    assert cli.main(["eval", "x", "--x", "2", "--json"]) == 0
    assert strict_loads(capsys.readouterr().out)["value"] == 2.0
    assert cli.main(["eval", "x +"]) == 2
    assert cli.main(["check", "exp(x)", "--x", "1", "--eps", "1", "--rtol", "0"]) == 1


# -- internal errors and Ctrl-C ------------------------------------------------------------------
def _boom(*_a, **_k):
    raise RuntimeError("boom")


def test_internal_error_exit_70_without_traceback(monkeypatch):
    monkeypatch.delenv("EXPRGRAD_DEBUG", raising=False)
    monkeypatch.setattr(exprgrad.analysis.expression.Expression, "gradients", _boom)
    r = invoke("eval", "x", "--x", "1")
    assert r.exit_code == 70
    assert "internal error" in r.stderr and "EXPRGRAD_DEBUG=1" in r.stderr
    assert "Traceback" not in r.stderr
    obj = one_json(invoke("eval", "x", "--x", "1", "--json"))
    assert obj["error"]["type"] == "internal" and obj["expression"] == "x"


def test_internal_error_traceback_with_debug(monkeypatch):
    monkeypatch.setenv("EXPRGRAD_DEBUG", "1")
    monkeypatch.setattr(exprgrad.analysis.expression.Expression, "gradients", _boom)
    r = invoke("eval", "x", "--x", "1")
    assert r.exit_code == 70
    assert "Traceback" in r.stderr and "RuntimeError: boom" in r.stderr


def test_ctrl_c_exit_130(monkeypatch):
    def interrupted(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(exprgrad.analysis.expression.Expression, "gradients", interrupted)
    r = invoke("eval", "x", "--x", "1")
    assert r.exit_code == 130
    assert "Traceback" not in r.stderr


# -- arrays and the batch hand-over ----------------------------------------------------------------
def test_array_output_without_gradients_prints_the_note():
    r = invoke("eval", "2 * w", "--w", "[1, 2]", "--json")
    assert r.exit_code == 0, r.output
    obj = one_json(r)
    assert obj["value"] == [2.0, 4.0] and "gradients" not in obj and obj["note"]
    plain = invoke("eval", "2 * w", "--w", "[1, 2]")
    assert plain.stdout.splitlines()[1] == "(output)\t[2, 4]\t"
    assert "scalar" in plain.stderr
    grads = one_json(invoke("eval", "sum(w * w)", "--w", "[1, 2]", "--json"))
    assert grads["gradients"] == {"w": [2.0, 4.0]}


def test_batch_handover(monkeypatch):
    from exprgrad.cli import statements as batch

    seen = {}

    def fake_run_cli(**kw):
        seen.update(kw)
        kw["stdout"].write("batch ran\n")
        return 1

    monkeypatch.setattr(batch, "run_cli", fake_run_cli)
    r = invoke("check", "--b", "-3", "--var", "c=2", "--eps", "1e-3", "--json", input="b * c\n")
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
    r = invoke("eval", "-f", str(f))
    assert r.exit_code == 0 and seen["filename"] == str(f)
    missing = invoke("eval", "-f", str(tmp_path / "missing.expr"), "--json")
    assert missing.exit_code == 2
    assert one_json(missing)["error"]["type"] == "io"


def test_no_expr_on_a_terminal_prints_usage(monkeypatch):
    monkeypatch.setattr(cli, "_stdin_is_tty", lambda: True)
    r = invoke("eval", "--x", "1")
    assert r.exit_code == 2
    assert "Usage:" in r.stderr and "missing EXPR" in r.stderr


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
    r = invoke(*args)
    assert r.exit_code == 2
    assert f"{opt} needs a value" in r.output


def test_unbound_name_of_an_option_is_bound_with_var():
    r = invoke("check", "eps*x", "--x", "1")
    assert r.exit_code == 2
    assert "--var eps=VALUE" in r.output and "--eps VALUE" not in r.output
    r = invoke("check", "eps*x", "--x", "1", "--var", "eps=2", "--json")
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
    r = invoke("check", "x^2", "--x", "1", *args, "--json")
    assert r.exit_code == 2
    assert one_json(r)["error"]["type"] == "binding"


def test_negative_seed_is_bad_input_not_a_crash():
    r = invoke("check", "sum(x^2)", "--x", "[1, 2]", "--seed", "-1")
    assert r.exit_code == 2 and "--seed" in r.output


def test_a_kink_never_hides_a_nan():
    r = invoke("check", "abs(x) + sqrt(x)", "--x", "0", "--json")
    row = one_json(r)["checks"][0]
    assert row["kink"] and row["numeric"] == "nan"
    assert row["ok"] is False and r.exit_code == 1


def test_wrt_repeated_and_comma_separated_add_up():
    base = ("eval", "a*b + c", "--a", "1", "--b", "2", "--c", "3", "--json")
    obj = one_json(invoke(*base, "--wrt", "a", "--wrt", "c"))
    assert obj["gradients"] == {"a": 2.0, "c": 1.0}
    obj = one_json(invoke(*base, "--wrt", "c,b", "--wrt", "a"))
    assert obj["gradients"] == {"a": 2.0, "b": 1.0, "c": 1.0}


def test_missing_array_file_is_an_io_error():
    r = invoke("eval", "sum(x)", "--x", "@/nonexistent/x.csv", "--json")
    assert r.exit_code == 2 and one_json(r)["error"]["type"] == "io"


def test_overflowing_literals_and_nan_from_infinities_are_warned():
    r = invoke("eval", "1e999 - 1e999", "--json")
    warnings = one_json(r)["warnings"]
    assert warnings[:2] == [
        "number at column 1 is too large for a float: inf",
        "number at column 9 is too large for a float: inf",
    ]
    assert "- at column 7 gave nan" in warnings
    r = invoke("eval", "x*0", "--x", "inf", "--json")
    assert one_json(r)["warnings"] == ["* at column 2 gave nan"]
    r = invoke("eval", "x + 1", "--x", "inf", "--json")  # inf carried along: nothing new to say
    assert one_json(r)["warnings"] == []


# -- review fixes: array data, seeds, element rows ----------------------------------------------
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
    r = invoke("eval", "sum(w)", "--w", f"@{fname}", "--json")
    if words is None:  # too large for a float: inf, as --x 1e999
        assert r.exit_code == 0 and one_json(r)["value"] == "inf"
        return
    assert r.exit_code == 2, r.output
    err = one_json(r)["error"]
    assert err["type"] == "binding" and err["message"].startswith(f"--w: {words}")


@pytest.mark.parametrize("digits", [400, 5000])
def test_long_integers_inline_are_inf_not_an_internal_error(digits):
    r = invoke("eval", "sum(w)", "--w", "[1" + "0" * digits + ", 2]", "--json")
    assert r.exit_code == 0, r.output
    assert one_json(r)["value"] == "inf"


def test_inline_inf_and_nan_read_back_what_exprgrad_prints():
    r = invoke("eval", "sum(w * 0)", "--w", "[inf, 1, -inf]", "--json")
    assert r.exit_code == 0, r.output
    obj = one_json(r)
    assert obj["value"] == "nan"
    assert obj["warnings"] == ["* at column 7 gave nan in 2 of 3 values"]
    assert "warning: * at column 7 gave nan in 2 of 3 values" in r.stderr
    r = invoke("eval", "sum(w - w)", "--w", "[Infinity, 1]", "--json")
    assert one_json(r)["warnings"] == ["- at column 7 gave nan in 1 of 2 values"]


def test_directional_check_shows_its_seed_for_a_replay():
    args = ("check", "sum(W @ v)", "--W", "[[1, 2], [3, 4]]", "--v", "[1, -1]", "--directional")
    first = one_json(invoke(*args, "--json"))
    seed = first["seed"]
    assert isinstance(seed, int) and seed >= 0
    again = one_json(invoke(*args, "--seed", str(seed), "--json"))
    assert again["seed"] == seed and again["checks"] == first["checks"]
    assert "seed" not in one_json(invoke("check", "x^2", "--x", "3", "--json"))
    assert "seed" not in one_json(invoke("check", "sum(w^2)", "--w", "[1, 2]", "--json"))


def test_array_check_tsv_names_each_element():
    r = invoke("check", "sum(w^2)", "--w", "[1, 2]")
    assert r.exit_code == 0
    assert r.stdout.splitlines()[0] == "\t".join(results.CHECK_HEADER)
    assert [ln.split("\t")[0] for ln in r.stdout.splitlines()[1:]] == ["w[0]", "w[1]"]
