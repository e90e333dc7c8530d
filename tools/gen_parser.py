"""Dev-time tool layer: generate exprgrad/syntax/_tables.py from grammar/exprgrad.lark.

Purpose: build Lark's LALR(1) parser for the grammar once, at development time, and
write its lexer regex, parse tables and per-rule reduce code into a plain-literal
Python module (OUTPUT), so that the run-time parser never imports lark (lark's own
runtime is ~10x too slow, and importing it costs start-up time).

    python tools/gen_parser.py            # (re)write OUTPUT
    python tools/gen_parser.py --check    # exit 1 if the checked-in OUTPUT is stale

Nothing about the syntax is written here by hand: everything is taken from Lark, in
three steps (the sections of this file, in order):

  1. Analyse the grammar -- `analyze(lark_obj) -> Analysis`:
     * the terminals in Lark's standard-lexer order, minus the %ignore'd ones, whose
       characters become one character class;
     * the LALR(1) table Lark builds, states renumbered canonically (breadth-first
       from the start state, so the output does not depend on hash randomisation);
     * each rule's tree shape (alias, expand1 `?rule`, filtered anonymous tokens,
       inlined `_rule`s), later turned into one reduce branch per rule;
     * unit pass-through reductions (`?a: b`) folded into lookahead-indexed goto
       tables: the parser visits exactly Lark's states, minus the ones it would only
       pass through, so it fails in the same state with the same expected set;
     * the action codes, numbered so that the reduce dispatch is a cheap if-tree.
  2. Check the lexer -- `check_lexer(...)`, run by analyze(): the generated lexer is
     one findall regex, each token string then classified on its own. Lark's LALR
     front end uses the *contextual* lexer; refuse (GenError) any grammar for which
     the two could tokenize differently, and any lexer feature not reproduced (regex
     flags, groups, lookaround, keywords). Step 1 likewise refuses what it cannot
     represent (%ignore other than /[chars]+/, [optional] placeholders, `?_rule`s,
     start symbols other than one `start`).
  3. Emit the module -- `emit(analysis, grammar_text) -> str`. Its error path
     reproduces Lark's error reports (see the `fail` contract in its docstring).

Behaviour that must match Lark is checked by tests/test_parser.py, which also loads
this file to run it on other grammars.

May import: the standard library and lark (dev-time only). Nothing in exprgrad imports this.
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import re
import sys
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

try:  # Python 3.11+: the regex parser lives in re._parser
    import re._constants as sre_c
    import re._parser as sre_parse
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as sre_c
    import sre_parse

if TYPE_CHECKING:
    from lark import Lark
    from lark.grammar import Rule
    from lark.lexer import TerminalDef

ROOT = Path(__file__).resolve().parent.parent
GRAMMAR = ROOT / "grammar" / "exprgrad.lark"
OUTPUT = ROOT / "exprgrad" / "syntax" / "_tables.py"

END_TERMINAL = "$END"  # Lark's name for end of input
ERROR_TERMINAL = "<bad character>"  # name of the catch-all terminal for a bad character


class GenError(Exception):
    """The grammar uses a feature this generator does not reproduce faithfully."""


# --------------------------------------------------------------------------- records
#
# A "term" is a terminal's index in Terminals.all_names (= the generated TERMINALS).
# The records are NamedTuples, not dataclasses: tests/test_parser.py loads this file
# without registering it in sys.modules, which @dataclass cannot handle here.


class Terminals(NamedTuple):
    """The lexer data: what MASTER_RE and the token classification are built from."""

    names: list[str]  # the non-ignored terminals in Lark's standard-lexer order; term i
    regexes: list[str]  # regexes[i]: the regex of names[i]
    fixed: dict[str, int]  # the text of each literal-string terminal -> its term
    ignore_class: str  # body of a [...] class of every character %ignore skips

    @property
    def end_term(self) -> int:
        """The term of end of input ($END)."""
        return len(self.names)

    @property
    def error_term(self) -> int:
        """The term of a bad character (one no terminal matches and %ignore does not skip)."""
        return len(self.names) + 1

    @property
    def all_names(self) -> list[str]:
        """The name of every term, in term order."""
        return self.names + [END_TERMINAL, ERROR_TERMINAL]


class LalrTable(NamedTuple):
    """Lark's LALR(1) table, states renumbered breadth-first (the start state is 0).

    Symbols are Lark's names; each list is indexed by state."""

    shift: list[dict[str, int]]  # terminal -> state shifted to
    goto: list[dict[str, int]]  # nonterminal -> state gone to after reducing to it
    reduce: list[dict[str, int]]  # lookahead terminal (or $END) -> index into lark_obj.rules
    accept_state: int  # the state in which $END accepts

    @property
    def nstates(self) -> int:
        return len(self.shift)


class RuleShape(NamedTuple):
    """How Lark's tree builder turns one rule's matched symbols into the parent's value."""

    origin: str  # the nonterminal the rule reduces to
    size: int  # number of symbols in the rule
    kept: tuple[int, ...]  # positions of the symbols that become children (in order)
    splice: frozenset[int]  # positions in `kept` holding an inlined `_rule`'s child list
    inlined: bool  # origin is a `_rule`: the value is the list of children
    expand1: bool  # `?rule` without alias: one child is passed up instead of a call
    leaf: bool  # the rule is a single terminal (`atom: NUMBER`): the commonest reduction
    method: str  # the builder method called (the alias, else the origin)
    text: str  # the rule as text, e.g. "sum: sum PLUS product -> add"

    @property
    def passthrough(self) -> bool:
        """`?a: b`: the single child's value is the parent's; nothing is called."""
        return self.expand1 and self.size == 1 and len(self.kept) == 1 and not self.splice


# A dispatch-tree leaf is a rule index (reduce by that rule), "accept" or "error"; an
# internal node is a (left, right) pair whose left leaves all have greater codes.
Leaf = int | str


class Analysis(NamedTuple):
    """Everything emit() needs, as plain data, independent of Lark's numbering."""

    terminals: Terminals
    start_state: int  # always 0 (the renumbering starts there)
    accept_state: int
    action: list[list[int]]  # ACTION[state][term]: >= 0 shift, else codes[...] of a leaf
    gotos: dict[str, list[list[int] | None]]  # nonterminal -> state -> term -> state (folded)
    rules: list[RuleShape]  # one per lark_obj.rules entry, same index
    codes: dict[Leaf, int]  # negative action code of each dispatch-tree leaf
    dispatch: tuple  # the if-tree over codes (see Leaf), Huffman-shaped

    @property
    def accept_code(self) -> int:
        return self.codes["accept"]

    @property
    def error_code(self) -> int:
        return self.codes["error"]


# --------------------------------------------------------------------------- 1. analyse


def analyze(lark_obj: Lark) -> Analysis:
    """Analyse the grammar of `lark_obj` (built with parser="lalr"), checking the
    lexer on the way; raises GenError for what the generated module cannot reproduce."""
    terminals = analyze_terminals(lark_obj)
    table = analyze_table(lark_obj, terminals)
    check_lexer(lark_obj, terminals, table)
    rules = [_rule_shape(r) for r in lark_obj.rules]
    dispatch = _dispatch_tree(table, rules)
    codes = {leaf: -(i + 1) for i, leaf in enumerate(_leaves_in_order(dispatch))}
    return Analysis(
        terminals=terminals,
        start_state=0,
        accept_state=table.accept_state,
        action=_action_rows(table, terminals, codes),
        gotos=_fold_unit_gotos(table, rules, terminals),
        rules=rules,
        codes=codes,
        dispatch=dispatch,
    )


# ---- 1a. terminals


def _lexer_order(terminals) -> list[TerminalDef]:
    """Lark's standard-lexer order (lark.lexer.BasicLexer.__init__)."""
    return sorted(
        terminals,
        key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name),
    )


def analyze_terminals(lark_obj: Lark) -> Terminals:
    """The non-ignored terminals in lexer order (term = position), and the ignore class."""
    ignored = set(lark_obj.ignore_tokens)
    tokens = [t for t in _lexer_order(lark_obj.terminals) if t.name not in ignored]
    return Terminals(
        names=[t.name for t in tokens],
        regexes=[t.pattern.to_regexp() for t in tokens],
        fixed={t.pattern.value: i for i, t in enumerate(tokens) if t.pattern.type == "str"},
        ignore_class=_ignored_char_class(lark_obj),
    )


def _ignored_char_class(lark_obj: Lark) -> str:
    """The body of a [...] class holding every character the %ignore'd terminals skip.

    Only ignore terminals of the form [chars]+ are supported: then a position the
    master regex cannot match is exactly an ignored character, so re.findall can
    skip it, and any other unmatched character is a bad character."""
    by_name = {t.name: t for t in lark_obj.terminals}
    bodies = []
    for name in lark_obj.ignore_tokens:
        regex = by_name[name].pattern.to_regexp()
        m = re.fullmatch(r"\[([^\]^\\]*(?:\\.[^\]\\]*)*)\]\+", regex)
        if not m:
            raise GenError(
                "%%ignore %s: only %%ignore /[chars]+/ is supported, got %r" % (name, regex)
            )
        bodies.append(m.group(1))
    return "".join(bodies)


# ---- 1b. the LALR table


def analyze_table(lark_obj: Lark, terminals: Terminals) -> LalrTable:
    """Lark's parse table, renumbered, split into terminal shifts, gotos and reduces."""
    pt = lark_obj.parser.parser.parser.parse_table
    if list(pt.start_states) != ["start"]:
        raise GenError("exactly one start symbol `start` is supported")
    renum = _renumber_states(pt)
    rule_index = {id(r): i for i, r in enumerate(lark_obj.rules)}
    table = LalrTable(
        shift=[{} for _ in renum],
        goto=[{} for _ in renum],
        reduce=[{} for _ in renum],
        accept_state=renum[pt.end_states["start"]],
    )
    for lark_state, actions in pt.states.items():
        s = renum[lark_state]
        for sym, (action, arg) in actions.items():
            if action.name == "Shift":  # Lark stores gotos as shifts of nonterminals
                (table.shift if sym.isupper() else table.goto)[s][sym] = renum[arg]
            else:
                table.reduce[s][sym] = rule_index[id(arg)]
    _check_table_terminals(table, terminals)
    return table


def _renumber_states(pt) -> dict[int, int]:
    """Lark state -> our state, numbered breadth-first from the start state, following
    shifts and gotos in symbol-name order (so independent of hash randomisation)."""
    start = pt.start_states["start"]
    renum = {start: 0}
    queue = deque([start])
    while queue:
        s = queue.popleft()
        for sym in sorted(pt.states[s]):
            action, arg = pt.states[s][sym]
            if action.name == "Shift" and arg not in renum:
                renum[arg] = len(renum)
                queue.append(arg)
    if set(renum) != set(pt.states):
        raise GenError("unreachable LALR states")
    return renum


def _check_table_terminals(table: LalrTable, terminals: Terminals) -> None:
    known = set(terminals.names) | {END_TERMINAL}
    for s in range(table.nstates):
        for sym in list(table.shift[s]) + list(table.reduce[s]):
            if sym not in known:
                raise GenError("unexpected terminal %r in the parse table" % sym)


# ---- 1c. rule shapes (Lark's ParseTreeBuilder semantics)


def _rule_shape(rule: Rule) -> RuleShape:
    opts = rule.options
    origin = str(rule.origin.name)
    if getattr(opts, "empty_indices", None):
        raise GenError("[optional] placeholders are not supported (rule %s)" % origin)
    kept = [
        i
        for i, sym in enumerate(rule.expansion)
        if opts.keep_all_tokens or not (sym.is_term and sym.filter_out)
    ]
    splice = [i for i in kept if not rule.expansion[i].is_term and _is_inlined(rule.expansion[i])]
    inlined = _is_inlined(rule.origin)
    expand1 = bool(opts.expand1) and not rule.alias
    if inlined and expand1:
        raise GenError("?_rule (inlined and expand1) is not supported: %s" % origin)
    return RuleShape(
        origin=origin,
        size=len(rule.expansion),
        kept=tuple(kept),
        splice=frozenset(splice),
        inlined=inlined,
        expand1=expand1,
        leaf=len(rule.expansion) == 1 and rule.expansion[0].is_term,
        method=str(rule.alias or origin),
        text=_rule_text(rule),
    )


def _is_inlined(nonterminal) -> bool:
    """A `_rule`: Lark splices its children into the parent instead of making a node."""
    return nonterminal.name.startswith("_")


def _rule_text(rule: Rule) -> str:
    symbols = " ".join(str(s.name) for s in rule.expansion) or "<empty>"
    alias = " -> " + rule.alias if rule.alias else ""
    return "%s: %s%s" % (rule.origin.name, symbols, alias)


# ---- 1d. unit-folded gotos


def _fold_unit_gotos(
    table: LalrTable, rules: list[RuleShape], terminals: Terminals
) -> dict[str, list[list[int] | None]]:
    """gotos[A][s][term]: the state after the goto on A from state s, with the unit
    pass-through reductions that follow on lookahead `term` already applied (None
    where state s has no goto on A)."""
    gotos: dict[str, list[list[int] | None]] = {}
    for s, targets in enumerate(table.goto):
        for nt, target in targets.items():
            row = [
                _after_passthroughs(table, rules, s, target, lookahead)
                for lookahead in terminals.all_names
            ]
            gotos.setdefault(nt, [None] * table.nstates)[s] = row
    return gotos


def _after_passthroughs(
    table: LalrTable, rules: list[RuleShape], s: int, state: int, lookahead: str
) -> int:
    """Follow pass-through reductions from `state` (reached by a goto from s)."""
    seen = set()
    while True:
        ri = table.reduce[state].get(lookahead)
        if ri is None or not rules[ri].passthrough:
            return state
        if state in seen:
            raise GenError("cycle of unit rules")
        seen.add(state)
        state = table.goto[s][rules[ri].origin]


# ---- 1e. action codes and the reduce dispatch tree
#
# An action is a shift target >= 0, or a negative code. The reduce dispatch is an
# if-tree over the codes, shaped like a Huffman tree on guessed frequencies (leaf
# rules `atom: NUMBER` most, binary rules next, folded unit rules ~never); codes are
# numbered in the tree's in-order so each test is one `a > c`.


def _guessed_frequency(rule: RuleShape) -> int:
    if rule.passthrough:
        return 1  # folded into the gotos: reduced only where folding cannot apply
    if rule.leaf:
        return 100
    return {3: 30, 2: 20}.get(rule.size, 10)


def _dispatch_tree(table: LalrTable, rules: list[RuleShape]) -> tuple:
    """The Huffman tree over the reduced rules plus "accept" and "error" (see Leaf)."""
    used = sorted({ri for row in table.reduce for ri in row.values()})
    heap = [(_guessed_frequency(rules[ri]), i, ri) for i, ri in enumerate(used)]
    heap += [(1, len(used), "accept"), (1, len(used) + 1, "error")]
    heapq.heapify(heap)
    seq = len(heap)  # tie-breaker: nodes themselves are never compared
    while len(heap) > 1:
        w1, _s1, n1 = heapq.heappop(heap)
        w2, _s2, n2 = heapq.heappop(heap)
        heapq.heappush(heap, (w1 + w2, seq, (n2, n1)))  # heavier subtree first
        seq += 1
    return heap[0][2]


def _leaves_in_order(tree) -> list[Leaf]:
    """The tree's leaves, left to right (iteratively)."""
    out, stack = [], [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, tuple):
            stack += [node[1], node[0]]
        else:
            out.append(node)
    return out


def _action_rows(table: LalrTable, terminals: Terminals, codes: dict[Leaf, int]) -> list[list[int]]:
    """ACTION[state][term]: the shift target, or the code of the rule reduced, of
    accept, or of error."""
    rows = []
    for s in range(table.nstates):
        row = []
        for name in terminals.all_names:
            if name in table.shift[s]:
                row.append(table.shift[s][name])
            elif name in table.reduce[s]:
                row.append(codes[table.reduce[s][name]])
            elif s == table.accept_state and name == END_TERMINAL:
                row.append(codes["accept"])
            else:
                row.append(codes["error"])
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- 2. check the lexer
#
# The generated lexer is MASTER_RE.findall (one alternative per terminal, in lexer
# order), each token string then classified on its own. Lark lexes with the
# contextual lexer: in each parser state, only the terminals that state accepts.
# These checks refuse every grammar for which the two could differ.


def check_lexer(lark_obj: Lark, terminals: Terminals, table: LalrTable) -> None:
    """Raise GenError unless the generated lexer tokenizes exactly like Lark's."""
    order = _lexer_order(lark_obj.terminals)
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


# --------------------------------------------------------------------------- main


def generate() -> str:
    from lark import Lark  # dev-time only

    text = GRAMMAR.read_text(encoding="utf-8")
    return emit(analyze(Lark(text, parser="lalr")), text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--check", action="store_true", help="exit 1 if %s is not up to date" % OUTPUT.name
    )
    ap.add_argument("--output", type=Path, default=OUTPUT)
    args = ap.parse_args(argv)
    src = generate()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
        if current != src:
            print("%s is stale: run python tools/gen_parser.py" % args.output, file=sys.stderr)
            return 1
        print("%s is up to date" % args.output)
        return 0
    args.output.write_text(src, encoding="utf-8", newline="\n")
    print("wrote %s" % args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
