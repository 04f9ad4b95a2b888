"""The survey responses tab: every survey's current answers, newest first, found by the
form's serial (or its last digits) or the customer's phone, last 4 digits, name or pinyin
initials. Enter opens the form (its serial keyed in on the entry tab) or, for phone and
counter answers, the customer."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QTableView, QVBoxLayout, QWidget

from branch_crm.i18n import N_, _
from branch_crm.services.customers.search import format_phone
from branch_crm.services.surveys import responses
from branch_crm.services.surveys.entry import channel_label
from branch_crm.ui import keys
from branch_crm.ui.context import AppContext
from branch_crm.ui.widgets.empty_state import empty_state
from branch_crm.ui.widgets.search_box import SearchBox, SearchRun, placeholder
from branch_crm.ui.widgets.table_model import Column, RowTableModel
from branch_crm.ui.widgets.tables import Resize, setup_table

log = logging.getLogger(__name__)

RELOAD_ON = frozenset({"survey", "customer", "sync"})
OPEN_RESPONSE = N_("Open the selected response")

COLUMNS: tuple[Column[responses.ResponseRow], ...] = (
    Column(N_("Answered"), lambda r: r.answered_on.isoformat()),
    Column(N_("Serial"), lambda r: r.serial or ""),
    Column(N_("Customer"), lambda r: r.customer_name),
    Column(N_("Phone"), lambda r: format_phone(r.phone) if r.phone else ""),
    Column(N_("Channel"), lambda r: channel_label(r.channel)),
    Column(N_("Answers"), lambda r: r.summary),
    Column(N_("Suggestion"), lambda r: " ".join((r.suggestion or "").split())),
)


class ResponsesWidget(QWidget):
    """Search box above, the responses below; reloads when surveys change."""

    sig_loaded = Signal(int)
    """Emitted after each (re)load with the number of rows shown."""
    sig_open_serial = Signal(str)
    """Enter on a paper response: its form's serial."""
    sig_open_customer = Signal(str)
    """Enter on a phone or counter response: its customer's id."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("surveyResponses")
        self.ctx = ctx
        self.search = SearchBox(self, "surveyResponseSearch")  # Ctrl+F: the surveys page's
        self._run = SearchRun(ctx, self)
        self.model: RowTableModel[responses.ResponseRow] = RowTableModel(COLUMNS, self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        setup_table(self.table, name="surveyResponseTable", resize=Resize.Interactive)
        self.empty_state = empty_state(self.table, self._empty_text)
        self.count = QLabel(self)
        self.count.setObjectName("surveyResponseCount")
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        self.search.sig_search.connect(lambda _text: self.reload())
        self.table.activated.connect(lambda _index: self.open_current())
        for enter in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            keys.shortcut(
                self.table,
                QKeySequence(enter),
                self.open_current,
                OPEN_RESPONSE,
                context=Qt.ShortcutContext.WidgetShortcut,
            )
        ctx.bus.sig_data_changed.connect(self._on_bus_data_changed)
        self._loaded_once = False
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.search.setPlaceholderText(
            placeholder(_("Serial or its last digits, phone, last 4, name, initials"))
        )
        self.search.setAccessibleName(_("Search survey responses"))
        self.table.setAccessibleName(_("Survey responses"))
        self.model.retranslate()
        self._show_count()

    def _empty_text(self) -> str:
        if self.search.query():
            return _("No survey response matches “{text}”.").format(text=self.search.query())
        return _("No survey answers yet. Key in returned forms on the first tab.")

    def reload(self) -> None:
        """Load the responses the search box finds (off the GUI thread)."""
        self._loaded_once = True
        self._run.start(
            responses.list_responses,
            {"search": self.search.query()},
            self._on_loaded,
            self._on_load_failed,
        )

    def ensure_loaded(self) -> None:
        """Load on first show."""
        if not self._loaded_once:
            self.reload()

    def _on_loaded(self, rows: list[responses.ResponseRow]) -> None:
        self.model.set_rows(rows)
        if rows:
            self.table.selectRow(0)
        self._show_count()
        self.sig_loaded.emit(len(rows))

    def _on_load_failed(self, exc: BaseException) -> None:
        log.warning("survey responses could not be loaded: %s", exc)
        self.count.setText(_("The responses could not be loaded: {error}").format(error=exc))

    def _show_count(self) -> None:
        shown = len(self.model.rows)
        if shown >= responses.MAX_ROWS:
            text = _("Newest {n} shown; search to narrow.").format(n=shown)
        else:
            text = _("{n} responses").format(n=shown)
        self.count.setText(text)

    def _on_bus_data_changed(self, what: frozenset[str]) -> None:
        if self._loaded_once and what & RELOAD_ON:
            self.reload()

    def show_search(self, text: str) -> None:
        """Search for ``text`` now (Go-to)."""
        self.search.setText(text)
        self.search.search_now()

    def open_current(self) -> None:
        """Open the selected response: its form on the entry tab, else its customer."""
        row = self.model.row_at(self.table.currentIndex().row())
        if row is None:
            return
        if row.serial:
            self.sig_open_serial.emit(row.serial)
        else:
            self.sig_open_customer.emit(row.customer_id)
