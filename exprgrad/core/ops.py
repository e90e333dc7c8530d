"""Core layer: the ops table -- one row per operation, forward rule and local derivatives side by
side.

Each row holds the op's name, arity and how it is written; its scalar forward rule ``fwd`` and,
per input, its local derivative ``d`` = ∂(op)/∂(input) (HIPS autograd's ``defvjp`` is the model);
what people read (``syntax``, ``derivative``, and ``rule``, the lecture's words for what the op
sends its children); and what tests need: an ``example`` expression and the valid input range
``domain``; where it is not smooth: ``kink`` (not differentiable where that template is 0: relu's
"x") and ``edge`` (a pole or the edge of its domain where that template is 0: log's "x", div's
"y"), which the gradient check reads to excuse a row or to choose its step (``kink_rule``: what
backprop does at the kink, for the check's explanation); ``int_args``: inputs that take integers
(an index, labels) and get no gradient -- an input variable feeding one is an integer input,
never differentiated, perturbed or trained.  Rules are Python
expression *templates* over ``ans`` (the op's own output, so
exp/tanh/sigmoid reuse it), ``x`` and ``y`` (the inputs) -- never user text.

Backprop is the lecture's ``child.grad += parent.grad * d(parent)/d(child)``: every engine sends
each child ``g * (d)`` in IEEE arithmetic, so a convention may fix a local derivative (relu'(0) =
0, abs'(0) = 0) but no rule ever returns 0 whatever the incoming gradient (an inf or nan ``g``
stays visible), and nan in is nan out.  The scalar engine's loops are generated from the
templates ahead of time (exprgrad/engines/codegen.py); the numpy engine compiles them -- or the
row's ``np_d``/``np_fwd`` where a scalar template does not vectorize -- at import
(exprgrad/engines/numpy.py).  Array-only rows (``@``, ``sum`` ...) have no elementwise local
derivative: ``np_vjp`` gives the contribution ``g`` -> child directly (``matmul_vjp_x`` ...), and
``derivative``/``rule`` say it in matrix form.

Adding an op = adding one row here (then ``python tools/gen_engine.py``); its derivative test is
automatic (tests/test_ops.py, tests/test_arrays.py check every row's example against central
differences).  Names usable in templates: exp log sqrt sin cos tan tanh sigmoid softplus abs,
log_sigmoid, where maximum sign nan inf, the operators, and ``x ** y`` (compiled to ``math.pow`` /
the safe power, never a complex number).  Imports: stdlib only.
"""

from __future__ import annotations

#: how an op is written: a leaf (variable, constant), ``x + y``, ``-x``, or ``name(args)``
LEAF, INFIX, PREFIX, CALL = "leaf", "infix", "prefix", "call"
#: ``x[k]``: indexing, written after its operand
INDEX = "index"


class Op:
    """One row of the ops table (a plain class: dataclasses cost start-up time)."""

    __slots__ = (
        "name", "arity", "fwd", "d", "form", "symbol", "example", "domain", "kink", "edge",
        "optional", "kink_rule", "int_args",
        "np_fwd", "np_d", "np_vjp", "array_only", "syntax", "derivative", "rule",
    )  # fmt: skip

    def __init__(
        self,
        name: str,
        *,
        arity: int,
        fwd: str | None = None,  # scalar forward template in x, y (None for leaves, array ops)
        d: tuple[str | None, ...] = (),  # per input: ∂op/∂input in ans, x, y (None: no grad)
        form: str = CALL,  # LEAF, INFIX, PREFIX or CALL (written name(args))
        symbol: str | None = None,  # how infix/prefix ops are written
        example: str | None = None,  # an expression exercising this op, for automatic tests
        domain: tuple[tuple[float, float], ...] = ((-3.0, 3.0),),  # test range per input
        kink: str | None = None,  # in x, y: not differentiable where this is 0 (relu: "x")
        edge: str | None = None,  # in x, y: a pole or the domain's edge where this is 0 (log: "x")
        optional: int = 0,  # how many trailing arguments may be omitted (sum(x[, axis]))
        kink_rule: str = "",  # what backprop does at the kink, for the check's explanation
        int_args: tuple[int, ...] = (),  # inputs that take integers (an index, labels): no grad
        np_fwd: str | None = None,  # numpy template when the scalar one does not vectorize
        np_d: tuple[str | None, ...] | None = None,  # numpy local derivatives, likewise
        np_vjp: tuple[str | None, ...] | None = None,  # array ops: contribution in g, ans, x, y
        array_only: bool = False,  # only meaningful on arrays (the scalar engine never sees it)
        syntax: str = "",  # how it is written, for people: "x + y", "sum(x[, axis])"
        derivative: str = "",  # the local derivative(s), for people
        rule: str = "",  # what backprop sends each child, in the lecture's words
    ):
        self.name = name
        self.arity = arity
        self.fwd = fwd
        self.d = d
        self.form = form
        self.symbol = symbol
        self.example = example
        self.domain = domain
        self.kink = kink
        self.edge = edge
        self.optional = optional
        self.kink_rule = kink_rule
        self.int_args = int_args
        self.np_fwd = np_fwd
        self.np_d = np_d
        self.np_vjp = np_vjp
        self.array_only = array_only
        self.syntax = syntax
        self.derivative = derivative
        self.rule = rule

    @property
    def label(self) -> str:
        """How messages name the op: its symbol (``+``, ``^``, ``@``) or its name (``log``)."""
        return self.symbol if self.form in (INFIX, PREFIX) and self.symbol else self.name

    def __repr__(self) -> str:
        return f"Op({self.name!r}, arity={self.arity})"


_GENERIC = "the child gets the parent's gradient × the derivative above"

# Order matters only for speed: the generated loops test op codes in this order, so the most
# frequent ops come first.  Array rows name helpers of exprgrad/engines/numpy.py.
OPS: tuple[Op, ...] = (
    Op("var", arity=0, form=LEAF, syntax="a name: x, w, X_1",
       rule="an input: nothing to propagate"),
    Op("const", arity=0, form=LEAF, syntax="a number: 3, 1e-3, pi",
       rule="a constant: nothing to propagate"),
    Op("add", arity=2, form=INFIX, symbol="+", fwd="x + y", d=("1.0", "1.0"),
       syntax="x + y", derivative="∂/∂x = 1, ∂/∂y = 1",
       rule="each child gets the parent's gradient × 1", example="x + y"),
    Op("mul", arity=2, form=INFIX, symbol="*", fwd="x * y", d=("y", "x"),
       syntax="x * y", derivative="∂/∂x = y, ∂/∂y = x",
       rule="each child gets the parent's gradient × the other child's value", example="x * y"),
    Op("sub", arity=2, form=INFIX, symbol="-", fwd="x - y", d=("1.0", "-1.0"),
       syntax="x - y", derivative="∂/∂x = 1, ∂/∂y = -1",
       rule="the left child gets the parent's gradient × 1, the right one × -1",
       example="x - y"),
    Op("tanh", arity=1, fwd="tanh(x)", d=("1.0 - ans * ans",),
       syntax="tanh(x)", derivative="1 - tanh(x)²", rule=_GENERIC, example="tanh(x)"),
    Op("div", arity=2, form=INFIX, symbol="/", fwd="x / y", d=("1.0 / y", "-ans / y"),
       syntax="x / y", derivative="∂/∂x = 1/y, ∂/∂y = -x/y²",
       rule="the numerator gets the parent's gradient × 1/y, the denominator × -x/y²",
       example="x / y", domain=((-3.0, 3.0), (0.5, 3.0)), edge="y"),
    Op("exp", arity=1, fwd="exp(x)", d=("ans",),
       syntax="exp(x)", derivative="exp(x)", rule=_GENERIC, example="exp(x)"),
    Op("log", arity=1, fwd="log(x)", d=("1.0 / x",),
       syntax="log(x)", derivative="1/x (natural log; x > 0)", rule=_GENERIC,
       example="log(x)", domain=((0.1, 5.0),), edge="x"),
    # x ^ p, constant exponent: only the base gets a gradient, p * x^(p-1) (the lecture's Pow3);
    # x^0 is constant, so its derivative is 0 wherever p is 0, x = 0 included
    Op("powc", arity=2, form=INFIX, symbol="^", fwd="x ** y",
       d=("0.0 if y == 0.0 else y * x ** (y - 1.0)", None),
       np_fwd="power(x, y)", np_d=("power_d_x(x, y)", None),
       syntax="x ^ p  (or x ** p; p a constant)", derivative="p·x^(p-1)",
       rule="the child gets the parent's gradient × p·child^(p-1)",
       example="x ^ 3", domain=((-3.0, 3.0),)),
    # x ^ y where the exponent depends on an input: also ∂/∂y = x^y ln x, which is nan for a
    # negative base (y -> (-2)^y is not differentiable) and 0 for 0^y with y > 0 (constant 0)
    Op("pow", arity=2, form=INFIX, symbol="^", fwd="x ** y",
       d=("0.0 if y == 0.0 else y * x ** (y - 1.0)",
          "nan if x < 0.0 else 0.0 if x == 0.0 and ans == 0.0 else ans * log(x)"),
       np_fwd="power(x, y)",
       np_d=("power_d_x(x, y)",
             "where(x < 0.0, nan, where((x == 0.0) & (ans == 0.0), 0.0, ans * log(x)))"),
       syntax="x ^ y  (y an expression of the inputs)",
       derivative="∂/∂x = y·x^(y-1), ∂/∂y = x^y·ln x", rule=_GENERIC,
       example="x ^ y", domain=((0.2, 3.0), (-2.0, 2.0)), edge="x"),
    Op("neg", arity=1, form=PREFIX, symbol="-", fwd="-x", d=("-1.0",),
       syntax="-x", derivative="-1", rule="the child gets the parent's gradient × -1",
       example="-x"),
    Op("pos", arity=1, form=PREFIX, symbol="+", fwd="x", d=("1.0",),
       syntax="+x", derivative="1", rule="the child gets the parent's gradient × 1",
       example="+x"),
    Op("sigmoid", arity=1, fwd="sigmoid(x)", d=("ans * (1.0 - ans)",),
       syntax="sigmoid(x)", derivative="σ(x)·(1 - σ(x))", rule=_GENERIC,
       example="sigmoid(x)"),
    Op("relu", arity=1, fwd="0.0 if x <= 0.0 else x",
       d=("1.0 if x > 0.0 else 0.0 if x <= 0.0 else nan",),
       np_fwd="where(x <= 0.0, 0.0, x)", np_d=("where(x > 0.0, 1.0, where(x <= 0.0, 0.0, nan))",),
       syntax="relu(x)", derivative="1 if x > 0, 0 if x ≤ 0 (relu'(0) = 0)",
       rule="the child gets the parent's gradient × 1 if the child > 0, × 0 if it is ≤ 0",
       example="relu(x)", kink="x"),
    Op("abs", arity=1, fwd="abs(x)",
       d=("1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0 if x == 0.0 else nan",),
       np_d=("sign(x)",),
       syntax="abs(x)", derivative="sign(x) (abs'(0) = 0)",
       rule="the child gets the parent's gradient × sign(child)", example="abs(x)", kink="x"),
    # max/min: a kink where the inputs are equal; there each input gets half of the gradient
    # (PyTorch's convention for maximum/minimum: max(x, x) = x gets exactly 1); nan in, nan out
    Op("max", arity=2, fwd="x if x >= y else y if x < y else nan",
       d=("1.0 if x > y else 0.0 if x < y else 0.5 if x == y else nan",
          "0.0 if x > y else 1.0 if x < y else 0.5 if x == y else nan"),
       np_fwd="where(x >= y, x, where(x < y, y, nan))",
       np_d=("where(x > y, 1.0, where(x < y, 0.0, where(x == y, 0.5, nan)))",
             "where(x > y, 0.0, where(x < y, 1.0, where(x == y, 0.5, nan)))"),
       syntax="max(x, y)  (the larger of two values, elementwise; relu(z) = max(z, 0))",
       derivative="∂/∂x = 1 where x > y, 0 where x < y; ∂/∂y the other way round; ½ each where "
       "x = y",
       rule="the larger child gets the parent's gradient × 1, the other × 0; on a tie each gets "
       "× ½", example="max(x, y)", domain=((-3.0, 3.0), (-3.0, 3.0)), kink="x - y",
       kink_rule="backprop sends ½ of the gradient to each input"),
    Op("min", arity=2, fwd="x if x <= y else y if x > y else nan",
       d=("1.0 if x < y else 0.0 if x > y else 0.5 if x == y else nan",
          "0.0 if x < y else 1.0 if x > y else 0.5 if x == y else nan"),
       np_fwd="where(x <= y, x, where(x > y, y, nan))",
       np_d=("where(x < y, 1.0, where(x > y, 0.0, where(x == y, 0.5, nan)))",
             "where(x < y, 0.0, where(x > y, 1.0, where(x == y, 0.5, nan)))"),
       syntax="min(x, y)  (the smaller of two values, elementwise)",
       derivative="∂/∂x = 1 where x < y, 0 where x > y; ∂/∂y the other way round; ½ each where "
       "x = y",
       rule="the smaller child gets the parent's gradient × 1, the other × 0; on a tie each gets "
       "× ½", example="min(x, y)", domain=((-3.0, 3.0), (-3.0, 3.0)), kink="x - y",
       kink_rule="backprop sends ½ of the gradient to each input"),
    Op("sqrt", arity=1, fwd="sqrt(x)", d=("0.5 / ans",),
       syntax="sqrt(x)", derivative="1/(2·sqrt(x))", rule=_GENERIC,
       example="sqrt(x)", domain=((0.1, 5.0),), edge="x"),
    Op("sin", arity=1, fwd="sin(x)", d=("cos(x)",),
       syntax="sin(x)", derivative="cos(x)", rule=_GENERIC,
       example="sin(x)", domain=((-6.0, 6.0),)),
    Op("cos", arity=1, fwd="cos(x)", d=("-sin(x)",),
       syntax="cos(x)", derivative="-sin(x)", rule=_GENERIC,
       example="cos(x)", domain=((-6.0, 6.0),)),
    Op("tan", arity=1, fwd="tan(x)", d=("1.0 + ans * ans",),
       syntax="tan(x)", derivative="1 + tan(x)²", rule=_GENERIC,
       example="tan(x)", domain=((-1.2, 1.2),), edge="cos(x)"),
    Op("softplus", arity=1, fwd="softplus(x)", d=("sigmoid(x)",),
       syntax="softplus(x)", derivative="sigmoid(x)  (softplus(x) = log(1 + exp(x)))",
       rule=_GENERIC, example="softplus(x)"),
    # log(sigmoid(x)) = -softplus(-x) without underflow: log(sigmoid(-1000)) is -1000, not
    # log(0); the parser builds this node for log(sigmoid(x)) and log(1 - sigmoid(x))
    Op("log_sigmoid", arity=1, fwd="log_sigmoid(x)", d=("sigmoid(-x)",),
       syntax="log_sigmoid(x)  (log(sigmoid(x)), stable for any x; log(sigmoid(x)) is built as "
       "this node)",
       derivative="sigmoid(-x) = 1 - σ(x)", rule=_GENERIC, example="log_sigmoid(x)"),
    # -- array-only rows: forward and contribution are helpers of exprgrad/engines/numpy.py ---
    Op("matmul", arity=2, form=INFIX, symbol="@", array_only=True,
       np_fwd="matmul(x, y)", np_vjp=("matmul_vjp_x(g, x, y)", "matmul_vjp_y(g, x, y)"),
       syntax="X @ Y  (matrix or vector product)", derivative="∂/∂X: G @ Yᵀ, ∂/∂Y: Xᵀ @ G",
       rule="X.grad += G @ Yᵀ and Y.grad += Xᵀ @ G (G: the parent's gradient)",
       example="X @ w"),
    Op("sum", arity=2, optional=1, array_only=True,
       np_fwd="reduce_sum(x, y)", np_vjp=("unreduce(g, x, y, False)", None),
       syntax="sum(x[, axis])", derivative="1 for every element summed",
       rule="every element of the child gets the parent's gradient (spread back over the "
       "summed axis)",
       example="sum(X * X, 0)"),
    Op("mean", arity=2, optional=1, array_only=True,
       np_fwd="reduce_mean(x, y)", np_vjp=("unreduce(g, x, y, True)", None),
       syntax="mean(x[, axis])", derivative="1/n for each of the n elements averaged",
       rule="every element of the child gets the parent's gradient / n",
       example="mean(exp(X), 1)"),
    Op("transpose", arity=1, array_only=True,
       np_fwd="transpose(x)", np_vjp=("transpose(g)",),
       syntax="transpose(X)", derivative="the gradient, transposed back",
       rule="the child gets the parent's gradient, transposed", example="transpose(X)"),
    # -- indexing and the softmax family: integer arguments (int_args) get no gradient -----------
    Op("index", arity=2, form=INDEX, symbol="[]", array_only=True, int_args=(1,),
       np_fwd="index(x, y)", np_vjp=("index_vjp(g, x, y)", None),
       syntax="x[k]  (0-based: p[0] is the first element, p[-1] the last; X[i] is row i, "
       "X[i, j] an element; k a number or an integer input)",
       derivative="1 for the element picked, 0 for the others",
       rule="the picked element of the child gets the parent's gradient, the others 0; the "
       "index gets none", example="X[1]"),
    Op("pick", arity=2, array_only=True, int_args=(1,),
       np_fwd="pick(x, y)", np_vjp=("pick_vjp(g, x, y)", None),
       syntax="pick(P, labels)  (row i's entry in column labels[i], for a matrix P of n rows "
       "and n integer labels; pick(p, k) = p[k])",
       derivative="1 for each picked entry, 0 for the others",
       rule="each picked entry of P gets the parent's gradient for its row, the others 0; the "
       "labels get none", example="pick(X, labels)"),
    Op("logsumexp", arity=2, optional=1, array_only=True,
       np_fwd="logsumexp(x, y)", np_vjp=("logsumexp_vjp(g, ans, x, y)", None),
       syntax="logsumexp(x[, axis])  (log(sum(exp(x))) without overflow; log(sum(exp(x))) is "
       "built as this node)",
       derivative="softmax(x): exp(x - logsumexp(x)) for each element",
       rule="each element of the child gets the parent's gradient × its softmax weight",
       example="logsumexp(X, 1)"),
    Op("softmax", arity=2, optional=1, array_only=True,
       np_fwd="softmax(x, y)", np_vjp=("softmax_vjp(g, ans, x, y)", None),
       syntax="softmax(x[, axis])  (exp(x) / sum(exp(x)), without overflow; a matrix needs "
       "the axis: softmax(P, 1) for each row)",
       derivative="∂sᵢ/∂xⱼ = sᵢ·(δᵢⱼ - sⱼ)",
       rule="the child gets s × (G - sum(G × s)) (G: the parent's gradient, s: the softmax)",
       example="softmax(X, 1)"),
    Op("log_softmax", arity=2, optional=1, array_only=True,
       np_fwd="log_softmax(x, y)", np_vjp=("log_softmax_vjp(g, ans, x, y)", None),
       syntax="log_softmax(x[, axis])  (x - logsumexp(x), without overflow; a matrix needs the "
       "axis; log(softmax(x)) is built as this node)",
       derivative="∂/∂xⱼ of the i-th output = δᵢⱼ - softmax(x)ⱼ",
       rule="the child gets G - softmax(x) × sum(G) (G: the parent's gradient)",
       example="log_softmax(X, 0)"),
)  # fmt: skip


def contribution(local: str) -> str:
    """What a node sends a child, as a template: ``g * (local)`` -- or ``g`` / ``-g`` for a
    local derivative of 1 / -1, the same IEEE number (``g * 1.0 == g`` for every float, nan and
    -0.0 included) without the multiplication."""
    if local == "1.0":
        return "g"
    if local == "-1.0":
        return "-g"
    return f"g * ({local})"


def contributions(op: Op, numpy: bool = False) -> tuple[str | None, str | None]:
    """A row's contribution templates per input (None: no gradient to that input): ``np_vjp``
    for array ops, else ``g * (local derivative)`` (the numpy ``np_d`` where ``numpy``)."""
    if numpy and op.np_vjp is not None:
        out = list(op.np_vjp)
    else:
        local = op.np_d if numpy and op.np_d is not None else op.d
        out = [None if tpl is None else contribution(tpl) for tpl in local]
    out = (out + [None, None])[:2]
    return out[0], out[1]


CODE: dict[str, int] = {op.name: i for i, op in enumerate(OPS)}
VAR = CODE["var"]
CONST = CODE["const"]
#: ops called by name, ``NAME(args)`` -> row
FUNCTIONS: dict[str, Op] = {op.name: op for op in OPS if op.form == CALL}
#: built-in constants (cannot be bound)
CONSTANTS: dict[str, float] = {"pi": 3.141592653589793}
#: built-in constants only where nothing gives the name a value: a binding or a file's
#: definition of ``e`` makes it a variable (the lecture names a node e)
SOFT_CONSTANTS: dict[str, float] = {"e": 2.718281828459045}
#: op codes whose graph needs integers in some input (``int_args``): indexing, labels
INT_ARG_CODES = frozenset(c for c, op in enumerate(OPS) if op.int_args)
#: op codes that only exist for arrays: a graph holding one runs on the numpy engine
ARRAY_CODES = frozenset(c for c, op in enumerate(OPS) if op.array_only)
