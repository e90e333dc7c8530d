"""CLI layer: statements from a file or stdin (``eval -f FILE``, ``check`` without EXPR) --
read, run, write, and the exit status.

``run_cli(stream, source, filename, bindings, options, stdout, stderr, tty)`` reads ``source``
(bytes) a line at a time (exprgrad/io/lines.py), runs each statement with the command's action
(exprgrad/analysis/statements.py) and writes each result as soon as its line is done
(exprgrad/render/stream.py).  ``stream`` is the command's ``StreamSpec``: its rows and how to
build its action from the options, so nothing here names a command.

Exit status: 2 if any line was bad input or a binding (or ``--wrt`` name) went unused, else 1 if a
check failed, else 0; 70 for an internal error, 130 on Ctrl-C; stdout closed early (``| head``)
ends the stream quietly with status 0.
Imports: stdlib, exprgrad.analysis, exprgrad.io, exprgrad.render, exprgrad.errors,
exprgrad.cli.args; rich only on a terminal, numpy only for array bindings.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, BinaryIO, TextIO

from ..analysis.bindings import convert
from ..analysis.statements import Statements
from ..errors import ExprgradError
from ..io.lines import read_lines, size_of
from ..render.numbers import dumps
from ..render.results import error_json
from ..render.stream import EvalRows, Progress, Writer, clip
from .args import phrase


class StreamSpec:
    """What a command does per statement: ``rows`` (how results are written) and
    ``action(options)`` -> the per-statement action (validating the options once, before line
    1: a bad one stops the stream like a bad binding)."""

    def __init__(self, rows: EvalRows, action: Callable[[dict[str, Any]], Any]):
        self.rows = rows
        self.action = action


def run_cli(
    stream: StreamSpec,
    source: BinaryIO,
    filename: str,
    bindings: dict[str, Any],
    options: dict[str, Any],
    stdout: TextIO,
    stderr: TextIO,
    tty: bool,
) -> int:
    """Run every statement of ``source``; return the exit status.

    ``options`` keys used: json, full, wrt, and what the command's action reads."""
    mode = "json" if options.get("json") else ("rich" if tty else "tsv")
    if hasattr(source, "buffer") and not hasattr(source, "read1"):  # a text stream was passed
        source = source.buffer
    try:  # bindings and the command's options: a bad one stops the stream before line 1
        overflows: dict[str, list[str]] = {}
        values = convert(bindings, overflows=overflows)
        wrt = options.get("wrt")  # a list of names (exprgrad/cli/args.py splits --wrt w,b)
        # a file's relative @paths are relative to the file (stdin: the working directory)
        base = None if filename == "<stdin>" else os.path.dirname(filename) or None
        runner = Statements(stream.action(options), values, wrt, base=base, overflows=overflows)
    except ExprgradError as err:
        message = clip(phrase(err))
        stderr.write(f"exprgrad: error: {message}\n")
        if mode == "json":  # a JSON Lines reader still gets one object saying why nothing ran
            stdout.write(dumps({"line": None, **error_json(None, err, message)}) + "\n")
            stdout.flush()
        return err.exit_code
    writer = Writer(stream.rows, mode, filename, stdout, stderr, phrase, tty=tty)
    writer.full = bool(options.get("full"))
    try:
        stderr_tty = stderr.isatty()
    except (AttributeError, ValueError, OSError):
        stderr_tty = False
    if stderr_tty:
        writer.progress = Progress(stderr, size_of(source))
    try:
        return _run(runner, writer, source)
    except KeyboardInterrupt:
        _flush_quietly(writer)
        writer.message("exprgrad: interrupted")
        return 130
    except BrokenPipeError:  # exprgrad/cli/main.py's exit flush sends the rest to /dev/null
        if writer.progress is not None:
            writer.progress.clear()
        return 0  # like `exprgrad eval EXPR | head`: the reader has all it wanted


def _flush_quietly(writer: Writer) -> None:
    try:
        writer.out.flush()
    except (OSError, ValueError):
        pass


def _run(runner: Statements, writer: Writer, source: BinaryIO) -> int:
    bad = failed = internal = False
    counter = [0]
    progress = writer.progress

    def lines():
        for n, text in read_lines(source, counter):
            if progress is not None and n is not None:
                progress.tick(n, counter[0])
            yield n, text

    for r in runner.each(lines()):
        if r.error is not None:
            if r.error.type == "internal":
                internal = True
                if os.environ.get("EXPRGRAD_DEBUG") == "1" and r.error.__cause__ is not None:
                    import traceback

                    exc = r.error.__cause__
                    traceback.print_exception(type(exc), exc, exc.__traceback__)
            else:
                bad = True
        elif r.report is not None and not r.report.ok:
            failed = True
        writer.statement(r)
    if progress is not None:
        progress.clear()
    for err in runner.unused():
        writer.message(f"exprgrad: error: {phrase(err)}")
        bad = True
    return 70 if internal else 2 if bad else 1 if failed else 0
