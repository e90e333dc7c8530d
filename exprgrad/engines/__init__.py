"""Engines layer: the forward and reverse passes, one engine per kind of value.

Two engines run the same tape (``Tape.program()``: node, op code, child, child, in topological
order) and offer the same small interface, used by exprgrad/analysis/ only:

* ``prepare(tape, program)``          static checks before the first pass (array axes)
* ``values(tape, nodes, leaves)``     the value container with the inputs' values set
* ``forward(v, program)``             every op node's value
* ``backward(v, program, root, need)`` every node's gradient of ``v[root]`` (the lecture's
                                      ``child.grad += parent.grad * d(parent)/d(child)``)
* ``run(tape, nodes, leaves, program, root, need)`` the three above in one call: (values,
                                      gradients, or None when the output is an array)
* ``vjp(code, g, ans, x, y)``         what one op node sends each child, ``g × local`` (the graph
                                      views' edges)
* ``local(code, ans, x, y)``          ∂(node)/∂(child) per child (None for an array op such as @,
                                      whose rule is a matrix product, not a factor)
* ``output(x)``, ``is_array(x)``, ``zeros_like(x)``, ``all_finite``, ``gave``, ``crossing``,
  ``kink_value``, ``edge_value``: what results, warnings, kink flags and the check's steps need
  to know about a value.

``get(arrays)`` returns the scalar engine (floats; exprgrad/engines/scalar.py) or the numpy engine
(float64 arrays; exprgrad/engines/numpy.py, imported only then).  An engine that finds a problem
at a node (shapes that do not fit) raises ``NodeError``; the analysis layer names the op and its
column.  Imports: exprgrad.errors; the engine modules lazily.
"""

from __future__ import annotations

from typing import Any

from ..errors import ExprgradError, ShapeError


class NodeError(Exception):
    """A problem at tape node ``node``: ``cls(message)`` once the caller has said where."""

    def __init__(self, node: int, message: str, cls: type[ExprgradError] = ShapeError):
        super().__init__(message)
        self.node = node
        self.message = message
        self.cls = cls


_LOADED: dict[bool, Any] = {}


def get(arrays: bool) -> Any:
    """The engine for floats (``arrays=False``) or for numpy arrays."""
    engine = _LOADED.get(arrays)
    if engine is None:
        if arrays:
            from .numpy import NUMPY as engine
        else:
            from .scalar import SCALAR as engine
        _LOADED[arrays] = engine
    return engine
