"""Test layer: engines, io and analysis for vectors and matrices (issue 4) -- the numpy engine
(exprgrad/engines/numpy.py), array values (exprgrad/io/arrays.py) and the array gradient check
(exprgrad/analysis/check.py), through the public API.

Every elementwise row of the ops table (``SCALAR_ROWS``) is checked on arrays automatically
(values against the scalar engine element by element, gradients against central differences,
broadcasting both ways); linear regression against its closed form; the 2-layer MLP against
central differences computed here; ``@``/``sum``/``mean``/``transpose`` (their rows' own
automatic test is in test_ops.py); shape errors with their exact messages; every input format and
its errors; the array gradient check (and that it catches a wrong rule); and that scalar work
never imports numpy.  How arrays are printed is in test_render.py.
Imports: stdlib, pytest, numpy, click (one CliRunner test), exprgrad, conftest (``SCALAR_ROWS``,
``run_python``).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import SCALAR_ROWS, run_python, strict_loads

import exprgrad
from exprgrad.analysis.bindings import convert
from exprgrad.analysis.check import check
from exprgrad.cli.args import phrase  # the command line's words for a value error: "--X: ..."
from exprgrad.core.ops import CODE
from exprgrad.engines import numpy as np_engine
from exprgrad.errors import ArityError, BindingError, ExprgradError, InputError, ShapeError
from exprgrad.io.values import parse_value as load_value
from exprgrad.render.results import worst_rows

RNG_SEED = 1234


def _domain(op, k: int) -> tuple[float, float]:
    return op.domain[k] if k < len(op.domain) else op.domain[-1]


def _values(op, k: int, shape, rng) -> np.ndarray:
    lo, hi = _domain(op, k)
    x = rng.uniform(lo, hi, size=shape)
    if op.kink:  # keep clear of the kink at 0 (and of ±eps around it)
        x = np.where(np.abs(x) < 0.05, 0.5, x)
    return x


def numeric_grad(expr, bindings: dict, name: str, h: float = 1e-6) -> np.ndarray:
    """Central differences element by element, through Expression.evaluate only."""
    x0 = np.asarray(bindings[name], dtype=float)
    out = np.zeros(x0.shape)
    for idx in np.ndindex(*x0.shape):
        xp, xm = x0.copy(), x0.copy()
        xp[idx] += h
        xm[idx] -= h
        fp = expr.evaluate({**bindings, name: xp if x0.ndim else float(xp)})
        fm = expr.evaluate({**bindings, name: xm if x0.ndim else float(xm)})
        out[idx] = (fp - fm) / (2 * h)
    return out


# -- every elementwise op, automatically: the scalar rows of the ops table ----------------------

SHAPES_UNARY = [(), (4,), (3, 4)]
# (x shape, y shape): broadcasting both ways, scalars both sides, equal shapes
SHAPES_BINARY = [((3, 1), (4,)), ((4,), (3, 1)), ((), (2, 3)), ((2, 3), ()), ((2, 3), (2, 3))]


def _cases():
    for op in SCALAR_ROWS:
        for shapes in SHAPES_BINARY if op.arity == 2 else [(s,) for s in SHAPES_UNARY]:
            yield pytest.param(op, shapes, id=f"{op.name}-{'-'.join(map(str, shapes))}")


@pytest.mark.parametrize("op, shapes", list(_cases()))
def test_elementwise_op_on_arrays(op, shapes):
    rng = np.random.default_rng(RNG_SEED)
    names = ("x", "y")[: op.arity]
    example = op.example
    # x ^ 3 uses a constant exponent: keep it, only x varies
    used = [n for n in names if n in exprgrad.parse(example).variables]
    vals = {n: _values(op, k, shapes[k], rng) for k, n in enumerate(names) if n in used}
    out_shape = np.broadcast_shapes(*(np.shape(v) for v in vals.values()))
    weights = rng.uniform(0.5, 1.5, size=out_shape)
    f = exprgrad.parse(f"sum(W * ({example}))")
    bindings = {**vals, "W": weights}

    # values: the array engine agrees with the scalar engine at every element
    inner = exprgrad.parse(example)
    got = np.asarray(inner.evaluate(vals))
    assert got.shape == out_shape
    bvals = {n: np.broadcast_to(v, out_shape) for n, v in vals.items()}
    for idx in np.ndindex(*out_shape):
        want = inner.evaluate({n: float(v[idx]) for n, v in bvals.items()})
        assert got[idx] == pytest.approx(want, rel=1e-12, abs=1e-300)

    # gradients have the shape of their input and match central differences
    res = f.gradients(bindings)
    for n, v in bindings.items():
        grad = np.asarray(res.gradients[n])
        assert grad.shape == np.shape(v), n
        np.testing.assert_allclose(grad, numeric_grad(f, bindings, n), rtol=1e-5, atol=1e-7)
    rep = f.check(bindings)
    assert rep.ok and rep.method == "elementwise"
    assert len(rep.rows) == sum(int(np.size(v)) for v in bindings.values())


def test_every_elementwise_row_is_covered():
    covered = {op.name for op, _ in (c.values for c in _cases())}
    assert covered == {op.name for op in SCALAR_ROWS}
    assert {"add", "mul", "pow", "powc", "relu", "abs", "sigmoid"} <= covered


def test_unbroadcast_sums_back_both_ways():
    f = exprgrad.parse("sum(a * b)")
    a = np.array([[1.0], [2.0], [3.0]])  # (3, 1)
    b = np.array([10.0, 20.0, 30.0, 40.0])  # (4,)
    r = f.gradients(a=a, b=b)
    np.testing.assert_array_equal(r.gradients["a"], np.full((3, 1), 100.0))
    np.testing.assert_array_equal(r.gradients["b"], np.full(4, 6.0))
    r2 = exprgrad.gradients("sum(x + y)", x=[1.0, 2.0], y=[3.0, 4.0])
    assert r2.gradients["x"] is not r2.gradients["y"]  # never one array shared by two inputs
    r = f.gradients(a=2.0, b=b)  # a scalar broadcast over a vector
    assert isinstance(r.gradients["a"], float) and r.gradients["a"] == 100.0


# -- linear regression and the MLP -----------------------------------------------------------


def test_linear_regression_closed_form():
    rng = np.random.default_rng(0)
    n, k = 50, 4
    X, w, y = rng.standard_normal((n, k)), rng.standard_normal(k), rng.standard_normal(n)
    r = exprgrad.gradients("mean((X @ w - y)^2)", X=X, w=w, y=y)
    resid = X @ w - y
    assert r.value == pytest.approx(np.mean(resid**2), rel=1e-12)
    np.testing.assert_allclose(r.gradients["w"], 2 / n * X.T @ resid, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(r.gradients["X"], 2 / n * np.outer(resid, w), rtol=1e-12)
    np.testing.assert_allclose(r.gradients["y"], -2 / n * resid, rtol=1e-12)


def test_wrt_computes_only_what_is_asked():
    rng = np.random.default_rng(1)
    X, w, y = rng.standard_normal((20, 3)), rng.standard_normal(3), rng.standard_normal(20)
    f = exprgrad.parse("mean((X @ w - y)^2)")
    r = f.gradients(X=X, w=w, y=y, wrt=["w"])
    assert list(r.gradients) == ["w"]
    tv = f.tape.vars
    assert r._pass.g[tv["X"]] is None and r._pass.g[tv["y"]] is None  # never formed
    full = f.gradients(X=X, w=w, y=y)
    np.testing.assert_array_equal(r.gradients["w"], full.gradients["w"])


MLP = "mean((sigmoid(X @ W + b) @ v + c - y)^2)"


def test_mlp_against_central_differences():
    rng = np.random.default_rng(2)
    n, d, h = 7, 3, 5
    b = {
        "X": rng.standard_normal((n, d)),
        "W": rng.standard_normal((d, h)),
        "b": rng.standard_normal(h),
        "v": rng.standard_normal(h),
        "c": 0.3,
        "y": rng.standard_normal(n),
    }
    f = exprgrad.parse(MLP)
    r = f.gradients(b)
    hid = 1 / (1 + np.exp(-(b["X"] @ b["W"] + b["b"])))
    assert r.value == pytest.approx(np.mean((hid @ b["v"] + b["c"] - b["y"]) ** 2), rel=1e-12)
    for name in "XWbvcy":
        g = r.gradients[name]
        assert np.shape(g) == np.shape(b[name])
        np.testing.assert_allclose(g, numeric_grad(f, b, name), rtol=1e-6, atol=1e-9)
    assert isinstance(r.gradients["c"], float)


# -- @, sum, mean, transpose ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "xs, ys",
    [((3, 4), (4, 2)), ((3, 4), (4,)), ((4,), (4, 2)), ((4,), (4,))],
    ids=["mat-mat", "mat-vec", "vec-mat", "vec-vec"],
)
def test_matmul_all_pairings(xs, ys):
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal(xs), rng.standard_normal(ys)
    val = exprgrad.evaluate("x @ y", x=x, y=y)
    np.testing.assert_allclose(val, x @ y, rtol=1e-14)
    if xs == ys == (4,):
        assert isinstance(val, float)
    f = exprgrad.parse("sum(sin(x @ y))")
    bind = {"x": x, "y": y}
    r = f.gradients(bind)
    for n in "xy":
        np.testing.assert_allclose(r.gradients[n], numeric_grad(f, bind, n), rtol=1e-6, atol=1e-9)


def test_sum_mean_axes_and_transpose():
    X = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(exprgrad.evaluate("sum(X, 0)", X=X), [3, 5, 7])
    np.testing.assert_array_equal(exprgrad.evaluate("mean(X, 1)", X=X), [1, 4])
    np.testing.assert_array_equal(exprgrad.evaluate("sum(X, -1)", X=X), [3, 12])
    assert exprgrad.evaluate("mean(X)", X=X) == 2.5
    np.testing.assert_array_equal(exprgrad.evaluate("transpose(X)", X=X), X.T)
    f = exprgrad.parse("sum(sum(X, 0)^2) + sum(mean(X, 1)^3) + sum(transpose(X) * T)")
    T = np.arange(6.0).reshape(3, 2) + 1
    bind = {"X": X, "T": T}
    r = f.gradients(bind)
    for n in "XT":
        np.testing.assert_allclose(r.gradients[n], numeric_grad(f, bind, n), rtol=1e-6, atol=1e-8)


def test_non_scalar_output_has_no_gradients():
    f = exprgrad.parse("X @ w")
    r = f.gradients(X=[[1, 2], [3, 4]], w=[1, 1])
    np.testing.assert_array_equal(r.value, [3, 7])
    assert r.gradients is None
    assert r.note == "gradients need a scalar output (wrap it in sum() or mean())"
    with pytest.raises(ShapeError, match="scalar output"):
        f.check(X=[[1, 2], [3, 4]], w=[1, 1])


def test_ieee_results_without_warnings():
    import warnings as w

    with w.catch_warnings():
        w.simplefilter("error")
        r = exprgrad.gradients("sum(log(x) + 1/x)", x=[0.0, 1.0, -1.0])
    assert np.isnan(r.value)
    g = r.gradients["x"]
    assert np.isnan(g[0]) or np.isinf(g[0])
    assert g[1] == 0.0
    assert [m.message for m in r.warnings][:2] == [
        "log at column 5 gave -inf, nan in 2 of 3 values",
        "/ at column 15 gave inf in 1 of 3 values",
    ]


def test_node_values_are_floats_or_arrays():
    r = exprgrad.gradients("sum(relu(x)) * relu(c)", x=[1.0, -2.0], c=3.0)
    for node in r.nodes:
        assert isinstance(node.value, (float, np.ndarray)) and np.ndim(node.value) in (0, 1)
        if np.ndim(node.value) == 0:
            assert isinstance(node.value, float)


# -- shape errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, bind, err, message, column",
    [
        (
            "sum(X @ w)",
            {"X": np.ones((2, 3)), "w": np.ones(2)},
            ShapeError,
            "@ at column 7: shapes (2, 3) and (2,) do not align",
            7,
        ),
        (
            "sum(w @ X)",
            {"X": np.ones((2, 3)), "w": np.ones(3)},
            ShapeError,
            "@ at column 7: shapes (3,) and (2, 3) do not align",
            7,
        ),
        (
            "sum(X + w)",
            {"X": np.ones((2, 3)), "w": np.ones(2)},
            ShapeError,
            "+ at column 7: shapes (2, 3) and (2,) do not broadcast",
            7,
        ),
        (
            "sum(a @ w)",
            {"a": 2.0, "w": np.ones(2)},
            ShapeError,
            "@ at column 7: shapes () and (2,) do not align (@ takes vectors and matrices; "
            "use * to multiply by a number)",
            7,
        ),
        (
            "mean(sum(X, 2))",
            {"X": np.ones((2, 3))},
            ShapeError,
            "sum at column 6: axis 2 is out of range for shape (2, 3)",
            6,
        ),
        (
            "sum(X, a)",
            {"X": np.ones((2, 3)), "a": 1.0},
            ArityError,
            "sum at column 1: the axis must be a constant integer, e.g. sum(x, 0), "
            "not an expression of the inputs",
            1,
        ),
        (
            "mean(X, 0.5)",
            {"X": np.ones((2, 3))},
            ArityError,
            "mean at column 1: the axis must be an integer, got 0.5",
            1,
        ),
    ],
)
def test_shape_errors(text, bind, err, message, column):
    with pytest.raises(err) as info:
        exprgrad.gradients(text, bind)
    e = info.value
    assert e.message == message
    assert e.column == column and e.exit_code == 2
    assert e.type == ("shape" if err is ShapeError else "arity")
    assert e.to_json() == {"type": e.type, "message": message, "column": column}
    with pytest.raises(err):  # the forward pass alone raises the same
        exprgrad.evaluate(text, bind)


# -- inputs ------------------------------------------------------------------------------------


def test_inline_values():
    np.testing.assert_array_equal(load_value("w", "[1, 2, 3]"), [1.0, 2.0, 3.0])
    m = load_value("X", " [[1, 2], [3, 4.5e0]] ")
    assert m.dtype == np.float64 and m.shape == (2, 2) and m[1, 1] == 4.5
    assert load_value("c", "2.5") == 2.5
    r = exprgrad.gradients("sum(w * w)", w="[1, 2, 3]")  # strings through the API, too
    np.testing.assert_array_equal(r.gradients["w"], [2, 4, 6])


@pytest.mark.parametrize(
    "text, message",
    [
        ("[[1, 2], [3]]", "--X: row 2 has 1 number, row 1 has 2 (rows must have equal lengths)"),
        ('[1, "a"]', '--X: element 2 is the string "a", not a number'),
        ("[1, [2]]", "--X: row 1 is a number; a matrix is a list of rows of numbers"),
        ("[[1, true]]", "--X: row 1, column 2 is true, not a number"),
        ("[[[1]]]", "--X: row 1, column 1 is a list (at most 2 dimensions), not a number"),
        ("[]", "--X: the array is empty"),
        (
            "[1, 2",
            "--X: not a valid array at character 6: Expecting ',' delimiter "
            '(write e.g. "[1, 2, 3]" or "[[1, 2], [3, 4]]")',
        ),
        ("[1, null]", "--X: element 2 is null, not a number"),
        ("abc", "--X: 'abc' is not a number"),
    ],
)
def test_inline_errors(text, message):
    # a file that cannot be read is an io error (contract); bad content is a binding error
    expected = InputError if message and "cannot read" in message else BindingError
    with pytest.raises(expected) as info:
        load_value("X", text)
    assert phrase(info.value) == message and info.value.exit_code == 2


def test_csv_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "h.csv").write_text("x1, x2,x3\n1,2,3\n4, 5 ,6\n\n")
    np.testing.assert_array_equal(load_value("X", "@h.csv"), [[1, 2, 3], [4, 5, 6]])
    (tmp_path / "n.csv").write_text('1,2\r\n"3",-4e-1\r\n')
    np.testing.assert_array_equal(load_value("X", "@n.csv"), [[1, 2], [3, -0.4]])
    (tmp_path / "row.csv").write_text("a,b,c\n1,2,3\n")
    assert load_value("w", "@row.csv").shape == (3,)
    (tmp_path / "col.csv").write_text("y\n1\n2\n3\n4\n")
    np.testing.assert_array_equal(load_value("y", "@col.csv"), [1, 2, 3, 4])
    (tmp_path / "bom.csv").write_text("\ufeff1,nan\n", encoding="utf-8")
    v = load_value("w", "@bom.csv")
    assert v.shape == (2,) and v[0] == 1 and np.isnan(v[1])


@pytest.mark.parametrize(
    "content, message",
    [
        ("1,2\n3\n", "--X: d.csv, line 2: this row has 1 value, the first row has 2"),
        ("a,b\n1,2\n3,x\n", "--X: d.csv, line 3, column 2: 'x' is not a number"),
        ("1,2\n3,\n", "--X: d.csv, line 2, column 2: an empty field"),
        ("1,a\n", "--X: d.csv, line 1, column 2: 'a' is not a number"),
        (
            "1;2\n3;4\n",
            "--X: d.csv, line 2, column 1: '3;4' is not a number "
            "(values must be separated by commas)",
        ),
        ("a,b\n\n", "--X: d.csv: no numbers in the file"),
    ],
)
def test_csv_errors(tmp_path, monkeypatch, content, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text(content)
    with pytest.raises(BindingError) as info:
        load_value("X", "@d.csv")
    assert phrase(info.value) == message


def test_npy_and_json_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    np.save(tmp_path / "w.npy", np.arange(3, dtype=np.int32))
    w = load_value("w", "@w.npy")
    assert w.dtype == np.float64 and w.tolist() == [0, 1, 2]
    (tmp_path / "y.json").write_text(json.dumps([[1, 2], [3, 4]]))
    assert load_value("y", "@y.json").tolist() == [[1, 2], [3, 4]]
    (tmp_path / "s.json").write_text("2.5")
    assert load_value("s", "@s.json") == 2.5
    sub = tmp_path / "data"
    sub.mkdir()
    np.save(sub / "X.npy", np.eye(2))
    assert load_value("X", "@data/X.npy").tolist() == [[1, 0], [0, 1]]


@pytest.mark.parametrize(
    "setup, text, message",
    [
        (None, "@missing.csv", "--X: cannot read missing.csv: No such file or directory"),
        (None, "@missing.npy", "--X: cannot read missing.npy: No such file or directory"),
        (None, "@x.txt", "--X: x.txt: unknown file type '.txt'; use .csv, .npy or .json"),
        (None, "@", "--X: '@' must be followed by a file name, e.g. @data.csv"),
        (("o.npy", "object"), "@o.npy", None),
        (
            ("t.npy", "3d"),
            "@t.npy",
            "--X: t.npy: 3 dimensions (shape (2, 2, 2)); at most 2 are supported",
        ),
        (
            ("b.json", '{"a": 1}'),
            "@b.json",
            "--X: b.json: expected a number or a list of numbers, got an object",
        ),
        (
            ("r.json", "[[1,2],\n [3]]"),
            "@r.json",
            "--X: r.json: row 2 has 1 number, row 1 has 2 (rows must have equal lengths)",
        ),
        (
            ("bad.json", "[1,\n2,,]"),
            "@bad.json",
            "--X: bad.json, line 2: not valid JSON (Expecting value)",
        ),
    ],
)
def test_file_errors(tmp_path, monkeypatch, setup, text, message):
    monkeypatch.chdir(tmp_path)
    if setup:
        fname, content = setup
        if content == "object":
            np.save(tmp_path / fname, np.array([{"a": 1}], dtype=object), allow_pickle=True)
        elif content == "3d":
            np.save(tmp_path / fname, np.zeros((2, 2, 2)))
        else:
            (tmp_path / fname).write_text(content)
    # a file that cannot be read is an io error (contract); bad content is a binding error
    expected = InputError if message and "cannot read" in message else BindingError
    with pytest.raises(expected) as info:
        load_value("X", text)
    if message is None:
        assert phrase(info.value).startswith("--X: o.npy: not a numeric .npy file")
    else:
        assert phrase(info.value) == message
    assert info.value.type == ("io" if expected is InputError else "binding")


def test_csv_that_is_not_utf8_is_an_io_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.csv").write_bytes(b"1,2\n3,\xff\n")
    with pytest.raises(InputError) as info:
        load_value("X", "@bad.csv")
    assert phrase(info.value) == "--X: bad.csv: not UTF-8 text (byte 0xff at offset 6)"


def test_huge_numbers_in_arrays_are_inf_like_1e999():
    big = "1" + "0" * 400
    np.testing.assert_array_equal(load_value("w", f"[{big}, -{big}]"), [np.inf, -np.inf])
    huge = "1" + "0" * 5000  # past Python's 4,300-digit limit for int()
    np.testing.assert_array_equal(load_value("w", f"[[{huge}, 1]]"), [[np.inf, 1]])
    r = exprgrad.gradients("sum(w)", w=[10**400, 1])  # Python ints through the API, too
    assert r.value == np.inf


def test_inline_arrays_read_inf_and_nan_as_exprgrad_prints_them():
    v = load_value("w", "[inf, -inf, nan, 1, INF, -Infinity, NaN, +inf]")
    assert v[0] == np.inf and v[1] == -np.inf and np.isnan(v[2]) and v[3] == 1
    assert v[4] == np.inf and v[5] == -np.inf and np.isnan(v[6]) and v[7] == np.inf
    m = load_value("X", "[[inf, 1], [2, nan]]")
    assert m.shape == (2, 2) and m[0, 0] == np.inf and np.isnan(m[1, 1])
    from exprgrad.render import numbers as render

    shown = render.fmt_value(np.array([np.inf, -np.inf, np.nan, 1.5]))
    np.testing.assert_array_equal(load_value("w", shown), [np.inf, -np.inf, np.nan, 1.5])
    with pytest.raises(BindingError) as info:  # strings stay strings; positions are the user's
        load_value("w", '["inf", 1]')
    assert phrase(info.value) == '--w: element 1 is the string "inf", not a number'
    with pytest.raises(BindingError) as info:
        load_value("w", "[inf, 1,]")
    assert phrase(info.value).startswith("--w: not a valid array at character 9: Expecting value")
    with pytest.raises(BindingError, match="character 2"):
        load_value("w", "[infinite]")


def _write(tmp_path, name: str, content) -> None:
    if isinstance(content, bytes):
        (tmp_path / name).write_bytes(content)
    else:
        (tmp_path / name).write_text(content)


def _npy_header(shape) -> bytes:
    import io

    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": "<f8", "fortran_order": False, "shape": shape}
    )
    return buf.getvalue()


@pytest.mark.parametrize(
    "fname, content, message",
    [
        ("deep.json", "[" * 100_000, "d/deep.json: row 1, column 1 is a list (at most 2 dim"),
        ("deep.json", "[[[[1]]]]", "d/deep.json: row 1, column 1 is a list (at most 2 dim"),
        ("obj.json", '{"a": ' * 100_000, "d/obj.json: expected a number or a list of numbers"),
        ("big.json", "[" + "9" * 5000 + "]", None),
        ("empty.npy", b"", "d/empty.npy: the file is empty (not a .npy array)"),
        (
            "huge.npy",
            _npy_header((10**6, 10**7)) + b"\0" * 16,
            "d/huge.npy: the file is cut short: its header says shape (1000000, 10000000) "
            "(80,000,000,000,000 bytes of data), the file holds 16",
        ),
        (
            "cut.npy",
            _npy_header((10,)) + b"\0" * 60,
            "d/cut.npy: the file is cut short: its header says shape (10,) (80 bytes of data), "
            "the file holds 60",
        ),
        ("head.npy", _npy_header((10,))[:12], "d/head.npy: not a numeric .npy file (EOF"),
        ("text.npy", b"hello", "d/text.npy: not a .npy file (it does not start with a .npy h"),
        ("zip.npy", b"PK\x03\x04broken", "d/zip.npy: not a numeric .npy file"),
    ],
)
def test_bad_array_files_are_bad_input_naming_the_file(
    tmp_path, monkeypatch, fname, content, message
):
    """Content that used to crash (RecursionError, EOFError, MemoryError, ValueError) is a
    binding error naming the file."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d").mkdir()
    _write(tmp_path / "d", fname, content)
    if message is None:
        assert load_value("X", f"@d/{fname}").tolist() == [np.inf]
        return
    with pytest.raises(BindingError) as info:
        load_value("X", f"@d/{fname}")
    assert phrase(info.value).startswith(f"--X: {message}"), phrase(info.value)


def test_deep_inline_nesting_is_refused_without_recursion():
    import sys

    for text in ("[" * 100_000, "[[1, 2], [3, " + "[" * 100_000 + "1"):
        with pytest.raises(BindingError) as info:
            load_value("X", text)
        assert "is a list (at most 2 dimensions), not a number" in phrase(info.value)
    with pytest.raises(BindingError, match=r"row 2, column 2 is an object, not a number"):
        load_value("X", '[[1, 2], [3, {"a": [1]}]]')
    assert sys.getrecursionlimit() < 100_000


@pytest.mark.parametrize(
    "expr, w, expected",
    [
        ("sum(w - w)", "[inf, 1]", ["- at column 7 gave nan in 1 of 2 values"]),
        ("sum(w - w)", "[inf, nan]", ["- at column 7 gave nan in 1 of 2 values"]),
        ("sum(w * 0)", "[1, inf]", ["* at column 7 gave nan in 1 of 2 values"]),
        ("sum(w)", "[inf, -inf]", ["sum at column 1 gave nan"]),
        ("sum(w + 1)", "[inf, 1]", []),  # carried along: nothing new
        ("sum(w) + 1e999", "[1, 2]", ["number at column 10 is too large for a float: inf"]),
        ("sum(exp(w))", "[1000, 1]", ["exp at column 5 gave inf in 1 of 2 values"]),
        ("sum(w)", "[nan, 1]", []),
    ],
)
def test_array_warnings_say_where_inf_or_nan_arises(expr, w, expected):
    r = exprgrad.gradients(expr, w=w)
    assert [m.message for m in r.warnings] == expected


def test_array_warnings_for_literals_only_in_the_lines_cone():
    from click.testing import CliRunner

    from exprgrad.cli.main import cli

    res = CliRunner().invoke(
        cli,
        ["eval", "--json", "--w", "[1, 2]"],
        input="a = 1e999\nsum(w)\nsum(w) + 1e999\n",
        prog_name="exprgrad",
    )
    lines = [strict_loads(x) for x in res.stdout.splitlines()]
    assert [x["warnings"] for x in lines] == [
        ["number at column 5 is too large for a float: inf"],
        [],
        ["number at column 10 is too large for a float: inf"],
    ]


def test_out_of_range_axis_is_written_shortly():
    with pytest.raises(ShapeError) as info:
        exprgrad.evaluate("sum(X, 1e300)", X=[1.0, 2.0])
    assert info.value.message == "sum at column 1: axis 1e+300 is out of range for shape (2,)"
    with pytest.raises(ShapeError, match="axis -3 is out of range"):
        exprgrad.evaluate("sum(X, -3)", X=[1.0, 2.0])


# -- gradient check ------------------------------------------------------------------------------


def _mlp_bindings(n: int, d: int, h: int, seed: int = 5) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "X": rng.standard_normal((n, d)),
        "W": rng.standard_normal((d, h)),
        "b": rng.standard_normal(h),
        "v": rng.standard_normal(h),
        "c": 0.1,
        "y": rng.standard_normal(n),
    }


def test_check_elementwise_rows_and_summary():
    bind = _mlp_bindings(4, 2, 3)
    rep = exprgrad.check(MLP, bind)
    assert rep.ok and rep.method == "elementwise"
    assert len(rep.rows) == 8 + 6 + 3 + 3 + 1 + 4
    assert rep.rows[0].variable == "X" and rep.rows[0].index == (0, 0)
    assert rep.rows[7].index == (3, 1)
    assert [r.index for r in rep.rows if r.variable == "c"] == [None]
    summary = worst_rows(rep)
    assert [(r.variable, n, bad) for r, n, bad in summary] == [
        ("X", 8, 0),
        ("W", 6, 0),
        ("b", 3, 0),
        ("v", 3, 0),
        ("c", 1, 0),
        ("y", 4, 0),
    ]


def test_check_switches_to_directional_above_the_limit():
    bind = _mlp_bindings(400, 3, 4)  # 1200 + 12 + 4 + 4 + 1 + 400 elements
    rep = exprgrad.check(MLP, bind)
    assert rep.ok and rep.method == "directional"
    assert [r.variable for r in rep.rows] == list("XWbvcy")
    again = exprgrad.check(MLP, bind, method="directional", seed=7)
    same = exprgrad.check(MLP, bind, method="directional", seed=7)
    assert [r.numeric for r in again.rows] == [r.numeric for r in same.rows]
    fresh = exprgrad.check(MLP, bind, method="directional")  # no seed: one is drawn, kept
    replay = exprgrad.check(MLP, bind, method="directional", seed=fresh.seed)
    assert isinstance(fresh.seed, int) and replay.seed == fresh.seed
    assert [r.numeric for r in replay.rows] == [r.numeric for r in fresh.rows]
    forced = exprgrad.check(MLP, _mlp_bindings(4, 2, 3), method="directional")
    assert forced.method == "directional" and forced.ok and len(forced.rows) == 6
    small = exprgrad.check(MLP, bind, method="elementwise", wrt=["b"])
    assert small.method == "elementwise" and len(small.rows) == 4 and small.ok


@pytest.mark.parametrize("method", ["elementwise", "directional"])
def test_check_catches_a_wrong_rule(monkeypatch, method):
    code = CODE["sigmoid"]
    good = np_engine.VJP[code]
    wrong = list(np_engine.VJP)
    wrong[code] = (lambda g, ans, x, y: 1.01 * good[0](g, ans, x, y), None)
    monkeypatch.setattr(np_engine, "VJP", wrong)
    rep = exprgrad.check(MLP, _mlp_bindings(4, 2, 3), method=method, seed=0)
    assert not rep.ok
    bad = {r.variable for r in rep.rows if not r.ok}
    assert {"X", "W", "b"} <= bad and "c" not in bad and "y" not in bad


def test_check_reports_kinks():
    rep = exprgrad.check("sum(relu(x) * y)", x=[0.0, 1.0, -1.0], y=[1.0, 2.0, 3.0])
    row = rep.rows[0]
    assert row.index == (0,) and not row.within_tolerance and row.ok
    assert row.kink.startswith("relu at column 5: its input is 0 at index (0,); relu has a kink")
    assert all(r.kink is None for r in rep.rows[1:])


class _NoCopy(list):
    """The values of a result, watched: the check must not copy them per element."""

    copies = 0

    def copy(self):
        _NoCopy.copies += 1
        return list.copy(self)

    def __getitem__(self, k):
        if isinstance(k, slice):
            _NoCopy.copies += 1
        return list.__getitem__(self, k)


def _pass_without_copies(f, bind):
    """A compiled expression whose check runs on one pass held in a ``_NoCopy`` list."""
    comp = f.compile(arrays=True)
    values = convert(bind)
    p = comp.run(values)
    p.v = _NoCopy(p.v)
    comp.run = lambda values: p
    return comp, values, p


def test_elementwise_check_works_in_place_and_leaves_the_values_as_they_were():
    """Cost O(elements x sub-program): no copy of the tape's values (or of the input) per
    element; every value is put back, even views of the moved input (transpose)."""
    f = exprgrad.parse("sum(relu(transpose(X)) * Y) + sum(Y * Y) * c")
    X = np.array([[0.0, 1.0, -2.0], [3.0, -4.0, 5.0]])
    bind = {"X": X, "Y": np.arange(6.0).reshape(3, 2) - 2, "c": 1.5}
    comp, values, p = _pass_without_copies(f, bind)
    before = [np.array(x, copy=True) for x in p.v]
    _NoCopy.copies = 0
    rep = check(comp, values, eps=1e-6, rtol=1e-5, atol=1e-8, method="elementwise")
    assert _NoCopy.copies == 0
    for a, b in zip(before, p.v):
        np.testing.assert_array_equal(a, b)
    assert rep.ok and len(rep.rows) == 6 + 6 + 1
    numeric = numeric_grad(f, bind, "Y")
    got = np.array([r.numeric for r in rep.rows if r.variable == "Y"]).reshape(3, 2)
    np.testing.assert_allclose(got, numeric, rtol=1e-6)
    kinks = [r.index for r in rep.rows if r.kink]
    assert kinks == [(0, 0)]
    assert "its input is 0 at index (0, 0)" in rep.rows[0].kink
    np.testing.assert_array_equal(X, [[0.0, 1.0, -2.0], [3.0, -4.0, 5.0]])  # the caller's input


def test_directional_check_keeps_the_values_too():
    f = exprgrad.parse(MLP)
    bind = _mlp_bindings(4, 2, 3)
    comp, values, p = _pass_without_copies(f, bind)
    before = list(p.v)
    _NoCopy.copies = 0
    rep = check(comp, values, eps=1e-6, rtol=1e-5, atol=1e-8, method="directional", seed=3)
    assert _NoCopy.copies == 0 and rep.ok and rep.seed == 3
    assert all(a is b for a, b in zip(before, p.v))


# -- start-up: scalar work never imports numpy ------------------------------------------------


def test_scalar_work_does_not_import_numpy():
    code = (
        "import sys, exprgrad\n"
        "r = exprgrad.gradients('(a + b^3) * c', a=7, b=3, c=2)\n"
        "assert (r.value, r.gradients) == (68.0, {'a': 2.0, 'b': 54.0, 'c': 34.0}), r\n"
        "exprgrad.check('relu(a) * tanh(b)', a=1, b=2)\n"
        "print('numpy' in sys.modules)\n"
    )
    assert run_python(code, 60).stdout.strip() == "False"
    code_arr = (
        "import sys, exprgrad\n"
        "exprgrad.evaluate('sum(x)', x=[1, 2])\n"
        "print('numpy' in sys.modules)\n"
    )
    assert run_python(code_arr, 60).stdout.strip() == "True"  # the check can fail


def test_errors_are_exprgrad_errors():
    with pytest.raises(ExprgradError):
        exprgrad.evaluate("sum(X @ X)", X=np.ones((2, 3)))
