"""``python -m benchmarks NAME [args]``: run ``benchmarks/NAME.py`` as a script."""

import runpy
import sys
from pathlib import Path


def main() -> None:
    names = sorted(
        p.stem
        for p in Path(__file__).parent.glob("*.py")
        if not p.stem.startswith("_") and p.stem != "common"
    )
    if len(sys.argv) < 2 or sys.argv[1] not in names:
        sys.exit(f"usage: python -m benchmarks {{{','.join(names)}}} [options]")
    name = sys.argv.pop(1)
    sys.argv[0] = f"benchmarks/{name}.py"
    runpy.run_module(f"benchmarks.{name}", run_name="__main__")


main()
