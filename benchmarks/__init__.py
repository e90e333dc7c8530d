"""Benchmarks layer: exprgrad's performance suite (issue 5); not part of the installed package.

Run everything with ``python -m benchmarks`` from the checkout (``--smoke`` for small sizes, as CI
does; ``--only engine,startup`` for some; ``--json`` for machine-readable output).
Each ``benchmarks/bench_*.py`` module exposes ``run(smoke: bool) -> list[dict]``, one dict per row:

``name``       (str, required) what was measured, e.g. ``"engine chain forward"``;
``result``     (str) the absolute numbers, human-readable (µs/node, MB/s, expressions/s ...);
``ratio``      (float | None) ours / the reference measured in the same run (lower is better);
               for throughput goals the row may instead give a ratio >= 1 meaning "times the goal";
``reference``  (str) what the ratio is against;
``goal``       (str) the goal as written in issue 5, e.g. ``"≤ 1.25×"``;
``met``        (bool | None) whether the goal is met; None when not applicable or skipped;
``note``       (str) anything else -- e.g. why a row was skipped;
``data``       (dict) raw numbers, kept for ``--json``.

Unknown keys are shown in the result column.  Timing is by ratio against references measured in
the same run because the machine is shared and noisy; docs/performance.md has the method and the
last full run.  Imports: stdlib only (each bench module imports what it measures).
"""
