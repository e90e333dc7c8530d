"""Dev-time tool layer: generate exprgrad/_parser_tables.py from grammar/exprgrad.lark.

Purpose: build Lark's LALR(1) parser for the grammar once, at development time, and
write its lexer regex, parse tables and per-rule reduce code into a plain-literal
Python module, so that the run-time parser never imports lark (lark's own runtime is
~10x too slow, and importing it costs start-up time).

    python tools/gen_parser.py            # (re)write exprgrad/_parser_tables.py
    python tools/gen_parser.py --check    # exit 1 if the checked-in file is stale

What is taken from Lark (nothing about the syntax is written here by hand):
  * terminals, in Lark's standard-lexer order, and the %ignore'd terminals;
  * the LALR(1) table Lark builds (states renumbered canonically, breadth-first
    from the start state, so the output does not depend on hash randomisation);
  * the rules with their tree-shaping data (alias, expand1 `?rule`, filtered
    anonymous tokens, inlined `_rule`s), turned into one reduce branch per rule.

Behaviour that must match Lark (checked by tests/test_parser.py):
  * Lark's default LALR front end uses the *contextual* lexer. For this grammar
    it tokenizes like the standard lexer (verified here: `_check_contextual`), and
    its error reports are reproduced by the generated error path (see the
    `fail` callback contract in the generated module's docstring).
  * Unit pass-through reductions (`?a: b`) are folded into lookahead-indexed goto
    tables: the parser visits exactly Lark's states, minus the ones it would only
    pass through, so it fails in the same state with the same expected set.

May import: the standard library and lark (dev-time only). Nothing imports this.
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import re
import sys
from collections import deque
from pathlib import Path

try:  # Python 3.11+: the regex parser lives in re._parser
    import re._constants as sre_c
    import re._parser as sre_parse
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as sre_c
    import sre_parse

ROOT = Path(__file__).resolve().parent.parent
GRAMMAR = ROOT / "grammar" / "exprgrad.lark"
OUTPUT = ROOT / "exprgrad" / "_parser_tables.py"

ERROR_TERMINAL = "<bad character>"  # kind name of the catch-all token


class GenError(Exception):
    """The grammar uses a feature this generator does not reproduce faithfully."""


# --------------------------------------------------------------------------- regex analysis


_CATEGORY_IN_CLASS = {
    sre_c.CATEGORY_DIGIT: r"\d",
    sre_c.CATEGORY_NOT_DIGIT: r"\D",
    sre_c.CATEGORY_SPACE: r"\s",
    sre_c.CATEGORY_NOT_SPACE: r"\S",
    sre_c.CATEGORY_WORD: r"\w",
    sre_c.CATEGORY_NOT_WORD: r"\W",
}
_ANY_CHAR = r"[\s\S]"


def _esc(code: int) -> str:
    return "\\U%08x" % code


def _class_item(op, av) -> str:
    if op is sre_c.LITERAL:
        return _esc(av)
    if op is sre_c.RANGE:
        return _esc(av[0]) + "-" + _esc(av[1])
    if op is sre_c.CATEGORY and av in _CATEGORY_IN_CLASS:
        return _CATEGORY_IN_CLASS[av]
    raise KeyError(op)


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


def _first_item(op, av, flags):
    def wrap(snippet):
        return "(?i:%s)" % snippet if flags & re.IGNORECASE else snippet

    if op is sre_c.LITERAL:
        return [wrap(_esc(av))], False
    if op is sre_c.NOT_LITERAL:
        return [wrap("[^%s]" % _esc(av))], False
    if op is sre_c.ANY:
        return [_ANY_CHAR], False
    if op is sre_c.IN:
        neg = bool(av) and av[0][0] is sre_c.NEGATE
        try:
            body = "".join(_class_item(o, a) for o, a in (av[1:] if neg else av))
        except KeyError:
            return [_ANY_CHAR], False
        return [wrap("[%s%s]" % ("^" if neg else "", body))], False
    if op is sre_c.BRANCH:
        out, nullable = [], False
        for alt in av[1]:
            f, n = _first_chars(alt, flags)
            out += f
            nullable = nullable or n
        return out, nullable
    if op is sre_c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        return _first_chars(sub, (flags | add_flags) & ~del_flags)
    if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)):
        lo, _hi, sub = av
        f, n = _first_chars(sub, flags)
        return f, n or lo == 0
    if op is getattr(sre_c, "ATOMIC_GROUP", None):
        return _first_chars(av, flags)
    if op in (sre_c.ASSERT, sre_c.ASSERT_NOT, sre_c.AT, sre_c.GROUPREF):
        raise GenError(
            "terminal regexes with anchors, lookaround or back-references are not supported"
        )
    return [_ANY_CHAR], True


_CONTEXT_OPS = {sre_c.ASSERT, sre_c.ASSERT_NOT, sre_c.AT, sre_c.GROUPREF}


def _context_dependent(regex: str) -> bool:
    """Does the regex use anchors, lookaround or back-references anywhere? (Then a
    token's kind could depend on text around it, and findall + classifying the token
    string on its own would not be the same as Lark's lexer.)"""
    todo = [list(sre_parse.parse(regex))]
    while todo:
        for op, av in todo.pop():
            if op in _CONTEXT_OPS:
                return True
            if op is sre_c.BRANCH:
                todo += [list(alt) for alt in av[1]]
            elif op is sre_c.SUBPATTERN:
                todo.append(list(av[3]))
            elif op in (
                sre_c.MAX_REPEAT,
                sre_c.MIN_REPEAT,
                getattr(sre_c, "POSSESSIVE_REPEAT", None),
            ):
                todo.append(list(av[2]))
            elif op is getattr(sre_c, "ATOMIC_GROUP", None):
                todo.append(list(av))
    return False


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


# --------------------------------------------------------------------------- grammar analysis


def _lark_order(terminals):
    """Lark's standard-lexer order (lark.lexer.BasicLexer.__init__)."""
    return sorted(
        terminals,
        key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name),
    )


def _ignored_char_class(lark_obj) -> str:
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


def analyze(lark_obj) -> dict:
    """Everything the emitter needs, as plain data, independent of Lark's numbering."""
    ignore = set(lark_obj.ignore_tokens)
    order = _lark_order(list(lark_obj.terminals))
    root = getattr(getattr(lark_obj.parser, "lexer", None), "root_lexer", None)
    if root is not None and [t.name for t in root.terminals] != [t.name for t in order]:
        raise GenError("Lark's root lexer order differs from the standard-lexer order")
    for t in order:
        if t.pattern.flags:
            raise GenError("terminal %s: regex flags are not supported" % t.name)
        if re.compile(t.pattern.to_regexp()).groups:
            raise GenError("terminal %s: capturing groups are not supported" % t.name)
        if _context_dependent(t.pattern.to_regexp()):
            raise GenError("terminal %s: anchors, lookaround, back-references unsupported" % t.name)
    tokens = [t for t in order if t.name not in ignore]
    names = [t.name for t in tokens]
    kind = {n: i for i, n in enumerate(names)}
    end_kind, err_kind = len(names), len(names) + 1
    kind["$END"] = end_kind

    # Keyword-style string terminals that a regex terminal also matches: Lark
    # re-types those through an "unless" callback. Not supported (none exist).
    for t in tokens:
        if t.pattern.type == "str":
            for r in tokens:
                if r.pattern.type == "re" and re.fullmatch(r.pattern.to_regexp(), t.pattern.value):
                    raise GenError(
                        "%s is also matched by %s (keywords are not supported)" % (t.name, r.name)
                    )

    ign_class = _ignored_char_class(lark_obj)
    regexes = [t.pattern.to_regexp() for t in tokens]
    charsets = _CharSets()
    for t, rx in zip(tokens, regexes):
        if ign_class and charsets.overlap(rx, "[%s]" % ign_class):
            raise GenError("terminal %s can start with an ignored character" % t.name)

    # ---- the LALR table, renumbered breadth-first from the start state
    pt = lark_obj.parser.parser.parser.parse_table
    if list(pt.start_states) != ["start"]:
        raise GenError("exactly one start symbol `start` is supported")
    lark_start, lark_end = pt.start_states["start"], pt.end_states["start"]
    renum = {lark_start: 0}
    queue = deque([lark_start])
    while queue:
        s = queue.popleft()
        for sym in sorted(pt.states[s]):
            action, arg = pt.states[s][sym]
            if action.name == "Shift" and arg not in renum:
                renum[arg] = len(renum)
                queue.append(arg)
    if set(renum) != set(pt.states):
        raise GenError("unreachable LALR states")
    nstates = len(renum)

    rules = list(lark_obj.rules)
    rule_id = {id(r): i for i, r in enumerate(rules)}
    shift: list[dict[str, int]] = [dict() for _ in range(nstates)]  # terminal shifts
    goto: list[dict[str, int]] = [dict() for _ in range(nstates)]  # nonterminal gotos
    reduce: list[dict[str, int]] = [dict() for _ in range(nstates)]  # terminal -> rule index
    for ls, acts in pt.states.items():
        s = renum[ls]
        for sym, (action, arg) in acts.items():
            if action.name == "Shift":
                (shift if sym.isupper() else goto)[s][sym] = renum[arg]
            else:
                reduce[s][sym] = rule_id[id(arg)]
    for s in range(nstates):
        for sym in list(shift[s]) + list(reduce[s]):
            if sym not in kind:
                raise GenError("unexpected terminal %r in the parse table" % sym)
    start, end = 0, renum[lark_end]

    # ---- rule shapes (Lark's ParseTreeBuilder semantics)
    shapes = []
    for r in rules:
        opts = r.options
        if getattr(opts, "empty_indices", None):
            raise GenError("[optional] placeholders are not supported (rule %s)" % r.origin.name)
        kept = []
        for i, sym in enumerate(r.expansion):
            if opts.keep_all_tokens or not (sym.is_term and sym.filter_out):
                kept.append((i, (not sym.is_term) and sym.name.startswith("_")))
        inlined = r.origin.name.startswith("_")
        expand1 = bool(opts.expand1) and not r.alias
        if inlined and expand1:
            raise GenError("?_rule (inlined and expand1) is not supported: %s" % r.origin.name)
        shapes.append(
            dict(
                origin=str(r.origin.name),
                size=len(r.expansion),
                kept=kept,
                inlined=inlined,
                expand1=expand1,
                method=str(r.alias or r.origin.name),
                text="%s: %s%s"
                % (
                    r.origin.name,
                    " ".join(str(s.name) for s in r.expansion) or "<empty>",
                    " -> " + r.alias if r.alias else "",
                ),
            )
        )

    def passthrough(ri: int) -> bool:
        sh = shapes[ri]
        return sh["expand1"] and sh["size"] == 1 and len(sh["kept"]) == 1 and not sh["kept"][0][1]

    # ---- lookahead-indexed, unit-folded gotos: fgoto[A][s][kind]
    kinds_all = list(range(err_kind + 1))
    kind_name = names + ["$END", ERROR_TERMINAL]
    fgoto: dict[str, dict[int, list[int]]] = {}
    for s in range(nstates):
        for nt, t in goto[s].items():
            row = []
            for k in kinds_all:
                cur, seen = t, set()
                while True:
                    ri = reduce[cur].get(kind_name[k])
                    if ri is None or not passthrough(ri):
                        break
                    if cur in seen:
                        raise GenError("cycle of unit rules")
                    seen.add(cur)
                    cur = goto[s][shapes[ri]["origin"]]
                row.append(cur)
            fgoto.setdefault(nt, {})[s] = row

    # ---- contextual-lexer equivalence: Lark lexes with the terminals the state
    # after the last shift accepts. That tokenizes differently from the standard
    # lexer only if, in some such state, an earlier (in lexer order) terminal R is
    # not accepted while a later one A that can match at the same place is.
    lex_states = {start} | {t for s in range(nstates) for t in shift[s].values()}
    index = {n: i for i, n in enumerate(names)}
    _check_contextual(lex_states, shift, reduce, names, regexes, index, charsets)

    # ---- action rows: shift target >= 0, or a negative code. The reduce dispatch is
    # an if-tree over the codes, shaped like a Huffman tree on guessed frequencies
    # (leaf rules `atom: NUMBER` most, binary rules next, folded unit rules ~never);
    # codes are numbered in the tree's in-order so each test is one `a > c`.
    used_rules = sorted({ri for s in range(nstates) for ri in reduce[s].values()})

    def weight(ri):
        sh = shapes[ri]
        if passthrough(ri):
            return 1
        if sh["size"] == 1 and rules[ri].expansion[0].is_term:
            return 100
        return {3: 30, 2: 20}.get(sh["size"], 10)

    heap = [(weight(ri), i, ("rule", ri)) for i, ri in enumerate(used_rules)]
    heap += [(1, len(heap), ("accept",)), (1, len(heap) + 1, ("error",))]
    heapq.heapify(heap)
    seq = len(heap)
    while len(heap) > 1:
        w1, _s1, n1 = heapq.heappop(heap)
        w2, _s2, n2 = heapq.heappop(heap)
        heapq.heappush(heap, (w1 + w2, seq, (n2, n1)))  # heavier subtree first
        seq += 1
    tree = heap[0][2]
    leaves: list[tuple] = []
    stack = [tree]
    while stack:  # in-order leaves, iteratively
        node = stack.pop()
        if isinstance(node[0], str):
            leaves.append(node)
        else:
            stack += [node[1], node[0]]
    code_of_leaf = {leaf: -(i + 1) for i, leaf in enumerate(leaves)}
    code_of = {leaf[1]: c for leaf, c in code_of_leaf.items() if leaf[0] == "rule"}
    accept_code, error_code = code_of_leaf[("accept",)], code_of_leaf[("error",)]
    action = []
    for s in range(nstates):
        row = []
        for k in kinds_all:
            nm = kind_name[k]
            if nm in shift[s]:
                row.append(shift[s][nm])
            elif nm in reduce[s]:
                row.append(code_of[reduce[s][nm]])
            elif s == end and nm == "$END":
                row.append(accept_code)
            else:
                row.append(error_code)
        action.append(row)

    return dict(
        names=names,
        regexes=regexes,
        fixed={t.pattern.value: i for i, t in enumerate(tokens) if t.pattern.type == "str"},
        ign_class=ign_class,
        end_kind=end_kind,
        err_kind=err_kind,
        start=start,
        end=end,
        nstates=nstates,
        action=action,
        fgoto=fgoto,
        shapes=shapes,
        used_rules=used_rules,
        code_of=code_of,
        dispatch_tree=tree,
        code_of_leaf=code_of_leaf,
        accept_code=accept_code,
        error_code=error_code,
        passthrough=[passthrough(ri) for ri in range(len(shapes))],
    )


def _check_contextual(lex_states, shift, reduce, names, regexes, index, charsets) -> None:
    for s in lex_states:
        accepted = set(shift[s]) | set(reduce[s])
        for a in accepted:
            if a not in index:
                continue
            for r in names[: index[a]]:
                if r not in accepted and charsets.overlap(regexes[index[r]], regexes[index[a]]):
                    raise GenError(
                        "the contextual lexer may lex %s where the standard lexer lexes %s "
                        "(parser state %d); not supported" % (a, r, s)
                    )


# --------------------------------------------------------------------------- emitter


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


def _dispatch(node, code_of_leaf: dict, leaf, indent: str) -> list[str]:
    """The if-tree over negative action codes: an internal node (left, right) holds
    codes all greater than its right subtree's, so `a > first code on the right`
    selects the left subtree."""
    if isinstance(node[0], str):
        return leaf(node, indent)
    right = node[1]
    while not isinstance(right[0], str):
        right = right[0]
    out = [indent + "if a > %d:" % code_of_leaf[right]]
    out += _dispatch(node[0], code_of_leaf, leaf, indent + "    ")
    out += [indent + "else:"]
    out += _dispatch(node[1], code_of_leaf, leaf, indent + "    ")
    return out


def _goto_name(nt: str) -> str:
    return "GOTO_" + re.sub(r"\W", "_", nt)


def _reduce_body(d: dict, ri: int, indent: str) -> list[str]:
    """Generated code for one reduction: compute the parent's value exactly as Lark's
    tree builder would shape it, pop the rule's symbols, and take the folded goto.

    Symbol i of an n-symbol rule is vs[i - n] on entry. The top n-1 values are popped
    into locals v<i> (list.pop() is the cheapest way to shrink a list in CPython 3.11);
    the parent's value then replaces the bottom one, vs[-1]."""
    sh = d["shapes"][ri]
    n, kept = sh["size"], sh["kept"]
    method = "builder." + sh["method"]
    ref = ["v%d" % i for i in range(n)]  # how the code names symbol i's value
    if n:
        ref[0] = "vs[-1]"
    used = {i for i, _inl in kept}
    pre: list[str] = []  # statements run after the pops

    if d["passthrough"][ri]:
        value = None  # ?a: b with one kept child: the child's value is the parent's
    elif any(inl for _i, inl in kept) or sh["inlined"]:
        # the kept children as a list, splicing inlined `_rule` lists; reusing the first
        # list (as lark's ChildFilterLALR does) keeps `_x: _x "," y` O(1) per item
        rest = kept
        if kept and kept[0][1]:
            pre.append("c = %s" % ref[kept[0][0]])
            rest = kept[1:]
        else:
            pre.append("c = []")
        for i, inl in rest:
            pre.append(("c += %s" if inl else "c.append(%s)") % ref[i])
        if sh["inlined"]:
            value = "c"
        elif sh["expand1"]:
            value = "c[0] if len(c) == 1 else %s(*c)" % method
        else:
            value = "%s(*c)" % method
    elif sh["expand1"] and len(kept) == 1:
        value = ref[kept[0][0]]
    else:
        value = "%s(%s)" % (method, ", ".join(ref[i] for i, _inl in kept))

    lines = ["# " + sh["text"]]
    g = _goto_name(sh["origin"])
    if n == 0:
        lines += pre
        lines += ["st.append(state)", "vs.append(%s)" % value, "state = %s[state][kind]" % g]
    else:
        for i in range(n - 1, 0, -1):
            lines.append(
                ("v%d = vs.pop()" % i) if (i in used and value is not None) else "vs.pop()"
            )
        lines += ["st.pop()"] * (n - 1)
        lines += pre
        if value is not None and value != "vs[-1]":
            lines.append("vs[-1] = %s" % value)
        lines.append("state = %s[st[-1]][kind]" % g)
    return [indent + ln for ln in lines]


def emit(d: dict, grammar_text: str) -> str:
    digest = hashlib.sha256(grammar_text.encode("utf-8")).hexdigest()
    names = d["names"]
    nts = sorted(d["fgoto"])
    master = "|".join(d["regexes"]) + "|[^%s]" % d["ign_class"]
    named = "|".join("(?P<T%d>%s)" % (i, rx) for i, rx in enumerate(d["regexes"]))
    named += "|(?P<ERR>[^%s])" % d["ign_class"]
    fixed = ", ".join("%r: %d" % kv for kv in sorted(d["fixed"].items(), key=lambda kv: kv[1]))
    by_code = sorted(d["code_of"], key=lambda ri: -d["code_of"][ri])
    rules = "".join("    %r,\n" % d["shapes"][ri]["text"] for ri in by_code)

    def leaf(node, indent):
        if node[0] == "accept":
            return [indent + "return vs[-1]"]
        if node[0] == "error":
            return [indent + "return fail(toks, k, kind, state, lex_state)"]
        return _reduce_body(d, node[1], indent)

    dispatch = "\n".join(_dispatch(d["dispatch_tree"], d["code_of_leaf"], leaf, " " * 16))
    action = "\n".join(_tuple_lines(d["action"], "    "))
    gotos = []
    for nt in nts:
        gotos.append("%s = (" % _goto_name(nt))
        gotos += _tuple_lines([d["fgoto"][nt].get(s) for s in range(d["nstates"])], "    ")
        gotos.append(")")
    goto_dict = "".join("    %r: %s,\n" % (nt, _goto_name(nt)) for nt in nts)

    return _TEMPLATE.format(
        digest=digest,
        terminals=", ".join(repr(x) for x in names + ["$END", ERROR_TERMINAL]),
        end_kind=d["end_kind"],
        err_kind=d["err_kind"],
        master=repr(master),
        named=repr(named),
        fixed=fixed,
        start=d["start"],
        end=d["end"],
        accept=d["accept_code"],
        error=d["error_code"],
        rules=rules,
        action=action,
        gotos="\n".join(gotos),
        goto_dict=goto_dict,
        dispatch=dispatch,
    )


_TEMPLATE = """\
\"""Generated parser layer: lexer regex, LALR(1) tables and parse loop for exprgrad.

GENERATED by tools/gen_parser.py from grammar/exprgrad.lark -- DO NOT EDIT.
Regenerate with `python tools/gen_parser.py`; CI runs `python tools/gen_parser.py --check`.
grammar sha256: {digest}

Use it through exprgrad/parser.py (the hand-written wrapper), not directly.

parse_tokens(toks, builder, fail) runs Lark's LALR(1) automaton over the token
strings `toks` (from MASTER_RE.findall) and calls builder methods per rule; a
terminal's value is its token index. On a syntax error it returns
fail(toks, k, kind, state, lex_state): k = token index (len(toks) at end of input),
kind = token kind (END_KIND / ERROR_KIND for end of input / bad character),
state = the state the automaton failed in, lex_state = the state after the last
shift (the state Lark's contextual lexer lexes token k in). No recursion anywhere.

May import: re (nothing from exprgrad, no lark).
\"""

import re

GRAMMAR_SHA256 = "{digest}"

# Token kinds: the terminals in Lark's standard-lexer order, then end of input and
# the catch-all "bad character".
TERMINALS = ({terminals})
END_KIND = {end_kind}
ERROR_KIND = {err_kind}

# One alternative per terminal, in lexer order, then a catch-all for any character
# that is not %ignore'd: a bad character becomes an ERROR_KIND token.
MASTER_RE = re.compile({master})
_NAMED_RE = re.compile({named})
_FIXED = {{{fixed}}}


class _KindCache(dict):
    \"""token string -> kind; a miss is classified with the named-group regex.\"""

    __slots__ = ()

    def __missing__(self, tok):
        group = _NAMED_RE.fullmatch(tok).lastgroup
        kind = self[tok] = ERROR_KIND if group == "ERR" else int(group[1:])
        return kind


_KINDS = _KindCache(_FIXED)
_KINDS_LIMIT = 1 << 16  # forget cached names beyond this many (bounded memory)


def token_kinds(toks):
    \"""The kind of each token string, as a new list of ints.\"""
    if len(_KINDS) > _KINDS_LIMIT:
        _KINDS.clear()
        _KINDS.update(_FIXED)
    return list(map(_KINDS.__getitem__, toks))


START_STATE = {start}
ACCEPT_STATE = {end}
# ACTION[state][kind]: >= 0 shift to that state; ACCEPT; ERROR; any other negative
# code c reduces by REDUCE_RULES[-c - 1].
ACCEPT = {accept}
ERROR = {error}
REDUCE_RULES = (
{rules})

# fmt: off
ACTION = (
{action}
)

# GOTO_<nonterminal>[state][lookahead kind] -> state, with the unit pass-through
# reductions (`?a: b`) that follow on that lookahead already applied.
{gotos}
# fmt: on

GOTO = {{
{goto_dict}}}


def parse_tokens(toks, builder, fail):
    \"""Parse the token strings `toks`; return the value of `start`, or fail(...).\"""
    if len(_KINDS) > _KINDS_LIMIT:
        _KINDS.clear()
        _KINDS.update(_FIXED)
    kinds = list(map(_KINDS.__getitem__, toks))
    kinds.append(END_KIND)
    A = ACTION
    st = []  # states below the current one
    vs = []  # values, aligned with st
    state = START_STATE
    for k, kind in enumerate(kinds):
        a = A[state][kind]
        if a < 0:
            lex_state = state
            while True:
{dispatch}
                a = A[state][kind]
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
    lark_obj = Lark(text, parser="lalr")
    return emit(analyze(lark_obj), text)


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
