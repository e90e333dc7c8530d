"""CLI layer: a binding's value from command-line text.

``parse_value(name, text)`` turns the text after ``--NAME`` (or ``--var NAME=``) into what the API
takes: a float for a float literal (``3``, ``-1e-3``, ``inf``, ``nan``), or -- for text starting
with ``[`` (inline vector/matrix) or ``@`` (a file) -- whatever ``exprgrad.arrays.load_value``
returns (a numpy array).  Imports: stdlib, exprgrad.api (number parsing), exprgrad.errors;
exprgrad.arrays (and so numpy) only for array text.
"""

from __future__ import annotations

from typing import Any

from .api import parse_number


def is_array_text(text: str) -> bool:
    """True for text that names an array: ``[1, 2]`` inline or ``@file``."""
    return text.lstrip()[:1] in ("[", "@")


def parse_value(name: str, text: str) -> Any:
    """The value of binding ``name`` given as ``text`` on the command line.

    Raises ``BindingError`` (exit 2) for text that is not a number or array, ``InputError`` (io)
    for an ``@FILE`` that cannot be read."""
    if is_array_text(text):
        from . import arrays

        return arrays.load_value(name, text)
    return parse_number(name, text)
