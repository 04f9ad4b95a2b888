"""Small widgets shared by the counter desk views: tier badge, optional date, big mode."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QHBoxLayout,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from branch_crm.i18n import _
from branch_crm.timeutil import local_today

TIER_COLOURS = {
    "strategic": ("#7b1fa2", "#ffffff"),
    "key": ("#1565c0", "#ffffff"),
    "ordinary": ("#e0e0e0", "#212121"),
    "walk_in": ("#f5f5f5", "#616161"),
}

TIER_ROLE = Qt.ItemDataRole.UserRole + 1
_BADGE_COLOURS: dict[str, tuple[QColor, QColor]] = {}


def _badge_colours(tier: str) -> tuple[QColor, QColor]:
    """(background, text) colours of a tier badge, created once."""
    colours = _BADGE_COLOURS.get(tier)
    if colours is None:
        background, foreground = TIER_COLOURS.get(tier, TIER_COLOURS["ordinary"])
        colours = _BADGE_COLOURS[tier] = (QColor(background), QColor(foreground))
    return colours


"""Model role returning the tier code of a row (the display role carries the label)."""


class TierBadgeDelegate(QStyledItemDelegate):
    """Paints the tier as a rounded coloured badge so strategic/key customers stand out."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        tier = index.data(TIER_ROLE)
        text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        if not tier:
            super().paint(painter, option, index)
            return
        style = option.widget.style() if option.widget else None
        if style is not None:  # selection background first
            opt = QStyleOptionViewItem(option)
            self.initStyleOption(opt, index)
            opt.text = ""
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, option.widget)
        background, foreground = _badge_colours(tier)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = option.fontMetrics
        width = metrics.horizontalAdvance(text) + 14
        height = min(option.rect.height() - 4, metrics.height() + 4)
        rect = QRect(
            option.rect.left() + 4,
            option.rect.top() + (option.rect.height() - height) // 2,
            min(width, option.rect.width() - 8),
            height,
        )
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(background)
        painter.drawRoundedRect(rect, height / 2, height / 2)
        painter.setPen(foreground)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width() + 18, hint.height())


def business_today() -> QDate:
    """Today at the branch (business time zone), the day the services check dates against;
    QDate.currentDate() would be the machine's day (yesterday before 08:00 on a UTC PC)."""
    day = local_today()
    return QDate(day.year, day.month, day.day)


class OptionalDateEdit(QWidget):
    """A date that may be empty: a check box switches the date editor on."""

    sig_changed = Signal()

    def __init__(
        self, object_name: str, default: QDate | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._default = default or business_today()
        self.check = QCheckBox(self)
        self.check.setObjectName(f"{object_name}_set")
        self.edit = QDateEdit(self)
        self.edit.setObjectName(object_name)
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd")
        self.edit.setMinimumDate(QDate(1900, 1, 1))
        self.edit.setMaximumDate(QDate(2100, 12, 31))
        self.edit.setDate(self._default)
        self.edit.setEnabled(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.check)
        layout.addWidget(self.edit, 1)
        self.check.toggled.connect(self._on_check_toggled)
        self.edit.dateChanged.connect(lambda _d: self.sig_changed.emit())
        self.setFocusProxy(self.check)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """Re-apply translated texts."""
        self.check.setText(_("Known"))
        self.check.setToolTip(_("Tick to enter a date; leave unticked when unknown"))

    def _on_check_toggled(self, checked: bool) -> None:
        self.edit.setEnabled(checked)
        if checked:
            self.edit.setFocus()
        self.sig_changed.emit()

    def value(self) -> date | None:
        """The chosen date, or None when empty."""
        if not self.check.isChecked():
            return None
        qdate = self.edit.date()
        return date(qdate.year(), qdate.month(), qdate.day())

    def set_value(self, value: date | None) -> None:
        """Show ``value`` (None empties the field)."""
        blocked = self.blockSignals(True)
        self.check.setChecked(value is not None)
        self.edit.setDate(QDate(value.year, value.month, value.day) if value else self._default)
        self.blockSignals(blocked)


def enlarge(widget: QWidget, point_size: int = 15) -> None:
    """Big fonts for courier mode (touch and glance use)."""
    font = QFont(widget.font())
    font.setPointSize(point_size)
    widget.setFont(font)


def error_palette(widget: QWidget) -> None:
    """Red text for an error/feedback label."""
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#c62828"))
    widget.setPalette(palette)


def ok_palette(widget: QWidget) -> None:
    """Green-grey text for positive inline feedback."""
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#2e7d32"))
    widget.setPalette(palette)
