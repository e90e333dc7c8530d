"""Render layer: numbers, arrays and strict JSON as text -- the one formatting of values that
tables, TSV, JSON Lines and messages share.

Numbers are the shortest repr that round-trips, with integral floats written without ``.0``
(``68``); non-finite numbers are ``inf``, ``-inf`` and ``nan`` (strings in JSON, so JSON output is
always strict).  Imports: stdlib; numpy only when a value already is a numpy array (numpy is
then loaded anyway).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

#: arrays with more elements than this are summarized with "…" unless ``full`` is asked for
SUMMARY_THRESHOLD = 1000


def is_array(x: Any) -> bool:
    """A numpy array with at least one dimension (checked without importing numpy)."""
    return hasattr(x, "tolist") and bool(getattr(x, "shape", ()))


def fmt_number(x: Any) -> str:
    """Shortest round-trip repr; ``68.0`` -> ``68``, ``-0.0`` -> ``-0``; inf, -inf, nan."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    if hasattr(x, "item") and not isinstance(x, float):  # numpy scalar or 0-d array
        x = x.item()
        if isinstance(x, (bool, int)):
            return fmt_number(x)
    x = float(x)
    if x != x:
        return "nan"
    r = repr(x)
    return r[:-2] if r.endswith(".0") else r


def fmt_value(x: Any, *, full: bool = False, oneline: bool = True) -> str:
    """A number, or an array as nested brackets (numpy's layout; summarized with … when large)."""
    if x is None:
        return ""
    if not is_array(x):
        return fmt_number(x)
    import numpy as np  # x is a numpy array, so numpy is loaded already

    a = np.asarray(x)
    s = np.array2string(
        a,
        separator=", ",
        threshold=sys.maxsize if full else SUMMARY_THRESHOLD,
        edgeitems=3,
        max_line_width=sys.maxsize if oneline else 75,
        formatter={"float_kind": fmt_number, "int_kind": str, "bool": fmt_number},
    )
    s = s.replace("...", "…")
    if oneline:
        s = s.replace("\n", "")
    if a.size > SUMMARY_THRESHOLD and not full:
        s += f"  (shape {tuple(a.shape)})" if oneline else f"\nshape {tuple(a.shape)}"
    return s


def fmt_error(x: Any) -> str:
    """An error size for people: 3 significant digits (exact values stay in TSV and JSON)."""
    if isinstance(x, float) and x == x and x not in (0.0, float("inf")):
        return f"{x:.3g}"
    return fmt_number(x)


def cell(s: str) -> str:
    """One TSV cell: tabs and line breaks become spaces."""
    if "\t" in s or "\n" in s or "\r" in s:
        s = s.replace("\t", " ").replace("\r", " ").replace("\n", " ")
    return s


def index_text(index: Any) -> str:
    """An array element's index as written after its name: ``[0]``, ``[1, 2]``."""
    if index is None:
        return ""
    if isinstance(index, (tuple, list)):
        return "[" + ", ".join(str(i) for i in index) + "]"
    return str(index)


# -- strict JSON -------------------------------------------------------------------------------
def _default(o: Any) -> Any:
    if hasattr(o, "tolist"):  # numpy arrays and scalars
        return o.tolist()
    raise TypeError(f"{type(o).__name__} is not JSON serializable")


def _finite(o: Any) -> Any:
    """``o`` with every non-finite float replaced by "nan", "inf" or "-inf"."""
    if isinstance(o, float):
        if o != o:
            return "nan"
        if o in (float("inf"), float("-inf")):
            return "inf" if o > 0 else "-inf"
        return o
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_finite(v) for v in o]
    if hasattr(o, "tolist") and not isinstance(o, (int, str)):
        return _finite(o.tolist())
    return o


def dumps(obj: Any) -> str:
    """Strict JSON (one line): non-finite numbers as strings, numpy arrays as nested lists."""
    try:
        return json.dumps(obj, allow_nan=False, default=_default)
    except ValueError:  # a non-finite number somewhere: take the slow, careful path
        return json.dumps(_finite(obj), allow_nan=False, default=_default)


def json_encoder() -> Callable[[Any], str]:
    """``dumps`` with its JSON encoder built once (JSON Lines encode an object per line;
    building the encoder each time costs as much as encoding).  Same text: a number that is not
    finite, or an array holding one, takes ``dumps``'s own path."""
    from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]

    if c_make_encoder is None:  # no C accelerator (not CPython)
        return dumps
    # (markers, default, encoder, indent, key sep, item sep, sort_keys, skipkeys, allow_nan)
    encode = c_make_encoder(
        None, _default, encode_basestring_ascii, None, ": ", ", ", False, False, False
    )

    def fast_dumps(obj: Any) -> str:
        try:
            return "".join(encode(obj, 0))
        except ValueError:
            return dumps(obj)

    return fast_dumps
