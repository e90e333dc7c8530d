"""Core layer: what everything else is made of -- the ops table (ops.py), the computation graph
as a flat tape (tape.py) and the result records (results.py).  Imports: exprgrad.errors, stdlib.
"""
