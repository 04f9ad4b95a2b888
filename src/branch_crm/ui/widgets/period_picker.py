"""One period picker for the figure screens: a preset ("Last month"...) and two dates."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QWidget

from branch_crm.i18n import _
from branch_crm.timeutil import local_today
from branch_crm.ui.periods import preset_range
from branch_crm.ui.widgets.combos import refill_combo


class PeriodPicker(QWidget):
    """Preset, first day and last day; editing a date turns the preset to "Chosen dates"."""

    sig_changed = Signal()
    """The period changed (a preset was picked or a date edited)."""

    def __init__(
        self, entries: tuple[tuple[str, str], ...], *, prefix: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._entries = entries
        self.preset = QComboBox(self)
        self.preset.setObjectName(f"{prefix}Period")
        self.start = QDateEdit(self)
        self.start.setObjectName(f"{prefix}Start")
        self.end = QDateEdit(self)
        self.end.setObjectName(f"{prefix}End")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.preset, self.start, QLabel("–", self), self.end):
            layout.addWidget(widget)
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.dateChanged.connect(self._on_date_changed)
        self.preset.currentIndexChanged.connect(lambda _i: self.apply_preset())

    def retranslate(self) -> None:
        """Preset names and accessible names in the current language."""
        refill_combo(self.preset, ((key, _(label)) for key, label in self._entries))
        self.preset.setAccessibleName(_("Period"))
        self.start.setAccessibleName(_("From"))
        self.end.setAccessibleName(_("To"))

    def apply_preset(self) -> None:
        """Set the dates of the chosen preset (nothing for "Chosen dates")."""
        key = str(self.preset.currentData() or "this_month")
        if key == "custom":
            return
        first, last = preset_range(key, local_today())
        self.set_period(first, last, preset=key)

    def set_period(self, first: date, last: date, *, preset: str = "custom") -> None:
        """Show ``first``..``last`` (both included) under ``preset``."""
        for edit, day in ((self.start, first), (self.end, last)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)
        self._select(preset)
        self.sig_changed.emit()

    def period(self) -> tuple[date, date]:
        """The chosen (first day, last day)."""
        a, b = self.start.date(), self.end.date()
        return date(a.year(), a.month(), a.day()), date(b.year(), b.month(), b.day())

    def _on_date_changed(self, _day: QDate) -> None:
        self._select("custom")
        self.sig_changed.emit()

    def _select(self, preset: str) -> None:
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(max(0, self.preset.findData(preset)))
        self.preset.blockSignals(False)
