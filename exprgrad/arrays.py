"""Engine layer: vectors and matrices -- the numpy forward/backward over the same tape.

The scalar engine (exprgrad/engine.py) runs floats; this module runs the very same tape
(``expr.program``: node, op code, child, child in topological order) with float64 ndarrays.  Every
row of exprgrad/ops.py is compiled once into numpy functions: the scalar templates vectorize
(``exp`` -> ``np.exp``, ``x ** y`` -> ``np.power``, a stable numpy ``sigmoid`` ...) and rows whose
scalar rule does not (``relu``, ``abs``, ``^``) or that only exist for arrays (``@``, ``sum``,
``mean``, ``transpose``) give ``np_fwd``/``np_vjp`` templates over the helpers below.  Passes run
under ``np.errstate(all="ignore")``: IEEE inf/nan, never a warning or an exception.

Backward is the lecture's ``child.grad += parent.grad * d(parent)/d(child)`` with arrays: a vjp rule
gives the contribution, *unbroadcasting* sums it back to the child's shape (a (3, 1) input used in
a (3, 4) result gets the row sums), and a needs-gradient mask computed from ``wrt`` skips every
contribution nobody asked for (``--wrt w`` never forms the n x k gradient of X).

Also here: reading array values (``load_value``: inline JSON with ``inf``/``nan``,
``@file.csv``/``.npy``/``.json``; bad content of any kind is a BindingError naming the file, never
a crash), the warnings where inf/nan arises, and the array gradient check (elementwise or
directional, evaluated in place over the dependent sub-program).
Imports: stdlib, numpy, exprgrad.ops, exprgrad.errors, exprgrad.api (results) -- and only ever
imported lazily, so scalar work never loads numpy.
"""

from __future__ import annotations

import ast
import json
import math
import os
import re
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np

from .api import CheckReport, Result, Warning_, _row, parse_number
from .errors import ArityError, BindingError, ExprgradError, InputError, ShapeError
from .ops import CODE, CONST, OPS

# -- problems raised by helpers: the loop adds the op and its column -------------------------


class _Problem(Exception):
    """A shape/axis problem found inside a helper; ``_run`` turns it into a ShapeError/ArityError
    naming the op and its column."""

    def __init__(self, message: str, kind: type[ExprgradError] = ShapeError):
        super().__init__(message)
        self.message = message
        self.kind = kind


def _shape(a: Any) -> tuple[int, ...]:
    return tuple(np.shape(a))


# -- helpers named by the numpy templates of exprgrad/ops.py ---------------------------------


def sigmoid(x):
    """Logistic function without overflow: one exp of -|x|."""
    e = np.exp(-np.abs(x))
    return np.where(np.asarray(x) >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus(x):
    return np.logaddexp(0.0, x)


def power(x, y):
    """x ** y; a constant exponent 2 is x * x (twice as fast as np.power)."""
    if np.ndim(y) == 0 and y == 2.0:
        return x * x
    return np.power(x, y)


def power_vjp_x(g, x, y):
    """g * y * x^(y-1), and 0 where y == 0 (the scalar rule); no np.where for a constant y."""
    if np.ndim(y) == 0:
        if y == 0.0:
            return np.float64(0.0)
        if y == 1.0:
            return g
        if y == 2.0:
            return g * (2.0 * x)
        return g * (y * np.power(x, y - 1.0))
    return np.where(y == 0.0, 0.0, g * (y * np.power(x, y - 1.0)))


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


def _axis(x, axis) -> int | None:
    if axis is None:
        return None
    a = float(axis)
    if not a.is_integer():
        raise _Problem(f"the axis must be an integer, got {_num(a)}", ArityError)
    nd = np.ndim(x)
    if not -nd <= a < nd:  # _num: shortest text, so sum(X, 1e300) says "axis 1e+300"
        raise _Problem(f"axis {_num(a)} is out of range for shape {_shape(x)}")
    return int(a)


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
    "power_vjp_x": power_vjp_x,
    "matmul": matmul,
    "matmul_vjp_x": matmul_vjp_x,
    "matmul_vjp_y": matmul_vjp_y,
    "reduce_sum": reduce_sum,
    "reduce_mean": reduce_mean,
    "unreduce": unreduce,
    "transpose": transpose,
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


def _build() -> tuple[list, list]:
    """Per op code: ``fwd(x, y)`` and a tuple of ``vjp(g, ans, x, y)`` (None: no gradient)."""
    fwd: list = [None] * len(OPS)
    vjp: list = [None] * len(OPS)
    for code, op in enumerate(OPS):
        if op.kind == "leaf":
            continue
        ftpl = op.np_fwd or op.fwd
        if ftpl is None:
            raise RuntimeError(f"ops table: {op.name} has no forward template")
        fwd[code] = _compile(ftpl, "x, y", f"{op.name} forward")
        tpls = op.np_vjp if op.np_vjp is not None else op.vjp
        fns = []
        for k, tpl in enumerate((tuple(tpls) + (None, None))[:2]):
            if tpl is None or k >= op.arity:
                fns.append(None)
            else:
                fns.append(_compile(tpl, "g, ans, x, y", f"{op.name} vjp {k}"))
        vjp[code] = tuple(fns)
    return fwd, vjp


FWD, VJP = _build()
_MATMUL = CODE["matmul"]
_REDUCERS = (CODE["sum"], CODE["mean"])


def unbroadcast(d, shape: tuple[int, ...]):
    """Sum a gradient contribution back to an input's shape (undo numpy broadcasting)."""
    ds = np.shape(d)
    if ds == shape:
        return d
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


# -- values ------------------------------------------------------------------------------------


def _num(x: float) -> str:
    r = repr(float(x))
    return r[:-2] if r.endswith(".0") else r


def _what(code: int) -> str:
    op = OPS[code]
    return op.symbol if op.kind in ("infix", "prefix") else op.name


def _where(expr, node: int) -> str:
    col = expr.column(node)
    return f"{_what(expr.tape.kind[node])}{f' at column {col}' if col else ''}"


def as_array(name: str, value: Any) -> np.ndarray:
    """A binding as a float64 array (0-d for numbers); strings go through ``load_value``."""
    if type(value) is np.ndarray and value.dtype == np.float64 and 1 <= value.ndim <= 2:
        if value.size:
            return value  # the common case, as fast as possible
    if isinstance(value, str):
        value = load_value(name, value)
    if isinstance(value, bool) or value is None:
        raise BindingError(f"--{name}: expected a number or an array, got {value!r}")
    if isinstance(value, (int, float)):
        return np.float64(value)
    if isinstance(value, (list, tuple)):
        value = _from_nested(name, value, "")
    elif isinstance(value, np.generic):
        value = np.asarray(value)
    if isinstance(value, np.ndarray):
        a = _check_array(name, value, "")
        return a[()] if a.ndim == 0 else a
    raise BindingError(f"--{name}: expected a number or an array, got {type(value).__name__}")


def _leaves(expr, bindings: Mapping[str, Any]) -> list:
    tape = expr.tape
    val = tape.val
    kind = tape.kind
    # a list over the whole tape, or a dict over the cone (batch lines: O(nodes reached))
    if expr._cone is None:
        v: Any = list(val)
        cone: Any = range(len(v))
    else:
        cone = expr._cone
        v = {n: val[n] for n in cone}
    for n in cone:
        if kind[n] == CONST:
            v[n] = np.float64(v[n])
    tv = tape.vars
    for name in expr.variables:
        v[tv[name]] = as_array(name, bindings[name])
    return v


def _validate(expr) -> None:
    """Static checks, once per expression: sum/mean axes must be constants."""
    if getattr(expr, "_arrays_ok", False):
        return
    tape = expr.tape
    for i, o, _, y in zip(*expr.program):
        if o in _REDUCERS and y >= 0 and tape.dep[y]:
            raise ArityError(
                f"{_where(expr, i)}: the axis must be a constant integer, e.g. "
                f"{OPS[o].name}(x, 0), not an expression of the inputs",
                expr.column(i),
                text=tape.text_of(i)[1],
            )
    expr._arrays_ok = True


def _error(expr, node: int, message: str, kind: type[ExprgradError] = ShapeError):
    return kind(
        f"{_where(expr, node)}: {message}", expr.column(node), text=expr.tape.text_of(node)[1]
    )


def _forward(expr, v: list, prog) -> None:
    """v[i] = op(v[x], v[y]) over ``prog``, in order (inside np.errstate(all='ignore'))."""
    i = -1
    fwd = FWD
    try:
        for i, o, x, y in zip(*prog):
            v[i] = fwd[o](v[x], v[y] if y >= 0 else None)
    except _Problem as p:
        raise _error(expr, i, p.message, p.kind) from None
    except ValueError as err:  # numpy could not broadcast two operands
        if "broadcast" not in str(err):
            raise
        raise _error(
            expr, i, f"shapes {_shape(v[x])} and {_shape(v[y])} do not broadcast"
        ) from None


def _needs(expr, wrt: tuple[str, ...]) -> bytearray:
    """needs[n] = 1 when n's gradient is needed for some variable of ``wrt``."""
    tape = expr.tape
    need = bytearray(len(tape))
    for name in wrt:
        need[tape.vars[name]] = 1
    for i, _, x, y in zip(*expr.program):
        if need[x] or (y >= 0 and need[y]):
            need[i] = 1
    return need


def _backward(expr, v: list, g: list, need: bytearray) -> None:
    vjp = VJP
    oi, oo, ox, oy = expr.program
    for i, o, x, y in zip(reversed(oi), reversed(oo), reversed(ox), reversed(oy)):
        gi = g[i]
        if gi is None or not need[i]:
            continue
        rules = vjp[o]
        ans, vx = v[i], v[x]
        vy = v[y] if y >= 0 else None
        for child, rule in ((x, rules[0]), (y, rules[1])):
            if rule is None or child < 0 or not need[child]:
                continue
            d = unbroadcast(rule(gi, ans, vx, vy), np.shape(v[child]))
            prev = g[child]
            g[child] = d if prev is None else prev + d


# -- the API hooks (called by exprgrad/api.py) -----------------------------------------------


def _scalars(v: Any) -> Any:
    """0-d arrays (np.where gives them) -> np.float64, a float subclass, for renderers."""
    for n, x in v.items() if isinstance(v, dict) else enumerate(v):
        if type(x) is np.ndarray and x.ndim == 0:
            v[n] = x[()]
    return v


def _present(x):
    """0-d -> Python float; arrays -> a writable float64 ndarray."""
    if np.ndim(x) == 0:
        return float(x)
    if not x.flags.writeable:
        x = np.array(x)
    return x


def evaluate(expr, bindings: Mapping[str, Any]) -> Any:
    """The value (a float, or an ndarray) at ``bindings``."""
    _validate(expr)
    v = _leaves(expr, bindings)
    with np.errstate(all="ignore"):
        _forward(expr, v, expr.program)
    return _present(v[expr.root])


NOT_SCALAR = "gradients need a scalar output (wrap it in sum() or mean())"


def gradients(expr, bindings: Mapping[str, Any], wrt: tuple[str, ...]):
    """Forward and backward: an ``api.Result`` with the gradients of ``wrt`` (shaped like the
    inputs), or ``gradients=None`` and a note when the output is not a scalar."""
    _validate(expr)
    v = _leaves(expr, bindings)
    root = expr.root
    with np.errstate(all="ignore"):
        _forward(expr, v, expr.program)
        warnings = _nonfinite_warnings(expr, v)
        tv = expr.tape.vars
        named = {n: _present(v[tv[n]]) for n in expr.variables}
        if np.ndim(v[root]) != 0:
            return Result(
                expr,
                _present(v[root]),
                None,
                named,
                warnings,
                note=NOT_SCALAR,
                _values=_scalars(v),
            )
        g: Any = dict.fromkeys(v) if isinstance(v, dict) else [None] * len(v)
        g[root] = np.float64(1.0)
        need = _needs(expr, wrt)
        _backward(expr, v, g, need)
        grads = {}
        seen: set[int] = set()
        for name in wrt:
            d = g[tv[name]]
            d = _present(np.zeros(np.shape(v[tv[name]])) if d is None else d)
            if isinstance(d, np.ndarray):
                if id(d) in seen:  # sum(x + y): one array for both; give each its own
                    d = d.copy()
                seen.add(id(d))
            grads[name] = d
    return Result(
        expr, float(v[root]), grads, named, warnings, _values=_scalars(v), _grads=_scalars(g)
    )


def _nonfinite_warnings(expr, v: Any, limit: int = 3) -> list:
    """Warnings where inf/nan arises, by the scalar rules (``Expression.nonfinite_warnings``):
    a number literal too large for a float; an op giving inf/nan from finite inputs, or nan from
    inputs that hold no nan (``w - w`` with w = [inf, 1]).  Elementwise ops are judged element by
    element (broadcast inputs), ``@``/sum/mean/transpose on the whole arrays.  Values that merely
    carry an inf/nan along are not repeated."""
    out = []
    count = 0
    tape = expr.tape
    for n in tape.overflows:
        if expr._cone is None or n in v:  # v is a dict over the cone in batch mode
            count += 1
            col = expr.column(n)
            where = f" at column {col}" if col else ""
            out.append(Warning_(f"number{where} is too large for a float: inf", col))
    isfinite, isnan = np.isfinite, np.isnan
    for i, o, x, y in zip(*expr.program):
        vi = v[i]
        if isfinite(vi).all():
            continue
        vx = v[x]
        vy = v[y] if y >= 0 else np.float64(0.0)
        fresh = None
        if not OPS[o].array_only and np.ndim(vi) > 0:  # element by element
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
                continue
        if not fresh.any():
            continue
        count += 1
        if len(out) < limit:
            out.append(Warning_(f"{_where(expr, i)} gave {_gave(vi, fresh)}", expr.column(i)))
    if count > limit:
        out.append(Warning_(f"... and {count - limit} more non-finite results", None))
    return out


def _gave(vi: Any, fresh: Any) -> str:
    """``nan`` for a number; ``-inf, nan in 2 of 3 values`` for an array (the new ones)."""
    if np.ndim(vi) == 0:
        return _num(vi)
    got = np.asarray(vi)[np.asarray(fresh)]
    kinds = [k for k, m in (("inf", got > 0), ("-inf", got < 0), ("nan", got != got)) if m.any()]
    k = int(got.size)
    return f"{', '.join(kinds)} in {k} of {np.size(vi)} value{'s' if np.size(vi) > 1 else ''}"


# -- gradient check ------------------------------------------------------------------------------

#: at most this many input elements in all: one row per element; above: a directional check
ELEMENTWISE_LIMIT = 1000


def _sub_program(expr, var_node: int):
    """The op nodes that depend on ``var_node`` (what a perturbation of it has to recompute)."""
    d = bytearray(len(expr.tape))
    d[var_node] = 1
    keep = []
    for n, (i, _, x, y) in enumerate(zip(*expr.program)):
        if d[x] or (y >= 0 and d[y]):
            d[i] = 1
            keep.append(n)
    return tuple([lst[n] for n in keep] for lst in expr.program)


def _kink(expr, prog, base, vp, vm) -> str | None:
    """A relu/abs on the perturbed path whose input is 0 or changes sign within ±eps."""
    for i, o, x, _ in zip(*prog):
        if not OPS[o].kink:
            continue
        b, p, m = np.asarray(base[x]), np.asarray(vp[x]), np.asarray(vm[x])
        moved = p != m
        crosses = moved & (((p > 0.0) != (m > 0.0)) | (p == 0.0) | (m == 0.0) | (b == 0.0))
        if not crosses.any():
            continue
        name = OPS[o].name
        zero = moved & (b == 0.0)
        state = "is 0" if zero.any() else "changes sign within ±eps"
        if b.ndim:
            at = tuple(int(j) for j in np.argwhere(zero if zero.any() else crosses)[0])
            state += f" at index {at}"
        return (
            f"{_where(expr, i)}: its input {state}; {name} has a kink at 0, where it is not "
            f"differentiable (backprop uses {name}'(0) = 0, central differences average "
            "both sides)"
        )
    return None


class _Perturb:
    """f at a moved input, evaluated in place: the input's slot and the sub-program's outputs are
    written into ``base`` and put back afterwards (ops build new values, they never write into
    their operands), so one evaluation costs the sub-program, never a copy of the tape.
    Returns (f as np.float64, copies of the relu/abs inputs on the path for ``_kink``)."""

    def __init__(self, expr, base, node: int, prog):
        self.expr, self.base, self.node, self.prog = expr, base, node, prog
        self.root = expr.root
        self.kink_in = sorted({x for _, o, x, _ in zip(*prog) if OPS[o].kink})

    def __call__(self, xv) -> tuple[Any, dict]:
        base, node = self.base, self.node
        written = (node, *self.prog[0])
        saved = [base[n] for n in written]
        try:
            base[node] = xv
            _forward(self.expr, base, self.prog)
            # copies: a value may be a view of xv, which the caller moves next
            kinks = {x: np.array(base[x], dtype=np.float64) for x in self.kink_in}
            return np.float64(base[self.root]), kinks
        finally:
            for n, val in zip(written, saved):
                base[n] = val


def check(
    expr,
    result,
    bindings: Mapping[str, Any],
    eps: float,
    rtol: float,
    atol: float,
    method: str | None,
    seed: int | None,
):
    """Backprop against central differences on arrays (see docs/arrays.md, "check").

    ``elementwise``: every element of every input, ``x[idx] ± h`` with h = eps·max(1, |x[idx]|),
    one row per element (``index`` set).  ``directional``: per input a random direction u
    (``seed``; scaled to max |u_i| = 1), ∇f·u against (f(x + h·u) − f(x − h·u)) / 2h with
    h = eps·max(1, max|x|): one row per input, 2 evaluations each.  ``None``: elementwise when
    the inputs checked hold ≤ 1,000 elements in all.  The seed used is kept as ``report.seed``."""
    if result.gradients is None:
        raise ShapeError(f"check: {NOT_SCALAR}", None, text=expr.text)
    names = list(result.gradients)
    base = result._values
    tv = expr.tape.vars
    total = sum(int(np.size(base[tv[n]])) for n in names)
    if method is None:
        method = "elementwise" if total <= ELEMENTWISE_LIMIT else "directional"
    if method not in ("elementwise", "directional"):
        raise BindingError(f"check: unknown method {method!r} (elementwise or directional)")
    rows = []
    if method == "directional" and seed is None:  # a fresh direction, but one that can be replayed
        seed = int(np.random.SeedSequence().entropy % 2**32)
    rng = np.random.default_rng(seed)
    with np.errstate(all="ignore"):
        for name in names:
            node = tv[name]
            prog = _sub_program(expr, node)
            x0 = np.asarray(base[node], dtype=np.float64)
            grad = np.asarray(result.gradients[name], dtype=np.float64)
            at = _Perturb(expr, base, node, prog)

            if method == "elementwise":
                # one working copy of the input, moved one element at a time and put back:
                # each element costs the sub-program, not a copy of the tape or of the input
                xw = x0.copy() if x0.ndim else None
                flat = xw.reshape(-1) if xw is not None else x0.reshape(-1)
                gflat = grad.reshape(-1)
                for k in range(flat.size):
                    xk = float(flat[k])
                    h = eps * max(1.0, abs(xk)) if math.isfinite(xk) else eps
                    xpk, xmk = xk + h, xk - h
                    if xw is None:
                        fp, kp = at(np.float64(xpk))
                        fm, km = at(np.float64(xmk))
                    else:
                        flat[k] = xpk
                        fp, kp = at(xw)
                        flat[k] = xmk
                        fm, km = at(xw)
                        flat[k] = xk
                    numeric = float((fp - fm) / (xpk - xmk))
                    kink = _kink(expr, prog, base, kp, km) if kp else None
                    idx = tuple(int(j) for j in np.unravel_index(k, x0.shape)) or None
                    rows.append(_row(name, float(gflat[k]), numeric, rtol, atol, kink, idx))
            else:
                # a random direction scaled to max |u_i| = 1: no element moves by more than h,
                # as in the elementwise check, yet the whole input moves (less cancellation)
                u = rng.standard_normal(x0.shape)
                top = float(np.max(np.abs(u)))
                u = u / top if top > 0 else np.ones(x0.shape)
                finite = x0[np.isfinite(x0)] if x0.ndim else x0[None][np.isfinite(x0[None])]
                scale = float(np.max(np.abs(finite))) if finite.size else 1.0
                h = eps * max(1.0, scale)
                fp, kp = at(x0 + h * u)
                fm, km = at(x0 - h * u)
                numeric = float((fp - fm) / (2.0 * h))
                backprop = float(np.sum(grad * u))
                kink = _kink(expr, prog, base, kp, km) if kp else None
                rows.append(_row(name, backprop, numeric, rtol, atol, kink, None))
    report = CheckReport(expr, result.value, rows, eps, rtol, atol, result.warnings, method=method)
    report.seed = seed if method == "directional" else None  # replay with --seed
    return report


def worst_rows(report) -> list[tuple[Any, int, int]]:
    """For tables: per variable, (its worst row, how many rows it has, how many failed).

    Worst = failed before passed, then the largest error relative to the tolerance
    (abs_error / (atol + rtol·|numeric|)); nan counts as the worst."""
    groups: dict[str, list] = {}
    for r in report.rows:
        groups.setdefault(r.variable, []).append(r)

    def badness(r) -> tuple[bool, float]:
        tol = report.atol + report.rtol * abs(r.numeric) if r.numeric == r.numeric else 0.0
        e = r.abs_error
        score = math.inf if e != e else (e / tol if tol > 0 else (math.inf if e else 0.0))
        return (not r.ok, score)

    return [
        (max(rs, key=badness), len(rs), sum(1 for r in rs if not r.ok)) for rs in groups.values()
    ]


# -- reading values: inline JSON, @file.csv / .npy / .json -------------------------------------


def load_value(name: str, text: str) -> Any:
    """A command-line value: ``3``, ``[1, 2]``, ``[[1, 2], [3, 4]]``, ``@data.csv``, ``@w.npy``,
    ``@y.json``.  Returns a float or a float64 ndarray (1-D or 2-D); bad input -> BindingError.

    Inline arrays are JSON, plus the words ``inf``, ``-inf``, ``nan`` (any case; ``Infinity``,
    ``NaN`` too), as exprgrad prints them.  Numbers too large for a float are ``inf``/``-inf``
    (as for ``--x 1e999``); nesting deeper than 2 is refused before JSON parsing recurses."""
    t = text.strip()
    if t.startswith("@"):
        return _load_file(name, t[1:])
    if t.startswith("["):
        src, moves = _ieee_words(t)
        data = _json(src, f"--{name}: ")
        if isinstance(data, json.JSONDecodeError):
            raise BindingError(
                f"--{name}: not a valid array at character {_orig_pos(data.pos, moves) + 1}: "
                f'{data.msg} (write e.g. "[1, 2, 3]" or "[[1, 2], [3, 4]]")'
            )
        return _from_nested(name, data, "")
    return parse_number(name, text)


#: a JSON string (kept as it is), or a bracket; the string may be unterminated (JSON says so)
_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]')
_STRUCT = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{},]')
#: inline arrays: inf/nan words (exprgrad's own output) -> the JSON extensions Python reads
_WORD = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|(?<![\w.])[+-]?(?:infinity|inf|nan)(?![\w.])', re.I)


def _ieee_words(text: str) -> tuple[str, list[tuple[int, int, int]]]:
    """``text`` with ``inf``/``-inf``/``nan`` as ``Infinity``/``-Infinity``/``NaN`` (outside
    strings), and the moves made: (position in the new text, old length, new length)."""
    if not any(c in text for c in "iInN"):
        return text, []
    parts: list[str] = []
    moves: list[tuple[int, int, int]] = []
    last = 0
    out_len = 0
    for m in _WORD.finditer(text):
        word = m.group()
        if word.startswith('"'):
            continue
        f = float(word)
        new = "NaN" if f != f else ("Infinity" if f > 0 else "-Infinity")
        if new == word:
            continue
        parts.append(text[last : m.start()])
        out_len += m.start() - last
        moves.append((out_len, len(word), len(new)))
        parts.append(new)
        out_len += len(new)
        last = m.end()
    parts.append(text[last:])
    return "".join(parts), moves


def _orig_pos(pos: int, moves: list[tuple[int, int, int]]) -> int:
    """A position in the rewritten text -> the same place in the user's text."""
    shift = 0
    for start, old, new in moves:
        if pos < start:
            break
        if pos < start + new:
            return start - shift
        shift += new - old
    return pos - shift


def _json(text: str, pre: str) -> Any:
    """JSON data, or the JSONDecodeError (the caller words it).  Integers become floats (no
    4,300-digit limit, no overflow: too large is inf); nesting deeper than 2 is a BindingError
    found by a flat scan, so no input can exhaust the recursion of json's decoder."""
    _too_deep(text, pre)
    try:
        return json.loads(text, parse_int=float)
    except json.JSONDecodeError as err:
        return err
    except RecursionError:  # unreachable after _too_deep; never an internal error all the same
        raise BindingError(f"{pre}nested too deeply (at most 2 dimensions)") from None


def _too_deep(text: str, pre: str) -> None:
    depth = 0
    for m in _BRACKET.finditer(text):
        c = m.group()
        if c == "[" or c == "{":
            depth += 1
            if depth > 2:
                raise BindingError(_deep_message(text, m.start(), pre))
        elif c == "]" or c == "}":
            depth = max(depth - 1, 0)  # a stray closer is json's to report


def _deep_message(text: str, pos: int, pre: str) -> str:
    """What the 3rd level of nesting at ``pos`` is, in the words of ``_from_nested``."""
    stack: list[str] = []
    counts: list[int] = []
    for m in _STRUCT.finditer(text, 0, pos):
        c = m.group()
        if c in "[{":
            stack.append(c)
            counts.append(1)
        elif c in "]}":
            if stack:
                stack.pop()
                counts.pop()
        elif c == "," and counts:
            counts[-1] += 1
    what = "a list (at most 2 dimensions)" if text[pos] == "[" else "an object"
    if stack == ["[", "["]:
        return f"{pre}row {counts[0]}, column {counts[1]} is {what}, not a number"
    if stack and stack[0] == "{":
        return f"{pre}expected a number or a list of numbers, got an object"
    return f"{pre}row {counts[0]} is an object; a matrix is a list of rows of numbers"


def _from_nested(name: str, data: Any, where: str) -> Any:
    """JSON data (a number, a list of numbers, a list of equal-length lists) -> float/ndarray."""
    pre = f"--{name}: {where}" if where else f"--{name}: "
    if _is_number(data):
        return float(data)
    if not isinstance(data, (list, tuple)):
        raise BindingError(f"{pre}expected a number or a list of numbers, got {_jtype(data)}")
    if not data:
        raise BindingError(f"{pre}the array is empty")
    if not any(isinstance(e, (list, tuple)) for e in data):
        for k, e in enumerate(data, 1):
            if not _is_number(e):
                raise BindingError(f"{pre}element {k} is {_jtype(e)}, not a number")
        return _floats(data)
    width = None
    for r, row in enumerate(data, 1):
        if not isinstance(row, (list, tuple)):
            raise BindingError(
                f"{pre}row {r} is {_jtype(row)}; a matrix is a list of rows of numbers"
            )
        if width is None:
            width = len(row)
            if width == 0:
                raise BindingError(f"{pre}row 1 is empty")
        elif len(row) != width:
            raise BindingError(
                f"{pre}row {r} has {len(row)} number{'s' if len(row) != 1 else ''}, "
                f"row 1 has {width} (rows must have equal lengths)"
            )
        for c, e in enumerate(row, 1):
            if not _is_number(e):
                what = "a list (at most 2 dimensions)" if isinstance(e, list) else _jtype(e)
                raise BindingError(f"{pre}row {r}, column {c} is {what}, not a number")
    return _floats(data)


def _floats(data: Any) -> np.ndarray:
    """Checked nested numbers as float64; an integer too large for a float is ±inf (as the
    literal ``1e999`` is), never an OverflowError."""
    try:
        return np.array(data, dtype=np.float64)
    except OverflowError:
        pass

    def f(e: Any) -> float:
        try:
            return float(e)
        except OverflowError:
            return math.inf if e > 0 else -math.inf

    return np.array(
        [[f(e) for e in row] if isinstance(row, (list, tuple)) else f(row) for row in data]
    )


def _is_number(e: Any) -> bool:
    return isinstance(e, (int, float)) and not isinstance(e, bool)


def _jtype(e: Any) -> str:
    if e is None:
        return "null"
    if isinstance(e, bool):
        return "true" if e else "false"
    if isinstance(e, str):
        return f"the string {json.dumps(e)}"
    if isinstance(e, dict):
        return "an object"
    if isinstance(e, (int, float)):
        return "a number"
    return type(e).__name__


def _check_array(name: str, a: np.ndarray, where: str) -> Any:
    pre = f"--{name}: {where}" if where else f"--{name}: "
    if a.dtype.kind not in "iuf":
        raise BindingError(f"{pre}expected numbers, got an array of dtype {a.dtype}")
    if a.ndim > 2:
        raise BindingError(f"{pre}{a.ndim} dimensions (shape {a.shape}); at most 2 are supported")
    if a.size == 0:
        raise BindingError(f"{pre}the array is empty (shape {a.shape})")
    return np.asarray(a, dtype=np.float64)


_NUMBER = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)", re.I)


def _load_file(name: str, path: str) -> Any:
    if not path:
        raise BindingError(f"--{name}: '@' must be followed by a file name, e.g. @data.csv")
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".csv", ".npy", ".json"):
        raise BindingError(
            f"--{name}: {path}: unknown file type '{ext or '(none)'}'; use .csv, .npy or .json"
        )
    try:
        if ext == ".npy":
            out = _check_array(name, _load_npy(name, path), f"{path}: ")
            return float(out) if out.ndim == 0 else out
        with open(path, encoding="utf-8-sig") as f:
            content = f.read()
    except OSError as err:
        raise InputError(f"--{name}: cannot read {path}: {err.strerror or err}") from None
    except UnicodeDecodeError as err:
        raise InputError(
            f"--{name}: {path}: not UTF-8 text (byte 0x{err.object[err.start]:02x} at offset "
            f"{err.start})"
        ) from None
    except MemoryError:
        raise InputError(f"--{name}: cannot read {path}: too large to load into memory") from None
    if ext == ".json":
        data = _json(content, f"--{name}: {path}: ")
        if isinstance(data, json.JSONDecodeError):
            raise BindingError(f"--{name}: {path}, line {data.lineno}: not valid JSON ({data.msg})")
        return _from_nested(name, data, f"{path}: ")
    return _parse_csv(name, path, content)


_NPY_MAGIC = b"\x93NUMPY"


def _load_npy(name: str, path: str) -> Any:
    """``np.load(path, allow_pickle=False)``, with every way a file can be bad as a BindingError
    naming it: empty or cut short, a header whose shape the data does not fill (checked before
    anything is allocated), pickled objects, an .npz archive."""
    pre = f"--{name}: {path}: "
    fmt = np.lib.format
    with open(path, "rb") as f:
        try:
            head = f.read(len(_NPY_MAGIC))
            if not head:
                raise BindingError(f"{pre}the file is empty (not a .npy array)")
            f.seek(0)
            if head != _NPY_MAGIC and not head.startswith(b"PK"):  # neither .npy nor .npz
                raise BindingError(f"{pre}not a .npy file (it does not start with a .npy header)")
            if head == _NPY_MAGIC:
                version = fmt.read_magic(f)
                reader = {(1, 0): fmt.read_array_header_1_0, (2, 0): fmt.read_array_header_2_0}
                if version in reader:
                    shape, _, dtype = reader[version](f)
                    if dtype.hasobject:
                        raise BindingError(f"{pre}not a numeric .npy file (dtype {dtype})")
                    need = math.prod(shape) * dtype.itemsize
                    have = os.fstat(f.fileno()).st_size - f.tell()
                    if need > have:
                        raise BindingError(
                            f"{pre}the file is cut short: its header says shape {tuple(shape)} "
                            f"({need:,} bytes of data), the file holds {max(have, 0):,}"
                        )
                f.seek(0)
            a = np.load(f, allow_pickle=False)
        except BindingError:
            raise
        except (ValueError, EOFError, zipfile.BadZipFile, SyntaxError) as err:
            msg = str(err) or type(err).__name__
            raise BindingError(f"{pre}not a numeric .npy file ({msg})") from None
    if not isinstance(a, np.ndarray):
        if hasattr(a, "close"):
            a.close()
        raise BindingError(f"{pre}not a single array (.npz?)")
    return a


def _parse_csv(name: str, path: str, content: str) -> np.ndarray:
    """Comma-separated numbers.  Blank lines are skipped.  The first non-blank line is a header
    (and skipped) when none of its fields is a number; otherwise every field of every line must
    be a number (``1``, ``-2.5e3``, ``nan``, ``inf``; spaces and surrounding double quotes are
    ignored).  A one-row or one-column file is a vector of shape (n,)."""
    rows: list[list[float]] = []
    width = None
    first = True
    for lineno, line in enumerate(content.splitlines(), 1):
        if not line.strip():
            continue
        fields = [f.strip().strip('"').strip() for f in line.split(",")]
        numeric = [bool(_NUMBER.fullmatch(f)) for f in fields]
        if first:
            first = False
            if not any(numeric):
                continue  # a header row
        if not all(numeric):
            c = numeric.index(False)
            bad = fields[c]
            what = "an empty field" if not bad else f"'{bad[:30]}' is not a number"
            hint = ""
            if ";" in line or "\t" in line:
                hint = " (values must be separated by commas)"
            raise BindingError(f"--{name}: {path}, line {lineno}, column {c + 1}: {what}{hint}")
        if width is None:
            width = len(fields)
        elif len(fields) != width:
            raise BindingError(
                f"--{name}: {path}, line {lineno}: this row has {len(fields)} value"
                f"{'s' if len(fields) != 1 else ''}, the first row has {width}"
            )
        rows.append([float(f) for f in fields])
    if not rows:
        raise BindingError(f"--{name}: {path}: no numbers in the file")
    a = np.array(rows, dtype=np.float64)
    if a.shape[0] == 1 or a.shape[1] == 1:
        a = a.reshape(-1)
    return a


def to_list(x: Any) -> Any:
    """A value for JSON: a float, or nested lists of floats (the renderer maps inf/nan)."""
    if np.ndim(x) == 0:
        return float(x)
    return np.asarray(x, dtype=np.float64).tolist()


__all__ = [
    "ELEMENTWISE_LIMIT",
    "NOT_SCALAR",
    "check",
    "evaluate",
    "gradients",
    "load_value",
    "to_list",
    "unbroadcast",
    "worst_rows",
]
