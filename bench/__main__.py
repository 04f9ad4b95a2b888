"""Run benchmarks and print one JSON object per figure.

Each module ``bench/<name>.py`` defines ``run(size: int | None, quick: bool) -> Iterable[dict]``
yielding figures ``{"metric", "value", "unit", "baseline", "ratio", ...}`` where baseline is
the floor measured in the same run (raw sqlite3, a bare reportlab canvas, ...) and
ratio = value / baseline. ``all --quick`` runs every benchmark at a small size.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def names() -> list[str]:
    """Every benchmark module in this folder."""
    return sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if not m.name.startswith("_"))


def emit(figure: dict[str, Any]) -> None:
    """Print one figure as a JSON line, filling ratio from value and baseline."""
    if figure.get("baseline") and "ratio" not in figure:
        figure["ratio"] = round(figure["value"] / figure["baseline"], 3)
    sys.stdout.write(json.dumps(figure, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("name", choices=[*names(), "all"])
    parser.add_argument("--size", type=int, default=None, help="problem size (rows, forms, ...)")
    parser.add_argument("--quick", action="store_true", help="small size, for a smoke run")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    chosen = names() if args.name == "all" else [args.name]
    for name in chosen:
        module = importlib.import_module(f"bench.{name}")
        figures: Iterable[dict[str, Any]] = module.run(args.size, args.quick)
        for figure in figures:
            emit({"bench": name, **figure})
    return 0


if __name__ == "__main__":
    sys.exit(main())
