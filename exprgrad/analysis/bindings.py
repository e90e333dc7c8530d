"""Analysis layer: the one place that validates what a caller hands in -- bindings (names and
values), ``wrt`` names and the gradient check's settings.

Errors are ``BindingError``s with fields (``reason``, ``name``, ``names``, ``detail``, ``hint``)
and the library's own words; the CLI phrases them with its flags (exprgrad/cli/args.py).
Imports: stdlib, exprgrad.errors, exprgrad.core.ops, exprgrad.io.values (exprgrad.io.arrays for
array values), exprgrad.syntax.diagnostics (did you mean, on the error path).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from ..core.ops import CONSTANTS
from ..errors import BindingError, option_error, value_error

#: the documented defaults of ``check`` (README contract)
DEFAULT_EPS = 1e-6
DEFAULT_RTOL = 1e-5
DEFAULT_ATOL = 1e-8
METHODS = ("elementwise", "directional")


def constant_error(name: str, verb: str = "bound") -> BindingError:
    return BindingError(
        f"{name} is a built-in constant and cannot be {verb}", name=name, reason="constant"
    )


def check_names(
    variables: tuple[str, ...], bindings: Iterable[str], *, strict: bool = True
) -> None:
    """Every variable bound, no constant bound, and (``strict``) nothing else bound."""
    known = set(variables)  # not the tuple: O(1) lookups for many variables
    bound = set()
    for name in bindings:
        bound.add(name)
        if name in CONSTANTS:
            raise constant_error(name)
        if strict and name not in known:
            from ..syntax.diagnostics import did_you_mean

            hint = did_you_mean(name, variables)
            raise BindingError(
                f"'{name}' is bound but the expression does not use it{hint}",
                name=name,
                reason="unused",
                hint=hint,
            )
    missing = tuple(v for v in variables if v not in bound)
    if missing:
        raise unbound_error(missing)


def unbound_error(missing: tuple[str, ...], hint: str = "") -> BindingError:
    """``unbound variable(s): a, b`` (``reason="unbound"``, ``names`` = the variables)."""
    s = "s" if len(missing) > 1 else ""
    return BindingError(
        f"unbound variable{s}: {', '.join(missing)}{hint}",
        reason="unbound",
        names=missing,
        hint=hint,
    )


def as_value(name: str, value: Any) -> Any:
    """A binding's value as the engines take it: a float, or a float64 array of 1 or 2
    dimensions.  Text is parsed (``"3"``, ``"[1, 2]"``, ``"@X.csv"``); lists and numpy arrays
    are checked."""
    if isinstance(value, bool) or value is None:
        raise value_error(name, f"expected a number, got {value!r}")
    if isinstance(value, float):
        return value
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:  # an int beyond the float range: IEEE rounds it to ±inf
            return math.inf if value > 0 else -math.inf
    if isinstance(value, str):
        from ..io.values import parse_value

        return parse_value(name, value)
    from ..io.arrays import as_array

    return as_array(name, value)


def convert(bindings: Mapping[str, Any], *, verb: str = "bound") -> dict[str, Any]:
    """Every binding's value as the engines take it; a constant's name is refused."""
    out = {}
    for name, value in bindings.items():
        if name in CONSTANTS:
            raise constant_error(name, verb)
        out[name] = as_value(name, value)
    return out


def bind(
    variables: tuple[str, ...], bindings: Mapping[str, Any], *, strict: bool = True
) -> dict[str, Any]:
    """``check_names`` (names first: an unbound name is reported before a bad value), then the
    values of ``variables``, converted."""
    check_names(variables, bindings, strict=strict)
    return {name: as_value(name, bindings[name]) for name in variables}


def check_wrt(variables: tuple[str, ...], wrt: Any) -> tuple[str, ...]:
    """``wrt`` as names in the expression's order; every name must be a variable.  ``"w,b"``
    (a string) is a comma-separated list; None means every variable."""
    if wrt is None:
        return variables
    if isinstance(wrt, str):  # "w" or "w,b": names, not characters
        wrt = [w.strip() for w in wrt.split(",") if w.strip()]
    known = set(variables)
    for name in wrt:
        if name not in known:
            from ..syntax.diagnostics import did_you_mean

            hint = did_you_mean(name, variables)
            raise BindingError(
                f"wrt names '{name}', which the expression does not use{hint}",
                name=name,
                reason="wrt",
                hint=hint,
            )
    wanted = set(wrt)
    return tuple(n for n in variables if n in wanted)


def check_settings(
    eps: Any = None,
    rtol: Any = None,
    atol: Any = None,
    method: str | None = None,
    seed: Any = None,
) -> dict[str, Any]:
    """The contract's rules for ``check``'s settings (None: the default), as numbers;
    ``BindingError`` otherwise."""
    out: dict[str, Any] = {}
    for opt, raw, default in (
        ("eps", eps, DEFAULT_EPS),
        ("rtol", rtol, DEFAULT_RTOL),
        ("atol", atol, DEFAULT_ATOL),
    ):
        if raw is None:
            raw = default
        try:
            out[opt] = float(raw)
        except (TypeError, ValueError):
            raise option_error(opt, f"must be a number, got {raw!r}") from None
    if not (out["eps"] > 0 and math.isfinite(out["eps"])):
        raise option_error("eps", f"must be a positive finite number, got {out['eps']!r}")
    for opt in ("rtol", "atol"):
        if not (out[opt] >= 0 and math.isfinite(out[opt])):
            raise option_error(opt, f"must be a finite number >= 0, got {out[opt]!r}")
    if method not in (None, *METHODS):
        raise BindingError(
            f"check: unknown method {method!r} (elementwise or directional)",
            name="method",
            reason="method",
        )
    if seed is not None and (seed.__class__ is not int or seed < 0):
        raise option_error("seed", f"must be a whole number >= 0, got {seed!r}")
    return {**out, "method": method, "seed": seed}
