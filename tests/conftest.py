"""Test layer: the helpers the test files share, each defined once here (no test cases).

Test files import what they need by name -- ``from conftest import SCALAR_ROWS, strict_loads``
(pytest's default ``prepend`` import mode puts tests/ on ``sys.path`` for this rootdir conftest,
so ``conftest`` is one module, loaded once).  Plain imports rather than fixtures: the ops-table
filter feeds ``parametrize`` at collection time and hypothesis tests take no function fixtures.

* ``SCALAR_ROWS``: the rows of the ops table the scalar engine runs (every non-leaf row with a
  scalar forward rule that is not array-only) -- the same rows are the elementwise ops on arrays;
* ``strict_loads``: ``json.loads`` where NaN/Infinity raise (exprgrad's JSON is always strict);
* ``five_point``: a fourth-order central difference through the public API;
* ``error_of``: the ``ExprgradError`` a call raises;
* ``invoke`` / ``one_json``: the ``exprgrad`` CLI through Click's CliRunner; its one JSON object;
* ``run_python``: a snippet in a fresh interpreter with the checkout on PYTHONPATH;
* ``EXE`` / ``needs_exe``: the installed console script next to ``sys.executable``, and the
  decorator for tests that run it: they skip when it is missing, but FAIL when
  ``EXPRGRAD_REQUIRE_EXE=1`` (CI sets it), so no test silently disappears there.

Imports: stdlib, pytest, exprgrad (exprgrad.core.ops; click and exprgrad.cli only in ``invoke``).
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

import exprgrad
from exprgrad.core.ops import OPS
from exprgrad.errors import ExprgradError

REPO = Path(exprgrad.__file__).resolve().parent.parent

#: the ops table's scalar rows: what the scalar engine runs, and the elementwise ops on arrays
SCALAR_ROWS = [op for op in OPS if op.fwd is not None and not op.array_only and op.form != "leaf"]


# -- strict JSON -------------------------------------------------------------------------------
def _no_constant(name: str):
    raise ValueError(f"non-standard JSON constant {name}")


def strict_loads(text: str | bytes):
    """``json.loads`` that rejects NaN, Infinity and -Infinity."""
    return json.loads(text, parse_constant=_no_constant)


# -- the Python API --------------------------------------------------------------------------------
def five_point(
    expr: exprgrad.Expression, bindings: Mapping[str, float], name: str, h: float
) -> float:
    """Fourth-order central difference (error O(h^4))."""
    x = bindings[name]

    def f(t: float) -> float:
        return expr.evaluate({**bindings, name: x + t})

    return (-f(2 * h) + 8 * f(h) - 8 * f(-h) + f(-2 * h)) / (12 * h)


def error_of(fn: Callable, *args, **kw) -> ExprgradError:
    """The ``ExprgradError`` that ``fn(*args, **kw)`` raises (the test fails if none)."""
    with pytest.raises(ExprgradError) as info:
        fn(*args, **kw)
    return info.value


# -- the CLI in-process ------------------------------------------------------------------------
def invoke(*args: str, **kw):
    """``exprgrad ARGS`` through Click's CliRunner (stdout and stderr kept apart)."""
    from click.testing import CliRunner

    from exprgrad.cli import main as cli

    return CliRunner().invoke(cli.cli, list(args), prog_name="exprgrad", **kw)


def one_json(result) -> dict:
    """stdout must be exactly one JSON object (one line), parsed strictly."""
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    obj = strict_loads(lines[0])
    assert isinstance(obj, dict)
    return obj


# -- subprocesses ----------------------------------------------------------------------------------
def run_python(code: str, timeout: float) -> subprocess.CompletedProcess:
    """Run ``code`` with ``sys.executable -c`` (checkout importable); fail on a non-zero exit."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    env.pop("PYTHONSTARTUP", None)
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=str(REPO),
    )
    assert proc.returncode == 0, (
        f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    )
    return proc


#: the installed console script, next to the interpreter running the tests
EXE = Path(sys.executable).parent / ("exprgrad.exe" if os.name == "nt" else "exprgrad")
#: set to 1 (CI does) to make a missing console script a failure instead of a skip
REQUIRE_EXE = "EXPRGRAD_REQUIRE_EXE"


def require_exe(exe: Path) -> None:
    """Skip when ``exe`` is missing -- or fail, when ``EXPRGRAD_REQUIRE_EXE=1``."""
    if exe.exists():
        return
    if os.environ.get(REQUIRE_EXE) == "1":
        pytest.fail(f"exprgrad is not installed at {exe} and {REQUIRE_EXE}=1", pytrace=False)
    pytest.skip(f"exprgrad is not installed at {exe} (set {REQUIRE_EXE}=1 to fail instead)")


def needs_exe(test: Callable) -> Callable:
    """Decorator for a test that runs ``EXE``: see ``require_exe``."""

    @functools.wraps(test)  # keeps the signature (fixtures) and pytest marks (parametrize)
    def wrapper(*args, **kwargs):
        require_exe(EXE)
        return test(*args, **kwargs)

    return wrapper
