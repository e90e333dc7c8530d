"""IO layer: a statement stream (a file or a pipe) as numbered lines of text, read a line at a
time -- never the whole file, so a 1 GB file starts at once and a pipe that stays open works.

``read_lines(source)`` yields ``(line number, text)``, or ``(line number, error)`` for a line that
is not text: invalid UTF-8, a NUL byte, a line longer than ``MAX_LINE`` (skipped without being
loaded).  ``BINARY_STREAK`` such lines in a row end the stream as binary input, with a last
``(None, error)`` (``reason="stop"``), as does a read error.  A UTF-8 BOM on the first line and
CRLF line ends are dropped.  Imports: stdlib, exprgrad.errors.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import BinaryIO

from ..errors import ExprgradError, ExprSyntaxError, InputError

#: longest line read as one statement; a longer one is skipped with an error (never loaded whole)
MAX_LINE = 64 * 1024 * 1024
#: this many undecodable lines (NUL bytes, invalid UTF-8) in a row stop the stream: binary input
BINARY_STREAK = 10

_BOM = b"\xef\xbb\xbf"


def open_source(path: str) -> BinaryIO:
    """Open ``path`` for reading statements (``-`` is stdin's bytes); ``InputError`` with a
    clear message for a missing file, a directory, or one that cannot be read."""
    if path == "-":
        return sys.stdin.buffer
    try:
        if os.path.isdir(path):
            raise InputError(f"{path}: is a directory, not an expression file")
        return open(path, "rb")  # noqa: SIM115 -- the caller reads it to the end and closes it
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not an expression file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as err:
        raise InputError(f"{path}: cannot open ({err.strerror or err})") from None


def size_of(source: BinaryIO) -> int | None:
    """The size of a regular file (for a progress bar), else None."""
    try:
        import stat

        st = os.fstat(source.fileno())
        return st.st_size if stat.S_ISREG(st.st_mode) and st.st_size > 0 else None
    except (OSError, AttributeError, ValueError):
        return None


def read_lines(
    source: BinaryIO, counter: list[int] | None = None
) -> Iterator[tuple[int | None, str | ExprgradError]]:
    """(line number, text or error), one line at a time; ``counter[0]`` accumulates the bytes
    read (for a progress display)."""
    counter = counter if counter is not None else [0]
    streak = 0
    raws = _raw_lines(source, counter)
    while True:
        try:
            item = next(raws, None)
        except OSError as err:
            yield None, InputError(f"read error: {err.strerror or err}", reason="stop")
            return
        if item is None:
            return
        n, raw = item
        try:
            if raw is None:
                raise InputError(f"line longer than {MAX_LINE // (1024 * 1024)} MiB; skipped")
            if n == 1 and raw.startswith(_BOM):
                raw = raw[3:]
            text = decode(raw)
        except ExprgradError as err:
            streak += 1
            yield n, err
            if streak >= BINARY_STREAK:
                yield (
                    None,
                    InputError(
                        f"{streak} lines in a row are not UTF-8 text; this looks like a binary "
                        "file: stopping",
                        reason="stop",
                    ),
                )
                return
            continue
        streak = 0
        yield n, text


def _raw_lines(source: BinaryIO, counter: list[int]) -> Iterator[tuple[int, bytes | None]]:
    """(line number, raw line without its end) one at a time; None for a line over MAX_LINE."""
    readline = source.readline
    n = 0
    while True:
        raw = readline(MAX_LINE)
        if not raw:
            return
        n += 1
        counter[0] += len(raw)
        if raw[-1:] != b"\n" and len(raw) >= MAX_LINE:
            while True:  # skip the rest of the over-long line, a chunk at a time
                more = readline(MAX_LINE)
                counter[0] += len(more)
                if not more or more[-1:] == b"\n":
                    break
            yield n, None
            continue
        if raw[-1:] == b"\n":
            raw = raw[:-1]
            if raw[-1:] == b"\r":
                raw = raw[:-1]
        yield n, raw


def decode(raw: bytes) -> str:
    """Decode one line; raises ``InputError`` (invalid UTF-8) or a syntax error (NUL)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        col = len(raw[: err.start].decode("utf-8", "replace")) + 1
        raise InputError(
            f"invalid UTF-8 (byte 0x{raw[err.start]:02x}) at column {col}: "
            "expression files must be UTF-8 text",
            col,
            text=raw.decode("utf-8", "replace"),
        ) from None
    if "\0" in text:
        col = text.index("\0") + 1
        raise ExprSyntaxError(
            f"NUL byte at column {col}: this looks like binary data, not expression text",
            col,
            text=text,
        )
    return text
