"""Benchmarks layer: parser throughput, text -> builder calls, and its linearity in input size.

Two inputs, each at 1x and 10x size (full: 0.5 MB / 5 MB expression, 5,000 / 50,000 lines;
smoke: a tenth of that):

* one long expression ``x12 + x7 * x99 - x3 / x5 ^ 2 + ...`` (random names x0..x99, numbers,
  all five binary operators), parsed with one ``parse`` call;
* a file of lecture-size lines (``(a + b^3) * c``, ``tanh(x * w + b) * y``, ``z = a*b - c`` ...),
  parsed line by line into one builder, as a batch would.

Each is parsed into two builders: ``lists`` (appends to a few lists per call -- the parser's own
cost plus a realistic minimum of builder work) and ``Tape`` (exprgrad.core.tape.Tape, the real
graph; skipped if exprgrad/core/tape.py has no Tape). Runs of both sizes alternate; the best of N
wall
times is reported (``MB_per_s``, ``linearity`` = time at 10x / time at 1x), and the same from CPU
time (``cpu_*``: immune to other processes stealing the CPU, so steadier on a shared machine).
Goal: >= 2 MB/s at 10x size, and 10x the input in <= 11x the time.
Imports: stdlib, exprgrad.syntax.parser, exprgrad.core.tape (optional).
"""

from __future__ import annotations

import random
import time

from exprgrad.syntax import parser

GOAL_MB_S = 2.0
GOAL_LINEARITY = 11.0

OPS = ["+", "-", "*", "/", "^"]
NAMES = ["a", "b", "c", "w", "x", "y", "z", "k1", "rate", "bias"]
TEMPLATES = [
    "({0} + {1}^3) * {2}",
    "({0} + {1}) * {2} - {k}",
    "-{0}^2 + {k}*{1}",
    "tanh({0} * {1} + {k}) * {2}",
    "{0} = {1}*{2} - {k}",
    "({0} + {1}) * {1}^3 / {k}",
    "sigmoid({0}) * (1 - sigmoid({1})) + {2}",
    "exp(-{0}^2 / 2) * {k}.5",
]


class ListBuilder:
    """A minimal realistic builder: one op code, two children and a token index per node."""

    def __init__(self) -> None:
        self.op: list[int] = []
        self.x: list[int] = []
        self.y: list[int] = []
        self.toks: list[str] = []

    def begin(self, text: str, toks: list[str]) -> None:
        self.toks = toks

    def _node(self, code: int, x: int, y: int) -> int:
        self.op.append(code)
        self.x.append(x)
        self.y.append(y)
        return len(self.op) - 1

    def number(self, k: int) -> int:
        return self._node(0, k, -1)

    def var(self, k: int) -> int:
        return self._node(1, k, -1)

    def add(self, a: int, k: int, b: int) -> int:
        return self._node(2, a, b)

    sub = mul = div = matmul = pow = add

    def neg(self, k: int, a: int) -> int:
        return self._node(3, a, a)

    pos = neg

    def args(self, *nodes: int) -> tuple[int, ...]:
        return nodes

    def call(self, k: int, lpar: int, *rest) -> int:
        args = rest[0] if len(rest) == 2 else ()
        return self._node(4, args[0] if args else -1, args[-1] if args else -1)

    def assign(self, k: int, node: int) -> tuple[int, int]:
        return (k, node)


def expression(size: int, seed: int = 1) -> str:
    """One expression of about `size` characters."""
    rng = random.Random(seed)
    parts, n = [], 0
    while n < size:
        operand = f"x{rng.randrange(100)}" if rng.random() < 0.85 else str(rng.randrange(1, 10))
        part = f"{operand} {rng.choice(OPS)} "
        parts.append(part)
        n += len(part)
    return "".join(parts) + "x1"


def lines(count: int, seed: int = 2) -> str:
    """`count` lecture-size lines, newline-terminated."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        a, b, c = rng.sample(NAMES, 3)
        out.append(rng.choice(TEMPLATES).format(a, b, c, k=rng.randrange(1, 100)))
    return "\n".join(out) + "\n"


def _builders() -> dict:
    found = {"lists": ListBuilder}
    try:
        from exprgrad.core.tape import Tape
    except ImportError:  # the graph layer is not there yet
        return found
    found["Tape"] = Tape
    return found


def _parse_whole(text: str, make) -> None:
    parser.parse(text, make())


def _parse_lines(text: str, make) -> None:
    builder = make()
    parse = parser.parse
    for line in text.splitlines():
        if line.strip():
            parse(line, builder)


def measure(kind: str, small: str, big: str, make, repeats: int) -> dict:
    """Best-of-`repeats` wall and CPU times at 1x and 10x; the runs alternate (3 small,
    1 big) so that noise from other processes hits both sizes alike."""
    fn = _parse_whole if kind == "expression" else _parse_lines
    fn(small, make)  # warm-up (imports, caches)
    wall = {"small": float("inf"), "big": float("inf")}
    cpu = dict(wall)
    for _ in range(repeats):
        for size, text in (("small", small), ("small", small), ("small", small), ("big", big)):
            w0, c0 = time.perf_counter(), time.process_time()
            fn(text, make)
            wall[size] = min(wall[size], time.perf_counter() - w0)
            cpu[size] = min(cpu[size], time.process_time() - c0)
    mb = len(big.encode("utf-8")) / 1e6
    return {
        "MB": round(mb, 3),
        "seconds": round(wall["big"], 4),
        "MB_per_s": round(mb / wall["big"], 3),
        "linearity": round(wall["big"] / wall["small"], 2),
        "cpu_MB_per_s": round(mb / cpu["big"], 3),
        "cpu_linearity": round(cpu["big"] / cpu["small"], 2),
        "size_ratio": round(len(big) / len(small), 2),
    }


def run(smoke: bool) -> list[dict]:
    scale = 10 if smoke else 1
    repeats = 1 if smoke else 5
    inputs = {
        "expression": (expression(500_000 // scale), expression(5_000_000 // scale)),
        "lines": (lines(5_000 // scale), lines(50_000 // scale)),
    }
    rows = []
    for kind, (small, big) in inputs.items():
        for bname, make in _builders().items():
            d = measure(kind, small, big, make, repeats)
            met = d["MB_per_s"] >= GOAL_MB_S and d["linearity"] <= GOAL_LINEARITY
            label = f"{len(big) / 1e6:.1f} MB expression" if kind == "expression" else None
            label = label or f"{big.count(chr(10)):,} lines"
            rows.append(
                {
                    "name": f"parser {label} -> {bname}",
                    **d,
                    "ratio": d["linearity"],
                    "reference": "the same input at 1/10 size",
                    "goal": f">= {GOAL_MB_S:g} MB/s, 10x input <= {GOAL_LINEARITY:g}x time",
                    "met": met,
                }
            )
    return rows


if __name__ == "__main__":
    import sys

    for row in run("--smoke" in sys.argv[1:]):
        print(
            f"{row['name']:<40} {row['MB']:>7.3f} MB {row['seconds']:>8.3f} s "
            f"{row['MB_per_s']:>7.2f} MB/s  linearity {row['linearity']:.2f}x "
            f"(goal {row['goal']}: {'met' if row['met'] else 'MISSED'})"
        )
