"""Benchmarks layer: the one runner -- ``python -m benchmarks [--smoke] [--only NAME] [--json]``.

Imports every ``benchmarks/bench_*.py`` that exists, calls its ``run(smoke)`` and prints one table
(name, absolute numbers, ratio vs its reference, goal, met?).  Missed goals are reported, never an
error: the exit status is 1 only when a benchmark crashes (so noise cannot fail CI's smoke run).
Goals and the last full run are tracked in docs/performance.md.  Imports: stdlib, benchmarks.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import sys
import time
import traceback
from pathlib import Path

#: the order of the table (issue 5's order); other bench_*.py modules follow alphabetically
ORDER = ["engine", "parser", "startup", "batch", "arrays"]
_KNOWN = {"name", "result", "ratio", "reference", "goal", "met", "note", "data", "module"}


def discover() -> list[str]:
    found = sorted(p.stem[len("bench_") :] for p in Path(__file__).parent.glob("bench_*.py"))
    return [n for n in ORDER if n in found] + [n for n in found if n not in ORDER]


def _fmt_ratio(r) -> str:
    if not isinstance(r, (int, float)) or isinstance(r, bool):
        return "-"
    if not math.isfinite(r):
        return str(r)
    return f"{r:.2f}×"


def _fmt_met(m) -> str:
    return {True: "yes", False: "MISSED", None: "-"}.get(m, str(m))


def _result_text(row: dict) -> str:
    parts = [str(row.get("result", ""))] if row.get("result") else []
    parts += [f"{k}={v}" for k, v in row.items() if k not in _KNOWN]
    if row.get("note"):
        parts.append(f"({row['note']})")
    return "; ".join(parts)


def render(rows: list[dict]) -> str:
    head = ("benchmark", "ratio", "goal", "met", "result")
    table = [
        (
            str(r.get("name", "?")),
            _fmt_ratio(r.get("ratio")),
            str(r.get("goal", "-")),
            _fmt_met(r.get("met")),
            _result_text(r),
        )
        for r in rows
    ]
    widths = [max(len(x[c]) for x in [head, *table]) for c in range(4)]
    lines = []
    for cells in [head, *table]:
        left = "  ".join(c.ljust(w) for c, w in zip(cells, widths))
        lines.append(f"{left}  {cells[4]}".rstrip())
    lines.insert(1, "-" * min(120, max(len(x) for x in lines)))
    return "\n".join(lines)


def render_markdown(rows: list[dict]) -> str:
    """The same table as Markdown (for docs/performance.md)."""
    lines = ["| benchmark | result | ratio | goal | met |", "|---|---|---|---|---|"]
    for r in rows:
        cells = [
            str(r.get("name", "?")),
            _result_text(r),
            _fmt_ratio(r.get("ratio")),
            str(r.get("goal", "-")),
            _fmt_met(r.get("met")),
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def _jsonable(x):
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    return str(x)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    ap.add_argument("--smoke", action="store_true", help="small sizes (CI): whole suite < 1 min")
    ap.add_argument(
        "--only", metavar="NAME", help="comma-separated benchmark names, e.g. engine,startup"
    )
    ap.add_argument("--json", action="store_true", help="print the rows as JSON instead")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = ap.parse_args(argv)

    names = discover()
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        unknown = [w for w in wanted if w not in names]
        if unknown:
            ap.error(f"no benchmark named {', '.join(unknown)} (have: {', '.join(names)})")
        names = [n for n in names if n in wanted]

    rows: list[dict] = []
    crashed = []
    load0 = os.getloadavg()[0]
    t_all = time.perf_counter()
    for name in names:
        t0 = time.perf_counter()
        if not args.json:
            print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            mod = importlib.import_module(f"benchmarks.bench_{name}")
            got = list(mod.run(args.smoke))
        except Exception:  # report and carry on: one broken benchmark must not hide the rest
            traceback.print_exc()
            crashed.append(name)
            got = [{"name": f"{name} (crashed)", "met": None, "note": "see traceback above"}]
        elapsed = time.perf_counter() - t0
        for r in got:
            r.setdefault("module", name)
        rows += got
        if not args.json:
            print(f"  {name}: {elapsed:.1f} s", file=sys.stderr, flush=True)
    total = time.perf_counter() - t_all
    load = (load0, os.getloadavg()[0])  # the machine is shared: say how busy it was

    if args.json:
        out = {
            "smoke": args.smoke,
            "seconds": total,
            "loadavg_1min_start_end": load,
            "cpus": os.cpu_count(),
            "crashed": crashed,
            "rows": rows,
        }
        print(json.dumps(_jsonable(out), ensure_ascii=False, allow_nan=False, indent=1))
    else:
        mode = "smoke" if args.smoke else "full"
        print(render_markdown(rows) if args.markdown else render(rows))
        missed = sum(1 for r in rows if r.get("met") is False)
        print(f"\n{mode} run, {total:.1f} s; {len(rows)} rows, {missed} goal(s) missed", end="")
        print(f"; load average {load[0]:.1f} -> {load[1]:.1f} on {os.cpu_count()} CPUs", end="")
        print(f", crashed: {', '.join(crashed)}" if crashed else "")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
