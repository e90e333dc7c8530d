"""Test layer: the lecture's toolbox through the Python API (issue 10) -- max/min, ``e``, indexing
and labels (integer inputs), the softmax family against a hand-written numpy reference (also at
scores of ±1000), stable logistic losses and the fused forms, the kink words for two inputs, and
the words for unknown functions.

Every number is hand-derived or compared with numpy written out here and with central
differences (``check``); both engines where an op runs on both.  The CLI, statement files and
the new warnings are in tests/test_toolbox_cli.py.
Imports: stdlib, pytest, numpy, exprgrad, conftest (``error_of``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import error_of

import exprgrad
from exprgrad.core.ops import CODE, FUNCTIONS, OPS

RNG = np.random.default_rng(20250218)


def grads(text: str, **values):
    return exprgrad.gradients(text, values).gradients


def ops_of(result_or_expr) -> list[str]:
    nodes = result_or_expr.nodes if isinstance(result_or_expr, exprgrad.Result) else None
    if nodes is None:
        nodes = result_or_expr.nodes(None)
    return [n.op for n in nodes]


# -- max and min ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, x, y, value, dx, dy",
    [
        ("max(x, y)", 3.0, 2.0, 3.0, 1.0, 0.0),
        ("max(x, y)", -3.0, 2.0, 2.0, 0.0, 1.0),
        ("max(x, y)", 2.0, 2.0, 2.0, 0.5, 0.5),  # a tie: half of the gradient to each input
        ("min(x, y)", 3.0, 2.0, 2.0, 0.0, 1.0),
        ("min(x, y)", -3.0, 2.0, -3.0, 1.0, 0.0),
        ("min(x, y)", 2.0, 2.0, 2.0, 0.5, 0.5),
    ],
)
def test_max_min_on_both_engines(text, x, y, value, dx, dy):
    r = exprgrad.gradients(text, x=x, y=y)
    assert (r.value, r.gradients) == (value, {"x": dx, "y": dy})
    r = exprgrad.gradients(f"sum({text})", x=[x, 0.0], y=[y, 0.0])  # numpy; the 2nd is a tie
    assert r.value == value + 0.0
    np.testing.assert_array_equal(r.gradients["x"], [dx, 0.5])
    np.testing.assert_array_equal(r.gradients["y"], [dy, 0.5])


def test_the_lectures_relu_as_max():
    """relu(z) = max(z, 0): the lecture's (a + relu(b)) * c at a=7, b=±3, c=2."""
    r = exprgrad.gradients("(a + max(b, 0)) * c", a=7, b=3, c=2)
    assert (r.value, r.gradients) == (20.0, {"a": 2.0, "b": 2.0, "c": 10.0})
    r = exprgrad.gradients("(a + max(b, 0)) * c", a=7, b=-3, c=2)
    assert (r.value, r.gradients) == (14.0, {"a": 2.0, "b": 0.0, "c": 7.0})
    assert grads("max(x, x)", x=1.5) == {"x": 1.0}  # ½ + ½: exact, where the function is smooth
    assert grads("max(x, 1) + min(x, 1)", x=1.0) == {"x": 1.0}  # = x + 1


def test_max_min_propagate_nan_and_order_infinities():
    for f in ("max", "min"):
        for x, y in ((math.nan, 1.0), (1.0, math.nan), (math.nan, math.nan)):
            r = exprgrad.gradients(f"{f}(x, y)", x=x, y=y)
            assert math.isnan(r.value) and all(math.isnan(g) for g in r.gradients.values())
    assert exprgrad.evaluate("max(x, y)", x=-math.inf, y=1.0) == 1.0
    assert grads("max(x, y)", x=math.inf, y=math.inf) == {"x": 0.5, "y": 0.5}


def test_check_flags_a_max_kink_like_relu():
    rep = exprgrad.check("(a + max(b, 0)) * c", a=7, b=0, c=2)
    row = {r.variable: r for r in rep.rows}["b"]
    assert row.ok and row.kink == (
        "max at column 6: its inputs are equal; max has a kink where x = y, where it is not "
        "differentiable (backprop sends ½ of the gradient to each input, central differences "
        "average both sides)"
    )
    assert row.backprop == 1.0 and row.within_tolerance  # ½ × c = 1: what central differences see
    rep = exprgrad.check("min(x, y)", x=1.0, y=1.0 + 1e-7)
    assert all(r.ok for r in rep.rows)
    assert rep.rows[0].kink.startswith(
        "min at column 1: its inputs differ by 1.0000000005838672e-07"
    )
    assert "cross within ±eps" in rep.rows[0].kink
    rep = exprgrad.check("sum(max(x, y))", x=[1.0, 2.0], y=[3.0, 2.0])  # arrays: the index
    kinks = [r.kink for r in rep.rows if r.kink]
    assert kinks and all("are equal at index (1,)" in k for k in kinks)
    # relu's words are unchanged (README contract)
    rep = exprgrad.check("relu(b)", b=0.0)
    assert rep.rows[0].kink == (
        "relu at column 1: its input is 0; relu has a kink at 0, where it is not differentiable "
        "(backprop uses relu'(0) = 0, central differences average both sides)"
    )


# -- e ------------------------------------------------------------------------------------------
def test_e_reads_as_euler_where_nothing_gives_it_a_value():
    r = exprgrad.gradients("e^x", x=2.0)
    assert r.value == pytest.approx(math.e**2, rel=1e-15)
    assert r.gradients == {"x": pytest.approx(math.e**2, rel=1e-15)}
    assert [n.value for n in r.nodes if n.op == "const"] == [math.e]
    assert exprgrad.check("e^x * x", x=0.5).ok
    assert [row.variable for row in exprgrad.check("e^x * x", x=0.5).rows] == ["x"]
    err = error_of(exprgrad.gradients, "e^x", {"x": 1.0}, wrt="e")
    assert err.type == "binding" and "Euler's number" in err.message


def test_binding_e_keeps_todays_meaning():
    f = exprgrad.parse("(a + b) * e")
    assert f.variables == ("a", "b") and f.soft_constants == ("e",)
    r = f.gradients(a=1, b=2, e=3)
    assert (r.value, r.gradients) == (9.0, {"a": 3.0, "b": 3.0, "e": 3.0})
    assert r.expression.variables == ("a", "b", "e")
    assert "var" in ops_of(r) and [n.name for n in r.nodes if n.op == "var"] == ["a", "b", "e"]
    assert f.check(a=1, b=2, e=3).ok and len(f.check(a=1, b=2, e=3).rows) == 3
    assert f.resolve({"e"}) is f.resolve(["e", "x"])  # parsed once per set of names
    assert f.resolve({"x"}) is f


# -- indexing, labels: integer inputs -----------------------------------------------------------
def test_integer_inputs_are_exposed_and_get_no_gradient():
    f = exprgrad.parse("-(p[k] - log(sum(exp(p))))")
    assert f.variables == ("p", "k")
    assert f.differentiable == ("p",) and f.integer_inputs == ("k",)
    r = f.gradients(p=[1.0, 2.0, 3.0], k=2)
    assert list(r.gradients) == ["p"] and r.bindings["k"] == 2.0
    assert f.compile().wrt == ("p",)  # what fit trains and check perturbs
    rep = f.check(p=[1.0, 2.0, 3.0], k=2)
    assert rep.ok and {row.variable for row in rep.rows} == {"p"}
    g = exprgrad.parse("mean(pick(P, labels + 0 * k)) * w")
    assert g.differentiable == ("P", "w") and g.integer_inputs == ("labels", "k")
    err = error_of(f.gradients, {"p": [1.0, 2.0], "k": 0}, wrt="k")
    assert err.type == "binding" and err.reason == "wrt integer"


@pytest.mark.parametrize(
    "text, values, value, grad",
    [
        ("p[0]", {"p": [5.0, 6.0, 7.0]}, 5.0, [1.0, 0.0, 0.0]),
        ("p[-1]", {"p": [5.0, 6.0, 7.0]}, 7.0, [0.0, 0.0, 1.0]),
        ("p[k] * 2", {"p": [5.0, 6.0, 7.0], "k": 1}, 12.0, [0.0, 2.0, 0.0]),
        ("p[k + 1]", {"p": [5.0, 6.0, 7.0], "k": 1}, 7.0, [0.0, 0.0, 1.0]),
        ("sum(p[k])", {"p": [5.0, 6.0, 7.0], "k": [0, 2, 2]}, 19.0, [1.0, 0.0, 2.0]),
        ("-p[1]^2", {"p": [5.0, 6.0, 7.0]}, -36.0, [0.0, -12.0, 0.0]),
        ("P[1, 0]", {"P": [[1.0, 2.0], [3.0, 4.0]]}, 3.0, [[0.0, 0.0], [1.0, 0.0]]),
        ("P[1][0]", {"P": [[1.0, 2.0], [3.0, 4.0]]}, 3.0, [[0.0, 0.0], [1.0, 0.0]]),
        ("sum(P[i] * 3)", {"P": [[1.0, 2.0], [3.0, 4.0]], "i": 0}, 9.0, [[3.0, 3.0], [0.0, 0.0]]),
        ("pick(P, y)[1]", {"P": [[1.0, 2.0], [3.0, 4.0]], "y": [1, 0]}, 3.0, [[0, 0], [1, 0]]),
        ("pick(p, 2)", {"p": [5.0, 6.0, 7.0]}, 7.0, [0.0, 0.0, 1.0]),
    ],
)
def test_indexing_and_pick(text, values, value, grad):
    r = exprgrad.gradients(text, values)
    assert r.value == value
    (name,) = r.gradients
    np.testing.assert_array_equal(r.gradients[name], grad)
    assert exprgrad.check(text, values).ok


@pytest.mark.parametrize(
    "text, values, kind, words, column",
    [
        ("p[k]", {"p": [1.0, 2.0], "k": 1.5}, "binding", "k must be a whole number (an index", 2),
        ("p[k]", {"p": [1.0, 2.0], "k": math.inf}, "binding", "got inf", 2),
        (
            "p[k]",
            {"p": [1.0, 2.0], "k": 2},
            "shape",
            "index 2 is out of range for a vector of 2",
            2,
        ),
        ("p[-3]", {"p": [1.0, 2.0]}, "shape", "0 to 1, or -2 to -1 from the end", 2),
        ("p[0.5]", {"p": [1.0, 2.0]}, "binding", "an index must be a whole number, got 0.5", 2),
        ("x[0] + 1", {"x": 3.0}, "shape", "only a vector or a matrix can be indexed", 2),
        ("p[0, 1]", {"p": [1.0, 2.0]}, "shape", "only a vector or a matrix can be indexed", 2),
        ("sum(pick(P, y))", {"P": [[1.0, 2.0]], "y": [0.5]}, "binding", "labels of pick", 5),
        ("sum(pick(P, y))", {"P": [[1.0, 2.0]], "y": [2]}, "shape", "labels[0] = 2 is out of", 5),
        ("sum(pick(P, y))", {"P": [[1.0, 2.0]], "y": [-1]}, "shape", "labels[0] = -1", 5),
        ("sum(pick(P, y))", {"P": [[1.0, 2.0]], "y": [0, 1]}, "shape", "1 row but there are 2", 5),
        ("sum(pick(p, y))", {"p": [1.0, 2.0], "y": [0, 1]}, "shape", "a matrix of scores", 5),
    ],
)
def test_bad_indices_say_what_and_where(text, values, kind, words, column):
    err = error_of(exprgrad.gradients, text, values)
    assert err.type == kind and words in err.message and err.column == column, err.message


# -- the softmax family against numpy written out by hand -----------------------------------------
def ref_logsumexp(x: np.ndarray, axis=None) -> np.ndarray:
    m = np.max(x, axis=axis, keepdims=True)
    return np.squeeze(m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)), axis=axis)


def ref_softmax(x: np.ndarray, axis=None) -> np.ndarray:
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


ONE_EXAMPLE = [  # the slide's loss for one example, and the same loss written other ways
    "-(p[k] - log(sum(exp(p))))",
    "logsumexp(p) - p[k]",
    "-log_softmax(p)[k]",
    "-pick(log(softmax(p)), k)",
]


@pytest.mark.parametrize("scale", [1.0, 1000.0])
@pytest.mark.parametrize("text", ONE_EXAMPLE)
def test_softmax_loss_one_example_matches_numpy(text, scale):
    p = RNG.standard_normal(5) * scale
    if scale > 1:
        p[:2] = [1000.0, -1000.0]
    k = 3
    want = ref_logsumexp(p) - p[k]
    want_grad = ref_softmax(p) - np.eye(5)[k]
    r = exprgrad.gradients(text, p=p, k=k)
    assert r.warnings == [] and math.isfinite(r.value)
    assert r.value == pytest.approx(want, rel=1e-13, abs=1e-12)
    np.testing.assert_allclose(r.gradients["p"], want_grad, rtol=1e-12, atol=1e-15)
    if scale == 1.0:
        rep = exprgrad.check(text, p=p, k=k)
        assert rep.ok and len(rep.rows) == 5


N_EXAMPLES = [
    "mean(log(sum(exp(P), 1)) - pick(P, labels))",
    "mean(logsumexp(P, 1) - pick(P, labels))",
    "-mean(pick(log_softmax(P, 1), labels))",
    "-mean(pick(log(softmax(P, 1)), labels))",
]


@pytest.mark.parametrize("scale", [1.0, 1000.0])
@pytest.mark.parametrize("text", N_EXAMPLES)
def test_softmax_loss_n_examples_matches_numpy(text, scale):
    P = RNG.standard_normal((6, 4)) * scale
    labels = np.array([0, 3, 1, 1, 2, 0])
    n = len(labels)
    rows = np.arange(n)
    want = np.mean(ref_logsumexp(P, 1) - P[rows, labels])
    want_grad = (ref_softmax(P, 1) - np.eye(4)[labels]) / n
    r = exprgrad.gradients(text, P=P, labels=labels)
    assert r.warnings == [] and list(r.gradients) == ["P"]
    assert r.value == pytest.approx(want, rel=1e-12)
    np.testing.assert_allclose(r.gradients["P"], want_grad, rtol=1e-11, atol=1e-15)
    if scale == 1.0:
        rep = exprgrad.check(text, P=P, labels=labels)
        assert rep.ok and len(rep.rows) == P.size


def test_softmax_family_values_and_axes():
    X = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
    s = exprgrad.evaluate("softmax(X, 1)", X=X)
    np.testing.assert_allclose(s, ref_softmax(X, 1), rtol=1e-15)
    np.testing.assert_allclose(np.sum(s, axis=1), [1.0, 1.0], rtol=1e-15)
    np.testing.assert_allclose(exprgrad.evaluate("softmax(X, 0)", X=X), ref_softmax(X, 0))
    np.testing.assert_allclose(exprgrad.evaluate("logsumexp(X, 0)", X=X), ref_logsumexp(X, 0))
    assert exprgrad.evaluate("logsumexp(X)", X=X) == pytest.approx(1000.0, rel=1e-15)
    np.testing.assert_allclose(
        exprgrad.evaluate("log_softmax(X, 1)", X=X), X - ref_logsumexp(X, 1)[:, None]
    )
    assert exprgrad.evaluate("logsumexp(x)", x=[-math.inf, -math.inf]) == -math.inf
    assert exprgrad.evaluate("logsumexp(x)", x=[math.inf, 0.0]) == math.inf
    assert exprgrad.evaluate("sum(softmax(x))", x=[1.0, 2.0]) == pytest.approx(1.0, rel=1e-15)
    for f in ("softmax", "log_softmax"):  # a matrix needs the axis: a silent wrong loss otherwise
        err = error_of(exprgrad.evaluate, f"sum({f}(X))", X=X)
        assert err.type == "shape" and f"{f}(P, 1) for each row" in err.message
    err = error_of(exprgrad.evaluate, "sum(softmax(X, a))", X=X, a=1)
    assert err.type == "arity" and "constant integer" in err.message


# -- logistic regression: stable at ±1000, and the fused forms ------------------------------------
@pytest.mark.parametrize(
    "text, x, value, grad",
    [
        ("log(sigmoid(x))", -1000.0, -1000.0, 1.0),
        ("log(sigmoid(x))", 1000.0, 0.0, 0.0),
        ("log(1 - sigmoid(x))", 1000.0, -1000.0, -1.0),
        ("log(1 - sigmoid(x))", -1000.0, 0.0, 0.0),
        ("log_sigmoid(x)", -1000.0, -1000.0, 1.0),
        ("softplus(x)", 1000.0, 1000.0, 1.0),
        ("softplus(x)", -1000.0, 0.0, 0.0),
        ("log(1 + exp(x))", 1000.0, 1000.0, 1.0),
        ("log(exp(x) + 1)", -1000.0, 0.0, 0.0),
    ],
)
def test_logistic_pieces_are_finite_at_1000(text, x, value, grad):
    for values, unwrap in (({"x": x}, float), ({"x": [x]}, lambda a: float(np.asarray(a)[0]))):
        body = text if isinstance(values["x"], float) else f"sum({text})"
        r = exprgrad.gradients(body, values)
        assert r.warnings == [] and r.value == value
        assert unwrap(r.gradients["x"]) == grad


@pytest.mark.parametrize("x", [-30.0, -2.0, -0.3, 0.0, 0.7, 5.0, 40.0])
def test_fused_forms_agree_with_the_formula(x):
    sig = 1.0 / (1.0 + math.exp(-x))
    assert exprgrad.evaluate("log(sigmoid(x))", x=x) == pytest.approx(math.log(sig), rel=1e-14)
    assert grads("log(sigmoid(x))", x=x)["x"] == pytest.approx(1 - sig, rel=1e-14)
    assert grads("log(1 - sigmoid(x))", x=x)["x"] == pytest.approx(-sig, rel=1e-14)
    assert grads("log(1 + exp(x))", x=x)["x"] == pytest.approx(sig, rel=1e-14)


def test_logistic_regression_loss_matches_numpy_at_1000():
    z = np.array([1000.0, -1000.0, 3.0, -2.0, 1000.0])
    y = np.array([1.0, 0.0, 1.0, 0.0, 0.0])
    want = np.mean(np.logaddexp(0.0, z) - y * z)  # -[y log σ(z) + (1 - y) log(1 - σ(z))]
    want_grad = (ref_softmax(np.stack([np.zeros(5), z]), 0)[1] - y) / 5
    for text in (
        "-mean(y * log(sigmoid(z)) + (1 - y) * log(1 - sigmoid(z)))",
        "mean(softplus(z) - y * z)",
        "-mean(y * log_sigmoid(z) + (1 - y) * log_sigmoid(-z))",
    ):
        r = exprgrad.gradients(text, z=z, y=y, wrt="z")
        assert r.warnings == [], text
        assert r.value == pytest.approx(want, rel=1e-14), text
        np.testing.assert_allclose(r.gradients["z"], want_grad, rtol=1e-13, atol=1e-300)


def test_dead_nodes_never_show():
    """The nodes a fused form replaced are on the tape, but not in results, warnings or views."""
    f = exprgrad.parse("log(1 - sigmoid(x)) * 2")
    assert CODE["sigmoid"] in f.tape.code and f.tape.dead
    assert ops_of(f) == ["var", "neg", "log_sigmoid", "const", "mul"]
    r = f.gradients(x=1000.0)
    assert ops_of(r) == ops_of(f) and r.warnings == [] and r.value == -2000.0
    r = exprgrad.gradients("log(sum(exp(p)))", p=[1000.0, 0.0])  # exp(1000) is never computed
    assert r.warnings == [] and ops_of(r) == ["var", "logsumexp"]
    kept = exprgrad.parse("log(2 - sigmoid(x))")  # not a fused form: left as written
    assert not kept.tape.dead and "sigmoid" in ops_of(kept) and "log" in ops_of(kept)


# -- words ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, words",
    [
        ("ln(x)", "unknown function 'ln' (did you mean 'log'?)"),
        ("sigma(x)", "unknown function 'sigma' (did you mean 'sigmoid'?)"),
        ("sigm(x)", "(did you mean 'sigmoid'?)"),
        ("logsoftmax(x, 1)", "(did you mean 'log_softmax'?)"),
        ("maximum(x, 0)", "(did you mean 'max'?)"),
        ("pow(x, 2)", "unknown function 'pow' (write x ^ y)"),
        ("log10(x)", "(write log(x) / log(10))"),
        ("tahn(x)", "(did you mean 'tanh'?)"),
        ("foo(x)", "(if foo is a variable, a product needs '*': foo*(...)"),
        ("foo(x, 0)", "unknown function 'foo' (the functions are abs, cos, exp, log,"),
        ("foo()", "unknown function 'foo' (the functions are"),
    ],
)
def test_unknown_functions_suggest_what_was_meant(text, words):
    err = error_of(exprgrad.parse, text)
    assert err.type == "name" and words in err.message and err.column == 1
    assert "product" not in err.message or text.count(",") == 0


def test_a_known_alias_without_parentheses_is_not_a_product():
    err = error_of(exprgrad.parse, "ln x")
    assert err.type == "syntax" and err.column == 4
    assert err.message == "unexpected 'x' after 'ln': did you mean 'log(x)'?"
    err = error_of(exprgrad.parse, "foo x")  # not a known spelling: still a missing '*'
    assert "implicit multiplication is not supported (write 'foo*x')" in err.message


def test_every_new_function_is_callable_and_documented():
    for name in ("max", "min", "log_sigmoid", "pick", "logsumexp", "softmax", "log_softmax"):
        op = FUNCTIONS[name]
        assert op.syntax.startswith(f"{name}(") and op.derivative and op.rule and op.example
    index = next(op for op in OPS if op.name == "index")
    assert index.syntax.startswith("x[k]") and index.int_args == (1,)
    assert FUNCTIONS["pick"].int_args == (1,)
    err = error_of(exprgrad.parse, "max(x)")
    assert err.type == "arity" and "max() takes 2 arguments, got 1" in err.message


def test_the_readme_lists_every_op():
    """The README's Functions table names every row of the ops table as it is written."""
    from conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Functions", 1)[1].split("\n## ", 1)[0]
    missing = [
        op.name for op in OPS if op.form != "leaf" and f"`{op.syntax.split('  ')[0]}`" not in table
    ]
    assert not missing, f"add these ops to the README's Functions table: {missing}"


def test_compiling_with_e_bound_needs_resolve():
    """A compiled graph that reads e as Euler's number never silently ignores a value for e."""
    f = exprgrad.parse("e * x")
    c = f.compile()
    assert c({"x": 2.0})[0] == 2 * math.e
    err = error_of(c, {"x": 2.0, "e": 3.0})
    assert err.type == "binding" and "compile expr.resolve({'e'})" in err.message
    value, g = f.resolve({"e"}).compile()({"x": 2.0, "e": 3.0})
    assert (value, g) == (6.0, {"e": 2.0, "x": 3.0})


def test_the_numpy_finiteness_screen_is_exact():
    """all_finite screens large arrays by their sum: every non-finite array is still found, and
    a finite array whose sum overflows is still finite."""
    from exprgrad.engines.numpy import NUMPY

    a = np.ones(10_000)
    assert NUMPY.all_finite({0: a}, [0])
    for bad in (np.nan, np.inf, -np.inf):
        b = a.copy()
        b[7] = bad
        assert not NUMPY.all_finite({0: b}, [0])
    c = np.full(10_000, 1.7e308)  # the sum overflows; every element is finite
    assert NUMPY.all_finite({0: c}, [0])
    d = np.full(10_000, np.inf)
    d[::2] = -np.inf  # inf - inf: the sum is nan
    assert not NUMPY.all_finite({0: d}, [0])
    e = np.broadcast_to(np.array([1.0, np.nan]), (5_000, 2))  # a broadcast view
    assert not NUMPY.all_finite({0: e}, [0])
