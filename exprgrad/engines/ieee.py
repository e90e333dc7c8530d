"""Engines layer: IEEE-754 safe scalar functions, used only where the fast path raised.

Python's float arithmetic raises where IEEE-754 returns inf or nan (``1/0``, ``math.exp(1000)``,
``math.log(0)``, ``math.pow(-8, 1/3)``).  The generated engine runs plain ``math`` code inside one
``try`` and, for the single node that raised, re-runs the same op template with these functions,
so results are always floats: never an exception, never a complex number.  Imports: stdlib only.
"""

from __future__ import annotations

import math

inf = math.inf
nan = math.nan
_copysign = math.copysign


def div(a: float, b: float) -> float:
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0.0:
            return nan
        return _copysign(inf, a) * _copysign(1.0, b)


def _is_odd_integer(y: float) -> bool:
    return math.isfinite(y) and y == int(y) and int(y) % 2 == 1


def pow(a: float, b: float) -> float:  # noqa: A001 - deliberately shadows the builtin in templates
    try:
        return math.pow(a, b)
    except OverflowError:
        if a < 0.0 and _is_odd_integer(b):
            return -inf
        return inf  # overflow: |result| too large (|a| > 1, b > 0 or |a| < 1, b < 0)
    except ValueError:
        if a == 0.0:  # 0 ** negative
            return _copysign(inf, a) if _is_odd_integer(b) else inf
        return nan  # negative base, non-integer exponent: no complex numbers here


def exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return inf


def log(x: float) -> float:
    try:
        return math.log(x)
    except ValueError:
        return -inf if x == 0.0 else nan


def sqrt(x: float) -> float:
    try:
        return math.sqrt(x)
    except ValueError:
        return nan


def sin(x: float) -> float:
    try:
        return math.sin(x)
    except ValueError:
        return nan


def cos(x: float) -> float:
    try:
        return math.cos(x)
    except ValueError:
        return nan


def tan(x: float) -> float:
    try:
        return math.tan(x)
    except ValueError:
        return nan


def sigmoid(x: float) -> float:
    """Numerically stable logistic function: no overflow for any float."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    try:
        e = math.exp(x)
    except OverflowError:  # unreachable for x < 0, kept for clarity
        return nan
    return e / (1.0 + e)


def softplus(x: float) -> float:
    """log(1 + exp(x)) without overflow."""
    if x > 30.0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


def log_sigmoid(x: float) -> float:
    """log(sigmoid(x)) = -softplus(-x) without overflow or underflow: log_sigmoid(-1000) is
    -1000 (log of the underflowed sigmoid would be -inf), log_sigmoid(1000) is -0.0."""
    if x >= 0.0:
        return -math.log1p(math.exp(-x))
    if x < 0.0:
        return x - math.log1p(math.exp(x))
    return nan
