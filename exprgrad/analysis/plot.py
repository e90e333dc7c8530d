"""Analysis layer: ``plot`` -- f and ∂f/∂x sampled over a range of one input (the others fixed at
their bindings), with the places worth marking: where ∂f/∂x changes sign, where a kink lies
(relu's input crosses 0: the ops table's ``kink`` templates) and where a pole or domain edge lies
(``edge`` templates: 1/x at 0, log at 0).

    >>> s = sample(parse("x^2"), {"x": "0:1"}, points=11)
    >>> s.variable, s.x[1], s.value[1], s.gradient[1]
    ('x', 0.1, 0.010000000000000002, 0.2)

How: a scalar expression runs ONCE on the numpy engine with the variable as a vector of points
(``Compiled.run_grid``): every op is elementwise, each output element depends only on its own
point, so backprop from sum(output) gives each point's own derivative -- exactly the values of
one pass per point, at numpy speed.  An expression holding arrays (a loss against one scalar
parameter) is evaluated once per point.  Lines should break where a value is not finite and at a
pole (``value_breaks``), and the derivative also where it jumps at a kink (``gradient_breaks``);
the renderers draw the gaps.  Errors are ``BindingError``s with fields (``reason``:
``"no range"``, ``"ranges"``, ``"value"``, ``"option"``); exprgrad/cli/plot.py words them.

Imports: stdlib, numpy (inside ``sample``), exprgrad.core, exprgrad.errors, exprgrad.analysis.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..core.ops import OPS
from ..errors import BindingError, ShapeError, option_error, value_error
from . import bindings as _bindings
from .nonfinite import kink_nodes, kink_value, nonfinite_warnings

if TYPE_CHECKING:  # pragma: no cover
    from .expression import Expression

DEFAULT_POINTS = 201  # odd: a symmetric range samples its middle (x = 0) exactly
MAX_POINTS = 1_000_000
MAX_MARKS = 100  # per kind; the rest are counted in ``omitted``
_POLES = ("div", "tan")  # whose edge is a pole (the value runs off to ±inf), not a domain's end


class Mark:
    """A place on the x axis: ``kind`` is "sign" (∂f/∂x changes sign), "kink" or "edge"."""

    __slots__ = ("x", "kind", "label", "column")

    def __init__(self, x: float, kind: str, label: str, column: int | None = None):
        self.x = x
        self.kind = kind
        self.label = label
        self.column = column

    def __repr__(self) -> str:
        return f"Mark({self.x!r}, {self.kind!r}, {self.label!r})"


class Sampling:
    """f and ∂f/∂x over a grid: ``x``, ``value``, ``gradient`` (float64 arrays of one length),
    ``marks``, the intervals after which lines break (``value_breaks``, ``gradient_breaks``:
    index j breaks between point j and j + 1), the other inputs' values (``bindings``), warnings
    and how it was computed (``method``: "vectorised" or "per point")."""

    def __init__(self, **kw: Any):
        self.expression: str = kw["expression"]
        self.variable: str = kw["variable"]
        self.x: Any = kw["x"]
        self.value: Any = kw["value"]
        self.gradient: Any = kw["gradient"]
        self.marks: list[Mark] = kw["marks"]
        self.omitted: dict[str, int] = kw["omitted"]
        self.value_breaks: Any = kw["value_breaks"]
        self.gradient_breaks: Any = kw["gradient_breaks"]
        self.bindings: dict[str, Any] = kw["bindings"]
        self.warnings: list[Any] = kw["warnings"]
        self.method: str = kw["method"]


# -- the range and the number of points --------------------------------------------------------
def parse_range(name: str, raw: Any) -> tuple[float, float] | None:
    """``"START:STOP"`` (or a 2-tuple) as two finite numbers, START < STOP; None when ``raw`` is
    not a range at all (a number, an array, @FILE)."""
    if isinstance(raw, tuple) and len(raw) == 2:
        parts = [str(p) for p in raw]
    elif isinstance(raw, str) and ":" in raw and not raw.lstrip().startswith(("@", "[")):
        parts = raw.split(":")
    else:
        return None
    shown = ":".join(p.strip() for p in parts)
    if len(parts) != 2:
        raise value_error(name, f"expected a range START:STOP, got '{shown}'")
    ends = []
    for what, p in zip(("START", "STOP"), parts):
        try:
            ends.append(float(p))
        except ValueError:
            raise value_error(
                name, f"{what} of the range '{shown}' is not a number: '{p.strip()}'"
            ) from None
    start, stop = ends
    if not (math.isfinite(start) and math.isfinite(stop)):
        raise value_error(name, f"the range '{shown}' must have finite ends")
    if not start < stop:
        raise value_error(name, f"the range '{shown}' is empty: START must be below STOP")
    return start, stop


def split_range(
    variables: tuple[str, ...], bindings: Mapping[str, Any]
) -> tuple[str, float, float, dict[str, Any]]:
    """(the variable given as a range, START, STOP, the other bindings); exactly one range."""
    ranges = {}
    rest = {}
    for name, raw in bindings.items():
        r = parse_range(name, raw)
        if r is None:
            rest[name] = raw
        else:
            ranges[name] = r
    if not ranges:
        free = [v for v in variables if v not in bindings] or list(variables)
        raise BindingError(
            "plot needs the range of one variable, START:STOP",
            reason="no range",
            names=tuple(free[:1]),
        )
    if len(ranges) > 1:
        raise BindingError(
            f"only one variable can range, got ranges for {' and '.join(ranges)}",
            reason="ranges",
            names=tuple(ranges),
        )
    ((name, (start, stop)),) = ranges.items()
    return name, start, stop, rest


def check_points(points: Any) -> int:
    if points.__class__ is not int or not 2 <= points <= MAX_POINTS:
        raise option_error(
            "points", f"must be a whole number from 2 to {MAX_POINTS:,}, got {points!r}"
        )
    return points


# -- sampling ------------------------------------------------------------------------------------
def sample(
    expr: Expression, bindings: Mapping[str, Any], *, points: int = DEFAULT_POINTS
) -> Sampling:
    """f and ∂f/∂x of ``expr`` over the range given in ``bindings`` (one ``"START:STOP"``)."""
    import numpy as np

    points = check_points(points)
    name, start, stop, rest = split_range(expr.variables, bindings)
    values = _bindings.bind(expr.variables, {**rest, name: 0.0})  # names and values checked
    grid = _grid(start, stop, points)
    others = {k: v for k, v in values.items() if k != name}
    vectorised = not expr.is_array and all(v.__class__ is float for v in others.values())
    if vectorised:
        value, gradient, kinks, edges, warnings = _vectorised(expr, name, grid, values)
    else:
        value, gradient, kinks, edges, warnings = _per_point(expr, name, grid, values)

    marks: list[Mark] = []
    omitted: dict[str, int] = {}
    value_breaks = np.zeros(points - 1, dtype=bool)
    gradient_breaks = np.zeros(points - 1, dtype=bool)
    for node, q in edges:
        a, b, at = _crossings(grid, q)
        value_breaks[a[b == a + 1]] = True  # a pole between two points: the line must not join
        what = "pole" if OPS[expr.tape.code[node]].name in _POLES else "domain edge"
        _add(marks, omitted, at, "edge", f"{what}: {expr.where(node)}", expr.column(node))
    gradient_breaks |= value_breaks
    for node, q in kinks:
        a, b, at = _crossings(grid, q)
        for j, k in zip(a, b):
            if _jumps(gradient, int(j), int(k)):
                gradient_breaks[j:k] = True
        _add(marks, omitted, at, "kink", f"kink: {expr.where(node)}", expr.column(node))
    finite = bool(np.isfinite(value).all())
    a, b, at = _crossings(
        grid, gradient if finite else np.where(np.isfinite(value), gradient, np.nan)
    )
    keep = np.ones(a.shape, dtype=bool)
    if value_breaks.any():  # not across a pole: 1/x's derivative is no max or min
        broken = np.concatenate(([0], np.cumsum(value_breaks)))
        keep = broken[b] == broken[a]
    for i, (j, k) in enumerate(zip(a, b)):
        if keep[i] and k == j + 1 and _pole(gradient, int(j), int(k)):
            keep[i] = False  # |f'| grows toward it from both sides: a pole (log(abs(x)) at 0)
            value_breaks[j] = gradient_breaks[j] = True
    for j, loc in zip(a[keep], at[keep]):
        up = gradient[j] < 0
        label = f"∂f/∂{name}: − to + (min)" if up else f"∂f/∂{name}: + to − (max)"
        _add(marks, omitted, np.array([loc]), "sign", label, None)
    marks.sort(key=lambda m: (m.x, m.kind))
    return Sampling(
        expression=expr.text,
        variable=name,
        x=grid,
        value=value,
        gradient=gradient,
        marks=marks,
        omitted=omitted,
        value_breaks=value_breaks,
        gradient_breaks=gradient_breaks,
        bindings=others,
        warnings=warnings,
        method="vectorised" if vectorised else "per point",
    )


def _grid(start: float, stop: float, n: int) -> Any:
    """n points from start to stop, ends exact: (start·(n-1-k) + stop·k) / (n-1), so -3:3 gives
    -2.994 rather than -2.9939999999999998 (in place: no temporaries of a million)."""
    import numpy as np

    k = np.arange(n, dtype=np.float64)
    grid = np.subtract(n - 1, k)
    grid *= start
    k *= stop
    grid += k
    grid /= n - 1
    grid[0], grid[-1] = start, stop
    return grid


def _vectorised(expr: Expression, name: str, grid: Any, values: dict[str, Any]):
    """One pass over the graph with ``name`` a vector of points."""
    import numpy as np

    compiled = expr.compile((name,), arrays=True)
    p = compiled.run_grid({**values, name: grid})
    v, engine = p.v, compiled.engine
    value = _vector(v[expr.root], grid.shape[0])
    g = p.g[expr.tape.vars[name]]
    gradient = np.zeros(grid.shape[0]) if g is None else _vector(g, grid.shape[0])
    kinks = [(i, kink_value(engine, v, k)) for i, k in kink_nodes(expr.program)]
    edges = [(i, _edge_value(engine, v, k)) for i, k in _edge_nodes(expr.program)]
    warnings = []  # where inf/nan arose: only looked for when it shows (it costs a pass a node)
    if not (np.isfinite(value).all() and np.isfinite(gradient).all()):
        warnings = nonfinite_warnings(expr, v, engine)
    return value, gradient, kinks, edges, warnings


def _vector(a: Any, n: int) -> Any:
    """``a`` as a writable float64 vector of n (a pass's own array as it is; else a copy)."""
    import numpy as np

    if getattr(a, "shape", None) == (n,) and a.dtype == np.float64 and a.flags.writeable:
        return a
    return np.array(np.broadcast_to(a, (n,)), dtype=np.float64)


def _per_point(expr: Expression, name: str, grid: Any, values: dict[str, Any]):
    """One pass per point (the expression holds arrays): value and gradient must be numbers."""
    import numpy as np

    compiled = expr.compile((name,), arrays=True)
    engine, root, node = compiled.engine, expr.root, expr.tape.vars[name]
    n = grid.shape[0]
    value, gradient = np.empty(n), np.empty(n)
    knodes, enodes = kink_nodes(expr.program), _edge_nodes(expr.program)
    kq: list[list[Any]] = [[] for _ in knodes]
    eq: list[list[Any]] = [[] for _ in enodes]
    warnings: dict[str, Any] = {}
    vals = dict(values)
    for j, xj in enumerate(grid.tolist()):
        vals[name] = xj
        p = compiled.run(vals)
        if p.g is None:
            shape = tuple(np.shape(p.v[root]))
            raise ShapeError(
                f"plot needs a number, but the expression gives an array of shape {shape} "
                f"(at {name} = {xj!r}); reduce it with sum(...) or mean(...)"
            )
        value[j] = p.v[root]
        g = p.g[node]
        gradient[j] = 0.0 if g is None else g
        for q, (_, k) in zip(kq, knodes):
            q.append(np.ravel(kink_value(engine, p.v, k)))
        for q, (_, k) in zip(eq, enodes):
            q.append(np.ravel(_edge_value(engine, p.v, k)))
        if len(warnings) < 4:
            for w in nonfinite_warnings(expr, p.v, engine):
                warnings.setdefault(w.message, w)
    kinks = [(i, np.stack(q)) for (i, _), q in zip(knodes, kq)]
    edges = [(i, np.stack(q)) for (i, _), q in zip(enodes, eq)]
    return value, gradient, kinks, edges, list(warnings.values())[:4]


def _edge_nodes(program: Any) -> list[tuple[int, tuple[int, int, int]]]:
    return [(i, (o, x, y)) for i, o, x, y in zip(*program) if OPS[o].edge is not None]


def _edge_value(engine: Any, v: Any, edge: tuple[int, int, int]) -> Any:
    o, x, y = edge
    return engine.edge_value(o, v[x], v[y] if y >= 0 else None)


# -- where things happen -------------------------------------------------------------------------
def _crossings(x: Any, q: Any) -> tuple[Any, Any, Any]:
    """Where ``q`` (one value per point, or a row of values per point) changes sign along the
    grid: arrays (a, b, location) over consecutive nonzero finite points a < b with opposite
    signs and only zeros between them; the location is interpolated (b = a + 1) or the middle of
    the zeros.  Non-finite points break the search (nothing is claimed across them)."""
    import numpy as np

    q = np.asarray(q, dtype=np.float64)
    n = x.shape[0]
    if q.ndim == 0:
        return np.empty(0, int), np.empty(0, int), np.empty(0)
    q = q.reshape(q.shape[0], -1) if q.ndim > 1 else q.reshape(-1, 1)
    if q.shape[0] != n:
        q = np.broadcast_to(q, (n, q.shape[1]))
    out_a, out_b, out_at = [], [], []
    for col in q.T:
        pos, neg = col > 0.0, col < 0.0
        signed = pos | neg
        if signed.all():  # no zero, no nan, maybe ±inf: neighbours only
            a = np.flatnonzero(pos[:-1] != pos[1:])
            b = a + 1
            keep = np.isfinite(col[a]) & np.isfinite(col[b])
            a, b = a[keep], b[keep]
        else:  # consecutive signed points, only zeros between them (no nan)
            nz = np.flatnonzero(signed)
            if nz.size < 2:
                continue
            a, b = nz[:-1], nz[1:]
            hit = pos[a] != pos[b]
            a, b = a[hit], b[hit]
            if a.size:
                finite = np.isfinite(col)
                if not finite.all():
                    bad = np.concatenate(([0], np.cumsum(~finite)))
                    ok = (bad[b] == bad[a + 1]) & finite[a] & finite[b]
                    a, b = a[ok], b[ok]
        if not a.size:
            continue
        qa, qb = col[a], col[b]
        interp = x[a] + (x[b] - x[a]) * (qa / (qa - qb))
        middle = (x[np.minimum(a + 1, n - 1)] + x[np.maximum(b - 1, 0)]) / 2
        out_a.append(a)
        out_b.append(b)
        out_at.append(np.where(b == a + 1, interp, middle))
    if not out_a:
        return np.empty(0, int), np.empty(0, int), np.empty(0)
    a, b, at = np.concatenate(out_a), np.concatenate(out_b), np.concatenate(out_at)
    order = np.argsort(at, kind="stable")
    return a[order], b[order], at[order]


def _pole(g: Any, a: int, b: int) -> bool:
    """Whether |∂f/∂x| grows steeply toward the interval (a, b) from both sides (by more than
    1.5× a step): f′ changes sign there through a pole, not at a maximum or minimum."""
    n = g.shape[0]
    if a < 1 or b + 1 >= n:
        return False
    left, right = abs(g[a]), abs(g[b])
    return bool(left > 1.5 * abs(g[a - 1]) and right > 1.5 * abs(g[b + 1]))


def _jumps(g: Any, a: int, b: int) -> bool:
    """Whether ∂f/∂x jumps between points a and b (at a kink): the step there is more than four
    times the steps on either side (relu's 0 -> 1 does; relu(x)^2's derivative does not)."""
    n = g.shape[0]
    step = abs(g[b] - g[a])
    if not math.isfinite(step) or step == 0.0:
        return False
    span = b - a
    around = [abs(g[j + span] - g[j]) for j in (a - span, b) if 0 <= j and j + span < n]
    around = [d for d in around if math.isfinite(d)]
    return not around or step > 4.0 * max(around) + 1e-12 * max(abs(g[a]), abs(g[b]))


def _add(
    marks: list[Mark], omitted: dict[str, int], at: Any, kind: str, label: str, column
) -> None:
    """Marks at ``at`` (sorted), nearby duplicates (the same node, a row per data point) once;
    at most ``MAX_MARKS`` of a kind."""
    have = sum(1 for m in marks if m.kind == kind)
    last = None
    for loc in at.tolist():
        if last is not None and loc - last <= 1e-12 * max(1.0, abs(loc)):
            continue
        last = loc
        if have >= MAX_MARKS:
            omitted[kind] = omitted.get(kind, 0) + 1
            continue
        have += 1
        marks.append(Mark(loc, kind, label, column))
