"""Pickup preferences form filled by keyboard only; bad times refused beside their day."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from branch_crm.services.customers.preferences import get_preferences
from branch_crm.ui.counter.preferences import PreferencesForm, parse_windows
from branch_crm.ui.counter.preferences_editor import PreferencesEditor

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def customer(add_customer):  # type: ignore[no-untyped-def]
    return add_customer("张三", "13812345678", address="上海市浦东新区世纪大道 100 号")


@pytest.fixture
def editor(qtbot, ctx, customer, show):  # type: ignore[no-untyped-def]
    widget = PreferencesEditor(ctx)
    qtbot.addWidget(widget)
    widget.load(customer.id)
    show(widget)
    return widget


def key(qtbot, k, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    """Press a key in whatever has the focus now."""
    qtbot.keyClick(QApplication.focusWidget(), k, modifier)


def focused() -> str:
    widget = QApplication.focusWidget()
    return widget.objectName() if widget else ""


def test_keyboard_only_fill_and_save(qtbot, ctx, editor, customer) -> None:  # type: ignore[no-untyped-def]
    form = editor.form
    form.toggles[("mon", "morning")].setFocus()
    key(qtbot, Qt.Key.Key_Space)  # Mon morning on
    key(qtbot, Qt.Key.Key_Right)
    key(qtbot, Qt.Key.Key_Space)  # Mon afternoon on
    key(qtbot, Qt.Key.Key_Down)
    assert focused() == "avail_tue_afternoon"
    key(qtbot, Qt.Key.Key_Space)  # Tue afternoon on
    key(qtbot, Qt.Key.Key_Right)  # -> Tue evening
    key(qtbot, Qt.Key.Key_Right)  # -> Tue other times
    assert focused() == "prefCustom_tue"
    qtbot.keyClicks(QApplication.focusWidget(), "07:30-08:30")
    key(qtbot, Qt.Key.Key_Tab)  # the grid is one Tab stop: Tab leaves it
    assert focused() == "prefAwayWeekends"
    key(qtbot, Qt.Key.Key_Space)
    key(qtbot, Qt.Key.Key_Tab)  # -> drop-off radio group (door is checked)
    assert focused().startswith("prefDropOff_")
    key(qtbot, Qt.Key.Key_Right)  # radio buttons: arrows pick the next place
    assert form.drop_off["parcel_locker"].isChecked()
    form.call_before.setFocus()
    form.call_before.selectAll()
    qtbot.keyClicks(form.call_before, "15")
    key(qtbot, Qt.Key.Key_Tab)
    assert focused() == "prefPackaging"
    qtbot.keyClicks(QApplication.focusWidget(), "Small carton")
    key(qtbot, Qt.Key.Key_Tab)
    assert focused() == "prefSpecial_fragile"
    key(qtbot, Qt.Key.Key_Space)
    form.notes.setFocus()
    qtbot.keyClicks(form.notes, "Ring twice")
    key(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    view = ctx.read(get_preferences, customer_id=customer.id)
    assert view is not None, form.general_error.text()
    assert [tuple(w) for w in view.availability["mon"]] == [("08:00", "12:00"), ("12:00", "18:00")]
    assert [tuple(w) for w in view.availability["tue"]] == [("07:30", "08:30"), ("12:00", "18:00")]
    assert "sat" not in view.availability
    assert view.away_weekends is True
    assert view.drop_off == "parcel_locker"
    assert view.call_before_minutes == 15
    assert view.packaging == "Small carton"
    assert tuple(view.special_handling) == ("fragile",)
    assert view.notes == "Ring twice"
    assert "Counter" in form.recorded.text()  # who recorded it
    assert not form.is_dirty()
    assert editor.history.entries()  # the change is in the history beside the form


def test_bad_time_window_is_refused_beside_its_day(qtbot, ctx, editor, customer) -> None:  # type: ignore[no-untyped-def]
    form = editor.form
    qtbot.keyClicks(form.custom["wed"], "25:99-26:00")
    form.save()  # sent; refused by the service
    assert form.errors["availability.wed"].text()
    assert ctx.read(get_preferences, customer_id=customer.id) is None  # nothing written
    assert form.custom["wed"].text() == "25:99-26:00"  # kept as typed


def test_other_place_needs_a_description(qtbot, ctx, editor, customer) -> None:  # type: ignore[no-untyped-def]
    form = editor.form
    assert not form.drop_off_other.isEnabled()
    qtbot.mouseClick(form.drop_off["other"], Qt.MouseButton.LeftButton)
    assert form.drop_off_other.isEnabled()
    form.save()  # sent; refused by the service
    assert form.errors["drop_off_other"].text()
    assert ctx.read(get_preferences, customer_id=customer.id) is None
    qtbot.keyClicks(form.drop_off_other, "Leave with the noodle shop next door")
    assert form.save()
    view = ctx.read(get_preferences, customer_id=customer.id)
    assert view.drop_off == "other"
    assert view.drop_off_other == "Leave with the noodle shop next door"


def test_away_at_weekends_disables_weekend_windows(qtbot, editor) -> None:  # type: ignore[no-untyped-def]
    form = editor.form
    form.toggles[("sat", "morning")].setChecked(True)
    form.away_weekends.setChecked(True)
    assert not form.toggles[("sat", "morning")].isChecked()
    assert not form.toggles[("sun", "evening")].isEnabled()
    assert not form.custom["sun"].isEnabled()
    form.toggle_column("morning")
    assert form.toggles[("fri", "morning")].isChecked()
    assert not form.toggles[("sat", "morning")].isChecked()


def test_day_and_window_headings_toggle_rows_and_columns(qtbot, editor) -> None:  # type: ignore[no-untyped-def]
    form = editor.form
    qtbot.mouseClick(form.day_heads["thu"], Qt.MouseButton.LeftButton)
    assert all(form.toggles[("thu", w)].isChecked() for w in ("morning", "afternoon", "evening"))
    qtbot.mouseClick(form.day_heads["thu"], Qt.MouseButton.LeftButton)
    assert not any(
        form.toggles[("thu", w)].isChecked() for w in ("morning", "afternoon", "evening")
    )
    qtbot.mouseClick(form.window_heads["evening"], Qt.MouseButton.LeftButton)
    assert all(form.toggles[(d, "evening")].isChecked() for d in ("mon", "sun"))


def test_stored_preferences_fill_the_form(qtbot, ctx, customer, ctx_write) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.customers.preferences import PreferenceInput, save_preferences

    ctx_write(
        ctx,
        save_preferences,
        customer_id=customer.id,
        data=PreferenceInput(
            availability={"mon": [("08:00", "12:00"), ("19:00", "20:30")]},
            drop_off="property_desk",
            call_before_minutes=30,
            packaging="Own carton",
            special_handling=["cold_chain", "valuables"],
        ),
    )
    form = PreferencesForm(ctx)
    qtbot.addWidget(form)
    form.load(customer.id)
    assert form.toggles[("mon", "morning")].isChecked()
    assert not form.toggles[("mon", "evening")].isChecked()
    assert form.custom["mon"].text() == "19:00-20:30"
    assert form.drop_off["property_desk"].isChecked()
    assert form.call_before.value() == 30
    assert form.packaging.currentText() == "Own carton"
    assert form.special["cold_chain"].isChecked() and form.special["valuables"].isChecked()
    assert not form.is_dirty()
    assert form.recorded.text().startswith("Recorded by")


@pytest.mark.parametrize(
    ("text", "windows"),
    [
        ("07:30-08:30", [("07:30", "08:30")]),
        ("7:30-8:30, 21:00-22:00", [("07:30", "08:30"), ("21:00", "22:00")]),
        ("２１：００～２２：００", [("21:00", "22:00")]),
        ("9:00-10:00，13:00-14:00", [("09:00", "10:00"), ("13:00", "14:00")]),
        ("", []),
    ],
)
def test_parse_windows(text: str, windows) -> None:  # type: ignore[no-untyped-def]
    assert parse_windows(text) == windows


@pytest.mark.parametrize("text", ["09:00-08:00", "25:00-26:00", "soon"])
def test_parse_windows_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_windows(text)


def test_grid_is_one_tab_stop_moved_by_arrow_keys(qtbot, editor) -> None:  # type: ignore[no-untyped-def]
    form = editor.form
    form.toggles[("wed", "afternoon")].setFocus()
    key(qtbot, Qt.Key.Key_Left)
    assert focused() == "avail_wed_morning"
    key(qtbot, Qt.Key.Key_Left)  # the edge: the focus stays
    assert focused() == "avail_wed_morning"
    key(qtbot, Qt.Key.Key_Up)
    assert focused() == "avail_tue_morning"
    for _step in range(3):
        key(qtbot, Qt.Key.Key_Right)
    assert focused() == "prefCustom_tue"
    key(qtbot, Qt.Key.Key_Down)  # between the other-times boxes too
    assert focused() == "prefCustom_wed"
    qtbot.keyClicks(form.custom["wed"], "07:30-08:30")
    key(qtbot, Qt.Key.Key_Left)  # inside typed text Left moves the cursor
    assert focused() == "prefCustom_wed"
    form.custom["wed"].setCursorPosition(0)
    key(qtbot, Qt.Key.Key_Left)  # at its start it goes back into the grid
    assert focused() == "avail_wed_evening"
    key(qtbot, Qt.Key.Key_Tab)
    assert focused() == "prefAwayWeekends"
    key(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)  # back to the cell left
    assert focused() == "avail_wed_evening"
    key(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)  # and out before the grid
    assert not focused().startswith(("avail_", "prefCustom_"))


def test_weekends_away_skips_their_cells(qtbot, editor) -> None:  # type: ignore[no-untyped-def]
    form = editor.form
    form.away_weekends.setChecked(True)
    form.toggles[("fri", "morning")].setFocus()
    key(qtbot, Qt.Key.Key_Down)  # Saturday and Sunday are off: the focus stays on Friday
    assert focused() == "avail_fri_morning"
