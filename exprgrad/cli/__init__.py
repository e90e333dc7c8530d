"""CLI layer: the ``exprgrad`` command.  main.py holds the group, exit codes and streams;
args.py the command line's words (bindings, --var, --wrt, phrasing errors with flags);
statements.py runs files and pipes; one module per command (eval.py, check.py).
This package is the only code that prints.  Imports: everything below it.
"""
