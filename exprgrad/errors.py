"""Errors (bottom layer): the one exception family of exprgrad, with structured fields.

Every error the library raises on purpose is an ``ExprgradError`` carrying a ``type`` (one of the
README contract's error types) and a message in the library's own words -- never a command-line
flag.  Fields say what the error is about, so a front end can phrase it in its own terms (the CLI
turns ``reason="option", name="eps"`` into ``--eps must be ...``; see exprgrad/cli/args.py):

* ``column`` (1-based, in code points of ``text``) and ``text``, where it points into a text;
* ``name``: the variable, option or function concerned; ``reason``: a short code
  (``value``, ``unbound``, ``unused``, ``wrt``, ``option``, ``constant``, ``statement`` ...);
* ``detail``: for ``reason="value"``/``"option"``, the message without its subject;
* ``names``: for ``unbound``, every variable that lacks a value; ``line``: a statement's line.

Nothing here prints.  Imports: stdlib only.
"""

from __future__ import annotations

from typing import Any

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
        name: str | None = None,
        reason: str | None = None,
        detail: str | None = None,
        names: tuple[str, ...] = (),
        hint: str = "",
    ):
        super().__init__(message)
        self.message = message
        self.column = column
        self.text = text  # the source text the column points into, when known
        # raised while parsing, before columns are known: the parser resolves this to ``column``
        self.token_index = token_index
        self.name = name
        self.reason = reason
        self.detail = detail
        self.names = names
        self.hint = hint

    def __str__(self) -> str:
        return self.message

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.type]

    def to_json(self, message: str | None = None) -> dict[str, Any]:
        """The contract's ``"error"`` object (``message``: a front end's phrasing of it)."""
        return {
            "type": self.type,
            "message": self.message if message is None else message,
            "column": self.column,
        }


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


def value_error(name: str, detail: str, cls: type[ExprgradError] = BindingError) -> ExprgradError:
    """A binding's value is bad: ``X: row 2 has 1 number ...`` (``reason="value"``)."""
    return cls(f"{name}: {detail}", name=name, reason="value", detail=detail)


def option_error(name: str, detail: str) -> BindingError:
    """A setting is bad: ``eps must be a positive finite number`` (``reason="option"``)."""
    return BindingError(f"{name} {detail}", name=name, reason="option", detail=detail)
