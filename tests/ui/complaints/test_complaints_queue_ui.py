"""The complaint queue page: order by time left, states with icon and words, filters, refresh
as a frozen clock moves on, the sweep behind the timer; home card and status widget counts."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from branch_crm.services.complaints import events as cs_events
from branch_crm.services.complaints import queue as cq
from branch_crm.services.complaints import workflow
from branch_crm.ui.complaints.queue_model import (
    ID_ROLE,
    LEFT,
    NUMBER,
    STATE,
    ComplaintQueueModel,
)
from branch_crm.ui.complaints.queue_page import ComplaintQueuePage
from branch_crm.ui.complaints.widgets import ComplaintHomeCard, ComplaintStatusWidget
from tests.support.clock import local

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def three(ctx, add_customer, take, clock) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """At 09:00: a loss (grade 1, 1 h), a delay (grade 3, 4 h) and a damage (grade 2, 2 h)."""
    clock(local("2025-11-24 09:00"))
    made = {
        "loss": take(add_customer("张三", "13812345678"), "loss"),
        "delay": take(add_customer("李四", "13712340000"), "delay"),
        "damage": take(add_customer("王五", "13900001111"), "damage"),
    }
    return made


def _numbers(page: ComplaintQueuePage) -> list[str]:
    model = page.model
    return [model.index(r, NUMBER).data() for r in range(model.rowCount())]


def _page(qtbot, ctx) -> ComplaintQueuePage:  # type: ignore[no-untyped-def]
    page = ComplaintQueuePage(ctx)
    qtbot.addWidget(page)
    page.resize(1200, 600)
    page.show()
    return page


def test_model_passes_the_model_tester(qtmodeltester, ctx, three) -> None:  # type: ignore[no-untyped-def]
    model = ComplaintQueueModel()
    snapshot = ctx.read(cq.queue_snapshot)
    model.set_snapshot(snapshot, local("2025-11-24 09:30").timestamp())
    qtmodeltester.check(model)
    assert model.rowCount() == 3


def test_sorted_by_time_left_with_states_that_move_with_the_clock(qtbot, ctx, three, clock) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, ctx)
    assert page.table.objectName() == "complaintQueue"
    assert _numbers(page) == [three[k].number for k in ("loss", "damage", "delay")]
    first = page.model.index(0, STATE)
    assert first.data() == "On time"
    assert page.model.index(0, LEFT).data() == "1 h 00 min"
    page.table.selectRow(1)  # the damage complaint stays selected through refreshes
    clock(local("2025-11-24 09:46"))  # loss at 46/60 min: warned
    page.tick()
    assert page.model.index(0, STATE).data() == "Due soon"
    assert not page.model.index(0, STATE).data(Qt.ItemDataRole.DecorationRole).isNull()
    assert page.model.index(0, STATE).data(Qt.ItemDataRole.BackgroundRole) is not None
    clock(local("2025-11-24 10:05"))
    page.tick()
    assert page.model.index(0, STATE).data() == "Breached"
    assert page.model.index(0, LEFT).data() == "overdue 5 min"
    assert page.current_id() == three["damage"].id
    assert "0 due soon · 1 breached" in page.counts.text()  # damage at 65 of 120 min: on time


def test_order_changes_as_clocks_pause(qtbot, ctx, three, clock, ctx_write) -> None:  # type: ignore[no-untyped-def]
    clock(local("2025-11-24 09:10"))
    ctx_write(ctx, workflow.accept_complaint, complaint_id=three["loss"].id)  # now 24 h resolution
    ctx_write(ctx, workflow.accept_complaint, complaint_id=three["delay"].id)
    ctx_write(ctx, workflow.wait_for_customer, complaint_id=three["delay"].id)
    page = _page(qtbot, ctx)
    # damage response due 11:00; loss resolution due tomorrow 09:00; the paused one last
    assert _numbers(page) == [three[k].number for k in ("damage", "loss", "delay")]
    assert page.model.index(2, STATE).data() == "Paused"
    assert page.model.index(2, LEFT).data().endswith("(paused)")


def test_filters(qtbot, ctx, supervisor_ctx, three, clock, *, ctx_write) -> None:  # type: ignore[no-untyped-def]
    ctx_write(supervisor_ctx, workflow.accept_complaint, complaint_id=three["damage"].id)
    ctx_write(ctx, workflow.accept_complaint, complaint_id=three["delay"].id)
    ctx_write(ctx, workflow.wait_for_customer, complaint_id=three["delay"].id)
    clock(local("2025-11-24 10:30"))  # loss response missed
    page = _page(qtbot, ctx)
    page.mine.setChecked(True)  # the counter accepted only the delay
    assert _numbers(page) == [three["delay"].number]
    page.mine.setChecked(False)
    page.grade.setCurrentIndex(page.grade.findData(2))
    assert _numbers(page) == [three["damage"].number]
    page.grade.setCurrentIndex(0)
    page.category.setCurrentIndex(page.category.findData("loss"))
    assert _numbers(page) == [three["loss"].number]
    page.category.setCurrentIndex(0)
    page.breached.setChecked(True)
    assert _numbers(page) == [three["loss"].number]
    page.breached.setChecked(False)
    page.waiting.setChecked(True)
    assert _numbers(page) == [three["delay"].number]
    page.waiting.setChecked(False)
    assert len(_numbers(page)) == 3
    page.category.setCurrentIndex(page.category.findData("billing"))
    assert page.empty.isVisible() and "filters" in page.empty.text()


def test_timer_sweeps_and_data_changes_reload(
    qtbot, ctx, three, *, clock, add_customer, take
) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot, ctx)
    clock(local("2025-11-24 10:00"))
    with qtbot.waitSignal(page.sig_loaded, timeout=2000):
        page.timer.timeout.emit()  # tick + sweep; the sweep's breach reloads the rows
    events = ctx.read(cs_events.complaint_events, complaint_id=three["loss"].id)
    assert [e.kind for e in events] == ["received", "sla_breached", "escalated"]
    with qtbot.waitSignal(page.sig_loaded, timeout=2000):
        take(add_customer("赵六", "15866665678"), "billing")
        ctx.bus.changed("complaint")
    assert page.model.total() == 4


def test_enter_opens_the_detail(qtbot, ctx, three) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.complaints import detail

    page = _page(qtbot, ctx)
    page.table.setFocus()
    page.table.selectRow(0)
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    opened = detail.open_details()
    assert [d.complaint_id for d in opened] == [page.model.index(0, 0).data(ID_ROLE)]


def test_home_card_and_status_widget(qtbot, ctx, three, clock) -> None:  # type: ignore[no-untyped-def]
    clock(local("2025-11-24 10:05"))
    status = ComplaintStatusWidget(ctx)
    qtbot.addWidget(status)
    assert status.objectName() == "complaintStatus"
    assert status.text() == "Complaints 3 · 1 breached"
    # loss breached; damage at 65 of 120 min and delay at 65 of 240 min are on time
    assert "3 open · 0 due soon · 1 breached · 0 waiting" in status.toolTip()
    card = ComplaintHomeCard(ctx)
    qtbot.addWidget(card)
    assert card.summary.text() == "3 open · 0 due soon · 1 breached · 0 waiting"
    assert card.top.count() == 3
    assert card.top.item(0).text().startswith(three["loss"].number)


def test_a_missed_response_stays_visible_after_a_late_accept(
    qtbot, ctx, three, clock, ctx_write
) -> None:  # type: ignore[no-untyped-def]
    clock(local("2025-11-24 10:20"))
    ctx_write(ctx, workflow.accept_complaint, complaint_id=three["loss"].id)  # 20 min late
    page = _page(qtbot, ctx)
    row = page.model.row_of(three["loss"].id)
    assert page.model.index(row, STATE).data() == "Response missed"
    assert page.model.state_at(row) == cq.BREACHED
    assert "response target missed" in page.model.index(row, STATE).data(
        Qt.ItemDataRole.ToolTipRole
    )


def test_status_bar_timer_records_breaches_nobody_looks_at(qtbot, ctx, three, clock) -> None:  # type: ignore[no-untyped-def]
    """No queue page, no detail window: the status-bar widget's timer runs the SLA sweep, so
    breaches and escalations are recorded as events while the app is open."""
    clock(local("2025-11-24 09:30"))
    status = ComplaintStatusWidget(ctx, refresh_ms=60_000)
    qtbot.addWidget(status)
    assert status.text() == "Complaints 3 · 0 breached"
    assert status._timer.isActive() and status._timer.interval() == 60_000
    clock(local("2025-11-24 10:31"))  # loss: response 60 min missed, 150 % at 10:30
    with qtbot.waitSignal(status.sig_counted, timeout=2000):
        status._timer.timeout.emit()
    assert status.text() == "Complaints 3 · 1 breached"
    events = ctx.read(cs_events.complaint_events, complaint_id=three["loss"].id)
    assert [(e.kind, e.data.get("level")) for e in events] == [
        ("received", None),
        ("sla_breached", None),
        ("escalated", 1),
        ("escalated", 2),
    ]
    assert [e.at for e in events[1:]] == [
        local("2025-11-24 10:00"),
        local("2025-11-24 10:00"),
        local("2025-11-24 10:30"),
    ]
    assert [e.title for e in events[2:]] == ["Escalated to Supervisor", "Escalated to Head office"]
    with qtbot.waitSignal(status.sig_counted, timeout=2000):
        status._timer.timeout.emit()  # nothing new: no second event
    assert len(ctx.read(cs_events.complaint_events, complaint_id=three["loss"].id)) == 4


def test_main_window_status_bar_carries_the_sweeping_widget(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    """The complaint status widget is listed for every main window's status bar."""
    from branch_crm.ui import main_window

    assert main_window._complaint_status in main_window.STATUS_WIDGETS
    widget = main_window._complaint_status(ctx)
    qtbot.addWidget(widget)
    assert isinstance(widget, ComplaintStatusWidget)
