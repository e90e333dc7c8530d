"""CLI layer: the command line's words -- bindings (``--NAME VALUE``, ``--var NAME=VALUE``),
``--wrt`` lists, the options every command shares, and the phrasing of library errors with flag
names (``reason="option", name="eps"`` -> ``--eps must be ...``).

Only argv-level rules live here (a name bound twice, ``--var`` syntax, a flag without its value);
what names and values mean is checked once, in exprgrad/analysis/bindings.py.
Imports: stdlib, click, exprgrad.errors.
"""

from __future__ import annotations

import re
from typing import Any

import click

from ..errors import BindingError

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BINDINGS = "exprgrad.bindings"
_PROBLEM = "exprgrad.problem"


class BindingCommand(click.Command):
    """A click command that also takes ``--NAME VALUE`` / ``--NAME=VALUE`` bindings.

    Before click parses, argv is split into the command's own options (handed to click), bindings
    (kept in ``ctx.meta``) and positionals (handed to click after ``--``, so an EXPR such as
    ``-x^2`` is never read as an option).  The token after ``--NAME`` is always its value."""

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return [*super().collect_usage_pieces(ctx), "[--NAME VALUE]..."]

    def option_table(self, ctx: click.Context) -> tuple[dict[str, bool], dict[str, bool]]:
        """(long options, short options) -> whether each takes a value."""
        longs: dict[str, bool] = {}
        shorts: dict[str, bool] = {}
        for p in self.get_params(ctx):
            if not isinstance(p, click.Option):
                continue
            takes_value = not p.is_flag and not p.count
            for o in (*p.opts, *p.secondary_opts):
                (longs if o.startswith("--") else shorts)[o] = takes_value
        return longs, shorts

    def reserved(self, ctx: click.Context) -> set[str]:
        """Names that are options of this command (bound with ``--var NAME=VALUE``)."""
        return {o[2:] for o in self.option_table(ctx)[0]}

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        longs, shorts = self.option_table(ctx)
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


def collect_bindings(ctx: click.Context, var: tuple[str, ...]) -> dict[str, str]:
    """name -> raw text, from ``--NAME VALUE`` / ``--NAME=VALUE`` and ``--var NAME=VALUE``."""
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
        if name in out:
            raise BindingError(f"{name} is bound twice ({spelled[name]} and {how})")
        out[name] = value
        spelled[name] = how
    return out


def parse_wrt(wrt: tuple[str, ...]) -> list[str] | None:
    """``--wrt w,b`` and ``--wrt w --wrt b`` alike; None when not given."""
    if not wrt:
        return None
    names = [w.strip() for item in wrt for w in item.split(",") if w.strip()]
    if not names:
        raise BindingError("--wrt needs a comma-separated list of variable names")
    return names


def _short(name: str, limit: int = 40) -> str:
    return name if len(name) <= limit else name[: limit - 11] + "…" + name[-10:]


def phrase(err: Any, reserved: set[str] | frozenset[str] = frozenset()) -> str:
    """A library error in the command line's words: flags for the names it concerns.
    ``reserved``: the command's own option names (bound with ``--var NAME=VALUE``)."""
    reason, name = err.reason, err.name
    if reason == "value":
        return f"--{name}: {err.detail}"
    if reason == "option":
        return f"--{name} {err.detail}"
    if reason == "unbound":
        how = " ".join(f"--var {m}=VALUE" if m in reserved else f"--{m} VALUE" for m in err.names)
        return f"{err.message} (give a value with {how})"
    if reason == "unbound in statement":
        s = "s" if len(err.names) > 1 else ""
        first = _short(err.names[0])
        return (
            f"unbound variable{s}: {err.detail} (define it on an earlier line, e.g. {first} = 1, "
            f"or give a value with --{first} VALUE)"
        )
    if reason == "wrt":
        return f"--wrt names '{name}', which the expression does not use{err.hint}"
    if reason == "wrt integer":
        return (
            f"--wrt names '{_short(name)}', an integer input (an index or labels): it gets no "
            "gradient"
        )
    if reason == "wrt in statements":
        return f"--wrt names '{_short(name)}', which no line uses"
    if reason == "unused in statements":
        return f"--{_short(name)} is bound but no line uses it{err.hint}"
    if reason == "bound intermediate":
        return (
            f"'{_short(name)}' is bound on the command line but defined here from other names; "
            "only inputs (name = number) can be bound"
        )
    if reason == "statement":
        return f"{err.message} (eval -f)"
    return err.message


def common_options(f: Any) -> Any:
    """EXPR, -f FILE, --var, --wrt, --json and --full: what every expression command takes."""
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


BINDING_HELP = """
Bind every variable of EXPR: --NAME VALUE or --NAME=VALUE for any name that is not one of the
options below, or --var NAME=VALUE for any name at all.  Bindings may come before or after EXPR;
an EXPR starting with '-' works as it is ("-x^2"); '--' ends the options.  VALUE is a float
literal (3, -1e-3, inf, nan), an array "[1, 2]" or @FILE (.csv, .npy, .json).  Without EXPR
(or with -f FILE) statements are read one per line from stdin or FILE.
"""
