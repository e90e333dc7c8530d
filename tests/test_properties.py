"""Test layer: core and engines through the public API, by property -- random expressions'
backprop gradients match finite differences.

The expression strategy is built from the ops table (every scalar row: infix, prefix and called
ops), so a new op is generated as soon as it has a row.  Inputs whose test domain is narrower than
the default are mapped into it with ``mid + half * tanh(.)`` (log, sqrt, tan, the divisor, the
base and exponent of a variable power ...), so expressions stay where they are smooth; constant
exponents, unary minus and repeated variables (three names drawn with replacement) are included.
Ill-conditioned draws are discarded with ``assume``: non-finite or huge values, a kink input near
0, or finite differences that disagree with themselves at steps h and h/2 (decided without looking
at backprop).  Imports: stdlib, pytest, hypothesis, exprgrad, conftest (``SCALAR_ROWS``,
``five_point``).
"""

from __future__ import annotations

import math

import pytest
from conftest import SCALAR_ROWS, five_point
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import exprgrad
from exprgrad.core.ops import CODE, OPS
from exprgrad.engines.scalar import SCALAR

DEFAULT_DOMAIN = (-3.0, 3.0)
VARS = ("a", "b", "c")
CONSTANTS = ("2", "0.5", "3", ".5", "1.5", "1e-1", "2.5E+0", "-1", "pi")
#: constant exponents for rows whose example has a constant second input (x ^ 3)
EXPONENTS = ("2", "3", "1", "0", "-1", "-2", "0.5", "(1/3)", "2.5")
NONINTEGER_OR_NEGATIVE = {"-1", "-2", "0.5", "(1/3)", "2.5"}

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)


def _variable_inputs(op) -> int:
    """How many inputs of ``op`` its example feeds with variables (the rest are constants)."""
    return len(exprgrad.parse(op.example).variables)


VARIABLE_INPUTS = {op.name: _variable_inputs(op) for op in SCALAR_ROWS}


def _domain(op, i: int) -> tuple[float, float]:
    return tuple(op.domain[min(i, len(op.domain) - 1)])


def _into(text: str, lo: float, hi: float) -> str:
    """An expression in (lo, hi) for any real ``text``."""
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    return f"({mid!r} + {half!r} * tanh({text}))"


leaves = st.one_of(
    st.sampled_from(VARS).map(lambda v: (v, True)),
    st.sampled_from(VARS).map(lambda v: (f"-{v}", True)),
    st.sampled_from(CONSTANTS).map(lambda c: (c, False)),
)


def _apply(draw, op, children):
    """Text of ``op`` applied to child (text, has_var) pairs; returns (text, has_var)."""
    n_var = VARIABLE_INPUTS[op.name]
    args = []
    inputs = []  # the variable inputs' texts, before any squeezing into a domain
    has_var = False
    for i in range(op.arity):
        if i >= n_var:  # a constant input (the exponent of x ^ 3)
            exponent = draw(st.sampled_from(EXPONENTS))
            args.append(exponent)
            if exponent in NONINTEGER_OR_NEGATIVE:  # keep the base positive
                args[0] = _into(inputs[0], 0.2, 3.0)
            continue
        text, var = children[i]
        if not var:  # a variable input gets a variable (x ^ y stays a variable power)
            text = f"({text}) + {draw(st.sampled_from(VARS))}"
            var = True
        inputs.append(text)
        lo, hi = _domain(op, i)
        if (lo, hi) != DEFAULT_DOMAIN or draw(st.booleans()):
            text = _into(text, lo, hi)
        else:
            text = f"({text})"
        args.append(text)
        has_var = has_var or var
    if op.form == "infix":
        return f"{args[0]} {op.symbol} {args[1]}", has_var
    if op.form == "prefix":
        return f"{op.symbol}{args[0]}", has_var
    return f"{op.name}({', '.join(args)})", has_var


@st.composite
def expressions(draw, depth: int = 3, top=None):
    """(text, has_var): a random expression over a, b, c with ``top`` (or any row) at the root."""
    if top is None and (depth == 0 or draw(st.integers(0, 3)) == 0):
        return draw(leaves)
    op = top if top is not None else draw(st.sampled_from(SCALAR_ROWS))
    children = [draw(expressions(max(depth - 1, 0))) for _ in range(op.arity)]
    return _apply(draw, op, children)


bindings = st.fixed_dictionaries(
    {v: st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False) for v in VARS}
)


def _assert_gradients_match(text: str, values: dict[str, float]) -> exprgrad.Expression:
    expr = exprgrad.parse(text)
    b = {v: values[v] for v in expr.variables}
    res = expr.gradients(b)
    nodes = res.nodes
    assume(all(math.isfinite(n.value) and abs(n.value) < 1e6 for n in nodes))
    assume(all(math.isfinite(g) and abs(g) < 1e6 for g in res.gradients.values()))
    by_index = {n.index: n for n in nodes}
    kinks = [n for n in nodes if OPS[CODE[n.op]].kink]  # away from every kink: relu's input,
    # max's x - y (the row's kink quantity) at least 1e-3 from 0
    kink_value = SCALAR.kink_value
    assume(
        all(
            abs(kink_value(CODE[n.op], *(by_index[c].value for c in (n.children * 2)[:2]))) > 1e-3
            for n in kinks
        )
    )
    for name in expr.variables:
        h = 1e-4 * max(1.0, abs(b[name]))
        num = five_point(expr, b, name, h)
        num2 = five_point(expr, b, name, h / 2)
        scale = max(1.0, abs(num))
        assume(math.isfinite(num) and abs(num - num2) <= 1e-7 * scale)  # well-conditioned
        bp = res.gradients[name]
        assert abs(bp - num) <= 1e-6 * scale, (
            f"{text} at {b}: d/d{name} backprop {bp!r}, finite differences {num!r} / {num2!r}"
        )
    return expr


@SETTINGS
@given(expressions(depth=4), bindings)
def test_random_expressions(expr_var, values):
    text, _ = expr_var
    _assert_gradients_match(text, values)


@pytest.mark.parametrize("op", SCALAR_ROWS, ids=lambda op: op.name)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_op_at_the_root(op, data):
    text, _ = data.draw(expressions(depth=2, top=op), label="expression")
    values = data.draw(bindings, label="bindings")
    expr = exprgrad.parse(text)
    assert CODE[op.name] in expr.tape.code, f"{text!r} has no {op.name} node"
    _assert_gradients_match(text, values)


@SETTINGS
@given(
    st.sampled_from(VARS),
    st.sampled_from(VARS),
    st.fixed_dictionaries({v: st.floats(0.3, 2.5) for v in VARS}),
)
def test_repeated_variables_and_powers(u, w, values):
    """Variable and constant exponents sharing variables (u may equal w); positive bases."""
    text = f"{u}^{w} * {u}^3 - {w}^{u} + (-{u})^2 / (1 + {w}^2) - -{u}^-2 + {u}^{w}^0.5"
    expr = _assert_gradients_match(text, values)
    kinds = set(expr.tape.code)
    assert {CODE["pow"], CODE["powc"], CODE["neg"]} <= kinds


def test_strategy_covers_every_row():
    """Every scalar row is reachable: the strategy is derived from the table, not a fixed list."""
    seen = set()

    @settings(max_examples=300, deadline=None, database=None)
    @given(expressions(depth=3))
    def collect(expr_var):
        text, _ = expr_var
        kinds = set(exprgrad.parse(text).tape.code)
        seen.update(op.name for op in SCALAR_ROWS if CODE[op.name] in kinds)

    collect()
    assert seen == {op.name for op in SCALAR_ROWS}
