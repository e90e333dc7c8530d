"""IO layer: array values -- inline JSON (``"[[1, 2], [3, 4]]"``, with ``inf``/``nan``),
``@file.csv`` / ``@file.npy`` / ``@file.json``, and Python lists or numpy arrays from the API.

Every way a value can be bad is a ``BindingError`` (``reason="value"``, naming the variable and,
for files, the file), and a file that cannot be read is an ``InputError`` -- never a crash: deep
nesting is refused by a flat scan before JSON parsing recurses, huge integers become ``inf`` (as
the literal ``1e999`` does), an ``.npy`` header that lies about its size is caught before
anything is allocated, and ``np.load`` never unpickles.
Imports: stdlib, numpy, exprgrad.errors.  Imported only for array values.
"""

from __future__ import annotations

import json
import math
import os
import re
import weakref
import zipfile
from typing import Any

import numpy as np

from ..errors import BindingError, InputError, value_error


def as_array(name: str, value: Any, overflow: list[str] | None = None) -> Any:
    """A Python list/tuple, numpy array or numpy scalar as a float (0-d) or a float64 array of 1
    or 2 dimensions; a BindingError for anything else.  ``overflow`` collects the numbers too
    large for a float (they read as ±inf), for the caller's warning."""
    if type(value) is np.ndarray and value.dtype == np.float64 and 1 <= value.ndim <= 2:
        if value.size:
            return value  # the common case, as fast as possible
    if isinstance(value, (list, tuple)):
        return _from_nested(name, value, "", overflow)
    if isinstance(value, np.generic):
        value = np.asarray(value)
    if isinstance(value, np.ndarray):
        a = _check_array(name, value, "")
        return float(a) if a.ndim == 0 else a
    raise value_error(name, f"expected a number or an array, got {type(value).__name__}")


def load_array(name: str, text: str, overflow: list[str] | None = None) -> Any:
    """An array value from text: ``[1, 2]``, ``[[1, 2], [3, 4]]``, ``@data.csv``, ``@w.npy``,
    ``@y.json``.  Returns a float (a file holding one number) or a float64 ndarray (1-D or 2-D);
    bad input -> BindingError.

    Inline arrays are JSON, plus the words ``inf``, ``-inf``, ``nan`` (any case; ``Infinity``,
    ``NaN`` too), as exprgrad prints them.  Numbers too large for a float are ``inf``/``-inf``
    (as for ``--x 1e999``; ``overflow`` collects their text); nesting deeper than 2 is refused
    before JSON parsing recurses."""
    t = text.strip()
    if t.startswith("@"):
        return _load_file(name, t[1:], overflow)
    if t.startswith("["):
        src, moves = _ieee_words(t)
        data = _json(src, name, "", overflow)
        if isinstance(data, json.JSONDecodeError):
            raise value_error(
                name,
                f"not a valid array at character {_orig_pos(data.pos, moves) + 1}: "
                f'{data.msg} (write e.g. "[1, 2, 3]" or "[[1, 2], [3, 4]]")',
            )
        return _from_nested(name, data, "", overflow)
    raise value_error(name, "expected an array: [1, 2] or @FILE")


#: a JSON string (kept as it is), or a bracket; the string may be unterminated (JSON says so)
_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]')
_STRUCT = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{},]')
#: inline arrays: inf/nan words (exprgrad's own output) -> the JSON extensions Python reads
_WORD = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|(?<![\w.])[+-]?(?:infinity|inf|nan)(?![\w.])', re.I)


def _ieee_words(text: str) -> tuple[str, list[tuple[int, int, int]]]:
    """``text`` with ``inf``/``-inf``/``nan`` as ``Infinity``/``-Infinity``/``NaN`` (outside
    strings), and the moves made: (position in the new text, old length, new length)."""
    if not any(c in text for c in "iInN"):
        return text, []
    parts: list[str] = []
    moves: list[tuple[int, int, int]] = []
    last = 0
    out_len = 0
    for m in _WORD.finditer(text):
        word = m.group()
        if word.startswith('"'):
            continue
        f = float(word)
        new = "NaN" if f != f else ("Infinity" if f > 0 else "-Infinity")
        if new == word:
            continue
        parts.append(text[last : m.start()])
        out_len += m.start() - last
        moves.append((out_len, len(word), len(new)))
        parts.append(new)
        out_len += len(new)
        last = m.end()
    parts.append(text[last:])
    return "".join(parts), moves


def _orig_pos(pos: int, moves: list[tuple[int, int, int]]) -> int:
    """A position in the rewritten text -> the same place in the user's text."""
    shift = 0
    for start, old, new in moves:
        if pos < start:
            break
        if pos < start + new:
            return start - shift
        shift += new - old
    return pos - shift


def _json(text: str, name: str, pre: str, overflow: list[str] | None = None) -> Any:
    """JSON data, or the JSONDecodeError (the caller words it).  Integers become floats (no
    4,300-digit limit, no overflow: too large is inf, and its text goes to ``overflow``);
    nesting deeper than 2 is a BindingError found by a flat scan, so no input can exhaust the
    recursion of json's decoder."""
    _too_deep(text, name, pre)

    def number(t: str) -> float:
        f = float(t)
        if f in _INFS and overflow is not None:
            overflow.append(t)
        return f

    try:
        return json.loads(text, parse_int=number, parse_float=number)
    except json.JSONDecodeError as err:
        return err
    except RecursionError:  # unreachable after _too_deep; never an internal error all the same
        raise value_error(name, f"{pre}nested too deeply (at most 2 dimensions)") from None


def _too_deep(text: str, name: str, pre: str) -> None:
    depth = 0
    for m in _BRACKET.finditer(text):
        c = m.group()
        if c == "[" or c == "{":
            depth += 1
            if depth > 2:
                raise value_error(name, _deep_message(text, m.start(), pre))
        elif c == "]" or c == "}":
            depth = max(depth - 1, 0)  # a stray closer is json's to report


def _deep_message(text: str, pos: int, pre: str) -> str:
    """What the 3rd level of nesting at ``pos`` is, in the words of ``_from_nested``."""
    stack: list[str] = []
    counts: list[int] = []
    for m in _STRUCT.finditer(text, 0, pos):
        c = m.group()
        if c in "[{":
            stack.append(c)
            counts.append(1)
        elif c in "]}":
            if stack:
                stack.pop()
                counts.pop()
        elif c == "," and counts:
            counts[-1] += 1
    what = "a list (at most 2 dimensions)" if text[pos] == "[" else "an object"
    if stack == ["[", "["]:
        return f"{pre}row {counts[0]}, column {counts[1]} is {what}, not a number"
    if stack and stack[0] == "{":
        return f"{pre}expected a number or a list of numbers, got an object"
    return f"{pre}row {counts[0]} is an object; a matrix is a list of rows of numbers"


def _from_nested(name: str, data: Any, where: str, overflow: list[str] | None = None) -> Any:
    """JSON data (a number, a list of numbers, a list of equal-length lists) -> float/ndarray."""
    pre = where
    if _is_number(data):
        return float(_floats([data], overflow)[0]) if isinstance(data, int) else float(data)
    if not isinstance(data, (list, tuple)):
        raise value_error(name, f"{pre}expected a number or a list of numbers, got {_jtype(data)}")
    if not data:
        raise value_error(name, f"{pre}the array is empty")
    if not any(isinstance(e, (list, tuple)) for e in data):
        for k, e in enumerate(data, 1):
            if not _is_number(e):
                raise value_error(name, f"{pre}element {k} is {_jtype(e)}, not a number")
        return _floats(data, overflow)
    width = None
    for r, row in enumerate(data, 1):
        if not isinstance(row, (list, tuple)):
            raise value_error(
                name, f"{pre}row {r} is {_jtype(row)}; a matrix is a list of rows of numbers"
            )
        if width is None:
            width = len(row)
            if width == 0:
                raise value_error(name, f"{pre}row 1 is empty")
        elif len(row) != width:
            raise value_error(
                name,
                f"{pre}row {r} has {len(row)} number{'s' if len(row) != 1 else ''}, "
                f"row 1 has {width} (rows must have equal lengths)",
            )
        for c, e in enumerate(row, 1):
            if not _is_number(e):
                what = "a list (at most 2 dimensions)" if isinstance(e, list) else _jtype(e)
                raise value_error(name, f"{pre}row {r}, column {c} is {what}, not a number")
    return _floats(data, overflow)


def _floats(data: Any, overflow: list[str] | None = None) -> np.ndarray:
    """Checked nested numbers as float64; an integer too large for a float is ±inf (as the
    literal ``1e999`` is), never an OverflowError (its digits go to ``overflow``)."""
    try:
        return np.array(data, dtype=np.float64)
    except OverflowError:
        pass

    def f(e: Any) -> float:
        try:
            return float(e)
        except OverflowError:
            if overflow is not None:
                try:
                    overflow.append(str(e))
                except ValueError:  # more digits than str() converts
                    overflow.append(f"an integer of {e.bit_length()} bits")
            return math.inf if e > 0 else -math.inf

    return np.array(
        [[f(e) for e in row] if isinstance(row, (list, tuple)) else f(row) for row in data]
    )


def _is_number(e: Any) -> bool:
    return isinstance(e, (int, float)) and not isinstance(e, bool)


def _jtype(e: Any) -> str:
    if e is None:
        return "null"
    if isinstance(e, bool):
        return "true" if e else "false"
    if isinstance(e, str):
        return f"the string {json.dumps(e)}"
    if isinstance(e, dict):
        return "an object"
    if isinstance(e, (int, float)):
        return "a number"
    return type(e).__name__


def _check_array(name: str, a: np.ndarray, where: str) -> Any:
    pre = where
    if a.dtype.kind not in "iuf":
        raise value_error(name, f"{pre}expected numbers, got an array of dtype {a.dtype}")
    if a.ndim > 2:
        raise value_error(
            name, f"{pre}{a.ndim} dimensions (shape {a.shape}); at most 2 are supported"
        )
    if a.size == 0:
        raise value_error(name, f"{pre}the array is empty (shape {a.shape})")
    return np.asarray(a, dtype=np.float64)


_NUMBER = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)", re.I)


def _load_file(name: str, path: str, overflow: list[str] | None = None) -> Any:
    if not path:
        raise value_error(name, "'@' must be followed by a file name, e.g. @data.csv")
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".csv", ".npy", ".json"):
        raise value_error(
            name, f"{path}: unknown file type '{ext or '(none)'}'; use .csv, .npy or .json"
        )
    try:
        if ext == ".npy":
            out = _check_array(name, _load_npy(name, path), f"{path}: ")
            return float(out) if out.ndim == 0 else out
        with open(path, encoding="utf-8-sig") as f:
            content = f.read()
    except OSError as err:
        raise value_error(name, f"cannot read {path}: {err.strerror or err}", InputError) from None
    except UnicodeDecodeError as err:
        raise value_error(
            name,
            f"{path}: not UTF-8 text (byte 0x{err.object[err.start]:02x} at offset {err.start})",
            InputError,
        ) from None
    except MemoryError:
        raise value_error(
            name, f"cannot read {path}: too large to load into memory", InputError
        ) from None
    if ext == ".json":
        data = _json(content, name, f"{path}: ", overflow)
        if isinstance(data, json.JSONDecodeError):
            raise value_error(name, f"{path}, line {data.lineno}: not valid JSON ({data.msg})")
        return _from_nested(name, data, f"{path}: ", overflow)
    return _parse_csv(name, path, content, overflow)


_NPY_MAGIC = b"\x93NUMPY"


def _load_npy(name: str, path: str) -> Any:
    """``np.load(path, allow_pickle=False)``, with every way a file can be bad as a BindingError
    naming it: empty or cut short, a header whose shape the data does not fill (checked before
    anything is allocated), pickled objects, an .npz archive."""
    pre = f"{path}: "
    fmt = np.lib.format
    with open(path, "rb") as f:
        try:
            head = f.read(len(_NPY_MAGIC))
            if not head:
                raise value_error(name, f"{pre}the file is empty (not a .npy array)")
            f.seek(0)
            if head != _NPY_MAGIC and not head.startswith(b"PK"):  # neither .npy nor .npz
                raise value_error(
                    name, f"{pre}not a .npy file (it does not start with a .npy header)"
                )
            if head == _NPY_MAGIC:
                version = fmt.read_magic(f)
                reader = {(1, 0): fmt.read_array_header_1_0, (2, 0): fmt.read_array_header_2_0}
                if version in reader:
                    shape, _, dtype = reader[version](f)
                    if dtype.hasobject:
                        raise value_error(name, f"{pre}not a numeric .npy file (dtype {dtype})")
                    need = math.prod(shape) * dtype.itemsize
                    have = os.fstat(f.fileno()).st_size - f.tell()
                    if need > have:
                        raise value_error(
                            name,
                            f"{pre}the file is cut short: its header says shape {tuple(shape)} "
                            f"({need:,} bytes of data), the file holds {max(have, 0):,}",
                        )
                f.seek(0)
            a = np.load(f, allow_pickle=False)
        except BindingError:
            raise
        except (ValueError, EOFError, zipfile.BadZipFile, SyntaxError) as err:
            msg = str(err) or type(err).__name__
            raise value_error(name, f"{pre}not a numeric .npy file ({msg})") from None
    if not isinstance(a, np.ndarray):
        if hasattr(a, "close"):
            a.close()
        raise value_error(name, f"{pre}not a single array (.npz?)")
    return a


def _parse_csv(name: str, path: str, content: str, overflow: list[str] | None = None) -> np.ndarray:
    """Comma-separated numbers.  Blank lines are skipped.  The first non-blank line is a header
    (and skipped) when none of its fields is a number; otherwise every field of every line must
    be a number (``1``, ``-2.5e3``, ``nan``, ``inf``; spaces and surrounding double quotes are
    ignored).  A one-row or one-column file is a vector of shape (n,)."""
    rows: list[list[float]] = []
    width = None
    first = True
    for lineno, line in enumerate(content.splitlines(), 1):
        if not line.strip():
            continue
        fields = [f.strip().strip('"').strip() for f in line.split(",")]
        numeric = [bool(_NUMBER.fullmatch(f)) for f in fields]
        if first:
            first = False
            if not any(numeric):
                continue  # a header row
        if not all(numeric):
            c = numeric.index(False)
            bad = fields[c]
            what = "an empty field" if not bad else f"'{bad[:30]}' is not a number"
            hint = ""
            if ";" in line or "\t" in line:
                hint = " (values must be separated by commas)"
            raise value_error(name, f"{path}, line {lineno}, column {c + 1}: {what}{hint}")
        if width is None:
            width = len(fields)
        elif len(fields) != width:
            raise value_error(
                name,
                f"{path}, line {lineno}: this row has {len(fields)} value"
                f"{'s' if len(fields) != 1 else ''}, the first row has {width}",
            )
        row = [float(f) for f in fields]
        if overflow is not None and (math.inf in row or -math.inf in row):
            overflow.extend(t for t, f in zip(fields, row) if f in _INFS and "n" not in t.lower())
        rows.append(row)
    if not rows:
        raise value_error(name, f"{path}: no numbers in the file")
    a = np.array(rows, dtype=np.float64)
    if a.shape[0] == 1 or a.shape[1] == 1:
        kind = "column" if a.shape[1] == 1 and a.shape[0] > 1 else "row"
        a = a.reshape(-1)
        if a.size > 1:
            _remember_vector(a, path, kind)
    return a


_INFS = (math.inf, -math.inf)
#: vectors read from a one-column (or one-row) CSV: id -> (the array, weakly; path; "column")
_CSV_VECTORS: dict[int, tuple[Any, str, str]] = {}


def _remember_vector(a: np.ndarray, path: str, kind: str) -> None:
    if len(_CSV_VECTORS) > 256:  # forget the arrays that are gone
        for key in [k for k, (ref, _, _) in _CSV_VECTORS.items() if ref() is None]:
            del _CSV_VECTORS[key]
    _CSV_VECTORS[id(a)] = (weakref.ref(a), path, kind)


def csv_vector(a: Any) -> tuple[str, str] | None:
    """(path, "column" or "row") when ``a`` is a vector read from a one-column (one-row) CSV --
    so a shape error it causes can say where the vector came from -- else None."""
    hit = _CSV_VECTORS.get(id(a))
    if hit is None or hit[0]() is not a:
        return None
    return hit[1], hit[2]
