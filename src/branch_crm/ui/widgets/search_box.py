"""The search box of a list page: results as you type, Ctrl+F to reach it, Esc to clear.

Typing restarts a short pause (:data:`DEBOUNCE_MS`); when it ends ``sig_search`` carries the
text. The page runs its search off the GUI thread (:class:`SearchRun`: a read job on the CPU
pool, ``AppContext.submit(kind="cpu")``) and a result that arrives after the text moved on
is dropped, so a slow search never overwrites a newer one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

from branch_crm.i18n import _
from branch_crm.ui import keys
from branch_crm.ui.context import AppContext

DEBOUNCE_MS = 150
MAX_LENGTH = 60


class SearchBox(QLineEdit):
    """A line edit that emits ``sig_search(text)`` after a typing pause (and at once on
    Enter or when cleared)."""

    sig_search = Signal(str)

    def __init__(self, parent: QWidget, name: str, *, debounce_ms: int = DEBOUNCE_MS) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setClearButtonEnabled(True)
        self.setMaxLength(MAX_LENGTH)
        self.setMinimumWidth(260)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(0, debounce_ms))
        self._timer.timeout.connect(self.search_now)
        self.textChanged.connect(self._on_text_changed)

    def _on_text_changed(self, text: str) -> None:
        if text.strip():
            self._timer.start()
        else:
            self.search_now()

    def setPlaceholderText(self, text: str) -> None:
        """Qt: the grey hint, also as the tooltip (a narrow box cuts the hint short)."""
        super().setPlaceholderText(text)
        self.setToolTip(text)

    def search_now(self) -> None:
        """Emit the search for the text now (a pending pause is cut short)."""
        self._timer.stop()
        self.sig_search.emit(self.query())

    def query(self) -> str:
        """The text to search for (trimmed)."""
        return self.text().strip()

    def focus_search(self) -> None:
        """Put the cursor in the box with its text selected (ready to overtype)."""
        self.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.selectAll()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Qt: Esc clears a box with text (an empty box lets Esc through); Enter searches now."""
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._timer.isActive():
            self.search_now()
        super().keyPressEvent(event)


def search_box(page: QWidget, name: str, *, debounce_ms: int = DEBOUNCE_MS) -> SearchBox:
    """A search box on ``page`` that Ctrl+F reaches while the page is shown."""
    box = SearchBox(page, name, debounce_ms=debounce_ms)
    keys.shortcut(page, "Ctrl+F", box.focus_search, keys.GO_SEARCH)
    return box


def placeholder(what: str) -> str:
    """The box's grey hint: what it finds, and its key."""
    return _("{what} (Ctrl+F)").format(what=what)


class SearchRun(QObject):
    """Runs a page's search off the GUI thread; only the newest result is delivered."""

    def __init__(self, ctx: AppContext, parent: QObject) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._generation = 0

    def start(
        self,
        fn: Callable[..., Any],
        kwargs: dict[str, Any],
        on_result: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        """Run ``fn(**kwargs)`` on a read-only session of the CPU pool; ``on_result`` gets
        its result unless another search started meanwhile."""
        self._generation += 1
        generation = self._generation

        def done(result: Any) -> None:
            if generation == self._generation:
                on_result(result)

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                on_error(exc)

        self.ctx.submit(fn, kwargs=kwargs, on_result=done, on_error=failed, kind="cpu")

    def cancel(self) -> None:
        """Forget the search under way (its result will be dropped)."""
        self._generation += 1
