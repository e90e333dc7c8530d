"""Dev-time tool layer: the steps of tools/gen_parser.py (which is the entry point).

Purpose: generate exprgrad/syntax/_tables.py from Lark's LALR(1) build of the grammar,
in three steps, one module each, over the records of records.py:

  analyse.py  1. analyze(lark_obj) -> Analysis (runs step 2 on the way)
  lexer.py    2. check_lexer(...): refuse grammars the one-regex lexer would mis-lex
  emit.py     3. emit(analysis, grammar_text) -> the generated module's source

Imports go one way: analyse imports lexer and records; lexer and emit import only
records. Not a run-time package: nothing in exprgrad imports it, and it is not installed
(tools/ is not among the packages in pyproject.toml).

May import: the standard library and lark (dev-time only), nothing from exprgrad.
"""
