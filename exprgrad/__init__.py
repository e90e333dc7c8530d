"""exprgrad: value and gradient of an expression -- parse, forward pass, backprop, gradient check.

Package root (API layer): the public API of exprgrad/api.py, loaded on first use so that
``exprgrad --help`` and ``exprgrad.__version__`` stay cheap.  Imports: exprgrad.api lazily.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_API = ("CheckReport", "Expression", "Result", "check", "evaluate", "gradients", "parse")

__all__ = [*_API, "ExprgradError", "__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from .api import CheckReport, Expression, Result, check, evaluate, gradients, parse  # noqa: F401
    from .errors import ExprgradError  # noqa: F401


def __getattr__(name: str) -> Any:
    if name in _API:
        from . import api

        return getattr(api, name)
    if name == "ExprgradError":
        from .errors import ExprgradError  # noqa: F401

        return ExprgradError
    raise AttributeError(f"module 'exprgrad' has no attribute {name!r}")
