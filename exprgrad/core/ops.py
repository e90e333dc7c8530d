"""Core layer: the ops table -- one row per operation, forward and local derivative side by side.

Each row holds the op's name, arity, its scalar forward rule and one vector-Jacobian rule per input
(HIPS autograd's ``defvjp`` is the model: a rule sees ``g`` (the parent's gradient), ``ans`` (the
op's own output, so exp/tanh/sigmoid reuse it), ``x`` and ``y`` (the inputs)), plus what tests need:
an example expression and the valid input range.  Rules are Python expression *templates*, never
user text: the scalar engine's loops are generated from them ahead of time
(exprgrad/engines/codegen.py), and the numpy engine compiles them, or the row's numpy templates
where the scalar rule does not vectorize, once at import (exprgrad/engines/numpy.py).

Adding an op = adding one row here (then ``python tools/gen_engine.py``); its derivative test is
automatic (tests/test_ops.py checks every row's example against central differences).

Names usable in templates: exp log sqrt sin cos tan tanh sigmoid softplus abs where maximum sign,
the operators, and ``x ** y`` (compiled to ``math.pow`` / the safe power, never a complex number).
Imports: stdlib only.
"""

from __future__ import annotations

#: how an op is written: a leaf (variable, constant), ``x + y``, ``-x``, or ``name(args)``
LEAF, INFIX, PREFIX, CALL = "leaf", "infix", "prefix", "call"


class Op:
    """One row of the ops table (a plain class: dataclasses cost start-up time)."""

    __slots__ = (
        "name", "arity", "fwd", "vjp", "form", "symbol", "example", "domain", "kink",
        "optional", "np_fwd", "np_vjp", "array_only",
    )  # fmt: skip

    def __init__(
        self,
        name: str,
        *,
        arity: int,
        fwd: str | None = None,  # scalar forward template in x, y (None for leaves)
        vjp: tuple[str | None, ...] = (),  # per input: template in g, ans, x, y (None: no grad)
        form: str = CALL,  # LEAF, INFIX, PREFIX or CALL (written name(args))
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
        self.form = form
        self.symbol = symbol
        self.example = example
        self.domain = domain
        self.kink = kink
        self.optional = optional
        self.np_fwd = np_fwd
        self.np_vjp = np_vjp
        self.array_only = array_only

    @property
    def label(self) -> str:
        """How messages name the op: its symbol (``+``, ``^``, ``@``) or its name (``log``)."""
        return self.symbol if self.form in (INFIX, PREFIX) and self.symbol else self.name

    def __repr__(self) -> str:
        return f"Op({self.name!r}, arity={self.arity})"


# Order matters only for speed: the generated loops test op codes in this order, so the most
# frequent ops come first.  Array rows name helpers of exprgrad/engines/numpy.py.
OPS: tuple[Op, ...] = (
    Op("var", arity=0, form=LEAF),
    Op("const", arity=0, form=LEAF),
    Op("add", arity=2, form=INFIX, symbol="+", fwd="x + y", vjp=("g", "g"), example="x + y"),
    Op("mul", arity=2, form=INFIX, symbol="*", fwd="x * y", vjp=("g * y", "g * x"),
       example="x * y"),
    Op("sub", arity=2, form=INFIX, symbol="-", fwd="x - y", vjp=("g", "-g"), example="x - y"),
    Op("tanh", arity=1, fwd="tanh(x)", vjp=("g * (1.0 - ans * ans)",), example="tanh(x)"),
    Op("div", arity=2, form=INFIX, symbol="/", fwd="x / y", vjp=("g / y", "-g * ans / y"),
       example="x / y", domain=((-3.0, 3.0), (0.5, 3.0))),
    Op("exp", arity=1, fwd="exp(x)", vjp=("g * ans",), example="exp(x)"),
    Op("log", arity=1, fwd="log(x)", vjp=("g / x",), example="log(x)", domain=((0.1, 5.0),)),
    # x ^ p, constant exponent: only the base gets a gradient, p * x^(p-1) (the lecture's Pow3)
    Op("powc", arity=2, form=INFIX, symbol="^", fwd="x ** y",
       vjp=("g * (y * x ** (y - 1.0)) if y != 0.0 else 0.0", None),
       np_fwd="power(x, y)", np_vjp=("power_vjp_x(g, x, y)", None),
       example="x ^ 3", domain=((-3.0, 3.0),)),
    # x ^ y where the exponent depends on an input: also d/dy = x^y ln x (computed only here)
    Op("pow", arity=2, form=INFIX, symbol="^", fwd="x ** y",
       vjp=("g * (y * x ** (y - 1.0)) if y != 0.0 else 0.0",
            "g * (ans * log(x)) if ans != 0.0 else 0.0"),
       np_fwd="power(x, y)",
       np_vjp=("power_vjp_x(g, x, y)", "where(ans == 0.0, 0.0, g * (ans * log(x)))"),
       example="x ^ y", domain=((0.2, 3.0), (-2.0, 2.0))),
    Op("neg", arity=1, form=PREFIX, symbol="-", fwd="-x", vjp=("-g",), example="-x"),
    Op("pos", arity=1, form=PREFIX, symbol="+", fwd="x", vjp=("g",), example="+x"),
    Op("sigmoid", arity=1, fwd="sigmoid(x)", vjp=("g * (ans * (1.0 - ans))",),
       example="sigmoid(x)"),
    Op("relu", arity=1, fwd="0.0 if x <= 0.0 else x", vjp=("g if x > 0.0 else 0.0",),
       np_fwd="where(x <= 0.0, 0.0, x)", np_vjp=("where(x > 0.0, g, 0.0)",),
       example="relu(x)", kink=True),
    Op("abs", arity=1, fwd="abs(x)", vjp=("(g if x > 0.0 else -g) if x != 0.0 else 0.0",),
       np_vjp=("g * sign(x)",), example="abs(x)", kink=True),
    Op("sqrt", arity=1, fwd="sqrt(x)", vjp=("g * 0.5 / ans",), example="sqrt(x)",
       domain=((0.1, 5.0),)),
    Op("sin", arity=1, fwd="sin(x)", vjp=("g * cos(x)",), example="sin(x)",
       domain=((-6.0, 6.0),)),
    Op("cos", arity=1, fwd="cos(x)", vjp=("-g * sin(x)",), example="cos(x)",
       domain=((-6.0, 6.0),)),
    Op("tan", arity=1, fwd="tan(x)", vjp=("g * (1.0 + ans * ans)",), example="tan(x)",
       domain=((-1.2, 1.2),)),
    Op("softplus", arity=1, fwd="softplus(x)", vjp=("g * sigmoid(x)",), example="softplus(x)"),
    # -- array-only rows: forward and vjp are helpers of exprgrad/engines/numpy.py ------------
    Op("matmul", arity=2, form=INFIX, symbol="@", array_only=True,
       np_fwd="matmul(x, y)", np_vjp=("matmul_vjp_x(g, x, y)", "matmul_vjp_y(g, x, y)"),
       example="X @ w"),
    Op("sum", arity=2, optional=1, array_only=True,
       np_fwd="reduce_sum(x, y)", np_vjp=("unreduce(g, x, y, False)", None),
       example="sum(X * X, 0)"),
    Op("mean", arity=2, optional=1, array_only=True,
       np_fwd="reduce_mean(x, y)", np_vjp=("unreduce(g, x, y, True)", None),
       example="mean(exp(X), 1)"),
    Op("transpose", arity=1, array_only=True,
       np_fwd="transpose(x)", np_vjp=("transpose(g)",), example="transpose(X)"),
)  # fmt: skip

CODE: dict[str, int] = {op.name: i for i, op in enumerate(OPS)}
VAR = CODE["var"]
CONST = CODE["const"]
#: ops called by name, ``NAME(args)`` -> row
FUNCTIONS: dict[str, Op] = {op.name: op for op in OPS if op.form == CALL}
#: built-in constants (cannot be bound)
CONSTANTS: dict[str, float] = {"pi": 3.141592653589793}
#: op codes that only exist for arrays: a graph holding one runs on the numpy engine
ARRAY_CODES = frozenset(c for c, op in enumerate(OPS) if op.array_only)
