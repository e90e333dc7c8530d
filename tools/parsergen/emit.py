"""Dev-time tool layer (tools/parsergen, run by tools/gen_parser.py): step 3, emit.

Purpose: emit(analysis, grammar_text) -> str writes the generated module
(exprgrad/syntax/_tables.py) from an Analysis: the lexer regexes, the ACTION and
folded GOTO tables as literals, and the parse loop, whose reduce dispatch is an
if-tree with one branch of straight-line code per rule, shaped as Lark's tree builder
would shape the node. _TEMPLATE at the end of this module is that module's text; its
error path reproduces Lark's error reports (see the `fail` contract in its docstring).
Any change here changes the generated file: `python tools/gen_parser.py --check`.

May import: the standard library and parsergen.records (no lark).
"""

from __future__ import annotations

import hashlib
import re

from .records import Analysis, Leaf, RuleShape, Terminals

# --------------------------------------------------------------------------- 3. emit


def emit(a: Analysis, grammar_text: str) -> str:
    """The source of the generated module."""
    digest = hashlib.sha256(grammar_text.encode("utf-8")).hexdigest()
    master, named = _lexer_regexes(a.terminals)
    return _TEMPLATE.format(
        digest=digest,
        terminals=", ".join(map(repr, a.terminals.all_names)),
        end_term=a.terminals.end_term,
        error_term=a.terminals.error_term,
        master=repr(master),
        named=repr(named),
        fixed=_fixed_literal(a.terminals.fixed),
        start=a.start_state,
        accept=a.accept_code,
        error=a.error_code,
        rules=_reduce_rules(a),
        action="\n".join(_tuple_lines(a.action, "    ")),
        gotos="\n".join(_goto_tables(a.gotos)),
        dispatch="\n".join(_dispatch(a, a.dispatch, " " * 16)),
    )


def _fixed_literal(fixed: dict[str, int]) -> str:
    """The items of the _FIXED dict literal (literal text -> term), by term."""
    items = sorted(fixed.items(), key=lambda item: item[1])
    return ", ".join("%r: %d" % item for item in items)


def _lexer_regexes(terminals: Terminals) -> tuple[str, str]:
    """MASTER_RE (findall: one alternative per terminal, then any non-ignored character
    as a bad character) and _NAMED_RE (the same with a named group per term)."""
    bad_char = "[^%s]" % terminals.ignore_class
    master = "|".join(terminals.regexes) + "|" + bad_char
    named = "|".join("(?P<T%d>%s)" % (i, rx) for i, rx in enumerate(terminals.regexes))
    return master, named + "|(?P<ERR>%s)" % bad_char


def _reduce_rules(a: Analysis) -> str:
    """The REDUCE_RULES items: action code -> the text of the rule it reduces, by falling code."""
    by_code = sorted(a.codes, key=lambda leaf: -a.codes[leaf])
    return "".join(
        "    %d: %r,\n" % (a.codes[leaf], a.rules[leaf].text)
        for leaf in by_code
        if isinstance(leaf, int)
    )


def _goto_tables(gotos: dict[str, list[list[int] | None]]) -> list[str]:
    out = []
    for nt in sorted(gotos):
        out.append("%s = (" % _goto_name(nt))
        out += _tuple_lines(gotos[nt], "    ")
        out.append(")")
    return out


def _goto_name(nt: str) -> str:
    return "GOTO_" + re.sub(r"\W", "_", nt)


def _tuple_lines(rows, indent: str) -> list[str]:
    """Rows of a table literal: one tuple per line; runs of None packed 8 to a line."""
    out: list[str] = []
    nones = 0
    for row in list(rows) + [()]:
        if row is None:
            nones += 1
            continue
        while nones:
            n = min(nones, 8)
            out.append(indent + " ".join(["None,"] * n))
            nones -= n
        if row != ():
            out.append(
                indent + "(" + ", ".join(map(str, row)) + ("," if len(row) == 1 else "") + "),"
            )
    return out


def _dispatch(a: Analysis, node, indent: str) -> list[str]:
    """The if-tree over negative action codes: an internal node (left, right) holds
    codes all greater than its right subtree's, so `a > first code on the right`
    selects the left subtree."""
    if not isinstance(node, tuple):
        return _dispatch_leaf(a, node, indent)
    left, right = node
    first_right = right
    while isinstance(first_right, tuple):
        first_right = first_right[0]
    out = [indent + "if a > %d:" % a.codes[first_right]]
    out += _dispatch(a, left, indent + "    ")
    out += [indent + "else:"]
    out += _dispatch(a, right, indent + "    ")
    return out


def _dispatch_leaf(a: Analysis, leaf: Leaf, indent: str) -> list[str]:
    if leaf == "accept":
        return [indent + "return vs[-1]"]
    if leaf == "error":
        return [indent + "return fail(toks, k, term, state, lex_state)"]
    return [indent + line for line in _reduce_lines(a.rules[leaf])]


def _reduce_lines(rule: RuleShape) -> list[str]:
    """Generated code for one reduction: compute the parent's value exactly as Lark's
    tree builder would shape it, pop the rule's symbols, and take the folded goto.

    Symbol i of an n-symbol rule is vs[i - n] on entry. The top n-1 values are popped
    into locals v<i> (list.pop() is the cheapest way to shrink a list in CPython 3.11);
    the parent's value then replaces the bottom one, vs[-1]."""
    n = rule.size
    ref = ["vs[-1]"] + ["v%d" % i for i in range(1, n)]  # how the code names symbol i
    setup, value = _reduce_value(rule, ref)
    goto = _goto_name(rule.origin)
    lines = ["# " + rule.text]
    if n == 0:
        lines += setup
        lines += ["st.append(state)", "vs.append(%s)" % value, "state = %s[state][term]" % goto]
        return lines
    for i in range(n - 1, 0, -1):
        keep = i in rule.kept and value is not None
        lines.append(("v%d = vs.pop()" % i) if keep else "vs.pop()")
    lines += ["st.pop()"] * (n - 1)
    lines += setup
    if value is not None and value != "vs[-1]":
        lines.append("vs[-1] = %s" % value)
    lines.append("state = %s[st[-1]][term]" % goto)
    return lines


def _reduce_value(rule: RuleShape, ref: list[str]) -> tuple[list[str], str | None]:
    """Statements to run after the pops, and the parent's value as an expression
    (None for a pass-through: the child's value already is the parent's)."""
    method = "builder." + rule.method
    if rule.passthrough:
        return [], None
    if rule.splice or rule.inlined:
        setup = _children_list(rule, ref)
        if rule.inlined:
            return setup, "c"
        if rule.expand1:
            return setup, "c[0] if len(c) == 1 else %s(*c)" % method
        return setup, "%s(*c)" % method
    if rule.expand1 and len(rule.kept) == 1:
        return [], ref[rule.kept[0]]
    return [], "%s(%s)" % (method, ", ".join(ref[i] for i in rule.kept))


def _children_list(rule: RuleShape, ref: list[str]) -> list[str]:
    """Statements building the kept children as a list `c`, splicing inlined `_rule`
    lists; reusing the first list (as lark's ChildFilterLALR does) keeps
    `_x: _x "," y` O(1) per item."""
    rest = rule.kept
    if rule.kept and rule.kept[0] in rule.splice:
        setup = ["c = %s" % ref[rule.kept[0]]]
        rest = rule.kept[1:]
    else:
        setup = ["c = []"]
    for i in rest:
        setup.append(("c += %s" if i in rule.splice else "c.append(%s)") % ref[i])
    return setup


_TEMPLATE = """\
\"""Generated parser layer: lexer regex, LALR(1) tables and parse loop for exprgrad.

GENERATED by tools/gen_parser.py from grammar/exprgrad.lark -- DO NOT EDIT.
Regenerate with `python tools/gen_parser.py`; CI runs `python tools/gen_parser.py --check`.
grammar sha256: {digest}

Use it through exprgrad/syntax/parser.py (the hand-written wrapper), not directly.

parse_tokens(toks, builder, fail) runs Lark's LALR(1) automaton over the token
strings `toks` (from MASTER_RE.findall) and calls builder methods per rule; a
terminal's value is its token index. On a syntax error it returns
fail(toks, k, term, state, lex_state): k = token index (len(toks) at end of input),
term = the token's terminal as an index into TERMINALS (END_TERM / ERROR_TERM for
end of input / bad character), state = the state the automaton failed in,
lex_state = the state after the last shift (the state Lark's contextual lexer lexes
token k in). No recursion anywhere.

May import: re (nothing from exprgrad, no lark).
\"""

import re

GRAMMAR_SHA256 = "{digest}"

# Terminal indices ("terms"): the terminals in Lark's standard-lexer order, then end
# of input and the catch-all "bad character".
TERMINALS = ({terminals})
END_TERM = {end_term}
ERROR_TERM = {error_term}

# One alternative per terminal, in lexer order, then a catch-all for any character
# that is not %ignore'd: a bad character becomes an ERROR_TERM token.
MASTER_RE = re.compile({master})
_NAMED_RE = re.compile({named})
_FIXED = {{{fixed}}}


class _TermCache(dict):
    \"""token string -> term; a miss is classified with the named-group regex.\"""

    __slots__ = ()

    def __missing__(self, tok):
        group = _NAMED_RE.fullmatch(tok).lastgroup
        term = self[tok] = ERROR_TERM if group == "ERR" else int(group[1:])
        return term


_TERMS = _TermCache(_FIXED)
_TERMS_LIMIT = 1 << 16  # forget cached names beyond this many (bounded memory)


START_STATE = {start}
# ACTION[state][term]: >= 0 shift to that state; ACCEPT; ERROR; any other negative
# code c reduces by the rule REDUCE_RULES[c] (for readers: the dispatch below is generated).
ACCEPT = {accept}
ERROR = {error}
REDUCE_RULES = {{
{rules}}}

# fmt: off
ACTION = (
{action}
)

# GOTO_<nonterminal>[state][lookahead term] -> state, with the unit pass-through
# reductions (`?a: b`) that follow on that lookahead already applied.
{gotos}
# fmt: on


def parse_tokens(toks, builder, fail):
    \"""Parse the token strings `toks`; return the value of `start`, or fail(...).\"""
    if len(_TERMS) > _TERMS_LIMIT:
        _TERMS.clear()
        _TERMS.update(_FIXED)
    terms = list(map(_TERMS.__getitem__, toks))
    terms.append(END_TERM)
    A = ACTION
    st = []  # states below the current one
    vs = []  # values, aligned with st
    state = START_STATE
    for k, term in enumerate(terms):
        a = A[state][term]
        if a < 0:
            lex_state = state
            while True:
{dispatch}
                a = A[state][term]
                if a >= 0:
                    break
        st.append(state)
        vs.append(k)
        state = a
    raise AssertionError("unreachable: $END is never shifted")
"""
