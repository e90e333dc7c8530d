"""API layer: the small Python API -- parse, evaluate, gradients, check.

    >>> import exprgrad
    >>> f = exprgrad.parse("(a + b^3) * c")
    >>> r = f.gradients(a=7, b=3, c=2)
    >>> r.value, r.gradients
    (68.0, {'a': 2.0, 'b': 54.0, 'c': 34.0})

Text -> grammar (exprgrad/parser.py) -> graph (exprgrad/graph.py) -> forward/backward
(exprgrad/engine.py, or exprgrad/arrays.py when values are arrays) -> a ``Result`` that keeps
every node's op, value, gradient, column and name for the renderers.  Errors are
``exprgrad.errors.ExprgradError``s; nothing here prints.  Imports: stdlib and exprgrad's own
library modules (numpy only through exprgrad.arrays, and only for array work).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from . import engine
from .defaults import DEFAULT_ATOL, DEFAULT_EPS, DEFAULT_RTOL  # noqa: F401 (re-exported)
from .errors import (
    BindingError,
    ExprgradError,
    ExprSyntaxError,
    did_you_mean,
)
from .graph import Tape
from .ops import CONSTANTS, FUNCTIONS, OPS, VAR

_LOOKALIKES = {
    "\u2212": "-",  # minus sign
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u00d7": "*",  # multiplication sign
    "\u00b7": "*",  # middle dot
    "\u22c5": "*",  # dot operator
    "\u2217": "*",  # asterisk operator
    "\u00f7": "/",  # division sign
    "\u2215": "/",  # division slash
    "\u00b2": "^2",
    "\u00b3": "^3",
    "\u00b9": "^1",
    "\u2070": "^0",
    "\u2074": "^4",
    "\u00a0": " ",  # no-break space
    "\u2009": " ",
    "\u200b": "",
    "\uff08": "(",
    "\uff09": ")",
    "\u03c0": "pi",
}


def _char_name(ch: str) -> str:
    import unicodedata  # only on this error path

    name = unicodedata.name(ch, "")
    code = f"U+{ord(ch):04X}"
    return f"{code} {name}" if name else code


def _implicit_product(err: Any, text: str | None) -> str | None:
    """`2a`, `2(a+b)`, `(a)(b)`, `a b`: the message for a missing '*' between two operands."""
    if text is None or err.kind != "unexpected-token" or not err.token_index:
        return None
    from .parser import token_offsets

    offs = token_offsets(text)
    i = err.token_index
    if i >= len(offs):
        return None
    prev = text[offs[i - 1] : offs[i]].strip()
    tok = err.token or ""
    operand = tok[:1].isalnum() or tok[:1] in "_."
    if not prev or not (operand or tok == "("):
        return None
    p = prev[-1]
    if prev in FUNCTIONS and operand:  # `sin x`: a call needs parentheses
        return f"unexpected '{_short(tok)}' after '{prev}': a function call needs parentheses" + (
            f" (write '{prev}({tok})')" if len(tok) <= 40 else ""
        )
    if p.isdigit() or p == "." or p == ")" or ((p.isalnum() or p == "_") and operand):
        msg = f"unexpected '{_short(tok)}' after '{_short(prev)}': implicit multiplication is not "
        if operand and p != ")" and len(prev) + len(tok) <= 40:
            return msg + f"supported (write '{prev}*{tok}')"
        return msg + "supported (put '*' between them)"
    return None


def _short(tok: str) -> str:
    return tok if len(tok) <= 20 else tok[:20] + "…"


def _syntax_message(err: Any, text: str | None = None) -> str:
    from .parser import EXPECTED_WORDS

    implicit = _implicit_product(err, text)
    if implicit:
        return implicit

    words = [EXPECTED_WORDS.get(t, t) for t in err.expected]
    # an operator list reads better without duplicates and with 'end of input' last
    words = sorted(dict.fromkeys(words), key=lambda w: (w == "end of input", w))
    if len(words) > 1:
        expected = ", ".join(words[:-1]) + " or " + words[-1]
    else:
        expected = words[0] if words else "nothing"
    if err.kind == "bad-character":
        ch = err.token or ""
        fix = _LOOKALIKES.get(ch)
        hint = f" (did you mean '{fix}'?)" if fix else ""
        shown = repr(ch) if ch.isprintable() else _char_name(ch)
        if ch.isprintable() and not ch.isascii():
            shown = f"{shown} ({_char_name(ch)})"
        return f"unexpected character {shown}{hint}"
    if err.kind == "unexpected-end":
        return f"unexpected end of input; expected {expected}"
    tok = err.token or ""
    if len(tok) > 20:
        tok = tok[:20] + "…"
    return f"unexpected '{tok}'; expected {expected}"


_LAST_OFFSETS: list = [None, None]  # (text, its token offsets): columns of one text come in runs


def _offsets(text: str) -> list[int]:
    if _LAST_OFFSETS[0] is not text:
        from .parser import token_offsets

        _LAST_OFFSETS[:] = [text, token_offsets(text)]
    return _LAST_OFFSETS[1]


def column_of(text: str, token_index: int | None) -> int | None:
    """1-based code-point column of token ``token_index`` in ``text`` (end: len(text) + 1)."""
    if token_index is None:
        return None
    offsets = _offsets(text)
    if 0 <= token_index < len(offsets):
        return offsets[token_index] + 1
    return len(text.rstrip(" \t\f\r\n")) + 1


def strip_text(text: str) -> str:
    """Drop a UTF-8 BOM and a trailing CR/LF (text pasted or read from Windows files)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.rstrip("\r\n")


def parse_into(tape: Tape, text: str) -> Any:
    """Parse ``text`` into ``tape``; return the parser's value (a node, or an assign tuple).

    On error the tape is left as it was, and the error carries the column."""
    from .parser import ParseError
    from .parser import parse as _parse

    mark = len(tape)
    try:
        return _parse(text, tape)
    except ParseError as err:
        tape.truncate(mark)
        raise ExprSyntaxError(
            _syntax_message(err, text), column_of(text, err.token_index), text=text
        ) from None
    except ExprgradError as err:
        tape.truncate(mark)
        if err.column is None and err.token_index is not None:
            err.column = column_of(text, err.token_index)
        if err.text is None:
            err.text = text
        raise
    except BaseException:  # a bug or Ctrl-C mid-parse: still leave the tape as it was
        tape.truncate(mark)
        raise


# -- results ---------------------------------------------------------------------------------
class _Record:
    """A small record type (``dataclasses`` would cost ~10 ms of start-up on every run).

    Subclasses list ``_fields``; ``_defaults`` maps trailing fields to a default, or to ``list``
    for a fresh empty list."""

    _fields: tuple[str, ...] = ()
    _defaults: dict[str, Any] = {}

    def __init__(self, *args: Any, **kw: Any) -> None:
        fields = self._fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__} takes at most {len(fields)} arguments")
        for name, value in zip(fields, args):
            setattr(self, name, value)
        for name in fields[len(args) :]:
            if name in kw:
                setattr(self, name, kw.pop(name))
            elif name in self._defaults:
                d = self._defaults[name]
                setattr(self, name, [] if d is list else d)
            else:
                raise TypeError(f"{type(self).__name__}: missing {name!r}")
        if kw:
            raise TypeError(f"{type(self).__name__}: unexpected {', '.join(kw)}")

    def __repr__(self) -> str:
        inner = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields if f[0] != "_")
        return f"{type(self).__name__}({inner})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self._fields)

    __hash__ = None  # mutable, like a dataclass


class Node(_Record):
    """One node of an evaluated graph, for renderers (graph views, step-by-step explanations):
    index, op (the ops-table name), children (node indices), value, grad, column, name."""

    _fields = ("index", "op", "children", "value", "grad", "column", "name")
    _defaults = {"name": None}


class Warning_(_Record):
    """A non-finite result: message (naming the op) and its column."""

    _fields = ("message", "column")


class Result(_Record):
    """Value and gradients of an expression at some bindings, plus every node's data
    (expression, value, gradients, bindings, warnings, note)."""

    _fields = ("expression", "value", "gradients", "bindings", "warnings", "note")
    _fields += ("_values", "_grads")
    _defaults = {"warnings": list, "note": None, "_values": None, "_grads": None}

    @property
    def nodes(self) -> list[Node]:
        """Every node reached from the output, in topological order (inputs first)."""
        return self.expression._nodes(self._values, self._grads)


class CheckRow(_Record):
    """One row of a gradient check (``index`` is the element, for arrays)."""

    _fields = ("variable", "backprop", "numeric", "abs_error", "rel_error", "ok", "kink")
    _fields += ("within_tolerance", "index")
    _defaults = {"kink": None, "within_tolerance": True, "index": None}


class CheckReport(_Record):
    """The rows of a gradient check and its settings; ``ok`` when every row passed."""

    _fields = ("expression", "value", "rows", "eps", "rtol", "atol", "warnings", "method")
    _defaults = {"warnings": list, "method": "elementwise"}

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)


# -- the parsed expression ---------------------------------------------------------------------
class Expression:
    """A parsed expression: a graph with one output node, ready to evaluate many times."""

    def __init__(
        self,
        text: str,
        tape: Tape,
        root: int,
        nodes: list[int] | None = None,
        variables: tuple[str, ...] | None = None,
    ):
        self.text = text
        self.tape = tape
        self.root = root
        # the nodes this output depends on; None = the whole tape (a single expression).
        # With a cone, evaluation works on dicts over the cone: cost O(cone), not O(tape).
        self._cone = nodes
        if variables is None:
            cone = range(len(tape)) if nodes is None else nodes
            kind = tape.kind
            names = {v: k for k, v in tape.vars.items()}
            variables = tuple(names[n] for n in sorted(n for n in cone if kind[n] == VAR))
        #: input names, in order of first appearance (a caller that knows them -- exprgrad.batch
        #: -- passes them: exactly the names of the VAR nodes in ``nodes``)
        self.variables: tuple[str, ...] = variables
        self._program = None
        self._is_array: bool | None = None

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    @property
    def is_array(self) -> bool:
        """Whether this output's graph holds an array-only op (then it runs on numpy)."""
        if self._is_array is None:
            marks = self.tape.array_ops
            if self._cone is None or not marks:
                self._is_array = bool(marks)
            else:
                self._is_array = not _ARRAY_CODES.isdisjoint(self.program[1])
        return self._is_array

    @property
    def program(self):
        if self._program is None:
            self._program = self.tape.program(self._cone)
        return self._program

    # bindings -----------------------------------------------------------------------------
    def _check_bindings(
        self,
        bindings: Mapping[str, Any],
        *,
        strict: bool = True,
        reserved: frozenset[str] | set[str] = frozenset(),
    ) -> None:
        """Every input bound once, nothing else bound (``strict``), no constant bound.

        ``reserved``: names the CLI keeps for its own options; the hint for an unbound one is
        ``--var NAME=VALUE`` instead of ``--NAME VALUE``."""
        known = set(self.variables)  # not the tuple: O(1) lookups for many variables
        for name in bindings:
            if name in CONSTANTS:
                raise BindingError(f"{name} is a built-in constant and cannot be bound")
            if strict and name not in known:
                hint = did_you_mean(name, self.variables)
                raise BindingError(f"'{name}' is bound but the expression does not use it{hint}")
        missing = [v for v in self.variables if v not in bindings]
        if missing:
            s = "s" if len(missing) > 1 else ""
            raise BindingError(
                f"unbound variable{s}: {', '.join(missing)} (give a value with "
                + " ".join(f"--var {m}=VALUE" if m in reserved else f"--{m} VALUE" for m in missing)
                + ")"
            )

    def _leaf_values(self, bindings: Mapping[str, Any]) -> Any:
        val = self.tape.val
        # a list over the whole tape, or a dict over the cone (batch lines: O(nodes reached))
        v: Any = list(val) if self._cone is None else {n: val[n] for n in self._cone}
        tv = self.tape.vars
        for name in self.variables:
            v[tv[name]] = _as_value(name, bindings[name])
        return v

    def _uses_arrays(self, bindings: Mapping[str, Any]) -> bool:
        if self.is_array:
            return True
        return any(not isinstance(bindings[n], (int, float)) for n in self.variables)

    # evaluation ---------------------------------------------------------------------------
    def evaluate(self, bindings: Mapping[str, Any] | None = None, /, **kw: Any) -> Any:
        """The value at the bindings (forward pass only)."""
        bindings = {**(bindings or {}), **kw}
        self._check_bindings(bindings)
        if self._uses_arrays(bindings):
            from . import arrays

            return arrays.evaluate(self, bindings)
        v = self._leaf_values(bindings)
        engine.forward(v, *self.program)
        return v[self.root]

    def gradients(
        self,
        bindings: Mapping[str, Any] | None = None,
        /,
        *,
        wrt: list[str] | tuple[str, ...] | None = None,
        **kw: Any,
    ) -> Result:
        """Forward and backward pass: the value and d(output)/d(input) for every input
        (or only those named in ``wrt``)."""
        bindings = {**(bindings or {}), **kw}
        self._check_bindings(bindings)
        wrt = self._check_wrt(wrt)
        if self._uses_arrays(bindings):
            from . import arrays

            return arrays.gradients(self, bindings, wrt)
        v = self._leaf_values(bindings)
        prog = self.program
        engine.forward(v, *prog)
        g = [0.0] * len(v) if self._cone is None else dict.fromkeys(v, 0.0)
        g[self.root] = 1.0
        engine.backward(v, g, *prog)
        tv = self.tape.vars
        grads = {name: g[tv[name]] for name in wrt}
        return Result(
            self,
            v[self.root],
            grads,
            dict(bindings),
            warnings=self.nonfinite_warnings(v),
            _values=v,
            _grads=g,
        )

    def _check_wrt(self, wrt) -> tuple[str, ...]:
        if wrt is None:
            return self.variables
        if isinstance(wrt, str):  # "w" or "w,b": names, not characters
            wrt = [w.strip() for w in wrt.split(",") if w.strip()]
        for name in wrt:
            if name not in self.variables:
                hint = did_you_mean(name, self.variables)
                raise BindingError(f"--wrt names '{name}', which the expression does not use{hint}")
        return tuple(n for n in self.variables if n in wrt)

    def check(
        self,
        bindings: Mapping[str, Any] | None = None,
        /,
        *,
        eps: float = DEFAULT_EPS,
        rtol: float = DEFAULT_RTOL,
        atol: float = DEFAULT_ATOL,
        method: str | None = None,
        seed: int | None = None,
        wrt: list[str] | tuple[str, ...] | None = None,
        **kw: Any,
    ) -> CheckReport:
        """Backprop against central differences, one row per input (see README: check)."""
        bindings = {**(bindings or {}), **kw}
        check_settings(eps, rtol, atol, method)
        res = self.gradients(bindings, wrt=wrt)
        if self._uses_arrays(bindings):
            from . import arrays

            return arrays.check(self, res, bindings, eps, rtol, atol, method, seed)
        prog = self.program
        base = res._values
        tv = self.tape.vars
        kinks = self._kink_nodes(prog)
        rows = []
        for name in res.gradients:
            node = tv[name]
            x = base[node]
            h = eps * max(1.0, abs(x)) if math.isfinite(x) else eps
            vp = base.copy()
            vp[node] = x + h
            engine.forward(vp, *prog)
            vm = base.copy()
            vm[node] = x - h
            engine.forward(vm, *prog)
            numeric = (vp[self.root] - vm[self.root]) / ((x + h) - (x - h))
            bp = res.gradients[name]
            kink = self._kink_for(node, kinks, base, vp, vm, prog) if kinks else None
            rows.append(_row(name, bp, numeric, rtol, atol, kink))
        return CheckReport(self, res.value, rows, eps, rtol, atol, res.warnings)

    # kinks: relu/abs whose input is 0 or changes sign between x - h and x + h ----------------
    def _kink_nodes(self, prog) -> list[tuple[int, int]]:
        oi, oo, ox, _ = prog
        return [(i, x) for i, o, x in zip(oi, oo, ox) if OPS[o].kink]

    def _kink_for(self, var_node, kinks, base, vp, vm, prog) -> str | None:
        depends = None
        for node, inp in kinks:
            b, p, m = base[inp], vp[inp], vm[inp]
            crosses = (p > 0.0) != (m > 0.0) or p == 0.0 or m == 0.0
            if not crosses and b != 0.0:
                continue
            if p == m:  # unchanged by this input: does it depend on it at all?
                if depends is None:
                    depends = self._depends_on(var_node, prog)
                if not depends[node]:
                    continue
            name = OPS[self.tape.kind[node]].name
            col = self.column(node)
            where = f" at column {col}" if col else ""
            state = "is 0" if b == 0.0 else f"is {_fmt(b)} and changes sign within ±eps"
            return (
                f"{name}{where}: its input {state}; {name} has a kink at 0, where it is not "
                f"differentiable (backprop uses {name}'(0) = 0, central differences average "
                "both sides)"
            )
        return None

    def _depends_on(self, var_node: int, prog) -> bytearray:
        d: Any = bytearray(len(self.tape)) if self._cone is None else dict.fromkeys(self._cone, 0)
        d[var_node] = 1
        for i, x, y in zip(prog[0], prog[2], prog[3]):
            if d[x] or d[y]:
                d[i] = 1
        return d

    # per-node data ------------------------------------------------------------------------
    def column(self, node: int) -> int | None:
        """1-based column of the token that created ``node``, in the text it came from."""
        tape = self.tape
        k = tape.src[node]
        if k < 0:
            return None
        _, text = tape.text_of(node)
        return column_of(text, k)

    def nonfinite_warnings(self, v: list, limit: int = 3) -> list[Warning_]:
        """Warnings where inf/nan arises (scalar engine): a number literal too large for a
        float, an op giving inf or nan from finite inputs, or nan from inputs that are not nan
        (``inf - inf``, ``0 * inf``).  Results that merely carry an inf along are not repeated."""
        out = []
        count = 0
        tape = self.tape
        lits = tape.overflows
        if lits and self._cone is not None:  # only this output's literals, in O(smaller side)
            if len(lits) <= len(self._cone):
                lits = [n for n in lits if n in v]
            else:
                lits = [n for n in v if n in lits]
        for n in lits:
            count += 1
            col = self.column(n)
            where = f" at column {col}" if col else ""
            out.append(Warning_(f"number{where} is too large for a float: inf", col))
        try:
            if math.isfinite(sum(v[i] for i in self.program[0])):
                return out
        except TypeError:
            return out
        oi, oo, ox, oy = self.program
        isfinite = math.isfinite
        for i, o, x, y in zip(oi, oo, ox, oy):
            vi, vx, vy = v[i], v[x], v[y]
            if isfinite(vi):
                continue
            if (isfinite(vx) and isfinite(vy)) or (vi != vi and vx == vx and vy == vy):
                count += 1
                if len(out) < limit:
                    col = self.column(i)
                    op = OPS[o]
                    what = op.symbol if op.kind != "func" else op.name
                    where = f" at column {col}" if col else ""
                    out.append(Warning_(f"{what}{where} gave {_fmt(v[i])}", col))
        if count > limit:
            out.append(Warning_(f"... and {count - limit} more non-finite results", None))
        return out

    def _nodes(self, values, grads) -> list[Node]:
        tape = self.tape
        cone = range(len(tape)) if self._cone is None else self._cone
        names = {v: k for k, v in tape.vars.items()}
        names.update({v: k for k, v in tape.scope.items()})
        out = []
        for n in cone:
            kind = tape.kind[n]
            out.append(
                Node(
                    n,
                    OPS[kind].name,
                    tape.children(n),
                    values[n] if values is not None else None,
                    grads[n] if grads is not None else None,
                    self.column(n),
                    names.get(n),
                )
            )
        return out


def check_settings(eps: float, rtol: float, atol: float, method: str | None = None) -> None:
    """The contract's rules for ``check``'s settings; a ``BindingError`` (exit 2) otherwise."""
    if not (eps > 0 and math.isfinite(eps)):
        raise BindingError(f"--eps must be a positive finite number, got {eps!r}")
    for opt, tol in (("rtol", rtol), ("atol", atol)):
        if not (tol >= 0 and math.isfinite(tol)):
            raise BindingError(f"--{opt} must be a finite number >= 0, got {tol!r}")
    if method not in (None, "elementwise", "directional"):
        raise BindingError(f"check: unknown method {method!r} (elementwise or directional)")


_ARRAY_CODES = frozenset(c for c, op in enumerate(OPS) if op.array_only)


def _as_value(name: str, value: Any) -> Any:
    if isinstance(value, bool):
        raise BindingError(f"--{name}: expected a number, got {value!r}")
    if isinstance(value, (int, float)):
        try:
            return float(value)
        except OverflowError:  # an int beyond the float range: IEEE rounds it to ±inf
            return math.inf if value > 0 else -math.inf
    if isinstance(value, str):
        return parse_number(name, value)
    return value  # an array: exprgrad.arrays validates it


def parse_number(name: str, text: str) -> float:
    """A binding's value: a float literal (``3``, ``-1e-3``, ``inf``, ``nan``)."""
    t = text.strip()
    try:
        if t.lower().lstrip("+-") in ("inf", "infinity", "nan") or _looks_numeric(t):
            return float(t)
    except ValueError:
        pass
    raise BindingError(f"--{name}: '{text}' is not a number")


def _looks_numeric(t: str) -> bool:
    return bool(t) and all(c in "0123456789.eE+-_" for c in t) and "_" not in t


def _fmt(x: float) -> str:
    r = repr(x)
    return r[:-2] if r.endswith(".0") else r


def _row(name, bp, numeric, rtol, atol, kink, index=None) -> CheckRow:
    abs_error = abs(bp - numeric)
    big = max(abs(bp), abs(numeric))
    if bp == 0.0 and numeric == 0.0:
        rel = 0.0
    elif big != big or bp != bp or numeric != numeric:  # max() may drop a nan
        rel = math.nan
    else:
        rel = abs_error / big if big else 0.0
    within = abs_error <= atol + rtol * abs(numeric)
    ok = within or (kink is not None and abs_error == abs_error)  # a kink never hides a nan
    return CheckRow(name, bp, numeric, abs_error, rel, ok, kink, within, index)


# -- module-level conveniences ---------------------------------------------------------------
def parse(text: str) -> Expression:
    """Parse an expression (not a ``name = expr`` statement) into a reusable Expression."""
    tape = Tape()
    text = strip_text(text)
    value = parse_into(tape, text)
    if isinstance(value, tuple):
        raise ExprSyntaxError(
            "'=' defines a name, which only works in a file of statements (eval -f)",
            column_of(text, value[2] + 1),
            text=text,
        )
    return Expression(text, tape, value)


def _expr(e: str | Expression) -> Expression:
    return e if isinstance(e, Expression) else parse(e)


def evaluate(expression: str | Expression, bindings: Mapping[str, Any] | None = None, **kw: Any):
    """Value of ``expression`` at ``bindings``."""
    return _expr(expression).evaluate(bindings, **kw)


def gradients(
    expression: str | Expression,
    bindings: Mapping[str, Any] | None = None,
    *,
    wrt=None,
    **kw: Any,
) -> Result:
    """Value and gradients of ``expression`` at ``bindings``."""
    return _expr(expression).gradients(bindings, wrt=wrt, **kw)


def check(expression: str | Expression, bindings: Mapping[str, Any] | None = None, **kw: Any):
    """Backprop vs central differences; see ``Expression.check`` for the options."""
    opts = {k: kw.pop(k) for k in ("eps", "rtol", "atol", "method", "seed", "wrt") if k in kw}
    return _expr(expression).check(bindings, **opts, **kw)


__all__ = [
    "CheckReport",
    "CheckRow",
    "Expression",
    "Node",
    "Result",
    "check",
    "evaluate",
    "gradients",
    "parse",
]
