"""Analysis layer: where numbers go wrong -- warnings where inf or nan arises, and the kinks a
gradient check must not blame on backprop.  One set of rules for both engines: the engine only
says what a value holds (``all_finite``, ``gave``, ``crossing``); the words are here.

* Warnings: a number literal too large for a float, and a binding's number likewise (``--x
  1e400``, ``"[1e400]"``: ``binding_warnings``); an op giving inf or nan from finite inputs, or
  nan from inputs that hold none (``inf - inf``, ``0 * inf``).  Values that merely carry an inf
  along are not repeated; at most ``limit`` are listed, then a count.  An elementwise op that
  broadcasts a vector ``(n,)`` against a column ``(n, 1)`` into an ``(n, n)`` matrix (``X @ w - y``
  with y a column: the classic silent regression bug).  ``gradient_warnings``: a gradient that is
  inf or nan although every value is finite, naming the node that sent it.  A shape error caused
  by a vector read from a one-column CSV file says so (``csv_vector_notes``).
* Kinks: an op with a ``kink`` template (relu, abs: its input; max, min: x - y) on the perturbed
  path whose kink quantity is 0 at the point, or changes sign within ±h, where central
  differences average both sides of a corner.

Imports: exprgrad.core, exprgrad.analysis (types only); exprgrad.io.arrays on a shape error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.ops import OPS, VAR
from ..core.results import Warning_

if TYPE_CHECKING:  # pragma: no cover
    from .expression import Expression


def nonfinite_warnings(expr: Expression, v: Any, engine: Any, limit: int = 3) -> list[Warning_]:
    """The warnings of one forward pass ``v`` of ``expr``."""
    out = []
    count = 0
    lits: Any = expr.tape.overflows
    if lits and expr.cone is not None:  # only this output's literals, in O(smaller side)
        if len(lits) <= len(expr.cone):
            lits = [n for n in lits if n in v]
        else:
            lits = [n for n in v if n in lits]
    for n in lits:
        count += 1
        col = expr.column(n)
        where = f" at column {col}" if col else ""
        out.append(Warning_(f"number{where} is too large for a float: inf", col))
    prog = expr.program
    if engine.name == "numpy":
        out.extend(broadcast_warnings(expr, v, prog))
    if engine.all_finite(v, prog[0]):
        return out
    gave = engine.gave
    for i, o, x, y in zip(*prog):
        what = gave(v[i], v[x], v[y] if y >= 0 else None, not OPS[o].array_only)
        if what is None:
            continue
        count += 1
        if len(out) < limit:
            out.append(Warning_(f"{expr.where(i)} gave {what}", expr.column(i)))
    if count > limit:
        out.append(Warning_(f"... and {count - limit} more non-finite results", None))
    return out


def binding_warnings(overflows: dict[str, list[str]]) -> list[Warning_]:
    """Bindings whose numbers were too large for a float (``--x 1e400``, a 400-digit number,
    ``"[1e400]"``): they read as ±inf, as the literal ``1e999`` does."""
    out = []
    for name, texts in overflows.items():
        first = texts[0]
        unit = "digits" if first.lstrip("+-").isdigit() else "characters"
        shown = first if len(first) <= 24 else f"{first[:12]}… ({len(first)} {unit})"
        sign = "-" if first.lstrip().startswith("-") else ""
        if len(texts) == 1:
            what = f"{shown} is too large for a float: {sign}inf"
        else:
            what = f"{len(texts)} numbers are too large for a float: ±inf (the first: {shown})"
        out.append(Warning_(f"{name}: {what}", None))
    return out


def broadcast_warnings(expr: Expression, v: Any, program: Any) -> list[Warning_]:
    """An elementwise op whose inputs are a vector (n,) and a column (n, 1): numpy broadcasts
    them into an (n, n) matrix, which is almost never what was meant."""
    out = []
    for i, o, x, y in zip(*program):
        if y < 0 or x == y or OPS[o].array_only or OPS[o].arity != 2:
            continue
        sx, sy = getattr(v[x], "shape", ()), getattr(v[y], "shape", ())
        if len(sx) + len(sy) != 3 or not (sx and sy):  # not a vector and a matrix
            continue
        vec, col = (x, y) if len(sx) == 1 else (y, x)
        n = v[vec].shape[0]
        if n < 2 or v[col].shape != (n, 1):
            continue
        out.append(
            Warning_(
                f"{expr.where(i)}: {_operand(expr, vec)} is a vector ({n},) and "
                f"{_operand(expr, col)} a column ({n}, 1): they broadcast to a ({n}, {n}) matrix, "
                "every row against every row (for one value per row make both vectors, or both "
                "columns)",
                expr.column(i),
            )
        )
    return out


def _operand(expr: Expression, n: int) -> str:
    """How a message names an operand: its variable or definition name, else its op."""
    tape = expr.tape
    for names in (tape.vars, tape.scope):
        for name, node in names.items():
            if node == n:
                return name
    if tape.code[n] == VAR:
        return "an input"
    return f"the result of {expr.where(n)}"


def csv_vector_notes(expr: Expression, node: int, values: Any) -> str:
    """For a shape error at ``node``: ``; y was read from y.csv as a vector of 40 (...)`` for
    each input under it that a one-column (one-row) CSV file made a vector."""
    tape = expr.tape
    names = {n: k for k, n in tape.vars.items()}
    notes = []
    for n in tape.cone(node):
        value = values.get(names.get(n, ""))
        if tape.code[n] != VAR or value is None or value.__class__ is float:
            continue
        from ..io.arrays import csv_vector  # numpy is loaded: the value is an array

        origin = csv_vector(value)
        if origin is not None:
            path, kind = origin
            k = value.shape[0]
            notes.append(
                f"; {names[n]} was read from {path} as a vector of {k} (a one-{kind} CSV file "
                f"gives a vector, shape ({k},))"
            )
    return "".join(notes)


def gradient_warnings(expr: Expression, p: Any, limit: int = 3) -> list[Warning_]:
    """A gradient that is inf or nan although every value is finite: the node whose local
    derivative made it (``sqrt(x)`` at 0 sends its child parent.grad × inf), by name and column.
    Costs nothing unless a wanted gradient is not finite."""
    g, v, engine = p.g, p.v, p.engine
    if g is None:
        return []
    tv = expr.tape.vars
    wanted = [tv[n] for n in p.wrt if g[tv[n]] is not None]
    if engine.all_finite(g, wanted):
        return []
    if not engine.all_finite(v, [tv[n] for n in expr.variables]):
        return []
    out: list[Warning_] = []
    count = 0
    for i, o, x, y in zip(*(reversed(lst) for lst in expr.program)):
        gi = g[i]
        if gi is None or not engine.all_finite(g, [i]):
            continue
        if not engine.all_finite(v, [i, x] if y < 0 else [i, x, y]):
            continue  # a value is not finite: the forward warnings say where
        dx, dy = engine.vjp(o, gi, v[i], v[x], v[y] if y >= 0 else None)
        for child, d in ((x, dx), (y if y != x else -1, dy)):
            if d is None or child < 0 or engine.all_finite({0: d}, [0]):
                continue
            what = engine.gave(d, gi, None, False) or "inf or nan"
            count += 1
            if len(out) < limit:
                named = child in tv.values()
                to = _operand(expr, child) if named else "its input"
                at = ""
                if not engine.is_array(v[child]):
                    at = f" at {to if named else 'input'} = {_fmt(v[child])}"
                out.append(
                    Warning_(
                        f"{expr.where(i)} sent gradient {what} to {to} (its local derivative{at} "
                        "is not finite)",
                        expr.column(i),
                    )
                )
    if count > limit:
        out.append(Warning_(f"... and {count - limit} more non-finite gradients", None))
    return out


def kink_nodes(program: Any) -> list[tuple[int, tuple[int, int, int]]]:
    """The kink ops of ``program`` (relu, abs ...) as (node, (op code, child, child))."""
    return [(i, (o, x, y)) for i, o, x, y in zip(*program) if OPS[o].kink is not None]


def kink_value(engine: Any, v: Any, kink: tuple[int, int, int]) -> Any:
    """The quantity whose zero is the kink (relu: its input), at the values ``v``."""
    o, x, y = kink
    return engine.kink_value(o, v[x], v[y] if y >= 0 else None)


def kink(expr: Expression, program: Any, base: Any, vp: dict, vm: dict, engine: Any) -> str | None:
    """Why a check row is excused: a kink op of ``program`` (the nodes a perturbation moves)
    whose kink quantity (relu: its input) is 0 at the point (``base``) or changes sign between
    x - h and x + h (``vp``, ``vm``: the quantities there, by kink node).  None if none is."""
    for i, k in kink_nodes(program):
        o = k[0]
        b = kink_value(engine, base, k)
        crossed = engine.crossing(b, vp[i], vm[i])
        if crossed is None:
            continue
        zero, index = crossed
        op = OPS[o]
        name = op.name
        at = f" at index {index}" if index is not None else ""
        if op.arity == 1:
            if zero:
                state = "is 0"
            elif index is None:
                state = f"is {_fmt(b)} and changes sign within ±eps"
            else:
                state = "changes sign within ±eps"
            rule = op.kink_rule or f"backprop uses {name}'(0) = 0"
            return (
                f"{expr.where(i)}: its input {state}{at}; {name} has a kink at 0, where it is not "
                f"differentiable ({rule}, central differences average both sides)"
            )
        # two inputs (max, min): the kink is where they are equal (kink quantity x - y)
        if zero:
            state = "are equal"
        elif index is None:
            state = f"differ by {_fmt(abs(b))} and cross within ±eps"
        else:
            state = "cross within ±eps"
        rule = op.kink_rule or "backprop picks one side"
        return (
            f"{expr.where(i)}: its inputs {state}{at}; {name} has a kink where x = y, where it is "
            f"not differentiable ({rule}, central differences average both sides)"
        )
    return None


def _fmt(x: Any) -> str:
    r = repr(float(x))
    return r[:-2] if r.endswith(".0") else r
