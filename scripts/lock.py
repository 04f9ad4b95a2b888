"""Write the lock files in requirements/ from pyproject.toml (README: upgrading dependencies).

    python scripts/lock.py                    # re-lock, keeping every pinned version it can
    python scripts/lock.py --upgrade          # move everything to the newest allowed versions
    python scripts/lock.py --upgrade-package reportlab   # move one package (repeatable)

Uses ``uv pip compile`` (``uv`` is in the ``dev`` extra; run with ``.venv``'s Python, or any
Python that has uv). Each file is universal (Linux, Windows and macOS; Python 3.11 and later,
resolved for 3.11) with the sha256 of every wheel and source archive:

- ``requirements/dev.txt``: base + desktop + hq + dev, what ``scripts/bootstrap.py`` (quick
  start, tests, CI) installs;
- ``requirements/bundle.txt``: base + desktop + PyInstaller (``requirements/bundle.in``), what
  the desktop bundle and installer are built from;
- ``requirements/hq.txt``: base + hq, what the head-office image (deploy/Containerfile)
  installs.

The last two are constrained to ``dev.txt``, so all three pin the same version of anything
they share (the tests run on exactly what ships).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements"
COMMON = [
    "--universal",
    "--python-version",
    "3.11",
    "--generate-hashes",
    "--no-emit-package",
    "branch-crm",
    "--quiet",
]
LOCKS: dict[str, list[str]] = {
    "dev.txt": ["pyproject.toml", "--extra", "desktop", "--extra", "hq", "--extra", "dev"],
    "bundle.txt": ["pyproject.toml", "requirements/bundle.in", "--extra", "desktop",
                   "-c", "requirements/dev.txt"],
    "hq.txt": ["pyproject.toml", "--extra", "hq", "-c", "requirements/dev.txt"],
}  # fmt: skip
"""Lock file -> its inputs, in order (dev.txt first: the others are constrained to it)."""


def uv() -> list[str]:
    """How to run uv: the one on PATH (or beside this Python), else ``python -m uv``."""
    beside = Path(sys.executable).with_name("uv.exe" if sys.platform == "win32" else "uv")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("uv")
    return [found] if found else [sys.executable, "-m", "uv"]


def main(extra: list[str]) -> int:
    for name, inputs in LOCKS.items():
        command = [*uv(), "pip", "compile", *inputs, *COMMON, *extra, "-o", f"requirements/{name}"]
        sys.stderr.write(f"[lock] {name}\n")
        code = subprocess.call(command, cwd=ROOT)
        if code != 0:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
