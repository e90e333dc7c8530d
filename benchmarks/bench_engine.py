"""Benchmarks layer: the scalar engine, forward + backward per node, against a minimal flat tape.

Four generated graphs of N op nodes (1,000,000; smoke: 20,000) are built directly on
``exprgrad.core.tape.Tape`` (no parsing): a deep chain ``h = tanh(h*w + b)``, a wide sum of
products of N variables, a DAG whose nodes reuse random earlier nodes, and a mix with
exp/log/pow/div (values stay finite). ``tape.program()`` is built once, untimed, and the very same
four lists (node, op code, child, child) and leaf values feed both
``exprgrad.engines.scalar.forward``/``backward`` and the reference below -- no common-subexpression
elimination on either side. Runs of ours and of the reference alternate (shared noise); the best of
N runs is reported, with the median in ``data``.
Peak memory per node is tracemalloc's peak while building the tape, its program, the values and
the gradients (one traced forward + backward).  Imports: stdlib, exprgrad.
"""

# ruff: noqa: E701, E702
from __future__ import annotations

import gc
import math
import random
import statistics
import time
import tracemalloc

from exprgrad.core.ops import CODE, CONST, VAR
from exprgrad.core.tape import Tape
from exprgrad.engines import scalar as engine

CODES = tuple(CODE[k] for k in ("add", "mul", "sub", "tanh", "div", "exp", "log", "powc", "pow"))
ADD, MUL, SUB, TANH, DIV, EXP, LOG, POWC, POW = CODES

GOAL = 1.25  # ours / reference, per node, forward and backward


# The reference: a plain flat tape, the ops in the same order as the ops table, plain float math,
# no error handling (29 lines between the fmt markers; a test keeps it <= 40).
# fmt: off
def ref_forward(v, oi, oo, ox, oy):
    tanh, exp, log = math.tanh, math.exp, math.log
    ADD, MUL, SUB, TANH, DIV, EXP, LOG, POWC, POW = CODES  # locals: as cheap as literals
    for i, o, x, y in zip(oi, oo, ox, oy):
        if o == ADD: v[i] = v[x] + v[y]
        elif o == MUL: v[i] = v[x] * v[y]
        elif o == SUB: v[i] = v[x] - v[y]
        elif o == TANH: v[i] = tanh(v[x])
        elif o == DIV: v[i] = v[x] / v[y]
        elif o == EXP: v[i] = exp(v[x])
        elif o == LOG: v[i] = log(v[x])
        elif o == POWC or o == POW: v[i] = v[x] ** v[y]


def ref_backward(v, g, oi, oo, ox, oy):
    log = math.log
    ADD, MUL, SUB, TANH, DIV, EXP, LOG, POWC, POW = CODES
    for i, o, x, y in zip(reversed(oi), reversed(oo), reversed(ox), reversed(oy)):
        gi = g[i]
        if o == ADD: g[x] += gi; g[y] += gi
        elif o == MUL: g[x] += gi * v[y]; g[y] += gi * v[x]
        elif o == SUB: g[x] += gi; g[y] -= gi
        elif o == TANH: g[x] += gi * (1.0 - v[i] * v[i])
        elif o == DIV: g[x] += gi / v[y]; g[y] += -gi * v[i] / v[y]
        elif o == EXP: g[x] += gi * v[i]
        elif o == LOG: g[x] += gi / v[x]
        elif o == POWC: g[x] += gi * (v[y] * v[x] ** (v[y] - 1.0))
        elif o == POW:
            g[x] += gi * (v[y] * v[x] ** (v[y] - 1.0)); g[y] += gi * (v[i] * log(v[x]))
# fmt: on


# -- graphs: each returns (tape, root) with about n op nodes ---------------------------------------
def _var(t: Tape, value: float) -> int:
    return t._leaf(VAR, value, 0, 1)


def _const(t: Tape, value: float) -> int:
    return t._leaf(CONST, value, 0, 0)


def chain(n: int) -> tuple[Tape, int]:
    """``h = tanh(h*w + b)`` repeated n/3 times: a graph as deep as it is long."""
    t = Tape()
    h, w, b = _var(t, 0.3), _var(t, 0.9), _var(t, 0.1)
    for _ in range(n // 3):
        s = t.node(ADD, t.node(MUL, h, w, 0), b, 0)
        h = t.node(TANH, s, s, 0)
    return t, h


def wide(n: int) -> tuple[Tape, int]:
    """``x1*x2 + x3*x4 + ...`` over n variables (n/2 products, n/2 - 1 sums)."""
    t = Tape()
    r = random.Random(1)
    acc = -1
    for _ in range(n // 2):
        p = t.node(MUL, _var(t, r.uniform(-1, 1)), _var(t, r.uniform(-1, 1)), 0)
        acc = p if acc < 0 else t.node(ADD, acc, p, 0)
    return t, acc


def dag(n: int) -> tuple[Tape, int]:
    """Every new node combines the latest node with a random earlier one (heavy reuse); values
    stay in [-1, 1]: ``(a + b) * h``, ``(a - b) * h`` (h = 0.5) or ``a * b``."""
    t = Tape()
    r = random.Random(2)
    half = _var(t, 0.5)
    nodes = [_var(t, r.uniform(-1, 1)) for _ in range(8)]
    while len(t) < n:
        a, b = nodes[-1], nodes[r.randrange(len(nodes))]
        k = r.randrange(3)
        if k == 0:
            m = t.node(MUL, t.node(ADD, a, b, 0), half, 0)
        elif k == 1:
            m = t.node(MUL, t.node(SUB, a, b, 0), half, 0)
        else:
            m = t.node(MUL, a, b, 0)
        nodes.append(m)
    root = nodes[-1]
    for m in nodes[-200:-1]:  # the root depends on every recent node too
        root = t.node(ADD, root, m, 0)
    return t, root


def mix(n: int) -> tuple[Tape, int]:
    """Blocks of ``d = l^2 / (l^2 + 1)`` with ``l = log(exp(h*w) + 1)``, then ``h = d + h^z``:
    mul, exp, add, log, ``^`` (constant exponent), add, div, ``^`` (input exponent), add."""
    t = Tape()
    h, w, z = _var(t, 0.8), _var(t, 0.3), _var(t, 0.7)
    one, two = _const(t, 1.0), _const(t, 2.0)
    for _ in range(n // 9):
        m = t.node(MUL, h, w, 0)
        e = t.node(EXP, m, m, 0)
        s = t.node(ADD, e, one, 0)
        lg = t.node(LOG, s, s, 0)
        p = t.pow(lg, 0, two)  # constant exponent -> powc
        d = t.node(DIV, p, t.node(ADD, p, one, 0), 0)
        h = t.node(ADD, d, t.pow(h, 0, z), 0)  # input exponent -> pow
    return t, h


GRAPHS = {"chain": chain, "wide": wide, "dag": dag, "mix": mix}


# -- measurement -------------------------------------------------------------------------------
def _time(fn, *args) -> float:
    gc.disable()
    try:
        t0 = time.perf_counter()
        fn(*args)
        return time.perf_counter() - t0
    finally:
        gc.enable()


def _close(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1.0)


def measure(kind: str, n: int, repeats: int) -> dict:
    """Build graph ``kind`` with ~n op nodes and time ours against the reference."""
    tracemalloc.start()
    t, root = GRAPHS[kind](n)
    prog = t.program()
    v = list(t.val)
    engine.forward(v, *prog)
    g = [0.0] * len(v)
    g[root] = 1.0
    engine.backward(v, g, *prog)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    ops = len(prog[0])

    # same answers on both sides (the engine's fast path is plain float math too)
    vr = list(t.val)
    ref_forward(vr, *prog)
    gr = [0.0] * len(vr)
    gr[root] = 1.0
    ref_backward(vr, gr, *prog)
    leaves = [i for i, k in enumerate(t.code) if k == VAR]
    if not math.isfinite(v[root]) or not _close(v[root], vr[root]):
        raise AssertionError(f"{kind}: value {v[root]!r} != reference {vr[root]!r}")
    bad = [i for i in leaves if not _close(g[i], gr[i])]
    if bad:
        raise AssertionError(f"{kind}: gradient of node {bad[0]} differs from the reference")

    times: dict[str, list[float]] = {"fwd": [], "bwd": [], "ref_fwd": [], "ref_bwd": []}
    for rep in range(repeats):
        # alternate who goes first so drift and noise hit both sides alike
        order = (("", engine), ("ref_", None)) if rep % 2 == 0 else (("ref_", None), ("", engine))
        for prefix, eng in order:
            fwd = eng.forward if eng else ref_forward
            bwd = eng.backward if eng else ref_backward
            vv = list(t.val)  # untimed: fresh leaf values and gradient buffers
            times[prefix + "fwd"].append(_time(fwd, vv, *prog))
            gg = [0.0] * len(vv)
            gg[root] = 1.0
            times[prefix + "bwd"].append(_time(bwd, vv, gg, *prog))
            del vv, gg

    us = {k: min(x) / ops * 1e6 for k, x in times.items()}
    med = {k: statistics.median(x) / ops * 1e6 for k, x in times.items()}
    return {
        "graph": kind,
        "op_nodes": ops,
        "tape_nodes": len(t),
        "repeats": repeats,
        "us_per_node_best": us,
        "us_per_node_median": med,
        "ratio_fwd": us["fwd"] / us["ref_fwd"],
        "ratio_bwd": us["bwd"] / us["ref_bwd"],
        "ratio_fwd_median": med["fwd"] / med["ref_fwd"],
        "ratio_bwd_median": med["bwd"] / med["ref_bwd"],
        "bwd_over_fwd": us["bwd"] / us["fwd"],
        "peak_bytes_per_node": peak / len(t),
    }


def run(smoke: bool) -> list[dict]:
    n = 20_000 if smoke else 1_000_000
    repeats = 3 if smoke else 7
    rows = []
    for kind in GRAPHS:
        d = measure(kind, n, repeats)
        us = d["us_per_node_best"]
        for side, label in (("fwd", "forward"), ("bwd", "backward")):
            ratio = d[f"ratio_{side}"]
            extra = ""
            if side == "bwd":
                peak = d["peak_bytes_per_node"]
                extra = f"; bwd/fwd {d['bwd_over_fwd']:.2f}; {peak:.0f} B/tape node peak"
            rows.append(
                {
                    "name": f"engine {kind} {label}",
                    "result": f"{us[side]:.3f} µs/node (ref {us['ref_' + side]:.3f}), "
                    f"{d['op_nodes']:,} op nodes{extra}",
                    "ratio": ratio,
                    "reference": "flat-tape reference",
                    "goal": f"≤ {GOAL}×",
                    "met": ratio <= GOAL,
                    "data": d,
                }
            )
    return rows
