"""Engines layer: the numpy engine -- vectors and matrices over the same tape.

The scalar engine (exprgrad/engines/scalar.py) runs floats; this one runs the very same tape with
float64 ndarrays.  Every row of exprgrad/core/ops.py is compiled once into numpy functions: the
scalar templates vectorize (``exp`` -> ``np.exp``, ``x ** y`` -> ``np.power``, a stable numpy
``sigmoid`` ...) and rows whose scalar rule does not (``relu``, ``abs``, ``^``) or that only exist
for arrays (``@``, ``sum``, ``mean``, ``transpose``) give ``np_fwd``/``np_vjp`` templates over the
helpers below (indexing, labels and the softmax family: exprgrad/engines/npops.py).  Passes run
under ``np.errstate(all="ignore")``: IEEE inf/nan, never a warning or an exception.

Backward is the lecture's ``child.grad += parent.grad * d(parent)/d(child)`` with arrays: a vjp rule
gives the contribution, *unbroadcasting* sums it back to the child's shape (a (3, 1) input used in
a (3, 4) result gets the row sums), and a needs-gradient mask computed from ``wrt`` skips every
contribution nobody asked for (``--wrt w`` never forms the n x k gradient of X).

Only ever imported for array work (``engines.get(arrays=True)``), so scalar work never loads numpy.
Imports: stdlib, numpy, exprgrad.core, exprgrad.errors, exprgrad.engines.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

from ..core.ops import CODE, CONST, LEAF, OPS, contributions
from ..core.tape import Tape
from ..errors import ArityError
from . import NodeError
from .npops import (
    _axis,
    _Problem,
    _shape,
    index,
    index_vjp,
    log_sigmoid,
    log_softmax,
    log_softmax_vjp,
    logsumexp,
    logsumexp_vjp,
    pick,
    pick_vjp,
    softmax,
    softmax_vjp,
)
from .scalar import fmt

# -- problems raised by helpers (``_Problem``, exprgrad/engines/npops.py): the loop adds the node,
# the analysis layer the op and column

# -- helpers named by the numpy templates of exprgrad/core/ops.py ----------------------------


def sigmoid(x):
    """Logistic function without overflow: one exp of -|x|."""
    e = np.exp(-np.abs(x))
    return np.where(np.asarray(x) >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus(x):
    return np.logaddexp(0.0, x)


def power(x, y):
    """x ** y as C's pow (and the scalar engine's math.pow); a constant exponent 2 is x * x
    (twice as fast as np.power)."""
    if np.ndim(y) == 0:
        if y == 2.0:
            return x * x
        if y == 0.5:  # numpy takes sqrt here: C's pow(-0.0, 0.5) is +0, pow(-inf, 0.5) is inf
            return np.where(x == -np.inf, np.inf, np.sqrt(x)) + 0.0
    return np.power(x, y)


def power_d_x(x, y):
    """∂(x^y)/∂x = y * x^(y-1), and 0 where y == 0 (the scalar rule); no np.where for a
    constant y."""
    if np.ndim(y) == 0:
        if y == 0.0:
            return np.float64(0.0)
        if y == 1.0:
            return np.float64(1.0)
        if y == 2.0:
            return 2.0 * x
        return y * power(x, y - 1.0)
    return np.where(y == 0.0, 0.0, y * np.power(x, y - 1.0))


def _align(x, y) -> None:
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        raise _Problem(
            f"shapes {_shape(x)} and {_shape(y)} do not align (@ takes vectors and matrices; "
            "use * to multiply by a number)"
        )
    kx = x.shape[-1]
    ky = y.shape[0]
    if kx != ky:
        raise _Problem(f"shapes {_shape(x)} and {_shape(y)} do not align")


def matmul(x, y):
    _align(x, y)
    return np.matmul(x, y)


def matmul_vjp_x(g, x, y):
    """d(x @ y)/dx applied to g, for every pairing of vectors and matrices."""
    if y.ndim == 2:
        return g @ y.T if x.ndim == 2 else y @ g  # (n,m)@(m,k) ; (k,m)@(m,)
    return np.outer(g, y) if x.ndim == 2 else g * y  # (n,)x(k,) ; scalar * (k,)


def matmul_vjp_y(g, x, y):
    if x.ndim == 2:
        return x.T @ g  # (k,n)@(n,m) or (k,n)@(n,)
    return np.outer(x, g) if y.ndim == 2 else g * x


def reduce_sum(x, axis):
    return np.sum(x, axis=_axis(x, axis))


def reduce_mean(x, axis):
    a = _axis(x, axis)
    if np.size(x) == 0:
        raise _Problem(f"mean of an empty array (shape {_shape(x)})")
    return np.mean(x, axis=a)


def unreduce(g, x, axis, mean):
    """The vjp of sum/mean: spread g back over the reduced axis (a view, no copy)."""
    a = _axis(x, axis)
    shape = _shape(x)
    if a is None:
        if mean:
            g = g / max(np.size(x), 1)
        return np.broadcast_to(g, shape)
    if mean:
        g = g / shape[a]
    return np.broadcast_to(np.expand_dims(g, a), shape)


def transpose(x):
    return np.transpose(x)


_NP_NS: dict[str, Any] = {
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "tanh": np.tanh,
    "sigmoid": sigmoid,
    "softplus": softplus,
    "abs": np.abs,
    "where": np.where,
    "maximum": np.maximum,
    "sign": np.sign,
    "_pow": np.power,
    "power": power,
    "power_d_x": power_d_x,
    "nan": np.nan,
    "inf": np.inf,
    "matmul": matmul,
    "matmul_vjp_x": matmul_vjp_x,
    "matmul_vjp_y": matmul_vjp_y,
    "reduce_sum": reduce_sum,
    "reduce_mean": reduce_mean,
    "unreduce": unreduce,
    "transpose": transpose,
    "log_sigmoid": log_sigmoid,
    "index": index,
    "index_vjp": index_vjp,
    "pick": pick,
    "pick_vjp": pick_vjp,
    "logsumexp": logsumexp,
    "logsumexp_vjp": logsumexp_vjp,
    "softmax": softmax,
    "softmax_vjp": softmax_vjp,
    "log_softmax": log_softmax,
    "log_softmax_vjp": log_softmax_vjp,
    "False": False,
    "True": True,
}


class _Vectorize(ast.NodeTransformer):
    """``x ** y`` -> ``_pow(x, y)``; refuse constructs that do not vectorize."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Pow):
            return ast.Call(ast.Name("_pow", ast.Load()), [node.left, node.right], [])
        return node

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        raise ValueError("a conditional expression does not vectorize; give np_fwd/np_vjp")

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        raise ValueError("and/or do not vectorize; give np_fwd/np_vjp")


def _compile(template: str, args: str, where: str):
    try:
        tree = _Vectorize().visit(ast.parse(template, mode="eval"))
    except ValueError as err:
        raise RuntimeError(f"ops table, {where}: {err}") from None
    src = ast.unparse(ast.fix_missing_locations(tree))
    # our own ops-table template, never user text
    return eval(f"lambda {args}: {src}", dict(_NP_NS))  # noqa: S307


def _build() -> tuple[list, list, list, list, list]:
    """Per op code: ``fwd(x, y)``, a tuple of ``vjp(g, ans, x, y)`` (the contribution to each
    child; None: no gradient), for elementwise ops a tuple of ``local(ans, x, y)``, and the
    ``kink(x, y)`` / ``edge(x, y)`` quantities where the row has them."""
    fwd: list = [None] * len(OPS)
    vjp: list = [None] * len(OPS)
    local: list = [None] * len(OPS)
    kink: list = [None] * len(OPS)
    edge: list = [None] * len(OPS)
    for code, op in enumerate(OPS):
        if op.form == LEAF:
            continue
        ftpl = op.np_fwd or op.fwd
        if ftpl is None:
            raise RuntimeError(f"ops table: {op.name} has no forward template")
        fwd[code] = _compile(ftpl, "x, y", f"{op.name} forward")
        fns: list[Any] = []
        for k, tpl in enumerate(contributions(op, numpy=True)):
            if tpl is None or k >= op.arity:
                fns.append(None)
            else:
                fns.append(_compile(tpl, "g, ans, x, y", f"{op.name} vjp {k}"))
        vjp[code] = tuple(fns)
        if op.np_vjp is None:
            tpls = (tuple(op.np_d if op.np_d is not None else op.d) + (None, None))[:2]
            local[code] = tuple(
                None if t is None else _compile(t, "ans, x, y", f"{op.name} local {k}")
                for k, t in enumerate(tpls)
            )
        if op.kink is not None:
            kink[code] = _compile(op.kink, "x, y", f"{op.name} kink")
        if op.edge is not None:
            edge[code] = _compile(op.edge, "x, y", f"{op.name} edge")
    return fwd, vjp, local, kink, edge


FWD, VJP, LOCAL, KINK, EDGE = _build()
_REDUCERS = tuple(CODE[k] for k in ("sum", "mean", "logsumexp", "softmax", "log_softmax"))


def unbroadcast(d, shape: tuple[int, ...]):
    """Sum a gradient contribution back to an input's shape (undo numpy broadcasting); one of
    lower rank (a constant local derivative) is first spread over the shape."""
    ds = np.shape(d)
    if ds == shape:
        return d
    if len(ds) < len(shape):
        d = np.broadcast_to(d, np.broadcast_shapes(ds, shape))
        ds = d.shape
    extra = len(ds) - len(shape)
    if extra > 0:
        d = np.sum(d, axis=tuple(range(extra)))
        ds = d.shape
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and ds[i] != 1)
    if axes:
        d = np.sum(d, axis=axes, keepdims=True)
    if np.shape(d) != shape:
        d = np.broadcast_to(d, shape)
    return d


def _gave(vi: Any, fresh: Any) -> str:
    """``nan`` for a number; ``-inf, nan in 2 of 3 values`` for an array (the new ones)."""
    if np.ndim(vi) == 0:
        return fmt(float(vi))
    got = np.asarray(vi)[np.asarray(fresh)]
    kinds = [k for k, m in (("inf", got > 0), ("-inf", got < 0), ("nan", got != got)) if m.any()]
    k = int(got.size)
    return f"{', '.join(kinds)} in {k} of {np.size(vi)} value{'s' if np.size(vi) > 1 else ''}"


class NumpyEngine:
    """float64 arrays (0-d for numbers), in a list over the tape or a dict over an output's nodes;
    gradients are None where nothing flowed."""

    name = "numpy"

    def prepare(self, tape: Tape, program: Any) -> None:
        """sum/mean axes must be constants (their value decides the shape)."""
        for i, o, _, y in zip(*program):
            if o in _REDUCERS and y >= 0 and tape.dep[y]:
                raise NodeError(
                    i,
                    f"the axis must be a constant integer, e.g. {OPS[o].name}(x, 0), not an "
                    "expression of the inputs",
                    ArityError,
                )

    def values(self, tape: Tape, nodes: list[int] | None, leaves: dict[int, Any]) -> Any:
        val, code = tape.val, tape.code
        if nodes is None:
            v: Any = list(val)
            nodes_: Any = range(len(v))
        else:
            nodes_ = nodes
            v = {n: val[n] for n in nodes}
        for n in nodes_:
            if code[n] == CONST:
                v[n] = np.float64(v[n])
        for n, x in leaves.items():
            v[n] = x if isinstance(x, np.ndarray) else np.float64(x)
        return v

    def forward(self, v: Any, program: Any) -> None:
        """v[i] = op(v[x], v[y]) over ``program``, in order."""
        i = x = y = -1
        fwd = FWD
        with np.errstate(all="ignore"):
            try:
                for i, o, x, y in zip(*program):
                    v[i] = fwd[o](v[x], v[y] if y >= 0 else None)
            except _Problem as p:
                raise NodeError(i, p.message, p.cls) from None
            except ValueError as err:  # numpy could not broadcast two operands
                if "broadcast" not in str(err):
                    raise
                shapes = f"shapes {_shape(v[x])} and {_shape(v[y])} do not broadcast"
                raise NodeError(i, shapes) from None

    def backward(self, v: Any, program: Any, root: int, need: Any = None) -> Any:
        """Gradients of ``v[root]`` (a 0-d value); ``need``: a byte per node, 1 where a gradient
        is wanted (None: everywhere).  Nodes nothing flowed into keep None."""
        g: Any = dict.fromkeys(v) if isinstance(v, dict) else [None] * len(v)
        g[root] = np.float64(1.0)
        vjp = VJP
        oi, oo, ox, oy = program
        with np.errstate(all="ignore"):
            for i, o, x, y in zip(reversed(oi), reversed(oo), reversed(ox), reversed(oy)):
                gi = g[i]
                if gi is None or (need is not None and not need[i]):
                    continue
                rules = vjp[o]
                ans, vx = v[i], v[x]
                vy = v[y] if y >= 0 else None
                for child, rule in ((x, rules[0]), (y, rules[1])):
                    if rule is None or child < 0 or (need is not None and not need[child]):
                        continue
                    d = unbroadcast(rule(gi, ans, vx, vy), np.shape(v[child]))
                    prev = g[child]
                    g[child] = d if prev is None else prev + d
        return g

    def local(self, code: int, ans: Any, x: Any, y: Any) -> tuple[Any, Any] | None:
        """∂(node)/∂(child) per child for an elementwise op (broadcast to the node's shape);
        None for an array op (@, sum ...), whose rule is a matrix product, not a factor."""
        rules = LOCAL[code]
        if rules is None:
            return None
        out: list[Any] = []
        with np.errstate(all="ignore"):
            for child, rule in ((x, rules[0]), (y, rules[1])):
                out.append(None if rule is None or child is None else rule(ans, x, y))
        return out[0], out[1]

    def run(
        self, tape: Tape, nodes: list[int] | None, leaves: dict[int, Any], program: Any, root: int,
        need: Any = None,
    ) -> tuple[Any, Any]:  # fmt: skip
        """``values``, ``forward`` and -- when the output is a number -- ``backward``:
        (values, gradients or None)."""
        v = self.values(tape, nodes, leaves)
        self.forward(v, program)
        if np.ndim(v[root]) != 0:
            return v, None
        return v, self.backward(v, program, root, need)

    def vjp(self, code: int, g: Any, ans: Any, x: Any, y: Any) -> tuple[Any, Any]:
        """The contributions one op node sends its children, each in its child's shape."""
        rules = VJP[code]
        out: list[Any] = []
        with np.errstate(all="ignore"):
            for child, rule in ((x, rules[0]), (y, rules[1])):
                if rule is None or child is None:
                    out.append(None)
                else:
                    out.append(unbroadcast(rule(g, ans, x, y), np.shape(child)))
        return out[0], out[1]

    def output(self, x: Any) -> Any:
        """0-d -> Python float; arrays -> a writable float64 ndarray."""
        if x is None:
            return None
        if np.ndim(x) == 0:
            return float(x)
        if not x.flags.writeable:
            x = np.array(x)
        return x

    def is_array(self, x: Any) -> bool:
        return np.ndim(x) != 0

    def zeros_like(self, x: Any) -> Any:
        return np.zeros(np.shape(x))

    # -- for the non-finite warnings, kink flags and the check's steps --------------------------
    def kink_value(self, code: int, x: Any, y: Any) -> Any:
        """The quantity whose zero is the op's kink (relu: its input), or None."""
        rule = KINK[code]
        if rule is None:
            return None
        with np.errstate(all="ignore"):
            return np.array(rule(x, y), dtype=np.float64)  # a copy: x may be moved next

    def edge_value(self, code: int, x: Any, y: Any) -> Any:
        """The quantity whose zero is the op's pole or domain edge (log: its input), or None."""
        rule = EDGE[code]
        if rule is None:
            return None
        with np.errstate(all="ignore"):
            return np.array(rule(x, y), dtype=np.float64)  # a copy: x may be moved next

    def all_finite(self, v: Any, nodes: list[int]) -> bool:
        """Every value of ``nodes`` finite.  A large array is screened by its sum first (finite
        only if every element is; a sum that overflows although its elements are finite falls
        back to the elementwise test): one pass without a temporary boolean array."""
        isfinite, add = np.isfinite, np.add.reduce
        for i in nodes:
            x = v[i]
            if x.ndim and x.size > 4096:
                with np.errstate(all="ignore"):
                    if isfinite(add(x, axis=None)):
                        continue
            if not isfinite(x).all():
                return False
        return True

    def gave(self, vi: Any, vx: Any, vy: Any, elementwise: bool) -> str | None:
        """Where a node made inf/nan: from finite inputs, or a nan from inputs holding none.
        Elementwise ops are judged element by element (broadcast inputs), others as a whole."""
        isfinite, isnan = np.isfinite, np.isnan
        if isfinite(vi).all():
            return None
        if vy is None:
            vy = np.float64(0.0)
        fresh = None
        if elementwise and np.ndim(vi) > 0:
            try:
                bx, by = np.broadcast_to(vx, np.shape(vi)), np.broadcast_to(vy, np.shape(vi))
            except ValueError:  # not shaped like an elementwise op: judge the whole arrays
                pass
            else:
                new_nan = isnan(vi) & ~isnan(bx) & ~isnan(by)
                fresh = ~isfinite(vi) & ((isfinite(bx) & isfinite(by)) | new_nan)
        if fresh is None:
            if isfinite(vx).all() and isfinite(vy).all():
                fresh = ~isfinite(vi)
            elif not (isnan(vx).any() or isnan(vy).any()):
                fresh = isnan(vi)
            else:
                return None
        if not fresh.any():
            return None
        return _gave(vi, fresh)

    def crossing(self, b: Any, p: Any, m: Any) -> tuple[bool, tuple[int, ...] | None] | None:
        """A kink's input at the base point and at x ± h: None if no element it moved is 0 or
        changes sign; else (that element is 0 at the base point, its index -- None for 0-d)."""
        b, p, m = np.asarray(b), np.asarray(p), np.asarray(m)
        if b.ndim == 0:  # a number on the perturbed path: as the scalar engine judges it
            if (p > 0.0) != (m > 0.0) or p == 0.0 or m == 0.0 or b == 0.0:
                return (bool(b == 0.0), None)
            return None
        moved = p != m
        crosses = moved & (((p > 0.0) != (m > 0.0)) | (p == 0.0) | (m == 0.0) | (b == 0.0))
        if not crosses.any():
            return None
        zero = moved & (b == 0.0)
        at = tuple(int(j) for j in np.argwhere(zero if zero.any() else crosses)[0])
        return (bool(zero.any()), at)


NUMPY = NumpyEngine()
