"""Engine layer: the scalar forward and reverse passes over a flat tape.

``forward(v, oi, oo, ox, oy)`` fills ``v[i]`` for every op node ``i`` (lists from
``Tape.program()``: node, op code, first child, second child, in topological order);
``backward(v, g, oi, oo, ox, oy)`` runs the lecture's ``child.grad += parent.grad *
d(parent)/d(child)`` in reverse topological order, accumulating.  Both are generated from the ops
table by exprgrad/codegen.py into exprgrad/_engine_loops.py (regenerate with
``python tools/gen_engine.py``; CI checks it is current): plain float code in one ``try``, with an
IEEE-safe recomputation of the one node that raised, so results are inf/nan, never exceptions.
Imports: exprgrad._engine_loops only.
"""

from ._engine_loops import SAFE_FWD, SAFE_VJP, backward, forward

__all__ = ["SAFE_FWD", "SAFE_VJP", "backward", "forward"]
