"""CLI layer: ``exprgrad eval`` -- the value of EXPR and its gradient with respect to every
variable (backprop), for one expression or for every statement of a file or stdin.

Imports: click, exprgrad.cli; exprgrad.analysis and exprgrad.render when it runs.
"""

from __future__ import annotations

from typing import Any

import click

from . import main
from .args import BINDING_HELP, BindingCommand, common_options
from .main import CONTEXT, run_expression, show

_HELP = (
    """Value of EXPR and its gradient with respect to every variable (backprop).
"""
    + BINDING_HELP
    + """
\b
Examples:
  exprgrad eval "(a + b^3) * c" --a 7 --b 3 --c 2
  exprgrad eval "(a + relu(b)) * c" --a 7 --b -3 --c 2 --json
  exprgrad eval "-x^2" --x=3
  exprgrad eval "mean((X @ w - y)^2)" --X @X.csv --w "[1, 2]" --y @y.csv --wrt w
  exprgrad eval -f examples/lecture.expr
"""
)


def _one(expression: Any, bindings: dict[str, str], opts: dict[str, Any], reserved: set[str]):
    from ..render import results

    result = expression.gradients(bindings, wrt=opts["wrt"])
    show(result, opts["json"], opts["full"], results.eval_json, results.eval_table,
         results.eval_plain)  # fmt: skip
    if result.note and not opts["json"] and not main.stdout_is_tty():
        main.to_stderr(f"exprgrad: note: {result.note}")
    return 0


def _action(options: dict[str, Any]) -> Any:
    """Per statement: value and gradients (``Compiled.result``)."""
    return lambda compiled, values: compiled.result(values)


def stream() -> Any:
    """What ``eval`` does per statement of a file or stdin (built only when one is read)."""
    from ..render.stream import EvalRows
    from .statements import StreamSpec

    return StreamSpec(EvalRows(), _action)


@click.command(
    "eval",
    cls=BindingCommand,
    help=_HELP,
    short_help="Value of EXPR and its gradients (backprop).",
    context_settings=CONTEXT,
)
@common_options
@click.pass_context
def command(
    ctx: click.Context,
    expr: str | None,
    file: str | None,
    var: tuple[str, ...],
    wrt: tuple[str, ...],
    json_: bool,
    full: bool,
) -> None:
    opts = {"var": var, "wrt": wrt, "json": json_, "full": full}
    run_expression(ctx, expr, file, opts, _one, stream)
