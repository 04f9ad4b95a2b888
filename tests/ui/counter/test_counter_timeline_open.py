"""Timeline entries open with Enter (or a double click): a complaint its detail window, a
change of the customer the details tab, a preference recording the preferences tab, any
other entry in full."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def profile(show, ctx, ctx_write, add_customer):  # type: ignore[no-untyped-def]
    from branch_crm.services.complaints import intake
    from branch_crm.ui.counter.profile import CustomerProfileDialog
    from branch_crm.ui.main_window import MainWindow

    show(MainWindow(ctx))  # the app's window: it opens complaints for the counter desk
    customer = add_customer("张三", "13812345678")
    data = intake.ComplaintInput(customer.id, "counter", "delay", "parcel late")
    ctx_write(ctx, intake.take_complaint, data=data)
    return show(CustomerProfileDialog(ctx, customer_id=customer.id))


def enter_on(qtbot, profile, kind: str) -> None:  # type: ignore[no-untyped-def]
    timeline = profile.side.timeline
    row = next(i for i, e in enumerate(timeline.entries()) if e.kind == kind)
    timeline.setFocus()
    timeline.setCurrentItem(timeline.topLevelItem(row))
    qtbot.keyClick(timeline, Qt.Key.Key_Return)


def test_enter_on_a_complaint_opens_its_detail(qtbot, profile) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.complaints import detail

    enter_on(qtbot, profile, "complaint")
    opened = detail.open_details()
    try:
        assert len(opened) == 1 and opened[0].isVisible()
        assert opened[0].view is not None and opened[0].view.customer_id == profile.customer_id
    finally:
        for dialog in opened:
            dialog.close()


def test_enter_on_a_change_shows_the_details_tab(qtbot, profile) -> None:  # type: ignore[no-untyped-def]
    profile.tabs.setCurrentIndex(1)
    enter_on(qtbot, profile, "customer")
    assert profile.tabs.currentIndex() == 0


def test_double_click_on_another_entry_shows_it_in_full(qtbot, profile, boxes) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.timeline_entry import TimelineEntry
    from branch_crm.timeutil import utcnow

    entry = TimelineEntry(utcnow(), "survey_form", "Survey form S-1 printed", "in a batch", None)
    profile.side.timeline.set_entries([entry])
    timeline = profile.side.timeline
    item = timeline.topLevelItem(0)
    rect = timeline.visualItemRect(item)
    qtbot.mouseClick(timeline.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(timeline.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert len(boxes.infos) == 1
    assert "Survey form S-1 printed" in boxes.infos[0] and "the system" in boxes.infos[0]
