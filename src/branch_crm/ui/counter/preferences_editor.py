"""Pickup preferences form with its history beside it (profile tab and courier mode)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from branch_crm.i18n import _
from branch_crm.services.timeline_entry import TimelineEntry
from branch_crm.ui.context import AppContext
from branch_crm.ui.counter import hooks
from branch_crm.ui.counter.preferences import PreferencesForm
from branch_crm.ui.counter.profile_panels import TimelineView
from branch_crm.ui.counter.widgets import enlarge
from branch_crm.ui.widgets.screen_fit import fit_window, remember_splitter


class PreferencesEditor(QSplitter):
    """Form on the left, who changed what and when on the right."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        large: bool = False,
        show_history: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.form = PreferencesForm(ctx, large=large, parent=self)
        side = QWidget(self)
        self.history_title = QLabel(side)
        self.history = TimelineView(hooks.timeline_icon, side)
        self.history.setObjectName("preferenceHistory")
        if large:
            enlarge(self.history_title, 13)
            enlarge(self.history, 11)
        layout = QVBoxLayout(side)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.history_title)
        layout.addWidget(self.history, 1)
        self.addWidget(self.form)
        self.addWidget(side)
        self.setStretchFactor(0, 3)
        self.setStretchFactor(1, 1)
        self.setChildrenCollapsible(False)
        side.setMinimumWidth(200)
        self.side = side
        side.setVisible(show_history)
        if show_history:  # beside the form: where the user put the divider last
            remember_splitter(self, "preferencesLarge" if large else "preferences")
        self.form.sig_history.connect(self.history.set_entries)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.form.retranslate_ui()
        self.history.retranslate_ui()
        self.history_title.setText(_("History of these preferences"))
        self.history.setAccessibleName(_("Preference history"))

    def load(self, customer_id: str) -> None:
        """Show the preferences and history of ``customer_id``."""
        self.form.load(customer_id)

    def set_history_visible(self, visible: bool) -> None:
        """Show or hide the history beside the form."""
        self.side.setVisible(visible)


class PreferenceHistoryDialog(QDialog):
    """The preference history in a window of its own (courier mode has no room beside)."""

    def __init__(self, entries: list[TimelineEntry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preferenceHistoryDialog")
        self.history = TimelineView(hooks.timeline_icon, self)
        self.history.setObjectName("preferenceHistory")
        enlarge(self.history, 13)
        self.history.set_entries(entries)
        self.close_button = QPushButton(self)
        self.close_button.setObjectName("preferenceHistoryClose")
        self.close_button.setMinimumSize(160, 56)
        enlarge(self.close_button, 15)
        self.close_button.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.history, 1)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignRight)
        fit_window(self, (900, 520))
        self.setWindowTitle(_("History of these preferences"))
        self.history.setAccessibleName(_("Preference history"))
        self.close_button.setText(_("Close"))
        self.close_button.setAccessibleName(_("Close"))
