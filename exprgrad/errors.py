"""Library layer: the one exception family of exprgrad.

Every error the library raises on purpose is an ``ExprgradError`` carrying a ``type`` (one of the
contract's error types), a message and, where it points into the text, a 1-based code-point column.
The CLI turns these into messages and exit codes; nothing here prints.  Imports: stdlib only.
"""

from __future__ import annotations

import difflib

#: error type -> process exit code (the README contract).
EXIT_CODES = {
    "syntax": 2,
    "name": 2,
    "arity": 2,
    "binding": 2,
    "shape": 2,
    "domain": 2,
    "io": 2,
    "internal": 70,
}


class ExprgradError(Exception):
    """Base of every deliberate exprgrad error."""

    type = "internal"

    def __init__(
        self,
        message: str,
        column: int | None = None,
        *,
        text: str | None = None,
        token_index: int | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.column = column
        self.text = text  # the source text the column points into, when known
        # raised while parsing, before columns are known: the parser resolves this to ``column``
        self.token_index = token_index

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.type]

    def to_json(self) -> dict:
        return {"type": self.type, "message": self.message, "column": self.column}


class ExprSyntaxError(ExprgradError):
    type = "syntax"


class ExprNameError(ExprgradError):
    type = "name"


class ArityError(ExprgradError):
    type = "arity"


class BindingError(ExprgradError):
    type = "binding"


class ShapeError(ExprgradError):
    type = "shape"


class DomainError(ExprgradError):
    type = "domain"


class InputError(ExprgradError):
    """A file or stream could not be read (type ``io``)."""

    type = "io"


def did_you_mean(name: str, candidates) -> str:
    """`` (did you mean 'tanh'?)`` for the nearest candidate, or ``""``."""
    match = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    if not match and len(name) <= 2:
        match = [c for c in candidates if c.lower() == name.lower()][:1]
    return f" (did you mean '{match[0]}'?)" if match else ""
