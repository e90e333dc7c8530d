"""Analysis layer: ``Expression`` -- a parsed graph with one output, and what it can do:
evaluate, gradients, ``compile`` (the fast repeated gradient that files, checks, fit and plot
share; ``Compiled.run_grid``: a whole grid of points in one pass), ``check``
(exprgrad/analysis/check.py) and per-node data for the views.

    >>> import exprgrad
    >>> f = exprgrad.parse("(a + b^3) * c")
    >>> r = f.gradients(a=7, b=3, c=2)
    >>> r.value, r.gradients
    (68.0, {'a': 2.0, 'b': 54.0, 'c': 34.0})

Text -> grammar (exprgrad/syntax) -> graph (exprgrad/core/tape.py) -> forward/backward on the
engine chosen here, once: the numpy engine when the graph holds an array op or a value is an
array, else the scalar engine (exprgrad/engines) -> a ``Result`` (exprgrad/core/results.py) that
keeps the pass for the renderers.  Errors are ``exprgrad.errors.ExprgradError``s; nothing here
prints.  Imports: stdlib, exprgrad.core, exprgrad.engines, exprgrad.syntax, exprgrad.errors,
exprgrad.analysis.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import engines
from ..core.ops import ARRAY_CODES, INT_ARG_CODES, OPS, VAR
from ..core.results import NOT_SCALAR, CheckReport, Node, Result
from ..core.tape import Tape
from ..errors import BindingError, ExprgradError, ExprSyntaxError, ShapeError
from ..syntax.reader import column_of, parse_into, strip_text
from . import bindings as _bindings
from .bindings import DEFAULT_ATOL, DEFAULT_EPS, DEFAULT_RTOL
from .nonfinite import binding_warnings, csv_vector_notes, gradient_warnings, nonfinite_warnings


class Pass:
    """One forward (and backward) pass: every node's value ``v`` and gradient ``g`` (None before
    a backward pass, or when the output is an array), and the engine that ran it."""

    __slots__ = ("expr", "engine", "v", "g", "wrt")

    def __init__(self, expr: Expression, engine: Any, v: Any, g: Any, wrt: tuple[str, ...]):
        self.expr = expr
        self.engine = engine
        self.v = v
        self.g = g
        self.wrt = wrt

    @property
    def value(self) -> Any:
        return self.engine.output(self.v[self.expr.root])

    @property
    def gradients(self) -> dict[str, Any] | None:
        """d(output)/d(input) for the ``wrt`` inputs (shaped like them), or None for an array
        output."""
        if self.g is None:
            return None
        tv, v, g = self.expr.tape.vars, self.v, self.g
        if self.engine.name == "scalar":  # floats: nothing to convert or copy
            return {name: g[tv[name]] for name in self.wrt}
        out = self.engine.output
        grads = {}
        seen: set[int] = set()
        for name in self.wrt:
            n = tv[name]
            d = g[n]
            if d is None:  # nothing flowed into it (numpy engine): zeros of its shape
                d = self.engine.zeros_like(v[n])
            d = out(d)
            if self.engine.is_array(d):
                if id(d) in seen:  # sum(x + y): one array for both; give each its own
                    d = d.copy()
                seen.add(id(d))
            grads[name] = d
        return grads


class Compiled:
    """``Expression.compile(wrt)``: value and gradients at new input values, without re-parsing,
    re-validating or re-choosing the engine.  ``f(values) -> (value, {name: gradient})``;
    ``f.run(values)`` keeps the whole pass (every node, for warnings and views)."""

    def __init__(self, expr: Expression, wrt: tuple[str, ...], engine: Any):
        self.expr = expr
        self.wrt = wrt
        self.engine = engine
        self.program = expr.program
        tape = expr.tape
        tv = tape.vars
        self._leaves = [(name, tv[name]) for name in expr.variables]
        self._need = expr.needs(wrt) if engine.name == "numpy" else None
        self._ints = expr.integer_uses
        self._soft = expr.soft_constants  # names read as constants: values must not bind them
        try:
            engine.prepare(tape, self.program)
        except engines.NodeError as err:
            raise expr.node_error(err) from None

    def forward(self, values: Mapping[str, Any]) -> Any:
        """Every node's value; ``values`` must be converted (floats, or float64 arrays for the
        numpy engine) and complete."""
        expr, engine = self.expr, self.engine
        if self._ints:
            self.check_integers(values)
        if self._soft:
            self._check_soft(values)
        v = engine.values(expr.tape, expr.cone, {n: values[name] for name, n in self._leaves})
        try:
            engine.forward(v, self.program)
        except engines.NodeError as err:
            raise expr.node_error(err, values) from None
        return v

    def run(self, values: Mapping[str, Any]) -> Pass:
        """Forward, then backward when the output is a number."""
        expr, engine = self.expr, self.engine
        if self._ints:
            self.check_integers(values)
        if self._soft:
            self._check_soft(values)
        leaves = {n: values[name] for name, n in self._leaves}
        try:
            v, g = engine.run(expr.tape, expr.cone, leaves, self.program, expr.root, self._need)
        except engines.NodeError as err:
            raise expr.node_error(err, values) from None
        return Pass(expr, engine, v, g, self.wrt)

    def run_grid(self, values: Mapping[str, Any]) -> Pass:
        """Forward, then backward from every element of the output at once -- the gradient of
        sum(output) -- on the numpy engine.  For an elementwise graph over a grid (an input that
        is a vector of points, the others numbers), each output element depends only on its own
        point, so each element of that input's gradient is the derivative at its point: one
        vectorised pass instead of one pass per point (``plot``)."""
        expr, engine = self.expr, self.engine
        if self._ints:
            self.check_integers(values)
        if self._soft:
            self._check_soft(values)
        leaves = {n: values[name] for name, n in self._leaves}
        try:
            v = engine.values(expr.tape, expr.cone, leaves)
            engine.forward(v, self.program)
            g = engine.backward(v, self.program, expr.root, self._need)
        except engines.NodeError as err:
            raise expr.node_error(err, values) from None
        return Pass(expr, engine, v, g, self.wrt)

    def _check_soft(self, values: Mapping[str, Any]) -> None:
        """A value for ``e`` where this graph reads ``e`` as Euler's number would be ignored:
        refuse it (compile ``expr.resolve(names)`` instead)."""
        for name in self._soft:
            if name in values:
                raise BindingError(
                    f"{name} is given a value, but this compiled expression reads {name} as "
                    f"Euler's number: compile expr.resolve({{{name!r}}}) to make it a variable",
                    name=name,
                    reason="soft constant",
                )

    def check_integers(self, values: Mapping[str, Any]) -> None:
        """The integer inputs (an index, labels) hold whole numbers: a ``BindingError`` at the
        column of their use otherwise (their range is checked by the engine, against the shape
        they index)."""
        expr = self.expr
        for name, node in self._ints.items():
            what = "labels of pick" if OPS[expr.tape.code[node]].name == "pick" else "an index"
            _bindings.check_integers(name, values[name], expr.column(node), what)

    def __call__(self, values: Mapping[str, Any]) -> tuple[Any, dict[str, Any] | None]:
        p = self.run(values)
        return p.value, p.gradients

    def result(self, values: Mapping[str, Any]) -> Result:
        """The pass as a ``Result``, with its warnings (and a note for an array output)."""
        p = self.run(values)
        engine = self.engine
        if engine.name == "scalar":  # floats: the values and gradients as they are
            expr, v, g = self.expr, p.v, p.g
            tv = expr.tape.vars
            grads = {name: g[tv[name]] for name in self.wrt}
            warnings = nonfinite_warnings(expr, v, engine)
            for d in grads.values():
                if d - d != 0.0:  # a gradient is inf or nan: say where it came from
                    warnings += gradient_warnings(expr, p)
                    break
            return Result(
                expr,
                v[expr.root],
                grads,
                {name: values[name] for name in expr.variables},
                warnings,
                None,
                p,
            )
        else:
            out = engine.output
            bound = {name: out(values[name]) for name in self.expr.variables}
        return Result(
            self.expr,
            p.value,
            p.gradients,
            bound,
            nonfinite_warnings(self.expr, p.v, engine) + gradient_warnings(self.expr, p),
            None if p.g is not None else NOT_SCALAR,
            p,
        )


class Expression:
    """A parsed expression: a graph with one output node, ready to evaluate many times.

    ``cone`` is the nodes this output depends on (None: the whole tape, a single expression --
    unless the parser left dead nodes, ``Tape.dead``: then it is the output's cone); with a
    cone, passes work on dicts over it, so a statement of a long file costs the nodes it
    reaches, not the tape.

    Inputs: ``variables`` are every input that needs a value, in order of first appearance (a
    caller that knows them, exprgrad/analysis/statements.py, passes them);
    ``differentiable`` those that get a gradient (the default ``wrt`` of every method, what
    ``check`` perturbs and ``fit`` trains); ``integer_inputs`` the others -- an index
    (``p[k]``) or labels (``pick(P, labels)``), whole numbers, never differentiated.
    ``soft_constants``: names the text reads as a built-in constant that a binding would make a
    variable (``e``: Euler's number unless bound); ``resolve(names)`` is the expression as
    bindings of ``names`` read it (the methods below call it)."""

    def __init__(
        self,
        text: str,
        tape: Tape,
        root: int,
        nodes: list[int] | None = None,
        variables: tuple[str, ...] | None = None,
        soft: tuple[str, ...] = (),
    ):
        self.text = text
        self.tape = tape
        self.root = root
        if nodes is None and tape.dead:  # fused forms left nodes nothing reaches
            nodes = tape.cone(root)
        self.cone = nodes
        self.soft_constants: tuple[str, ...] = soft
        self._resolved: dict[frozenset[str], Expression] = {}
        self._ints: dict[str, int] | None = None
        if variables is None:
            span = range(len(tape)) if nodes is None else nodes
            code = tape.code
            names = {v: k for k, v in tape.vars.items()}
            variables = tuple(names[n] for n in sorted(n for n in span if code[n] == VAR))
        self.variables: tuple[str, ...] = variables
        self._program: Any = None
        self._is_array: bool | None = None

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    @property
    def program(self) -> Any:
        """The engines' flat lists (node, op code, child, child) over this output's op nodes."""
        if self._program is None:
            self._program = self.tape.program(self.cone)
        return self._program

    @property
    def is_array(self) -> bool:
        """Whether this output's graph holds an array-only op (then it runs on numpy)."""
        if self._is_array is None:
            marks = self.tape.array_ops
            if self.cone is None or not marks:
                self._is_array = bool(marks)
            else:
                self._is_array = not ARRAY_CODES.isdisjoint(self.program[1])
        return self._is_array

    # -- inputs: which need a value, which get a gradient ---------------------------------------
    @property
    def integer_uses(self) -> dict[str, int]:
        """Integer input name -> the node that uses it as an index or labels (its first use)."""
        if self._ints is None:
            prog = self.program
            if not self.is_array or INT_ARG_CODES.isdisjoint(prog[1]):  # index, pick: arrays
                self._ints = _NO_INTS
                return _NO_INTS
            ints: dict[str, int] = {}
            tape = self.tape
            code = tape.code
            names = {n: k for k, n in tape.vars.items()}
            for i, o, x, y in zip(*prog):
                if o not in INT_ARG_CODES:
                    continue
                for k in OPS[o].int_args:  # every input under an index is an integer input
                    for n in tape.cone((x, y)[k]):
                        if code[n] == VAR and names[n] not in ints:
                            ints[names[n]] = i
            self._ints = {v: ints[v] for v in self.variables if v in ints}
        return self._ints

    @property
    def integer_inputs(self) -> tuple[str, ...]:
        """Inputs used as an index or labels: whole numbers that get no gradient."""
        return tuple(self.integer_uses)

    @property
    def differentiable(self) -> tuple[str, ...]:
        """The inputs that get a gradient: every variable but the integer inputs."""
        ints = self._ints if self._ints is not None else self.integer_uses
        return tuple(v for v in self.variables if v not in ints) if ints else self.variables

    def resolve(self, names: Any) -> Expression:
        """This expression as bindings of ``names`` read it: a soft constant among them (``e``)
        is a variable there, so the text is parsed again with it as one; else ``self``."""
        soft = self.soft_constants
        if not soft:
            return self
        hit = frozenset(n for n in soft if n in names)
        if not hit:
            return self
        done = self._resolved.get(hit)
        if done is None:
            tape = Tape()
            tape.named.update(hit)
            root = parse_into(tape, self.text)
            rest = tuple(n for n in soft if n not in hit)
            done = self._resolved[hit] = Expression(self.text, tape, root, soft=rest)
        return done

    # -- the engine, chosen once -----------------------------------------------------------
    def engine_for(self, values: Mapping[str, Any]) -> Any:
        """The numpy engine when the graph holds an array op or a value is an array; else the
        scalar engine.  (The one place this is decided.)"""
        arrays = self.is_array or any(v.__class__ is not float for v in values.values())
        return engines.get(arrays)

    def compile(self, wrt: Any = None, *, arrays: bool | None = None) -> Compiled:
        """A fast ``f(values) -> (value, gradients)`` for the ``wrt`` inputs (default: the
        differentiable ones).  ``arrays``: whether values will be arrays (default: only if the
        graph needs it).  Values must bind ``variables``; to bind a soft constant (``e``), compile
        ``resolve(names)`` instead."""
        names = self._wrt(wrt)
        engine = engines.get(self.is_array if arrays is None else arrays or self.is_array)
        return Compiled(self, names, engine)

    def _wrt(self, wrt: Any) -> tuple[str, ...]:
        if wrt is None:  # every differentiable input (the common case: no checks to make)
            return self.differentiable
        return _bindings.check_wrt(self.variables, wrt, self.differentiable, self.soft_constants)

    def _compiled(self, values: Mapping[str, Any], wrt: Any) -> Compiled:
        return Compiled(self, self._wrt(wrt), self.engine_for(values))

    def _bind(self, bindings: Mapping[str, Any] | None, kw: dict) -> tuple:
        """(the expression as the bindings read it, its values, warnings about the values)."""
        given = {**(bindings or {}), **kw}
        expr = self.resolve(given)
        overflows: dict[str, list[str]] = {}
        values = _bindings.bind(expr.variables, given, overflows=overflows)
        return expr, values, binding_warnings(overflows) if overflows else []

    # -- evaluation ------------------------------------------------------------------------
    def evaluate(self, bindings: Mapping[str, Any] | None = None, /, **kw: Any) -> Any:
        """The value at the bindings (forward pass only)."""
        expr, values, _ = self._bind(bindings, kw)
        engine = expr.engine_for(values)
        return engine.output(Compiled(expr, (), engine).forward(values)[expr.root])

    def gradients(
        self,
        bindings: Mapping[str, Any] | None = None,
        /,
        *,
        wrt: Any = None,
        **kw: Any,
    ) -> Result:
        """Forward and backward pass: the value and d(output)/d(input) for every differentiable
        input (or only those named in ``wrt``)."""
        expr, values, warnings = self._bind(bindings, kw)
        result = expr._compiled(values, wrt).result(values)
        if warnings:
            result.warnings[:0] = warnings
        return result

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
        wrt: Any = None,
        **kw: Any,
    ) -> CheckReport:
        """Backprop against central differences, one row per input (see README: check)."""
        from .check import check

        settings = _bindings.check_settings(eps, rtol, atol, method, seed)
        expr, values, warnings = self._bind(bindings, kw)
        report = check(expr._compiled(values, wrt), values, **settings)
        if warnings:
            report.warnings[:0] = warnings
        return report

    # -- per-node data ---------------------------------------------------------------------
    def needs(self, wrt: tuple[str, ...]) -> bytearray:
        """needs[n] = 1 when node n's gradient is needed for some input of ``wrt``."""
        tape = self.tape
        need = bytearray(len(tape))
        for name in wrt:
            need[tape.vars[name]] = 1
        for i, _, x, y in zip(*self.program):
            if need[x] or (y >= 0 and need[y]):
                need[i] = 1
        return need

    def column(self, node: int) -> int | None:
        """1-based column of the token that created ``node``, in the text it came from."""
        tape = self.tape
        k = tape.src[node]
        if k < 0:
            return None
        _, text = tape.text_of(node)
        return column_of(text, k)

    def where(self, node: int) -> str:
        """How messages name a node: ``log at column 9``."""
        col = self.column(node)
        return f"{OPS[self.tape.code[node]].label}{f' at column {col}' if col else ''}"

    def node_error(
        self, err: engines.NodeError, values: Mapping[str, Any] | None = None
    ) -> ExprgradError:
        """An engine's problem at a node, as the error that names the op and its column; a shape
        error also says which of its inputs (``values``) a one-column CSV made a vector."""
        node = err.node
        message = f"{self.where(node)}: {err.message}"
        if values and err.cls is ShapeError:
            message += csv_vector_notes(self, node, values)
        return err.cls(message, self.column(node), text=self.tape.text_of(node)[1])

    def nodes(self, p: Pass | None) -> list[Node]:
        """Every node reached from the output, in topological order (inputs first), with its
        value and gradient from the pass ``p``."""
        tape = self.tape
        span = range(len(tape)) if self.cone is None else self.cone
        names = {v: k for k, v in tape.vars.items()}
        names.update({v: k for k, v in tape.scope.items()})
        v = g = None
        out = lambda x: x  # noqa: E731
        if p is not None:
            v, g, out = p.v, p.g, p.engine.output
        return [
            Node(
                n,
                OPS[tape.code[n]].name,
                tape.children(n),
                out(v[n]) if v is not None else None,
                out(g[n]) if g is not None and g[n] is not None else None,
                self.column(n),
                names.get(n),
            )
            for n in span
        ]


_NO_INTS: dict[str, int] = {}


# -- module-level conveniences ---------------------------------------------------------------
def parse(text: str) -> Expression:
    """Parse an expression (not a ``name = expr`` statement) into a reusable Expression."""
    tape = Tape()
    text = strip_text(text)
    value = parse_into(tape, text)
    if isinstance(value, tuple):
        raise ExprSyntaxError(
            "'=' defines a name, which only works in a file of statements",
            column_of(text, value[2] + 1),
            text=text,
            reason="statement",
        )
    return Expression(text, tape, value, soft=tuple(tape.soft_used))


def _expr(e: str | Expression) -> Expression:
    return e if isinstance(e, Expression) else parse(e)


def evaluate(expression: str | Expression, bindings: Mapping[str, Any] | None = None, **kw: Any):
    """Value of ``expression`` at ``bindings``."""
    return _expr(expression).evaluate(bindings, **kw)


def gradients(
    expression: str | Expression,
    bindings: Mapping[str, Any] | None = None,
    *,
    wrt: Any = None,
    **kw: Any,
) -> Result:
    """Value and gradients of ``expression`` at ``bindings``."""
    return _expr(expression).gradients(bindings, wrt=wrt, **kw)


def check(expression: str | Expression, bindings: Mapping[str, Any] | None = None, **kw: Any):
    """Backprop vs central differences; see ``Expression.check`` for the options."""
    opts = {k: kw.pop(k) for k in ("eps", "rtol", "atol", "method", "seed", "wrt") if k in kw}
    return _expr(expression).check(bindings, **opts, **kw)
