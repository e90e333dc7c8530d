"""Analysis layer: statements from files and pipes -- definitions across lines, one shared graph,
one result per statement (``Statement``), yielded as soon as its line is done.

* ``name = expr`` whose right side has no variables defines an *input* with a default value
  (repeating it resets the default for the lines after it; a binding overrides every default);
  so does ``name = [[1, 2], [3, 4]]`` or ``name = @data.csv`` (an array; a relative path is
  relative to the file's directory -- the working directory for stdin); any other
  ``name = expr`` defines a named *intermediate* node that later lines reuse (one shared node in
  one graph, so a gradient through a definition used twice sums both paths).
* ``e`` is Euler's number until a binding or a definition gives ``e`` a value: from then on it is
  a variable (a definition that read it as the constant must come after it, else an error).
* Every line is parsed into one ``Tape`` for the whole stream.  An expression line's nodes are
  dropped again (``Tape.truncate``) once it is done, so memory grows with definitions, not lines;
  each line is evaluated over the nodes it reaches (``Tape.cone``), so its cost does not grow with
  the stream so far.
* What a statement *does* is the command's ``action(compiled, values)`` (an
  ``Expression.compile`` result and the line's converted values) returning a ``Result`` or a
  ``CheckReport``: no command names here.
* A warning, kink or error raised by a node of a definition names that definition's line
  (``log at column 9 of line 2 gave -inf``), whichever line evaluated it.

Writing results, progress and exit codes belong to exprgrad/render/stream.py and exprgrad/cli/.
Imports: stdlib, exprgrad.core, exprgrad.syntax, exprgrad.errors, exprgrad.io.lines,
exprgrad.analysis.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..core.ops import CONSTANTS, SOFT_CONSTANTS
from ..core.results import CheckReport, Warning_
from ..core.tape import Tape
from ..errors import BindingError, ExprgradError, ExprNameError, InputError
from ..syntax.parser import lex
from ..syntax.reader import column_of, parse_into
from .bindings import constant_error, unbound_error
from .expression import Compiled, Expression
from .nonfinite import binding_warnings

#: ``name = [...]`` / ``name = @file``: an array input (read as a value, not parsed)
_ARRAY_DEF = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?=[\[@])")

#: a statement's work: compiled expression and its values -> Result or CheckReport
Action = Callable[[Compiled, dict], Any]


class _StatementTape(Tape):
    """The stream's tape: also records the name tokens each line uses, in text order."""

    def __init__(self) -> None:
        super().__init__()
        self.used: list[int] = []

    def var(self, k: int) -> int:
        self.used.append(k)
        return Tape.var(self, k)


class Statement:
    """The outcome of one statement, for the renderers.  ``role`` is ``expr``, ``def`` (a named
    intermediate), ``input`` (``name = number``), ``error`` (``error`` says why), or ``stop``
    (the stream ended early: binary input, a read error).  ``outcome`` is what the action
    returned (a ``Result``, or a ``CheckReport``)."""

    __slots__ = ("line", "text", "name", "role", "value", "outcome", "gradients", "note",
                 "report", "warnings", "error", "default")  # fmt: skip

    def __init__(self, line: int | None, text: str, role: str, name: str | None = None) -> None:
        self.line = line
        self.text = text.strip()  # as shown ("expression"); columns count in the raw line
        self.role = role
        self.name = name
        self.value: Any = None
        self.outcome: Any = None  # what the action returned; its parts below, for renderers
        self.gradients: dict[str, Any] | None = None
        self.note: str | None = None
        self.report: CheckReport | None = None
        self.warnings: list = []
        self.error: ExprgradError | None = None
        self.default: Any = None  # an input definition overridden by a binding

    @property
    def expression(self) -> Statement:  # renderers read result.expression.text
        return self


class LineColumn(int):
    """A column on another line of the stream (a definition's node): formats as ``9 of line 2``,
    so the library's ``f"... at column {col}"`` messages name the line the node came from."""

    line: int

    def __new__(cls, column: int, line: int) -> LineColumn:
        self = int.__new__(cls, column)
        self.line = line
        return self

    def __str__(self) -> str:
        return f"{int(self)} of line {self.line}"

    def __format__(self, spec: str) -> str:
        return str(self) if not spec else format(int(self), spec)


class _LineExpression(Expression):
    """One statement's Expression: columns of nodes that came from a definition's line are
    ``LineColumn``s.  Each stream subclasses it with its own ``lines`` (first node of a
    definition's text -> its line number), so a line costs no more than a plain Expression."""

    lines: dict[int, int] = {}

    def column(self, node: int) -> int | None:
        col = Expression.column(self, node)
        if col is None:
            return None
        line = self.lines.get(self.tape.text_of(node)[0])
        return col if line is None else LineColumn(col, line)


def short(name: str, limit: int = 40) -> str:
    """A name for a message: long ones keep their start and end."""
    return name if len(name) <= limit else name[: limit - 11] + "…" + name[-10:]


class Statements:
    """One stream: the shared graph, the inputs' defaults and the named definitions.

    ``bindings`` (name -> value, converted by ``analysis.bindings.convert``) override every default;
    ``wrt`` limits the gradients of every line; ``base``: the directory relative ``@paths`` of
    array definitions are read from (None: the working directory); ``overflows``: the bindings'
    numbers too large for a float (``convert(..., overflows=)``), warned about on every line
    that uses them."""

    def __init__(
        self,
        action: Action,
        bindings: dict[str, Any],
        wrt: Iterable[str] | None = None,
        *,
        base: str | None = None,
        overflows: dict[str, list[str]] | None = None,
    ) -> None:
        self.action = action
        self.tape = _StatementTape()
        self.tape.named.update(n for n in bindings if n in SOFT_CONSTANTS)  # --e 2: a variable
        self.base = base
        self.bound_warnings = {n: binding_warnings({n: o}) for n, o in (overflows or {}).items()}
        self.default_warnings: dict[str, list[Warning_]] = {}  # array inputs' overflows
        self.soft_defs: dict[str, int] = {}  # e -> line of a definition that read it as e
        self.int_wrt: set[str] = set()  # wrt names that were integer inputs
        self.bound = bindings
        self.used_bound: set[str] = set()
        self.defaults: dict[str, Any] = {}  # input name -> default from `name = number`
        self.def_line: dict[str, int] = {}  # name -> line of its definition (inputs: the last)
        self.def_vars: dict[str, tuple[str, ...]] = {}  # intermediate -> the inputs it uses
        self.failed: dict[str, int] = {}  # a definition that failed -> its line
        self.lines: dict[int, int] = {}  # first node of a definition's text -> its line
        self.expression = type("_StreamExpression", (_LineExpression,), {"lines": self.lines})
        self.wrt = None if wrt is None else tuple(wrt)
        self.used_wrt: set[str] = set()
        self.uses_defs = False  # did the statement just parsed use a definition?
        self.seen: set[str] = set()  # variable names seen (at most ~10,000)

    # -- a stream of lines -----------------------------------------------------------------
    def each(self, lines: Iterable[tuple[int | None, str | ExprgradError]]) -> Iterator[Statement]:
        """One ``Statement`` per statement of ``lines`` (from ``io.lines.read_lines``): blank and
        comment-only lines are skipped, a line that is not text is an error, a bug on one line
        is an ``internal`` error on that line (``error.__cause__`` is the exception)."""
        for n, text in lines:
            if isinstance(text, ExprgradError):
                out = Statement(n, text.text or "", "stop" if text.reason == "stop" else "error")
                out.error = text
                yield out
                continue
            hash_at = text.find("#")
            if hash_at >= 0:
                text = text[:hash_at]
            text = text.rstrip()
            if not text:
                continue
            try:
                out = self.run(n or 0, text)
            except (KeyboardInterrupt, BrokenPipeError):
                raise
            except MemoryError:
                out = Statement(n, text, "error")
                out.error = InputError("out of memory on this line")
            except Exception as exc:  # a bug: report it on this line and go on
                out = Statement(n, text, "error")
                out.error = ExprgradError(f"internal error: {type(exc).__name__}: {exc}")
                out.error.__cause__ = exc
            yield out

    # -- one statement ---------------------------------------------------------------------
    def run(self, line: int, text: str) -> Statement:
        """Parse and evaluate one statement (a line without its comment; not blank)."""
        tape = self.tape
        if "[" in text or "@" in text:
            m = _ARRAY_DEF.match(text)
            if m is not None:
                return self._array_input(line, text, m.group(1), m.end())
        mark = len(tape)
        tape.used = []
        tape.soft_used = {}
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
            out = Statement(line, text, "expr")
            self._evaluate(out, text, parsed, mark)
            return out
        except ExprgradError as err:
            return self._error(line, text, err)
        finally:
            tape.truncate(mark)

    def _error(self, line: int, text: str, err: ExprgradError, name: str | None = None):
        out = Statement(line, text, "error", name)
        if isinstance(err.column, LineColumn):  # raised by a definition's node: its message
            err.column, err.text = None, text  # says where ("at column 7 of line 2")
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
                        f"'{short(name)}' is defined on line {self.failed[name]}, "
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
            first = short(missing[0])
            k = next((k for k in self.tape.used if self.tape.toks[k] == missing[0]), None)
            err = unbound_error(
                tuple(missing), f" (define it on an earlier line, e.g. {first} = 1)"
            )
            err.reason = "unbound in statement"
            err.detail = ", ".join(short(m) for m in missing[:5]) + (
                f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            )
            err.message = f"unbound variable{'s' if len(missing) > 1 else ''}: {err.detail}"
            err.message += err.hint
            err.column = column_of(text, k) if k is not None else None
            raise err
        return values

    def _evaluate(self, out: Statement, text: str, root: int, mark: int) -> tuple[str, ...]:
        """Run the action on node ``root`` (``text`` is the line as parsed)."""
        tape = self.tape
        variables = self._variables(mark)
        values = self._values(variables, text)
        if self.uses_defs or (tape.dead and next(reversed(tape.dead)) >= mark):
            cone = tape.cone(root)
        else:  # every node from `mark` on is this line's; before it, only input nodes
            tv = tape.vars
            cone = sorted(n for n in map(tv.__getitem__, variables) if n < mark)
            cone.extend(range(mark, len(tape)))
        expr = self.expression(text, tape, root, cone, variables)
        wrt = None
        if self.wrt is not None:
            wrt = [v for v in expr.differentiable if v in self.wrt]
            self.used_wrt.update(wrt)
            if len(wrt) < len(variables):
                self.int_wrt.update(v for v in expr.integer_inputs if v in self.wrt)
        if len(self.seen) < 10_000:  # names for "did you mean" (bounded memory)
            self.seen.update(variables)
        arrays = not all(x.__class__ is float for x in values.values())
        outcome = self.action(expr.compile(wrt, arrays=arrays), values)
        if self.bound_warnings or self.default_warnings:  # numbers too large for a float
            bound, bw, dw = self.bound, self.bound_warnings, self.default_warnings
            outcome.warnings[:0] = [
                w for v in variables for w in (bw if v in bound else dw).get(v, ())
            ]
        out.outcome = outcome
        out.value = outcome.value
        out.warnings = outcome.warnings
        if outcome.__class__ is CheckReport:
            out.report = outcome
        else:
            out.gradients = outcome.gradients
            out.note = outcome.note
        return variables

    def _definition(self, line: int, text: str, mark: int, name: str, root: int, k: int):
        tape = self.tape
        out = Statement(line, text, "def", name)
        try:
            if name in CONSTANTS:
                raise constant_error(name, "defined")
            if name in tape.scope:
                raise ExprNameError(
                    f"'{short(name)}' is already defined on line {self.def_line[name]}; "
                    "a definition cannot be changed (choose a new name)"
                )
            self._soft_conflict(name)
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
                raise ExprNameError(f"cannot define '{short(name)}': {why}")
            if name in self.bound:
                raise BindingError(
                    f"'{short(name)}' is bound but defined here from other names; only inputs "
                    "(name = number) can be bound",
                    name=name,
                    reason="bound intermediate",
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
        for soft in tape.soft_used:  # this definition keeps reading e as Euler's number
            self.soft_defs.setdefault(soft, line)
        return out

    def _soft_conflict(self, name: str) -> None:
        """Defining ``e`` after a definition that read ``e`` as Euler's number is an error: that
        definition would keep the constant while later lines use the variable."""
        line = self.soft_defs.get(name)
        if line is not None:
            raise ExprNameError(
                f"cannot define '{name}': the definition on line {line} reads {name} as Euler's "
                f"number ({SOFT_CONSTANTS[name]!r}); define {name} before the lines that use it"
            )

    def _input(self, out: Statement, text: str, root: int, mark: int, k: int) -> Statement:
        """``name = <constant>``: set the input's default for the lines after this one."""
        tape = self.tape
        name = out.name
        assert name is not None
        nodes = tape.cone(root) if tape.dead else list(range(mark, len(tape)))
        expr = Expression(text, tape, root, nodes, ())
        try:
            res = expr.gradients({})
            value = res.value
            out.warnings = res.warnings
        finally:
            toks = tape.toks
            tape.truncate(mark)
        self.default_warnings.pop(name, None)
        return self._set_input(out, text, toks, k, value)

    def _set_input(self, out: Statement, text: str, toks: list[str], k: int, value: Any):
        """Make ``out.name`` an input with the default ``value`` (its node is created once)."""
        tape = self.tape
        name = out.name
        assert name is not None
        if name not in tape.vars:  # the input's node, created once, named by this line
            mark = len(tape)
            tape.begin(text, toks)
            if name in SOFT_CONSTANTS:  # e = 2: from now on e is a variable
                tape.named.add(name)
            Tape.var(tape, k)
            self.lines[mark] = out.line or 0
        self.defaults[name] = value
        self.def_line[name] = out.line or 0
        self.failed.pop(name, None)
        out.role = "input"
        if name in self.bound:
            self.used_bound.add(name)
            out.default = value
            value = self.bound[name]
        out.value = value
        return out

    def _array_input(self, line: int, text: str, name: str, at: int) -> Statement:
        """``name = [[1, 2], [3, 4]]`` or ``name = @data.csv``: an array input."""
        from ..io.values import parse_value

        out = Statement(line, text, "def", name)
        value_text = text[at:]
        try:
            if name in CONSTANTS:
                raise constant_error(name, "defined")
            if name in self.tape.scope:
                raise ExprNameError(
                    f"'{short(name)}' is already defined on line {self.def_line[name]}; "
                    "a definition cannot be changed (choose a new name)"
                )
            self._soft_conflict(name)
            if value_text.startswith("@") and self.base:
                path = value_text[1:].strip()
                if path and not os.path.isabs(path):
                    value_text = "@" + os.path.join(self.base, path)
            over: list[str] = []
            value = parse_value(name, value_text, over)
        except ExprgradError as err:
            if err.reason == "value":  # "X: row 2 has ...": not a command-line binding
                err.reason = "definition"
            if err.column is None:
                err.column = at + 1
            self.failed[name] = line
            return self._error(line, text, err, name)
        warnings = binding_warnings({name: over}) if over else []
        if warnings:
            self.default_warnings[name] = warnings
        else:
            self.default_warnings.pop(name, None)
        out.warnings = list(warnings)
        return self._set_input(out, text, lex(text), 0, value)

    def unused(self) -> list[BindingError]:
        """Errors for bindings and wrt names no line used."""
        from ..syntax.diagnostics import did_you_mean

        out = []
        names = [*self.seen, *self.defaults, *self.def_vars]
        for name in self.bound:
            if name not in self.used_bound:
                hint = did_you_mean(name, names)
                out.append(
                    BindingError(
                        f"'{short(name)}' is bound but no line uses it{hint}",
                        name=name,
                        reason="unused in statements",
                        hint=hint,
                    )
                )
        for name in self.wrt or ():
            if name not in self.used_wrt and name in self.int_wrt:
                out.append(
                    BindingError(
                        f"{short(name)} is an integer input (an index or labels) on every line "
                        "that uses it: it gets no gradient, so it cannot be in wrt",
                        name=name,
                        reason="wrt integer",
                    )
                )
            elif name not in self.used_wrt:
                out.append(
                    BindingError(
                        f"wrt names '{short(name)}', which no line uses",
                        name=name,
                        reason="wrt in statements",
                    )
                )
        return out
