"""Empty states: a list with no rows says why and what to do, in the middle of the list."""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel

from branch_crm.ui.shell.language import notifier


class EmptyState(QObject):
    """Shows ``text()`` (translated on every call) over ``view`` while its model has no rows;
    follows model resets, inserts, removals and language changes."""

    def __init__(self, view: QAbstractItemView, text: Callable[[], str]) -> None:
        super().__init__(view)
        self.view = view
        self.text = text
        self.label = QLabel(view.viewport())
        self.label.setObjectName(f"{view.objectName() or 'list'}Empty")
        self.label.setProperty("emptyState", True)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.label.hide()
        view.viewport().installEventFilter(self)
        self._model: QObject | None = None
        self._watch_model()
        notifier().sig_language_changed.connect(self._on_language_changed)
        self.refresh()

    def _watch_model(self) -> None:
        model = self.view.model()
        if model is None or model is self._model:
            return
        self._model = model
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved):
            signal.connect(self.refresh)
        model.layoutChanged.connect(self.refresh)

    def _on_language_changed(self, _language: str) -> None:
        self.refresh()

    def is_shown(self) -> bool:
        """True while the empty-state text is shown (the list has no rows)."""
        return not self.label.isHidden()

    def refresh(self, *_args: object) -> None:
        """Show or hide the text for the rows the model has now."""
        if not shiboken6.isValid(self.view) or not shiboken6.isValid(self.label):
            return  # a QTableWidget's own model empties itself while the view is destroyed
        self._watch_model()
        model = self.view.model()
        empty = model is None or model.rowCount() == 0
        self.label.setText(self.text() if empty else "")
        self.label.setVisible(empty)
        if empty:
            self._place()

    def _place(self) -> None:
        area = self.view.viewport().rect().adjusted(24, 24, -24, -24)
        self.label.setGeometry(area)
        self.label.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.is_shown():
            self._place()
        return False


def empty_state(view: QAbstractItemView, text: Callable[[], str]) -> EmptyState:
    """Give ``view`` an empty state (kept alive by the view)."""
    return EmptyState(view, text)
