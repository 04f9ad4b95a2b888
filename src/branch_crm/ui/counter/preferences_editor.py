"""Pickup preferences form with its history beside it (profile tab and courier mode)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from branch_crm.i18n import _
from branch_crm.ui.counter import hooks
from branch_crm.ui.counter.preferences import PreferencesForm
from branch_crm.ui.counter.profile_panels import TimelineView
from branch_crm.ui.counter.widgets import enlarge


class PreferencesEditor(QSplitter):
    """Form on the left, who changed what and when on the right."""

    def __init__(  # type: ignore[no-untyped-def]
        self, ctx, *, large: bool = False, show_history: bool = True, parent=None
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
