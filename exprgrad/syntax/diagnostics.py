"""Syntax layer: the words of syntax errors -- what was expected, look-alike characters, implicit
multiplication, and "did you mean" for names.

Only ever imported on an error path (``difflib`` and ``unicodedata`` cost start-up time).
Imports: stdlib, exprgrad.core.ops (function names), exprgrad.syntax.parser.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..core.ops import FUNCTIONS
from .parser import EXPECTED_WORDS, lex, token_offsets

_LOOKALIKES = {
    "\u2212": "-",  # minus sign
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u00d7": "*",  # multiplication sign
    "\u00b7": "*",  # middle dot
    "\u22c5": "*",  # dot operator
    "\u2217": "*",  # asterisk operator
    "\u00f7": "/",  # division sign
    "\u2215": "/",  # division slash
    "\u00b2": "^2",
    "\u00b3": "^3",
    "\u00b9": "^1",
    "\u2070": "^0",
    "\u2074": "^4",
    "\u00a0": " ",  # no-break space
    "\u2009": " ",
    "\u200b": "",
    "\uff08": "(",
    "\uff09": ")",
    "\u03c0": "pi",
}


def short(text: str, limit: int = 20) -> str:
    """``text``, cut to ``limit`` characters with a trailing '…'."""
    return text if len(text) <= limit else text[:limit] + "…"


def _char_name(ch: str) -> str:
    import unicodedata

    name = unicodedata.name(ch, "")
    code = f"U+{ord(ch):04X}"
    return f"{code} {name}" if name else code


def _implicit_product(err: Any, text: str | None) -> str | None:
    """`2a`, `2(a+b)`, `(a)(b)`, `a b`: the message for a missing '*' between two operands."""
    if text is None or err.reason != "unexpected-token" or not err.token_index:
        return None
    offs = token_offsets(text)
    i = err.token_index
    if i >= len(offs):
        return None
    prev = text[offs[i - 1] : offs[i]].strip()
    tok = err.token or ""
    operand = tok[:1].isalnum() or tok[:1] in "_."
    if not prev or not (operand or tok == "("):
        return None
    p = prev[-1]
    if prev in FUNCTIONS and operand:  # `sin x`: a call needs parentheses
        return f"unexpected '{short(tok)}' after '{prev}': a function call needs parentheses" + (
            f" (write '{prev}({tok})')" if len(tok) <= 40 else ""
        )
    alias = ALIASES.get(prev) or ALIASES.get(prev.lower())
    if alias is not None and alias[1] and operand:  # `ln x`: the function is log
        return f"unexpected '{short(tok)}' after '{prev}': did you mean '{alias[0]}({short(tok)})'?"
    if p.isdigit() or p == "." or p == ")" or ((p.isalnum() or p == "_") and operand):
        msg = f"unexpected '{short(tok)}' after '{short(prev)}': implicit multiplication is not "
        if operand and p != ")" and len(prev) + len(tok) <= 40:
            return msg + f"supported (write '{prev}*{tok}')"
        return msg + "supported (put '*' between them)"
    return None


def syntax_message(err: Any, text: str | None = None) -> str:
    """The words for a ``parser.ParseError`` in ``text``."""
    implicit = _implicit_product(err, text)
    if implicit:
        return implicit

    words = [EXPECTED_WORDS.get(t, t) for t in err.expected]
    # an operator list reads better without duplicates and with 'end of input' last
    words = sorted(dict.fromkeys(words), key=lambda w: (w == "end of input", w))
    if len(words) > 1:
        expected = ", ".join(words[:-1]) + " or " + words[-1]
    else:
        expected = words[0] if words else "nothing"
    if err.reason == "bad-character":
        ch = err.token or ""
        fix = _LOOKALIKES.get(ch)
        hint = f" (did you mean '{fix}'?)" if fix else ""
        shown = repr(ch) if ch.isprintable() else _char_name(ch)
        if ch.isprintable() and not ch.isascii():
            shown = f"{shown} ({_char_name(ch)})"
        return f"unexpected character {shown}{hint}"
    if err.reason == "unexpected-end":
        return f"unexpected end of input; expected {expected}"
    return f"unexpected '{short(err.token or '')}'; expected {expected}"


#: common spellings of what exprgrad writes otherwise: name -> (exprgrad's function or form,
#: whether it is a function name -- "did you mean" -- or a way of writing it -- "write")
ALIASES: dict[str, tuple[str, bool]] = {
    "ln": ("log", True),
    "sigma": ("sigmoid", True),
    "sigm": ("sigmoid", True),
    "logistic": ("sigmoid", True),
    "expit": ("sigmoid", True),
    "logsigmoid": ("log_sigmoid", True),
    "logsoftmax": ("log_softmax", True),
    "lse": ("logsumexp", True),
    "log_sum_exp": ("logsumexp", True),
    "maximum": ("max", True),
    "fmax": ("max", True),
    "minimum": ("min", True),
    "fmin": ("min", True),
    "avg": ("mean", True),
    "average": ("mean", True),
    "gather": ("pick", True),
    "pow": ("x ^ y", False),
    "power": ("x ^ y", False),
    "sqr": ("x ^ 2", False),
    "square": ("x ^ 2", False),
    "log10": ("log(x) / log(10)", False),
    "log2": ("log(x) / log(2)", False),
    "exp2": ("2 ^ x", False),
    "dot": ("x @ y", False),
    "matmul": ("x @ y", False),
    "mm": ("x @ y", False),
    "cross_entropy": ("-mean(pick(log_softmax(P, 1), labels))", False),
    "nll": ("-mean(pick(log_softmax(P, 1), labels))", False),
}


def unknown_function_hint(name: str, nargs: int | None = None) -> str:
    """`` (did you mean 'tanh'?)`` (a near name, or a common spelling: ``ln`` -> log), else
    words for what ``name(...)`` with ``nargs`` arguments can be: one argument may be a
    product missing its '*'; ``foo(a, 0)`` cannot be, so the known functions are listed."""
    alias = ALIASES.get(name) or ALIASES.get(name.lower())
    if alias is not None:
        what, is_name = alias
        return f" (did you mean '{what}'?)" if is_name else f" (write {what})"
    hint = did_you_mean(name, FUNCTIONS)
    if hint:
        return hint
    if nargs == 1:
        return (
            f" (if {short(name)} is a variable, a product needs '*': {short(name)}*(...); "
            "implicit multiplication is not supported)"
        )
    return f" (the functions are {', '.join(sorted(FUNCTIONS))})"


def call_arity(text: str, token_index: int) -> int | None:
    """How many arguments the call whose name is token ``token_index`` of ``text`` has (None
    when its parentheses do not close)."""
    toks = lex(text)
    depth, count, empty = 0, 1, True
    for tok in toks[token_index + 1 :]:
        if tok in "([":
            depth += 1
            if depth == 1:
                continue
        elif tok in ")]":
            depth -= 1
            if depth == 0:
                return 0 if empty else count
        elif tok == "," and depth == 1:
            count += 1
        empty = False
    return None


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'tanh'?)`` for the nearest candidate, or ``""``.

    Nearest = fewest edits (optimal string alignment: insert, delete, substitute, swap two
    neighbours), then the same length, then difflib's similarity: ``tahn`` -> ``tanh`` (one swap),
    not ``tan``.  Allowed edits grow with the name: 0 for one letter (only a case difference),
    1 up to four letters, 2 up to eight, 3 beyond."""
    best = nearest(name, candidates)
    return f" (did you mean '{best}'?)" if best else ""


def nearest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate ``did_you_mean`` would suggest, or None."""
    import difflib

    cands = [c for c in dict.fromkeys(candidates) if c != name]
    if not cands:
        return None
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
        return match[0] if match else None
    return best[1]


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
