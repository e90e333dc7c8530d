"""Syntax layer: text -> graph nodes.  parser.py runs the LALR tables generated from
grammar/exprgrad.lark (_tables.py, by tools/gen_parser.py) and builds tape nodes while parsing;
diagnostics.py words syntax errors and "did you mean".  Imports: exprgrad.core, exprgrad.errors.
"""
