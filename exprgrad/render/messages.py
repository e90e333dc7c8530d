"""Render layer: messages for stderr -- errors with the spot marked by a caret, warnings.

Imports: stdlib only.
"""

from __future__ import annotations

from typing import Any


def _display_char(ch: str) -> str:
    if ch.isprintable():
        return ch
    if ch in "\t\n\r\f\v":
        return " "
    return "?"


def caret_snippet(text: str, column: int, width: int = 78) -> tuple[str, str]:
    """(the text around ``column``, a caret line under it), both at most ``width`` columns.

    ``column`` is 1-based and may be ``len(text) + 1`` (end of input).  Cut text gets '…'."""
    n = len(text)
    i = min(max(column - 1, 0), n)
    if n + 1 <= width:
        start, end = 0, n
    else:
        room = width - 2  # a '…' on each side
        start = max(0, i - room // 2)
        end = min(n, start + room)
        start = max(0, end - room)
    shown = "".join(_display_char(c) for c in text[start:end])
    left = "…" if start > 0 else ""
    right = "…" if end < n else ""
    caret = " " * (len(left) + i - start) + "^"
    return left + shown + right, caret


_LABELS = {"syntax": "syntax error", "shape": "shape error", "internal": "internal error"}


def error_text(
    err: Any, text: str | None = None, *, prog: str = "exprgrad", message: str | None = None
) -> str:
    """The stderr message for an ExprgradError (``message``: a front end's phrasing of it): a
    headline, then the text with a caret under the offending column when it points into it."""
    label = _LABELS.get(err.type, "error")
    message = err.message if message is None else message
    where = f" at column {err.column}" if err.column else ""
    if where and f"column {err.column}" in message:  # the message already says where
        where = ""
    lines = [f"{prog}: {label}{where}: {safe(message)}"]
    src = err.text if err.text is not None else text
    if src is not None and err.column:
        line, caret = caret_snippet(src, err.column)
        lines += ["  " + line, "  " + caret]
    return "\n".join(lines)


def warning_text(warning: Any, *, prog: str = "exprgrad") -> str:
    return f"{prog}: warning: {safe(warning.message)}"


def safe(s: str) -> str:
    """Text any stream can encode (lone surrogates from undecodable argv bytes become '?')."""
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        return s.encode("utf-8", "replace").decode("utf-8")


def short(text: str, width: int = 70) -> str:
    """One line of at most ``width`` columns (whitespace runs become one space, '…' where cut)."""
    text = " ".join(safe(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"
