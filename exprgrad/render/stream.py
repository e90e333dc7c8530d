"""Render layer: statements from files and pipes, written as they come -- JSON Lines, TSV rows or
Rich rows on stdout, errors/warnings/notes and a progress line on stderr, flushed per statement.

``Writer(rows, mode, filename, stdout, stderr, phrase)`` writes ``Statement``s
(exprgrad/analysis/statements.py).  What a row holds is the command's ``Rows`` (``EvalRows``,
``CheckRows``): JSON object, TSV cells and header, Rich text -- no command names here.  ``phrase``
words an error the way the front end wants (the CLI names its flags).
Imports: stdlib, exprgrad.render; rich only in Rich mode (a terminal).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TextIO

from .messages import caret_snippet
from .numbers import cell, fmt_value, index_text, json_encoder
from .results import check_json, error_json, eval_json

#: columns of source echoed under an error message (the caret line has the same width)
ECHO_WIDTH = 80
#: seconds before the progress line appears on stderr, and between its redraws
PROGRESS_AFTER = 1.0
PROGRESS_EVERY = 0.1
#: longest error message kept (a 100,000-character name is cut in the middle)
MAX_MESSAGE = 300


def clip(message: str) -> str:
    """A message of at most ``MAX_MESSAGE`` characters (cut in the middle)."""
    if len(message) <= MAX_MESSAGE:
        return message
    half = MAX_MESSAGE // 2 - 1
    return message[:half] + " … " + message[-half:]


class EvalRows:
    """What ``eval`` writes per statement: value and gradients."""

    header = "line name value variable gradient error"
    blanks = 2  # empty cells between an error line's name and its error

    def json(self, r: Any, obj: dict) -> None:
        if r.role == "input":
            self.value_only(r, obj)
        else:
            obj.update(eval_json(r))

    def value_only(self, r: Any, obj: dict) -> None:
        """An input definition (or, under check, an array value): value, default, note."""
        obj["value"] = r.value
        if r.default is not None:
            obj["default"] = r.default
        if r.note:
            obj["note"] = r.note
        obj["warnings"] = [w.message for w in r.warnings]

    def tsv(self, r: Any, name: str, value: str, full: bool) -> str:
        if not r.gradients:
            return f"{r.line}\t{name}\t{value}\t\t\t\n"
        return "".join(
            f"{r.line}\t{name}\t{value}\t{k}\t{cell(fmt_value(g, full=full))}\t\n"
            for k, g in r.gradients.items()
        )

    def rich(self, r: Any, t: Any, full: bool) -> None:
        f = r.name or "f"
        if r.gradients is not None:
            for k, g in r.gradients.items():
                t.append(f"   ∂{f}/∂{k} = ", style="dim")
                t.append(fmt_value(g, full=full))
        elif r.note:
            t.append(f"   ({r.note})", style="yellow")


class CheckRows(EvalRows):
    """What ``check`` writes per statement: the check's rows; a statement with nothing to check
    (an input, an array value) is answered with its value, ``"ok": true`` and no checks."""

    header = "line name value variable backprop numeric abs_error rel_error ok kink error"
    blanks = 7

    def json(self, r: Any, obj: dict) -> None:
        rep = r.report
        if rep is None:
            self.value_only(r, obj)
            obj.pop("warnings")
            obj["ok"] = True
            obj["checks"] = []
            obj["warnings"] = [w.message for w in r.warnings]
            return
        js = check_json(rep)
        obj["value"] = r.value
        obj["ok"] = js["ok"]
        obj["checks"] = js["checks"]
        if "seed" in js:  # a directional check: replay it with --seed N
            obj["seed"] = js["seed"]
        obj["warnings"] = js["warnings"]

    def tsv(self, r: Any, name: str, value: str, full: bool) -> str:
        rep = r.report
        if rep is None or not rep.rows:
            return f"{r.line}\t{name}\t{value}" + "\t" * 8 + "\n"
        num = fmt_value
        return "".join(
            f"{r.line}\t{name}\t{value}\t{cell(row.variable)}{index_text(row.index)}\t"
            f"{cell(num(row.backprop, full=full))}\t{cell(num(row.numeric, full=full))}\t"
            f"{num(row.abs_error)}\t{num(row.rel_error)}\t{'true' if row.ok else 'false'}\t"
            f"{cell(row.kink or '')}\t\n"
            for row in rep.rows
        )

    def rich(self, r: Any, t: Any, full: bool) -> None:
        rep = r.report
        if rep is None:
            EvalRows.rich(self, r, t, full)
            return
        num = fmt_value
        f = r.name or "f"
        mark, style = ("✓ ok", "green") if rep.ok else ("✗ FAILED", "bold red")
        t.append(f"   {mark}", style=style)
        for row in rep.rows:
            idx = index_text(row.index)
            t.append(f"\n         ∂{f}/∂{row.variable}{idx}  backprop ")
            t.append(num(row.backprop, full=full), style="cyan")
            t.append(f"  numeric {num(row.numeric, full=full)}  abs error {num(row.abs_error)}")
            t.append(f"  rel error {num(row.rel_error)}  ")
            if row.kink:
                t.append(f"kink: {row.kink}", style="yellow")
            else:
                t.append("✓" if row.ok else "✗", style="green" if row.ok else "bold red")


class Progress:
    """A one-line progress display on stderr (a terminal) for streams that take a while."""

    def __init__(self, stream: TextIO, total: int | None) -> None:
        self.stream = stream
        self.total = total
        self.start = time.monotonic()
        self.next = self.start + PROGRESS_AFTER
        self.shown = False

    def tick(self, lines: int, done: int) -> None:
        now = time.monotonic()
        if now < self.next:
            return
        self.next = now + PROGRESS_EVERY
        rate = lines / max(now - self.start, 1e-9)
        if self.total:
            frac = min(done / self.total, 1.0)
            filled = int(frac * 30)
            bar = "━" * filled + "╺" + " " * (30 - filled) if filled < 30 else "━" * 31
            text = f"{bar} {frac * 100:5.1f}%  line {lines:,}  {rate:,.0f} lines/s"
        else:
            text = f"line {lines:,}  {rate:,.0f} lines/s"
        self.stream.write("\r\x1b[2K" + text)
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.shown = False


class Writer:
    """Writes each statement's result to stdout (``mode``: ``json``, ``tsv`` or ``rich``) and its
    errors, warnings and notes to stderr, flushing after every statement."""

    def __init__(
        self,
        rows: EvalRows,
        mode: str,
        filename: str,
        stdout: TextIO,
        stderr: TextIO,
        phrase: Callable[[Any], str] = lambda err: err.message,
        *,
        full: bool = False,
        tty: bool = False,
    ) -> None:
        self.rows = rows
        self.mode = mode
        self.filename = filename
        self.out = stdout
        self.err = stderr
        self.phrase = phrase
        self.progress: Progress | None = None
        self.full = full  # arrays in full, not summarized (--full)
        self.tty = tty  # stdout is a terminal
        if mode == "json":
            self.dumps = json_encoder()
        elif mode == "rich":
            from rich.console import Console

            self.console = Console(file=stdout, highlight=False, soft_wrap=True)
        elif mode == "tsv":
            self._write(rows.header.replace(" ", "\t") + "\n")

    def _write(self, s: str) -> None:
        out = self.out
        out.write(s)
        out.flush()

    def message(self, s: str) -> None:
        """A line on stderr (clears the progress line first)."""
        if self.progress is not None:
            self.progress.clear()
        self.err.write(s + "\n")
        self.err.flush()

    # one statement ------------------------------------------------------------------------
    def statement(self, r: Any) -> None:
        if r.role == "stop":
            assert r.error is not None
            self.message(f"{self.filename}: {r.error.message}")
            return
        message = None
        if r.role == "error":
            assert r.error is not None
            message = clip(self.phrase(r.error))  # the same text on stderr and in the output
            self.report_error(r.line, r.error, message)
        else:
            for w in r.warnings:
                self.message(f"{self.filename}:{r.line}: warning: {w.message}")
            if self.mode == "tsv" and r.note:  # JSON has "note", a terminal row shows it
                self.message(f"{self.filename}:{r.line}: note: {r.note}")
        if self.progress is not None and self.tty:  # stdout shares the terminal
            self.progress.clear()
        if self.mode == "json":
            self._write(self._json(r, message))
        elif self.mode == "tsv":
            self._write(self._tsv(r, message))
        else:
            self._rich(r, message)

    def report_error(self, line: int | None, err: Any, message: str | None = None) -> None:
        """``FILE:line:column: message`` on stderr, then the line and a caret under the spot."""
        where = f"{self.filename}:{line}:" if line is not None else f"{self.filename}:"
        if err.column is not None:
            where += f"{err.column}:"
        lines = [f"{where} {clip(self.phrase(err) if message is None else message)}"]
        if err.text is not None and err.text.strip():
            src, caret = caret_snippet(err.text, err.column or 1, ECHO_WIDTH - 2)
            lines.append("  " + src)
            if err.column is not None:
                lines.append("  " + caret)
        self.message("\n".join(lines))

    # JSON Lines: the single-expression objects plus "line" and "name" ------------------------
    def _json(self, r: Any, message: str | None) -> str:
        obj: dict[str, Any] = {"line": r.line, "expression": r.text}
        if r.name is not None:
            obj["name"] = r.name
        if r.role == "error":
            obj.update(error_json(r.text, r.error, message))
        else:
            self.rows.json(r, obj)
        return self.dumps(obj) + "\n"

    def _tsv(self, r: Any, message: str | None) -> str:
        name = cell(r.name or "")
        if r.role == "error":
            blanks = "\t" * self.rows.blanks
            return f"{r.line}\t{name}\t{blanks}\t{cell(r.error.type + ': ' + str(message))}\n"
        value = cell(fmt_value(r.value, full=self.full))
        return self.rows.tsv(r, name, value, self.full)

    def _rich(self, r: Any, message: str | None) -> None:
        from rich.text import Text

        full = self.full
        t = Text()
        t.append(f"{r.line:>5}  ", style="dim")
        t.append(r.text, style="bold")
        if r.role == "error":
            t.append(f"  ✗ {r.error.type} error: {message}", style="red")
        elif r.role == "input":
            t.append("   input ", style="dim")
            t.append(f"{r.name} = {fmt_value(r.value, full=full)}", style="cyan")
            if r.default is not None:
                t.append(f"  (--{r.name} overrides {fmt_value(r.default)})", style="yellow")
        else:
            t.append("   = ", style="dim")
            t.append(fmt_value(r.value, full=full), style="bold cyan")
            self.rows.rich(r, t, full)
        self.console.print(t)
        self.out.flush()
