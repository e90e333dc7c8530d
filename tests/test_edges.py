"""Test layer: one set of edge-case rules for both engines (README contract, "Edge rules").

Every scalar op of the ops table runs on the same edge grid (0, -0.0, ±tiny, ±huge, ±inf, nan, and
ordinary numbers) through the scalar engine (floats) and the numpy engine (1-element arrays): the
two agree on every value and gradient.  And the rules themselves, by example:

* a contribution is the parent's gradient × the local derivative in IEEE arithmetic -- an inf,
  nan, subnormal or -0 gradient arriving at a node is multiplied, never replaced by a hard 0;
* nan in, nan out (relu'(nan), abs'(nan)); relu(-0.0) is +0; sqrt' is +inf at +0, -inf at -0.0;
* x^y with a variable exponent: ∂/∂y is nan for a negative base, also when the value underflows;
  the true limits stay (∂/∂y of 0^y at y = 0 is -inf); ∂/∂x of x^y is 0 wherever y is 0;
* gradients of a constant's power broadcast back to any shape (``sum(c^0)``, issue 11's bug).

Imports: stdlib, numpy, pytest, exprgrad.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import exprgrad
from exprgrad.core.ops import OPS

inf, nan = math.inf, math.nan
TINY = 5e-324  # the smallest subnormal
GRID = [0.0, -0.0, TINY, -TINY, 1e-300, -1e-300, 1e300, -1e300, inf, -inf, nan, 0.5, -2.0, 3.0]
UNARY = [op for op in OPS if op.fwd is not None and not op.array_only and op.arity == 1]
BINARY = ["x + y", "x - y", "x * y", "x / y", "x ^ y", "max(x, y)", "min(x, y)"]
POWERS = ["x ^ 0", "x ^ 1", "x ^ 2", "x ^ 3", "x ^ 0.5", "x ^ -0.5", "x ^ 1.5", "x ^ -1", "x ^ -2"]


def same(a: float, b: float) -> bool:
    """Equal as IEEE numbers: nan matches nan, 0.0 and -0.0 are told apart, and finite values
    may differ in their last bits (numpy's and math's libm differ there)."""
    a, b = float(a), float(b)
    if a != a or b != b:
        return a != a and b != b
    if a == 0.0 and b == 0.0:
        return math.copysign(1.0, a) == math.copysign(1.0, b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=1e-13, abs_tol=0.0)


def scalar(text: str, **values: float):
    r = exprgrad.gradients(text, values)
    return r.value, r.gradients


def numpy(text: str, **values: float):
    """The same expression on the numpy engine: each input a 1-element vector, summed (the
    value is the element before the sum: numpy's sum of [-0.0] is +0.0)."""
    r = exprgrad.gradients(f"sum({text})", {k: np.array([v]) for k, v in values.items()})
    nodes = {n.index: n for n in r.nodes}
    value = nodes[nodes[max(nodes)].children[0]].value
    return float(value[0]), {k: float(g[0]) for k, g in r.gradients.items()}


def _check_engines_agree(text: str, **values: float) -> None:
    sv, sg = scalar(text, **values)
    nv, ng = numpy(text, **values)
    assert same(sv, nv), (text, values, sv, nv)
    for name in sg:
        assert same(sg[name], ng[name]), (text, values, name, sg[name], ng[name])


@pytest.mark.parametrize("op", UNARY, ids=lambda op: op.name)
def test_unary_ops_agree_on_the_edge_grid(op):
    text = op.example if op.form != "call" else f"{op.name}(x)"
    for x in GRID:
        _check_engines_agree(text, x=x)


@pytest.mark.parametrize("text", BINARY + POWERS)
def test_binary_ops_agree_on_the_edge_grid(text):
    for x in GRID:
        if "y" in text:
            for y in GRID:
                _check_engines_agree(text, x=x, y=y)
        else:
            _check_engines_agree(text, x=x)


@pytest.mark.parametrize("g", [inf, -inf, nan, TINY, -0.0, 1e300])
@pytest.mark.parametrize("op", UNARY, ids=lambda op: op.name)
def test_contribution_is_the_gradient_times_the_local_derivative(op, g):
    """∂/∂x of c·f(x) at c = g is g × f'(x), in IEEE arithmetic, on both engines: no rule drops
    an incoming inf/nan (a local derivative of 0 times inf is nan, not 0)."""
    f = op.example if op.form != "call" else f"{op.name}(x)"
    for x in GRID:
        _, local = scalar(f, x=x)
        want = g * local["x"]
        for run in (scalar, numpy):
            _, got = run(f"c * {f}", c=g, x=x)
            assert same(got["x"], want), (run.__name__, op.name, g, x, got["x"], want)


def test_nan_in_nan_out_at_kinks():
    for run in (scalar, numpy):
        assert math.isnan(run("relu(x)", x=nan)[1]["x"])
        assert math.isnan(run("abs(x)", x=nan)[1]["x"])
        assert run("relu(x)", x=0.0)[1]["x"] == 0.0  # the conventions stay: relu'(0) = 0
        assert run("abs(x)", x=-0.0)[1]["x"] == 0.0  # abs'(0) = 0


def test_no_hard_zero_swallows_an_undefined_gradient():
    for run in (scalar, numpy):
        # sqrt'(0) = inf, then abs'(0) = 0: inf * 0 is undefined, not 0
        assert math.isnan(run("sqrt(abs(x))", x=0.0)[1]["x"])
        # 1/0^x at x = 1: d(1/u)/du = -inf at u = 0, and u = 0^x is locally constant (0)
        assert math.isnan(run("1/0^x", x=1.0)[1]["x"])


def test_signed_zeros_follow_ieee():
    for run in (scalar, numpy):
        v, _ = run("relu(x)", x=-0.0)
        assert v == 0.0 and math.copysign(1.0, v) == 1.0  # relu(-0.0) is +0
        assert run("sqrt(x)", x=0.0)[1]["x"] == inf
        assert run("sqrt(x)", x=-0.0)[1]["x"] == -inf  # as in PyTorch
        # a subnormal gradient times sqrt'(0) = inf is inf (0.5·g would underflow to nan)
        assert run("c * sqrt(x)", c=TINY, x=0.0)[1]["x"] == inf


def test_power_rules():
    for run in (scalar, numpy):
        # ∂/∂y of (-2)^y is undefined: y -> (-2)^y is not differentiable, even where the
        # value underflows to 0
        assert math.isnan(run("x ^ y", x=-2.0, y=3.0)[1]["y"])
        v, g = run("x ^ y", x=-2.0, y=-1100.0)
        assert v == 0.0 and math.isnan(g["y"])
        # the true limits stay: 0^y at y = 0 has ∂/∂y = -inf; 0^y at y > 0 is constant 0
        assert run("x ^ y", x=0.0, y=0.0)[1]["y"] == -inf
        assert run("x ^ y", x=0.0, y=2.0)[1]["y"] == 0.0
        # ∂/∂x of x^y is 0 wherever y is 0 (x^0 is constant), x = 0 included
        assert run("x ^ y", x=0.0, y=0.0)[1]["x"] == 0.0
        assert run("x ^ 0", x=0.0)[1]["x"] == 0.0
        assert run("x ^ y", x=2.0, y=0.0)[1]["x"] == 0.0
        # an ordinary case keeps its value
        assert run("x ^ y", x=2.0, y=3.0)[1] == pytest.approx({"x": 12.0, "y": 8 * math.log(2)})


@pytest.mark.parametrize(
    "text, values, expected",
    [
        ("sum(c^0)", {"c": [[1.0], [2.0]]}, {"c": [[0.0], [0.0]]}),
        ("sum(c^0)", {"c": [[1.0, 2.0]]}, {"c": [[0.0, 0.0]]}),
        ("sum(c^0)", {"c": [1.0]}, {"c": [0.0]}),
        ("mean(c^0 * d)", {"c": [[1.0], [2.0]], "d": [3.0, 4.0]}, {"c": [[0.0], [0.0]]}),
        ("sum(c^1)", {"c": [[1.0], [2.0]]}, {"c": [[1.0], [1.0]]}),
    ],
)
def test_constant_powers_of_arrays_broadcast_their_gradient(text, values, expected):
    """Was an internal error (IndexError in unbroadcast on a 0-d gradient)."""
    r = exprgrad.gradients(text, values)
    for name, want in expected.items():
        np.testing.assert_array_equal(r.gradients[name], want)
        assert np.shape(r.gradients[name]) == np.shape(values[name])
