"""The supervisor's figures window: period presets and split, the summary per period with a
whole-range column, the Pareto tables, and the queue button that only supervisors see."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt

from branch_crm.services.complaints import intake, workflow
from branch_crm.ui.complaints.figures import ComplaintFiguresDialog
from branch_crm.ui.complaints.queue_page import ComplaintQueuePage
from branch_crm.ui.periods import preset_range
from tests.support.clock import local

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def two_months(supervisor_ctx, add_customer, clock, ctx_write):  # type: ignore[no-untyped-def]
    """Oct: a delay answered in 30 min, fed back after 1 day, closed (packaging).
    Nov: a loss answered after 2 h (missed) with ¥500 requested and ¥300 granted, still open."""

    def call(fn: Any, **kwargs: Any) -> Any:
        return ctx_write(supervisor_ctx, fn, **kwargs)

    clock(local("2025-10-10 09:00"))
    data = intake.ComplaintInput(add_customer("张三", "13812345678"), "counter", "delay", "late")
    a = call(intake.take_complaint, data=data)
    clock(local("2025-10-10 09:30"))
    call(workflow.accept_complaint, complaint_id=a.id)
    clock(local("2025-10-11 09:00"))
    call(workflow.give_feedback, complaint_id=a.id, note="delivered")
    call(workflow.close_complaint, complaint_id=a.id, root_cause="packaging", corrective_action="x")
    clock(local("2025-11-05 09:00"))
    data = intake.ComplaintInput(
        add_customer("李四", "13712340000"), "phone", "loss", "gone",
        compensation_requested_cents=50_000,
    )  # fmt: skip
    b = call(intake.take_complaint, data=data)
    clock(local("2025-11-05 11:00"))
    call(workflow.accept_complaint, complaint_id=b.id)
    call(workflow.grant_compensation, complaint_id=b.id, amount_cents=30_000, note="declared value")
    clock(local("2025-11-06 10:00"))


def _dialog(qtbot, ctx) -> ComplaintFiguresDialog:  # type: ignore[no-untyped-def]
    dialog = ComplaintFiguresDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_month_columns_and_the_whole_range(qtbot, supervisor_ctx, two_months) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, supervisor_ctx)  # this month (November) by default
    assert dialog.period() == (date(2025, 11, 1), date(2025, 11, 6))
    with qtbot.waitSignal(dialog.sig_loaded, timeout=3000):
        dialog.set_period(date(2025, 10, 1), date(2025, 11, 30))
    table = dialog.summary
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers == ["", "2025-10", "2025-11", "Whole period"]
    october, november, whole = (dialog.column_texts(c) for c in (1, 2, 3))
    assert (october["Complaints received"], october["Complaints closed"]) == ("1", "1")
    assert october["Response target met"] == "1 / 1 (100.0 %)"
    assert october["Response time, mean"] == "30 min"
    assert october["Resolution time, median"] == "1 d 0 h"
    assert november["Response target met"] == "0 / 1 (0.0 %)"
    assert november["Received, Grade 1"] == "1"
    assert november["Resolution target met"] == "–"  # 24 h not over yet, no feedback
    assert november["Compensation granted"] == "¥300.00"
    assert whole["Response target met"] == "1 / 2 (50.0 %)"
    assert whole["Compensation requested"] == "¥500.00"
    assert whole["Open at the period's end (or now)"] == "1"
    assert whole["    open under 1 day"] == "0" and whole["    open 1–3 days"] == "1"
    cats = [
        [dialog.categories.item(r, c).text() for c in range(4)]
        for r in range(dialog.categories.rowCount())
    ]
    assert cats == [["Delay", "1", "50.0 %", "50.0 %"], ["Loss", "1", "50.0 %", "100.0 %"]]
    assert dialog.causes.rowCount() == 1
    assert dialog.causes.item(0, 0).text() == "Inadequate packaging"


def test_split_by_week_and_reload_on_change(qtbot, supervisor_ctx, two_months) -> None:  # type: ignore[no-untyped-def]
    dialog = _dialog(qtbot, supervisor_ctx)
    with qtbot.waitSignal(dialog.sig_loaded, timeout=3000):
        dialog.split.setCurrentIndex(dialog.split.findData("week"))
    headers = [
        dialog.summary.horizontalHeaderItem(c).text() for c in range(dialog.summary.columnCount())
    ]
    assert headers == ["", "11-01 – 11-02", "11-03 – 11-06", "Whole period"]
    with qtbot.waitSignal(dialog.sig_loaded, timeout=3000):
        dialog.split.setCurrentIndex(dialog.split.findData("all"))
    assert dialog.summary.columnCount() == 2  # one period: no separate whole-range column
    with qtbot.waitSignal(dialog.sig_loaded, timeout=3000):
        supervisor_ctx.bus.changed("complaint")


def test_presets() -> None:
    today = date(2026, 2, 14)
    assert preset_range("this_month", today) == (date(2026, 2, 1), today)
    assert preset_range("last_month", today) == (date(2026, 1, 1), date(2026, 1, 31))
    assert preset_range("quarter", today) == (date(2025, 12, 1), today)
    assert preset_range("year", today) == (date(2026, 1, 1), today)
    assert preset_range("twelve", today) == (date(2025, 2, 14), today)
    assert preset_range("custom", today) == (date(2026, 2, 1), today)


def test_only_supervisors_see_the_figures_button(qtbot, ctx, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    counter_page = ComplaintQueuePage(ctx)
    qtbot.addWidget(counter_page)
    assert counter_page.figures_button.isHidden()
    assert counter_page.open_figures() is None
    page = ComplaintQueuePage(supervisor_ctx)
    qtbot.addWidget(page)
    page.show()
    assert not page.figures_button.isHidden()
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow, timeout=2000)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    opened = page.findChildren(ComplaintFiguresDialog)
    assert len(opened) == 1
    opened[0].close()
