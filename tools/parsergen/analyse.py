"""Dev-time tool layer (tools/parsergen, run by tools/gen_parser.py): step 1, analyse.

Purpose: analyze(lark_obj) -> Analysis turns the grammar Lark has built (parser="lalr")
into plain data for the emitter: the terminals in lexer order and the %ignore class;
Lark's LALR(1) table renumbered canonically; each rule's tree shape; unit pass-through
reductions folded into lookahead-indexed goto tables; the action codes and the reduce
dispatch tree. It runs step 2 (lexer.check_lexer) on the way, and raises GenError for
what the generated module cannot represent.

May import: the standard library, lark (type hints only), parsergen.records and
parsergen.lexer.
"""

from __future__ import annotations

import heapq
import re
from collections import deque
from typing import TYPE_CHECKING

from .lexer import check_lexer, lexer_order
from .records import (
    END_TERMINAL,
    Analysis,
    GenError,
    LalrTable,
    Leaf,
    RuleShape,
    Terminals,
)

if TYPE_CHECKING:
    from lark import Lark
    from lark.grammar import Rule


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


# ---- 1a. terminals (numbered in Lark's standard-lexer order, lexer.lexer_order)


def analyze_terminals(lark_obj: Lark) -> Terminals:
    """The non-ignored terminals in lexer order (term = position), and the ignore class."""
    ignored = set(lark_obj.ignore_tokens)
    tokens = [t for t in lexer_order(lark_obj.terminals) if t.name not in ignored]
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
