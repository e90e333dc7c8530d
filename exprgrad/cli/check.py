"""CLI layer: ``exprgrad check`` -- backprop against central differences, one row per variable
(per element for arrays), for one expression or every statement of a file or stdin; exit 1 when
a row fails.

Imports: click, exprgrad.cli; exprgrad.analysis and exprgrad.render when it runs.
"""

from __future__ import annotations

from typing import Any

import click

from ..analysis.bindings import DEFAULT_ATOL, DEFAULT_EPS, DEFAULT_RTOL
from .args import BINDING_HELP, BindingCommand, common_options
from .main import CONTEXT, run_expression, show

_HELP = (
    """Backprop against central differences, one row per variable.

Step h = eps*max(1, |x|).  A row passes iff abs_error <= atol + rtol*|numeric|; rel_error =
abs_error / max(|backprop|, |numeric|) (0 when both are 0); nan on either side fails.  A variable
feeding a kink (relu or abs at 0, max or min at a tie) is flagged with an explanation and does not
fail.  Integer inputs (an index, labels) are not checked.  Exit status 0 when every row passes, 1
otherwise.
"""
    + BINDING_HELP
    + """
\b
Examples:
  exprgrad check "(a + b^3) * c" --a 7 --b 3 --c 2
  exprgrad check "(a + relu(b)) * c" --a 7 --b 0 --c 2 --json
  exprgrad check "tanh(x) / x" --x 1e-3 --eps 1e-7 --rtol 1e-4
"""
)

_SETTINGS = ("eps", "rtol", "atol", "method", "seed")


def _one(expression: Any, bindings: dict[str, str], opts: dict[str, Any], reserved: set[str]):
    from ..render import results

    settings = {k: opts[k] for k in _SETTINGS}
    report = expression.check(bindings, wrt=opts["wrt"], **settings)
    show(report, opts["json"], opts["full"], results.check_json, results.check_table,
         results.check_plain)  # fmt: skip
    return 0 if report.ok else 1


def _action(options: dict[str, Any]) -> Any:
    """Per statement: the check (settings validated once, before line 1)."""
    from ..analysis.bindings import check_settings
    from ..analysis.check import check_statement

    return check_statement(check_settings(*(options.get(k) for k in _SETTINGS)))


def stream() -> Any:
    """What ``check`` does per statement of a file or stdin (built only when one is read)."""
    from ..render.stream import CheckRows
    from .statements import StreamSpec

    return StreamSpec(CheckRows(), _action)


@click.command(
    "check",
    cls=BindingCommand,
    help=_HELP,
    short_help="Backprop against central differences (gradient check).",
    context_settings=CONTEXT,
)
@common_options
@click.option(
    "--eps",
    type=float,
    default=DEFAULT_EPS,
    show_default=True,
    help="Relative step of the central differences: h = eps*max(1, |x|).",
)
@click.option(
    "--rtol",
    type=float,
    default=DEFAULT_RTOL,
    show_default=True,
    help="Relative tolerance: pass iff abs_error <= atol + rtol*|numeric|.",
)
@click.option(
    "--atol",
    type=float,
    default=DEFAULT_ATOL,
    show_default=True,
    help="Absolute tolerance (see --rtol).",
)
@click.option(
    "--elementwise/--directional",
    "elementwise",
    default=None,
    help="Arrays: check every element, or one random direction (default: elementwise up to "
    "1,000 input elements).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=None,
    help="Seed of the random direction (arrays), a whole number >= 0.",
)
@click.pass_context
def command(
    ctx: click.Context,
    expr: str | None,
    file: str | None,
    var: tuple[str, ...],
    wrt: tuple[str, ...],
    json_: bool,
    full: bool,
    eps: float,
    rtol: float,
    atol: float,
    elementwise: bool | None,
    seed: int | None,
) -> None:
    method = None if elementwise is None else ("elementwise" if elementwise else "directional")
    opts = {"var": var, "wrt": wrt, "json": json_, "full": full, "eps": eps, "rtol": rtol}
    opts.update(atol=atol, method=method, seed=seed)
    run_expression(ctx, expr, file, opts, _one, stream)
