"""Syntax layer: text into the graph, for the library -- ``parse_into(tape, text)`` runs the
parser (exprgrad/syntax/parser.py) with a tape as its builder and turns a failure into an
``ExprgradError`` with a column and words (exprgrad/syntax/diagnostics.py), leaving the tape as it
was; ``column_of`` maps a token to its 1-based column; ``strip_text`` drops a BOM and a line end.
Imports: stdlib, exprgrad.errors, exprgrad.syntax.
"""

from __future__ import annotations

from typing import Any

from ..errors import ExprgradError, ExprNameError, ExprSyntaxError
from .parser import ParseError, parse, token_offsets


def strip_text(text: str) -> str:
    """Drop a UTF-8 BOM and a trailing CR/LF (text pasted or read from Windows files)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.rstrip("\r\n")


_LAST_OFFSETS: list[Any] = [None, None]  # (text, its token offsets): columns come in runs


def column_of(text: str, token_index: int | None) -> int | None:
    """1-based code-point column of token ``token_index`` in ``text`` (end: len(text) + 1)."""
    if token_index is None:
        return None
    if _LAST_OFFSETS[0] is not text:
        _LAST_OFFSETS[:] = [text, token_offsets(text)]
    offsets = _LAST_OFFSETS[1]
    if 0 <= token_index < len(offsets):
        return offsets[token_index] + 1
    return len(text.rstrip(" \t\f\r\n")) + 1


def parse_into(tape: Any, text: str) -> Any:
    """Parse ``text`` into ``tape`` (the builder); return the parser's value: a node, or an
    ``(name, node, name's token index)`` tuple for a statement ``name = expr``.

    On error the tape is left as it was, and the error carries the column and its words (an
    unknown function gets its "did you mean")."""
    mark = len(tape)
    try:
        return parse(text, tape)
    except ParseError as err:
        tape.truncate(mark)
        from .diagnostics import syntax_message

        raise ExprSyntaxError(
            syntax_message(err, text), column_of(text, err.token_index), text=text
        ) from None
    except ExprgradError as err:
        tape.truncate(mark)
        if isinstance(err, ExprNameError) and err.reason == "unknown function":
            from .diagnostics import call_arity, unknown_function_hint

            nargs = call_arity(text, err.token_index) if err.token_index is not None else None
            err.hint = unknown_function_hint(err.name or "", nargs)
            err.message += err.hint
        if err.column is None and err.token_index is not None:
            err.column = column_of(text, err.token_index)
        if err.text is None:
            err.text = text
        raise
    except BaseException:  # a bug or Ctrl-C mid-parse: still leave the tape as it was
        tape.truncate(mark)
        raise
