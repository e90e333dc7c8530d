"""Dev-time tool layer (tools/parsergen, run by tools/gen_parser.py): the shared records.

Purpose: the plain data the steps pass along -- the lexer data (Terminals), Lark's
renumbered LALR(1) table (LalrTable), each rule's tree shape (RuleShape) and the whole
result of step 1 that the emitter reads (Analysis) -- and GenError, raised by every
step for a grammar feature the generated module would not reproduce faithfully.

May import: the standard library only (no lark, nothing else from parsergen).
"""

from __future__ import annotations

from typing import NamedTuple

END_TERMINAL = "$END"  # Lark's name for end of input
ERROR_TERMINAL = "<bad character>"  # name of the catch-all terminal for a bad character


class GenError(Exception):
    """The grammar uses a feature this generator does not reproduce faithfully."""


# --------------------------------------------------------------------------- records
#
# A "term" is a terminal's index in Terminals.all_names (= the generated TERMINALS).
# The records are immutable NamedTuples. They were NamedTuples because @dataclass fails
# in a module that is loaded by path without being registered in sys.modules (as
# tests/test_parser.py loads gen_parser.py). This module is imported normally, so
# dataclasses would work here now (checked), but nothing needs them.


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
