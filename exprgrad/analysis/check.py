"""Analysis layer: the gradient check -- backprop against central differences, one check for
numbers and arrays alike (README contract, "check"; docs/arrays.md).

``elementwise``: for every element of every input, ``x ± h`` with h = eps·max(1, |x|) (eps for a
non-finite x) and numeric = (f(x + h) − f(x − h)) / ((x + h) − (x − h)); one row per element
(``index`` set for arrays).  ``directional`` (arrays): per input a random direction u (``seed``;
scaled to max |u_i| = 1), ∇f·u against (f(x + h·u) − f(x − h·u)) / 2h with h = eps·max(1, max|x|):
one row per input, two evaluations each.  ``method=None``: elementwise when the inputs checked hold
at most ``ELEMENTWISE_LIMIT`` elements in all.

A perturbation re-evaluates only the nodes that depend on the moved input (its sub-program),
in place in the base pass, which is put back afterwards: never a copy of the tape.
Imports: stdlib, exprgrad.core, exprgrad.errors, exprgrad.analysis; numpy only for arrays.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..core.results import NOT_SCALAR, CheckReport, CheckRow
from ..errors import ShapeError
from .nonfinite import gradient_warnings, kink, kink_nodes, kink_value, nonfinite_warnings

if TYPE_CHECKING:  # pragma: no cover
    from .expression import Compiled

#: at most this many input elements in all: one row per element; above: a directional check
ELEMENTWISE_LIMIT = 1000


def make_row(name, bp, numeric, rtol, atol, kink_text, index=None) -> CheckRow:
    """A row, with the contract's pass rule: abs_error <= atol + rtol·|numeric|; a kink excuses a
    failure, but never a nan."""
    abs_error = abs(bp - numeric)
    big = max(abs(bp), abs(numeric))
    if bp == 0.0 and numeric == 0.0:
        rel = 0.0
    elif big != big or bp != bp or numeric != numeric:  # max() may drop a nan
        rel = math.nan
    else:
        rel = abs_error / big if big else 0.0
    within = abs_error <= atol + rtol * abs(numeric)
    ok = within or (kink_text is not None and abs_error == abs_error)
    return CheckRow(name, bp, numeric, abs_error, rel, ok, kink_text, within, index)


def sub_program(compiled: Compiled, var_node: int) -> tuple[list, list, list, list]:
    """The op nodes that depend on ``var_node``: what a perturbation of it has to recompute."""
    prog = compiled.program
    d = bytearray(len(compiled.expr.tape))
    d[var_node] = 1
    keep = []
    for n, (i, _, x, y) in enumerate(zip(*prog)):
        if d[x] or (y >= 0 and d[y]):
            d[i] = 1
            keep.append(n)
    return tuple([lst[n] for n in keep] for lst in prog)  # type: ignore[return-value]


class _Perturb:
    """f at a moved input, evaluated in place: the input's slot and the sub-program's outputs
    are written into the base pass and put back afterwards (ops build new values, they never
    write into their operands).  Returns (f, the kink quantities of the kinks on the path)."""

    def __init__(self, compiled: Compiled, base: Any, node: int, prog: Any):
        self.engine = compiled.engine
        self.base, self.node, self.prog = base, node, prog
        self.root = compiled.expr.root
        self.kinks = kink_nodes(prog)
        self.written = (node, *prog[0])

    def __call__(self, xv: Any) -> tuple[float, dict]:
        base, engine = self.base, self.engine
        saved = [base[n] for n in self.written]
        try:
            base[self.node] = xv
            engine.forward(base, self.prog)
            # computed now: the inputs may be views of xv, which the caller moves next
            kinks = {i: kink_value(engine, base, k) for i, k in self.kinks}
            return float(base[self.root]), kinks
        finally:
            for n, val in zip(self.written, saved):
                base[n] = val


def _step(x: float, eps: float) -> float:
    return eps * max(1.0, abs(x)) if math.isfinite(x) else eps


def _scalar(at: _Perturb, x: float, grad: float, eps: float) -> tuple:
    """(backprop, numeric, kink inputs at x + h and x - h, index None) for a number."""
    h = _step(x, eps)
    fp, kp = at(x + h)
    fm, km = at(x - h)
    return grad, (fp - fm) / ((x + h) - (x - h)), kp, km, None


def _elementwise(at: _Perturb, x: Any, grad: Any, eps: float):
    """The same, element by element, for an input of the numpy engine.  One working copy of
    the input is moved one element at a time and put back: each element costs the
    sub-program, not a copy of the tape or of the input."""
    import numpy as np

    x0 = np.asarray(x, dtype=np.float64)
    xw = x0.copy() if x0.ndim else None
    flat = xw.reshape(-1) if xw is not None else x0.reshape(-1)
    gflat = np.asarray(grad, dtype=np.float64).reshape(-1)
    for k in range(flat.size):
        xk = float(flat[k])
        h = _step(xk, eps)
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
        idx = tuple(int(j) for j in np.unravel_index(k, x0.shape)) or None
        yield float(gflat[k]), float((fp - fm) / (xpk - xmk)), kp, km, idx


def _directional(at: _Perturb, x: Any, grad: Any, eps: float, rng: Any) -> tuple:
    """∇f·u against the central difference along u, a random direction scaled to
    max |u_i| = 1: no element moves by more than h, as in the elementwise check, yet the whole
    input moves (less cancellation)."""
    import numpy as np

    x0 = np.asarray(x, dtype=np.float64)
    u = rng.standard_normal(x0.shape)
    top = float(np.max(np.abs(u)))
    u = u / top if top > 0 else np.ones(x0.shape)
    finite = x0[np.isfinite(x0)] if x0.ndim else x0[None][np.isfinite(x0[None])]
    scale = float(np.max(np.abs(finite))) if finite.size else 1.0
    h = eps * max(1.0, scale)
    fp, kp = at(x0 + h * u)
    fm, km = at(x0 - h * u)
    backprop = float(np.sum(np.asarray(grad, dtype=np.float64) * u))
    return backprop, float((fp - fm) / (2.0 * h)), kp, km, None


def check(
    compiled: Compiled,
    values: Mapping[str, Any],
    *,
    eps: float,
    rtol: float,
    atol: float,
    method: str | None = None,
    seed: int | None = None,
) -> CheckReport:
    """Check every ``compiled.wrt`` input of the expression at ``values`` (converted)."""
    expr, engine = compiled.expr, compiled.engine
    p = compiled.run(values)
    grads = p.gradients
    if grads is None:
        raise ShapeError(f"check: {NOT_SCALAR}", None, text=expr.text)
    warnings = nonfinite_warnings(expr, p.v, engine) + gradient_warnings(expr, p)
    base, tv = p.v, expr.tape.vars
    rng = None
    if engine.name != "numpy":
        method = "elementwise"
    else:
        import numpy as np

        total = sum(int(np.size(base[tv[n]])) for n in grads)
        if method is None:
            method = "elementwise" if total <= ELEMENTWISE_LIMIT else "directional"
        if method == "directional":
            if seed is None:  # a fresh direction, but one that can be replayed
                seed = int(np.random.SeedSequence().entropy) % 2**32  # type: ignore[arg-type]
            rng = np.random.default_rng(seed)
    rows: list[CheckRow] = []
    for name, grad in grads.items():
        node = tv[name]
        prog = sub_program(compiled, node)
        at = _Perturb(compiled, base, node, prog)
        if engine.name != "numpy":
            points: Any = [_scalar(at, base[node], grad, eps)]
        elif method == "elementwise":
            points = _elementwise(at, base[node], grad, eps)
        else:
            points = [_directional(at, base[node], grad, eps, rng)]
        for bp, numeric, kp, km, idx in points:
            k = kink(expr, prog, base, kp, km, engine) if kp else None
            rows.append(make_row(name, bp, numeric, rtol, atol, k, idx))
    return CheckReport(
        expr,
        p.value,
        rows,
        eps,
        rtol,
        atol,
        warnings,
        method=method,
        seed=seed if method == "directional" else None,
    )


def check_statement(settings: dict[str, Any]) -> Any:
    """The per-statement action of a check over files and pipes: only a scalar output is
    checked; a statement whose value is an array is answered as eval answers it (a ``Result``
    with its note), so an array definition can feed a scalar line that is checked."""

    def act(compiled: Compiled, values: Mapping[str, Any]) -> Any:
        if compiled.engine.name == "numpy":
            res = compiled.result(values)
            if res.gradients is None:
                return res
        return check(compiled, values, **settings)

    return act
