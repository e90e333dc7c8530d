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


def as_value(name: str, value: Any, overflow: list[str] | None = None) -> Any:
    """A binding's value as the engines take it: a float, or a float64 array of 1 or 2
    dimensions.  Text is parsed (``"3"``, ``"[1, 2]"``, ``"@X.csv"``); lists and numpy arrays
    are checked.  ``overflow`` collects the numbers too large for a float (they read as ±inf)."""
    if isinstance(value, bool) or value is None:
        raise value_error(name, f"expected a number, got {value!r}")
    if isinstance(value, float):
        return value
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:  # an int beyond the float range: IEEE rounds it to ±inf
            if overflow is not None:
                try:
                    overflow.append(str(value))
                except ValueError:  # more digits than str() converts
                    overflow.append(f"an integer of {value.bit_length()} bits")
            return math.inf if value > 0 else -math.inf
    if isinstance(value, str):
        from ..io.values import parse_value

        return parse_value(name, value, overflow)
    from ..io.arrays import as_array

    return as_array(name, value, overflow)


def convert(
    bindings: Mapping[str, Any],
    *,
    verb: str = "bound",
    overflows: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """Every binding's value as the engines take it; a constant's name is refused.
    ``overflows``: name -> the numbers of its value too large for a float (see ``as_value``)."""
    out = {}
    for name, value in bindings.items():
        if name in CONSTANTS:
            raise constant_error(name, verb)
        out[name] = _value(name, value, overflows)
    return out


def _value(name: str, value: Any, overflows: dict[str, list[str]] | None) -> Any:
    if overflows is None:
        return as_value(name, value)
    over: list[str] = []
    out = as_value(name, value, over)
    if over:
        overflows[name] = over
    return out


def bind(
    variables: tuple[str, ...],
    bindings: Mapping[str, Any],
    *,
    strict: bool = True,
    overflows: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """``check_names`` (names first: an unbound name is reported before a bad value), then the
    values of ``variables``, converted (``overflows`` as for ``convert``)."""
    check_names(variables, bindings, strict=strict)
    return {name: _value(name, bindings[name], overflows) for name in variables}


def check_wrt(
    variables: tuple[str, ...],
    wrt: Any,
    differentiable: tuple[str, ...] | None = None,
    soft: tuple[str, ...] = (),
) -> tuple[str, ...]:
    """``wrt`` as names in the expression's order; every name must be a differentiable variable
    (not an integer input: an index, labels).  ``"w,b"`` (a string) is a comma-separated list;
    None means every differentiable variable.  ``soft``: names read as a built-in constant
    (``e``), for the hint."""
    if differentiable is None:
        differentiable = variables
    if wrt is None:
        return differentiable
    if isinstance(wrt, str):  # "w" or "w,b": names, not characters
        wrt = [w.strip() for w in wrt.split(",") if w.strip()]
    known = set(variables)
    for name in wrt:
        if name not in known:
            from ..syntax.diagnostics import did_you_mean

            hint = did_you_mean(name, variables)
            if name in soft:
                hint = (
                    f" (here {name} is Euler's number, 2.718...; give {name} a value to make it "
                    "a variable)"
                )
            raise BindingError(
                f"wrt names '{name}', which the expression does not use{hint}",
                name=name,
                reason="wrt",
                hint=hint,
            )
    ints = set(variables).difference(differentiable)
    for name in wrt:
        if name in ints:
            raise BindingError(
                f"{name} is an integer input (an index or labels): it gets no gradient, so it "
                "cannot be in wrt",
                name=name,
                reason="wrt integer",
            )
    wanted = set(wrt)
    return tuple(n for n in variables if n in wanted)


def check_integers(name: str, value: Any, column: Any, what: str) -> None:
    """An integer input's value (an index, labels) must be whole numbers: a ``BindingError`` at
    ``column`` (where it is used as ``what``) otherwise.  Its range is checked where the shape it
    indexes is known (the engine)."""
    if value.__class__ is float:
        if value == value and value - value == 0.0 and value == int(value):
            return
        bad = value
        pre = "must be a whole number"
    else:
        import numpy as np

        a = np.asarray(value)
        ok = np.isfinite(a) & (a == np.trunc(a))
        if ok.all():
            return
        bad = float(a[~ok].flat[0]) if a.ndim else float(a)
        pre = "must hold whole numbers"
    where = f" ({what} at column {column})" if column else f" ({what})"
    r = repr(float(bad))
    shown = r[:-2] if r.endswith(".0") else r
    raise BindingError(
        f"{name} {pre}{where}, got {shown}",
        column,
        name=name,
        reason="integer",
    )


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
