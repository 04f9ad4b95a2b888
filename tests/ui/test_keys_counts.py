"""The counter flows, driven by keyboard only, key by key: the counts asserted here are the
ones README's "Keyboard" section gives. Every key press counts (digits typed included);
Chinese text typed through the input method (a name, a description) is counted apart, as
it depends on the input method."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from branch_crm.services.customers.preferences import get_preferences
from branch_crm.services.customers.profile import create_customer
from branch_crm.services.customers.validation import CustomerInput
from tests.support.keyboard import type_text
from tests.support.ui import new_windows_closed  # noqa: F401 (fixture)

pytestmark = [
    pytest.mark.qt_log_ignore("This plugin does not support"),
    pytest.mark.usefixtures("new_windows_closed"),
]

K = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier


class Keyboard:
    """Presses keys in whatever has the focus in the active window, counting them."""

    def __init__(self, qtbot: Any) -> None:
        self.qtbot = qtbot
        self.keys = 0
        self.chinese = ""

    def target(self) -> QWidget:
        window = QApplication.activeWindow()
        assert window is not None, "no active window"
        return QApplication.focusWidget() or window

    def press(self, key: K, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        self.qtbot.keyClick(self.target(), key, modifier)
        self.keys += 1

    def type(self, text: str) -> None:
        """ASCII typed key by key (counted); Chinese committed by the input method."""
        type_text(self.qtbot, self.target(), text)
        self.keys += sum(1 for c in text if c.isascii())
        self.chinese += "".join(c for c in text if not c.isascii())

    def wait_window(self, found: Callable[[], QWidget | None]) -> QWidget:
        """Wait for a window the last key opened; it is activated as a window manager does."""
        windows: list[QWidget] = []

        def opened() -> bool:
            window = found()
            if window is None or not window.isVisible():
                return False
            windows[:] = [window]
            return True

        self.qtbot.waitUntil(opened, timeout=3000)
        window = windows[0]
        window.activateWindow()
        self.qtbot.waitUntil(window.isActiveWindow, timeout=3000)
        return window


@pytest.fixture
def keyboard(qtbot) -> Keyboard:  # type: ignore[no-untyped-def]
    return Keyboard(qtbot)


@pytest.fixture
def customers(ctx, ctx_write) -> dict[str, str]:  # type: ignore[no-untyped-def]
    rows = [("张三", "13812345678"), ("李四", "13712340000"), ("王五", "021-5555 1234")]
    return {
        name: str(ctx_write(ctx, create_customer, data=CustomerInput(name=name, phones=[p])).id)
        for name, p in rows
    }


@pytest.fixture
def window(show, ctx, customers):  # type: ignore[no-untyped-def]
    """The main window on Lookup, the cursor in the search box (as the app starts)."""
    from branch_crm.ui.main_window import MainWindow

    main = show(MainWindow(ctx))
    main.show_page("lookup")
    lookup = main.stack.currentWidget()
    lookup.lookup.set_debounce(0)
    assert QApplication.focusWidget() is lookup.lookup.search_box
    return main


def profile_of(customer_id: str) -> Callable[[], QWidget | None]:
    from branch_crm.ui.counter import actions

    return lambda: actions._open.get(customer_id)


def results_ready(qtbot: Any, window: Any) -> None:
    """Wait for the results the clerk sees before pressing Enter."""
    lookup = window.stack.currentWidget().lookup
    qtbot.waitUntil(lambda: lookup.results.model().rowCount() > 0, timeout=3000)


def open_profile(keyboard: Keyboard, window: Any, customer_id: str) -> Any:
    keyboard.type("5678")
    results_ready(keyboard.qtbot, window)
    keyboard.press(K.Key_Return)
    return keyboard.wait_window(profile_of(customer_id))


def test_last_four_digits_to_the_profile(keyboard, window, customers) -> None:  # type: ignore[no-untyped-def]
    profile = open_profile(keyboard, window, customers["张三"])
    assert profile.customer_id == customers["张三"]
    assert keyboard.keys == 5


def test_take_a_complaint_from_the_profile(keyboard, window, customers, ctx) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.complaints.take_dialog import TakeComplaintDialog

    open_profile(keyboard, window, customers["张三"])
    keyboard.keys = 0
    keyboard.press(K.Key_N, CTRL)  # New complaint
    take = keyboard.wait_window(
        lambda: next(
            (w for w in QApplication.topLevelWidgets() if isinstance(w, TakeComplaintDialog)),
            None,
        )
    )
    assert take.waybill.hasFocus()
    keyboard.type("SF1234567890123")
    keyboard.press(K.Key_Tab)  # channel: at the counter already
    keyboard.press(K.Key_Tab)  # category
    keyboard.press(K.Key_Down)  # the first category
    keyboard.press(K.Key_Tab)  # what happened
    keyboard.type("包裹晚到三天")
    keyboard.press(K.Key_S, CTRL)
    assert take.result_view is not None and take.result_view.customer_id == customers["张三"]
    assert keyboard.keys == 15 + 6


def test_courier_records_preferences(keyboard, window, customers, ctx) -> None:  # type: ignore[no-untyped-def]
    """Courier mode: weekday mornings, parcel locker, call 30 minutes before."""
    keyboard.press(K.Key_C, CTRL | Qt.KeyboardModifier.ShiftModifier)
    courier = window.stack.currentWidget()
    keyboard.type("5678")
    keyboard.qtbot.waitUntil(lambda: courier.lookup.results.model().rowCount() > 0)
    keyboard.press(K.Key_Return)
    form = courier.editor.form
    assert form.toggles[("mon", "morning")].hasFocus()
    keyboard.press(K.Key_Space)
    for _day in range(4):  # Tuesday to Friday
        keyboard.press(K.Key_Down)
        keyboard.press(K.Key_Space)
    keyboard.press(K.Key_Tab)  # away at weekends: leave it
    keyboard.press(K.Key_Tab)  # drop-off: door
    keyboard.press(K.Key_Right)  # parcel locker
    keyboard.press(K.Key_Tab)  # call before
    keyboard.type("30")
    keyboard.press(K.Key_S, CTRL)
    view = ctx.read(get_preferences, customer_id=customers["张三"])
    assert sorted(view.availability) == ["fri", "mon", "thu", "tue", "wed"]
    assert view.drop_off == "parcel_locker" and view.call_before_minutes == 30
    assert courier.lookup.search_box.hasFocus()  # back to the search for the next one
    assert keyboard.keys == 22


def test_new_customer_from_the_search(keyboard, window, ctx) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.customers.search import search_customers
    from branch_crm.ui.counter.profile import CustomerProfileDialog

    keyboard.type("13900001111")
    keyboard.press(K.Key_N, CTRL)
    profile = keyboard.wait_window(
        lambda: next(
            (w for w in QApplication.topLevelWidgets() if isinstance(w, CustomerProfileDialog)),
            None,
        )
    )
    assert profile.form.name.hasFocus()
    keyboard.type("赵六")
    keyboard.press(K.Key_S, CTRL)
    assert [hit.name for hit in ctx.read(search_customers, query="13900001111")] == ["赵六"]
    assert keyboard.keys == 11 + 2 and keyboard.chinese == "赵六"


def test_print_a_survey_from_the_profile(keyboard, window, customers, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.printing.preview import PdfPreviewDialog

    printed: list[str] = []
    monkeypatch.setattr(PdfPreviewDialog, "print_dialog", lambda self: printed.append("x") or True)
    open_profile(keyboard, window, customers["张三"])
    keyboard.keys = 0
    keyboard.press(K.Key_P, CTRL)  # Print survey: the numbered form, previewed
    keyboard.wait_window(
        lambda: next(
            (w for w in QApplication.topLevelWidgets() if isinstance(w, PdfPreviewDialog)),
            None,
        )
    )
    keyboard.press(K.Key_P, CTRL)  # print it (the printer dialog then takes Enter)
    assert printed == ["x"]
    assert keyboard.keys == 2
