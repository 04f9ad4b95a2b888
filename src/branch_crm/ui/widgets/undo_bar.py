"""The non-modal "Deleted … Undo (Ctrl+Z)" bar shown for a few seconds after a delete.

It floats at the bottom of the window it belongs to (the main window, or the dialog that
deleted), never takes the focus and goes away on its own after :data:`UNDO_SECONDS`. Ctrl+Z
undoes while it shows (a text field with focus keeps its own Ctrl+Z: Qt gives it the key
first). Undo calls back the deleting feature, which restores the record (services.deletion).
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from branch_crm.i18n import _
from branch_crm.ui import keys
from branch_crm.ui.icons import icon

UNDO_SECONDS = 8
MARGIN = 16


class UndoBar(QFrame):
    """One bar per window (:func:`offer_undo` finds or makes it)."""

    sig_undo = Signal()

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("undo_bar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setStyleSheet(
            "#undo_bar { background: #323232; border-radius: 6px; }"
            "#undo_bar QLabel { color: white; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 6, 8, 6)
        self.label = QLabel(self)
        self.label.setObjectName("undo_bar_text")
        self.button = QPushButton(icon("record_undo"), "", self)
        self.button.setObjectName("undo_bar_undo")
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.button.clicked.connect(self.undo)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.dismiss)
        self.shortcut = keys.shortcut(
            window, QKeySequence.StandardKey.Undo, self.undo, _("Undo the last delete")
        )
        self.shortcut.setEnabled(False)
        self._undo: Callable[[], None] | None = None
        window.installEventFilter(self)
        self.hide()

    def offer(self, text: str, undo: Callable[[], None], *, seconds: int = UNDO_SECONDS) -> None:
        """Show ``text`` with an Undo button for ``seconds`` (replacing an earlier offer)."""
        self._undo = undo
        self.label.setText(text)
        self.button.setText(_("Undo (Ctrl+Z)"))
        self.button.setAccessibleName(_("Undo"))
        self.setAccessibleName(text)
        self.adjustSize()
        self._place()
        self.show()
        self.raise_()
        self.shortcut.setEnabled(True)
        self.timer.start(seconds * 1000)

    def undo(self) -> None:
        """Run the offered undo once, then go."""
        undo, self._undo = self._undo, None
        self.dismiss()
        if undo is not None:
            self.sig_undo.emit()
            undo()

    def dismiss(self) -> None:
        self.timer.stop()
        self.shortcut.setEnabled(False)
        self.hide()

    def _place(self) -> None:
        window = self.parentWidget()
        if window is None:
            return
        width = min(max(self.sizeHint().width(), 360), max(window.width() - 2 * MARGIN, 200))
        self.resize(width, self.sizeHint().height())
        x = (window.width() - width) // 2
        self.move(x, window.height() - self.height() - MARGIN - 24)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False


def undo_bar(window: QWidget) -> UndoBar:
    """The undo bar of ``window`` (made on first use)."""
    found = window.findChild(UndoBar, "undo_bar", Qt.FindChildOption.FindDirectChildrenOnly)
    if isinstance(found, UndoBar) and shiboken6.isValid(found):
        return found
    return UndoBar(window)


def offer_undo(widget: QWidget, text: str, undo: Callable[[], None]) -> UndoBar:
    """Show the undo bar on the window of ``widget``."""
    bar = undo_bar(widget.window())
    bar.offer(text, undo)
    return bar
