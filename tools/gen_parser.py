"""Dev-time tool layer: generate exprgrad/syntax/_tables.py from grammar/exprgrad.lark.

Purpose: build Lark's LALR(1) parser for the grammar once, at development time, and
write its lexer regex, parse tables and per-rule reduce code into a plain-literal
Python module (OUTPUT), so that the run-time parser never imports lark (lark's own
runtime is ~10x too slow, and importing it costs start-up time).

    python tools/gen_parser.py            # (re)write OUTPUT
    python tools/gen_parser.py --check    # exit 1 if the checked-in OUTPUT is stale

Nothing about the syntax is written here by hand: everything is taken from Lark, in
three steps, each a module of the package tools/parsergen (records.py holds the data
they pass along and GenError; this file is only the entry point):

  1. Analyse the grammar (analyse.py) -- `analyze(lark_obj) -> Analysis`:
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
  2. Check the lexer (lexer.py) -- `check_lexer(...)`, run by analyze(): the generated
     lexer is one findall regex, each token string then classified on its own. Lark's
     LALR front end uses the *contextual* lexer; refuse (GenError) any grammar for which
     the two could tokenize differently, and any lexer feature not reproduced (regex
     flags, groups, lookaround, keywords). Step 1 likewise refuses what it cannot
     represent (%ignore other than /[chars]+/, [optional] placeholders, `?_rule`s,
     start symbols other than one `start`).
  3. Emit the module (emit.py) -- `emit(analysis, grammar_text) -> str`. Its error
     path reproduces Lark's error reports (see the `fail` contract in the generated
     module's docstring).

Behaviour that must match Lark is checked by tests/test_parser.py, which also loads
this file (by path) to run it on other grammars: it uses main, analyze, emit and
GenError, re-exported here.

May import: the standard library, lark (dev-time only) and parsergen (its sibling
package). Nothing in exprgrad imports this.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# parsergen sits beside this file. Running `python tools/gen_parser.py` puts tools/ on
# sys.path, but tests/test_parser.py loads this file by path (spec_from_file_location)
# without doing so, and it must also work from any working directory: make the sibling
# package importable ourselves.
_TOOLS = Path(__file__).resolve().parent
if sys.path[:1] != [str(_TOOLS)]:
    sys.path.insert(0, str(_TOOLS))

from parsergen.analyse import analyze  # noqa: E402
from parsergen.emit import emit  # noqa: E402
from parsergen.records import GenError  # noqa: E402

__all__ = ["GenError", "analyze", "emit", "generate", "main"]

ROOT = _TOOLS.parent
GRAMMAR = ROOT / "grammar" / "exprgrad.lark"
OUTPUT = ROOT / "exprgrad" / "syntax" / "_tables.py"


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
