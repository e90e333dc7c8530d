"""Test layer: engines and analysis -- the language's meaning and the engine through the Python API
(issue 2 "Language"/"Engine").

Precedence and associativity by value, number and name syntax, built-in ``pi``, IEEE float
semantics (inf/nan, never an exception or a complex number), the local-derivative conventions
(constant vs variable exponent, kinks), ``wrt``, binding errors, ``check()``'s pass rule and kink
flags, and the generated engine's IEEE-safe fallback for a node that raises mid-tape.  Syntax
errors (columns, did-you-mean, arity, CRLF/BOM) are in test_syntax.py.
Imports: stdlib, pytest, exprgrad, conftest (``error_of``).
"""

from __future__ import annotations

import math
import time
import warnings

import pytest
from conftest import error_of

import exprgrad
from exprgrad.errors import BindingError

inf, nan = math.inf, math.nan


def ev(text: str, **bindings: float) -> float:
    return exprgrad.evaluate(text, bindings)


def grads(text: str, **bindings: float) -> dict[str, float]:
    return exprgrad.gradients(text, bindings).gradients


# -- precedence and associativity -----------------------------------------------------------
@pytest.mark.parametrize(
    "text, bindings, expected",
    [
        ("-2^2", {}, -4.0),
        ("2^-1", {}, 0.5),
        ("-2^-2", {}, -0.25),
        ("2^-3^2", {}, 2.0**-9),  # 2^(-(3^2))
        ("a^b^c", {"a": 2, "b": 3, "c": 2}, 512.0),  # 2^(3^2), not (2^3)^2 = 64
        ("(a^b)^c", {"a": 2, "b": 3, "c": 2}, 64.0),
        ("2**3", {}, 8.0),
        ("2**3**2", {}, 512.0),
        ("2**3^2", {}, 512.0),
        ("a-b-c", {"a": 10, "b": 3, "c": 2}, 5.0),  # (10-3)-2, not 10-(3-2) = 9
        ("a/b/c", {"a": 24, "b": 4, "c": 2}, 3.0),  # (24/4)/2, not 24/(4/2) = 12
        ("a-b+c", {"a": 1, "b": 2, "c": 3}, 2.0),
        ("a/b*c", {"a": 8, "b": 4, "c": 2}, 4.0),
        ("2+3*4", {}, 14.0),
        ("(2+3)*4", {}, 20.0),
        ("2*3^2", {}, 18.0),
        ("2^3*2", {}, 16.0),
        ("-x^2", {"x": 3}, -9.0),
        ("(-x)^2", {"x": 3}, 9.0),
        ("--x", {"x": 3}, 3.0),
        ("-+-x", {"x": 3}, 3.0),
        ("- - -x", {"x": 3}, -3.0),
        ("+x", {"x": 3}, 3.0),
        ("2*-x", {"x": 3}, -6.0),
        ("2--x", {"x": 3}, 5.0),
        ("x^-y^2", {"x": 2, "y": 1}, 0.5),
        ("-x*y", {"x": 2, "y": 3}, -6.0),
        ("1-x^2/4", {"x": 2}, 0.0),
    ],
)
def test_precedence_by_value(text, bindings, expected):
    assert ev(text, **bindings) == expected


def test_unary_minus_binds_looser_than_power_in_gradients():
    assert grads("-x^2", x=3) == {"x": -6.0}
    assert grads("(-x)^2", x=3) == {"x": 6.0}
    assert grads("a^b^c", a=2, b=1, c=3)["a"] == 1.0  # exponent 1^3 = 1


# -- numbers and names -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [("7", 7.0), ("3.5", 3.5), (".5", 0.5), ("1e-3", 0.001), ("2.5E+2", 250.0), ("5.", 5.0)],
)
def test_number_literals(text, expected):
    assert ev(text) == expected
    assert ev(f"x * {text}", x=2) == 2 * expected


@pytest.mark.parametrize("name", ["e", "d", "x1", "inf", "nan", "E", "_t", "relu_x", "pi2"])
def test_any_name_is_a_variable(name):
    expr = exprgrad.parse(f"{name} * 2 + 1")
    # e is Euler's number until something binds it: then it is a variable like any other
    assert expr.variables == (() if name == "e" else (name,))
    assert expr.resolve({name}).variables == (name,)
    assert expr.evaluate({name: 3}) == 7.0
    assert expr.gradients({name: 3}).gradients == {name: 2.0}


def test_lecture_node_names_together():
    r = exprgrad.gradients("a*b + c*d - e", a=1, b=2, c=3, d=4, e=5)
    assert r.value == 9.0
    assert r.gradients == {"a": 2.0, "b": 1.0, "c": 4.0, "d": 3.0, "e": -1.0}


def test_pi_is_a_constant():
    assert ev("pi") == math.pi
    assert ev("2*pi*r", r=0.5) == math.pi
    assert exprgrad.parse("2*pi*r").variables == ("r",)
    assert grads("pi*r", r=1) == {"r": math.pi}


def test_binding_pi_is_an_error():
    err = error_of(exprgrad.evaluate, "2*pi*r", r=1, pi=3)
    assert err.type == "binding"
    assert "pi is a built-in constant" in err.message
    err = error_of(exprgrad.evaluate, "x + 1", x=1, pi=3)
    assert err.type == "binding" and "built-in constant" in err.message


def test_e_is_euler_unless_bound():
    """e is Euler's number where nothing gives it a value; a binding makes it a variable."""
    assert exprgrad.parse("e + 1").variables == ()
    assert exprgrad.parse("e + 1").soft_constants == ("e",)
    assert ev("e + 1") == math.e + 1
    assert ev("e") == ev("exp(1)") == math.e
    assert grads("e^x", x=2) == {"x": pytest.approx(math.e**2, rel=1e-15)}
    assert ev("log(e)") == 1.0
    # bound: a variable, with its gradient (the lecture names a node e)
    assert exprgrad.gradients("e^x", e=2, x=3).gradients == {"e": 12.0, "x": 8 * math.log(2)}
    assert grads("a*b + c*d - e", a=1, b=2, c=3, d=4, e=5)["e"] == -1.0


# -- IEEE semantics ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("1/0", inf),
        ("-1/0", -inf),
        ("1/-0", -inf),
        ("log(0)", -inf),
        ("exp(1000)", inf),
        ("exp(-1000)", 0.0),
        ("10^400", inf),
        ("0.5^-2000", inf),
        ("(-2)^1025", -inf),
        ("(-2)^1024", inf),
        ("0^-1", inf),
        ("tanh(1000)", 1.0),
        ("tanh(-1000)", -1.0),
        ("sigmoid(1000)", 1.0),
        ("sigmoid(-1000)", 0.0),
        ("1e308 * 10", inf),
    ],
)
def test_ieee_values(text, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = ev(text)
    assert isinstance(got, float)
    assert got == expected


@pytest.mark.parametrize("text", ["0/0", "log(-1)", "sqrt(-1)", "(-8)^(1/3)", "sin(1/0)"])
def test_ieee_nan(text):
    got = ev(text)
    assert isinstance(got, float)  # never complex, never an exception
    assert math.isnan(got)


def test_negative_base_fractional_variable_exponent_is_nan_not_complex():
    r = exprgrad.gradients("x^y", x=-8, y=1 / 3)
    assert isinstance(r.value, float) and math.isnan(r.value)
    assert all(isinstance(g, float) for g in r.gradients.values())


def test_tower_of_nines_is_quick():
    start = time.perf_counter()
    assert ev("9^9^9^9") == inf
    assert ev("x^x^x^x", x=9) == inf
    assert time.perf_counter() - start < 1.0


def test_stable_sigmoid_and_tanh_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for x, s in ((-1000.0, 0.0), (1000.0, 1.0), (-745.2, 0.0), (710.0, 1.0)):
            r = exprgrad.gradients("sigmoid(x)", x=x)
            assert r.value == pytest.approx(s, abs=1e-300)
            assert r.gradients["x"] == pytest.approx(0.0, abs=1e-300)
            assert r.warnings == []
        r = exprgrad.gradients("tanh(x)", x=1000.0)
        assert (r.value, r.gradients["x"], r.warnings) == (1.0, 0.0, [])
        assert ev("sigmoid(x)", x=0) == 0.5


def test_nonfinite_value_warns_with_op_and_column():
    r = exprgrad.gradients("x + 1/y", x=1, y=0)
    assert r.value == inf
    assert len(r.warnings) == 1
    w = r.warnings[0]
    assert w.column == 6
    assert "/" in w.message and "6" in w.message and "inf" in w.message
    r = exprgrad.gradients("2 * log(x)", x=0)
    assert r.value == -inf
    assert [w.column for w in r.warnings] == [5]
    assert "log" in r.warnings[0].message


def test_finite_results_have_no_warnings():
    assert exprgrad.gradients("log(x)", x=1).warnings == []
    assert exprgrad.gradients("x / y", x=1, y=3).warnings == []


# -- local derivatives -------------------------------------------------------------------------
def test_constant_exponent_at_negative_base():
    r = exprgrad.gradients("b^3", b=-2)
    assert r.value == -8.0
    assert r.gradients == {"b": 12.0}
    assert r.warnings == []
    assert grads("b^2", b=-3) == {"b": -6.0}
    assert grads("b^(1+2)", b=-2) == {"b": 12.0}  # a constant expression is a constant exponent
    assert grads("b^0", b=0) == {"b": 0.0}
    assert grads("b^-1", b=-2) == {"b": -0.25}


def test_variable_exponent_at_negative_base():
    r = exprgrad.gradients("b^c", b=-2, c=3)
    assert r.value == -8.0
    assert r.gradients["b"] == 12.0
    assert math.isnan(r.gradients["c"])  # x^p ln x with ln(-2) = nan, per IEEE


def test_variable_exponent_gradient():
    r = exprgrad.gradients("b^c", b=2, c=3)
    assert r.gradients == {"b": 12.0, "c": pytest.approx(8 * math.log(2), rel=1e-15)}
    assert grads("b^c", b=0, c=2) == {"b": 0.0, "c": 0.0}


def test_kink_derivatives_are_zero_at_zero():
    assert grads("relu(x)", x=0) == {"x": 0.0}
    assert grads("abs(x)", x=0) == {"x": 0.0}
    assert grads("relu(x - 1)", x=1) == {"x": 0.0}


# -- gradients for some variables --------------------------------------------------------------
def test_wrt_subset():
    expr = exprgrad.parse("(a + b) * c")
    r = expr.gradients(a=7, b=3, c=2, wrt=["c"])
    assert r.value == 20.0
    assert r.gradients == {"c": 10.0}
    r = expr.gradients({"a": 7, "b": 3, "c": 2}, wrt=("c", "a"))
    assert list(r.gradients) == ["a", "c"]  # expression order
    assert r.gradients == {"a": 2.0, "c": 10.0}
    assert exprgrad.gradients(expr, a=7, b=3, c=2, wrt=["b"]).gradients == {"b": 2.0}


def test_wrt_unknown_name():
    err = error_of(exprgrad.parse("(a + b) * rate").gradients, a=1, b=1, rate=1, wrt=["rat"])
    assert err.type == "binding"
    assert "rat" in err.message and "did you mean 'rate'" in err.message


# -- binding errors ----------------------------------------------------------------------------
def test_unbound_variable_is_named():
    err = error_of(exprgrad.evaluate, "alpha + beta", alpha=1)
    assert err.type == "binding"
    assert "beta" in err.message and "alpha" not in err.message
    err = error_of(exprgrad.gradients, "x * y")
    assert "x" in err.message and "y" in err.message


def test_unused_binding_says_did_you_mean():
    err = error_of(exprgrad.evaluate, "rate * 2", rate=1, rtae=2)
    assert err.type == "binding"
    assert "rtae" in err.message and "did you mean 'rate'" in err.message
    err = error_of(exprgrad.check, "x * 2", x=1, z=2)
    assert err.type == "binding"


def test_binding_values():
    assert ev("x", x="3") == 3.0
    assert ev("x", x="-1e-3") == -0.001
    assert ev("x", x="inf") == inf
    assert ev("x + 1", x=1) == 2.0
    err = error_of(exprgrad.evaluate, "x", x="abc")
    assert err.type == "binding" and "abc" in err.message
    err = error_of(exprgrad.evaluate, "x", x=True)
    assert err.type == "binding"


# -- check() -------------------------------------------------------------------------------------
def test_check_pass_rule_is_abs_error_vs_atol_plus_rtol_numeric():
    """x^3 at x = 1 with eps = 0.1: numeric = (1.1^3 - 0.9^3) / 0.2 = 3.01, backprop 3."""
    expr = exprgrad.parse("x^3")
    report = expr.check(x=1, eps=0.1, rtol=0, atol=0)
    row = report.rows[0]
    assert row.backprop == 3.0
    assert row.numeric == pytest.approx(3.01, rel=1e-12)
    assert row.abs_error == abs(row.backprop - row.numeric)
    assert row.rel_error == row.abs_error / max(abs(row.backprop), abs(row.numeric))
    assert not row.ok and not report.ok
    err = row.abs_error  # about 0.01
    for rtol, atol, ok in [
        (0.0, err * 1.01, True),
        (0.0, err * 0.99, False),
        (err * 1.01 / row.numeric, 0.0, True),
        (err * 0.99 / row.numeric, 0.0, False),
        (err * 0.5 / row.numeric, err * 0.51, True),
        (err * 0.5 / row.numeric, err * 0.49, False),
    ]:
        r = expr.check(x=1, eps=0.1, rtol=rtol, atol=atol)
        assert r.rows[0].ok is ok, (rtol, atol)
        assert r.ok is ok


def test_check_defaults_pass_on_smooth_functions():
    report = exprgrad.check("sin(x) * exp(y) / (1 + x^2)", x=0.3, y=-0.7)
    assert report.ok
    assert (report.eps, report.rtol, report.atol) == (1e-6, 1e-5, 1e-8)
    assert [r.variable for r in report.rows] == ["x", "y"]


def test_rel_error_is_zero_when_both_are_zero():
    report = exprgrad.check("x * 0 + y", x=2, y=1)
    row = report.rows[0]
    assert (row.variable, row.backprop, row.numeric) == ("x", 0.0, 0.0)
    assert row.rel_error == 0.0 and row.abs_error == 0.0 and row.ok


def test_nan_fails_the_check():
    report = exprgrad.check("b^c", b=-2, c=3)
    rows = {r.variable: r for r in report.rows}
    assert rows["b"].ok
    assert not rows["c"].ok
    assert report.ok is False
    report = exprgrad.check("sqrt(x)", x=0)  # inf vs nan
    assert report.ok is False


@pytest.mark.parametrize("b", [0.0, 1e-9, -1e-9])
def test_kink_rows_are_flagged_and_do_not_fail(b):
    report = exprgrad.check("relu(b) + a", a=1, b=b)
    rows = {r.variable: r for r in report.rows}
    assert rows["b"].kink is not None and "relu" in rows["b"].kink
    assert rows["b"].ok is True
    assert rows["b"].within_tolerance is False  # backprop 0 (or 1) vs numeric about 0.5
    assert rows["a"].kink is None and rows["a"].ok
    assert report.ok is True


def test_abs_kink_flagged():
    report = exprgrad.check("abs(x) * 3", x=0)
    assert report.rows[0].kink is not None and "abs" in report.rows[0].kink
    assert report.ok


def test_no_kink_flag_away_from_the_kink():
    report = exprgrad.check("relu(b)", b=0.5)
    assert report.rows[0].kink is None and report.ok
    report = exprgrad.check("relu(b)", b=-0.5)
    assert report.rows[0].kink is None
    assert report.rows[0].rel_error == 0.0 and report.ok


def test_kink_of_an_input_that_does_not_depend_on_the_variable_is_not_flagged():
    report = exprgrad.check("relu(b) + a", a=1, b=0)
    rows = {r.variable: r for r in report.rows}
    assert rows["a"].kink is None


def test_check_rejects_bad_eps():
    err = error_of(exprgrad.check, "x", x=1, eps=0)
    assert err.type == "binding"


# -- the IEEE-safe fallback inside the generated loops -------------------------------------------
def test_node_raising_mid_tape_still_computes_the_rest():
    # forward: 1/y raises (y = 0), the following nodes still run; backward: the div node raises
    # first (reverse order) and the mul node after it still gets its gradient
    r = exprgrad.gradients("3*x + 1/y + x*x", x=2, y=0)
    assert r.value == inf
    by_op = {}
    for n in r.nodes:
        by_op.setdefault(n.op, []).append(n)
    assert [n.value for n in by_op["mul"]] == [6.0, 4.0]
    assert r.gradients["x"] == 7.0  # 3 + 2x
    assert r.gradients["y"] == -inf


def test_fallback_accumulates_each_contribution_once():
    # x/y + x*y at y = 0: d/dx = 1/y + y = inf, d/dy = -x/y^2 + x = -inf
    r = exprgrad.gradients("x/y + x*y", x=2, y=0)
    assert r.value == inf
    assert r.gradients == {"x": inf, "y": -inf}
    # x^y at x = -2, y = 2: d/dx = y x^(y-1) = -4 computed, then ln(-2) raises for d/dy;
    # double-counting the first contribution would give -8
    r = exprgrad.gradients("x^y", x=-2, y=2)
    assert r.value == 4.0
    assert r.gradients["x"] == -4.0
    assert math.isnan(r.gradients["y"])
    r = exprgrad.gradients("x^y + x", x=-2, y=2)
    assert r.gradients["x"] == -3.0


def test_raising_node_used_twice():
    r = exprgrad.gradients("log(x) * log(x) + y", x=0, y=1)
    assert r.value == inf
    # d/dx (log x)^2 = 2 log(x) / x: two -inf contributions, then -inf / 0 in the fallback
    assert r.gradients == {"x": -inf, "y": 1.0}


def test_engine_forward_directly():
    from exprgrad.core.ops import CODE
    from exprgrad.engines import scalar as engine

    # nodes: 0 = x, 1 = y, 2 = x / y (raises: y = 0), 3 = x + x, 4 = (x / y) + (x + x)
    v = [2.0, 0.0, None, None, None]
    prog = ([2, 3, 4], [CODE["div"], CODE["add"], CODE["add"]], [0, 0, 2], [1, 0, 3])
    engine.forward(v, *prog)
    assert v[2:] == [inf, 4.0, inf]
    g = [0.0, 0.0, 0.0, 0.0, 1.0]
    engine.backward(v, g, *prog)
    assert g[0] == inf and g[1] == -inf and g[3] == 1.0 and g[2] == 1.0


def test_api_edge_cases_from_review():
    f = exprgrad.parse("x * y")
    r = f.gradients(x=10**400, y=2.0)  # an int beyond the float range rounds to inf (IEEE)
    assert r.value == math.inf and r.gradients == {"x": 2.0, "y": math.inf}
    g = exprgrad.parse("x + xy")
    assert g.gradients({"x": 1, "xy": 2}, wrt="xy").gradients == {"xy": 1.0}
    assert g.gradients({"x": 1, "xy": 2}, wrt="x,xy").gradients == {"x": 1.0, "xy": 1.0}
    with pytest.raises(BindingError, match="unknown method"):
        f.check({"x": 1, "y": 2}, method="bogus")


def test_rel_error_is_nan_when_a_side_is_nan():
    from exprgrad.analysis.check import make_row

    row = make_row("x", 0.0, math.nan, 1e-5, 1e-8, None)
    assert math.isnan(row.abs_error) and math.isnan(row.rel_error) and row.ok is False


def test_array_ops_and_overflowing_literals_are_per_output_and_truncated():
    from exprgrad.analysis.expression import Expression
    from exprgrad.core.tape import Tape
    from exprgrad.syntax.reader import parse_into

    tape = Tape()
    mark = len(tape)
    parse_into(tape, "sum(w) + 1e999")
    assert tape.has_array_ops and len(tape.overflows) == 1
    tape.truncate(mark)  # a batch line that defined nothing is forgotten, marks included
    assert not tape.has_array_ops and not tape.overflows
    _, big, _ = parse_into(tape, "big = w * 1e999")
    tape.scope["big"] = big
    root = parse_into(tape, "x * 2")
    e = Expression("x * 2", tape, root, nodes=tape.cone(root))
    assert not e.is_array
    r = e.gradients({"x": 1.0})
    assert r.value == 2.0 and r.warnings == []  # big's literal is not on this output's path
    root = parse_into(tape, "big + x")
    e = Expression("big + x", tape, root, nodes=tape.cone(root))
    r = e.gradients({"x": 1.0, "w": 2.0})
    assert [w.message for w in r.warnings][0] == "number at column 11 is too large for a float: inf"


def test_a_scalar_output_beside_an_array_definition_stays_scalar():
    from exprgrad.analysis.expression import Expression
    from exprgrad.core.tape import Tape
    from exprgrad.syntax.reader import parse_into

    tape = Tape()
    _, s, _ = parse_into(tape, "s = sum(w)")
    tape.scope["s"] = s
    root = parse_into(tape, "x * 2")
    assert not Expression("x * 2", tape, root, nodes=tape.cone(root)).is_array
    root = parse_into(tape, "s * x")
    assert Expression("s * x", tape, root, nodes=tape.cone(root)).is_array
