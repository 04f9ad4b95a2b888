"""Courier mode: lookup -> customer -> pickup preferences -> save -> back to lookup.

Big fonts and big touch targets; everything works from the keyboard too (Enter opens the
customer, Ctrl+S saves and returns, Esc returns without saving).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from branch_crm.errors import CrmError
from branch_crm.i18n import _
from branch_crm.services.customers.profile import get_customer
from branch_crm.ui import messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.counter.lookup import DEFAULT_DEBOUNCE_MS, LookupWidget
from branch_crm.ui.counter.preferences_editor import PreferenceHistoryDialog, PreferencesEditor
from branch_crm.ui.counter.widgets import enlarge
from branch_crm.ui.icons import icon

log = logging.getLogger(__name__)

BIG_BUTTON = (200, 60)


class CourierModePage(QStackedWidget):
    """Two screens in a stack: find the customer, then record the preferences."""

    def __init__(
        self, ctx: AppContext, *, debounce_ms: int | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("courierMode")
        self.ctx = ctx
        self.customer_name = ""
        debounce = DEFAULT_DEBOUNCE_MS if debounce_ms is None else debounce_ms
        self.lookup = LookupWidget(ctx, debounce_ms=debounce, large=True, multi_select=False)
        self.editor = PreferencesEditor(ctx, large=True, show_history=False)
        self.addWidget(self._build_lookup_screen())
        self.addWidget(self._build_form_screen())
        self.lookup.sig_customer_activated.connect(self.open_customer)
        self.editor.form.sig_saved.connect(self._on_form_saved)
        self.setFocusProxy(self.lookup)  # the shell focuses the page: the search box types
        self.retranslate_ui()

    def _build_lookup_screen(self) -> QWidget:
        screen = QWidget(self)
        self.lookup_title = QLabel(screen)
        enlarge(self.lookup_title, 20)
        self.lookup_message = QLabel(screen)
        self.lookup_message.setObjectName("courierMessage")
        enlarge(self.lookup_message, 14)
        self.open_button = QPushButton(screen)
        self.open_button.setIcon(icon("open"))
        self.open_button.setObjectName("courierOpen")
        self.open_button.setMinimumSize(*BIG_BUTTON)
        enlarge(self.open_button, 16)
        self.open_button.clicked.connect(self.lookup.open_current)
        buttons = QHBoxLayout()
        buttons.addWidget(self.lookup_message, 1)
        buttons.addWidget(self.open_button)
        layout = QVBoxLayout(screen)
        layout.addWidget(self.lookup_title)
        layout.addWidget(self.lookup, 1)
        layout.addLayout(buttons)
        return screen

    def _build_form_screen(self) -> QWidget:
        screen = QWidget(self)
        self.form_screen = screen
        self.customer_label = QLabel(screen)
        self.customer_label.setObjectName("courierCustomer")
        self.customer_label.setWordWrap(True)
        enlarge(self.customer_label, 17)
        self.back_button = QPushButton(screen)
        self.back_button.setObjectName("courierBack")
        self.back_button.setMinimumSize(*BIG_BUTTON)
        enlarge(self.back_button, 16)
        self.back_button.clicked.connect(self.back_to_lookup)
        self.history_button = QPushButton(screen)
        self.history_button.setObjectName("courierHistory")
        self.history_button.setMinimumSize(160, BIG_BUTTON[1])
        self.history_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        enlarge(self.history_button, 14)
        self.history_button.clicked.connect(self.show_history)
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addWidget(self.customer_label, 1)
        top.addWidget(self.history_button)
        save = self.editor.form.save_button
        save.setMinimumSize(*BIG_BUTTON)
        enlarge(save, 16)
        layout = QVBoxLayout(screen)
        layout.addLayout(top)
        layout.addWidget(self.editor, 1)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), screen)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.back_to_lookup)
        return screen

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.lookup_title.setText(_("Courier mode: find the customer"))
        self.lookup.retranslate_ui()
        self.open_button.setText(_("Preferences ›"))
        self.open_button.setToolTip(
            _("Open the pickup preferences of the selected customer (Enter)")
        )
        self.open_button.setAccessibleName(_("Open pickup preferences"))
        self.back_button.setText(_("‹ Back"))
        self.back_button.setToolTip(_("Back to the search without saving (Esc)"))
        self.back_button.setAccessibleName(_("Back to search"))
        self.history_button.setText(_("History"))
        self.history_button.setToolTip(_("Show who changed these preferences and when"))
        self.history_button.setAccessibleName(_("Show preference history"))
        self.editor.retranslate_ui()
        self.editor.form.save_button.setText(_("Save ✓"))
        self.editor.form.save_button.setToolTip(_("Save and go back to the search (Ctrl+S)"))

    # -- flow -----------------------------------------------------------------------------
    def on_shown(self) -> None:
        """Called by the main window when the page appears: ready to type."""
        if self.currentIndex() == 0:
            self.lookup.focus_search()

    def open_customer(self, customer_id: str) -> None:
        """Show the preferences form of ``customer_id``."""
        try:
            view = self.ctx.read(get_customer, customer_id=customer_id)
        except CrmError as exc:
            messages.show_error(self, exc)
            return
        self.customer_name = view.name
        phone = view.phones[0].display if view.phones else ""
        details = " · ".join(p for p in (view.name, phone, view.address or "") if p)
        self.customer_label.setText(details)
        self.customer_label.setAccessibleName(details)
        self.editor.load(customer_id)
        self.setCurrentIndex(1)
        first = self.editor.form.toggles[("mon", "morning")]
        self.setFocusProxy(first)
        first.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_history(self) -> PreferenceHistoryDialog:
        """Who changed this customer's preferences and when, in a window over the form."""
        dialog = PreferenceHistoryDialog(self.editor.history.entries(), parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def back_to_lookup(self) -> None:
        """Return to the search (asks first when the form has unsaved changes)."""
        if self.currentIndex() != 1:
            return
        if self.editor.form.is_dirty() and not messages.confirm(
            self, _("Discard the changes you have not saved?")
        ):
            return
        self._show_lookup()

    def _show_lookup(self) -> None:
        self.setCurrentIndex(0)
        self.setFocusProxy(self.lookup)
        self.lookup.clear()
        self.lookup.focus_search()

    def _on_form_saved(self, _view: object) -> None:
        self.lookup_message.setText(
            _("Saved the pickup preferences of {name}.").format(name=self.customer_name)
        )
        self._show_lookup()
