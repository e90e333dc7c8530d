"""Benchmarks layer: batch throughput -- 10,000 lecture-size lines through stdin with ``--json``.

The input starts with input definitions (``a = 7`` ...), then 10,000 distinct expression lines
built from the lecture's examples with varying names and constants (``(a + b^3) * c + 17`` ...).
It goes to the installed command's stdin from a file, stdout a pipe (``exprgrad eval --json <
FILE | ...``; the console script beside ``sys.executable``, else ``python -m exprgrad``),
start-up included; every output line must be
strict JSON and every expression line must be answered.  Goal: >= 15,000 expressions/s of wall
time; the rate by the child's CPU time (user + sys) is shown beside it, as the machine is shared
and this benchmark has no in-run reference to divide the noise out.  When
batch mode is not there yet (no exprgrad/batch.py) the row says "not available".
Imports: stdlib, benchmarks.bench_startup (to find the command).
"""

from __future__ import annotations

import os
import random
import resource
import statistics
import subprocess
import tempfile
import time
from importlib.util import find_spec

from benchmarks.bench_startup import _env, _strict_json, command

LINES = 10_000
GOAL = 15_000.0  # expressions per second, start-up included
NAMES = ["a", "b", "c", "w", "x", "y", "z", "k1", "k2", "rate", "bias", "h"]
TEMPLATES = [
    "({0} + {1}) * {2} + {k}",
    "({0} + {1}^3) * {2} - {k}",
    "({0} + relu({1})) * {2} + {k}",
    "({0} + {1}) * {1}^3 / {k}",
    "tanh({0} * {1} + {k}) * {2}",
]


def make_input(lines: int, seed: int = 5) -> tuple[str, range]:
    """(stdin text, the line numbers of its expression lines)."""
    r = random.Random(seed)
    head = [f"{n} = {r.randint(-5, 9)}" for n in NAMES]
    body = []
    for i in range(lines):
        x, y, z = r.sample(NAMES, 3)
        k = f"{i + 1}" if i % 2 else f"{(i + 1) * 0.25:g}"
        body.append(TEMPLATES[i % len(TEMPLATES)].format(x, y, z, k=k))
    return "\n".join(head + body) + "\n", range(len(head) + 1, len(head) + lines + 1)


def _available() -> str | None:
    prefix, how = command()
    if prefix is None:
        return how
    try:
        if find_spec("exprgrad.cli.statements") is None:
            return "exprgrad/cli/statements.py not found"
    except ImportError:
        return "exprgrad/cli/statements.py not found"
    return None


def run_once(argv: list[str], path: str, expected: range) -> tuple[float, float]:
    """(wall seconds, the child's CPU seconds) for one run, stdin from the file at ``path``
    (as ``exprgrad eval --json < file``), stdout a pipe; raises if a line is missing or broken:
    every output line must be strict JSON, every expression line needs a ``value``."""
    env = _env()
    with open(path, "rb") as stdin:
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        p = subprocess.run(argv, stdin=stdin, capture_output=True, env=env)
        dt = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    out = p.stdout.decode("utf-8").splitlines()
    seen = set()
    for line in out:
        obj = _strict_json(line)
        if isinstance(obj, dict) and "error" not in obj and "name" not in obj and "value" in obj:
            seen.add(obj.get("line"))
    answered = sum(1 for n in expected if n in seen)
    if p.returncode != 0 or answered < len(expected):
        err = p.stderr.decode("utf-8", "replace")[:400]
        raise RuntimeError(
            f"batch: exit {p.returncode}, {answered} of {len(expected)} expression lines answered "
            f"({len(out)} output lines); stderr: {err}"
        )
    return dt, cpu


def run(smoke: bool) -> list[dict]:
    name = "batch 10,000 lines --json via stdin"
    missing = _available()
    if missing:
        return [{"name": name, "goal": f"≥ {GOAL:,.0f} expr/s", "met": None,
                 "note": f"not available: {missing}"}]  # fmt: skip
    prefix, how = command()
    argv = prefix + ["eval", "--json"]
    text, lines = make_input(LINES)
    n = len(lines)
    repeats = 2 if smoke else 7
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "batch.expr")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        run_once(argv, path, lines)  # warm-up and correctness
        runs = [run_once(argv, path, lines) for _ in range(repeats)]
    times = [w for w, _ in runs]
    cpus = [c for _, c in runs]
    med = statistics.median(times)
    rate = n / med
    cpu_rate = n / statistics.median(cpus)
    return [
        {
            "name": name,
            "result": f"{rate:,.0f} expr/s ({med:.3f} s wall, median of {repeats}, start-up "
            f"included; by the child's CPU time {cpu_rate:,.0f} expr/s)",
            "ratio": None,
            "goal": f"≥ {GOAL:,.0f} expr/s",
            "met": rate >= GOAL,
            "note": f"via {how}",
            "data": {
                "lines": n,
                "seconds": times,
                "cpu_seconds": cpus,
                "expr_per_s": rate,
                "expr_per_cpu_s": cpu_rate,
                "command": how,
            },
        }
    ]
