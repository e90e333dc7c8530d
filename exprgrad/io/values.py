"""IO layer: a binding's value from text -- ``3``, ``-1e-3``, ``inf``, ``nan``, or an array
(``[1, 2]`` inline, ``@data.csv``; read by exprgrad/io/arrays.py, the only place that loads numpy).

Imports: stdlib, exprgrad.errors; exprgrad.io.arrays (and so numpy) only for array text.
"""

from __future__ import annotations

from typing import Any

from ..errors import value_error


def is_array_text(text: str) -> bool:
    """True for text that names an array: ``[1, 2]`` inline or ``@file``."""
    return text.lstrip()[:1] in ("[", "@")


def parse_value(name: str, text: str, overflow: list[str] | None = None) -> Any:
    """The value of binding ``name`` given as ``text``: a float, or a float64 ndarray for array
    text.  Raises ``BindingError`` for text that is not a number or an array, ``InputError`` for
    an ``@FILE`` that cannot be read.  ``overflow`` collects the numbers too large for a float
    (``1e400``, 400 digits: they read as ±inf), for the caller's warning."""
    if is_array_text(text):
        from .arrays import load_array

        return load_array(name, text, overflow)
    value = parse_number(name, text)
    if value in _INFS and overflow is not None and "n" not in text.lower():
        overflow.append(text.strip())
    return value


_INFS = (float("inf"), float("-inf"))


def parse_number(name: str, text: str) -> float:
    """A float literal (``3``, ``-1e-3``, ``inf``, ``nan``); ``BindingError`` otherwise."""
    t = text.strip()
    try:
        if t.lower().lstrip("+-") in ("inf", "infinity", "nan") or _looks_numeric(t):
            return float(t)
    except ValueError:
        pass
    raise value_error(name, f"'{text}' is not a number")


def _looks_numeric(t: str) -> bool:
    return bool(t) and all(c in "0123456789.eE+-_" for c in t) and "_" not in t
