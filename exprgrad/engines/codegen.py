"""Engines layer (build time): generates the scalar engine's loops from the ops table.

Run by tools/gen_engine.py, never at run time. The tape (exprgrad/core/tape.py) lists op nodes in
topological order -- the parser creates children before parents -- as four parallel lists: node
index, op code, first child, second child. This module turns the templates of exprgrad/core/ops.py
into the source of exprgrad/engines/_scalar_loops.py:
* ``forward(v, oi, oo, ox, oy)``: one loop over the op nodes in order, ``v[i] = <fwd template>``;
* ``backward(v, g, oi, oo, ox, oy)``: one loop in reverse topological order running, per node,
  ``g[child] += g[node] * <local derivative template>`` -- the lecture's
  ``child.grad += parent.grad * d(parent)/d(child)``, accumulated, so a node used twice sums over
  its parents.

Both loops are plain float code inside one ``try``: the rare node that raises (``1/0``,
``exp(1000)``, ``log(0)``, ``(-8)^(1/3)``) is recomputed by an IEEE-safe version of the same
template (exprgrad/engines/ieee.py) and the loop resumes at the next node, so every result is a
float (inf/nan, never an exception, never a complex number). Where a vjp may raise, a node's
contributions are all computed before any is accumulated, so the fallback never double-counts.
Generating ahead of time (not at import) keeps start-up fast.
Imports: stdlib (ast), exprgrad.core.ops.
"""

from __future__ import annotations

import ast

from ..core.ops import OPS, Op, contributions

#: calls that can raise on some float input
_RISKY_CALLS = {"exp", "log", "sqrt", "sin", "cos", "tan", "_pow", "_div"}


class _Rewrite(ast.NodeTransformer):
    """Substitute template names and make ``**`` (and, when safe, ``/``) function calls."""

    def __init__(self, names: dict[str, str], safe: bool):
        self.names = names
        self.safe = safe
        self.risky = False

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.names:
            return ast.parse(self.names[node.id], mode="eval").body
        if node.id in _RISKY_CALLS:
            self.risky = True
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Pow):
            self.risky = True
            return ast.Call(ast.Name("_pow", ast.Load()), [node.left, node.right], [])
        if isinstance(node.op, ast.Div):
            self.risky = True
            if self.safe:
                return ast.Call(ast.Name("_div", ast.Load()), [node.left, node.right], [])
        return node


def _rewrite(template: str, names: dict[str, str], safe: bool) -> tuple[str, bool]:
    """Return the rewritten template source and whether it may raise on float input."""
    rw = _Rewrite(names, safe)
    tree = rw.visit(ast.parse(template, mode="eval"))
    return ast.unparse(ast.fix_missing_locations(tree).body), rw.risky


_FAST_NAMES = {"x": "v[x]", "y": "v[y]", "ans": "v[i]", "g": "gi"}
_SAFE_NAMES = {"x": "x", "y": "y", "ans": "ans", "g": "g"}


def scalar_ops() -> list[tuple[int, Op]]:
    """(code, row) for every op the scalar engine runs."""
    return [(c, op) for c, op in enumerate(OPS) if op.fwd is not None and not op.array_only]


def _forward_source() -> str:
    lines = [
        "def forward(v, oi, oo, ox, oy):",
        "    it = zip(oi, oo, ox, oy)",
        "    while True:",
        "        try:",
        "            for i, o, x, y in it:",
    ]
    kw = "if"
    for code, op in scalar_ops():
        assert op.fwd is not None
        expr, _ = _rewrite(op.fwd, _FAST_NAMES, safe=False)
        lines.append(f"                {kw} o == {code}:  # {op.name}")
        lines.append(f"                    v[i] = {expr}")
        kw = "elif"
    lines += [
        "                else:",
        "                    raise _unknown(o)",
        "            return",
        "        except (ArithmeticError, ValueError):",
        "            v[i] = _safe_fwd[o](v[x], v[y])",
    ]
    return "\n".join(lines) + "\n"


def _backward_source() -> str:
    lines = [
        "def backward(v, g, oi, oo, ox, oy):",
        "    it = zip(reversed(oi), reversed(oo), reversed(ox), reversed(oy))",
        "    while True:",
        "        try:",
        "            for i, o, x, y in it:",
        "                gi = g[i]",
    ]
    kw = "if"
    for code, op in scalar_ops():
        lines.append(f"                {kw} o == {code}:  # {op.name}")
        kw = "elif"
        parts = []
        for child, tpl in zip("xy", contributions(op)):
            if tpl is None:
                continue
            expr, risky = _rewrite(tpl, _FAST_NAMES, safe=False)
            parts.append((child, expr, risky))
        if not parts:
            lines.append("                    pass")
        elif any(r for _, _, r in parts) and len(parts) > 1:
            # compute every contribution first: if one raises, none was accumulated yet
            for n, (_child, expr, _) in enumerate(parts):
                lines.append(f"                    d{n} = {expr}")
            for n, (child, _, _) in enumerate(parts):
                lines.append(f"                    g[{child}] += d{n}")
        else:
            for child, expr, _ in parts:
                if expr == "gi":
                    lines.append(f"                    g[{child}] += gi")
                elif expr == "-gi":
                    lines.append(f"                    g[{child}] -= gi")
                else:
                    lines.append(f"                    g[{child}] += {expr}")
    lines += [
        "                else:",
        "                    raise _unknown(o)",
        "            return",
        "        except (ArithmeticError, ValueError):",
        "            d = _safe_vjp[o](gi, v[i], v[x], v[y])",
        "            g[x] += d[0]",
        "            if d[1] is not None:",
        "                g[y] += d[1]",
    ]
    return "\n".join(lines) + "\n"


def _safe_sources() -> dict[str, list[str]]:
    """Per op code: source of IEEE-safe ``fwd(x, y)``, ``vjp(g, ans, x, y) -> (dx, dy|None)``,
    ``local(ans, x, y) -> (∂/∂x, ∂/∂y|None)``, and the ``kink(x, y)`` / ``edge(x, y)``
    quantities (None where the row has none)."""
    fwd = ["None"] * len(OPS)
    vjp = ["None"] * len(OPS)
    local = ["None"] * len(OPS)
    kink = ["None"] * len(OPS)
    edge = ["None"] * len(OPS)

    def safe(tpl: str | None) -> str:
        return "None" if tpl is None else _rewrite(tpl, _SAFE_NAMES, safe=True)[0]

    for code, op in scalar_ops():
        assert op.fwd is not None
        fwd[code] = f"lambda x, y: {safe(op.fwd)}"
        cx, cy = contributions(op)
        vjp[code] = f"lambda g, ans, x, y: ({safe(cx)}, {safe(cy)})"
        dx, dy = (tuple(op.d) + (None, None))[:2]
        local[code] = f"lambda ans, x, y: ({safe(dx)}, {safe(dy)})"
        if op.kink is not None:
            kink[code] = f"lambda x, y: {safe(op.kink)}"
        if op.edge is not None:
            edge[code] = f"lambda x, y: {safe(op.edge)}"
    return {"fwd": fwd, "vjp": vjp, "local": local, "kink": kink, "edge": edge}


def engine_source() -> str:
    """The whole generated module exprgrad/engines/_scalar_loops.py."""
    tables = _safe_sources()
    names = [op.name for op in OPS]
    head = [
        '"""Engines layer: the GENERATED scalar loops (tools/gen_engine.py); do not edit.',
        "",
        "The scalar forward and reverse loops; see exprgrad/engines/codegen.py for how and why.",
        '"""',
        "",
        "# ruff: noqa",
        "import math",
        "",
        "from . import ieee",
        "",
        "exp, log, sqrt = math.exp, math.log, math.sqrt",
        "sin, cos, tan = math.sin, math.cos, math.tan",
        "tanh, _pow = math.tanh, math.pow",
        "sigmoid, softplus, log_sigmoid = ieee.sigmoid, ieee.softplus, ieee.log_sigmoid",
        "nan, inf = math.nan, math.inf",
        "",
        "",
        "def _unknown(code):",
        "    return RuntimeError(f'the scalar engine cannot run op {code}')",
        "",
        "",
    ]
    safe = [
        "def _safe_tables():",
        "    from .ieee import cos, exp, log, log_sigmoid, sigmoid, sin, softplus, sqrt, tan",
        "    from .ieee import div as _div, pow as _pow",
        "",
        "    fwd = [",
    ]
    safe += [f"        {src},  # {n}" for src, n in zip(tables["fwd"], names)]
    for table in ("vjp", "local", "kink", "edge"):
        safe += ["    ]", f"    {table} = ["]
        safe += [f"        {src},  # {n}" for src, n in zip(tables[table], names)]
    safe += ["    ]", "    return fwd, vjp, local, kink, edge", "", ""]
    safe += ["_safe_fwd, _safe_vjp, SAFE_LOCAL, SAFE_KINK, SAFE_EDGE = _safe_tables()"]
    safe += ["SAFE_FWD, SAFE_VJP = _safe_fwd, _safe_vjp", "", ""]
    return "\n".join(head + safe) + _forward_source() + "\n\n" + _backward_source()
