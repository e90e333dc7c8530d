"""Test layer: the toolbox as a user runs it (issue 10) -- the softmax loss and integer inputs on
the command line, ``e`` bound or not, arrays in statement files (relative ``@paths`` are relative
to the file), ``e`` in files, and the warnings where numbers go wrong (overflowing bindings,
non-finite gradients, a vector broadcast against a column, a one-column CSV read as a vector), on
stderr and in JSON.

Mostly through Click's CliRunner (``invoke``); a few real runs of the installed ``exprgrad`` from
another working directory (``needs_exe``).  The API-level tests are in tests/test_toolbox.py.
Imports: stdlib, pytest, numpy, exprgrad, conftest.
"""

from __future__ import annotations

import subprocess

import pytest
from conftest import EXE, invoke, needs_exe, one_json, strict_loads

LOSS = "-(p[k] - log(sum(exp(p))))"


def jsonl(text: str) -> list[dict]:
    return [strict_loads(line) for line in text.splitlines()]


# -- one expression ------------------------------------------------------------------------------
def test_softmax_loss_on_the_command_line():
    res = invoke("eval", LOSS, "--p", "[1000, -1000, 3]", "--k", "1", "--json")
    assert res.exit_code == 0, res.stderr
    obj = one_json(res)
    assert obj["value"] == 2000.0 and obj["gradients"] == {"p": [1.0, -1.0, 0.0]}
    assert obj["warnings"] == [] and res.stderr == ""
    res = invoke("check", LOSS, "--p", "[1, 2, 3]", "--k", "2", "--json")
    obj = one_json(res)
    assert res.exit_code == 0 and obj["ok"]
    assert [(c["variable"], c["index"]) for c in obj["checks"]] == [
        ("p", [0]),
        ("p", [1]),
        ("p", [2]),
    ]
    res = invoke(
        "eval",
        "-mean(pick(log_softmax(P, 1), y))",
        "--P",
        "[[1000, 2, 3], [3, 2, -1000]]",
        "--y",
        "[2, 0]",
        "--json",
    )
    obj = one_json(res)
    assert obj["value"] == pytest.approx(498.6566308437591, rel=1e-15)
    assert list(obj["gradients"]) == ["P"]


@pytest.mark.parametrize(
    "args, words, column",
    [
        (["--k", "1.5"], "k must be a whole number (an index at column 4), got 1.5", 4),
        (["--k", "3"], "index 3 is out of range for a vector of 3 (0 to 2, or -3 to -1", 4),
    ],
)
def test_bad_index_values_exit_2_with_the_spot(args, words, column):
    res = invoke("eval", LOSS, "--p", "[1, 2, 3]", *args, "--json")
    assert res.exit_code == 2
    err = one_json(res)["error"]
    assert words in err["message"] and err["column"] == column
    assert err["type"] == ("binding" if "whole" in words else "shape")
    assert f"{LOSS}\n     ^" in res.stderr  # the caret under '['


def test_wrt_an_integer_input_is_refused():
    res = invoke("eval", "p[k]", "--p", "[1, 2]", "--k", "0", "--wrt", "k")
    assert res.exit_code == 2
    assert "--wrt names 'k', an integer input (an index or labels): it gets no gradient" in (
        res.stderr
    )


def test_e_on_the_command_line():
    obj = one_json(invoke("eval", "e^x", "--x", "1", "--json"))
    assert obj["value"] == 2.718281828459045 and obj["gradients"] == {"x": 2.718281828459045}
    obj = one_json(invoke("eval", "(a + b) * e", "--a", "1", "--b", "2", "--e", "3", "--json"))
    assert obj["gradients"] == {"a": 3.0, "b": 3.0, "e": 3.0}  # bound: a variable, as before
    obj = one_json(invoke("eval", "e * x", "--var", "e=2", "--x", "5", "--json"))
    assert obj["value"] == 10.0 and obj["gradients"] == {"e": 5.0, "x": 2.0}
    res = invoke("check", "e^x", "--x", "1", "--json")
    assert res.exit_code == 0 and [c["variable"] for c in one_json(res)["checks"]] == ["x"]
    res = invoke("eval", "e^x", "--x", "1", "--wrt", "e")
    assert res.exit_code == 2 and "here e is Euler's number" in res.stderr
    res = invoke("eval", "ln(x)", "--x", "1")
    assert res.exit_code == 2 and "unknown function 'ln' (did you mean 'log'?)" in res.stderr


def test_max_kink_in_the_check_table():
    res = invoke("check", "(a + max(b, 0)) * c", "--a", "7", "--b", "0", "--c", "2")
    assert res.exit_code == 0
    row = res.stdout.splitlines()[2].split("\t")
    assert row[:2] == ["b", "1"] and row[5] == "true"
    assert row[6].startswith("max at column 6: its inputs are equal; max has a kink where x = y")


# -- warnings where numbers go wrong ------------------------------------------------------------
@pytest.mark.parametrize(
    "value, warning",
    [
        ("1e400", "x: 1e400 is too large for a float: inf"),
        ("-1e400", "x: -1e400 is too large for a float: -inf"),
        ("9" * 400, "x: 999999999999… (400 digits) is too large for a float: inf"),
        ("[1e400, 2]", "x: 1e400 is too large for a float: inf"),
        ("[[1e999, -1e999]]", "x: 2 numbers are too large for a float: ±inf (the first: 1e999)"),
    ],
)
def test_an_overflowing_binding_is_warned_about(value, warning):
    res = invoke("eval", "x[0]" if "[[" in value else "sum(x)", "--x", value, "--json")
    assert res.exit_code == 0
    assert one_json(res)["warnings"] == [warning]
    assert f"exprgrad: warning: {warning}" in res.stderr


def test_spelled_infinities_and_files_overflow_like_literals(tmp_path):
    assert one_json(invoke("eval", "x", "--x", "inf", "--json"))["warnings"] == []
    assert one_json(invoke("eval", "x[1]", "--x", "[inf, -Infinity]", "--json"))["warnings"] == []
    (tmp_path / "x.csv").write_text("1,1e400\n2,inf\n")
    obj = one_json(invoke("eval", "sum(X)", "--X", f"@{tmp_path / 'x.csv'}", "--json"))
    assert obj["warnings"] == ["X: 1e400 is too large for a float: inf"]
    (tmp_path / "x.json").write_text("[1, " + "7" * 320 + "]")
    obj = one_json(invoke("eval", "sum(X)", "--X", f"@{tmp_path / 'x.json'}", "--json"))
    assert obj["warnings"] == ["X: 777777777777… (320 digits) is too large for a float: inf"]


def test_a_gradient_that_is_not_finite_names_its_node():
    obj = one_json(invoke("eval", "sqrt(x) * 2", "--x", "0", "--json"))
    assert obj["gradients"] == {"x": "inf"}
    assert obj["warnings"] == [
        "sqrt at column 1 sent gradient inf to x (its local derivative at x = 0 is not finite)"
    ]
    obj = one_json(invoke("eval", "sum((x + 1)^0.5)", "--x", "[-1, 0, 3]", "--json"))
    assert obj["warnings"] == [
        "^ at column 12 sent gradient inf in 1 of 3 values to its input (its local derivative is "
        "not finite)"
    ]
    # an infinite input, or a value that already is inf, is the forward warnings' to explain
    assert one_json(invoke("eval", "sqrt(x)", "--x", "inf", "--json"))["warnings"] == []
    assert one_json(invoke("eval", "1/x", "--x", "0", "--json"))["warnings"] == [
        "/ at column 2 gave inf"
    ]
    obj = one_json(invoke("check", "sqrt(x)", "--x", "0", "--json"))
    assert obj["warnings"][0].startswith("sqrt at column 1 sent gradient inf to x")


def test_a_vector_against_a_column_is_warned_about():
    args = ["--X", "[[1, 2], [3, 4], [5, 6]]", "--w", "[1, 1]"]
    res = invoke("eval", "mean((X @ w - y)^2)", *args, "--y", "[[1], [2], [3]]", "--json")
    assert one_json(res)["warnings"] == [
        "- at column 13: the result of @ at column 9 is a vector (3,) and y a column (3, 1): "
        "they broadcast to a (3, 3) matrix, every row against every row (for one value per row "
        "make both vectors, or both columns)"
    ]
    res = invoke("eval", "mean((X @ w - y)^2)", *args, "--y", "[1, 2, 3]", "--json")
    assert one_json(res)["warnings"] == []
    res = invoke("eval", "sum(u * v)", "--u", "[1, 2]", "--v", "[[1], [2], [3]]", "--json")
    assert one_json(res)["warnings"] == []  # (2,) with (3, 1): an outer product, not this bug


def test_a_one_column_csv_read_as_a_vector_is_named_in_the_shape_error(tmp_path):
    (tmp_path / "X.csv").write_text("x\n1\n2\n3\n")
    res = invoke("eval", "sum(X @ w)", "--X", f"@{tmp_path / 'X.csv'}", "--w", "[2]", "--json")
    assert res.exit_code == 2
    err = one_json(res)["error"]
    assert err["type"] == "shape" and err["column"] == 7
    assert err["message"] == (
        f"@ at column 7: shapes (3,) and (1,) do not align; X was read from {tmp_path / 'X.csv'} "
        "as a vector of 3 (a one-column CSV file gives a vector, shape (3,))"
    )
    res = invoke("eval", "sum(X @ w)", "--X", "[1, 2, 3]", "--w", "[2]", "--json")
    assert "was read from" not in one_json(res)["error"]["message"]  # typed inline: no note


# -- statement files ----------------------------------------------------------------------------
REGRESSION = """\
# linear regression; the data sit next to this file
X = @data/X.csv
y = @data/y.csv
w = [0.5, -1]
mean((X @ w - y)^2)
Z = [[1, 2], [3, 4]]
sum(Z * Z)
"""


def _regression(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "X.csv").write_text("1,2\n3,4\n5,6\n")
    (tmp_path / "data" / "y.csv").write_text("y\n1\n0\n2\n")
    (tmp_path / "fit.expr").write_text(REGRESSION)
    return tmp_path / "fit.expr"


def _regression_expected(objs):
    assert [o.get("name") for o in objs] == ["X", "y", "w", None, "Z", None]
    assert objs[0]["value"] == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    assert objs[3]["value"] == 14.25 and objs[3]["gradients"]["w"] == [-25.0, -32.0]
    assert objs[5]["value"] == 30.0 and objs[5]["gradients"] == {"Z": [[2.0, 4.0], [6.0, 8.0]]}
    assert all("error" not in o for o in objs)


def test_arrays_in_a_file_relative_to_the_file(tmp_path):
    path = _regression(tmp_path)  # the working directory is not tmp_path
    res = invoke("eval", "-f", str(path), "--json")
    assert res.exit_code == 0, res.stderr
    _regression_expected(jsonl(res.stdout))
    res = invoke("check", "-f", str(path), "--json")
    assert res.exit_code == 0 and all(o["ok"] for o in jsonl(res.stdout))


@needs_exe
def test_arrays_in_a_file_from_another_directory_and_from_stdin(tmp_path):
    _regression(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.run(
        [str(EXE), "eval", "-f", "../fit.expr", "--json"],
        capture_output=True, text=True, cwd=elsewhere, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    _regression_expected(jsonl(proc.stdout))
    # stdin has no directory: its paths are relative to the working directory
    proc = subprocess.run(
        [str(EXE), "eval", "--json"],
        input=REGRESSION, capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    _regression_expected(jsonl(proc.stdout))
    proc = subprocess.run(
        [str(EXE), "eval", "--json"],
        input=REGRESSION, capture_output=True, text=True, cwd=elsewhere, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "cannot read data/X.csv: No such file or directory" in proc.stderr


def test_bad_array_definitions_stay_on_their_line():
    text = "X = [[1, 2], [3]]\nY = @nope.csv\nZ = [1, 2\nW = [1e400, 2]\nsum(W)\nsum(X)\n"
    res = invoke("eval", "--json", input=text)
    assert res.exit_code == 2
    objs = jsonl(res.stdout)
    assert [o["line"] for o in objs] == [1, 2, 3, 4, 5, 6]
    assert objs[0]["error"] == {
        "type": "binding",
        "message": "X: row 2 has 1 number, row 1 has 2 (rows must have equal lengths)",
        "column": 5,
    }
    assert objs[1]["error"]["type"] == "io" and objs[1]["name"] == "Y"
    assert "not a valid array" in objs[2]["error"]["message"]
    assert objs[3]["warnings"] == ["W: 1e400 is too large for a float: inf"]
    assert objs[4]["value"] == "inf" and objs[4]["warnings"] == objs[3]["warnings"]
    assert "defined on line 1, but that definition failed" in objs[5]["error"]["message"]
    assert "<stdin>:1:5: X: row 2 has 1 number" in res.stderr  # no --X: it is not a binding


def test_array_definitions_follow_the_input_rules():
    text = "pi = [1, 2]\nv = [1, 2]\nv = [3, 4, 5]\nsum(v)\nd = v * 2\nd = [1]\n"
    objs = jsonl(invoke("eval", "--json", input=text).stdout)
    assert "pi is a built-in constant" in objs[0]["error"]["message"]
    assert objs[3]["value"] == 12.0  # the second definition reset the default
    assert "already defined on line 5" in objs[5]["error"]["message"]
    res = invoke("eval", "--json", "--v", "[10, 20]", input="v = [1, 2]\nsum(v)\n")
    objs = jsonl(res.stdout)
    assert objs[0]["value"] == [10.0, 20.0] and objs[0]["default"] == [1.0, 2.0]
    assert objs[1]["value"] == 30.0


def test_an_overflowing_binding_is_warned_about_on_every_line_that_uses_it():
    res = invoke("eval", "--json", "--x", "1e400", input="x + 1\ny = 2\ny * 3\nx * y\n")
    objs = jsonl(res.stdout)
    warning = "x: 1e400 is too large for a float: inf"
    assert [o["warnings"] for o in objs] == [[warning], [], [], [warning]]


def test_a_binding_that_overrides_an_overflowing_default_is_not_warned_about():
    res = invoke("eval", "--json", "--W", "[1, 2]", input="W = [1e400, 2]\nsum(W)\n")
    objs = jsonl(res.stdout)
    assert objs[0]["warnings"] == ["W: 1e400 is too large for a float: inf"]  # its own line
    assert objs[1]["value"] == 3.0 and objs[1]["warnings"] == []


def test_e_in_statement_files():
    # unbound: Euler's number; a definition makes it a variable from there on
    text = "x = 1\ne^x\ne = 2\ne^x\ne * x\n"
    objs = jsonl(invoke("eval", "--json", input=text).stdout)
    assert objs[1]["value"] == 2.718281828459045 and objs[1]["gradients"] == {
        "x": 2.718281828459045
    }
    assert objs[2]["name"] == "e" and objs[2]["value"] == 2.0
    assert objs[3]["value"] == 2.0 and objs[3]["gradients"] == {
        "e": 1.0,
        "x": pytest.approx(1.3862943611198906),
    }
    assert objs[4]["gradients"] == {"e": 1.0, "x": 2.0}
    # a binding makes it a variable on every line
    objs = jsonl(invoke("eval", "--json", "--e", "3", input="e * 2\n").stdout)
    assert objs[0]["value"] == 6.0 and objs[0]["gradients"] == {"e": 2.0}
    # the lecture's node names: e = c * d is an intermediate
    text = "a = 7\nb = 3\nc = a + b\nd = b^3\ne = c * d\ne\n"
    objs = jsonl(invoke("eval", "--json", input=text).stdout)
    assert objs[5]["value"] == 270.0 and objs[5]["gradients"] == {"a": 27.0, "b": 297.0}
    # a definition that read e as the constant must not change meaning later
    res = invoke("eval", "--json", input="x = 1\ny = e * x\ne = 2\ny\n")
    objs = jsonl(res.stdout)
    assert res.exit_code == 2 and objs[2]["error"]["message"] == (
        "cannot define 'e': the definition on line 2 reads e as Euler's number "
        "(2.718281828459045); define e before the lines that use it"
    )
    assert objs[3]["value"] == 2.718281828459045


def test_integer_inputs_in_statement_files():
    text = "P = [[1, 2, 3], [3, 2, 1]]\nlabels = [2, 0]\nmean(logsumexp(P, 1) - pick(P, labels))\n"
    res = invoke("check", "--json", input=text)
    objs = jsonl(res.stdout)
    assert res.exit_code == 0 and objs[2]["ok"]
    assert {c["variable"] for c in objs[2]["checks"]} == {"P"}
    res = invoke("eval", "--json", "--wrt", "labels", input=text)
    assert res.exit_code == 2
    assert "--wrt names 'labels', an integer input (an index or labels)" in res.stderr
    res = invoke("eval", "--json", input="p = [1, 2]\nk = 0.5\np[k]\n")
    err = jsonl(res.stdout)[2]["error"]
    assert err == {
        "type": "binding",
        "message": "k must be a whole number (an index at column 2), got 0.5",
        "column": 2,
    }


def test_fused_definitions_in_files():
    text = "z = 1000\ns = sigmoid(-z)\nl = log(s)\nl\nlog(1 - s)\n"
    objs = jsonl(invoke("eval", "--json", input=text).stdout)
    assert objs[2]["value"] == -1000.0 and objs[2]["warnings"] == []
    assert objs[3]["value"] == -1000.0 and objs[3]["gradients"] == {"z": -1.0}
    assert objs[4]["value"] == -0.0 and objs[4]["warnings"] == []
