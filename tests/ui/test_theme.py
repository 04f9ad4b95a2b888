"""The theme draws a clear focus ring (the accent colour, two pixels) around every kind of
widget that takes the keyboard, combo boxes and buttons included; text is high-contrast."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from branch_crm.ui import theme

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def accent_pixels(widget: QWidget) -> int:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    accent = QColor(theme.ACCENT).rgb() & 0xFFFFFF
    return sum(
        1
        for y in range(image.height())
        for x in range(image.width())
        if image.pixel(x, y) & 0xFFFFFF == accent
    )


def contrast(a: QColor, b: QColor) -> float:
    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())
        )

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_focusable_kind_shows_a_focus_ring(qtbot, show) -> None:  # type: ignore[no-untyped-def]
    box = QWidget()
    box.setStyleSheet(theme.style_sheet())
    box.setPalette(theme.palette())
    combo = QComboBox(box)
    combo.addItems(["上门", "快递柜"])
    widgets = [
        QPushButton("保存", box),
        combo,
        QLineEdit(box),
        QSpinBox(box),
        QCheckBox("易碎", box),
        QTableView(box),
        QToolButton(box),
    ]
    layout = QVBoxLayout(box)
    for widget in widgets:
        layout.addWidget(widget)
    show(box)
    box.setFocus()
    before = {type(w).__name__: accent_pixels(w) for w in widgets}
    for widget in widgets:
        widget.setFocus()
        qtbot.waitUntil(widget.hasFocus, timeout=2000)
        ring = 2 * (widget.width() + widget.height())  # at least one pixel all round
        gained = accent_pixels(widget) - before[type(widget).__name__]
        assert gained >= ring, (type(widget).__name__, gained, ring)


def test_palette_text_is_high_contrast() -> None:
    palette = theme.palette()
    for text, ground in (
        (QPalette.ColorRole.WindowText, QPalette.ColorRole.Window),
        (QPalette.ColorRole.Text, QPalette.ColorRole.Base),
        (QPalette.ColorRole.ButtonText, QPalette.ColorRole.Button),
        (QPalette.ColorRole.HighlightedText, QPalette.ColorRole.Highlight),
    ):
        assert contrast(palette.color(text), palette.color(ground)) >= 7  # WCAG AAA
