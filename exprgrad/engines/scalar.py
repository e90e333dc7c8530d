"""Engines layer: the scalar engine -- forward and reverse passes over a flat tape of floats.

``forward(v, oi, oo, ox, oy)`` fills ``v[i]`` for every op node ``i`` (lists from
``Tape.program()``: node, op code, first child, second child, in topological order);
``backward(v, g, oi, oo, ox, oy)`` runs the lecture's ``child.grad += parent.grad *
d(parent)/d(child)`` in reverse topological order, accumulating.  Both are generated from the ops
table by exprgrad/engines/codegen.py into exprgrad/engines/_scalar_loops.py (regenerate with
``python tools/gen_engine.py``; CI checks it is current): plain float code in one ``try``, with an
IEEE-safe recomputation of the one node that raised, so results are inf/nan, never exceptions.

``SCALAR`` wraps them in the interface every engine offers (exprgrad/engines/__init__.py), which
is what the analysis layer uses.  Imports: stdlib, exprgrad.core, exprgrad.engines._scalar_loops.
"""

from __future__ import annotations

import math
from typing import Any

from ..core.tape import Tape
from ._scalar_loops import (
    SAFE_EDGE,
    SAFE_FWD,
    SAFE_KINK,
    SAFE_LOCAL,
    SAFE_VJP,
    backward,
    forward,
)

__all__ = [
    "SAFE_FWD", "SAFE_LOCAL", "SAFE_VJP", "SCALAR", "ScalarEngine", "backward", "forward",
]  # fmt: skip


def fmt(x: float) -> str:
    """Shortest round-trip text of a float, ``68`` for ``68.0``."""
    r = repr(x)
    return r[:-2] if r.endswith(".0") else r


class ScalarEngine:
    """Floats in a list over the whole tape, or a dict over the nodes an output reaches."""

    name = "scalar"

    def prepare(self, tape: Tape, program: Any) -> None:
        """Static checks before the first pass: none are needed for floats."""

    def values(self, tape: Tape, nodes: list[int] | None, leaves: dict[int, Any]) -> Any:
        val = tape.val
        v: Any = list(val) if nodes is None else {n: val[n] for n in nodes}
        for n, x in leaves.items():
            v[n] = x
        return v

    def forward(self, v: Any, program: Any) -> None:
        forward(v, *program)

    def backward(self, v: Any, program: Any, root: int, need: Any = None) -> Any:
        """Gradients of ``v[root]`` for every node (``need`` is for engines that can skip)."""
        # -0.0 is the additive identity of IEEE arithmetic (-0.0 + d == d for every d, -0.0
        # included): a gradient that gets one contribution is exactly that contribution
        g: Any = [-0.0] * len(v) if isinstance(v, list) else dict.fromkeys(v, -0.0)
        g[root] = 1.0
        backward(v, g, *program)
        return g

    def local(self, code: int, ans: Any, x: Any, y: Any) -> tuple[Any, Any]:
        """∂(node)/∂(child) per child (None where a child gets no gradient), IEEE-safe."""
        return SAFE_LOCAL[code](ans, x, y)

    def run(
        self, tape: Tape, nodes: list[int] | None, leaves: dict[int, Any], program: Any, root: int,
        need: Any = None,
    ) -> tuple[Any, Any]:  # fmt: skip
        """``values``, ``forward`` and ``backward`` in one call (one statement of a file is
        lecture-sized: the calls would cost as much as the work): (values, gradients)."""
        val = tape.val
        v: Any = list(val) if nodes is None else {n: val[n] for n in nodes}
        for n, x in leaves.items():
            v[n] = x
        forward(v, *program)
        g: Any = [-0.0] * len(v) if nodes is None else dict.fromkeys(v, -0.0)
        g[root] = 1.0
        backward(v, g, *program)
        return v, g

    def vjp(self, code: int, g: Any, ans: Any, x: Any, y: Any) -> tuple[Any, Any]:
        """The contributions one op node sends its children, IEEE-safe (for the graph views)."""
        return SAFE_VJP[code](g, ans, x, y)

    def output(self, x: Any) -> Any:
        return x

    def is_array(self, x: Any) -> bool:
        return False

    # -- for the non-finite warnings, kink flags and the check's steps --------------------------
    def kink_value(self, code: int, x: Any, y: Any) -> Any:
        """The quantity whose zero is the op's kink (relu: its input), or None."""
        rule = SAFE_KINK[code]
        return None if rule is None else rule(x, y)

    def edge_value(self, code: int, x: Any, y: Any) -> Any:
        """The quantity whose zero is the op's pole or domain edge (log: its input), or None."""
        rule = SAFE_EDGE[code]
        return None if rule is None else rule(x, y)

    def all_finite(self, v: Any, nodes: list[int]) -> bool:
        try:
            return math.isfinite(sum(v[i] for i in nodes))
        except TypeError:
            return True

    def gave(self, vi: Any, vx: Any, vy: Any, elementwise: bool) -> str | None:
        """``inf``/``nan`` when this node made a non-finite value from finite inputs (or a nan
        from inputs that hold none); None when it is finite or merely carries one along."""
        if math.isfinite(vi):
            return None
        if vy is None:
            vy = 0.0
        if (math.isfinite(vx) and math.isfinite(vy)) or (vi != vi and vx == vx and vy == vy):
            return fmt(vi)
        return None

    def crossing(self, b: Any, p: Any, m: Any) -> tuple[bool, tuple[int, ...] | None] | None:
        """A kink's input at the base point ``b`` and at x ± h (``p``, ``m``): None if it is not
        0 and does not change sign, else (its base value is 0, index -- None for a number)."""
        if (p > 0.0) != (m > 0.0) or p == 0.0 or m == 0.0 or b == 0.0:
            return (b == 0.0, None)
        return None

    def zeros_like(self, x: Any) -> Any:
        return 0.0


SCALAR = ScalarEngine()
