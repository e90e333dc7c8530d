"""Engine layer: the ops table -- one row per operation, forward and local derivative side by side.

Each row holds the op's name, arity, its scalar forward rule and one vector-Jacobian rule per input
(HIPS autograd's ``defvjp`` is the model: a rule sees ``g`` (the parent's gradient), ``ans`` (the
op's own output, so exp/tanh/sigmoid reuse it), ``x`` and ``y`` (the inputs)), plus what tests need:
an example expression and the valid input range.  Rules are Python expression *templates*: the
engine (exprgrad/engine.py) compiles them into one generated forward loop and one reverse loop, and
again with IEEE-safe functions for the rare node that raised.  Array rows add numpy templates
(used by exprgrad/arrays.py).  Adding an op = adding one row here; its derivative test is automatic.

Names usable in templates: exp log sqrt sin cos tan tanh sigmoid softplus abs where maximum sign,
the operators, and ``x ** y`` (compiled to ``math.pow`` / the safe power, never a complex number).
Imports: stdlib only.
"""

from __future__ import annotations


class Op:
    """One row of the ops table (a plain class: dataclasses cost start-up time)."""

    __slots__ = (
        "name", "arity", "fwd", "vjp", "kind", "symbol", "example", "domain", "kink",
        "optional", "np_fwd", "np_vjp", "array_only",
    )  # fmt: skip

    def __init__(
        self,
        name: str,
        arity: int,
        fwd: str | None,  # scalar forward template in x, y (None for leaves)
        vjp: tuple[str | None, ...] = (),  # per input: template in g, ans, x, y (None: no grad)
        kind: str = "func",  # "leaf", "infix", "prefix" or "func" (called by name)
        symbol: str | None = None,  # how infix/prefix ops are written
        example: str | None = None,  # an expression exercising this op, for automatic tests
        domain: tuple[tuple[float, float], ...] = ((-3.0, 3.0),),  # test range per input
        kink: bool = False,  # not differentiable where its input is 0 (relu, abs)
        optional: int = 0,  # how many trailing arguments may be omitted (sum(x[, axis]))
        np_fwd: str | None = None,  # numpy template when the scalar one does not vectorize
        np_vjp: tuple[str | None, ...] | None = None,
        array_only: bool = False,  # only meaningful on arrays (the scalar engine never sees it)
    ):
        self.name = name
        self.arity = arity
        self.fwd = fwd
        self.vjp = vjp
        self.kind = kind
        self.symbol = symbol
        self.example = example
        self.domain = domain
        self.kink = kink
        self.optional = optional
        self.np_fwd = np_fwd
        self.np_vjp = np_vjp
        self.array_only = array_only

    def __repr__(self) -> str:
        return f"Op({self.name!r}, arity={self.arity})"


# Order matters only for speed: the generated loops test op codes in this order, so the most
# frequent ops come first.
OPS: tuple[Op, ...] = (
    Op("var", 0, None, kind="leaf"),
    Op("const", 0, None, kind="leaf"),
    Op("add", 2, "x + y", ("g", "g"), "infix", "+", "x + y"),
    Op("mul", 2, "x * y", ("g * y", "g * x"), "infix", "*", "x * y"),
    Op("sub", 2, "x - y", ("g", "-g"), "infix", "-", "x - y"),
    Op("tanh", 1, "tanh(x)", ("g * (1.0 - ans * ans)",), example="tanh(x)"),
    Op(
        "div",
        2,
        "x / y",
        ("g / y", "-g * ans / y"),
        "infix",
        "/",
        "x / y",
        domain=((-3.0, 3.0), (0.5, 3.0)),
    ),
    Op("exp", 1, "exp(x)", ("g * ans",), example="exp(x)"),
    Op("log", 1, "log(x)", ("g / x",), example="log(x)", domain=((0.1, 5.0),)),
    # x ^ p, constant exponent: only the base gets a gradient, p * x^(p-1) (the lecture's Pow3)
    Op(
        "powc",
        2,
        "x ** y",
        ("g * (y * x ** (y - 1.0)) if y != 0.0 else 0.0", None),
        "infix",
        "^",
        "x ^ 3",
        domain=((-3.0, 3.0),),
        np_fwd="power(x, y)",
        np_vjp=("power_vjp_x(g, x, y)", None),
    ),
    # x ^ y where the exponent depends on an input: also d/dy = x^y ln x (computed only here).
    Op(
        "pow",
        2,
        "x ** y",
        (
            "g * (y * x ** (y - 1.0)) if y != 0.0 else 0.0",
            "g * (ans * log(x)) if ans != 0.0 else 0.0",
        ),
        "infix",
        "^",
        "x ^ y",
        domain=((0.2, 3.0), (-2.0, 2.0)),
        np_fwd="power(x, y)",
        np_vjp=("power_vjp_x(g, x, y)", "where(ans == 0.0, 0.0, g * (ans * log(x)))"),
    ),
    Op("neg", 1, "-x", ("-g",), "prefix", "-", "-x"),
    Op("pos", 1, "x", ("g",), "prefix", "+", "+x"),
    Op("sigmoid", 1, "sigmoid(x)", ("g * (ans * (1.0 - ans))",), example="sigmoid(x)"),
    Op(
        "relu",
        1,
        "0.0 if x <= 0.0 else x",
        ("g if x > 0.0 else 0.0",),
        example="relu(x)",
        kink=True,
        np_fwd="where(x <= 0.0, 0.0, x)",
        np_vjp=("where(x > 0.0, g, 0.0)",),
    ),
    Op(
        "abs",
        1,
        "abs(x)",
        ("(g if x > 0.0 else -g) if x != 0.0 else 0.0",),
        example="abs(x)",
        kink=True,
        np_vjp=("g * sign(x)",),
    ),
    Op("sqrt", 1, "sqrt(x)", ("g * 0.5 / ans",), example="sqrt(x)", domain=((0.1, 5.0),)),
    Op("sin", 1, "sin(x)", ("g * cos(x)",), example="sin(x)", domain=((-6.0, 6.0),)),
    Op("cos", 1, "cos(x)", ("-g * sin(x)",), example="cos(x)", domain=((-6.0, 6.0),)),
    Op("tan", 1, "tan(x)", ("g * (1.0 + ans * ans)",), example="tan(x)", domain=((-1.2, 1.2),)),
    Op("softplus", 1, "softplus(x)", ("g * sigmoid(x)",), example="softplus(x)"),
    # Array ops: forward and vjp are helpers of exprgrad/arrays.py (shape-dependent rules).
    Op(
        "matmul",
        2,
        None,
        kind="infix",
        symbol="@",
        array_only=True,
        np_fwd="matmul(x, y)",
        np_vjp=("matmul_vjp_x(g, x, y)", "matmul_vjp_y(g, x, y)"),
    ),
    Op(
        "sum",
        2,
        None,
        optional=1,
        array_only=True,
        np_fwd="reduce_sum(x, y)",
        np_vjp=("unreduce(g, x, y, False)", None),
    ),
    Op(
        "mean",
        2,
        None,
        optional=1,
        array_only=True,
        np_fwd="reduce_mean(x, y)",
        np_vjp=("unreduce(g, x, y, True)", None),
    ),
    Op(
        "transpose",
        1,
        None,
        array_only=True,
        np_fwd="transpose(x)",
        np_vjp=("transpose(g)",),
    ),
)

CODE: dict[str, int] = {op.name: i for i, op in enumerate(OPS)}
VAR = CODE["var"]
CONST = CODE["const"]
#: ops called by name, ``NAME(args)`` -> row
FUNCTIONS: dict[str, Op] = {op.name: op for op in OPS if op.kind == "func"}
#: built-in constants (cannot be bound)
CONSTANTS: dict[str, float] = {"pi": 3.141592653589793}
