"""Test layer: core (the ops table, exprgrad/core/ops.py) -- every row's derivative against
central differences, driven by the table, on both engines.

Scalar rows (``SCALAR_ROWS``, from conftest): each row's ``example`` is parsed (the op must appear
in the graph) and backprop is compared with a fourth-order central difference at 64 points spread
across the row's test ``domain`` (per input), so a new row is covered by adding it.  Kink ops are
skipped within 1e-3 of their kink and tested there for their documented value (relu, abs: 0;
max, min: ½ to each input).  The IEEE-safe fallbacks of the generated engine
(``SAFE_FWD``/``SAFE_VJP``) must agree with the fast loops wherever the fast loops do not raise.
Plus hand-derived derivatives.

Array-only rows (``@``, ``sum``, ``mean``, ``transpose``, ``x[k]``, ``pick``, the softmax family):
each row's ``example`` is parsed (the op must appear in the graph), its inputs are bound by a
fixed shape convention (``_array_shape``; integer inputs such as ``labels`` to fixed values), a
non-scalar output is reduced to a number with a fixed random weighting, and backprop is compared
with central differences element by element on the numpy engine.  Every row of the table is a
leaf, a scalar row or an array-only row, and every array-only row must have an example.
Imports: stdlib, pytest, numpy, exprgrad, conftest (``SCALAR_ROWS``, ``five_point``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import SCALAR_ROWS, five_point

import exprgrad
from exprgrad.core.ops import CODE, FUNCTIONS, OPS
from exprgrad.engines import scalar as engine

N_POINTS = 64
STEP = 2e-4  # five-point stencil reaches x +- 4e-4: inside the 1e-3 kink margin
RTOL, ATOL = 1e-7, 1e-8
KINK_MARGIN = 1e-3


def _domain(op, i: int) -> tuple[float, float]:
    return op.domain[min(i, len(op.domain) - 1)]


def _points(op, names: tuple[str, ...]) -> list[dict[str, float]]:
    """N_POINTS bindings; input i runs through its domain, the others through a permutation of
    theirs (stride coprime with N_POINTS), so every input takes N_POINTS distinct values."""
    out = []
    for k in range(N_POINTS):
        b = {}
        for i, name in enumerate(names):
            lo, hi = _domain(op, i)
            j = (k * (1 + 36 * i)) % N_POINTS  # strides 1, 37, 73 ...: all coprime with 64
            b[name] = lo + (hi - lo) * (j + 0.5) / N_POINTS
        out.append(b)
    return out


def _kink_input(result: exprgrad.Result, name: str) -> float:
    """The (first) ``name`` node's kink quantity (its row's ``kink`` template: relu's input,
    max's x - y), whose zero is the kink."""
    nodes = {n.index: n for n in result.nodes}
    node = next(n for n in nodes.values() if n.op == name)
    args = [nodes[c].value for c in node.children]
    return engine.SCALAR.kink_value(CODE[name], args[0], args[-1])


def test_table_has_scalar_rows_for_the_language():
    names = {op.name for op in SCALAR_ROWS}
    required = {"add", "sub", "mul", "div", "pow", "powc", "neg", "pos"}
    required |= {"relu", "sigmoid", "tanh", "exp", "log", "sqrt", "abs", "sin", "cos"}
    assert required <= names
    assert set(FUNCTIONS) >= {"relu", "sigmoid", "tanh", "exp", "log", "sqrt", "abs", "sin", "cos"}


@pytest.mark.parametrize("op", SCALAR_ROWS, ids=lambda op: op.name)
def test_example_builds_the_op(op):
    assert op.example, f"ops row {op.name!r} needs an example for the automatic tests"
    expr = exprgrad.parse(op.example)
    assert CODE[op.name] in expr.tape.code, f"{op.example!r} does not create a {op.name} node"
    assert expr.variables, f"{op.example!r} has no variable to differentiate"


@pytest.mark.parametrize("op", SCALAR_ROWS, ids=lambda op: op.name)
def test_backprop_matches_central_differences(op):
    expr = exprgrad.parse(op.example)
    names = expr.variables
    checked = 0
    failures = []
    for b in _points(op, names):
        res = expr.gradients(b)
        if op.kink:
            if abs(_kink_input(res, op.name)) < KINK_MARGIN:
                continue
        assert math.isfinite(res.value), f"{op.example} at {b}: value {res.value}"
        for name in names:
            h = STEP * max(1.0, abs(b[name]))
            num = five_point(expr, b, name, h)
            bp = res.gradients[name]
            if not abs(bp - num) <= ATOL + RTOL * abs(num):
                failures.append(f"d/d{name} at {b}: backprop {bp!r}, numeric {num!r}")
        checked += 1
    assert checked >= 50, f"only {checked} points of {op.name}'s domain were checked"
    assert not failures, f"{op.name}: " + "; ".join(failures[:5])


@pytest.mark.parametrize("op", [op for op in SCALAR_ROWS if op.kink], ids=lambda op: op.name)
def test_kink_ops_have_their_documented_derivative_at_the_kink(op):
    if op.arity == 2:  # max, min: a tie sends half of the gradient to each input
        for x in (0.0, -2.5, 1e300):
            res = exprgrad.gradients(f"{op.name}(x, y)", x=x, y=x)
            assert res.gradients == {"x": 0.5, "y": 0.5}
        # ... so max(x, x) = x has derivative exactly 1, as it should
        assert exprgrad.gradients(f"{op.name}(x, x)", x=1.0).gradients == {"x": 1.0}
        assert "½" in op.kink_rule and "½" in op.derivative
        return
    res = exprgrad.gradients(f"{op.name}(x)", x=0.0)
    assert res.gradients == {"x": 0.0}
    res = exprgrad.gradients(f"{op.name}(x)", x=-0.0)
    assert res.gradients == {"x": 0.0}


def test_documented_kink_values():
    assert exprgrad.gradients("relu(x)", x=0).gradients["x"] == 0.0
    assert exprgrad.gradients("abs(x)", x=0).gradients["x"] == 0.0
    assert exprgrad.gradients("relu(x)", x=1e-300).gradients["x"] == 1.0
    assert exprgrad.gradients("relu(x)", x=-1e-300).gradients["x"] == 0.0
    assert exprgrad.gradients("abs(x)", x=-1e-300).gradients["x"] == -1.0


def _fast_fwd(code: int, unary: bool, x: float, y: float) -> float:
    v = [x, y, None] if not unary else [x, None]
    out = len(v) - 1
    engine.forward(v, [out], [code], [0], [0 if unary else 1])
    return v[out]


def _fast_vjp(code: int, unary: bool, x: float, y: float, ans: float) -> tuple[float, float]:
    v = [x, ans] if unary else [x, y, ans]
    out = len(v) - 1
    g = [0.0] * len(v)
    g[out] = 1.0
    engine.backward(v, g, [out], [code], [0], [0 if unary else 1])
    return g[0], (None if unary else g[1])


@pytest.mark.parametrize("op", SCALAR_ROWS, ids=lambda op: op.name)
def test_safe_fallback_agrees_with_fast_loop(op):
    """The IEEE-safe rule used for a node that raised is the same function where nothing raises."""
    code = CODE[op.name]
    unary = op.arity == 1
    for k in range(N_POINTS):
        x0, x1 = _domain(op, 0)
        x = x0 + (x1 - x0) * (k + 0.5) / N_POINTS
        if op.arity == 2:
            if len(op.domain) > 1:
                y0, y1 = op.domain[1]
                y = y0 + (y1 - y0) * ((k * 37) % N_POINTS + 0.5) / N_POINTS
            else:  # second input untested by the table (a constant exponent): a few typical ones
                y = (-2.0, -1.0, 0.5, 1.0, 2.0, 3.0)[k % 6]
        else:
            y = x
        ans = _fast_fwd(code, unary, x, y)
        same = {"rel": 1e-15, "abs": 0, "nan_ok": True}
        assert engine.SAFE_FWD[code](x, y) == pytest.approx(ans, **same), (op.name, x, y)
        dx, dy = _fast_vjp(code, unary, x, y, ans)
        sdx, sdy = engine.SAFE_VJP[code](1.0, ans, x, y)
        assert sdx == pytest.approx(dx, **same), (op.name, x, y)
        if op.arity == 2 and op.d[1] is not None:
            assert sdy == pytest.approx(dy, **same), (op.name, x, y)


HAND_DERIVED = [
    ("tanh(x)", {"x": 0.5}, {"x": 1 - math.tanh(0.5) ** 2}),
    ("sigmoid(x)", {"x": 0.0}, {"x": 0.25}),
    ("sigmoid(x)", {"x": 2.0}, {"x": math.exp(-2) / (1 + math.exp(-2)) ** 2}),
    ("exp(x)", {"x": 1.0}, {"x": math.e}),
    ("log(x)", {"x": 2.0}, {"x": 0.5}),
    ("sqrt(x)", {"x": 4.0}, {"x": 0.25}),
    ("sin(x)", {"x": 1.0}, {"x": math.cos(1.0)}),
    ("cos(x)", {"x": 1.0}, {"x": -math.sin(1.0)}),
    ("abs(x)", {"x": -2.0}, {"x": -1.0}),
    ("abs(x)", {"x": 2.0}, {"x": 1.0}),
    ("relu(x)", {"x": 2.0}, {"x": 1.0}),
    ("relu(x)", {"x": -2.0}, {"x": 0.0}),
    ("x / y", {"x": 3.0, "y": 2.0}, {"x": 0.5, "y": -0.75}),
    ("x - y", {"x": 3.0, "y": 2.0}, {"x": 1.0, "y": -1.0}),
    ("x * y", {"x": 3.0, "y": 2.0}, {"x": 2.0, "y": 3.0}),
    ("x ^ y", {"x": 2.0, "y": 3.0}, {"x": 12.0, "y": 8 * math.log(2)}),
    ("x ^ 3", {"x": -2.0}, {"x": 12.0}),
    ("x ^ 0.5", {"x": 4.0}, {"x": 0.25}),
    ("x ^ -1", {"x": 2.0}, {"x": -0.25}),
    ("-x", {"x": 2.0}, {"x": -1.0}),
    ("+x", {"x": 2.0}, {"x": 1.0}),
    ("x * x", {"x": 3.0}, {"x": 6.0}),
    ("tan(x)", {"x": 0.5}, {"x": 1 / math.cos(0.5) ** 2}),
    ("softplus(x)", {"x": 0.3}, {"x": 1 / (1 + math.exp(-0.3))}),
    ("max(x, y)", {"x": 3.0, "y": 2.0}, {"x": 1.0, "y": 0.0}),
    ("max(x, y)", {"x": -3.0, "y": 2.0}, {"x": 0.0, "y": 1.0}),
    ("min(x, y)", {"x": 3.0, "y": 2.0}, {"x": 0.0, "y": 1.0}),
    ("min(x, y)", {"x": -3.0, "y": 2.0}, {"x": 1.0, "y": 0.0}),
    ("max(x, 0) * y", {"x": 3.0, "y": 2.0}, {"x": 2.0, "y": 3.0}),  # the lecture's relu
    ("log_sigmoid(x)", {"x": 0.0}, {"x": 0.5}),
    ("log_sigmoid(x)", {"x": 2.0}, {"x": 1 / (1 + math.exp(2.0))}),
    ("log(sigmoid(x))", {"x": -1.5}, {"x": 1 / (1 + math.exp(-1.5))}),
]


@pytest.mark.parametrize("text, bindings, expected", HAND_DERIVED, ids=[t[0] for t in HAND_DERIVED])
def test_hand_derived(text, bindings, expected):
    got = exprgrad.gradients(text, bindings).gradients
    assert got.keys() == expected.keys()
    for name, want in expected.items():
        assert got[name] == pytest.approx(want, rel=1e-12, abs=1e-300), name


# -- the whole table ------------------------------------------------------------------------------
ARRAY_ROWS = [op for op in OPS if op.array_only]


def test_every_row_is_a_leaf_a_scalar_row_or_an_array_row():
    """So the two automatic derivative tests (scalar rows, array rows) cover every op."""
    scalar = {op.name for op in SCALAR_ROWS}
    kinds = {op.name: (op.form == "leaf", op.name in scalar, op.array_only) for op in OPS}
    odd = sorted(name for name, k in kinds.items() if sum(k) != 1)
    assert not odd, f"rows that are not exactly one of leaf / scalar / array-only: {odd}"
    assert {"matmul", "sum", "mean", "transpose"} <= {op.name for op in ARRAY_ROWS}
    missing = [op.name for op in ARRAY_ROWS if not op.example]
    assert not missing, f"array-only rows need an example for the automatic tests: {missing}"


# -- array-only rows against central differences, on the numpy engine ---------------------------
#: The shape convention for the inputs of an array-only row's example: a single upper-case
#: letter is a 3 x 4 matrix, ``w`` a vector of 4 (so ``X @ w`` fits).  Any other name fails the
#: test loudly: extend the convention (here) or rename the example's inputs.
MATRIX_SHAPE = (3, 4)
VECTOR_SHAPES = {"w": (4,)}
#: integer inputs (an index, labels): ``labels`` holds one column of the matrix per row; they
#: are bound to these values, never drawn at random, and get no gradient
INTEGER_VALUES = {"labels": np.array([2.0, 0.0, 3.0])}
#: a non-scalar output is reduced to a number as ``sum(_R * (example))``, with ``_R`` a constant
#: array of the output's shape drawn once from RNG_SEED (so every element's gradient is distinct)
WEIGHTS = "_R"
RNG_SEED = 20240611
ARRAY_STEP = 1e-6  # central differences: x +- h with h = ARRAY_STEP * max(1, |x|)
ARRAY_RTOL, ARRAY_ATOL = 1e-7, 1e-9


def _array_shape(op, name: str) -> tuple[int, ...]:
    if name in INTEGER_VALUES:
        return INTEGER_VALUES[name].shape
    if len(name) == 1 and name.isupper():
        return MATRIX_SHAPE
    if name in VECTOR_SHAPES:
        return VECTOR_SHAPES[name]
    pytest.fail(
        f"ops row {op.name!r}: its example {op.example!r} uses {name!r}, which the shape "
        f"convention of tests/test_ops.py does not cover (a single upper-case letter is a "
        f"{MATRIX_SHAPE[0]} x {MATRIX_SHAPE[1]} matrix; {sorted(VECTOR_SHAPES)} are vectors)",
        pytrace=False,
    )


def _central_differences(f: exprgrad.Expression, bindings: dict, name: str) -> np.ndarray:
    """d f / d name, element by element: (f(x + h) - f(x - h)) / ((x + h) - (x - h))."""
    x0 = bindings[name]
    out = np.empty(x0.shape)
    for idx in np.ndindex(*x0.shape):
        h = ARRAY_STEP * max(1.0, abs(x0[idx]))
        xp, xm = x0.copy(), x0.copy()
        xp[idx] += h
        xm[idx] -= h
        fp = f.evaluate({**bindings, name: xp})
        fm = f.evaluate({**bindings, name: xm})
        out[idx] = (fp - fm) / (xp[idx] - xm[idx])
    return out


@pytest.mark.parametrize("op", ARRAY_ROWS, ids=lambda op: op.name)
def test_array_row_backprop_matches_central_differences(op):
    assert op.example, f"array-only row {op.name!r} needs an example for the automatic tests"
    inner = exprgrad.parse(op.example)
    assert CODE[op.name] in inner.tape.code, f"{op.example!r} does not create a {op.name} node"
    assert inner.variables, f"{op.example!r} has no variable to differentiate"
    assert WEIGHTS not in inner.variables, f"{op.example!r} uses the weights' name {WEIGHTS}"
    assert set(inner.integer_inputs) <= set(INTEGER_VALUES), inner.integer_inputs
    rng = np.random.default_rng(RNG_SEED)
    lo, hi = op.domain[0]
    values = {
        n: INTEGER_VALUES[n] if n in INTEGER_VALUES else rng.uniform(lo, hi, _array_shape(op, n))
        for n in inner.variables
    }
    out = np.asarray(inner.evaluate(values))
    assert np.all(np.isfinite(out)), f"{op.example} is not finite at the test point"
    weights = rng.uniform(0.5, 1.5, size=out.shape)
    if out.shape:
        f = exprgrad.parse(f"sum({WEIGHTS} * ({op.example}))")
        bindings = {**values, WEIGHTS: weights}
    else:
        f = exprgrad.parse(f"{WEIGHTS} * ({op.example})")
        bindings = {**values, WEIGHTS: float(weights)}
    res = f.gradients(bindings, wrt=list(inner.differentiable))
    assert res.value == pytest.approx(float(np.sum(weights * out)), rel=1e-12)
    assert list(res.gradients) == list(inner.differentiable)
    # by default every differentiable input gets a gradient, and no integer input does
    assert set(f.gradients(bindings).gradients) == {*inner.differentiable, WEIGHTS}
    for name in inner.differentiable:
        grad = np.asarray(res.gradients[name])
        assert grad.shape == values[name].shape, (op.example, name)
        np.testing.assert_allclose(
            grad,
            _central_differences(f, bindings, name),
            rtol=ARRAY_RTOL,
            atol=ARRAY_ATOL,
            err_msg=f"{op.name}: d/d{name} of sum({WEIGHTS} * ({op.example}))",
        )
