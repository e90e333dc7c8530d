"""Analysis layer: what exprgrad computes -- ``Expression`` (bind, evaluate, gradients, compile;
expression.py), the gradient check (check.py), warnings and kinks (nonfinite.py), bindings and
settings (bindings.py), and statements from files and pipes (statements.py).  A new feature
(graph view, explanation, fit, plot) lands here as one module.
Imports: exprgrad.engines, exprgrad.syntax, exprgrad.core, exprgrad.io, exprgrad.errors.
"""
