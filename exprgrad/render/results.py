"""Render layer: eval results and check reports as JSON objects, plain text (TSV) or Rich tables.

Nothing here prints: every function returns a JSON-ready dict, a plain string, or a Rich
renderable that the CLI prints.  Numbers come from exprgrad/render/numbers.py.  Plain text (stdout
not a terminal) is tab-separated with a header line, no box drawing, no colour.

Imports: stdlib, exprgrad.render.  Rich only inside the ``*_table`` functions (a table is actually
drawn), numpy only when a value already is a numpy array (numpy is then loaded anyway).
"""

from __future__ import annotations

import math
from typing import Any

from .messages import short as _short
from .numbers import cell as _cell
from .numbers import fmt_error as _fmt_error
from .numbers import fmt_number, fmt_value
from .numbers import index_text as _index_text

#: label of the output's row in eval's table/TSV ("(output)" can never be a variable name)
OUTPUT_LABEL = "(output)"
EVAL_HEADER = ("variable", "value", "gradient")
CHECK_HEADER = ("variable", "backprop", "numeric", "abs_error", "rel_error", "ok", "kink")


def eval_json(result: Any) -> dict:
    """eval's JSON object: expression, value, gradients (absent when the output is an array)."""
    out: dict[str, Any] = {"expression": result.expression.text, "value": result.value}
    if result.gradients is not None:
        out["gradients"] = dict(result.gradients)
    if result.note:
        out["note"] = result.note
    out["warnings"] = [w.message for w in result.warnings]
    return out


def check_json(report: Any) -> dict:
    """check's JSON object: expression, ok, checks (one object per row), and the settings."""
    rows = []
    for r in report.rows:
        row = {
            "variable": r.variable,
            "backprop": r.backprop,
            "numeric": r.numeric,
            "abs_error": r.abs_error,
            "rel_error": r.rel_error,
            "ok": bool(r.ok),
            "kink": r.kink,
            "within_tolerance": bool(r.within_tolerance),
        }
        if r.index is not None:
            row["index"] = r.index
        rows.append(row)
    return {
        "expression": report.expression.text,
        "ok": bool(report.ok),
        "checks": rows,
        "value": report.value,
        "eps": report.eps,
        "rtol": report.rtol,
        "atol": report.atol,
        "method": report.method,
        **_seed(report),
        "warnings": [w.message for w in report.warnings],
    }


def _seed(report: Any) -> dict:
    """``{"seed": N}`` when the check drew a random direction (replay it with ``--seed N``)."""
    return {} if report.seed is None else {"seed": report.seed}


def error_json(expression: str | None, err: Any, message: str | None = None) -> dict:
    """The contract's error object: {"expression": ..., "error": {"type", "message", "column"}}
    (``message``: a front end's phrasing of the error)."""
    return {"expression": expression, "error": err.to_json(message)}


# -- plain text (not a terminal) --------------------------------------------------------------


def _tsv(header: tuple[str, ...] | list[str], rows: list[list[str]]) -> str:
    lines = ["\t".join(header)]
    lines.extend("\t".join(_cell(c) for c in row) for row in rows)
    return "\n".join(lines)


def _eval_rows(result: Any, full: bool, oneline: bool) -> list[list[str]]:
    rows = [
        [
            OUTPUT_LABEL,
            fmt_value(result.value, full=full, oneline=oneline),
            "1" if result.gradients is not None else "",
        ]
    ]
    names = result.gradients if result.gradients is not None else ()
    for name in names:
        rows.append(
            [
                name,
                fmt_value(result.bindings.get(name), full=full, oneline=oneline),
                fmt_value(result.gradients[name], full=full, oneline=oneline),
            ]
        )
    return rows


def eval_plain(result: Any, *, full: bool = False) -> str:
    """eval as TSV: ``variable value gradient``; the first row is the output, ∂f/∂f = 1."""
    return _tsv(EVAL_HEADER, _eval_rows(result, full, True))


def _has_index(report: Any) -> bool:
    return any(r.index is not None for r in report.rows)


def _check_cells(r: Any, full: bool, compact: bool = False) -> list[str]:
    """A check row's cells in the contract's columns; an array element is named in the variable
    column (``w[0]``, ``X[1, 2]``), so the columns stay fixed."""
    err = _fmt_error if compact else (lambda x: fmt_value(x, full=full))
    return [
        r.variable + _index_text(r.index),
        fmt_value(r.backprop, full=full),
        fmt_value(r.numeric, full=full),
        err(r.abs_error),
        err(r.rel_error),
        fmt_number(bool(r.ok)),
        r.kink or "",
    ]


def check_plain(report: Any, *, full: bool = False) -> str:
    """check as TSV: variable, backprop, numeric, abs_error, rel_error, ok (true/false), kink --
    one row per check (per element for arrays, named ``w[0]`` in the variable column)."""
    return _tsv(CHECK_HEADER, [_check_cells(r, full) for r in report.rows])


# -- Rich tables (terminal) --------------------------------------------------------------------
def eval_table(result: Any, *, full: bool = False) -> Any:
    """eval as a Rich table: the output's row, then one row per variable."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(_short(result.expression.text)), title_justify="left")
    table.add_column("variable", no_wrap=True)
    table.add_column("value", justify="right")
    table.add_column("gradient", justify="right")
    rows = _eval_rows(result, full, False)
    out = rows[0]
    table.add_row(Text(out[0], style="bold"), Text(out[1], style="bold"), Text(out[2]))
    table.add_section()
    for name, value, grad in rows[1:]:
        table.add_row(Text(name), Text(value), Text(grad))
    if result.note:
        table.caption = Text(result.note)
        table.caption_justify = "left"
    return table


def check_table(report: Any, *, full: bool = False) -> Any:
    """check as a Rich table (ok is ✓, ✗ FAIL or kink; each kink is explained under the table),
    with a caption naming the settings (and the seed of a directional check) and the verdict.

    An elementwise array check shows per variable its worst element (``worst_rows``:
    failed first, then the largest error relative to the tolerance) and how many of its elements
    failed; ``full`` shows every element (``--json`` always has every row)."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    summary = _has_index(report) and not full
    if summary:
        shown = worst_rows(report)
    else:
        shown = [(r, 1, int(not r.ok)) for r in report.rows]
    table = Table(title=Text("check " + _short(report.expression.text)), title_justify="left")
    table.add_column("variable", no_wrap=True)
    for name in ("backprop", "numeric", "abs_error", "rel_error"):
        table.add_column(name, justify="right", overflow="fold")
    table.add_column("ok", justify="center", no_wrap=True)
    if summary:
        table.add_column("failed", justify="right", no_wrap=True)
    notes = []
    for r, n, bad in shown:
        cells = _check_cells(r, full, compact=True)
        if r.kink is not None:
            ok = Text("kink", style="yellow")
            notes.append(Text(f"kink: {cells[0]}: {r.kink}", style="yellow"))
        elif r.ok:
            ok = Text("✓", style="green")
        else:
            ok = Text("✗ FAIL", style="bold red")
        extra = [Text(f"{bad} of {n}", style="bold red" if bad else "")] if summary else []
        table.add_row(*(Text(c) for c in cells[:-2]), ok, *extra)
    if summary:
        hidden = sum(1 for r in report.rows if r.kink is not None) - len(notes)
        if hidden > 0:
            notes.append(
                Text(
                    f"{hidden} more element{'s' if hidden > 1 else ''} at a kink (--full or --json)"
                )
            )
    failed = sum(1 for r in report.rows if not r.ok)
    seed = report.seed
    settings = (
        f"eps {fmt_number(report.eps)} · rtol {fmt_number(report.rtol)} · "
        f"atol {fmt_number(report.atol)} · {report.method}"
        + (f" · seed {seed}" if seed is not None else "")
    )
    n = len(report.rows)
    what = "elements" if summary else ""
    if failed:
        verdict = Text(f"{failed} of {n} {what}".rstrip() + " failed", style="bold red")
    else:
        verdict = Text(f"all {n} {what}".rstrip() + " passed", style="green")
    parts: list[Any] = [settings, " — ", verdict]
    if summary:
        parts.append(" · the worst element of each variable (--full shows all)")
    table.caption = Text.assemble(*parts)
    table.caption_justify = "left"
    return Group(table, *notes) if notes else table


def worst_rows(report: Any) -> list[tuple[Any, int, int]]:
    """For tables: per variable, (its worst row, how many rows it has, how many failed).

    Worst = failed before passed, then the largest error relative to the tolerance
    (abs_error / (atol + rtol·|numeric|)); nan counts as the worst."""
    groups: dict[str, list] = {}
    for r in report.rows:
        groups.setdefault(r.variable, []).append(r)

    def badness(r: Any) -> tuple[bool, float]:
        tol = report.atol + report.rtol * abs(r.numeric) if r.numeric == r.numeric else 0.0
        e = r.abs_error
        score = math.inf if e != e else (e / tol if tol > 0 else (math.inf if e else 0.0))
        return (not r.ok, score)

    return [
        (max(rs, key=badness), len(rs), sum(1 for r in rs if not r.ok)) for rs in groups.values()
    ]
