"""CLI layer: ``exprgrad plot EXPR --x START:STOP`` -- f and ∂f/∂x over a range of one variable
(the others fixed at their bindings): a chart on a terminal, the sampled table (TSV) otherwise,
one JSON object with ``--json``, an SVG with ``-o FILE``.

Imports: click, exprgrad.cli; exprgrad.analysis and exprgrad.render when it runs (uniplot only
for the terminal chart).
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import click

from . import main
from .args import BindingCommand
from .main import CONTEXT, run_expression

_HELP = """Plot EXPR and its derivative over a range of one variable.

Give that variable's range as --NAME START:STOP (exactly one range; START < STOP, both finite)
and bind every other variable as usual (--NAME VALUE, --var NAME=VALUE; arrays too).  The range is
sampled at --points evenly spaced points, both ends included.  On a terminal: a chart of f and
∂f/∂x with a legend, vertical lines where ∂f/∂x changes sign, where a kink lies (relu, abs) and
where a pole or domain edge lies (1/x, log), listed below the chart.  Not a terminal: the sampled
table, tab-separated, columns x, value, gradient.  -o FILE writes an SVG chart as well
(-o - writes it to stdout instead).

\b
Examples:
  exprgrad plot "x^2" --x -2:2
  exprgrad plot "x^2" --x 0:1 --points 11 | cat
  exprgrad plot "(a + relu(b)) * c" --a 7 --b -3:3 --c 2 -o relu.svg
  exprgrad plot "log(x)" --x 0:3 --json
  exprgrad plot "mean((X @ w + c - y)^2)" --X @examples/X.csv --y @examples/y.csv \\
      --w "[0.5, -1, 2]" --c -5:5

Exit status: 0 ok, 2 bad input (a bad range or binding, --points out of range, a file that
cannot be written), 70 internal error, 130 interrupted.
"""


def _phrased(err: Any) -> Any:
    """The range errors in the command line's words (flags)."""
    from ..errors import BindingError

    if err.reason == "no range":
        name = err.names[0] if err.names else "x"
        return BindingError(
            f"plot needs the range of one variable: give it as --{name} START:STOP "
            f"(for example --{name} -2:2)"
        )
    if err.reason == "ranges":
        flags = " and ".join(f"--{n}" for n in err.names)
        return BindingError(f"only one variable can range, but {flags} both give START:STOP")
    return err


def _write(path: str, text: str) -> None:
    from ..errors import InputError

    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as err:
        raise InputError(f"could not write {path}: {err.strerror or err}", name=path) from None


def _one(expression: Any, bindings: dict[str, str], opts: dict[str, Any], reserved: set[str]):
    from ..analysis.plot import sample
    from ..errors import ExprgradError
    from ..render import plot as render
    from ..render.messages import warning_text

    try:
        s = sample(expression, bindings, points=opts["points"])
    except ExprgradError as err:
        raise _phrased(err) from None
    for w in s.warnings:
        main.to_stderr(warning_text(w))
    out = opts["output"]
    if out == "-":
        main.emit(render.plot_svg(s).rstrip("\n"))
        return 0
    if out is not None:
        _write(out, render.plot_svg(s))
    if opts["json"]:
        main.emit_json(render.plot_json(s))
    elif main.stdout_is_tty():
        size = shutil.get_terminal_size()
        color = not os.environ.get("NO_COLOR")
        main.emit(render.terminal(s, columns=size.columns, lines=size.lines, color=color))
    else:
        main.emit(render.plot_tsv(s))
    if out is not None:
        main.to_stderr(f"exprgrad: wrote {out}")
    return 0


@click.command(
    "plot",
    cls=BindingCommand,
    help=_HELP,
    short_help="Plot EXPR and its derivative over a range (terminal, TSV, JSON, SVG).",
    context_settings=CONTEXT,
)
@click.argument("expr", required=False, metavar="EXPR")
@click.option(
    "--points",
    type=int,
    default=201,
    show_default=True,
    metavar="N",
    help="How many points to sample, ends included (2 to 1,000,000).",
)
@click.option("-o", "--output", metavar="FILE", help="Write an SVG chart to FILE ('-': stdout).")
@click.option("--json", "json_", is_flag=True, help="One JSON object on stdout.")
@click.option(
    "--var",
    metavar="NAME=VALUE",
    multiple=True,
    help="Bind any name, even one that is also an option (repeatable); NAME=START:STOP too.",
)
@click.pass_context
def command(
    ctx: click.Context,
    expr: str | None,
    points: int,
    output: str | None,
    json_: bool,
    var: tuple[str, ...],
) -> None:
    if expr is None:
        raise click.UsageError('missing EXPR (for example: exprgrad plot "x^2" --x -2:2)', ctx=ctx)
    opts = {"var": var, "wrt": (), "json": json_, "points": points, "output": output}
    run_expression(ctx, expr, None, opts, _one, None)
