"""Courier mode: lookup -> select customer -> preferences -> save -> back to lookup."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from branch_crm.services.customers.preferences import get_preferences
from branch_crm.ui.counter.courier import CourierModePage
from branch_crm.ui.counter.preferences_editor import PreferenceHistoryDialog

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def page(qtbot, courier_ctx, people, show):  # type: ignore[no-untyped-def]
    widget = CourierModePage(courier_ctx, debounce_ms=0)
    qtbot.addWidget(widget)
    widget.resize(1366, 740)
    show(widget)
    widget.on_shown()
    return widget


def key(qtbot, k, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(QApplication.focusWidget(), k, modifier)


def test_courier_flow_by_keyboard(qtbot, page, courier_ctx, people) -> None:  # type: ignore[no-untyped-def]
    assert page.currentIndex() == 0
    assert page.lookup.search_box.hasFocus()
    with qtbot.waitSignal(page.lookup.sig_results_updated):
        qtbot.keyClicks(page.lookup.search_box, "0000")  # last 4 digits of 李四
    key(qtbot, Qt.Key.Key_Return)
    assert page.currentIndex() == 1
    assert "李四" in page.customer_label.text()
    form = page.editor.form
    assert QApplication.focusWidget() is form.toggles[("mon", "morning")]
    key(qtbot, Qt.Key.Key_Space)
    key(qtbot, Qt.Key.Key_Down)
    key(qtbot, Qt.Key.Key_Space)
    form.call_before.setFocus()
    form.call_before.selectAll()
    qtbot.keyClicks(form.call_before, "10")
    key(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    assert page.currentIndex() == 0  # back to the lookup, ready for the next customer
    assert page.lookup.search_box.text() == ""
    assert page.lookup.search_box.hasFocus()
    assert "李四" in page.lookup_message.text()
    view = courier_ctx.read(get_preferences, customer_id=people["李四"].id)
    assert view is not None
    assert set(view.availability) == {"mon", "tue"}
    assert view.call_before_minutes == 10
    assert view.recorded_by_name in ("Courier", courier_ctx.actor.display_name)


def test_escape_goes_back_and_asks_when_dirty(qtbot, page, people, boxes) -> None:  # type: ignore[no-untyped-def]
    page.open_customer(people["张三"].id)
    assert page.currentIndex() == 1
    key(qtbot, Qt.Key.Key_Space)  # a change
    boxes.answer = False
    key(qtbot, Qt.Key.Key_Escape)
    assert page.currentIndex() == 1 and boxes.confirms
    boxes.answer = True
    key(qtbot, Qt.Key.Key_Escape)
    assert page.currentIndex() == 0


def test_clean_form_goes_back_without_asking(qtbot, page, people, boxes) -> None:  # type: ignore[no-untyped-def]
    page.open_customer(people["王五"].id)
    qtbot.mouseClick(page.back_button, Qt.MouseButton.LeftButton)
    assert page.currentIndex() == 0
    assert boxes.confirms == []


def test_big_touch_targets(page, people) -> None:  # type: ignore[no-untyped-def]
    page.open_customer(people["王五"].id)
    toggle = page.editor.form.toggles[("wed", "afternoon")]
    assert toggle.minimumHeight() >= 44 and toggle.minimumWidth() >= 44
    assert page.editor.form.save_button.minimumHeight() >= 56
    assert page.back_button.minimumHeight() >= 56
    assert page.lookup.search_box.font().pointSize() >= 14


def test_history_window(qtbot, page, people) -> None:  # type: ignore[no-untyped-def]
    page.open_customer(people["王五"].id)
    qtbot.keyClick(page.editor.form.toggles[("mon", "morning")], Qt.Key.Key_Space)
    assert page.editor.form.save()
    page.open_customer(people["王五"].id)
    qtbot.mouseClick(page.history_button, Qt.MouseButton.LeftButton)
    dialog = page.findChild(PreferenceHistoryDialog)
    assert dialog is not None and dialog.isVisible()
    (entry,) = dialog.history.entries()
    assert entry.kind == "preference"
    dialog.close()


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_courier_form_never_widens_the_main_window(qtbot, courier_ctx, people, language) -> None:  # type: ignore[no-untyped-def]
    """English labels in big type once made the preferences form 1227 px at least, and the
    main window (its page stack as wide as its widest page) 1430 px for the rest of the
    session: the form now fits beside the navigation on a 1280-pixel-wide screen."""
    from branch_crm.i18n import set_language
    from branch_crm.ui.main_window import NAV_WIDTH

    set_language(language)
    page = CourierModePage(courier_ctx, debounce_ms=0)
    qtbot.addWidget(page)
    page.retranslate_ui()
    page.open_customer(people["李四"].id)
    assert page.currentIndex() == 1
    assert page.minimumSizeHint().width() <= 1280 - NAV_WIDTH - 40
    # 1280x720 less title bar, menu bar and status bar (about 30 + 25 + 25)
    assert page.minimumSizeHint().height() <= 720 - 80


def test_right_arrow_moves_down_the_drop_off_places(qtbot, page, people) -> None:  # type: ignore[no-untyped-def]
    """Courier mode lists the places one a row: Right/Left move as Down/Up do."""
    page.open_customer(people["李四"].id)
    door = page.editor.form.drop_off["door"]
    door.setFocus()
    assert door.isChecked()
    qtbot.keyClick(door, Qt.Key.Key_Right)
    assert page.editor.form.drop_off["parcel_locker"].isChecked()
    qtbot.keyClick(page.editor.form.drop_off["parcel_locker"], Qt.Key.Key_Left)
    assert door.isChecked()
