"""Test layer: the backpropagation lecture's worked examples, exactly.

Values and gradients of the lecture's four functions (exact float equality: every number involved
is an exactly representable integer), the intermediate nodes' values and gradients, the DAG case
where b's gradient is the sum over both parents (a "last write wins" backward -- the lecture's
bug -- would give a different number), and ``check()`` passing on each.
Imports: stdlib, pytest, exprgrad.
"""

from __future__ import annotations

import pytest

import exprgrad
from exprgrad.core.ops import CONST, VAR
from exprgrad.engines import scalar as engine

LECTURE = [
    ("(a + b) * c", {"a": 7, "b": 3, "c": 2}, 20.0, {"a": 2.0, "b": 2.0, "c": 10.0}),
    ("(a + b^3) * c", {"a": 7, "b": 3, "c": 2}, 68.0, {"a": 2.0, "b": 54.0, "c": 34.0}),
    ("(a + relu(b)) * c", {"a": 7, "b": -3, "c": 2}, 14.0, {"a": 2.0, "b": 0.0, "c": 7.0}),
    ("(a + relu(b)) * c", {"a": 7, "b": 3, "c": 2}, 20.0, {"a": 2.0, "b": 2.0, "c": 10.0}),
    ("(a + b) * b^3", {"a": 7, "b": 3}, 270.0, {"a": 27.0, "b": 297.0}),
]
IDS = [f"{t}@b={b['b']}" for t, b, _, _ in LECTURE]


@pytest.mark.parametrize("text, bindings, value, grads", LECTURE, ids=IDS)
def test_value_and_gradients_exact(text, bindings, value, grads):
    res = exprgrad.parse(text).gradients(bindings)
    assert res.value == value
    assert res.gradients == grads
    assert list(res.gradients) == list(grads)  # variables in order of first appearance
    assert res.warnings == []


@pytest.mark.parametrize("text, bindings, value, grads", LECTURE, ids=IDS)
def test_evaluate_and_module_functions_agree(text, bindings, value, grads):
    assert exprgrad.evaluate(text, bindings) == value
    assert exprgrad.evaluate(text, **bindings) == value
    assert exprgrad.gradients(text, bindings).gradients == grads


@pytest.mark.parametrize("text, bindings, value, grads", LECTURE, ids=IDS)
def test_check_passes(text, bindings, value, grads):
    report = exprgrad.parse(text).check(bindings)
    assert report.ok is True
    assert report.value == value
    assert [r.variable for r in report.rows] == list(grads)
    for row in report.rows:
        assert row.ok and row.kink is None
        assert row.backprop == grads[row.variable]
        assert row.numeric == pytest.approx(grads[row.variable], rel=1e-6, abs=1e-8)
    assert exprgrad.check(text, bindings).ok is True


def test_intermediate_nodes_of_the_pow3_example():
    """(a + b^3) * c: d = b^3 = 27, e = a + d = 34, f = e * c = 68; grads 1, 2, 2 down the tree."""
    res = exprgrad.gradients("(a + b^3) * c", a=7, b=3, c=2)
    by_op = {n.op: n for n in res.nodes}
    assert (by_op["powc"].value, by_op["powc"].grad) == (27.0, 2.0)
    assert (by_op["add"].value, by_op["add"].grad) == (34.0, 2.0)
    assert (by_op["mul"].value, by_op["mul"].grad) == (68.0, 1.0)
    names = {n.name: n for n in res.nodes if n.name}
    assert {k: names[k].grad for k in "abc"} == {"a": 2.0, "b": 54.0, "c": 34.0}


def test_relu_node_passes_no_gradient_for_negative_input():
    res = exprgrad.gradients("(a + relu(b)) * c", a=7, b=-3, c=2)
    relu = next(n for n in res.nodes if n.op == "relu")
    assert relu.value == 0.0
    assert relu.grad == 2.0  # it receives a gradient ...
    assert res.gradients["b"] == 0.0  # ... and passes none on (relu'(-3) = 0)


def test_dag_variable_used_twice_is_one_node():
    expr = exprgrad.parse("(a + b) * b^3")
    assert expr.variables == ("a", "b")
    assert expr.tape.code.count(VAR) == 2


class _Recorder(list):
    """A gradient list that records every write (index, amount added)."""

    def __init__(self, *args):
        super().__init__(*args)
        self.writes: list[tuple[int, float]] = []

    def __setitem__(self, i, value):
        self.writes.append((i, value - list.__getitem__(self, i)))
        super().__setitem__(i, value)


def test_dag_gradient_sums_both_paths_not_last_write():
    """b feeds the Add (contributes b^3 * 1 = 27) and the Pow3 (10 * 3 * b^2 = 270): 297.
    The lecture's broken version overwrites instead of accumulating and gets 270 (or 27)."""
    expr = exprgrad.parse("(a + b) * b^3")
    tv = expr.tape.vars
    v = list(expr.tape.val)
    v[tv["a"]], v[tv["b"]] = 7.0, 3.0
    engine.forward(v, *expr.program)
    assert v[expr.root] == 270.0
    g = _Recorder([0.0] * len(v))
    list.__setitem__(g, expr.root, 1.0)
    engine.backward(v, g, *expr.program)
    to_b = [d for i, d in g.writes if i == tv["b"]]
    assert sorted(to_b) == [27.0, 270.0]  # one contribution per parent, each once
    assert g[tv["b"]] == sum(to_b) == 297.0
    last_write_wins = to_b[-1]
    assert last_write_wins != 297.0
    assert exprgrad.gradients("(a + b) * b^3", a=7, b=3).gradients["b"] == 297.0


def test_each_node_is_visited_once_in_backward():
    """Reverse topological order, not recursion: no gradient slot is written more often than its
    node has parents (the lecture's recursive version double-counts)."""
    expr = exprgrad.parse("(a + b) * b^3")
    v = list(expr.tape.val)
    v[expr.tape.vars["a"]], v[expr.tape.vars["b"]] = 7.0, 3.0
    engine.forward(v, *expr.program)
    g = _Recorder([0.0] * len(v))
    list.__setitem__(g, expr.root, 1.0)
    engine.backward(v, g, *expr.program)
    parents: dict[int, int] = {}
    for n in range(len(expr.tape)):
        for c in expr.tape.children(n):
            parents[c] = parents.get(c, 0) + 1
    writes: dict[int, int] = {}
    for i, _ in g.writes:
        writes[i] = writes.get(i, 0) + 1
    # constants get no gradient (the exponent of b^3 is a constant)
    assert writes == {i: k for i, k in parents.items() if expr.tape.code[i] != CONST}
    assert sorted(writes.values()) == [1, 1, 1, 2]  # a, a + b, b^3 once; b twice (two parents)
