"""Small label helpers shared by the pages."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget


def page_title(parent: QWidget) -> QLabel:
    """The large heading at the top of a page (its text is set by the page's retranslate)."""
    title = QLabel(parent)
    font = title.font()
    font.setPointSize(font.pointSize() + 4)
    title.setFont(font)
    return title
