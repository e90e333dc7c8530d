"""Test layer: shared helpers for the library test suite (fixtures only, no test cases).

Fixtures: a fourth-order central difference through the public API (``fd5``), strict JSON
parsing where NaN/Infinity raise (``strict_json``) and a runner for Python snippets in a fresh
interpreter with the checkout on PYTHONPATH (``python_runner``).  Imports: stdlib, pytest, exprgrad.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

import exprgrad

REPO = Path(exprgrad.__file__).resolve().parent.parent


def _no_constant(name: str):
    raise ValueError(f"non-standard JSON constant {name}")


def strict_loads(text: str):
    """``json.loads`` that rejects NaN, Infinity and -Infinity."""
    return json.loads(text, parse_constant=_no_constant)


def five_point(
    expr: exprgrad.Expression, bindings: Mapping[str, float], name: str, h: float
) -> float:
    """Fourth-order central difference (error O(h^4))."""
    x = bindings[name]

    def f(t: float) -> float:
        return expr.evaluate({**bindings, name: x + t})

    return (-f(2 * h) + 8 * f(h) - 8 * f(-h) + f(-2 * h)) / (12 * h)


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


@pytest.fixture
def strict_json() -> Callable[[str], object]:
    """``json.loads`` that raises on NaN/Infinity."""
    return strict_loads


@pytest.fixture
def python_runner() -> Callable[[str, float], subprocess.CompletedProcess]:
    """Run a snippet in a fresh interpreter; returns the CompletedProcess (exit 0 asserted)."""
    return run_python


@pytest.fixture
def fd5() -> Callable[..., float]:
    """Fourth-order central difference through the public API."""
    return five_point
