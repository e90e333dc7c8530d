"""Dev-time tool layer (tools/parsergen, run by tools/gen_parser.py): step 2, check the lexer.

Purpose: the generated lexer is one findall regex, each token string then classified on
its own, while Lark's LALR front end uses the *contextual* lexer. check_lexer() refuses
(GenError) any grammar for which the two could tokenize differently, and any lexer
feature not reproduced (regex flags, groups, lookaround, keywords). The overlap tests
rest on a first-character analysis of the terminal regexes (via the stdlib regex
parser), at the end of this module. lexer_order() is Lark's standard-lexer order, which
step 1 also uses to number the terminals.

May import: the standard library, lark (type hints only) and parsergen.records.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .records import GenError, LalrTable, Terminals

try:  # Python 3.11+: the regex parser lives in re._parser
    import re._constants as sre_c
    import re._parser as sre_parse
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as sre_c
    import sre_parse

if TYPE_CHECKING:
    from lark import Lark
    from lark.lexer import TerminalDef


def lexer_order(terminals) -> list[TerminalDef]:
    """Lark's standard-lexer order (lark.lexer.BasicLexer.__init__)."""
    return sorted(
        terminals,
        key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name),
    )


# --------------------------------------------------------------------------- 2. check the lexer
#
# The generated lexer is MASTER_RE.findall (one alternative per terminal, in lexer
# order), each token string then classified on its own. Lark lexes with the
# contextual lexer: in each parser state, only the terminals that state accepts.
# These checks refuse every grammar for which the two could differ.


def check_lexer(lark_obj: Lark, terminals: Terminals, table: LalrTable) -> None:
    """Raise GenError unless the generated lexer tokenizes exactly like Lark's."""
    order = lexer_order(lark_obj.terminals)
    _check_root_lexer_order(lark_obj, order)
    for t in order:
        _check_regex_features(t)
    _check_no_keywords(terminals)
    charsets = _CharSets()
    _check_no_ignored_start(terminals, charsets)
    _check_contextual(table, terminals, charsets)


def _check_root_lexer_order(lark_obj: Lark, order: list[TerminalDef]) -> None:
    root = getattr(getattr(lark_obj.parser, "lexer", None), "root_lexer", None)
    if root is not None and [t.name for t in root.terminals] != [t.name for t in order]:
        raise GenError("Lark's root lexer order differs from the standard-lexer order")


def _check_regex_features(t: TerminalDef) -> None:
    if t.pattern.flags:
        raise GenError("terminal %s: regex flags are not supported" % t.name)
    regex = t.pattern.to_regexp()
    if re.compile(regex).groups:
        raise GenError("terminal %s: capturing groups are not supported" % t.name)
    if _context_dependent(regex):
        raise GenError("terminal %s: anchors, lookaround, back-references unsupported" % t.name)


def _check_no_keywords(terminals: Terminals) -> None:
    """Keyword-style string terminals that a regex terminal also matches: Lark re-types
    those through an "unless" callback. Not supported (exprgrad's grammar has none)."""
    regex_terms = set(range(len(terminals.names))) - set(terminals.fixed.values())
    for text, term in terminals.fixed.items():
        for r in sorted(regex_terms):
            if re.fullmatch(terminals.regexes[r], text):
                raise GenError(
                    "%s is also matched by %s (keywords are not supported)"
                    % (terminals.names[term], terminals.names[r])
                )


def _check_no_ignored_start(terminals: Terminals, charsets: _CharSets) -> None:
    """findall skips a character exactly when no alternative of MASTER_RE matches
    there; that is an ignored character, as in Lark, only if no terminal can start
    with one (with `X: / ?x/`, findall would take " x" as an X where Lark may skip
    the space)."""
    if not terminals.ignore_class:
        return
    ignored = "[%s]" % terminals.ignore_class
    for name, regex in zip(terminals.names, terminals.regexes):
        if charsets.overlap(regex, ignored):
            raise GenError("terminal %s can start with an ignored character" % name)


def _check_contextual(table: LalrTable, terminals: Terminals, charsets: _CharSets) -> None:
    """Lark lexes with the terminals the state after the last shift accepts. That
    tokenizes differently from the standard lexer only if, in some such state, an
    earlier (in lexer order) terminal R is not accepted while a later one A that can
    match at the same place is."""
    lex_states = {0} | {t for row in table.shift for t in row.values()}
    term_of = {n: i for i, n in enumerate(terminals.names)}
    for s in lex_states:
        accepted = set(table.shift[s]) | set(table.reduce[s])
        for a in accepted & set(term_of):
            for r in terminals.names[: term_of[a]]:
                if r not in accepted and charsets.overlap(
                    terminals.regexes[term_of[r]], terminals.regexes[term_of[a]]
                ):
                    raise GenError(
                        "the contextual lexer may lex %s where the standard lexer lexes %s "
                        "(parser state %d); not supported" % (a, r, s)
                    )


# ---- regex analysis for the checks: first characters and context dependence

_REPEAT_OPS = {
    op
    for op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None))
    if op is not None
}
_ATOMIC_GROUP = getattr(sre_c, "ATOMIC_GROUP", None)
_CONTEXT_OPS = {sre_c.ASSERT, sre_c.ASSERT_NOT, sre_c.AT, sre_c.GROUPREF}
_CATEGORY_IN_CLASS = {
    sre_c.CATEGORY_DIGIT: r"\d",
    sre_c.CATEGORY_NOT_DIGIT: r"\D",
    sre_c.CATEGORY_SPACE: r"\s",
    sre_c.CATEGORY_NOT_SPACE: r"\S",
    sre_c.CATEGORY_WORD: r"\w",
    sre_c.CATEGORY_NOT_WORD: r"\W",
}
_ANY_CHAR = r"[\s\S]"


def _sub_sequences(op, av) -> list[list]:
    """The parsed-regex sequences nested in one node (alternatives, group or repeat body)."""
    if op is sre_c.BRANCH:
        return [list(alt) for alt in av[1]]
    if op is sre_c.SUBPATTERN:
        return [list(av[3])]
    if op in _REPEAT_OPS:
        return [list(av[2])]
    if op is _ATOMIC_GROUP:
        return [list(av)]
    return []


def _context_dependent(regex: str) -> bool:
    """Does the regex use anchors, lookaround or back-references anywhere? (Then a
    token's terminal could depend on the text around it, and classifying the token
    string on its own would not be the same as Lark's lexer.)"""
    todo = [list(sre_parse.parse(regex))]
    while todo:
        for op, av in todo.pop():
            if op in _CONTEXT_OPS:
                return True
            todo += _sub_sequences(op, av)
    return False


def _esc(code: int) -> str:
    return "\\U%08x" % code


def _first_chars(items, flags: int) -> tuple[list[str], bool]:
    """Regex snippets (each matching one character) for the characters a match of
    the parsed regex `items` can start with, and whether `items` can match ''.

    Conservative: unknown constructs yield "any character". Lookaround is refused
    (it would make token classification context dependent)."""
    out: list[str] = []
    for op, av in items:
        first, nullable = _first_item(op, av, flags)
        out += first
        if not nullable:
            return out, False
    return out, True


def _first_item(op, av, flags: int) -> tuple[list[str], bool]:
    """_first_chars of one parsed-regex node."""

    def wrap(snippet):
        return "(?i:%s)" % snippet if flags & re.IGNORECASE else snippet

    if op is sre_c.LITERAL:
        return [wrap(_esc(av))], False
    if op is sre_c.NOT_LITERAL:
        return [wrap("[^%s]" % _esc(av))], False
    if op is sre_c.ANY:
        return [_ANY_CHAR], False
    if op is sre_c.IN:
        return [wrap(_char_class(av))], False
    if op is sre_c.BRANCH:
        out, nullable = [], False
        for alt in av[1]:
            first, alt_nullable = _first_chars(alt, flags)
            out += first
            nullable = nullable or alt_nullable
        return out, nullable
    if op is sre_c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        return _first_chars(sub, (flags | add_flags) & ~del_flags)
    if op in _REPEAT_OPS:
        lo, _hi, sub = av
        first, nullable = _first_chars(sub, flags)
        return first, nullable or lo == 0
    if op is _ATOMIC_GROUP:
        return _first_chars(av, flags)
    if op in _CONTEXT_OPS:
        raise GenError(
            "terminal regexes with anchors, lookaround or back-references are not supported"
        )
    return [_ANY_CHAR], True


def _char_class(av) -> str:
    """A parsed [...] class as regex text ("any character" if it has unknown items)."""
    negated = bool(av) and av[0][0] is sre_c.NEGATE
    try:
        body = "".join(_class_item(op, a) for op, a in (av[1:] if negated else av))
    except KeyError:
        return _ANY_CHAR
    return "[%s%s]" % ("^" if negated else "", body)


def _class_item(op, av) -> str:
    if op is sre_c.LITERAL:
        return _esc(av)
    if op is sre_c.RANGE:
        return _esc(av[0]) + "-" + _esc(av[1])
    if op is sre_c.CATEGORY and av in _CATEGORY_IN_CLASS:
        return _CATEGORY_IN_CLASS[av]
    raise KeyError(op)


class _CharSets:
    """First-character sets of terminal regexes, and overlap tests between them."""

    def __init__(self) -> None:
        self._universe = "".join(map(chr, range(0x110000)))
        self._cache: dict[str, str] = {}

    def first(self, regex: str) -> str:
        if regex not in self._cache:
            parsed = sre_parse.parse(regex)
            snippets, _nullable = _first_chars(list(parsed), parsed.state.flags)
            self._cache[regex] = "(?:%s)" % "|".join(snippets) if snippets else "(?!)"
        return self._cache[regex]

    def overlap(self, regex_a: str, regex_b: str) -> bool:
        """Can a match of regex_a and a match of regex_b start with the same character?"""
        probe = re.compile("(?=%s)%s" % (self.first(regex_a), self.first(regex_b)))
        return probe.search(self._universe) is not None
