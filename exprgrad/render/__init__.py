"""Render layer: results as text, JSON, Rich tables and pictures -- never printed here (only
exprgrad/cli prints).  numbers.py formats values and strict JSON; results.py eval and check;
messages.py errors and warnings; stream.py files and pipes.  A new output lands as one module.
Imports: exprgrad.core (records), stdlib; rich and numpy only where used.
"""
