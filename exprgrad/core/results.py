"""Core layer: the records every pass produces and every renderer reads -- results of a forward
and backward pass, gradient-check rows and reports, warnings, per-node data.

Plain record classes (``dataclasses`` would cost ~10 ms of start-up on every run).  They hold
data only: what computes them lives in exprgrad/analysis/, what shows them in exprgrad/render/.
Imports: stdlib only.
"""

from __future__ import annotations

from typing import Any

#: why an array output has no gradients (a Result's ``note``)
NOT_SCALAR = "gradients need a scalar output (wrap it in sum() or mean())"


class Record:
    """A small record type: subclasses list ``_fields``; ``_defaults`` maps trailing fields to a
    default, or to ``list`` for a fresh empty list.  Compared field by field, like a dataclass."""

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

    __hash__ = None  # type: ignore[assignment]  # mutable, like a dataclass


class Node(Record):
    """One node of an evaluated graph, for renderers (graph views, step-by-step explanations):
    index, op (the ops-table name), children (node indices), value, grad, column, name."""

    _fields = ("index", "op", "children", "value", "grad", "column", "name")
    _defaults = {"name": None}
    index: int
    op: str
    children: tuple[int, ...]
    value: Any
    grad: Any
    column: int | None
    name: str | None


class Warning_(Record):
    """Where inf or nan arose: message (naming the op and its column) and the column."""

    _fields = ("message", "column")
    message: str
    column: int | None


class Result(Record):
    """Value and gradients of an expression at some bindings (``gradients`` is None, and ``note``
    says why, when the output is an array), with the pass it came from (``_pass``: every node's
    value and gradient, for ``nodes`` and the graph views)."""

    _fields = ("expression", "value", "gradients", "bindings", "warnings", "note", "_pass")
    _defaults = {"warnings": list, "note": None, "_pass": None}

    def __init__(
        self,
        expression: Any,
        value: Any,
        gradients: dict[str, Any] | None,
        bindings: dict[str, Any],
        warnings: list[Warning_] | None = None,
        note: str | None = None,
        _pass: Any = None,
    ) -> None:  # spelled out: one Result per statement of a file, so it is a hot path
        self.expression = expression
        self.value = value
        self.gradients = gradients
        self.bindings = bindings
        self.warnings = [] if warnings is None else warnings
        self.note = note
        self._pass = _pass

    expression: Any
    value: Any
    gradients: dict[str, Any] | None
    bindings: dict[str, Any]
    warnings: list[Warning_]
    note: str | None
    _pass: Any

    @property
    def nodes(self) -> list[Node]:
        """Every node reached from the output, in topological order (inputs first)."""
        return self.expression.nodes(self._pass)


class CheckRow(Record):
    """One row of a gradient check (``index`` is the element, for arrays)."""

    _fields = ("variable", "backprop", "numeric", "abs_error", "rel_error", "ok", "kink",
               "within_tolerance", "index")  # fmt: skip
    _defaults = {"kink": None, "within_tolerance": True, "index": None}
    variable: str
    backprop: float
    numeric: float
    abs_error: float
    rel_error: float
    ok: bool
    kink: str | None
    within_tolerance: bool
    index: tuple[int, ...] | None


class CheckReport(Record):
    """The rows of a gradient check and its settings; ``ok`` when every row passed.  ``seed`` is
    the random direction's seed of a directional check (replay it with the same seed)."""

    _fields = ("expression", "value", "rows", "eps", "rtol", "atol", "warnings", "method",
               "seed")  # fmt: skip
    _defaults = {"warnings": list, "method": "elementwise", "seed": None}
    expression: Any
    value: float
    rows: list[CheckRow]
    eps: float
    rtol: float
    atol: float
    warnings: list[Warning_]
    method: str
    seed: int | None

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)
