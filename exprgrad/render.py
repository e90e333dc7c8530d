"""Render layer: results, check reports and errors as text, JSON objects or Rich tables.

Nothing here prints: every function returns a plain string, a JSON-ready dict, or a Rich renderable
that exprgrad/cli.py (and the batch mode) prints.  Numbers are the shortest repr that round-trips,
with integral floats written without ``.0`` (``68``); non-finite numbers are ``inf``, ``-inf`` and
``nan`` (strings in JSON, so JSON output is always strict).  Plain text (stdout not a terminal) is
tab-separated with a header line, no box drawing, no colour.

Imports: stdlib and exprgrad's own modules.  Rich only inside the ``*_table`` functions (a table is
actually drawn), numpy only when a value already is a numpy array (numpy is then loaded anyway).
"""

from __future__ import annotations

import json
import sys
from typing import Any

#: label of the output's row in eval's table/TSV ("(output)" can never be a variable name)
OUTPUT_LABEL = "(output)"
#: arrays with more elements than this are summarized with "…" unless ``full`` is asked for
SUMMARY_THRESHOLD = 1000
EVAL_HEADER = ("variable", "value", "gradient")
CHECK_HEADER = ("variable", "backprop", "numeric", "abs_error", "rel_error", "ok", "kink")


# -- numbers and arrays ------------------------------------------------------------------------
def is_array(x: Any) -> bool:
    """A numpy array with at least one dimension (checked without importing numpy)."""
    return hasattr(x, "tolist") and bool(getattr(x, "shape", ()))


def fmt_number(x: Any) -> str:
    """Shortest round-trip repr; ``68.0`` -> ``68``, ``-0.0`` -> ``-0``; inf, -inf, nan."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    if hasattr(x, "item") and not isinstance(x, float):  # numpy scalar or 0-d array
        x = x.item()
        if isinstance(x, (bool, int)):
            return fmt_number(x)
    x = float(x)
    if x != x:
        return "nan"
    r = repr(x)
    return r[:-2] if r.endswith(".0") else r


def fmt_value(x: Any, *, full: bool = False, oneline: bool = True) -> str:
    """A number, or an array as nested brackets (numpy's layout; summarized with … when large)."""
    if x is None:
        return ""
    if not is_array(x):
        return fmt_number(x)
    import numpy as np  # x is a numpy array, so numpy is loaded already

    a = np.asarray(x)
    s = np.array2string(
        a,
        separator=", ",
        threshold=sys.maxsize if full else SUMMARY_THRESHOLD,
        edgeitems=3,
        max_line_width=sys.maxsize if oneline else 75,
        formatter={"float_kind": fmt_number, "int_kind": str, "bool": fmt_number},
    )
    s = s.replace("...", "…")
    if oneline:
        s = s.replace("\n", "")
    if a.size > SUMMARY_THRESHOLD and not full:
        s += f"  (shape {tuple(a.shape)})" if oneline else f"\nshape {tuple(a.shape)}"
    return s


# -- strict JSON -------------------------------------------------------------------------------
def _default(o: Any) -> Any:
    if hasattr(o, "tolist"):  # numpy arrays and scalars
        return o.tolist()
    raise TypeError(f"{type(o).__name__} is not JSON serializable")


def _finite(o: Any) -> Any:
    """``o`` with every non-finite float replaced by "nan", "inf" or "-inf"."""
    if isinstance(o, float):
        if o != o:
            return "nan"
        if o in (float("inf"), float("-inf")):
            return "inf" if o > 0 else "-inf"
        return o
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_finite(v) for v in o]
    if hasattr(o, "tolist") and not isinstance(o, (int, str)):
        return _finite(o.tolist())
    return o


def dumps(obj: Any) -> str:
    """Strict JSON (one line): non-finite numbers as strings, numpy arrays as nested lists."""
    try:
        return json.dumps(obj, allow_nan=False, default=_default)
    except ValueError:  # a non-finite number somewhere: take the slow, careful path
        return json.dumps(_finite(obj), allow_nan=False, default=_default)


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
    seed = getattr(report, "seed", None)
    return {} if seed is None else {"seed": seed}


def error_json(expression: str | None, err: Any) -> dict:
    """The contract's error object: {"expression": ..., "error": {"type", "message", "column"}}."""
    return {"expression": expression, "error": err.to_json()}


# -- plain text (not a terminal) --------------------------------------------------------------
def _cell(s: str) -> str:
    """One TSV cell: tabs and line breaks become spaces."""
    if "\t" in s or "\n" in s or "\r" in s:
        s = s.replace("\t", " ").replace("\r", " ").replace("\n", " ")
    return s


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


def _index_text(index: Any) -> str:
    if index is None:
        return ""
    if isinstance(index, (tuple, list)):
        return "[" + ", ".join(str(i) for i in index) + "]"
    return str(index)


def _fmt_error(x: Any) -> str:
    """An error size for people: 3 significant digits (exact values stay in TSV and JSON)."""
    if isinstance(x, float) and x == x and x not in (0.0, float("inf")):
        return f"{x:.3g}"
    return fmt_number(x)


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


# -- errors and warnings (stderr, plain text) --------------------------------------------------
def _display_char(ch: str) -> str:
    if ch.isprintable():
        return ch
    if ch in "\t\n\r\f\v":
        return " "
    return "?"


def caret_snippet(text: str, column: int, width: int = 78) -> tuple[str, str]:
    """(the text around ``column``, a caret line under it), both at most ``width`` columns.

    ``column`` is 1-based and may be ``len(text) + 1`` (end of input).  Cut text gets '…'."""
    n = len(text)
    i = min(max(column - 1, 0), n)
    if n + 1 <= width:
        start, end = 0, n
    else:
        room = width - 2  # a '…' on each side
        start = max(0, i - room // 2)
        end = min(n, start + room)
        start = max(0, end - room)
    shown = "".join(_display_char(c) for c in text[start:end])
    left = "…" if start > 0 else ""
    right = "…" if end < n else ""
    caret = " " * (len(left) + i - start) + "^"
    return left + shown + right, caret


_LABELS = {"syntax": "syntax error", "shape": "shape error", "internal": "internal error"}


def error_text(err: Any, text: str | None = None, *, prog: str = "exprgrad") -> str:
    """The stderr message for an ExprgradError: a headline, then the text with a caret under the
    offending column when the error points into it."""
    label = _LABELS.get(err.type, "error")
    where = f" at column {err.column}" if err.column else ""
    if where and f"column {err.column}" in err.message:  # the message already says where
        where = ""
    lines = [f"{prog}: {label}{where}: {_safe(err.message)}"]
    src = err.text if err.text is not None else text
    if src is not None and err.column:
        line, caret = caret_snippet(src, err.column)
        lines += ["  " + line, "  " + caret]
    return "\n".join(lines)


def warning_text(warning: Any, *, prog: str = "exprgrad") -> str:
    return f"{prog}: warning: {_safe(warning.message)}"


def _safe(s: str) -> str:
    """Text any stream can encode (lone surrogates from undecodable argv bytes become '?')."""
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        return s.encode("utf-8", "replace").decode("utf-8")


def _short(text: str, width: int = 70) -> str:
    text = " ".join(_safe(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


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

    An elementwise array check shows per variable its worst element (``arrays.worst_rows``:
    failed first, then the largest error relative to the tolerance) and how many of its elements
    failed; ``full`` shows every element (``--json`` always has every row)."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    summary = _has_index(report) and not full
    if summary:
        from . import arrays  # index rows only come from array checks: numpy is loaded

        shown = arrays.worst_rows(report)
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
    seed = getattr(report, "seed", None)
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
