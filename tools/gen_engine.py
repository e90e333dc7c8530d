"""Build tool: write exprgrad/engines/_scalar_loops.py from the ops table (``--check``: exit 1 if
stale).

    python tools/gen_engine.py          # regenerate after editing exprgrad/core/ops.py
    python tools/gen_engine.py --check  # CI: the checked-in file is what the table generates

Imports: stdlib and exprgrad.engines.codegen.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Load exprgrad.engines.codegen without running exprgrad/__init__.py (the package's API).
_pkg = types.ModuleType("exprgrad")
_pkg.__path__ = [str(ROOT / "exprgrad")]
sys.modules.setdefault("exprgrad", _pkg)

from exprgrad.engines.codegen import engine_source  # noqa: E402

TARGET = ROOT / "exprgrad" / "engines" / "_scalar_loops.py"


def main(argv: list[str]) -> int:
    src = engine_source()
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != src:
            print(f"{TARGET} is stale: run python tools/gen_engine.py", file=sys.stderr)
            return 1
        print(f"{TARGET.name} is current")
        return 0
    TARGET.write_text(src, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
