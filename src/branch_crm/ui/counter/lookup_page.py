"""The lookup page of the main window: instant search plus Open / New / Pickup sheet."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from branch_crm.i18n import N_, _
from branch_crm.ui import keys
from branch_crm.ui.context import AppContext
from branch_crm.ui.counter import actions
from branch_crm.ui.counter.lookup import DEFAULT_DEBOUNCE_MS, LookupWidget, split_prefill
from branch_crm.ui.counter.widgets import enlarge
from branch_crm.ui.icons import icon


class LookupPage(QWidget):
    """Find a customer while they wait; Enter opens the profile."""

    def __init__(
        self, ctx: AppContext, *, debounce_ms: int | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("lookupPage")
        self.ctx = ctx
        debounce = DEFAULT_DEBOUNCE_MS if debounce_ms is None else debounce_ms
        self.lookup = LookupWidget(ctx, debounce_ms=debounce)
        enlarge(self.lookup.search_box, 14)
        self.lookup.search_box.setMinimumHeight(40)
        self.title = QLabel(self)
        enlarge(self.title, 15)
        self.open_button = QPushButton(self)
        self.open_button.setIcon(icon("open"))
        self.open_button.setObjectName("lookupOpen")
        self.new_button = QPushButton(self)
        self.new_button.setIcon(icon("customer_new"))
        self.new_button.setObjectName("lookupNewCustomer")
        self.sheet_button = QPushButton(self)
        self.sheet_button.setIcon(icon("print"))
        self.sheet_button.setObjectName("lookupPickupSheet")
        buttons = QHBoxLayout()
        buttons.addWidget(self.title, 1)
        for button in (self.open_button, self.new_button, self.sheet_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.lookup, 1)
        self.setFocusProxy(self.lookup.search_box)
        self.lookup.sig_customer_activated.connect(self.open_customer)
        self.open_button.clicked.connect(self.lookup.open_current)
        self.new_button.clicked.connect(self.new_customer)
        self.sheet_button.clicked.connect(self.pickup_sheet)
        for sequence, slot in (
            ("Ctrl+N", self.new_customer),
            ("Ctrl+P", self.pickup_sheet),
            ("Ctrl+L", self.lookup.focus_search),
            ("F3", self.lookup.focus_search),
        ):
            shortcut = QShortcut(QKeySequence(sequence), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
            if sequence in ("Ctrl+L", "F3"):  # the others are named by their buttons in the F1 list
                shortcut.setProperty(keys.DESCRIPTION, N_("Customer search"))
        ctx.bus.sig_data_changed.connect(self._on_bus_data_changed)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.title.setText(_("Find a customer"))
        self.lookup.retranslate_ui()
        self.open_button.setText(_("Open"))
        self.open_button.setToolTip(_("Open the selected customer (Enter)"))
        self.new_button.setText(_("New customer"))
        self.new_button.setToolTip(_("Record a new customer with what you typed (Ctrl+N)"))
        self.sheet_button.setText(_("Pickup sheet"))
        self.sheet_button.setToolTip(
            _("Print a courier pickup sheet for the selected customers (Ctrl+P)")
        )
        for button in (self.open_button, self.new_button, self.sheet_button):
            button.setAccessibleName(button.text())

    def on_shown(self) -> None:
        """Called when the page appears: the search box gets the focus."""
        self.lookup.focus_search()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.lookup.search_box.setFocus(Qt.FocusReason.OtherFocusReason)

    def open_customer(self, customer_id: str) -> None:
        """Open the profile of the chosen customer."""
        actions.open_customer(self.ctx, customer_id, parent=self)

    def new_customer(self) -> None:
        """New customer, prefilled: digits typed become the phone, text the name."""
        name, phone = split_prefill(self.lookup.search_box.text())
        actions.new_customer(self.ctx, name=name, phone=phone, parent=self)

    def pickup_sheet(self) -> None:
        """Pickup sheet of the selected results."""
        actions.pickup_sheet(self.ctx, self.lookup.selected_ids(), parent=self)

    def _on_bus_data_changed(self, what: frozenset[str]) -> None:
        if "customer" in what:
            self.lookup.refresh()
