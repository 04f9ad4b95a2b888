"""The one look of the app: a light, high-contrast palette on Qt's Fusion style, a type scale
and spacing, and a clear focus ring on every widget that takes the keyboard.

Applied once at start (:func:`apply`); widgets that need their own colours (tier badges, the
preference toggles) keep setting them locally.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

INK = "#1a1a1a"
"""Text: near-black on white (contrast well above 12:1)."""
PAPER = "#ffffff"
WINDOW = "#f4f5f7"
LINE = "#8a8f98"
"""Borders of fields and buttons (3:1 against both backgrounds)."""
ACCENT = "#0842a0"
"""Selection, default buttons, the focus ring."""
ACCENT_SOFT = "#dbe7fb"
DISABLED = "#6b6f76"
FOCUS_WIDTH = 2

CHART_COLOURS = ("#0842a0", "#f0a030", "#8c2d5a", "#9cc3e6", "#2a9d8f", "#3c4043")
"""Series colours of the charts, in order: the accent first, then hues that also differ in
lightness (dark, light, middle...), so neighbouring series stay apart in grey print and for
colour-blind readers."""
CHART_LINE = "#b33c00"
"""The Pareto chart's cumulative-share line (dark orange over the bars)."""
GOOD = "#1b7f3b"
"""A figure moved the better way (KPI arrows)."""
BAD = "#b00020"
"""A figure moved the worse way."""

BASE_POINT_SIZE = 10
"""Body text; headings use :data:`TYPE_SCALE`."""
TYPE_SCALE = {"small": 9, "body": BASE_POINT_SIZE, "title": 13, "heading": 16}
SPACING = 8
"""Layout spacing in pixels; margins are ``SPACING + 4``."""


def palette() -> QPalette:
    """The light high-contrast palette."""
    result = QPalette()
    roles = {
        QPalette.ColorRole.Window: WINDOW,
        QPalette.ColorRole.WindowText: INK,
        QPalette.ColorRole.Base: PAPER,
        QPalette.ColorRole.AlternateBase: "#eef1f5",
        QPalette.ColorRole.Text: INK,
        QPalette.ColorRole.Button: "#e9ecf0",
        QPalette.ColorRole.ButtonText: INK,
        QPalette.ColorRole.BrightText: "#b00020",
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: PAPER,
        QPalette.ColorRole.ToolTipBase: "#fffbe6",
        QPalette.ColorRole.ToolTipText: INK,
        QPalette.ColorRole.PlaceholderText: "#5f6368",
        QPalette.ColorRole.Link: ACCENT,
        QPalette.ColorRole.Light: PAPER,
        QPalette.ColorRole.Midlight: "#e1e4e8",
        QPalette.ColorRole.Mid: LINE,
        QPalette.ColorRole.Dark: "#5f6368",
        QPalette.ColorRole.Shadow: "#3c4043",
    }
    for role, colour in roles.items():
        result.setColor(QPalette.ColorGroup.All, role, QColor(colour))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        result.setColor(QPalette.ColorGroup.Disabled, role, QColor(DISABLED))
    return result


def style_sheet() -> str:
    """Buttons, fields and lists with a visible border and a thick accent ring on focus
    (Fusion's own focus frame is a faint dotted line, and combo boxes show none)."""
    ring = f"{FOCUS_WIDTH}px solid {ACCENT}"
    return f"""
QPushButton {{
    background: #e9ecf0; color: {INK}; border: 1px solid {LINE}; border-radius: 4px;
    padding: 4px 12px; min-height: 20px;
}}
QPushButton:hover {{ background: {ACCENT_SOFT}; }}
QPushButton:pressed, QPushButton:checked {{ background: #c5d6f5; }}
QPushButton:default {{ border: 1px solid {ACCENT}; }}
QPushButton:disabled {{ color: {DISABLED}; background: #f0f1f3; border-color: #c4c7cc; }}
QPushButton:flat {{ background: transparent; border: 1px solid transparent; padding: 0px 4px; }}
QPushButton:focus {{ border: {ring}; padding: 3px 11px; }}
QPushButton:flat:focus {{ border: {ring}; padding: 0px 3px; }}
QToolButton {{ border: 1px solid transparent; border-radius: 4px; padding: 2px; }}
QToolButton[checkable="true"] {{ background: #e9ecf0; border: 1px solid {LINE}; }}
QToolButton:hover {{ border-color: {LINE}; background: {ACCENT_SOFT}; }}
QToolButton:focus {{ border: {ring}; padding: 1px; }}
QLineEdit, QComboBox, QSpinBox, QDoubleSpinBox, QDateEdit, QDateTimeEdit, QTimeEdit,
QPlainTextEdit, QTextEdit {{
    border: 1px solid {LINE}; border-radius: 3px; background: {PAPER}; padding: 1px 4px;
    selection-background-color: {ACCENT}; selection-color: {PAPER};
}}
QSpinBox, QDoubleSpinBox, QDateEdit, QDateTimeEdit, QTimeEdit {{ padding: 0px 2px; }}
QSpinBox::up-button, QSpinBox::down-button, QDoubleSpinBox::up-button,
QDoubleSpinBox::down-button, QDateEdit::drop-down {{ width: 16px; }}
QLineEdit:focus, QComboBox:focus, QSpinBox:focus, QDoubleSpinBox:focus, QDateEdit:focus,
QDateTimeEdit:focus, QTimeEdit:focus, QPlainTextEdit:focus, QTextEdit:focus {{
    border: {ring}; padding: 0px 3px;
}}
QSpinBox:focus, QDoubleSpinBox:focus, QDateEdit:focus, QDateTimeEdit:focus,
QTimeEdit:focus {{ padding: 0px 1px; }}
QLineEdit:disabled, QComboBox:disabled, QSpinBox:disabled, QPlainTextEdit:disabled {{
    background: #f0f1f3; color: {DISABLED};
}}
QCheckBox, QRadioButton {{ padding: 2px; border: {FOCUS_WIDTH}px solid transparent; }}
QCheckBox:focus, QRadioButton:focus {{ border: {ring}; border-radius: 3px; }}
QTableView, QTreeView, QListView, QTableWidget, QTreeWidget, QListWidget {{
    border: 1px solid {LINE}; background: {PAPER}; alternate-background-color: #eef1f5;
    selection-background-color: {ACCENT}; selection-color: {PAPER};
}}
QTableView:focus, QTreeView:focus, QListView:focus {{ border: {ring}; }}
QTabBar::tab {{ padding: 5px 14px; border: 1px solid {LINE}; border-bottom: none;
    background: #e9ecf0; margin-right: 2px; }}
QTabBar::tab:selected {{ background: {PAPER}; font-weight: bold; }}
QTabBar::tab:focus {{ border: {ring}; border-bottom: none; }}
QHeaderView::section {{ background: #e1e4e8; color: {INK}; padding: 3px 6px;
    border: none; border-right: 1px solid #c4c7cc; border-bottom: 1px solid {LINE}; }}
QGroupBox {{ font-weight: bold; }}
QToolTip {{ color: {INK}; background: #fffbe6; border: 1px solid {LINE}; }}
QLabel[emptyState="true"] {{ color: #3c4043; font-size: {TYPE_SCALE["title"]}pt;
    background: transparent; }}
"""


def font(kind: str = "body", *, bold: bool = False) -> QFont:
    """The application font at a step of the type scale."""
    result = QFont(QApplication.font())
    result.setPointSize(TYPE_SCALE.get(kind, BASE_POINT_SIZE))
    result.setBold(bold)
    return result


def apply(app: QApplication, *, extra_style_sheet: str = "") -> None:
    """Fusion style, the palette, the body font size and the style sheet (plus
    ``extra_style_sheet``) on the whole application."""
    style = QStyleFactory.create("Fusion")
    if style is not None:
        app.setStyle(style)
    app.setPalette(palette())
    body = QFont(app.font())
    body.setPointSize(BASE_POINT_SIZE)
    app.setFont(body)
    app.setStyleSheet(style_sheet() + extra_style_sheet)
