"""Benchmarks layer: start-up time of the installed command against ``python -c pass``.

Three cases, each timed against ``python -c pass`` run through the same harness in the same run,
runs alternating (ours, then the baseline) so noise hits both; the median wall time of each is
compared:

* ``exprgrad eval "(a + b^3) * c" --a 7 --b 3 --c 2`` with the Rich table on a terminal -- run
  under a pseudo-terminal (``os.openpty``, window 100x40) so the CLI sees a real tty;
* the same with ``--json``, stdout a pipe;
* ``exprgrad --help``, stdout a pipe.

The command is the ``exprgrad`` console script beside ``sys.executable`` when it exists (what
users run), else ``python -m exprgrad``; the row says which, and whether exprgrad is an
editable install: an editable install's ``.pth`` finder imports pathlib and more in *every*
interpreter, ``python -c pass`` included, which inflates the baseline and flatters the ratios --
run ``python -m benchmarks`` with the interpreter of a regular ``pip install .`` for real numbers.
``python -X importtime`` of the ``--json`` case lists the top import offenders (and whether rich,
lark, click or numpy were imported).  Imports: stdlib only.
"""

from __future__ import annotations

import fcntl
import json
import os
import statistics
import struct
import subprocess
import sys
import termios
import time
from importlib.util import find_spec
from pathlib import Path

EXPR = ["eval", "(a + b^3) * c", "--a", "7", "--b", "3", "--c", "2"]
GOALS = {"table": 8.0, "json": 6.0, "help": 5.0}
LABELS = {
    "table": "startup eval, Rich table on a pty",
    "json": "startup eval --json, piped",
    "help": "startup --help, piped",
}
HEAVY = ("rich", "lark", "click", "numpy")


def command() -> tuple[list[str] | None, str]:
    """argv prefix that runs exprgrad, and a description of it (None while there is no CLI)."""
    try:
        spec = find_spec("exprgrad.cli.main")
    except ImportError:
        spec = None
    if spec is None:
        return None, "exprgrad/cli/main.py not found"
    script = Path(sys.executable).with_name("exprgrad")
    if script.exists():
        return [str(script)], f"console script {script}"
    return [sys.executable, "-m", "exprgrad"], "python -m exprgrad (no console script)"


def install_mode() -> str:
    """ "editable" or "regular" (how the measured exprgrad is installed), or "unknown"."""
    import sysconfig
    from importlib.metadata import distributions

    # the interpreter's own site-packages, not the checkout's exprgrad.egg-info on sys.path
    where = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    for dist in distributions(path=where):
        if dist.metadata["Name"] == "exprgrad":
            try:
                url = json.loads(dist.read_text("direct_url.json") or "{}")
            except ValueError:
                return "unknown"
            return "editable" if url.get("dir_info", {}).get("editable") else "regular"
    return "unknown"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("TERM", "xterm-256color")
    env.pop("NO_COLOR", None)
    return env


def run_pty(argv: list[str], env: dict[str, str]) -> tuple[float, int, bytes]:
    """Run argv with stdin/stdout/stderr on a fresh pseudo-terminal; (seconds, status, output)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        chunks.append(chunk)
    rc = p.wait()
    dt = time.perf_counter() - t0
    os.close(master)
    return dt, rc, b"".join(chunks)


def run_pipe(argv: list[str], env: dict[str, str]) -> tuple[float, int, bytes]:
    t0 = time.perf_counter()
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, env=env)
    dt = time.perf_counter() - t0
    return dt, p.returncode, p.stdout


def _strict_json(text: str):
    def no_constants(name: str):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=no_constants)


def _verify(case: str, rc: int, out: bytes) -> None:
    text = out.decode("utf-8", "replace")
    if rc != 0:
        raise RuntimeError(f"startup {case}: exit status {rc}: {text[:300]}")
    if case == "help":
        if "Usage" not in text and "usage" not in text:
            raise RuntimeError(f"startup help: no usage text: {text[:300]}")
    elif case == "json":
        _strict_json(text)
        if "68" not in text:
            raise RuntimeError(f"startup json: value 68 not in output: {text[:300]}")
    elif "68" not in text:
        raise RuntimeError(f"startup table: value 68 not in output: {text[:300]}")


def importtime(argv: list[str], env: dict[str, str], runs: int = 3) -> dict:
    """Self and cumulative import time per module (best of ``runs``), from ``-X importtime``."""
    if argv[0] != sys.executable:  # the console script: run its file with our interpreter
        argv = [sys.executable, *argv]
    argv = [argv[0], "-X", "importtime", *argv[1:]]
    best: dict[str, list[int]] = {}
    for _ in range(runs):
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, env=env)
        for line in p.stderr.decode("utf-8", "replace").splitlines():
            if not line.startswith("import time:") or "[us]" in line:
                continue
            fields = line[len("import time:") :].split("|")
            if len(fields) != 3:
                continue
            self_us, cum_us, name = int(fields[0]), int(fields[1]), fields[2].rstrip()
            depth = (len(name) - len(name.lstrip())) // 2
            key = name.strip()
            old = best.get(key)
            if old is None or cum_us < old[1]:
                best[key] = [self_us, cum_us, depth]
    top_self = sorted(best.items(), key=lambda kv: -kv[1][0])[:8]
    top_level = sorted(((k, v) for k, v in best.items() if v[2] == 0), key=lambda kv: -kv[1][1])[:8]
    return {
        "total_us": sum(v[0] for v in best.values()),
        "top_self_us": [(k, v[0]) for k, v in top_self],
        "top_level_cumulative_us": [(k, v[1]) for k, v in top_level],
        "heavy_imported": [h for h in HEAVY if h in best],
    }


def run(smoke: bool) -> list[dict]:
    prefix, how = command()
    if prefix is None:
        return [
            {"name": LABELS[c], "goal": f"≤ {g:g}×", "met": None, "note": f"not available: {how}"}
            for c, g in GOALS.items()
        ]
    env = _env()
    base = [sys.executable, "-c", "pass"]
    cases = {
        "table": (run_pty, prefix + EXPR),
        "json": (run_pipe, prefix + EXPR + ["--json"]),
        "help": (run_pipe, prefix + ["--help"]),
    }
    repeats = 5 if smoke else 21
    samples: dict[str, tuple[list[float], list[float]]] = {c: ([], []) for c in cases}
    for case, (harness, argv) in cases.items():  # warm-up (.pyc files, page cache) + checks
        _verify(case, *harness(argv, env)[1:])
        harness(base, env)
    for rep in range(repeats):
        for case, (harness, argv) in cases.items():
            pair = [(argv, 0), (base, 1)] if rep % 2 == 0 else [(base, 1), (argv, 0)]
            for a, which in pair:
                samples[case][which].append(harness(a, env)[0])

    rows = []
    for case, (ours, ref) in samples.items():
        m_ours, m_ref = statistics.median(ours), statistics.median(ref)
        ratio = m_ours / m_ref
        row = {
            "name": LABELS[case],
            "result": f"{m_ours * 1e3:.1f} ms median (python -c pass {m_ref * 1e3:.1f} ms), "
            f"{repeats} runs each",
            "ratio": ratio,
            "reference": "python -c pass, same harness",
            "goal": f"≤ {GOALS[case]:g}×",
            "met": ratio <= GOALS[case],
            "data": {"command": how, "ours_s": ours, "python_pass_s": ref},
        }
        if case == "table":
            mode = install_mode()
            row["data"]["install"] = mode
            row["note"] = f"via {how}, {mode} install"
            if mode == "editable":
                row["note"] += (
                    " -- its .pth finder (pathlib ...) slows every interpreter, python -c pass"
                    " too, which flatters these ratios; docs/performance.md uses a regular install"
                )
        if case == "json":
            it = importtime(cases["json"][1], env, runs=1 if smoke else 3)
            row["data"]["importtime"] = it
            top = ", ".join(f"{k} {v / 1e3:.1f}" for k, v in it["top_level_cumulative_us"][:5])
            heavy = ", ".join(it["heavy_imported"]) or "none"
            row["note"] = f"imports of {'/'.join(HEAVY)}: {heavy}; top-level imports (ms): {top}"
        rows.append(row)
    return rows
