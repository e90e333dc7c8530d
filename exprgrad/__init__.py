"""exprgrad: value and gradient of an expression -- parse, forward pass, backprop, gradient check.

Package root: the public Python API, loaded on first use so that ``exprgrad --help`` and
``exprgrad.__version__`` stay cheap.  The layers, top to bottom (an import-linter contract in
pyproject.toml checks that imports only go down; docs/architecture.md):

    cli -> render -> analysis -> engines | syntax -> core | io -> errors

Imports: exprgrad.analysis and exprgrad.errors, lazily.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_API = {
    "Expression": "exprgrad.analysis.expression",
    "parse": "exprgrad.analysis.expression",
    "evaluate": "exprgrad.analysis.expression",
    "gradients": "exprgrad.analysis.expression",
    "check": "exprgrad.analysis.expression",
    "Result": "exprgrad.core.results",
    "CheckReport": "exprgrad.core.results",
    "CheckRow": "exprgrad.core.results",
    "Node": "exprgrad.core.results",
    "ExprgradError": "exprgrad.errors",
}

__all__ = [*_API, "__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from .analysis.expression import Expression, check, evaluate, gradients, parse  # noqa: F401
    from .core.results import CheckReport, CheckRow, Node, Result  # noqa: F401
    from .errors import ExprgradError  # noqa: F401


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'exprgrad' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
