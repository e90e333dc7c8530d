"""API layer: the documented defaults of ``check`` (README contract), in a module light enough
for the CLI to read while it builds its options.  Imports: nothing."""

DEFAULT_EPS = 1e-6
DEFAULT_RTOL = 1e-5
DEFAULT_ATOL = 1e-8
