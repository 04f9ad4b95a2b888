"""An empty list says what to do; the text goes when rows come and follows the language."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QTableView, QTableWidget

from branch_crm import i18n
from branch_crm.ui.widgets.empty_state import empty_state

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def test_text_while_the_model_is_empty(show) -> None:  # type: ignore[no-untyped-def]
    view = QTableView()
    model = QStandardItemModel(0, 2, view)
    view.setModel(model)
    state = empty_state(
        view, lambda: i18n._("No training sessions yet. New session (Ctrl+N) plans one.")
    )
    show(view)
    assert state.is_shown() and "Ctrl+N" in state.label.text()
    assert state.label.isVisible() and state.label.width() > 0
    model.appendRow([QStandardItem("a"), QStandardItem("b")])
    assert not state.is_shown()
    model.removeRows(0, 1)
    assert state.is_shown()
    i18n.set_language("zh_CN")
    try:
        assert "新建培训" in state.label.text()
    finally:
        i18n.set_language("en")


def test_a_table_widget_dies_quietly(qtbot) -> None:  # type: ignore[no-untyped-def]
    table = QTableWidget(0, 3)
    state = empty_state(table, lambda: "empty")
    table.setRowCount(2)
    assert not state.is_shown()
    table.setRowCount(0)
    assert state.is_shown()
    table.deleteLater()  # its own model empties itself while the view is destroyed
    qtbot.wait(20)  # no error in the event loop (pytest-qt fails the test on one)
