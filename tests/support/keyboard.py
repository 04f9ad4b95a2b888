"""Typing into widgets the way a user does: Chinese through an input method, table cells."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication

_RUNS = re.compile(r"[\x00-\x7f]+|[^\x00-\x7f]+")


def type_text(qtbot: Any, widget: Any, text: str) -> None:
    """Type ``text``: ASCII as key clicks, other characters as an input-method commit
    (QTest cannot synthesise key events for Chinese characters)."""
    for run in _RUNS.findall(text):
        if run.isascii():
            qtbot.keyClicks(widget, run)
            continue
        event = QInputMethodEvent("", [])
        event.setCommitString(run)
        QApplication.sendEvent(widget, event)


def cell_editor(qtbot: Any, table: Any) -> Any:
    """The line edit a table opened for the cell being edited (waits until it is there)."""
    from PySide6.QtWidgets import QLineEdit

    found: list[Any] = []

    cell = table.visualRect(table.currentIndex())

    def opened() -> bool:
        found[:] = [
            e
            for e in table.viewport().findChildren(QLineEdit)
            if e.isVisible() and e.geometry().intersects(cell)
        ]
        return bool(found)

    qtbot.waitUntil(opened, timeout=2000)
    return found[-1]


def commit_cell(qtbot: Any, editor: Any) -> None:
    """Press Enter in a cell editor and wait for the (queued) commit to close it."""
    import shiboken6
    from PySide6.QtCore import Qt

    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not shiboken6.isValid(editor) or not editor.isVisible(), timeout=2000)
