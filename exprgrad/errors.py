"""Library layer: the one exception family of exprgrad.

Every error the library raises on purpose is an ``ExprgradError`` carrying a ``type`` (one of the
contract's error types), a message and, where it points into the text, a 1-based code-point column.
The CLI turns these into messages and exit codes; nothing here prints.  Imports: stdlib only.
"""

from __future__ import annotations

#: error type -> process exit code (the README contract).
EXIT_CODES = {
    "syntax": 2,
    "name": 2,
    "arity": 2,
    "binding": 2,
    "shape": 2,
    "domain": 2,
    "io": 2,
    "internal": 70,
}


class ExprgradError(Exception):
    """Base of every deliberate exprgrad error."""

    type = "internal"

    def __init__(
        self,
        message: str,
        column: int | None = None,
        *,
        text: str | None = None,
        token_index: int | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.column = column
        self.text = text  # the source text the column points into, when known
        # raised while parsing, before columns are known: the parser resolves this to ``column``
        self.token_index = token_index

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.type]

    def to_json(self) -> dict:
        return {"type": self.type, "message": self.message, "column": self.column}


class ExprSyntaxError(ExprgradError):
    type = "syntax"


class ExprNameError(ExprgradError):
    type = "name"


class ArityError(ExprgradError):
    type = "arity"


class BindingError(ExprgradError):
    type = "binding"


class ShapeError(ExprgradError):
    type = "shape"


class DomainError(ExprgradError):
    type = "domain"


class InputError(ExprgradError):
    """A file or stream could not be read (type ``io``)."""

    type = "io"


def did_you_mean(name: str, candidates) -> str:
    """`` (did you mean 'tanh'?)`` for the nearest candidate, or ``""``.

    Nearest = fewest edits (optimal string alignment: insert, delete, substitute, swap two
    neighbours), then the same length, then difflib's similarity: ``tahn`` -> ``tanh`` (one swap),
    not ``tan``.  Allowed edits grow with the name: 0 for one letter (only a case difference),
    1 up to four letters, 2 up to eight, 3 beyond."""
    import difflib  # only on this error path (start-up time)

    cands = [c for c in dict.fromkeys(candidates) if c != name]
    if not cands:
        return ""
    n = len(name)
    limit = 0 if n <= 1 else 1 if n <= 4 else 2 if n <= 8 else 3
    low = name.lower()
    best = None
    for c in cands:
        d = _osa(low, c.lower(), limit)
        if d > limit:
            continue
        ratio = difflib.SequenceMatcher(None, name, c).ratio()
        key = (d, abs(len(c) - n), -ratio)
        if best is None or key < best[0]:
            best = (key, c)
    if best is None:
        match = difflib.get_close_matches(name, cands, n=1, cutoff=0.75)
        if not match:
            return ""
        return f" (did you mean '{match[0]}'?)"
    return f" (did you mean '{best[1]}'?)"


def _osa(a: str, b: str, limit: int = 3) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein without repeated edits), or
    ``limit + 1`` as soon as it must exceed ``limit`` (so long names cost O(len · limit) rows,
    not a full table)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
        if min(cur) > limit:  # distances never shrink down the table
            return limit + 1
        prev2, prev = prev, cur
    return prev[len(b)]
