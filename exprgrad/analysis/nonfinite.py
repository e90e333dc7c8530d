"""Analysis layer: where numbers go wrong -- warnings where inf or nan arises, and the kinks a
gradient check must not blame on backprop.  One set of rules for both engines: the engine only
says what a value holds (``all_finite``, ``gave``, ``crossing``); the words are here.

* Warnings: a number literal too large for a float; an op giving inf or nan from finite inputs,
  or nan from inputs that hold none (``inf - inf``, ``0 * inf``).  Values that merely carry an
  inf along are not repeated; at most ``limit`` are listed, then a count.
* Kinks: a relu/abs on the perturbed path whose input is 0 at the point, or changes sign within
  ±h, where central differences average both sides of a corner.

Imports: exprgrad.core, exprgrad.analysis (types only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.ops import OPS
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
        name = OPS[o].name
        if zero:
            state = "is 0"
        elif index is None:
            state = f"is {_fmt(b)} and changes sign within ±eps"
        else:
            state = "changes sign within ±eps"
        if index is not None:
            state += f" at index {index}"
        return (
            f"{expr.where(i)}: its input {state}; {name} has a kink at 0, where it is not "
            f"differentiable (backprop uses {name}'(0) = 0, central differences average "
            "both sides)"
        )
    return None


def _fmt(x: Any) -> str:
    r = repr(float(x))
    return r[:-2] if r.endswith(".0") else r
