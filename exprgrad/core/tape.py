"""Core layer: the computation graph as a flat tape, built by the parser while it parses.

Nodes are integers. Per node the tape keeps parallel lists: ``code`` (an op code of
exprgrad/core/ops.py), ``ax``/``ay`` (children, -1 where absent; a unary op repeats its child in
``ay``), ``src`` (the token index in its source line, resolved to a column only when a message
needs it), ``val`` (a leaf's value; None for op nodes until a forward pass) and ``dep`` (1 if it
depends on an input). A variable used twice is one node, so graphs are DAGs; children always have
smaller indices than parents, so index order is a topological order and nothing here ever recurses.

``Tape`` is also the parser's *builder*: exprgrad/syntax/parser.py calls ``begin`` and then one
method per grammar alias (``add``, ``mul``, ``number``, ``var``, ``call``, ``index`` ...) with child
node indices and token indices. Errors it raises carry facts (an unknown function's name); the
syntax layer adds the words ("did you mean").

Two decisions are made here, while parsing:

* ``e`` (``SOFT_CONSTANTS``) is Euler's number unless the tape was told it names a variable
  (``named``: a binding, a file's definition of ``e``); ``soft_used`` records that a text read it
  as the constant, so an expression can be parsed again once a binding makes it a variable.
* The unstable spellings of stable ops become the stable node (``FUSED``): ``log(sigmoid(x))`` ->
  ``log_sigmoid(x)``, ``log(1 - sigmoid(x))`` -> ``log_sigmoid(-x)``, ``log(1 + exp(x))`` ->
  ``softplus(x)``, ``log(sum(exp(x)[, axis]))`` -> ``logsumexp(x[, axis])``,
  ``log(softmax(x[, axis]))`` -> ``log_softmax(x[, axis])``.  The nodes the short form replaced
  stay on the tape but nothing reaches them: ``dead`` lists them, and an output's nodes are then
  its cone (``cone``), so they never show up in results, warnings or graph views.

Imports: stdlib, exprgrad.core.ops, exprgrad.errors.
"""

from __future__ import annotations

from bisect import bisect_right

from ..errors import ArityError, ExprNameError
from .ops import CODE, CONST, CONSTANTS, FUNCTIONS, OPS, SOFT_CONSTANTS, VAR

#: what ``log(...)`` of these spellings is built as (see the module docstring)
FUSED = {
    "log(sigmoid(x))": "log_sigmoid(x)",
    "log(1 - sigmoid(x))": "log_sigmoid(-x)",
    "log(1 + exp(x))": "softplus(x)",
    "log(sum(exp(x)[, axis]))": "logsumexp(x[, axis])",
    "log(softmax(x[, axis]))": "log_softmax(x[, axis])",
}


class Tape:
    """A growing computation graph (one expression, or every line of a batch)."""

    def __init__(self) -> None:
        self.code: list[int] = []
        self.ax: list[int] = []
        self.ay: list[int] = []
        self.src: list[int] = []
        self.val: list[float | None] = []
        self.dep = bytearray()
        #: input name -> its node (insertion order = order of first appearance)
        self.vars: dict[str, int] = {}
        #: named intermediate nodes (batch definitions) that ``var`` resolves to
        self.scope: dict[str, int] = {}
        #: node of the first token of each parsed text: (first node, text), for columns
        self._texts: list[tuple[int, str]] = []
        self._text_starts: list[int] = []
        self.toks: list[str] = []
        #: nodes of array-only ops (matmul, sum, ...): a graph with none runs on the scalar engine
        self.array_ops: dict[int, None] = {}
        #: number literals too large for a float (they read as inf); dicts: ordered sets
        self.overflows: dict[int, None] = {}
        #: nodes a fused form replaced (``log(sigmoid(x))``): on the tape, reached by nothing
        self.dead: dict[int, None] = {}
        #: names of ``SOFT_CONSTANTS`` that are variables here (bound, or defined in a file)
        self.named: set[str] = set()
        #: soft constants read as their value (``e`` as Euler's number), in order of use
        self.soft_used: dict[str, None] = {}

    # -- parser builder interface ---------------------------------------------------------
    def begin(self, text: str, toks: list[str]) -> None:
        self.toks = toks
        self._text_starts.append(len(self.val))
        self._texts.append((len(self.val), text))

    def _leaf(self, code: int, value: float | None, k: int, dep: int) -> int:
        n = len(self.val)
        self.code.append(code)
        self.ax.append(-1)
        self.ay.append(-1)
        self.src.append(k)
        self.val.append(value)
        self.dep.append(dep)
        return n

    def number(self, k: int) -> int:
        value = float(self.toks[k])
        if value == _INF:  # a literal beyond the float range (1e999): warned about later
            self.overflows[len(self.val)] = None
        return self._leaf(CONST, value, k, 0)

    def var(self, k: int) -> int:
        name = self.toks[k]
        node = self.scope.get(name)
        if node is not None:
            return node
        node = self.vars.get(name)
        if node is not None:
            return node
        if name in CONSTANTS:
            return self._leaf(CONST, CONSTANTS[name], k, 0)
        if name in SOFT_CONSTANTS and name not in self.named:
            self.soft_used[name] = None
            return self._leaf(CONST, SOFT_CONSTANTS[name], k, 0)
        node = self.vars[name] = self._leaf(VAR, None, k, 1)
        return node

    def node(self, code: int, x: int, y: int, k: int) -> int:
        """Append an op node with children x and y (y == x for unary ops)."""
        n = len(self.val)
        self.code.append(code)
        self.ax.append(x)
        self.ay.append(y)
        self.src.append(k)
        self.val.append(None)
        dep = self.dep
        dep.append(dep[x] | dep[y])
        return n

    def add(self, a: int, k: int, b: int) -> int:
        return self.node(_ADD, a, b, k)

    def sub(self, a: int, k: int, b: int) -> int:
        return self.node(_SUB, a, b, k)

    def mul(self, a: int, k: int, b: int) -> int:
        return self.node(_MUL, a, b, k)

    def div(self, a: int, k: int, b: int) -> int:
        return self.node(_DIV, a, b, k)

    def matmul(self, a: int, k: int, b: int) -> int:
        self.array_ops[len(self.val)] = None
        return self.node(_MATMUL, a, b, k)

    def pow(self, a: int, k: int, b: int) -> int:
        # a constant exponent differentiates only the base (no ln x): b^3 at b = -2 is fine
        return self.node(_POW if self.dep[b] else _POWC, a, b, k)

    def neg(self, k: int, a: int) -> int:
        return self.node(_NEG, a, a, k)

    def pos(self, k: int, a: int) -> int:
        return self.node(_POS, a, a, k)

    def args(self, *nodes: int) -> list[int]:
        return list(nodes)

    def call(self, k: int, _lpar: int, *rest) -> int:
        name = self.toks[k]
        args = rest[0] if len(rest) == 2 else []
        op = FUNCTIONS.get(name)
        if op is None:  # the syntax layer adds "did you mean" to the message
            raise ExprNameError(
                f"unknown function '{name}'", token_index=k, name=name, reason="unknown function"
            )
        lo = op.arity - op.optional
        if not lo <= len(args) <= op.arity:
            want = str(op.arity) if not op.optional else f"{lo} or {op.arity}"
            s = "" if op.arity == 1 and not op.optional else "s"
            raise ArityError(f"{name}() takes {want} argument{s}, got {len(args)}", token_index=k)
        x = args[0]
        if name == "log":
            fused = self._fuse_log(x, k)
            if fused is not None:
                return fused
        if op.array_only:
            self.array_ops[len(self.val)] = None
        y = args[1] if len(args) > 1 else (x if op.arity == 1 else -1)
        return self.node(CODE[name], x, y, k)

    def index(self, a: int, k: int, args: list[int], _k_end: int) -> int:
        """``a[i]``, ``a[i, j]`` (= ``a[i][j]``): one index node per index."""
        if len(args) > 2:
            raise ArityError(f"an index takes 1 or 2 numbers, got {len(args)}", token_index=k)
        for i in args:
            self.array_ops[len(self.val)] = None
            a = self.node(_INDEX, a, i, k)
        return a

    # -- fused forms: log(...) of an unstable spelling is built as the stable op ------------------
    def _fuse_log(self, n: int, k: int) -> int | None:
        """The stable node for ``log(n)`` when n is one of the ``FUSED`` spellings, else None."""
        code, ax, ay = self.code, self.ax, self.ay
        c = code[n]
        if c == _SIGMOID:  # log(sigmoid(x)) -> log_sigmoid(x)
            self._kill(n)
            return self.node(_LOG_SIGMOID, ax[n], ax[n], k)
        if c == _SOFTMAX:  # log(softmax(x[, axis])) -> log_softmax(x[, axis])
            self._kill(n)
            self.array_ops[len(self.val)] = None
            return self.node(_LOG_SOFTMAX, ax[n], ay[n], k)
        if c == _SUM and code[ax[n]] == _EXP:  # log(sum(exp(x)[, axis])) -> logsumexp
            e = ax[n]
            self._kill(n, e)
            self.array_ops[len(self.val)] = None
            return self.node(_LOGSUMEXP, ax[e], ay[n], k)
        if c == _SUB and self._is_one(ax[n]) and code[ay[n]] == _SIGMOID:
            s = ay[n]  # log(1 - sigmoid(x)) -> log_sigmoid(-x)
            self._kill(n, ax[n], s)
            neg = self.node(_NEG, ax[s], ax[s], self.src[n])
            return self.node(_LOG_SIGMOID, neg, neg, k)
        if c == _ADD:  # log(1 + exp(x)), log(exp(x) + 1) -> softplus(x)
            one, e = (ax[n], ay[n]) if self._is_one(ax[n]) else (ay[n], ax[n])
            if self._is_one(one) and code[e] == _EXP:
                self._kill(n, one, e)
                return self.node(_SOFTPLUS, ax[e], ax[e], k)
        return None

    def _is_one(self, n: int) -> bool:
        return self.code[n] == CONST and self.val[n] == 1.0

    def _kill(self, *nodes: int) -> None:
        """Mark the replaced nodes dead -- only those of the text being parsed: a node of an
        earlier text (a file's definition) is still reached from its own name."""
        start = self._text_starts[-1] if self._text_starts else 0
        for n in sorted(nodes):  # in node order, as truncate expects
            if n >= start:
                self.dead[n] = None

    def assign(self, k: int, node: int) -> tuple[str, int, int]:
        """A statement ``name = expr``: returned as (name, node, name's token index)."""
        return (self.toks[k], node, k)

    # -- queries -------------------------------------------------------------------------
    @property
    def has_array_ops(self) -> bool:
        """Whether any node still on the tape is an array-only op."""
        return bool(self.array_ops)

    def __len__(self) -> int:
        return len(self.val)

    def children(self, n: int) -> tuple[int, ...]:
        x, y = self.ax[n], self.ay[n]
        if x < 0:
            return ()
        arity = OPS[self.code[n]].arity
        if arity == 1 or y < 0:
            return (x,)
        return (x, y)

    def text_of(self, n: int) -> tuple[int, str]:
        """(index of the text's first node, the source text) that node n was parsed from."""
        return self._texts[bisect_right(self._text_starts, n) - 1]

    def cone(self, root: int) -> list[int]:
        """Every node that ``root`` depends on (itself included), in topological order."""
        seen = bytearray(root + 1)
        stack = [root]
        out = []
        ax, ay = self.ax, self.ay
        while stack:
            n = stack.pop()
            if seen[n]:
                continue
            seen[n] = 1
            out.append(n)
            x = ax[n]
            if x >= 0:
                if not seen[x]:
                    stack.append(x)
                y = ay[n]
                if y >= 0 and not seen[y]:
                    stack.append(y)
        out.sort()
        return out

    def program(self, nodes: list[int] | None = None) -> tuple[list, list, list, list]:
        """The engine's flat lists (node, op code, child, child) over the op nodes of ``nodes``
        (default: the whole tape), in topological order."""
        code = self.code
        if nodes is None:
            oi = [n for n, c in enumerate(code) if c > CONST]
        else:
            oi = [n for n in nodes if code[n] > CONST]
        oo = list(map(code.__getitem__, oi))
        ox = list(map(self.ax.__getitem__, oi))
        oy = list(map(self.ay.__getitem__, oi))
        return oi, oo, ox, oy

    def truncate(self, n: int) -> None:
        """Forget every node from index n on (a batch line that defined nothing)."""
        for lst in (self.code, self.ax, self.ay, self.src, self.val):
            del lst[n:]
        del self.dep[n:]
        for marks in (self.overflows, self.array_ops, self.dead):  # node order: drop from the end
            while marks and next(reversed(marks)) >= n:
                marks.popitem()
        # vars is in creation order, so node indices increase along it: drop from the end
        # (O(names dropped), not O(all inputs) -- a batch truncates after every line)
        tv = self.vars
        while tv:
            last = next(reversed(tv))
            if tv[last] < n:
                break
            del tv[last]
        while self._text_starts and self._text_starts[-1] >= n:
            self._text_starts.pop()
            self._texts.pop()


_INF = float("inf")
_ADD, _SUB, _MUL, _DIV, _MATMUL = (CODE[k] for k in ("add", "sub", "mul", "div", "matmul"))
_POW, _POWC, _NEG, _POS = (CODE[k] for k in ("pow", "powc", "neg", "pos"))
_INDEX, _SIGMOID, _SOFTMAX, _SUM, _EXP = (
    CODE[k] for k in ("index", "sigmoid", "softmax", "sum", "exp")
)
_LOG_SIGMOID, _LOG_SOFTMAX, _LOGSUMEXP, _SOFTPLUS = (
    CODE[k] for k in ("log_sigmoid", "log_softmax", "logsumexp", "softplus")
)
