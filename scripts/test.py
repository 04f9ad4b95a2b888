"""Quick start: set everything up and run the whole test suite with its quality gates.

Runs ruff (lint and format check), mypy (strict on the whole package) and pytest.
Extra arguments go to pytest (e.g. ``python scripts/test.py tests/services -x``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bootstrap import ROOT, bootstrap, venv_python


def run(title: str, args: list[str]) -> bool:
    """Run one gate; report its time and outcome."""
    start = time.monotonic()
    sys.stderr.write(f"\n=== {title}\n")
    sys.stderr.flush()
    code = subprocess.call(args, cwd=ROOT, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    sys.stderr.write(
        f"=== {title}: {'ok' if code == 0 else 'FAILED'} ({time.monotonic() - start:.0f} s)\n"
    )
    return code == 0


if __name__ == "__main__":
    bootstrap()
    py = str(venv_python())
    pytest_args = sys.argv[1:]
    gates = [
        ("ruff check", [py, "-m", "ruff", "check", "src", "tests", "bench", "scripts"]),
        (
            "ruff format --check",
            [py, "-m", "ruff", "format", "--check", "src", "tests", "bench", "scripts"],
        ),
        ("mypy (strict)", [py, "-m", "mypy"]),
        (
            "pytest",
            [py, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "--durations=30", *pytest_args],
        ),
    ]
    results = [run(title, args) for title, args in gates]
    sys.exit(0 if all(results) else 1)
