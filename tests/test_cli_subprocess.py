"""Test layer: cli -- real runs of the installed ``exprgrad`` console script in subprocesses.

The lecture example end to end, strict JSON on a pipe, a reader that closes the pipe early
(``| head``), Ctrl-C (SIGINT -> exit 130, no traceback), and that a scalar ``--json`` eval and
``--help`` import neither numpy nor rich (nor lark).  The command is looked up next to
sys.executable (``conftest.EXE``): tests that need it skip when it is not installed there, and
FAIL instead when ``EXPRGRAD_REQUIRE_EXE=1`` (CI sets it) -- tested here too.
Imports: stdlib, pytest, conftest (``EXE``, ``needs_exe``, ``require_exe``, ``REPO``,
``strict_loads``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import EXE, REPO, REQUIRE_EXE, needs_exe, require_exe, strict_loads

LECTURE = ["eval", "(a + b^3) * c", "--a", "7", "--b", "3", "--c", "2"]


def _env() -> dict:
    env = dict(os.environ)
    env.pop("EXPRGRAD_DEBUG", None)
    env.pop("PYTHONSTARTUP", None)
    return env


def exprgrad_run(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(EXE), *args], capture_output=True, text=True, timeout=60, env=_env(), **kw
    )


@needs_exe
def test_lecture_example_plain():
    p = exprgrad_run(*LECTURE)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == [
        "variable\tvalue\tgradient",
        "(output)\t68\t1",
        "a\t7\t2",
        "b\t3\t54",
        "c\t2\t34",
    ]
    assert p.stderr == ""


@needs_exe
def test_json_on_a_pipe_is_strict():
    p = exprgrad_run("check", "(a + relu(b)) * c", "--a", "7", "--b", "0", "--c", "2", "--json")
    assert p.returncode == 0, p.stderr
    obj = strict_loads(p.stdout)
    assert obj["ok"] is True and obj["checks"][1]["kink"]
    p = exprgrad_run("eval", "log(x)", "--x", "0", "--json")
    assert p.returncode == 0
    assert strict_loads(p.stdout)["value"] == "-inf"
    assert "warning" in p.stderr and "log" in p.stderr


@needs_exe
def test_syntax_error_exit_2_with_caret():
    p = exprgrad_run("eval", "2a", "--a", "1")
    assert p.returncode == 2
    assert p.stdout == ""
    lines = p.stderr.splitlines()
    assert "implicit multiplication" in lines[0]
    assert lines[2].index("^") == lines[1].index("a")
    assert "Traceback" not in p.stderr


@needs_exe
@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_closed_pipe_exits_quietly(json_flag):
    """Like ``exprgrad eval ... | head -0``: the reader is gone before anything is written."""
    p = subprocess.Popen(
        [str(EXE), *LECTURE, *json_flag],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    p.stdout.close()  # no reader: every write gets EPIPE
    _, err = p.communicate(timeout=60)
    assert p.returncode in (0, 141), err
    assert err == b"", err.decode(errors="replace")


@needs_exe
def test_pipe_into_head():
    p = subprocess.run(
        f'"{EXE}" eval "(a + b^3) * c" --a 7 --b 3 --c 2 | head -n 1',
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(),
    )
    assert p.stdout == "variable\tvalue\tgradient\n"
    assert p.stderr == ""


def _wait_for(stream, text: bytes, timeout: float = 30.0) -> bytes:
    got = b""
    deadline = time.monotonic() + timeout
    while text not in got and time.monotonic() < deadline:
        chunk = stream.readline()
        if not chunk:
            break
        got += chunk
    return got


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_ctrl_c_while_working_exits_130():
    """SIGINT while a command runs (here: blocked reading stdin) -> exit 130, no traceback."""
    code = (
        "import sys, exprgrad.analysis.expression as api\n"
        "def slow(self, *a, **k):\n"
        "    sys.stderr.write('ready\\n'); sys.stderr.flush()\n"
        "    sys.stdin.readline()\n"
        "api.Expression.gradients = slow\n"
        "from exprgrad.cli.main import main\n"
        "sys.exit(main(['eval', 'x', '--x', '1']))\n"
    )
    env = _env()
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    p = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        assert b"ready" in _wait_for(p.stderr, b"ready")
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
    finally:
        p.kill()
    assert p.returncode == 130, err
    assert b"Traceback" not in err


@needs_exe
@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_ctrl_c_in_batch_mode_exits_130():
    """SIGINT to ``exprgrad eval`` reading statements from stdin -> 130, no traceback."""
    p = subprocess.Popen(
        [str(EXE), "eval"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    try:
        p.stdin.write(b"x = 2\n")
        p.stdin.flush()
        assert _wait_for(p.stdout, b"\n"), "no result for the first line"
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=30)
    finally:
        p.kill()
    assert p.returncode == 130, err
    assert b"Traceback" not in err


_MODULES = (
    "import io, json, sys, contextlib\n"
    "from exprgrad.cli.main import main\n"
    "buf = io.StringIO()\n"
    "with contextlib.redirect_stdout(buf):\n"
    "    try:\n"
    "        code = main({args!r})\n"
    "    except SystemExit as e:\n"
    "        code = e.code\n"
    "print(json.dumps({{'code': code, 'out': buf.getvalue(), 'modules': sorted(sys.modules)}}))\n"
)


def _modules_after(args: list[str]) -> dict:
    env = _env()
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    p = subprocess.run(
        [sys.executable, "-c", _MODULES.format(args=args)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.splitlines()[-1])


def _top(modules: list[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_scalar_json_eval_imports_neither_numpy_nor_rich():
    got = _modules_after([*LECTURE, "--json"])
    assert got["code"] == 0
    assert strict_loads(got["out"])["value"] == 68.0
    assert not {"numpy", "rich", "lark"} & _top(got["modules"])


def test_help_imports_neither_numpy_nor_rich():
    got = _modules_after(["eval", "--help"])
    assert got["code"] == 0 and "Examples:" in got["out"]
    assert not {"numpy", "rich", "lark"} & _top(got["modules"])


def test_scalar_check_plain_imports_neither_numpy_nor_rich():
    got = _modules_after(["check", "(a + relu(b)) * c", "--a", "7", "--b", "-3", "--c", "2"])
    assert got["code"] == 0 and got["out"].startswith("variable\tbackprop")
    assert not {"numpy", "rich", "lark"} & _top(got["modules"])


# -- closed and odd standard streams -------------------------------------------------------------
@needs_exe
def test_closed_stdout_is_quiet():
    p = subprocess.run(
        f"'{EXE}' eval x --x 1 >&-", shell=True, capture_output=True, text=True, env=_env()
    )
    assert p.returncode == 0 and "Traceback" not in p.stderr


@needs_exe
def test_closed_stderr_keeps_the_exit_code():
    p = subprocess.run(f"'{EXE}' eval 2a --a 1 2>&-", shell=True, capture_output=True, env=_env())
    assert p.returncode == 2


@needs_exe
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_an_internal_error_without_traceback():
    for debug in ("0", ""):
        env = {**_env(), "EXPRGRAD_DEBUG": debug}
        p = subprocess.run(
            f"'{EXE}' eval x --x 1 --json >/dev/full", shell=True, capture_output=True,
            text=True, env=env,
        )  # fmt: skip
        assert p.returncode == 70
        assert "Traceback" not in p.stderr and "internal error" in p.stderr


@needs_exe
def test_closed_stdin_without_expr_is_bad_input():
    p = subprocess.run(f"'{EXE}' eval <&-", shell=True, capture_output=True, text=True, env=_env())
    assert p.returncode == 2 and "stdin is closed" in p.stderr


@needs_exe
def test_non_utf8_terminal_encoding_does_not_crash():
    env = {**_env(), "PYTHONIOENCODING": "ascii"}
    p = subprocess.run(
        [str(EXE), "check", "abs(x)", "--x", "1e-8"], capture_output=True, text=True, env=env
    )
    assert p.returncode == 0, p.stderr
    assert "kink" in p.stdout and "Traceback" not in p.stderr


# -- a missing command: skipped locally, a failure where it is required ------------------------
def test_needs_exe_skips_a_missing_command_or_fails_when_it_is_required(tmp_path, monkeypatch):
    import conftest

    ran = []
    test = needs_exe(lambda: ran.append(1))
    monkeypatch.setattr(conftest, "EXE", tmp_path / "no-exprgrad")
    monkeypatch.delenv(REQUIRE_EXE, raising=False)
    with pytest.raises(pytest.skip.Exception, match="is not installed"):
        test()
    monkeypatch.setenv(REQUIRE_EXE, "1")
    with pytest.raises(pytest.fail.Exception, match=f"{REQUIRE_EXE}=1"):
        test()
    with pytest.raises(pytest.fail.Exception, match="is not installed"):
        require_exe(tmp_path / "no-exprgrad")
    assert ran == []
    monkeypatch.setattr(conftest, "EXE", Path(sys.executable))  # a file that exists
    test()
    assert ran == [1]
