"""exprgrad: value and gradient of an expression -- parse, forward pass, backprop, gradient check.

Package root (API layer): re-exports the public API of exprgrad/api.py.  Imports nothing heavy:
no click, rich, lark or numpy at import time.
"""

from .api import CheckReport, Expression, Result, check, evaluate, gradients, parse
from .errors import ExprgradError

__version__ = "0.1.0"

__all__ = [
    "CheckReport",
    "ExprgradError",
    "Expression",
    "Result",
    "__version__",
    "check",
    "evaluate",
    "gradients",
    "parse",
]
