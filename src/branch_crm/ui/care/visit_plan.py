"""The visit-plan page (supervisors): how the month's visits keep the plan per visit class
(customers visited enough / due, visits made, feedback forms done / due against the quota),
which account managers are behind, and the customers behind; the month's visit list printed
(PDF) for the account managers to take along.

Keys: Alt+M month, Alt+A account manager, Enter (or double-click) on a customer opens it, on
an account manager shows only theirs, Ctrl+P prints the visit list, F5 reloads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from branch_crm.db import default_data_dir
from branch_crm.errors import CrmError
from branch_crm.i18n import N_, _, current_language
from branch_crm.printing.visit_list import month_text
from branch_crm.services.care.visit_list import print_visit_list
from branch_crm.services.care.visits import Compliance, visit_compliance
from branch_crm.services.customers.profile import list_account_managers
from branch_crm.timeutil import add_months, local_today, month_key, to_local, utcnow
from branch_crm.ui import keys, messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.icons import icon
from branch_crm.ui.widgets.combos import refill_combo
from branch_crm.ui.widgets.empty_state import empty_state
from branch_crm.ui.widgets.labels import page_title

__all__ = ["MONTHS_BACK", "VisitPlanPage", "month_label", "printout_path"]

log = logging.getLogger(__name__)

MONTHS_BACK = 12
"""Months offered before this one."""
RELOAD_ON = frozenset({"visit", "care", "customer", "staff", "survey", "sync"})
ID_ROLE = Qt.ItemDataRole.UserRole
EVERYONE = ""
"""The account-manager filter's data for everyone's customers."""
NO_MANAGER = "-"
"""A manager row's data for the customers without an account manager."""

_CLASS_HEADERS = (
    N_("Visit class"),
    N_("Customers"),
    N_("Visited enough"),
    N_("Kept"),
    N_("Visits due each"),
    N_("Visits made"),
    N_("Feedback forms done / due"),
)
_MANAGER_HEADERS = (N_("Account manager"), N_("Customers"), N_("Visited"), N_("Behind"))
_BEHIND_HEADERS = (
    N_("Customer"),
    N_("Visit class"),
    N_("Account manager"),
    N_("Visits"),
    N_("Last visit"),
)


def month_label(month: str) -> str:
    """'2027-03' as the screen shows it: '2027年3月' in Chinese (as the printed list)."""
    return month_text(month, current_language())


def printout_path(month: str, now: datetime | None = None) -> Path:
    """Where a freshly printed visit list goes before the user saves it elsewhere."""
    stamp = to_local(now or utcnow()).strftime("%Y%m%d-%H%M%S")
    folder = default_data_dir() / "printouts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"visit-list-{month}-{stamp}.pdf"


def _item(text: str, data: object = None, *, number: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if data is not None:
        item.setData(ID_ROLE, data)
    if number:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class _Table(QTableWidget):
    """A read-only list whose Enter key is a signal (open the row)."""

    sig_enter = Signal()

    def __init__(self, name: str, columns: int, parent: QWidget) -> None:
        super().__init__(0, columns, parent)
        self.setObjectName(name)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.verticalHeader().setVisible(False)
        self.setWordWrap(False)
        self.doubleClicked.connect(lambda _i: self.sig_enter.emit())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Qt: Enter/Return -> sig_enter."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self.sig_enter.emit()
            return
        super().keyPressEvent(event)


def _fill_row(table: QTableWidget, row: int, cells: Sequence[QTableWidgetItem]) -> None:
    for column, cell in enumerate(cells):
        table.setItem(row, column, cell)


def _rate(visited: int, customers: int) -> str:
    return f"{round(100 * visited / customers)} %" if customers else "—"


class VisitPlanPage(QWidget):
    """The month's visit plan; reloads when visits, tasks or customers change."""

    sig_loaded = Signal(object)
    """The Compliance shown, after each load."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("visitPlanPage")
        self.ctx = ctx
        self.figures: Compliance | None = None
        self.last_printout: Path | None = None
        self._build()
        self._lay_out()
        self._connect()
        ctx.bus.sig_data_changed.connect(self._on_bus_data_changed)
        self.retranslate_ui()
        self.reload()

    # --- construction --------------------------------------------------------------------

    def _build(self) -> None:
        self.title = page_title(self)
        self.month_label = QLabel(self)
        self.month = QComboBox(self)
        self.month.setObjectName("visitPlanMonth")
        this_month = month_key(local_today())
        for back in range(MONTHS_BACK + 1):
            self.month.addItem("", add_months(this_month, -back))
        self.month_label.setBuddy(self.month)
        self.manager_label = QLabel(self)
        self.manager = QComboBox(self)
        self.manager.setObjectName("visitPlanManager")
        self.manager_label.setBuddy(self.manager)
        self._fill_managers()
        self.refresh_button = self._button("visitPlanRefresh", "refresh", self.reload)
        self.classes_caption = QLabel(self)
        self.classes = _Table("visitPlanClasses", len(_CLASS_HEADERS), self)
        self.classes.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.managers_caption = QLabel(self)
        self.managers = _Table("visitPlanManagers", len(_MANAGER_HEADERS), self)
        self.behind_caption = QLabel(self)
        self.behind = _Table("visitPlanBehind", len(_BEHIND_HEADERS), self)
        self.behind_empty = empty_state(
            self.behind, lambda: _("Every customer is visited enough this month.")
        )
        self.customer_button = self._button("visitPlanCustomer", "customers", self.open_customer)
        self.print_button = self._button("visitPlanPrint", "print", self.print_list)

    def _fill_managers(self) -> None:
        try:
            staff = self.ctx.read(list_account_managers)
        except CrmError:
            log.exception("account managers could not be listed")
            staff = []
        refill_combo(self.manager, [(EVERYONE, ""), *staff], default=EVERYONE)

    def _button(self, name: str, icon_name: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(icon(icon_name), "", self)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    def _lay_out(self) -> None:
        filters = QHBoxLayout()
        filters.addWidget(self.title)
        filters.addStretch(1)
        filters.addWidget(self.month_label)
        filters.addWidget(self.month)
        filters.addWidget(self.manager_label)
        filters.addWidget(self.manager)
        filters.addWidget(self.refresh_button)
        classes = QVBoxLayout()
        classes.addWidget(self.classes_caption)
        classes.addWidget(self.classes)
        managers = QVBoxLayout()
        managers.addWidget(self.managers_caption)
        managers.addWidget(self.managers)
        figures = QHBoxLayout()
        figures.addLayout(classes, 3)
        figures.addLayout(managers, 2)
        behind = QHBoxLayout()
        behind.addWidget(self.behind_caption)
        behind.addStretch(1)
        behind.addWidget(self.customer_button)
        behind.addWidget(self.print_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(figures)
        layout.addLayout(behind)
        layout.addWidget(self.behind, 1)
        for table, stretch in ((self.classes, 6), (self.managers, 0), (self.behind, 4)):
            header = table.horizontalHeader()
            header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        self.behind.horizontalHeader().setMinimumSectionSize(110)  # room beside short names
        self._fit_figures()

    def _fit_figures(self) -> None:
        """The classes table shows its three rows; the managers table as high."""
        rows = 3
        height = (
            self.classes.horizontalHeader().sizeHint().height()
            + rows * self.classes.verticalHeader().defaultSectionSize()
            + 2 * self.classes.frameWidth()
            + 2
        )
        self.classes.setFixedHeight(height)
        self.managers.setFixedHeight(height)

    def _connect(self) -> None:
        self.month.currentIndexChanged.connect(lambda _i: self.reload())
        self.manager.currentIndexChanged.connect(lambda _i: self.reload())
        self.behind.sig_enter.connect(self.open_customer)
        self.managers.sig_enter.connect(self.filter_to_manager)
        self.behind.itemSelectionChanged.connect(self._update_buttons)
        keys.shortcut(self, "Ctrl+P", self.print_list, N_("Print the month's visit list"))
        keys.shortcut(self, "F5", self.reload, N_("Load the visit plan again"))

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.title.setText(_("Visit plan"))
        self.month_label.setText(_("&Month:"))
        for index in range(self.month.count()):
            self.month.setItemText(index, month_label(str(self.month.itemData(index))))
        self.month.setAccessibleName(_("Month"))
        self.manager_label.setText(_("&Account manager:"))
        self.manager.setItemText(0, _("Everyone"))
        self.manager.setAccessibleName(_("Account manager"))
        self.refresh_button.setText(_("Refresh"))
        self.refresh_button.setToolTip(_("Load the visit plan again (F5)"))
        self.classes_caption.setText(_("Per visit class"))
        self.managers_caption.setText(_("Per account manager (Enter: only theirs)"))
        for table, headers in (
            (self.classes, _CLASS_HEADERS),
            (self.managers, _MANAGER_HEADERS),
            (self.behind, _BEHIND_HEADERS),
        ):
            table.setHorizontalHeaderLabels([_(h) for h in headers])
        self.classes.setAccessibleName(_("Per visit class"))
        self.managers.setAccessibleName(_("Per account manager"))
        self.behind.setAccessibleName(_("Customers behind"))
        self.customer_button.setText(_("Open c&ustomer"))
        self.customer_button.setToolTip(_("Open the customer's profile (Enter)"))
        self.print_button.setText(_("&Print visit list…"))
        self.print_button.setToolTip(
            _("The month's visit list per account manager, as a PDF (Ctrl+P)")
        )
        for button in (self.customer_button, self.print_button, self.refresh_button):
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
        self._render()

    # --- loading -------------------------------------------------------------------------

    def current_month(self) -> str:
        """The month chosen, 'YYYY-MM'."""
        return str(self.month.currentData())

    def current_manager(self) -> str | None:
        """The account manager chosen (None: everyone)."""
        value = self.manager.currentData()
        return str(value) if value else None

    def reload(self) -> None:
        """Compute the month's figures again (on the database thread)."""
        self.ctx.submit(
            visit_compliance,
            kwargs={"month": self.current_month(), "account_manager_id": self.current_manager()},
            on_result=self._on_loaded,
            on_error=self._on_load_failed,
        )

    def _on_loaded(self, figures: Compliance) -> None:
        self.figures = figures
        self._render()
        self.sig_loaded.emit(figures)

    def _on_load_failed(self, exc: BaseException) -> None:
        log.warning("the visit plan failed to load: %s", exc)
        messages.show_error(self, exc)

    def _on_bus_data_changed(self, what: frozenset[str]) -> None:
        if what & RELOAD_ON and self.isVisible():
            self.reload()

    def on_shown(self) -> None:
        """Reload whenever the page is shown; focus the customers behind."""
        self.reload()
        self.behind.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- showing -------------------------------------------------------------------------

    def _render(self) -> None:
        figures = self.figures
        if figures is None:
            self.behind_caption.setText(_("Loading…"))
            return
        self.classes.setRowCount(len(figures.classes))
        for row, cls in enumerate(figures.classes):
            cells: tuple[QTableWidgetItem, ...] = (
                _item(cls.visit_class),
                _item(str(cls.customers), number=True),
                _item(str(cls.visited), number=True),
                _item(_rate(cls.visited, cls.customers), number=True),
                _item(str(cls.required_visits), number=True),
                _item(str(cls.visits), number=True),
                _item(
                    _("{done} / {due} · {met} of {customers} customers met").format(
                        done=cls.feedback_done,
                        due=cls.feedback_due,
                        met=cls.feedback_met,
                        customers=cls.customers,
                    )
                ),
            )
            _fill_row(self.classes, row, cells)
        self.managers.setRowCount(len(figures.managers))
        for row, manager in enumerate(figures.managers):
            name = manager.manager_name or (
                _("No account manager") if manager.manager_id is None else "?"
            )
            cells = (
                _item(name, manager.manager_id or NO_MANAGER),
                _item(str(manager.customers), number=True),
                _item(str(manager.visited), number=True),
                _item(str(manager.behind), number=True),
            )
            _fill_row(self.managers, row, cells)
        self.behind.setRowCount(len(figures.behind))
        for row, customer in enumerate(figures.behind):
            last = to_local(customer.last_visit).date().isoformat() if customer.last_visit else ""
            cells = (
                _item(customer.name, customer.customer_id),
                _item(customer.visit_class),
                _item(customer.manager_name or "—"),
                _item(f"{customer.visits} / {customer.required}", number=True),
                _item(last or _("never")),
            )
            _fill_row(self.behind, row, cells)
        if figures.behind and self.behind.currentRow() < 0:
            self.behind.setCurrentCell(0, 0)
        behind = sum(c.behind for c in figures.classes)
        self.behind_caption.setText(
            _("Customers behind in {month}: {count}").format(
                month=month_label(figures.month), count=behind
            )
        )
        self.behind_empty.refresh()
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.customer_button.setEnabled(self.current_customer_id() is not None)

    # --- actions -------------------------------------------------------------------------

    def current_customer_id(self) -> str | None:
        """The customer selected in the list of those behind."""
        item = self.behind.item(self.behind.currentRow(), 0)
        value = item.data(ID_ROLE) if item is not None else None
        return str(value) if value else None

    def open_customer(self) -> None:
        """The selected customer's profile."""
        customer_id = self.current_customer_id()
        if customer_id is None:
            return
        from branch_crm.ui.counter import actions

        actions.open_customer(self.ctx, customer_id)

    def filter_to_manager(self) -> None:
        """Show only the selected account manager's customers (Enter on a manager row)."""
        item = self.managers.item(self.managers.currentRow(), 0)
        value = item.data(ID_ROLE) if item is not None else None
        if not value or value == NO_MANAGER:
            return
        index = self.manager.findData(value)
        if index >= 0:
            self.manager.setCurrentIndex(index)
            self.behind.setFocus()

    def print_list(self) -> None:
        """Write the month's visit list off the GUI thread, then preview it (print / PDF)."""
        from branch_crm.ui.printing.preview import preview_pdf

        month = self.current_month()
        title = _("Visit list {month}").format(month=month_label(month))

        def on_result(path: Path) -> None:
            self.last_printout = Path(path)
            preview_pdf(self, Path(path), title)

        self.ctx.submit(
            print_visit_list,
            kwargs={
                "month": month,
                "account_manager_id": self.current_manager(),
                "output": printout_path(month),
            },
            on_result=on_result,
            on_error=lambda exc: messages.show_error(self, exc),
            title=_("Printing the visit list…"),
        )
