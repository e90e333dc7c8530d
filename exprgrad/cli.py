"""CLI layer: the ``exprgrad`` command (run by the console script through exprgrad/_entry.py).

Click parses every invocation.  ``eval`` and ``check`` take one EXPR plus bindings ``--NAME VALUE``
/ ``--NAME=VALUE`` (any name that is not one of the command's options) and ``--var NAME=VALUE``
(any name); without EXPR, or with ``-f FILE``, they hand over to the batch mode
(``exprgrad.batch.run_cli``).  This is the only module that prints: results come from
exprgrad/api.py, their text/JSON/table forms from exprgrad/render.py.  Exit codes and JSON keys
follow the README's contract.

Imports: click and stdlib at start-up; exprgrad.api/values/render when a command runs; Rich only
when a table is drawn; numpy only through exprgrad.arrays (array values).
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any

import click

from . import __version__
from .defaults import DEFAULT_ATOL, DEFAULT_EPS, DEFAULT_RTOL

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BINDINGS = "exprgrad.bindings"
_PROBLEM = "exprgrad.problem"
_PIPE_CLOSED = False


# -- argv: options, bindings and EXPR ----------------------------------------------------------
class BindingCommand(click.Command):
    """A click command that also takes ``--NAME VALUE`` / ``--NAME=VALUE`` bindings.

    Before click parses, argv is split into the command's own options (handed to click), bindings
    (kept in ``ctx.meta``) and positionals (handed to click after ``--``, so an EXPR such as
    ``-x^2`` is never read as an option).  The token after ``--NAME`` is always its value."""

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return [*super().collect_usage_pieces(ctx), "[--NAME VALUE]..."]

    def _option_table(self, ctx: click.Context) -> tuple[dict[str, bool], dict[str, bool]]:
        longs: dict[str, bool] = {}
        shorts: dict[str, bool] = {}
        for p in self.get_params(ctx):
            if not isinstance(p, click.Option):
                continue
            takes_value = not p.is_flag and not p.count
            for o in (*p.opts, *p.secondary_opts):
                (longs if o.startswith("--") else shorts)[o] = takes_value
        return longs, shorts

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        longs, shorts = self._option_table(ctx)
        known: list[str] = []
        positional: list[str] = []
        bindings: list[tuple[str, str, str]] = []  # (name, raw value, as spelled)
        problem: str | None = None
        i, n = 0, len(args)
        while i < n:
            a = args[i]
            if a == "--":
                positional.extend(args[i + 1 :])
                break
            if a.startswith("--"):
                name, eq, value = a[2:].partition("=")
                opt = "--" + name
                if opt in longs:
                    if longs[opt] and not eq:
                        if i + 1 >= n:
                            raise click.BadOptionUsage(opt, f"{opt} needs a value", ctx=ctx)
                        known.append(f"{opt}={args[i + 1]}")
                        i += 1
                    else:
                        known.append(a)
                elif _NAME.fullmatch(name):
                    if not eq:
                        if i + 1 >= n:
                            problem = problem or f"--{name} needs a value (--{name} VALUE)"
                            break
                        value = args[i + 1]
                        i += 1
                    bindings.append((name, value, a if eq else f"{a} {value}"))
                else:
                    raise click.NoSuchOption(opt, possibilities=list(longs), ctx=ctx)
            elif a in shorts:
                known.append(a)
                if shorts[a]:
                    if i + 1 >= n:
                        raise click.BadOptionUsage(a, f"{a} needs a value", ctx=ctx)
                    known.append(args[i + 1])
                    i += 1
            else:
                positional.append(a)
            i += 1
        if len(positional) > 1:
            shown = " ".join(positional)
            if len(shown) > 60:
                shown = shown[:59] + "…"
            hint = 'quote the expression: exprgrad eval "a + b" --a 1 --b 2'
            if "--" in args and any(p.startswith("--") for p in positional[1:]):
                hint = "everything after '--' is EXPR: put bindings before '--'"
            raise click.UsageError(
                f"expected one EXPR, got {len(positional)} arguments ({shown}); {hint}", ctx=ctx
            )
        ctx.meta[_BINDINGS] = bindings
        ctx.meta[_PROBLEM] = problem
        return super().parse_args(ctx, known + (["--", *positional] if positional else []))


class ExprgradGroup(click.Group):
    """The ``exprgrad`` group; its ``main`` maps every outcome to the contract's exit codes."""

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
                code = _internal_error(err, None, "--json" in _options_part(args))
            else:
                _silence_stdout()
                code = 0
        except Exception as err:  # a bug: short message, traceback only with EXPRGRAD_DEBUG=1
            code = _internal_error(err, None, "--json" in _options_part(args))
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
    _stderr(lambda: err.show())
    if "--json" in _options_part(args):
        from .errors import BindingError

        _emit_json({"expression": None, "error": BindingError(err.format_message()).to_json()})
    return err.exit_code


# -- printing ----------------------------------------------------------------------------------
def _is_broken_pipe(err: BaseException) -> bool:
    import errno

    return isinstance(err, BrokenPipeError) or getattr(err, "errno", None) == errno.EPIPE


def _silence_stdout() -> None:
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
        _silence_stdout()
        if not _is_broken_pipe(err):
            _stderr(f"exprgrad: error: could not write the output: {err}")
            return 70
    except ValueError:  # stdout already closed
        pass
    return None


def _to_stdout(write: Any) -> None:
    """Run ``write()`` and flush stdout; a closed pipe ends output quietly."""
    if _PIPE_CLOSED:
        return
    try:
        write()
        sys.stdout.flush()
    except OSError as err:
        if not _is_broken_pipe(err):
            raise
        _silence_stdout()


def _emit(text: str) -> None:
    """Write a line to stdout."""
    _to_stdout(lambda: sys.stdout.write(text + "\n"))


def _emit_json(obj: dict) -> None:
    from .render import dumps

    _emit(dumps(obj))


def _print_table(renderable: Any) -> None:
    from rich.console import Console

    _to_stdout(lambda: Console(file=sys.stdout, highlight=False, soft_wrap=False).print(renderable))


def _stderr(write: Any) -> None:
    try:
        if callable(write):
            write()
        else:
            sys.stderr.write(write + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # nowhere left to complain to
        pass


def _stdout_is_tty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


# -- errors ------------------------------------------------------------------------------------
def _report_error(err: Any, expression: str | None, as_json: bool) -> int:
    from .render import error_json, error_text

    _stderr(error_text(err, expression))
    if as_json:
        _emit_json(error_json(expression, err))
    return err.exit_code


def _internal_error(err: BaseException, expression: str | None, as_json: bool) -> int:
    from .errors import ExprgradError

    if os.environ.get("EXPRGRAD_DEBUG") == "1":
        import traceback

        _stderr(lambda: traceback.print_exception(type(err), err, err.__traceback__))
    detail = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
    if len(detail) > 200:
        detail = detail[:199] + "…"
    message = f"{detail} (set EXPRGRAD_DEBUG=1 for a traceback)"
    _stderr(f"exprgrad: internal error: {message}")
    if as_json:
        from .render import error_json

        try:
            _emit_json(error_json(expression, ExprgradError(message)))
        except OSError:  # stdout itself is what failed (a full disk): stderr said it all
            _silence_stdout()
    return 70


# -- running a command -------------------------------------------------------------------------
def _collect_bindings(ctx: click.Context, var: tuple[str, ...]) -> dict[str, str]:
    """name -> raw text, from ``--NAME VALUE`` / ``--NAME=VALUE`` and ``--var NAME=VALUE``."""
    from .errors import BindingError
    from .ops import CONSTANTS

    if ctx.meta.get(_PROBLEM):
        raise BindingError(ctx.meta[_PROBLEM])
    given: list[tuple[str, str, str]] = list(ctx.meta.get(_BINDINGS, ()))
    for item in var:
        name, eq, value = item.partition("=")
        name = name.strip()
        if not eq or not _NAME.fullmatch(name):
            raise BindingError(f"--var expects NAME=VALUE, got '{item}'")
        given.append((name, value, f"--var {item}"))
    out: dict[str, str] = {}
    spelled: dict[str, str] = {}
    for name, value, how in given:
        if name in CONSTANTS:
            raise BindingError(f"{name} is a built-in constant and cannot be bound")
        if name in out:
            raise BindingError(f"{name} is bound twice ({spelled[name]} and {how})")
        out[name] = value
        spelled[name] = how
    return out


def _parse_wrt(wrt: tuple[str, ...]) -> list[str] | None:
    """``--wrt w,b`` and ``--wrt w --wrt b`` alike; None when not given."""
    if not wrt:
        return None
    from .errors import BindingError

    names = [w.strip() for item in wrt for w in item.split(",") if w.strip()]
    if not names:
        raise BindingError("--wrt needs a comma-separated list of variable names")
    return names


def _run(ctx: click.Context, command: str, expr: str | None, file: str | None, **opts: Any):
    """Run eval or check; always ends with ``ctx.exit(code)``."""
    as_json = opts["json"]
    shown = expr
    try:
        try:
            bindings = _collect_bindings(ctx, opts.pop("var"))
            opts["wrt"] = _parse_wrt(opts["wrt"])
            if expr is not None and file is not None:
                raise click.UsageError("give EXPR or -f FILE, not both", ctx=ctx)
            if expr is None:
                code = _run_batch(ctx, command, file, bindings, opts)
            else:
                from .api import strip_text

                shown = strip_text(expr)
                longs, _ = ctx.command._option_table(ctx)  # type: ignore[attr-defined]
                reserved = {o[2:] for o in longs}
                code = _run_one(command, expr, bindings, opts, reserved)
        except KeyboardInterrupt:
            code = 130
        except click.ClickException:
            raise
        except Exception as err:
            from .errors import ExprgradError

            if isinstance(err, ExprgradError):
                code = _report_error(err, shown, as_json)
            elif isinstance(err, OSError) and _is_broken_pipe(err):
                _silence_stdout()
                code = 0
            else:
                code = _internal_error(err, shown, as_json)
    except KeyboardInterrupt:  # arrived while reporting
        code = 130
    ctx.exit(code)


def _run_one(
    command: str,
    expr: str,
    bindings: dict[str, str],
    opts: dict[str, Any],
    reserved: set[str] = frozenset(),  # type: ignore[assignment]
) -> int:
    from . import render
    from .api import parse
    from .values import parse_value

    expression = parse(expr)
    # names first: unused, unbound, constants (an unbound option name is bound with --var)
    expression._check_bindings(bindings, reserved=reserved)
    values = {name: parse_value(name, raw) for name, raw in bindings.items()}
    as_json, full = opts["json"], opts["full"]
    if command == "eval":
        result = expression.gradients(values, wrt=opts["wrt"])
        _show(result, as_json, full, render.eval_json, render.eval_table, render.eval_plain)
        if result.note and not as_json and not _stdout_is_tty():
            _stderr(f"exprgrad: note: {result.note}")
        return 0
    report = expression.check(
        values,
        eps=opts["eps"],
        rtol=opts["rtol"],
        atol=opts["atol"],
        method=opts["method"],
        seed=opts["seed"],
        wrt=opts["wrt"],
    )
    _show(report, as_json, full, render.check_json, render.check_table, render.check_plain)
    return 0 if report.ok else 1


def _show(outcome: Any, as_json: bool, full: bool, to_json: Any, table: Any, plain: Any) -> None:
    """Warnings to stderr, then the outcome as JSON, a Rich table (a terminal) or plain text."""
    from . import render

    for w in outcome.warnings:
        _stderr(render.warning_text(w))
    if as_json:
        _emit_json(to_json(outcome))
    elif _stdout_is_tty():
        _print_table(table(outcome, full=full))
    else:
        _emit(plain(outcome, full=full))


def _run_batch(
    ctx: click.Context,
    command: str,
    file: str | None,
    bindings: dict[str, str],
    opts: dict[str, Any],
) -> int:
    if file is None and _stdin_is_tty():
        raise click.UsageError(
            "missing EXPR (give an expression, -f FILE, or pipe statements on stdin)", ctx=ctx
        )
    if (file is None or file == "-") and sys.stdin is None:
        from .errors import InputError

        raise InputError("stdin is closed: give an expression or -f FILE")
    from .batch import open_source, run_cli

    if file is None or file == "-":
        source, filename, close = sys.stdin.buffer, "<stdin>", False
    else:
        source, filename, close = open_source(file), file, True
    try:
        return run_cli(
            command=command,
            source=source,
            filename=filename,
            bindings=bindings,
            options=opts,
            stdout=sys.stdout,
            stderr=sys.stderr,
            tty=_stdout_is_tty(),
        )
    finally:
        if close:
            source.close()


# -- the commands ------------------------------------------------------------------------------
_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

_BINDING_HELP = """
Bind every variable of EXPR: --NAME VALUE or --NAME=VALUE for any name that is not one of the
options below, or --var NAME=VALUE for any name at all.  Bindings may come before or after EXPR;
an EXPR starting with '-' works as it is ("-x^2"); '--' ends the options.  VALUE is a float
literal (3, -1e-3, inf, nan), an array "[1, 2]" or @FILE (.csv, .npy, .json).  Without EXPR
(or with -f FILE) statements are read one per line from stdin or FILE.
"""

_EVAL_HELP = (
    """Value of EXPR and its gradient with respect to every variable (backprop).
"""
    + _BINDING_HELP
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

_CHECK_HELP = (
    """Backprop against central differences, one row per variable.

Step h = eps*max(1, |x|).  A row passes iff abs_error <= atol + rtol*|numeric|; rel_error =
abs_error / max(|backprop|, |numeric|) (0 when both are 0); nan on either side fails.  A variable
feeding a kink (relu or abs at 0) is flagged with an explanation and does not fail.  Exit status 0
when every row passes, 1 otherwise.
"""
    + _BINDING_HELP
    + """
\b
Examples:
  exprgrad check "(a + b^3) * c" --a 7 --b 3 --c 2
  exprgrad check "(a + relu(b)) * c" --a 7 --b 0 --c 2 --json
  exprgrad check "tanh(x) / x" --x 1e-3 --eps 1e-7 --rtol 1e-4
"""
)

_GROUP_HELP = """Value and gradient of a formula (backprop, the lecture's way) and a gradient check.

\b
Examples:
  exprgrad eval "(a + b^3) * c" --a 7 --b 3 --c 2
  exprgrad check "(a + b^3) * c" --a 7 --b 3 --c 2
  exprgrad eval "(a + b) * c" --a 7 --b 3 --c 2 --json
  exprgrad eval -f examples/lecture.expr

Exit status: 0 ok, 1 a check failed, 2 bad input, 70 internal error, 130 interrupted.
"""


def _common_options(f: Any) -> Any:
    f = click.option(
        "--full", is_flag=True, help="Print arrays in full instead of summarizing them with …."
    )(f)
    f = click.option("--json", "json_", is_flag=True, help="One JSON object on stdout.")(f)
    f = click.option(
        "--wrt",
        metavar="NAMES",
        multiple=True,
        help="Only these variables' gradients (comma-separated), e.g. --wrt w,b.",
    )(f)
    f = click.option(
        "--var",
        metavar="NAME=VALUE",
        multiple=True,
        help="Bind any name, even one that is also an option (repeatable).",
    )(f)
    f = click.option(
        "-f",
        "--file",
        metavar="FILE",
        help="Read statements from FILE ('-' = stdin), one per line.",
    )(f)
    return click.argument("expr", required=False, metavar="[EXPR]")(f)


@click.group(
    cls=ExprgradGroup,
    invoke_without_command=True,
    help=_GROUP_HELP,
    context_settings=_CONTEXT,
)
@click.version_option(
    __version__, "--version", prog_name="exprgrad", message="%(prog)s %(version)s"
)
@click.pass_context
def cli(ctx: click.Context) -> None:
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())
        ctx.exit(0)


@cli.command(
    "eval",
    cls=BindingCommand,
    help=_EVAL_HELP,
    short_help="Value of EXPR and its gradients (backprop).",
    context_settings=_CONTEXT,
)
@_common_options
@click.pass_context
def eval_command(
    ctx: click.Context,
    expr: str | None,
    file: str | None,
    var: tuple[str, ...],
    wrt: tuple[str, ...],
    json_: bool,
    full: bool,
) -> None:
    _run(ctx, "eval", expr, file, var=var, wrt=wrt, json=json_, full=full)


@cli.command(
    "check",
    cls=BindingCommand,
    help=_CHECK_HELP,
    short_help="Backprop against central differences (gradient check).",
    context_settings=_CONTEXT,
)
@_common_options
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
def check_command(
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
    _run(
        ctx,
        "check",
        expr,
        file,
        var=var,
        wrt=wrt,
        json=json_,
        full=full,
        eps=eps,
        rtol=rtol,
        atol=atol,
        method=method,
        seed=seed,
    )


def main(argv: list[str] | None = None) -> int:
    """The console script: run ``exprgrad`` with ``argv`` (default: sys.argv) -> exit code."""
    return cli.main(argv, prog_name="exprgrad", standalone_mode=False)
