"""API layer (batch): expression files and pipes -- statements, definitions across lines, streaming.

``run_cli`` is what ``exprgrad eval -f FILE`` and ``exprgrad check`` without EXPR call
(exprgrad/cli.py).  It reads its source as *bytes*, one line at a time (never the whole file: a
1 GB file starts at once), and writes and flushes one result per statement as soon as that line
is done:

* ``name = expr`` whose right side has no variables defines an *input* with a default value
  (repeating it resets the default for the lines after it; a command-line binding overrides every
  default); any other ``name = expr`` defines a named *intermediate* node that later lines reuse
  (one shared node in one graph, so a gradient through a definition used twice sums both paths).
* Every line is parsed into one ``graph.Tape`` for the whole batch.  An expression line's nodes are
  dropped again (``Tape.truncate``) once it is done, so memory grows with definitions, not lines;
  each line is evaluated over the nodes it reaches (``Tape.cone``), so its cost does not grow with
  the file so far.  ``check`` re-evaluates the definitions a line uses at every perturbation.
* Output: JSON Lines with ``--json``; tab-separated columns with a header when stdout is not a
  terminal; Rich rows on a terminal (Rich is imported only then), with a progress line on stderr
  for long batches.  A failing line prints ``FILE:line:column: message``, the line (at most 80
  columns) and a caret on stderr, and the other lines still run.

* ``check`` checks scalar outputs only: a statement whose value is an array is answered as
  ``eval`` answers it (value and note, no checks; not a failure), so an array-valued definition
  (``h = sigmoid(X @ W + b)``) can feed a scalar line that is checked.  ``--eps/--rtol/--atol``
  and the method are validated once, before line 1, like the bindings.
* A warning, kink or error raised by a node of a definition names that definition's line
  (``log at column 9 of line 2 gave -inf``), whichever line evaluated it.

Exit status: 2 if any line was bad input or a binding (or ``--wrt`` name) went unused, else 1 if a
check failed, else 0; 70 for an internal error, 130 on Ctrl-C; stdout closed early (``| head``)
ends the batch quietly with status 0, like the single-expression command (exprgrad/cli.py's exit
flush silences what is left).  Numbers, cells and JSON objects come from exprgrad/render.py.
Imports: stdlib, exprgrad's library modules (api, errors, graph, ops, render, values); rich only
on a terminal, numpy only through exprgrad.arrays for array bindings.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from typing import Any, BinaryIO, TextIO

from . import engine, render
from .api import (
    DEFAULT_ATOL,
    DEFAULT_EPS,
    DEFAULT_RTOL,
    Expression,
    check_settings,
    column_of,
    parse_into,
)
from .errors import BindingError, ExprgradError, ExprNameError, InputError, did_you_mean
from .graph import Tape
from .ops import CONSTANTS

#: longest line read as one statement; a longer one is skipped with an error (never loaded whole)
MAX_LINE = 64 * 1024 * 1024
#: this many undecodable lines (NUL bytes, invalid UTF-8) in a row stop the batch: binary input
BINARY_STREAK = 10
#: columns of source echoed under an error message (the caret line has the same width)
ECHO_WIDTH = 80
#: seconds before the progress line appears on stderr, and between its redraws
PROGRESS_AFTER = 1.0
PROGRESS_EVERY = 0.1
#: longest error message kept (a 100,000-character name is cut in the middle)
MAX_MESSAGE = 300

_BOM = b"\xef\xbb\xbf"


class _BatchTape(Tape):
    """The batch's tape: also records the name tokens each line uses, in text order."""

    def __init__(self) -> None:
        super().__init__()
        self.used: list[int] = []

    def var(self, k: int) -> int:
        self.used.append(k)
        return Tape.var(self, k)


class _Line:
    """The outcome of one statement, for the renderers.  It has what ``render.eval_json`` reads
    of an ``api.Result`` (``expression.text``, value, gradients, note, warnings)."""

    __slots__ = (
        "line",
        "text",
        "name",
        "kind",
        "value",
        "gradients",
        "note",
        "warnings",
        "report",
        "error",
        "default",
    )

    def __init__(self, line: int, text: str, kind: str, name: str | None = None) -> None:
        self.line = line
        self.text = text.strip()  # as shown ("expression"); columns count in the raw line
        self.kind = kind  # "expr", "input", "def" or "error"
        self.name = name
        self.value: Any = None
        self.gradients: dict[str, Any] | None = None
        self.note: str | None = None  # why there are no gradients (an array value)
        self.warnings: list = []
        self.report: Any = None  # api.CheckReport (check, a scalar value)
        self.error: ExprgradError | None = None
        self.default: Any = None  # an input definition overridden on the command line

    @property
    def expression(self) -> _Line:  # render.eval_json reads result.expression.text
        return self


class _Column(int):
    """A column on another line of the batch (a definition's node): formats as ``9 of line 2``,
    so the library's ``f"... at column {col}"`` messages name the line the node came from."""

    line: int

    def __new__(cls, column: int, line: int) -> _Column:
        self = int.__new__(cls, column)
        self.line = line
        return self

    def __str__(self) -> str:
        return f"{int(self)} of line {self.line}"

    def __format__(self, spec: str) -> str:
        return str(self) if not spec else format(int(self), spec)


class _LineExpression(Expression):
    """One statement's Expression: columns of nodes that came from a definition's line are
    ``_Column``s.  Each Batch subclasses it with its own ``lines`` (first node of a definition's
    text -> its line number), so a line costs no more than a plain Expression."""

    lines: dict[int, int] = {}

    def column(self, node: int) -> int | None:
        col = Expression.column(self, node)
        if col is None:
            return None
        line = self.lines.get(self.tape.text_of(node)[0])
        return col if line is None else _Column(col, line)


def _short(name: str, limit: int = 40) -> str:
    return name if len(name) <= limit else name[: limit - 11] + "…" + name[-10:]


def _clip(message: str) -> str:
    if len(message) <= MAX_MESSAGE:
        return message
    half = MAX_MESSAGE // 2 - 1
    return message[:half] + " … " + message[-half:]


class Batch:
    """One batch: the shared graph, the inputs' defaults and the named definitions."""

    def __init__(
        self,
        command: str,
        bindings: dict[str, Any],
        *,
        eps: float = DEFAULT_EPS,
        rtol: float = DEFAULT_RTOL,
        atol: float = DEFAULT_ATOL,
        wrt: list[str] | None = None,
        method: str | None = None,
        seed: int | None = None,
    ) -> None:
        self.command = command
        self.tape = _BatchTape()
        self.bound = bindings  # command-line values (override every default)
        self.used_bound: set[str] = set()
        self.defaults: dict[str, Any] = {}  # input name -> default from `name = number`
        self.def_line: dict[str, int] = {}  # name -> line of its definition (inputs: the last)
        self.def_vars: dict[str, tuple[str, ...]] = {}  # intermediate -> the inputs it uses
        self.failed: dict[str, int] = {}  # a definition that failed -> its line
        self.lines: dict[int, int] = {}  # first node of a definition's text -> its line
        self.expression = type("_BatchExpression", (_LineExpression,), {"lines": self.lines})
        self.check_opts = {"eps": eps, "rtol": rtol, "atol": atol}
        if method is not None:
            self.check_opts["method"] = method
        if seed is not None:
            self.check_opts["seed"] = seed
        self.wrt = None if wrt is None else tuple(wrt)
        self.used_wrt: set[str] = set()
        self.uses_defs = False  # did the statement just parsed use a definition?
        self.seen: set[str] = set()  # variable names seen (at most ~10,000)

    # -- one statement --------------------------------------------------------------------
    def run(self, line: int, text: str) -> _Line:
        """Parse and evaluate one statement (a line without its comment; not blank)."""
        tape = self.tape
        mark = len(tape)
        tape.used = []
        try:
            parsed = parse_into(tape, text)
        except ExprgradError as err:
            return self._error(line, text, err)
        except BaseException:
            tape.truncate(mark)
            raise
        if isinstance(parsed, tuple):
            return self._definition(line, text, mark, *parsed)
        try:
            out = _Line(line, text, "expr")
            self._evaluate(out, text, parsed, mark)
            return out
        except ExprgradError as err:
            return self._error(line, text, err)
        finally:
            tape.truncate(mark)

    def _error(self, line: int, text: str, err: ExprgradError, name: str | None = None) -> _Line:
        out = _Line(line, text, "error", name)
        if isinstance(err.column, _Column):  # raised by a definition's node: its message says
            err.column, err.text = None, text  # where ("at column 7 of line 2")
        if err.column is None and err.token_index is not None:
            err.column = column_of(text, err.token_index)
        if err.text is None:
            err.text = text
        out.error = err
        return out

    def _variables(self, mark: int) -> tuple[str, ...]:
        """The inputs the statement just parsed reaches, in order of first appearance (through
        definitions, in their own order); raises for a name whose definition failed."""
        tape = self.tape
        toks, scope, tvars = tape.toks, tape.scope, tape.vars
        out: dict[str, None] = {}
        self.uses_defs = False
        for k in tape.used:
            name = toks[k]
            if name in scope:
                self.uses_defs = True
                for v in self.def_vars[name]:
                    out[v] = None
            elif name in tvars:
                if name in self.failed and name not in self.defaults and tvars[name] >= mark:
                    raise ExprNameError(
                        f"'{_short(name)}' is defined on line {self.failed[name]}, "
                        "but that definition failed",
                        token_index=k,
                    )
                out[name] = None
        return tuple(out)

    def _values(self, variables: tuple[str, ...], text: str) -> dict[str, Any]:
        values = {}
        missing = []
        bound, defaults = self.bound, self.defaults
        for name in variables:
            if name in bound:
                values[name] = bound[name]
                self.used_bound.add(name)
            elif name in defaults:
                values[name] = defaults[name]
            else:
                missing.append(name)
        if missing:
            s = "s" if len(missing) > 1 else ""
            shown = ", ".join(_short(m) for m in missing[:5])
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            first = _short(missing[0])
            k = next((k for k in self.tape.used if self.tape.toks[k] == missing[0]), None)
            raise BindingError(
                f"unbound variable{s}: {shown}{more} (define it on an earlier line, "
                f"e.g. {first} = 1, or give a value with --{first} VALUE)",
                column_of(text, k) if k is not None else None,
            )
        return values

    def _evaluate(self, out: _Line, text: str, root: int, mark: int) -> tuple[str, ...]:
        """Value and gradients (eval) or the check report (check) of node ``root``; ``text``
        is the line as parsed.  Under check, an array value is answered as eval answers it."""
        tape = self.tape
        variables = self._variables(mark)
        values = self._values(variables, text)
        if self.uses_defs:
            cone = tape.cone(root)
        else:  # every node from `mark` on is this line's; before it, only input nodes
            tv = tape.vars
            cone = sorted(n for n in map(tv.__getitem__, variables) if n < mark)
            cone.extend(range(mark, len(tape)))
        expr = self.expression(text, tape, root, cone, variables)
        wrt = None
        if self.wrt is not None:
            wrt = [v for v in variables if v in self.wrt]
            self.used_wrt.update(wrt)
        if len(self.seen) < 10_000:  # names for "did you mean" (bounded memory)
            self.seen.update(variables)
        scalar = not expr.is_array and all(x.__class__ is float for x in values.values())
        if self.command == "check":
            if not scalar:  # only a scalar output is checked; an array is answered like eval
                res = expr.gradients(values, wrt=wrt)
                if res.gradients is None:
                    out.value, out.note, out.warnings = res.value, res.note, res.warnings
                    return variables
            report = expr.check(values, wrt=wrt, **self.check_opts)
            out.report = report
            out.value = report.value
            out.warnings = report.warnings
        elif scalar:
            self._scalar_gradients(out, expr, values, wrt)
        else:
            res = expr.gradients(values, wrt=wrt)
            out.value, out.gradients = res.value, res.gradients
            out.note, out.warnings = res.note, res.warnings
        return variables

    @staticmethod
    def _scalar_gradients(out: _Line, expr: Expression, values: dict, wrt: list | None) -> None:
        """``expr.gradients(values, wrt=wrt)`` for float inputs, minus what the batch has
        already checked (bindings, wrt names) and the Result object: the same engine passes
        over the line's cone, the same warnings (tests compare both)."""
        tape = expr.tape
        prog = expr.program
        val, tv = tape.val, tape.vars
        v = {n: val[n] for n in expr._cone}  # type: ignore[union-attr]
        for name, x in values.items():
            v[tv[name]] = x
        engine.forward(v, *prog)
        g = dict.fromkeys(v, 0.0)
        g[expr.root] = 1.0
        engine.backward(v, g, *prog)
        out.value = v[expr.root]
        out.gradients = {name: g[tv[name]] for name in (expr.variables if wrt is None else wrt)}
        out.warnings = expr.nonfinite_warnings(v)

    def _definition(self, line: int, text: str, mark: int, name: str, root: int, k: int) -> _Line:
        tape = self.tape
        out = _Line(line, text, "def", name)
        try:
            if name in CONSTANTS:
                raise BindingError(f"{name} is a built-in constant and cannot be defined")
            if name in tape.scope:
                raise ExprNameError(
                    f"'{_short(name)}' is already defined on line {self.def_line[name]}; "
                    "a definition cannot be changed (choose a new name)"
                )
            if not tape.dep[root]:
                return self._input(out, text, root, mark, k)
            if name in tape.vars:
                if tape.vars[name] >= mark:
                    why = "its definition uses the name itself"
                elif name in self.defaults:
                    why = (
                        f"it is an input (defined on line {self.def_line[name]} with a value); "
                        "an input is redefined only with a value, like b = -3"
                    )
                else:
                    why = "an earlier definition uses it as an input (define names before use)"
                raise ExprNameError(f"cannot define '{_short(name)}': {why}")
            if name in self.bound:
                raise BindingError(
                    f"'{_short(name)}' is bound on the command line but defined here from other "
                    "names; only inputs (name = number) can be bound"
                )
            variables = self._evaluate(out, text, root, mark)
        except ExprgradError as err:
            tape.truncate(mark)
            self.failed[name] = line
            if err.column is None and err.token_index is None:
                err.column = column_of(text, k)
            return self._error(line, text, err, name)
        except BaseException:
            tape.truncate(mark)
            raise
        tape.scope[name] = root
        self.lines[mark] = line
        self.def_line[name] = line
        self.def_vars[name] = variables
        self.failed.pop(name, None)
        return out

    def _input(self, out: _Line, text: str, root: int, mark: int, k: int) -> _Line:
        """``name = <constant>``: set the input's default for the lines after this one."""
        tape = self.tape
        name = out.name
        assert name is not None
        expr = Expression(text, tape, root, list(range(mark, len(tape))), ())
        try:
            res = expr.gradients({})
            value = res.value
            out.warnings = res.warnings
        finally:
            toks = tape.toks
            tape.truncate(mark)
        if name not in tape.vars:  # the input's node, created once, named by this line
            tape.begin(text, toks)
            Tape.var(tape, k)
            self.lines[mark] = out.line
        self.defaults[name] = value
        self.def_line[name] = out.line
        self.failed.pop(name, None)
        out.kind = "input"
        if name in self.bound:
            self.used_bound.add(name)
            out.default = value
            value = self.bound[name]
        out.value = value
        return out

    def unused(self) -> list[str]:
        """Messages for command-line bindings and --wrt names no line used."""
        out = []
        names = [*self.seen, *self.defaults, *self.def_vars]
        for name in self.bound:
            if name not in self.used_bound:
                hint = did_you_mean(name, names)
                out.append(f"--{_short(name)} is bound but no line uses it{hint}")
        for name in self.wrt or ():
            if name not in self.used_wrt:
                out.append(f"--wrt names '{_short(name)}', which no line uses")
        return out


# -- reading ----------------------------------------------------------------------------------
def _lines(source: BinaryIO, counter: list[int]) -> Iterator[tuple[int, bytes | None]]:
    """(line number, raw line without its end) one at a time; None for a line over MAX_LINE.

    ``counter[0]`` accumulates the bytes read (for the progress line)."""
    readline = source.readline
    n = 0
    while True:
        raw = readline(MAX_LINE)
        if not raw:
            return
        n += 1
        counter[0] += len(raw)
        if raw[-1:] != b"\n" and len(raw) >= MAX_LINE:
            while True:  # skip the rest of the over-long line, a chunk at a time
                more = readline(MAX_LINE)
                counter[0] += len(more)
                if not more or more[-1:] == b"\n":
                    break
            yield n, None
            continue
        if raw[-1:] == b"\n":
            raw = raw[:-1]
            if raw[-1:] == b"\r":
                raw = raw[:-1]
        yield n, raw


def _decode(raw: bytes) -> str:
    """Decode one line; raises ``InputError`` (invalid UTF-8) or a syntax error (NUL)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        col = len(raw[: err.start].decode("utf-8", "replace")) + 1
        raise InputError(
            f"invalid UTF-8 (byte 0x{raw[err.start]:02x}) at column {col}: "
            "expression files must be UTF-8 text",
            col,
            text=raw.decode("utf-8", "replace"),
        ) from None
    if "\0" in text:
        from .errors import ExprSyntaxError

        col = text.index("\0") + 1
        raise ExprSyntaxError(
            f"NUL byte at column {col}: this looks like binary data, not expression text",
            col,
            text=text,
        )
    return text


# -- rendering --------------------------------------------------------------------------------
def _dumps() -> Any:
    """``render.dumps`` with its JSON encoder built once (``--json`` encodes an object per line;
    building the encoder each time costs as much as encoding).  Same text: a number that is not
    finite, or an array holding one, takes render.dumps's own path."""
    from json.encoder import c_make_encoder, encode_basestring_ascii

    if c_make_encoder is None:  # no C accelerator (not CPython)
        return render.dumps
    # (markers, default, encoder, indent, key sep, item sep, sort_keys, skipkeys, allow_nan)
    encode = c_make_encoder(
        None, render._default, encode_basestring_ascii, None, ": ", ", ", False, False, False
    )

    def dumps(obj: Any) -> str:
        try:
            return "".join(encode(obj, 0))
        except ValueError:
            return render.dumps(obj)

    return dumps


class _Progress:
    """A one-line progress display on stderr (a terminal) for batches that take a while."""

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


class _Writer:
    """Writes each statement's result to stdout (JSON Lines, TSV or Rich) and its errors and
    warnings to stderr, flushing after every line."""

    def __init__(
        self, command: str, mode: str, filename: str, stdout: TextIO, stderr: TextIO
    ) -> None:
        self.command = command
        self.mode = mode  # "json", "tsv" or "rich"
        self.filename = filename
        self.out = stdout
        self.err = stderr
        self.progress: _Progress | None = None
        self.full = False  # arrays in full, not summarized (--full)
        self.tty = mode == "rich"  # stdout is a terminal
        if mode == "json":
            self.dumps = _dumps()
        elif mode == "rich":
            from rich.console import Console

            self.console = Console(file=stdout, highlight=False, soft_wrap=True)
        elif mode == "tsv":
            if command == "check":
                cols = "line name value variable backprop numeric abs_error rel_error ok kink error"
            else:
                cols = "line name value variable gradient error"
            self._write(cols.replace(" ", "\t") + "\n")

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
    def line(self, r: _Line) -> None:
        if r.kind == "error":
            e = r.error
            assert e is not None
            if len(e.message) > MAX_MESSAGE:  # the same text on stderr and in the output
                e.message = _clip(e.message)
            self.report_error(r.line, e)
        else:
            for w in r.warnings:
                self.message(f"{self.filename}:{r.line}: warning: {w.message}")
            if r.note and self.mode == "tsv":  # JSON has "note", a terminal row shows it
                self.message(f"{self.filename}:{r.line}: note: {r.note}")
        if self.progress is not None and self.tty:  # stdout shares the terminal
            self.progress.clear()
        if self.mode == "json":
            self._write(self._json(r))
        elif self.mode == "tsv":
            self._write(self._tsv(r))
        else:
            self._rich(r)

    def report_error(self, line: int | None, err: ExprgradError) -> None:
        where = f"{self.filename}:{line}:" if line is not None else f"{self.filename}:"
        if err.column is not None:
            where += f"{err.column}:"
        lines = [f"{where} {_clip(err.message)}"]
        if err.text is not None and err.text.strip():
            src, caret = render.caret_snippet(err.text, err.column or 1, ECHO_WIDTH - 2)
            lines.append("  " + src)
            if err.column is not None:
                lines.append("  " + caret)
        self.message("\n".join(lines))

    # JSON Lines: the single-expression objects of exprgrad/render.py, plus "line" and "name" --
    def _json(self, r: _Line) -> str:
        obj: dict[str, Any] = {"line": r.line, "expression": r.text}
        if r.name is not None:
            obj["name"] = r.name
        if r.kind == "error":
            obj.update(render.error_json(r.text, r.error))
        elif r.report is not None:  # check, a scalar value
            rep = render.check_json(r.report)
            obj["value"] = r.value
            obj["ok"] = rep["ok"]
            obj["checks"] = rep["checks"]
            if "seed" in rep:  # a directional check: replay it with --seed N
                obj["seed"] = rep["seed"]
            obj["warnings"] = rep["warnings"]
        elif r.kind == "input" or self.command == "check":  # nothing to check: value (+ note)
            obj["value"] = r.value
            if r.default is not None:
                obj["default"] = r.default
            if r.note:
                obj["note"] = r.note
            if self.command == "check":
                obj["ok"] = True
                obj["checks"] = []
            obj["warnings"] = [w.message for w in r.warnings]
        else:
            obj.update(render.eval_json(r))
        return self.dumps(obj) + "\n"

    # TSV ------------------------------------------------------------------------------------
    def _tsv(self, r: _Line) -> str:
        cell, num, full = render._cell, render.fmt_value, self.full
        name = cell(r.name or "")
        if r.kind == "error":
            e = r.error
            assert e is not None
            blanks = "\t" * (7 if self.command == "check" else 2)
            return f"{r.line}\t{name}\t{blanks}\t{cell(e.type + ': ' + e.message)}\n"
        value = cell(num(r.value, full=full))
        if self.command == "check":
            rep = r.report
            if rep is None or not rep.rows:
                return f"{r.line}\t{name}\t{value}" + "\t" * 8 + "\n"
            return "".join(
                f"{r.line}\t{name}\t{value}\t{cell(row.variable)}{render._index_text(row.index)}\t"
                f"{cell(num(row.backprop, full=full))}\t{cell(num(row.numeric, full=full))}\t"
                f"{num(row.abs_error)}\t{num(row.rel_error)}\t{'true' if row.ok else 'false'}\t"
                f"{cell(row.kink or '')}\t\n"
                for row in rep.rows
            )
        if not r.gradients:
            return f"{r.line}\t{name}\t{value}\t\t\t\n"
        return "".join(
            f"{r.line}\t{name}\t{value}\t{k}\t{cell(num(g, full=full))}\t\n"
            for k, g in r.gradients.items()
        )

    # Rich rows --------------------------------------------------------------------------------
    def _rich(self, r: _Line) -> None:
        from rich.text import Text

        num, full = render.fmt_value, self.full
        t = Text()
        t.append(f"{r.line:>5}  ", style="dim")
        t.append(r.text, style="bold")
        if r.kind == "error":
            e = r.error
            assert e is not None
            t.append(f"  ✗ {e.type} error: {e.message}", style="red")
        elif r.kind == "input":
            t.append("   input ", style="dim")
            t.append(f"{r.name} = {num(r.value, full=full)}", style="cyan")
            if r.default is not None:
                t.append(f"  (--{r.name} overrides {num(r.default)})", style="yellow")
        else:
            f = r.name or "f"
            t.append("   = ", style="dim")
            t.append(num(r.value, full=full), style="bold cyan")
            rep = r.report
            if rep is not None:
                mark, style = ("✓ ok", "green") if rep.ok else ("✗ FAILED", "bold red")
                t.append(f"   {mark}", style=style)
                for row in rep.rows:
                    idx = render._index_text(row.index)
                    t.append(f"\n         ∂{f}/∂{row.variable}{idx}  backprop ")
                    t.append(num(row.backprop, full=full), style="cyan")
                    t.append(
                        f"  numeric {num(row.numeric, full=full)}  abs error {num(row.abs_error)}"
                    )
                    t.append(f"  rel error {num(row.rel_error)}  ")
                    if row.kink:
                        t.append(f"kink: {row.kink}", style="yellow")
                    else:
                        t.append("✓" if row.ok else "✗", style="green" if row.ok else "bold red")
            elif r.gradients is not None:
                for k, g in r.gradients.items():
                    t.append(f"   ∂{f}/∂{k} = ", style="dim")
                    t.append(num(g, full=full))
            elif r.note:
                t.append(f"   ({r.note})", style="yellow")
        self.console.print(t)
        self.out.flush()


# -- entry point --------------------------------------------------------------------------------
def _parse_bindings(bindings: dict[str, Any]) -> dict[str, Any]:
    from .values import parse_value

    out = {}
    for name, raw in bindings.items():
        if name in CONSTANTS:
            raise BindingError(f"{name} is a built-in constant and cannot be bound")
        out[name] = parse_value(name, raw) if isinstance(raw, str) else raw
    return out


def _size(source: BinaryIO) -> int | None:
    try:
        import stat

        st = os.fstat(source.fileno())
        return st.st_size if stat.S_ISREG(st.st_mode) and st.st_size > 0 else None
    except (OSError, AttributeError, ValueError):
        return None


def _check_options(options: dict[str, Any]) -> dict[str, Any]:
    """check's --eps/--rtol/--atol/method/--seed, validated once before line 1 (the rules of
    ``api.Expression.check``); raises ``BindingError`` like a bad binding value."""
    out: dict[str, Any] = {}
    for opt, default in (("eps", DEFAULT_EPS), ("rtol", DEFAULT_RTOL), ("atol", DEFAULT_ATOL)):
        raw = options.get(opt)
        try:
            out[opt] = default if raw is None else float(raw)
        except (TypeError, ValueError):
            raise BindingError(f"--{opt}: {raw!r} is not a number") from None
    method = options.get("method")
    check_settings(out["eps"], out["rtol"], out["atol"], method)
    seed = options.get("seed")
    if seed is not None and (seed.__class__ is not int or seed < 0):
        raise BindingError(f"--seed must be a whole number >= 0, got {seed!r}")
    return {**out, "method": method, "seed": seed}


def open_source(path: str) -> BinaryIO:
    """Open ``path`` for ``run_cli`` (``-`` is stdin); raises ``InputError`` with a clear message
    for a missing file, a directory, or one that cannot be read."""
    if path == "-":
        return sys.stdin.buffer
    try:
        if os.path.isdir(path):
            raise InputError(f"{path}: is a directory, not an expression file")
        return open(path, "rb")  # noqa: SIM115 -- run_cli reads it to the end
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not an expression file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as err:
        raise InputError(f"{path}: cannot open ({err.strerror or err})") from None


def run_cli(
    command: str,
    source: BinaryIO,
    filename: str,
    bindings: dict[str, Any],
    options: dict[str, Any],
    stdout: TextIO,
    stderr: TextIO,
    tty: bool,
) -> int:
    """Run every statement of ``source`` (bytes, read a line at a time); return the exit status.

    ``options`` keys used: json, eps, rtol, atol, wrt, method, seed (others are ignored)."""
    mode = "json" if options.get("json") else ("rich" if tty else "tsv")
    if hasattr(source, "buffer") and not hasattr(source, "read1"):  # a text stream was passed
        source = source.buffer  # type: ignore[assignment]
    try:  # bindings and check's options: a bad one stops the batch before line 1
        values = _parse_bindings(bindings)
        check_opts = _check_options(options) if command == "check" else {}
        wrt = options.get("wrt")  # a list of names (exprgrad/cli.py splits --wrt w,b)
        batch = Batch(command, values, wrt=list(wrt) if wrt else None, **check_opts)
    except ExprgradError as err:
        stderr.write(f"exprgrad: error: {_clip(err.message)}\n")
        if mode == "json":  # a JSON Lines reader still gets one object saying why nothing ran
            stdout.write(render.dumps({"line": None, **render.error_json(None, err)}) + "\n")
            stdout.flush()
        return err.exit_code
    writer = _Writer(command, mode, filename, stdout, stderr)
    writer.full = bool(options.get("full"))
    writer.tty = tty
    try:
        stderr_tty = stderr.isatty()
    except (AttributeError, ValueError, OSError):
        stderr_tty = False
    if stderr_tty:
        writer.progress = _Progress(stderr, _size(source))
    try:
        return _run(batch, writer, source, filename)
    except KeyboardInterrupt:
        _flush_quietly(writer)
        writer.message("exprgrad: interrupted")
        return 130
    except BrokenPipeError:  # exprgrad/cli.py's exit flush then sends the rest to /dev/null
        if writer.progress is not None:
            writer.progress.clear()
        return 0  # like `exprgrad eval EXPR | head`: the reader has all it wanted


def _flush_quietly(writer: _Writer) -> None:
    try:
        writer.out.flush()
    except (OSError, ValueError):
        pass


def _run(batch: Batch, writer: _Writer, source: BinaryIO, filename: str) -> int:
    bad = failed = internal = False
    streak = 0
    counter = [0]
    progress = writer.progress
    first = True
    lines = _lines(source, counter)
    while True:
        try:
            item = next(lines, None)
        except OSError as err:
            writer.message(f"{filename}: read error: {err.strerror or err}")
            bad = True
            break
        if item is None:
            break
        n, raw = item
        if progress is not None:
            progress.tick(n, counter[0])
        try:
            if raw is None:
                raise InputError(f"line longer than {MAX_LINE // (1024 * 1024)} MiB; skipped")
            if first:
                first = False
                if raw.startswith(_BOM):
                    raw = raw[3:]
            text = _decode(raw)
        except ExprgradError as err:
            streak += 1
            bad = True
            r = _Line(n, err.text or "", "error")
            r.error = err
            writer.line(r)
            if streak >= BINARY_STREAK:
                writer.message(
                    f"{filename}: {streak} lines in a row are not UTF-8 text; this looks like "
                    "a binary file: stopping"
                )
                break
            continue
        streak = 0
        hash_at = text.find("#")
        if hash_at >= 0:
            text = text[:hash_at]
        text = text.rstrip()
        if not text:
            continue
        try:
            r = batch.run(n, text)
        except (KeyboardInterrupt, BrokenPipeError):
            raise
        except MemoryError:
            r = _Line(n, text, "error")
            r.error = InputError("out of memory on this line")
        except Exception as exc:  # a bug: report it on this line and go on
            if os.environ.get("EXPRGRAD_DEBUG") == "1":
                import traceback

                traceback.print_exc()
            r = _Line(n, text, "error")
            r.error = ExprgradError(f"internal error: {type(exc).__name__}: {exc}")
        if r.kind == "error":
            if r.error.type == "internal":  # type: ignore[union-attr]
                internal = True
            else:
                bad = True
        elif r.report is not None and not r.report.ok:
            failed = True
        writer.line(r)
    if progress is not None:
        progress.clear()
    for msg in batch.unused():
        writer.message(f"exprgrad: error: {msg}")
        bad = True
    return 70 if internal else 2 if bad else 1 if failed else 0


__all__ = ["Batch", "open_source", "run_cli"]
