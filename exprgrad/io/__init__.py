"""IO layer: what comes from outside -- values from text and files (values.py, arrays.py) and
statement streams read a line at a time (lines.py).  Imports: exprgrad.errors, stdlib; numpy
only in arrays.py.
"""
