"""Read-only parts of the customer profile: derived classification and the timeline."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from branch_crm.i18n import _
from branch_crm.services.customers.classification import lifecycle_label, stage_label, tier_label
from branch_crm.services.customers.profile import Classification
from branch_crm.services.timeline_entry import TimelineEntry
from branch_crm.timeutil import to_local
from branch_crm.ui.counter.widgets import TIER_COLOURS, error_palette


class DerivedPanel(QGroupBox):
    """Tier, cooperation stage, RFM, lifecycle, churn risk and the repeat-complainer flag,
    computed by the services."""

    FIELDS = ("tier", "stage", "rfm", "lifecycle", "volume", "churn", "complaints")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("derivedPanel")
        self._value: Classification | None = None
        self._repeat_complainer = False
        self.values = {f: QLabel(self) for f in self.FIELDS}
        self.captions = {f: QLabel(self) for f in self.FIELDS}
        layout = QFormLayout(self)
        for field in self.FIELDS:
            self.values[field].setObjectName(f"derived_{field}")
            layout.addRow(self.captions[field], self.values[field])
        self.values["churn"].setWordWrap(True)
        self.values["complaints"].setWordWrap(True)
        self.values["tier"].setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.setTitle(_("Classification"))
        captions = {
            "tier": _("Tier"),
            "stage": _("Cooperation"),
            "rfm": _("RFM scores"),
            "lifecycle": _("Lifecycle"),
            "volume": _("Parcels"),
            "churn": _("Churn risk"),
            "complaints": _("Repeat complaints"),
        }
        for field, text in captions.items():
            self.captions[field].setText(text)
            self.values[field].setAccessibleName(text)
        self.set_value(self._value, repeat_complainer=self._repeat_complainer)

    def set_value(self, value: Classification | None, *, repeat_complainer: bool = False) -> None:
        """Show a classification and the repeat-complainer flag (None: a customer not saved
        yet)."""
        self._value = value
        self._repeat_complainer = repeat_complainer and value is not None
        if value is None:
            for label in self.values.values():
                label.setText("—")
            self.values["churn"].setText("")
            self.values["complaints"].setText("")
            return
        background, foreground = TIER_COLOURS.get(value.tier, TIER_COLOURS["ordinary"])
        self.values["tier"].setText(tier_label(value.tier))
        self.values["tier"].setStyleSheet(
            f"background:{background};color:{foreground};border-radius:8px;padding:1px 8px;"
        )
        self.values["stage"].setText(stage_label(value.stage))
        self.values["rfm"].setText(
            _("R {r} · F {f} · M {m}").format(
                r=value.recency_score, f=value.frequency_score, m=value.monetary_score
            )
        )
        self.values["lifecycle"].setText(lifecycle_label(value.lifecycle))
        self.values["volume"].setText(
            _("{last} last month · {avg} a month on average").format(
                last=value.last_month_parcels, avg=value.avg_month_parcels
            )
        )
        churn = self.values["churn"]
        churn.setText(
            _("⚠ Volume dropped sharply: contact the customer") if value.churn_risk else _("No")
        )
        if value.churn_risk:
            error_palette(churn)
        else:
            churn.setPalette(self.palette())
        complaints = self.values["complaints"]
        complaints.setText(
            _("⚠ Repeat complainer: several complaints recently, see the timeline")
            if self._repeat_complainer
            else _("No")
        )
        if self._repeat_complainer:
            error_palette(complaints)
        else:
            complaints.setPalette(self.palette())


class TimelineView(QTreeWidget):
    """Newest-first events of one customer, with an icon per kind; Enter or a double click
    on an entry emits ``sig_entry_opened(entry)``."""

    sig_entry_opened = Signal(object)
    """The TimelineEntry asked for."""

    def __init__(
        self, icon_for_kind: Callable[[str], QIcon], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("customerTimeline")
        self._icon_for_kind = icon_for_kind
        self._entries: list[TimelineEntry] = []
        self.setRootIsDecorated(False)
        self.setColumnCount(3)
        self.setAlternatingRowColors(True)
        self.setWordWrap(True)
        self.setUniformRowHeights(False)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.itemActivated.connect(self._on_item_activated)
        self.retranslate_ui()

    def _on_item_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        row = self.indexOfTopLevelItem(item)
        if 0 <= row < len(self._entries):
            self.sig_entry_opened.emit(self._entries[row])

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.setHeaderLabels([_("When"), _("What"), _("Who")])
        self.setAccessibleName(_("Customer timeline"))
        self.set_entries(self._entries)

    def set_entries(self, entries: list[TimelineEntry]) -> None:
        """Show ``entries`` (already newest first)."""
        self._entries = list(entries)
        self.clear()
        for entry in self._entries:
            when = to_local(entry.at).strftime("%Y-%m-%d %H:%M")
            text = entry.title if not entry.detail else f"{entry.title}\n{entry.detail}"
            item = QTreeWidgetItem([when, text, entry.actor_name or ""])
            item.setToolTip(1, text)
            item.setIcon(0, self._icon_for_kind(entry.kind))
            item.setData(0, 256, entry.kind)
            self.addTopLevelItem(item)
        if not self._entries:
            self.addTopLevelItem(QTreeWidgetItem(["", _("Nothing recorded yet."), ""]))

    def entries(self) -> list[TimelineEntry]:
        """The entries shown, newest first."""
        return list(self._entries)


class ProfileSide(QWidget):
    """Right-hand side of the profile: classification on top of the timeline."""

    def __init__(
        self, icon_for_kind: Callable[[str], QIcon], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.derived = DerivedPanel(self)
        self.timeline_title = QLabel(self)
        self.timeline = TimelineView(icon_for_kind, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.derived)
        layout.addWidget(self.timeline_title)
        layout.addWidget(self.timeline, 1)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.timeline_title.setText(_("Timeline"))
        self.derived.retranslate_ui()
        self.timeline.retranslate_ui()
