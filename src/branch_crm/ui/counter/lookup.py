"""Instant lookup: a search box that finds customers while the customer waits.

Typing restarts a short debounce timer; when it fires the search service runs (a few ms on
a million customers) and the result table is replaced. The box keeps the focus: Up/Down move
in the results, Enter opens the selected customer (the first when none is selected), Esc
clears.
"""

from __future__ import annotations

import logging
import re

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from branch_crm.errors import CrmError
from branch_crm.i18n import _, ngettext
from branch_crm.services.customers.search import search_customers
from branch_crm.ui.context import AppContext
from branch_crm.ui.counter.search_model import TIER_COLUMN, SearchResultsModel
from branch_crm.ui.counter.widgets import TierBadgeDelegate, enlarge

log = logging.getLogger(__name__)

DEFAULT_DEBOUNCE_MS = 120
RESULT_LIMIT = 50
_PHONE_LIKE = re.compile(r"^[+\d][\d\s\-()]*$")


def split_prefill(query: str) -> tuple[str, str]:
    """(name, phone) to prefill a new customer from what was typed: digits go to phone."""
    text = query.strip()
    if text and _PHONE_LIKE.match(text):
        return "", text
    return text, ""


class LookupWidget(QWidget):
    """Search box plus result table; emits the customer the user chose."""

    sig_customer_activated = Signal(str)
    """A customer id: Enter in the box, or a double click / Enter on a result row."""
    sig_results_updated = Signal(int)
    """Emitted after each search with the number of hits (the table is already updated)."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        debounce_ms: int = DEFAULT_DEBOUNCE_MS,
        large: bool = False,
        multi_select: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._last_query = ""
        self.model = SearchResultsModel(self)
        self.search_box = QLineEdit(self)
        self.search_box.setObjectName("searchBox")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setMaxLength(60)
        self.results = QTableView(self)
        self.results.setObjectName("searchResults")
        self.results.setModel(self.model)
        self.status = QLabel(self)
        self.status.setObjectName("searchStatus")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(0, debounce_ms))
        self._setup_view(large, multi_select)
        self._layout()
        self.search_box.textChanged.connect(self._on_search_box_text_changed)
        self._timer.timeout.connect(self.run_search_now)
        self.search_box.installEventFilter(self)
        self.results.activated.connect(self._on_results_activated)
        self.setFocusProxy(self.search_box)
        self.retranslate_ui()

    # -- construction -----------------------------------------------------------------
    def _setup_view(self, large: bool, multi_select: bool) -> None:
        view = self.results
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(
            QAbstractItemView.SelectionMode.ExtendedSelection
            if multi_select
            else QAbstractItemView.SelectionMode.SingleSelection
        )
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setItemDelegateForColumn(TIER_COLUMN, TierBadgeDelegate(view))
        view.verticalHeader().setVisible(False)
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        # a scroll bar that comes and goes re-lays out and repaints the whole table per key
        view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        view.setAlternatingRowColors(True)
        view.setWordWrap(False)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((150, 150, 240, 110)):
            header.resizeSection(column, width)
        if large:
            for widget in (self.search_box, view, self.status):
                enlarge(widget, 16)
            self.search_box.setMinimumHeight(56)
            view.verticalHeader().setDefaultSectionSize(52)
            for column, width in enumerate((200, 210, 260, 130)):
                header.resizeSection(column, width)
        else:
            view.verticalHeader().setDefaultSectionSize(28)

    def _layout(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search_box)
        layout.addWidget(self.status)
        layout.addWidget(self.results, 1)

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.search_box.setPlaceholderText(
            _("Phone, last 4 digits, name, pinyin initials (zs) or company")
        )
        self.search_box.setAccessibleName(_("Customer search"))
        self.search_box.setToolTip(
            _("Enter: open · Esc: clear · Up/Down: move in the results · Ctrl+N: new customer")
        )
        self.results.setAccessibleName(_("Search results"))
        self.model.retranslate()
        self._show_status()

    # -- searching ----------------------------------------------------------------------
    def set_debounce(self, milliseconds: int) -> None:
        """Change the typing pause before a search runs (0 searches on the next event)."""
        self._timer.setInterval(max(0, milliseconds))

    def _on_search_box_text_changed(self, _text: str) -> None:
        self._timer.start()

    def run_search_now(self) -> None:
        """Search for the box's text right away and replace the results."""
        self._timer.stop()
        query = self.search_box.text().strip()
        self._last_query = query
        hits = []
        error = None
        if query:
            try:
                hits = self.ctx.read(search_customers, query=query, limit=RESULT_LIMIT)
            except CrmError as exc:
                error = exc.message
                log.warning("search failed: %s", exc)
            except Exception:  # the counter must keep working; details go to the log
                log.exception("search for %r failed", query)
                error = _("The search failed; please try again. Details are in the log.")
        self.model.set_hits(hits)
        if hits:
            self.results.selectionModel().setCurrentIndex(
                self.model.index(0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
        self._show_status(error)
        self.sig_results_updated.emit(len(hits))

    def refresh(self) -> None:
        """Repeat the current search (after customers changed)."""
        if self.search_box.text().strip():
            self.run_search_now()

    def _show_status(self, error: str | None = None) -> None:
        count = self.model.rowCount()
        if error:
            text = error
        elif not self._last_query:
            text = _("Type to search; results appear as you type.")
        elif count == 0:
            text = _("No customer found. Ctrl+N adds a new customer.")
        elif count >= RESULT_LIMIT:
            text = _("First {count} matches, best first; type more to narrow.").format(count=count)
        else:
            text = ngettext("{count} match", "{count} matches", count).format(count=count)
        self.status.setText(text)

    # -- keyboard ----------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search_box and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            return self._on_search_box_key(event)
        return super().eventFilter(watched, event)

    def _on_search_box_key(self, event: QKeyEvent) -> bool:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.open_current()
            return True
        if key == Qt.Key.Key_Escape:
            if not self.search_box.text():
                return False
            self.clear()
            return True
        moves: dict[int, int] = {  # QKeyEvent.key() is a plain int
            Qt.Key.Key_Down: 1,
            Qt.Key.Key_Up: -1,
            Qt.Key.Key_PageDown: 10,
            Qt.Key.Key_PageUp: -10,
        }
        if key in moves:
            self._move(
                moves[key], extend=bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            )
            return True
        return False

    def _move(self, step: int, *, extend: bool = False) -> None:
        count = self.model.rowCount()
        if count == 0:
            return
        current = self.results.currentIndex()
        row = current.row() if current.isValid() else -1
        row = 0 if row < 0 and step > 0 else max(0, min(count - 1, row + step))
        flags = QItemSelectionModel.SelectionFlag.Rows | (
            QItemSelectionModel.SelectionFlag.Select
            if extend
            else QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        index = self.model.index(row, 0)
        self.results.selectionModel().setCurrentIndex(index, flags)
        self.results.scrollTo(index)

    def clear(self) -> None:
        """Empty the box and the results; the box keeps the focus."""
        self._timer.stop()
        self.search_box.clear()
        self._timer.stop()
        self._last_query = ""
        self.model.set_hits([])
        self._show_status()
        self.sig_results_updated.emit(0)

    def current_customer_id(self) -> str | None:
        """The customer Enter would open: the current row, else the first hit."""
        if self.model.rowCount() == 0:
            return None
        current = self.results.currentIndex()
        row = current.row() if current.isValid() else 0
        return self.model.hit(row).customer_id

    def selected_ids(self) -> list[str]:
        """Selected customers in table order (the current one when nothing is selected)."""
        rows = sorted({i.row() for i in self.results.selectionModel().selectedRows()})
        if rows:
            return [self.model.hit(r).customer_id for r in rows]
        current = self.current_customer_id()
        return [current] if current else []

    def open_current(self) -> None:
        """Open the selected (or first) customer; a pending search runs first."""
        if self._timer.isActive() or self.search_box.text().strip() != self._last_query:
            self.run_search_now()
        customer_id = self.current_customer_id()
        if customer_id is not None:
            self.sig_customer_activated.emit(customer_id)

    def _on_results_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.sig_customer_activated.emit(self.model.hit(index.row()).customer_id)

    def focus_search(self) -> None:
        """Put the cursor in the search box with its text selected (ready to overtype)."""
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()
