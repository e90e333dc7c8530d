"""CLI layer: the console script's entry point (``exprgrad = exprgrad.cli.entry:main``).

It imports the CLI inside a ``try`` so that Ctrl-C during the ~50 ms of imports also exits 130
without a traceback.  Imports: exprgrad.cli.main, lazily.
"""

from __future__ import annotations


def main() -> int:
    try:
        from .main import main as cli_main
    except KeyboardInterrupt:
        return 130
    return cli_main()
