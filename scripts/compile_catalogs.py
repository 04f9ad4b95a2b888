"""Compile the message catalogues: every language's ``.po`` files into one ``.mo``.

    python scripts/compile_catalogs.py [LOCALE_DIR]

Writes ``<LOCALE_DIR>/<language>/LC_MESSAGES/branch_crm.mo`` (default LOCALE_DIR: the
package's ``resources/locale``), only where the ``.po`` files changed since. Pure Python, no
dependencies: ``scripts/bootstrap.py``, the installer build and the head-office image run it
before the package is installed. Exits 1 naming the file when a ``.po`` file is malformed.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def i18n_module() -> ModuleType:
    """src/branch_crm/i18n.py loaded by path (standard library only; no install needed)."""
    path = ROOT / "src" / "branch_crm" / "i18n.py"
    spec = importlib.util.spec_from_file_location("branch_crm_i18n_build", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def compile_all(base: Path | None = None) -> list[Path]:
    """Compile every language under ``base`` (default: the package's); the files written."""
    i18n = i18n_module()
    written: list[Path] = i18n.write_catalogs(
        base or ROOT / "src" / "branch_crm" / "resources" / "locale"
    )
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    try:
        done = compile_all(target)
    except ValueError as exc:
        sys.exit(f"compile_catalogs: {exc}")
    for path in done:
        sys.stdout.write(f"compiled {path}\n")
