"""Test layer: analysis and cli -- expression files and pipes (exprgrad/analysis/statements.py run
by exprgrad/cli/statements.py, issue 3).

Most tests call ``exprgrad.cli.statements.run_cli`` with in-memory streams; a few go through Click's
CliRunner (``eval -f``), and a few run the installed ``exprgrad`` command in a subprocess
(streaming: line 1's result is read before line 2 is written; ``| head``; deep and huge input
through stdin; these FAIL instead of skipping when ``EXPRGRAD_REQUIRE_EXE=1``).  Every JSON line
is parsed strictly.  Imports: stdlib, pytest, click, exprgrad, conftest (``EXE``, ``needs_exe``,
``REPO``, ``SCALAR_ROWS``, ``strict_loads``).
"""

from __future__ import annotations

import io
import os
import random
import select
import signal
import subprocess
import time

import pytest
from click.testing import CliRunner
from conftest import EXE, REPO, SCALAR_ROWS, needs_exe, strict_loads

import exprgrad
from exprgrad.analysis import statements as batch
from exprgrad.cli import check as check_command
from exprgrad.cli import eval as eval_command
from exprgrad.cli import main as cli
from exprgrad.cli.statements import run_cli

#: what each command does per statement
STREAMS = {"eval": eval_command.stream(), "check": check_command.stream()}

LECTURE = REPO / "examples" / "lecture.expr"


def jsonl(text: str) -> list[dict]:
    """Every line of ``text`` as a strictly parsed JSON object."""
    out = []
    for line in text.splitlines():
        obj = strict_loads(line)
        assert isinstance(obj, dict)
        out.append(obj)
    return out


def run(
    text: str | bytes,
    *,
    command: str = "eval",
    bindings: dict | None = None,
    json_: bool = True,
    tty: bool = False,
    filename: str = "f.expr",
    **options,
) -> tuple[int, str, str]:
    data = text.encode() if isinstance(text, str) else text
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(
        STREAMS[command],
        io.BytesIO(data),
        filename,
        dict(bindings or {}),
        {"json": json_, **options},
        out,
        err,
        tty,
    )
    return code, out.getvalue(), err.getvalue()


def by_line(objs: list[dict]) -> dict[int, dict]:
    return {o["line"]: o for o in objs}


# -- the lecture file ---------------------------------------------------------------------------
def test_lecture_file_reproduces_the_slides():
    code, out, err = run(LECTURE.read_bytes(), filename=str(LECTURE))
    assert code == 0, err
    assert err == ""
    exprs = [o for o in jsonl(out) if "name" not in o]
    got = [(o["expression"], o["value"], o["gradients"]) for o in exprs]
    assert got == [
        ("(a + b) * c", 20, {"a": 2, "b": 2, "c": 10}),
        ("(a + b^3) * c", 68, {"a": 2, "b": 54, "c": 34}),
        ("(a + relu(b)) * c", 20, {"a": 2, "b": 2, "c": 10}),
        ("(a + relu(b)) * c", 14, {"a": 2, "b": 0, "c": 7}),
        ("(a + b) * b^3", 270, {"a": 27, "b": 297}),
    ]
    inputs = [(o["name"], o["value"]) for o in jsonl(out) if "name" in o]
    assert inputs == [("a", 7), ("b", 3), ("c", 2), ("b", -3), ("b", 3)]


def test_lecture_file_through_click_eval_and_check():
    runner = CliRunner()
    res = runner.invoke(cli.cli, ["eval", "-f", str(LECTURE), "--json"], prog_name="exprgrad")
    assert res.exit_code == 0, res.output
    values = [o["value"] for o in jsonl(res.stdout) if "gradients" in o]
    assert values == [20, 68, 20, 14, 270]
    res = runner.invoke(cli.cli, ["check", "-f", str(LECTURE), "--json"], prog_name="exprgrad")
    assert res.exit_code == 0, res.output
    objs = jsonl(res.stdout)
    assert all(o["ok"] is True for o in objs)
    assert sum(len(o["checks"]) for o in objs) == 3 + 3 + 3 + 3 + 2


def test_plain_output_is_tsv_with_a_header():
    code, out, err = run(LECTURE.read_bytes(), json_=False)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "line\tname\tvalue\tvariable\tgradient\terror"
    rows = [line.split("\t") for line in lines[1:]]
    assert all(len(r) == 6 for r in rows)
    assert ["8", "a", "7", "", "", ""] in rows
    assert ["13", "", "68", "b", "54", ""] in rows
    assert ["20", "", "270", "b", "297", ""] in rows
    code, out, _ = run("x = 2\nx^2\n", command="check", json_=False)
    header, *rows = (line.split("\t") for line in out.splitlines())
    assert header[:4] == ["line", "name", "value", "variable"] and "ok" in header
    assert rows[-1][:5] == ["2", "", "4", "x", "4"] and rows[-1][header.index("ok")] == "true"


def test_terminal_rows_go_through_rich():
    code, out, err = run("a = 2\nd = a * a\nd + 1\n", tty=True, json_=False)
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 3
    assert "input a = 2" in lines[0]
    assert "∂d/∂a = 4" in lines[1]
    assert "= 5" in lines[2] and "∂f/∂a = 4" in lines[2]


# -- statements and definitions ----------------------------------------------------------------
def test_broken_middle_line_keeps_first_and_last_results():
    code, out, err = run("a * 2\n(a + ) * 3\na * 4\n", bindings={"a": "5"})
    assert code == 2
    objs = jsonl(out)
    assert [o["line"] for o in objs] == [1, 2, 3]
    assert objs[0]["value"] == 10 and objs[2]["value"] == 20
    assert objs[1]["error"]["type"] == "syntax" and objs[1]["error"]["column"] == 6
    lines = err.splitlines()
    assert lines[0].startswith("f.expr:2:6: unexpected ')'")
    assert lines[1].strip() == "(a + ) * 3"
    assert lines[2].index("^") == lines[1].index(")")


def test_numbering_counts_comments_and_blank_lines_crlf_and_bom():
    text = b"\xef\xbb\xbf# header\r\n\r\na = 1   # an input\r\n   \r\na * 3\r\n"
    code, out, err = run(text)
    assert code == 0, err
    objs = jsonl(out)
    assert [(o["line"], o["expression"]) for o in objs] == [(3, "a = 1"), (5, "a * 3")]
    assert objs[1]["value"] == 3


def test_a_definition_used_twice_sums_both_paths():
    text = "a = 3\nb = 2\nd = a * b\nd * d + d\n"
    code, out, err = run(text)
    assert code == 0, err
    objs = by_line(jsonl(out))
    assert objs[3] == {
        "line": 3,
        "expression": "d = a * b",
        "name": "d",
        "value": 6,
        "gradients": {"a": 2, "b": 3},
        "warnings": [],
    }
    # f = d^2 + d: df/dd = 2d + 1 = 13; df/da = 13 * b, df/db = 13 * a
    assert objs[4]["value"] == 42
    assert objs[4]["gradients"] == {"a": 26, "b": 39}


def test_definitions_are_one_shared_node_and_expression_lines_free_their_nodes():
    b = batch.Statements(lambda compiled, values: compiled.result(values), {})
    b.run(1, "a = 3")
    b.run(2, "d = exp(a) * a")
    size = len(b.tape)
    node = b.tape.scope["d"]
    for i in range(200):
        r = b.run(3 + i, f"d + d * {i}")
        assert r.role == "expr"
    assert len(b.tape) == size  # memory grows with definitions, not lines
    assert b.tape.scope["d"] == node
    r = b.run(300, "e = d + 1")
    assert r.role == "def" and len(b.tape) > size


def test_repeated_input_definitions_reset_the_default():
    text = "b = 3\nrelu(b) * 2\nb = -3\nrelu(b) * 2\nb = 5\nb * 1\n"
    code, out, err = run(text)
    assert code == 0, err
    objs = by_line(jsonl(out))
    assert (objs[2]["value"], objs[2]["gradients"]) == (6, {"b": 2})
    assert (objs[4]["value"], objs[4]["gradients"]) == (0, {"b": 0})
    assert objs[6]["value"] == 5


def test_a_command_line_binding_overrides_every_default():
    text = "b = 3\nb * 2\nb = -3\nb * 2\n"
    code, out, err = run(text, bindings={"b": "10"})
    assert code == 0, err
    objs = jsonl(out)
    assert [o["value"] for o in objs] == [10, 20, 10, 20]
    assert objs[0]["default"] == 3 and objs[2]["default"] == -3


def test_definitions_see_the_current_defaults_nothing_stale():
    text = "a = 2\nd = a * a\nd + 0\na = 5\nd + 0\n"
    code, out, _ = run(text)
    objs = by_line(jsonl(out))
    assert (objs[3]["value"], objs[3]["gradients"]) == (4, {"a": 4})
    assert (objs[5]["value"], objs[5]["gradients"]) == (25, {"a": 10})


def test_check_re_evaluates_definitions_under_perturbation():
    # numeric d/da of d*b only matches 2ab if d is recomputed at a +- h
    text = "a = 3\nb = 2\nd = a * a\nd * b\n"
    code, out, err = run(text, command="check")
    assert code == 0, err
    last = jsonl(out)[-1]
    assert last["ok"] is True
    rows = {r["variable"]: r for r in last["checks"]}
    assert rows["a"]["backprop"] == 12 and abs(rows["a"]["numeric"] - 12) < 1e-6
    assert rows["b"]["backprop"] == 9 and abs(rows["b"]["numeric"] - 9) < 1e-6


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("a = 1\nd = a + 1\nd = a + 2\n", 3, "'d' is already defined on line 2"),
        ("a = 1\nd = d + a\n", 2, "uses the name itself"),
        ("a = 1\na = a + 1\n", 2, "it is an input (defined on line 1"),
        ("x = 1\ne = x * y\ny = x + 1\n", 3, "an earlier definition uses it as an input"),
        ("pi = 3\n", 1, "pi is a built-in constant"),
        ("a = 1\nd = a * q\nd + 1\n", 3, "'d' is defined on line 2, but that definition failed"),
    ],
)
def test_definition_errors_are_reported_on_their_line(text, line, message):
    code, out, err = run(text, bindings={"y": "1"} if "y" in text else None)
    assert code == 2
    errors = [o for o in jsonl(out) if "error" in o]
    assert any(o["line"] == line and message in o["error"]["message"] for o in errors), out
    assert f"f.expr:{line}:" in err


def test_a_failed_definition_can_be_defined_again():
    code, out, _ = run("a = 1\nd = a +\nd = a + 1\nd * 2\n")
    assert code == 2
    assert jsonl(out)[-1]["value"] == 4


def test_gradients_follow_order_of_appearance_through_definitions():
    code, out, _ = run("c = 1\nb = 2\na = 3\nd = b * c\na + d\n")
    assert list(jsonl(out)[-1]["gradients"]) == ["a", "b", "c"]


def test_unused_binding_is_reported_after_the_last_line():
    code, out, err = run("a = 1\na * 2\n", bindings={"a": "3", "aa": "1"})
    assert code == 2
    assert [o["value"] for o in jsonl(out)] == [3, 6]
    assert err.strip().splitlines()[-1].startswith("exprgrad: error: --aa is bound but no line")
    code, _, err = run("x * 2\n", bindings={"x": "1"}, wrt=["x", "y"])
    assert code == 2 and "--wrt names 'y'" in err


def test_wrt_limits_gradients_per_line():
    code, out, err = run("a * b\nb * 3\n", bindings={"a": "2", "b": "5"}, wrt=["b"])
    assert code == 0, err
    assert [o["gradients"] for o in jsonl(out)] == [{"b": 2}, {"b": 3}]


def test_bad_binding_value_stops_before_reading():
    code, out, err = run("a\n", bindings={"a": "seven"})
    assert code == 2
    assert [o["line"] for o in jsonl(out)] == [None]  # only the error object: no line was run
    assert "not a number" in err


# -- exit statuses -------------------------------------------------------------------------------
def test_exit_statuses():
    assert run("x = 2\nx^2\n", command="check")[0] == 0
    # a huge step makes the central difference of exp wrong: the check fails
    code, out, _ = run("x = 2\nexp(x)\n", command="check", eps=0.5)
    assert code == 1 and jsonl(out)[-1]["ok"] is False
    # bad input wins over a failed check
    assert run("x = 2\nexp(x)\n)\n", command="check", eps=0.5)[0] == 2
    assert run("y\n")[0] == 2  # unbound
    assert run("")[0] == 0


def test_ctrl_c_exits_130_after_flushing_earlier_results():
    class Interrupting(io.RawIOBase):
        def __init__(self):
            self.sent = False

        def readable(self):
            return True

        def readinto(self, buf):
            if self.sent:
                raise KeyboardInterrupt
            self.sent = True
            data = b"a = 1\na + 1\n"
            buf[: len(data)] = data
            return len(data)

    out, err = io.StringIO(), io.StringIO()
    code = run_cli(
        STREAMS["eval"],
        io.BufferedReader(Interrupting()),
        "<stdin>",
        {},
        {"json": True},
        out,
        err,
        False,
    )
    assert code == 130
    assert [o["value"] for o in jsonl(out.getvalue())] == [1, 2]
    assert "interrupted" in err.getvalue() and "Traceback" not in err.getvalue()


def test_closed_stdout_ends_quietly():
    class Closing(io.StringIO):
        def write(self, s):
            raise BrokenPipeError

    err = io.StringIO()
    code = run_cli(
        STREAMS["eval"], io.BytesIO(b"1\n2\n"), "x", {}, {"json": True}, Closing(), err, False
    )
    assert code == 0 and err.getvalue() == ""


# -- streams --------------------------------------------------------------------------------------
def test_a_huge_file_is_not_loaded_before_work_starts():
    """A virtual 1 GB file: the first results come after reading only a little of it."""

    class Huge(io.RawIOBase):
        size = 1 << 30

        def __init__(self):
            self.pos = 0

        def readable(self):
            return True

        def readinto(self, buf):
            n = min(len(buf), self.size - self.pos)
            line = b"(a + b^3) * c\n"
            chunk = (line * (n // len(line) + 1))[:n]
            buf[:n] = chunk
            self.pos += n
            return n

    raw = Huge()

    class Stop(io.StringIO):
        lines = 0

        def write(self, s):
            Stop.lines += s.count("\n")
            if Stop.lines > 3:
                raise BrokenPipeError
            return super().write(s)

    bindings = {"a": "7", "b": "3", "c": "2"}
    code = run_cli(
        STREAMS["eval"],
        io.BufferedReader(raw),
        "big",
        bindings,
        {"json": True},
        Stop(),
        io.StringIO(),
        False,
    )
    assert code == 0
    assert raw.pos < 1 << 20  # read well under 1 MB of the 1 GB


def test_linear_time_in_lines():
    """10x the lines costs about 10x the time (not more): each line costs its own nodes."""
    rng = random.Random(5)

    def make(n: int) -> bytes:
        out = ["a = 7", "b = 3", "c = 2"]
        for i in range(n):
            r = i % 10
            if r == 0:
                out.append(f"d{i} = a * {i} + b")
            elif r == 1:
                out.append(f"x{i} = {rng.random():.4f}")
            elif r == 2:
                out.append(f"d{i - 2} * x{i - 1} + c")
            else:
                out.append(f"(a + b^3) * c + {i}")
        return ("\n".join(out) + "\n").encode()

    def cost(data: bytes) -> float:
        t = time.process_time()
        code = run_cli(
            STREAMS["eval"],
            io.BytesIO(data),
            "x",
            {},
            {"json": True},
            io.StringIO(),
            io.StringIO(),
            False,
        )
        assert code == 0
        return time.process_time() - t

    small, big = make(10_000), make(100_000)
    t_small = min(cost(small) for _ in range(2))
    t_big = cost(big)
    assert t_big / t_small <= 13, (t_small, t_big)


# -- hostile input ------------------------------------------------------------------------------
def test_invalid_utf8_and_nul_are_clear_errors_on_their_line():
    code, out, err = run(b"a = 1\nb\xff = 2\nx\x00y\na + 1\n")
    assert code == 2
    objs = jsonl(out)
    assert objs[1]["error"]["type"] == "io" and "invalid UTF-8" in objs[1]["error"]["message"]
    assert objs[1]["error"]["column"] == 2
    assert objs[2]["error"]["column"] == 2 and "NUL" in objs[2]["error"]["message"]
    assert objs[3]["value"] == 2
    assert "f.expr:2:2: invalid UTF-8" in err and "f.expr:3:2: NUL" in err


def test_binary_garbage_stops_with_one_clear_message():
    rng = random.Random(1)
    data = bytes(rng.randrange(256) for _ in range(200_000))
    code, out, err = run(data)
    assert code == 2
    assert "Traceback" not in err
    assert len(jsonl(out)) <= 200
    assert "binary" in err


def test_a_10_mb_line_echoes_at_most_80_columns():
    line = "(a + " + "b" * 10_000_000 + " *"  # a 10 MB name, then the line ends too early
    code, out, err = run(line + "\na\n", bindings={"a": "1"})
    assert code == 2
    objs = jsonl(out)
    assert objs[0]["error"]["type"] == "syntax" and objs[1]["value"] == 1
    assert objs[0]["error"]["column"] == len(line) + 1
    head, src, caret = err.splitlines()[:3]
    assert len(src) <= 80 and len(caret) <= 80  # the echo of the 10 MB line
    assert len(err) < 1000
    assert head.startswith(f"f.expr:1:{len(line) + 1}: unexpected end of input")
    assert src.rstrip().endswith("b *") and caret.index("^") == len(src.rstrip())


def test_very_long_names_give_bounded_messages():
    name = "v" * 100_000
    code, out, err = run(f"{name} * 2\n{name}2 = {name} + 1\n")
    assert code == 2
    assert all(len(o["error"]["message"]) <= 300 for o in jsonl(out))
    assert all(len(x) <= 300 for x in err.splitlines())


def test_missing_file_and_directory_through_click(tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli.cli, ["eval", "-f", str(tmp_path / "nope.expr")], prog_name="exprgrad")
    assert res.exit_code == 2 and "no such file" in res.output
    res = runner.invoke(cli.cli, ["eval", "-f", str(tmp_path)], prog_name="exprgrad")
    assert res.exit_code == 2 and "directory" in res.output
    assert "Traceback" not in res.output


def test_stdin_through_click_is_json_lines_even_for_one_line():
    runner = CliRunner()
    res = runner.invoke(
        cli.cli, ["eval", "--json", "--x", "3"], input="x^2\n", prog_name="exprgrad"
    )
    assert res.exit_code == 0, res.output
    assert jsonl(res.stdout) == [
        {"line": 1, "expression": "x^2", "value": 9, "gradients": {"x": 6}, "warnings": []}
    ]
    res = runner.invoke(cli.cli, ["check", "-f", "-", "--json"], input="x = 1\nx^2\n")
    assert res.exit_code == 0 and jsonl(res.stdout)[-1]["ok"] is True


def test_non_finite_values_are_strings_in_json():
    code, out, err = run("x = 0\nlog(x)\n1/x - 1/x\n")
    assert code == 0
    objs = jsonl(out)
    assert objs[1]["value"] == "-inf" and objs[1]["gradients"] == {"x": "inf"}
    assert objs[2]["value"] == "nan"
    assert "f.expr:2: warning:" in err


# -- the installed command ------------------------------------------------------------------------
def _popen(*args: str) -> subprocess.Popen:
    env = dict(os.environ)
    env.pop("EXPRGRAD_DEBUG", None)
    return subprocess.Popen(
        [str(EXE), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


def _readline(proc: subprocess.Popen, timeout: float) -> bytes:
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, "no result within the time limit: output is not streamed"
    return proc.stdout.readline()


@needs_exe
@pytest.mark.skipif(os.name == "nt", reason="select() on pipes")
def test_streaming_each_result_comes_before_the_next_line_is_written():
    proc = _popen("eval", "--json", "--a", "7")
    try:
        proc.stdin.write(b"a * 2\n")
        proc.stdin.flush()
        first = strict_loads(_readline(proc, 20))
        assert first == {
            "line": 1,
            "expression": "a * 2",
            "value": 14,
            "gradients": {"a": 2},
            "warnings": [],
        }
        proc.stdin.write(b"a + 1\n")
        proc.stdin.flush()
        second = strict_loads(_readline(proc, 20))
        assert second["line"] == 2 and second["value"] == 8
        proc.stdin.close()
        assert proc.wait(20) == 0
    finally:
        proc.kill()
        proc.wait()


@needs_exe
def test_installed_command_reads_a_file_and_reports_errors(tmp_path):
    f = tmp_path / "mixed.expr"
    f.write_text("a = 7\n(a + ) * 2\na * 3\n")
    p = subprocess.run([str(EXE), "eval", "-f", str(f)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    rows = [line.split("\t") for line in p.stdout.splitlines()]
    assert rows[0] == ["line", "name", "value", "variable", "gradient", "error"]
    assert rows[1] == ["1", "a", "7", "", "", ""]
    assert rows[2][:5] == ["2", "", "", "", ""] and rows[2][5].startswith("syntax: unexpected ')'")
    assert rows[3] == ["3", "", "21", "a", "3", ""]
    assert f"{f}:2:6: unexpected ')'" in p.stderr and "Traceback" not in p.stderr


@needs_exe
def test_head_closing_the_pipe_is_quiet(tmp_path):
    f = tmp_path / "many.expr"
    f.write_text("a = 2\n" + "a * 3\n" * 50_000)
    p = subprocess.run(
        f"'{EXE}' eval --json -f '{f}' | head -n 2",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert len(p.stdout.splitlines()) == 2
    assert "Traceback" not in p.stderr and "Error" not in p.stderr


@needs_exe
def test_deep_and_huge_expressions_through_stdin():
    deep = "(" * 100_000 + "a" + ")" * 100_000 + "\n"
    p = subprocess.run(
        [str(EXE), "eval", "--json", "--a", "2"],
        input=deep.encode(),
        capture_output=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    assert jsonl(p.stdout.decode())[0]["gradients"] == {"a": 1}
    huge = "a" + " + a" * 1_250_000 + "\n"  # 5 MB
    p = subprocess.run(
        [str(EXE), "eval", "--json", "--a", "2"],
        input=huge.encode(),
        capture_output=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    obj = jsonl(p.stdout.decode())[0]
    assert obj["value"] == 2 * 1_250_001 and obj["gradients"] == {"a": 1_250_001}


@needs_exe
@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_ctrl_c_on_a_pipe_exits_130_without_traceback():
    proc = _popen("eval", "--json", "--a", "1")
    try:
        proc.stdin.write(b"a + 1\n")
        proc.stdin.flush()
        assert strict_loads(_readline(proc, 20))["value"] == 2  # running, waiting for line 2
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
        assert proc.returncode == 130
        assert b"Traceback" not in err
    finally:
        proc.kill()
        proc.wait()


def test_batch_lines_match_the_single_expression_api():
    """The batch's scalar fast path gives what ``Expression.gradients`` gives, for every op."""
    exprs = [op.example for op in SCALAR_ROWS]
    exprs += ["log(x - 0.7) * y", "x / (y - y)", "(x + y)^x * relu(y - x) + abs(x - 0.7)"]
    bindings = {"x": 0.7, "y": 1.3}
    for text in exprs:
        f = exprgrad.parse(text)
        want = f.gradients({k: v for k, v in bindings.items() if k in f.variables})
        code, out, _ = run(f"x = 0.7\ny = 1.3\n{text}\n")
        got = jsonl(out)[-1]
        assert got["expression"] == text
        assert got["value"] == _jsonish(want.value), text
        assert got["gradients"] == {k: _jsonish(v) for k, v in want.gradients.items()}, text
        assert got["warnings"] == [w.message for w in want.warnings], text


def _jsonish(x: float):
    return x if x - x == 0 else ("nan" if x != x else ("inf" if x > 0 else "-inf"))


def test_bad_binding_value_in_json_mode_writes_one_error_object():
    code, out, err = run("x^2\n", bindings={"x": "abc"})
    assert code == 2
    (obj,) = jsonl(out)
    assert obj["line"] is None and obj["error"]["type"] == "binding"
    assert "'abc' is not a number" in obj["error"]["message"] and "abc" in err
    code, out, _ = run("x^2\n", bindings={"x": "abc"}, json_=False)
    assert code == 2 and out == ""


# -- review fixes: array values under check, option validation, notes, warnings, names ------------
MLP = {
    "X": "[[0.5, -1.0, 2.0], [1.5, 0.3, -0.7], [-0.2, 0.8, 1.1], [0.9, -0.4, 0.6]]",
    "W": "[[0.1, -0.3, 0.5, 0.2], [0.7, 0.4, -0.6, 0.1], [-0.2, 0.9, 0.3, -0.5]]",
    "b": "[0.05, -0.1, 0.2, 0.0]",
    "v": "[0.3, -0.8, 0.5, 1.2]",
    "c": "0.25",
    "y": "[1.0, 0.0, -0.5, 2.0]",
}


def test_check_answers_an_array_valued_definition_like_eval():
    code, out, err = run("h = w * 2\nsum(h)\n", command="check", bindings={"w": "[1,2]"})
    assert code == 0, err
    first, second = jsonl(out)
    assert first["name"] == "h" and first["value"] == [2, 4]
    assert "scalar output" in first["note"] and "error" not in first
    assert first["ok"] is True and first["checks"] == []
    assert second["ok"] is True and [r["backprop"] for r in second["checks"]] == [2, 2]
    # an expression line with an array value: the same, not a failure
    code, out, err = run("X @ w\n", command="check", bindings={"w": "[1,2]", "X": "[[1,2]]"})
    assert code == 0, err
    (obj,) = jsonl(out)
    assert obj["value"] == [5] and "scalar output" in obj["note"] and obj["checks"] == []


def test_check_the_lecture_mlp_split_over_two_lines():
    text = "h = sigmoid(X @ W + b)\nmean((h @ v + c - y)^2)\n"
    code, out, err = run(text, command="check", bindings=MLP)
    assert code == 0, err
    h, loss = jsonl(out)
    assert h["name"] == "h" and len(h["value"]) == 4 and "note" in h
    assert loss["ok"] is True
    assert len(loss["checks"]) == 12 + 12 + 4 + 4 + 1 + 4  # every element of X, W, b, v, c, y


@pytest.mark.parametrize(
    "option, value, message",
    [
        ("eps", -1.0, "--eps must be a positive finite number"),
        ("eps", float("inf"), "--eps must be a positive finite number"),
        ("rtol", float("nan"), "--rtol must be a finite number >= 0"),
        ("atol", -1e-9, "--atol must be a finite number >= 0"),
        ("method", "sideways", "unknown method"),
    ],
)
def test_check_options_are_validated_once_before_the_batch(option, value, message):
    code, out, err = run("x^2\nx\n", command="check", bindings={"x": "1"}, **{option: value})
    assert code == 2
    (obj,) = jsonl(out)  # one object, like a bad binding value: no line ran
    assert obj["line"] is None and obj["error"]["type"] == "binding"
    assert message in obj["error"]["message"]
    assert err.count(message) == 1 and err.startswith("exprgrad: error: ")
    code, out, err = run(
        "x^2\n", command="check", json_=False, bindings={"x": "1"}, **{option: value}
    )
    assert code == 2 and out == "" and message in err


def test_plain_output_notes_a_non_scalar_output_on_stderr():
    code, out, err = run("X @ w\n", json_=False, bindings={"w": "[1,2]", "X": "[[1,2]]"})
    assert code == 0, err
    assert out.splitlines()[1].split("\t") == ["1", "", "[5]", "", "", ""]
    assert "f.expr:1: note: gradients need a scalar output" in err


def test_warnings_from_a_definition_name_the_line_it_is_on():
    code, out, err = run("a = 0\nd = 2 * log(a)\nd + 1\n")
    objs = by_line(jsonl(out))
    assert objs[2]["warnings"] == ["log at column 9 gave -inf"]
    assert objs[3]["warnings"] == ["log at column 9 of line 2 gave -inf"]
    assert err.splitlines() == [
        "f.expr:2: warning: log at column 9 gave -inf",
        "f.expr:3: warning: log at column 9 of line 2 gave -inf",
    ]
    # array path and kinks too
    code, out, err = run("h = log(w)\nsum(h)\n", bindings={"w": "[0, 1]"})
    assert "log at column 5 of line 1 gave" in jsonl(out)[1]["warnings"][0]
    code, out, err = run("a = 0\nd = relu(a) * 2\nd + 1\n", command="check")
    assert code == 0, err
    assert jsonl(out)[2]["checks"][0]["kink"].startswith("relu at column 5 of line 2: ")
    code, out, err = run("h = relu(w)\nsum(h)\n", command="check", bindings={"w": "[0, 1]"})
    assert jsonl(out)[1]["checks"][0]["kink"].startswith("relu at column 5 of line 1: ")
    # an error raised by a definition's node: its message says where; no column into this line
    b = batch.Statements(lambda compiled, values: compiled.result(values), {})
    err = exprgrad.errors.ShapeError("@ at column 7 of line 2: ...", batch.LineColumn(7, 2))
    r = b._error(5, "k + 1", err)
    assert (r.error.column, r.error.text) == (None, "k + 1")
    assert str(batch.LineColumn(7, 2)) == f"{batch.LineColumn(7, 2)}" == "7 of line 2"


def test_terminal_rows_under_check_show_an_array_value_with_its_note():
    code, out, err = run(
        "h = w * 2\nsum(h)\n", command="check", tty=True, json_=False, bindings={"w": "[1,2]"}
    )
    assert code == 0, err
    first = out.splitlines()[0]
    assert "h = w * 2" in first and "[2, 4]" in first and "scalar output" in first


def test_a_failed_definition_keeps_its_name():
    code, out, err = run("a = 1\nd = a * q\n")
    assert code == 2
    bad = jsonl(out)[1]
    assert bad["name"] == "d" and bad["error"]["type"] == "binding"
    code, out, err = run("a = 1\nd = a * q\n", json_=False)
    assert out.splitlines()[2].split("\t")[:2] == ["2", "d"]


def test_output_is_unchanged_byte_for_byte():
    """JSON Lines and TSV exactly as before the renderers were shared with exprgrad/render.py."""
    text = "a = 2\nb = 1e999\nd = a * b\n# c\nd - d\nw * a\nsum(w * a)\nd = 1\n"
    _, out, _ = run(text, bindings={"w": "[1,2]"})
    assert out == (
        '{"line": 1, "expression": "a = 2", "name": "a", "value": 2.0, "warnings": []}\n'
        '{"line": 2, "expression": "b = 1e999", "name": "b", "value": "inf", "warnings": '
        '["number at column 5 is too large for a float: inf"]}\n'
        '{"line": 3, "expression": "d = a * b", "name": "d", "value": "inf", "gradients": '
        '{"a": "inf", "b": 2.0}, "warnings": []}\n'
        '{"line": 5, "expression": "d - d", "value": "nan", "gradients": {"a": "nan", "b": 0.0}, '
        '"warnings": ["- at column 3 gave nan"]}\n'
        '{"line": 6, "expression": "w * a", "value": [2.0, 4.0], "note": "gradients need a '
        'scalar output (wrap it in sum() or mean())", "warnings": []}\n'
        '{"line": 7, "expression": "sum(w * a)", "value": 6.0, "gradients": '
        '{"w": [2.0, 2.0], "a": 3.0}, "warnings": []}\n'
        '{"line": 8, "expression": "d = 1", "name": "d", "error": {"type": "name", "message": '
        "\"'d' is already defined on line 3; a definition cannot be changed (choose a new "
        'name)", "column": 1}}\n'
    )
    text = "a = 2\nd = a * a\nd + 1\nsum(w * d)\nrelu(a - 2)\n"
    _, out, _ = run(text, command="check", bindings={"w": "[1,2]", "b": "3"}, json_=False)
    assert out == (
        "line\tname\tvalue\tvariable\tbackprop\tnumeric\tabs_error\trel_error\tok\tkink\terror\n"
        "1\ta\t2\t\t\t\t\t\t\t\t\n"
        "2\td\t4\ta\t4\t4.000000000111022\t1.1102230246251565e-10\t2.775557561485854e-11\ttrue\t\t\n"
        "3\t\t5\ta\t4\t4.000000000222045\t2.220446049250313e-10\t5.551115122817634e-11\ttrue\t\t\n"
        "4\t\t12\tw[0]\t4\t4.000000000666134\t6.661338147750939e-10\t1.6653345366604008e-10"
        "\ttrue\t\t\n"
        "4\t\t12\tw[1]\t4\t4.000000000222045\t2.220446049250313e-10\t5.551115122817634e-11"
        "\ttrue\t\t\n"
        "4\t\t12\ta\t12\t12.000000000222045\t2.220446049250313e-10\t1.8503717076743556e-11"
        "\ttrue\t\t\n"
        "5\t\t0\ta\t0\t0.4999999999722444\t0.4999999999722444\t1\ttrue\trelu at column 1: its "
        "input is 0; relu has a kink at 0, where it is not differentiable (backprop uses "
        "relu'(0) = 0, central differences average both sides)\t\n"
    )
    _, out, _ = run(text, command="check", bindings={"w": "[1,2]"})
    objs = jsonl(out)
    assert out.splitlines()[3] == (
        '{"line": 4, "expression": "sum(w * d)", "value": 12.0, "ok": true, "checks": '
        '[{"variable": "w", "backprop": 4.0, "numeric": 4.000000000666134, "abs_error": '
        '6.661338147750939e-10, "rel_error": 1.6653345366604008e-10, "ok": true, "kink": null, '
        '"within_tolerance": true, "index": [0]}, {"variable": "w", "backprop": 4.0, "numeric": '
        '4.000000000222045, "abs_error": 2.220446049250313e-10, "rel_error": '
        '5.551115122817634e-11, "ok": true, "kink": null, "within_tolerance": true, "index": '
        '[1]}, {"variable": "a", "backprop": 12.0, "numeric": 12.000000000222045, "abs_error": '
        '2.220446049250313e-10, "rel_error": 1.8503717076743556e-11, "ok": true, "kink": null, '
        '"within_tolerance": true}], "warnings": []}'
    )
    assert objs[0] == {
        "line": 1,
        "expression": "a = 2",
        "name": "a",
        "value": 2,
        "ok": True,
        "checks": [],
        "warnings": [],
    }


def test_directional_check_lines_carry_their_seed():
    code, out, err = run(
        "sum(w*w)\n", command="check", bindings={"w": "[1, 2, 3]"}, method="directional"
    )
    assert code == 0, err
    (obj,) = jsonl(out)
    seed = obj["seed"]
    assert isinstance(seed, int) and seed >= 0
    again = jsonl(run("sum(w*w)\n", command="check", bindings={"w": "[1, 2, 3]"},
                      method="directional", seed=seed)[1])[0]  # fmt: skip
    assert again["checks"] == obj["checks"] and again["seed"] == seed
