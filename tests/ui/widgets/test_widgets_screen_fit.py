"""ui.widgets.screen_fit on the offscreen test screen: windows clamped to the available
geometry and centred, geometry, splitter and column widths remembered (in the temporary
QSettings folder of tests/ui/conftest.py), reset_layout forgetting them, tables without a
horizontal scroll bar and the full text of an elided cell as its tooltip."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, QSize, Qt
from PySide6.QtGui import (
    QGuiApplication,
    QHelpEvent,
    QMouseEvent,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QSplitter,
    QTableView,
    QToolTip,
    QVBoxLayout,
)

from branch_crm.ui.widgets import screen_fit
from branch_crm.ui.widgets.screen_fit import (
    fit_columns,
    fit_window,
    remember_header,
    remember_splitter,
)

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def area() -> QRect:
    return QGuiApplication.primaryScreen().availableGeometry()


def dialog(qtbot, name: str = "probe") -> QDialog:  # type: ignore[no-untyped-def]
    widget = QDialog()
    widget.setObjectName(name)
    QVBoxLayout(widget).addWidget(QLabel("x", widget))
    qtbot.addWidget(widget)
    return widget


def test_a_window_bigger_than_the_screen_is_clamped_and_centred(qtbot) -> None:  # type: ignore[no-untyped-def]
    screen = area()
    window = dialog(qtbot)
    fit_window(window, (screen.width() + 500, screen.height() + 400))
    window.show()
    qtbot.waitExposed(window)
    assert screen.contains(window.frameGeometry())
    assert window.width() >= screen.width() - screen_fit.FRAME_ALLOWANCE.width()
    centre = window.geometry().center()
    assert abs(centre.x() - screen.center().x()) <= 20


def test_a_small_window_keeps_its_size(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = dialog(qtbot)
    fit_window(window, (300, 200))
    window.show()
    qtbot.waitExposed(window)
    assert window.size() == QSize(300, 200)


def test_geometry_is_remembered_until_the_layout_is_reset(qtbot) -> None:  # type: ignore[no-untyped-def]
    first = dialog(qtbot, "remembered")
    fit_window(first, (300, 200))
    first.show()
    qtbot.waitExposed(first)
    first.setGeometry(QRect(area().topLeft() + QPoint(40, 60), QSize(420, 310)))
    first.close()
    second = dialog(qtbot, "remembered")
    fit_window(second, (300, 200))
    second.show()
    qtbot.waitExposed(second)
    assert second.size() == QSize(420, 310)
    second.close()
    screen_fit.reset_layout()
    third = dialog(qtbot, "remembered")
    fit_window(third, (300, 200))
    third.show()
    qtbot.waitExposed(third)
    assert third.size() == QSize(300, 200)


def test_a_remembered_geometry_too_big_for_the_screen_is_not_used(qtbot) -> None:  # type: ignore[no-untyped-def]
    first = dialog(qtbot, "bigger")
    fit_window(first, (300, 200))
    first.show()
    qtbot.waitExposed(first)
    first.resize(area().width() + 300, 250)  # as if saved on a bigger screen
    first.close()
    second = dialog(qtbot, "bigger")
    fit_window(second, (300, 200))
    second.show()
    qtbot.waitExposed(second)
    assert area().contains(second.frameGeometry())


def test_splitter_sizes_are_remembered(qtbot) -> None:  # type: ignore[no-untyped-def]
    def make() -> QSplitter:
        splitter = QSplitter()
        qtbot.addWidget(splitter)
        splitter.addWidget(QLabel("a"))
        splitter.addWidget(QLabel("b"))
        splitter.resize(600, 100)
        remember_splitter(splitter, "probe")
        return splitter

    first = make()
    first.show()
    qtbot.waitExposed(first)
    first.moveSplitter(150, 1)  # emits splitterMoved as a drag does
    sizes = first.sizes()
    second = make()
    second.show()
    qtbot.waitExposed(second)
    assert second.sizes() == sizes


def table(qtbot, width: int) -> QTableView:  # type: ignore[no-untyped-def]
    model = QStandardItemModel(0, 5)
    model.setHorizontalHeaderLabels(["Name", "Phone", "Company", "Tier", "Parcels last month"])
    for row in range(30):
        model.appendRow(
            [
                QStandardItem(f"客户{row}"),
                QStandardItem("138-1234-5678"),
                QStandardItem("上海顺达国际物流供应链管理有限公司第二分公司" * 2),
                QStandardItem("Strategic"),
                QStandardItem(str(row * 1000)),
            ]
        )
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setParent(None)
    view.resize(width, 400)
    view.show()
    qtbot.waitExposed(view)
    fit_columns(view, 2, "probeTable")
    return view


@pytest.mark.parametrize("width", [420, 700, 1200])
def test_columns_fit_without_a_horizontal_scroll_bar(qtbot, width) -> None:  # type: ignore[no-untyped-def]
    view = table(qtbot, width)
    header = view.horizontalHeader()
    used = sum(header.sectionSize(c) for c in range(5))
    assert used <= view.viewport().width()
    assert not view.horizontalScrollBar().isVisible()
    assert view.textElideMode() == Qt.TextElideMode.ElideRight
    if width >= 700:  # room enough: the others at their content, the company takes the rest
        assert header.sectionSize(2) == max(
            view.viewport().width() - used + header.sectionSize(2), 40
        )
        assert header.sectionSize(1) >= view.sizeHintForColumn(1) - 1


def test_an_elided_cell_shows_its_full_text_as_tooltip(qtbot) -> None:  # type: ignore[no-untyped-def]
    view = table(qtbot, 700)
    index = view.model().index(0, 2)
    rect = view.visualRect(index)
    point = rect.center()
    event = QHelpEvent(QHelpEvent.Type.ToolTip, point, view.viewport().mapToGlobal(point))
    QApplication.sendEvent(view.viewport(), event)
    qtbot.waitUntil(QToolTip.isVisible, timeout=2000)
    assert QToolTip.text() == index.data()
    QToolTip.hideText()


def drag_border(qtbot, view: QTableView, column: int, by: int) -> None:  # type: ignore[no-untyped-def]
    """Drag the right border of ``column``'s header section with the mouse."""
    header = view.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) - 1
    start = QPoint(x, header.height() // 2)
    qtbot.mousePress(header.viewport(), Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 6):
        point = start + QPoint(by * step // 5, 0)
        event = QMouseEvent(
            QMouseEvent.Type.MouseMove,
            QPointF(point),
            QPointF(header.viewport().mapToGlobal(point)),
            Qt.MouseButton.NoButton,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(header.viewport(), event)
    qtbot.mouseRelease(header.viewport(), Qt.MouseButton.LeftButton, pos=start + QPoint(by, 0))


def test_a_column_width_dragged_by_the_user_is_remembered(qtbot) -> None:  # type: ignore[no-untyped-def]
    first = table(qtbot, 1200)
    before = first.horizontalHeader().sectionSize(1)
    drag_border(qtbot, first, 1, 60)
    dragged = first.horizontalHeader().sectionSize(1)
    assert dragged > before + 30
    second = table(qtbot, 1200)
    assert second.horizontalHeader().sectionSize(1) == dragged
    assert not second.horizontalScrollBar().isVisible()


def test_header_state_is_remembered(qtbot) -> None:  # type: ignore[no-untyped-def]
    def make() -> QTableView:
        model = QStandardItemModel(3, 4)
        view = QTableView()
        qtbot.addWidget(view)
        view.setModel(model)
        view.horizontalHeader().setStretchLastSection(False)
        remember_header(view.horizontalHeader(), "probeHeader")
        view.resize(600, 200)
        view.show()
        qtbot.waitExposed(view)
        return view

    first = make()
    drag_border(qtbot, first, 0, 80)
    width = first.horizontalHeader().sectionSize(0)
    assert width > 120
    second = make()
    assert second.horizontalHeader().sectionSize(0) == width
