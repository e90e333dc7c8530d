"""CLI layer: the ``exprgrad`` command group -- exit codes, stdout/stderr handling, and the flow
every expression command shares (one EXPR, or statements from a file or stdin).

Commands live one per module (exprgrad/cli/eval.py, check.py, ...) and are imported only when
run (``COMMANDS``), so ``exprgrad eval`` never loads what ``exprgrad check`` needs.  A command's
callback reads its options and calls ``run_expression`` with what it does for one expression
and per statement; results come from exprgrad/analysis/, their forms from exprgrad/render/.
This package is the only code that prints.  Exit codes and JSON keys follow the README contract.

Imports: stdlib and click at start-up; the rest of exprgrad when a command runs; Rich only when a
table is drawn; numpy only for array values.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from .. import __version__

_PIPE_CLOSED = False

#: command name -> (module, one-line help): the module is imported only to run the command
COMMANDS: dict[str, tuple[str, str]] = {
    "eval": ("exprgrad.cli.eval", "Value of EXPR and its gradients (backprop)."),
    "check": ("exprgrad.cli.check", "Backprop against central differences (gradient check)."),
    "plot": ("exprgrad.cli.plot", "Plot EXPR and its derivative over a range of one variable."),
}


class ExprgradGroup(click.Group):
    """The ``exprgrad`` group: commands loaded on use, and a ``main`` that maps every outcome to
    the contract's exit codes."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        command: click.Command = importlib.import_module(COMMANDS[cmd_name][0]).command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help`` from ``COMMANDS`` (without importing each command)."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][1]) for name in sorted(COMMANDS)])

    def main(  # type: ignore[override]
        self,
        args: list[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> int:
        args = list(sys.argv[1:] if args is None else args)
        _usable_streams()
        try:
            code = super().main(
                args, prog_name or "exprgrad", complete_var, standalone_mode=False, **extra
            )
        except (click.exceptions.Abort, KeyboardInterrupt):
            code = 130
        except click.ClickException as err:
            code = _usage_error(err, args)
        except OSError as err:
            if not _is_broken_pipe(err):
                code = internal_error(err, None, "--json" in _options_part(args))
            else:
                silence_stdout()
                code = 0
        except Exception as err:  # a bug: short message, traceback only with EXPRGRAD_DEBUG=1
            code = internal_error(err, None, "--json" in _options_part(args))
        code = code if isinstance(code, int) else 0
        code = _flush_stdout() or code
        if standalone_mode:
            sys.exit(code)
        return code


def _usable_streams() -> None:
    """A closed stdout/stderr (``>&-``: Python makes it None) writes to /dev/null instead, and a
    non-UTF-8 one replaces what it cannot encode (✓, …) rather than failing."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:
            setattr(sys, name, open(os.devnull, "w"))  # noqa: SIM115 -- lives until exit
            continue
        try:
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError, OSError):
            pass


def _options_part(args: list[str]) -> list[str]:
    return args[: args.index("--")] if "--" in args else args


def _usage_error(err: click.ClickException, args: list[str]) -> int:
    to_stderr(lambda: err.show())
    if "--json" in _options_part(args):
        from ..errors import BindingError

        emit_json({"expression": None, "error": BindingError(err.format_message()).to_json()})
    return err.exit_code


# -- printing ----------------------------------------------------------------------------------
def _is_broken_pipe(err: BaseException) -> bool:
    import errno

    return isinstance(err, BrokenPipeError) or getattr(err, "errno", None) == errno.EPIPE


def silence_stdout() -> None:
    """The reader went away (``| head``): send the rest of stdout to /dev/null, quietly."""
    global _PIPE_CLOSED
    _PIPE_CLOSED = True
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 -- lives until exit
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _flush_stdout() -> int | None:
    """Flush stdout at exit; 70 if the last output could not be written (a full disk)."""
    try:
        sys.stdout.flush()
    except OSError as err:
        silence_stdout()
        if not _is_broken_pipe(err):
            to_stderr(f"exprgrad: error: could not write the output: {err}")
            return 70
    except ValueError:  # stdout already closed
        pass
    return None


def _to_stdout(write: Callable[[], Any]) -> None:
    """Run ``write()`` and flush stdout; a closed pipe ends output quietly."""
    if _PIPE_CLOSED:
        return
    try:
        write()
        sys.stdout.flush()
    except OSError as err:
        if not _is_broken_pipe(err):
            raise
        silence_stdout()


def emit(text: str) -> None:
    """Write a line to stdout."""
    _to_stdout(lambda: sys.stdout.write(text + "\n"))


def emit_json(obj: dict) -> None:
    from ..render.numbers import dumps

    emit(dumps(obj))


def print_rich(renderable: Any) -> None:
    from rich.console import Console

    _to_stdout(lambda: Console(file=sys.stdout, highlight=False, soft_wrap=False).print(renderable))


def to_stderr(write: str | Callable[[], Any]) -> None:
    try:
        if callable(write):
            write()
        else:
            sys.stderr.write(write + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # nowhere left to complain to
        pass


def stdout_is_tty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def show(outcome: Any, as_json: bool, full: bool, to_json: Any, table: Any, plain: Any) -> None:
    """Warnings to stderr, then the outcome as JSON, a Rich table (a terminal) or plain text."""
    from ..render.messages import warning_text

    for w in outcome.warnings:
        to_stderr(warning_text(w))
    if as_json:
        emit_json(to_json(outcome))
    elif stdout_is_tty():
        print_rich(table(outcome, full=full))
    else:
        emit(plain(outcome, full=full))


# -- errors ------------------------------------------------------------------------------------
def report_error(err: Any, expression: str | None, as_json: bool, reserved: Any = ()) -> int:
    from ..render.messages import error_text
    from ..render.results import error_json
    from .args import phrase

    message = phrase(err, frozenset(reserved))
    to_stderr(error_text(err, expression, message=message))
    if as_json:
        emit_json(error_json(expression, err, message))
    return err.exit_code


def internal_error(err: BaseException, expression: str | None, as_json: bool) -> int:
    from ..errors import ExprgradError

    if os.environ.get("EXPRGRAD_DEBUG") == "1":
        import traceback

        to_stderr(lambda: traceback.print_exception(type(err), err, err.__traceback__))
    detail = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
    if len(detail) > 200:
        detail = detail[:199] + "…"
    message = f"{detail} (set EXPRGRAD_DEBUG=1 for a traceback)"
    to_stderr(f"exprgrad: internal error: {message}")
    if as_json:
        from ..render.results import error_json

        try:
            emit_json(error_json(expression, ExprgradError(message)))
        except OSError:  # stdout itself is what failed (a full disk): stderr said it all
            silence_stdout()
    return 70


# -- the flow of an expression command ---------------------------------------------------------
def run_expression(
    ctx: click.Context,
    expr: str | None,
    file: str | None,
    opts: dict[str, Any],
    one: Callable[[Any, dict[str, str], dict[str, Any], set[str]], int],
    stream: Any,
) -> None:
    """Run a command on EXPR (``one(expression, bindings, opts, reserved) -> exit code``) or on
    the statements of FILE / stdin (``stream()``: the command's ``StreamSpec``); always ends
    with ``ctx.exit(code)``."""
    from .args import collect_bindings, parse_wrt

    as_json = opts["json"]
    shown = expr
    reserved: set[str] = ctx.command.reserved(ctx)  # type: ignore[attr-defined]
    try:
        try:
            bindings = collect_bindings(ctx, opts.pop("var"))
            opts["wrt"] = parse_wrt(opts["wrt"])
            if expr is not None and file is not None:
                raise click.UsageError("give EXPR or -f FILE, not both", ctx=ctx)
            if expr is None:
                code = _run_statements(ctx, file, bindings, opts, stream)
            else:
                from ..analysis.expression import parse
                from ..syntax.reader import strip_text

                shown = strip_text(expr)
                code = one(parse(expr), bindings, opts, reserved)
        except KeyboardInterrupt:
            code = 130
        except click.ClickException:
            raise
        except Exception as err:
            from ..errors import ExprgradError

            if isinstance(err, ExprgradError):
                code = report_error(err, shown, as_json, reserved)
            elif isinstance(err, OSError) and _is_broken_pipe(err):
                silence_stdout()
                code = 0
            else:
                code = internal_error(err, shown, as_json)
    except KeyboardInterrupt:  # arrived while reporting
        code = 130
    ctx.exit(code)


def _run_statements(
    ctx: click.Context,
    file: str | None,
    bindings: dict[str, str],
    opts: dict[str, Any],
    stream: Any,
) -> int:
    if file is None and _stdin_is_tty():
        raise click.UsageError(
            "missing EXPR (give an expression, -f FILE, or pipe statements on stdin)", ctx=ctx
        )
    if (file is None or file == "-") and sys.stdin is None:
        from ..errors import InputError

        raise InputError("stdin is closed: give an expression or -f FILE")
    from ..io.lines import open_source
    from . import statements

    if file is None or file == "-":
        source, filename, close = sys.stdin.buffer, "<stdin>", False
    else:
        source, filename, close = open_source(file), file, True
    try:
        return statements.run_cli(
            stream=stream(),
            source=source,
            filename=filename,
            bindings=bindings,
            options=opts,
            stdout=sys.stdout,
            stderr=sys.stderr,
            tty=stdout_is_tty(),
        )
    finally:
        if close:
            source.close()


# -- the group ---------------------------------------------------------------------------------
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

_GROUP_HELP = """Value and gradient of a formula (backprop, the lecture's way) and a gradient check.

\b
Examples:
  exprgrad eval "(a + b^3) * c" --a 7 --b 3 --c 2
  exprgrad check "(a + b^3) * c" --a 7 --b 3 --c 2
  exprgrad eval "(a + b) * c" --a 7 --b 3 --c 2 --json
  exprgrad eval -f examples/lecture.expr
  exprgrad plot "(a + relu(b)) * c" --a 7 --b -3:3 --c 2

Exit status: 0 ok, 1 a check failed, 2 bad input, 70 internal error, 130 interrupted.
"""


@click.group(
    cls=ExprgradGroup,
    invoke_without_command=True,
    help=_GROUP_HELP,
    context_settings=CONTEXT,
)
@click.version_option(
    __version__, "--version", prog_name="exprgrad", message="%(prog)s %(version)s"
)
@click.pass_context
def cli(ctx: click.Context) -> None:
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())
        ctx.exit(0)


def main(argv: list[str] | None = None) -> int:
    """The console script: run ``exprgrad`` with ``argv`` (default: sys.argv) -> exit code."""
    return cli.main(argv, prog_name="exprgrad", standalone_mode=False)
