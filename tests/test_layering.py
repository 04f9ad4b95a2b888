"""DESIGN.md section 1: nothing outside ui/ (and the app launcher) imports Qt."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "branch_crm"
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "qtawesome", "qtpy", "shiboken6")
ALLOWED = {PACKAGE / "cli" / "app.py"}  # the launcher hands over to ui/ lazily


def _qt_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found += [n for n in names if n.split(".")[0] in QT_MODULES]
    return found


def test_no_qt_outside_ui() -> None:
    offenders = {}
    for path in PACKAGE.rglob("*.py"):
        if "ui" in path.relative_to(PACKAGE).parts or path in ALLOWED:
            continue
        imports = _qt_imports(path)
        if imports:
            offenders[str(path.relative_to(PACKAGE))] = imports
    assert offenders == {}


def test_the_check_sees_a_qt_import(tmp_path: Path) -> None:
    sample = tmp_path / "leak.py"
    sample.write_text("from PySide6.QtCore import QObject\nimport qtawesome as qta\n")
    assert _qt_imports(sample) == ["PySide6.QtCore", "qtawesome"]
