"""Syntax layer: text -> builder calls, via the tables generated from grammar/exprgrad.lark.

This is the hand-written face of the generated module exprgrad/syntax/_tables.py
(written by tools/gen_parser.py; never edit that file). It never imports lark: the
run-time parser is Lark's own LALR(1) automaton, frozen into plain literals.

API (the library reads text through exprgrad/syntax/reader.py, which adds error words)
    parse(text, builder)      -> value of `start` (builder.begin(text, toks) is called first)
    lex(text)                 -> list[str], the token strings (whitespace dropped)
    token_offsets(text)       -> list[int], code-point offset of each token in `text`
    ParseError                -> raised on a syntax error (attributes below)
    EXPECTED_WORDS            -> terminal name -> words, for error messages

Tokens carry no positions while parsing: a token is identified by its index k in
lex(text). Positions are computed only on demand with token_offsets(text) (it uses
the same regex, so index k of both lists is the same token).

A leading UTF-8 BOM (U+FEFF) is skipped by lex/token_offsets/parse; offsets stay
code points of the original text, so callers need not strip it. \\r is whitespace,
so CRLF text needs nothing special.

Builder contract (what the generated reduce code calls; the value of a terminal is
its token index k): number(k), var(k), add/sub/mul/div/matmul/pow(a, k_op, b),
neg(k_op, a), pos(k_op, a), call(k_name, k_lpar, args, k_rpar) or
call(k_name, k_lpar, k_rpar), index(node, k_lsqb, args, k_rsqb), args(*nodes),
assign(k_name, node). `?rule`s with one kept child pass it through; parentheses are
dropped. Exceptions raised by builder methods propagate untouched.

Errors match Lark's (Lark(grammar, parser="lalr"), contextual lexer) exactly: same
token, and `expected` is the same set of terminal names Lark reports (including
"$END" where Lark includes it).

May import: exprgrad.syntax._tables and the standard library. Never lark.
"""

from __future__ import annotations

from . import _tables as _t

__all__ = [
    "EXPECTED_WORDS",
    "ParseError",
    "lex",
    "parse",
    "token_offsets",
]

_BOM = "\ufeff"
_findall = _t.MASTER_RE.findall
_parse_tokens = _t.parse_tokens

#: Words for each terminal name that can appear in ParseError.expected.
EXPECTED_WORDS: dict[str, str] = {
    "NUMBER": "a number",
    "NAME": "a name",
    "PLUS": "`+`",
    "MINUS": "`-`",
    "STAR": "`*`",
    "SLASH": "`/`",
    "AT": "`@`",
    "POW": "`^`",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "LSQB": "`[`",
    "RSQB": "`]`",
    "EQUAL": "`=`",
    "COMMA": "`,`",
    "$END": "end of input",
    "<END-OF-FILE>": "end of input",  # Lark's name when a lexer state allows nothing
}


class ParseError(Exception):
    """A syntax error.

    token_index: index of the offending token in lex(text); len(toks) at end of input.
    token:       the offending token string, or None at end of input.
    reason:      "unexpected-token", "unexpected-end" or "bad-character".
    expected:    sorted list of terminal names Lark would report (see EXPECTED_WORDS).
    """

    def __init__(self, token_index: int, token: str | None, reason: str, expected: list[str]):
        self.token_index = token_index
        self.token = token
        self.reason = reason
        self.expected = expected
        what = "end of input" if token is None else repr(token)
        super().__init__(
            f"{reason}: {what} at token {token_index}; expected one of {', '.join(expected)}"
        )


def _start(text: str) -> int:
    return 1 if text.startswith(_BOM) else 0


def lex(text: str) -> list[str]:
    """The token strings of `text` (ignored whitespace dropped; a bad character is a token)."""
    return _t.MASTER_RE.findall(text, _start(text))


def token_offsets(text: str) -> list[int]:
    """Offset (0-based, in code points of `text`) of each token of lex(text)."""
    return [m.start() for m in _t.MASTER_RE.finditer(text, _start(text))]


def _make_fail(tables):
    """The `fail` callback for a generated tables module: raises the ParseError Lark
    would raise. (A function of the module so tests can bind it to other grammars.)"""
    action, terminals, error = tables.ACTION, tables.TERMINALS, tables.ERROR
    end_term, error_term = tables.END_TERM, tables.ERROR_TERM

    def names(state: int, with_end: bool) -> list[str]:
        return sorted(
            terminals[term]
            for term, act in enumerate(action[state])
            if act != error and (with_end or term != end_term)
        )

    def fail(toks: list[str], k: int, term: int, state: int, lex_state: int):
        # Lark lexes token k with the contextual lexer of lex_state (the state after the
        # last shift). If that state does not accept the token, the lexer reports it with
        # the terminals the state accepts ($END is not a lexer terminal); otherwise the
        # parser reduces on it and fails in `state`, reporting that state's terminals.
        if term == error_term:
            err, expected = "bad-character", names(lex_state, False)
        elif term == end_term:
            err, expected = "unexpected-end", names(state, True)
        elif action[lex_state][term] == error:
            err, expected = "unexpected-token", names(lex_state, False)
        else:
            err, expected = "unexpected-token", names(state, True)
        if not expected:
            expected = ["<END-OF-FILE>"]  # what Lark's lexer reports when nothing is allowed
        raise ParseError(k, toks[k] if k < len(toks) else None, err, expected)

    return fail


_fail = _make_fail(_t)


def parse(text: str, builder):
    """Parse `text`, calling `builder` (see the module docstring); return start's value."""
    toks = _findall(text, 1 if text[:1] == _BOM else 0)
    builder.begin(text, toks)
    return _parse_tokens(toks, builder, _fail)
