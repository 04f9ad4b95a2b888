"""Find anything in the window: each list page's search box filters as you type, Ctrl+F
reaches it, an empty result says so; Go to (Ctrl+K) opens the record Enter names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.support.keyboard import type_text
from tests.support.search import Seeded, seed

CTRL = Qt.KeyboardModifier.ControlModifier
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def seeded(db, supervisor, tmp_path: Path) -> Seeded:  # type: ignore[no-untyped-def]
    return seed(db, supervisor, tmp_path)


def _search(qtbot: Any, box: Any, signal: Any, text: str) -> None:
    box.clear()
    with qtbot.waitSignal(signal, timeout=3000):
        type_text(qtbot, box, text)


def test_queue_search_box_filters_and_ctrl_f_reaches_it(
    qtbot, supervisor_ctx, show, seeded
) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.complaints.queue_model import ID_ROLE
    from branch_crm.ui.complaints.queue_page import ComplaintQueuePage

    page = show(ComplaintQueuePage(supervisor_ctx))
    assert page.model.rowCount() == 3
    page.table.setFocus()
    qtbot.keyClick(page, Qt.Key.Key_F, CTRL)
    assert page.search.hasFocus()

    def shown() -> set[str]:
        return {page.model.index(r, 0).data(ID_ROLE) for r in range(page.model.rowCount())}

    _search(qtbot, page.search, page.sig_searched, "1111")  # 李四's phone, last 4
    assert shown() == {seeded.b}
    _search(qtbot, page.search, page.sig_searched, "zs")
    assert shown() == {seeded.a}
    _search(qtbot, page.search, page.sig_searched, "nobody")
    assert shown() == set() and page.empty.isVisible()
    assert "No open complaint matches “nobody”" in page.empty.text()
    with qtbot.waitSignal(page.sig_searched, timeout=3000):
        qtbot.keyClick(page.search, Qt.Key.Key_Escape)
    assert page.search.text() == "" and shown() == {seeded.a, seeded.b, seeded.c}


def test_follow_ups_search_box(qtbot, supervisor_ctx, show, seeded) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.care.page import FollowUpsPage

    page = show(FollowUpsPage(supervisor_ctx))
    assert page.model.rowCount() == 2
    qtbot.keyClick(page, Qt.Key.Key_F, CTRL)
    assert page.search.hasFocus()
    _search(qtbot, page.search, page.sig_loaded, seeded.serial)
    assert [r.id for r in page.model.rows] == [seeded.li_task]
    _search(qtbot, page.search, page.sig_loaded, "王五")
    assert page.model.rows == [] and page.empty_state.is_shown()
    assert "“王五”" in page.empty_state.label.text()


def test_survey_responses_tab_search(qtbot, supervisor_ctx, show, seeded) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.surveys.page import SurveysPage

    page = show(SurveysPage(supervisor_ctx))
    qtbot.keyClick(page, Qt.Key.Key_F, CTRL)  # from the entry tab: to the responses' box
    responses = page.responses
    assert page.tabs.currentWidget() is responses and responses.search.hasFocus()
    assert [r.id for r in responses.model.rows] == [seeded.response]
    _search(qtbot, responses.search, responses.sig_loaded, "zs")
    assert responses.model.rows == [] and responses.empty_state.is_shown()
    _search(qtbot, responses.search, responses.sig_loaded, seeded.serial[-5:])
    assert [r.id for r in responses.model.rows] == [seeded.response]
    responses.table.setFocus()
    qtbot.keyClick(responses.table, Qt.Key.Key_Return)  # Enter: the form on the entry tab
    assert page.tabs.currentWidget() is page.entry
    assert page.entry.form is not None and page.entry.form.serial == seeded.serial


def test_audit_log_searches_by_number_not_id(qtbot, supervisor_ctx, show, seeded) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.shell.audit_page import AuditPage

    page = show(AuditPage(supervisor_ctx))
    page.on_shown()
    everything = len(page.model.rows)
    qtbot.keyClick(page, Qt.Key.Key_F, CTRL)
    assert page.search.hasFocus()
    page.search.setText(seeded.a_number)
    page.search.search_now()
    subjects = {r.subject for r in page.model.rows}
    assert subjects == {f"{seeded.a_number} · 张三"} and len(page.model.rows) < everything
    page.search.setText("nobody")
    page.search.search_now()
    assert page.empty_state.is_shown() and "“nobody”" in page.empty_state.label.text()


def test_training_people_search(qtbot, supervisor_ctx, show, db, supervisor) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.training import sessions
    from branch_crm.services.training.inputs import AttendeeInput
    from branch_crm.ui.training.page import TrainingPage
    from tests.support.services import run_service
    from tests.support.training import session_input

    people = [AttendeeInput(name="赵六", contact="13811112222"), AttendeeInput(name="钱七")]
    run_service(db, supervisor, sessions.create_session, data=session_input(attendees=people))
    page = show(TrainingPage(supervisor_ctx))
    assert page.people_table.rowCount() == 2
    qtbot.keyClick(page, Qt.Key.Key_F, CTRL)
    assert page.search.hasFocus()
    _search(qtbot, page.search, page.sig_loaded, "zl")
    assert page.people_table.rowCount() == 1 and page.people_table.item(0, 0).text() == "赵六"
    _search(qtbot, page.search, page.sig_loaded, "9999")
    assert page.people_table.rowCount() == 0 and page.people_empty.is_shown()


def test_go_to_enter_opens_the_record(qtbot, supervisor_ctx, show, seeded, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.shell import goto_dialog

    opened: list[tuple[str, str]] = []
    monkeypatch.setattr(
        goto_dialog, "open_target", lambda _ctx, t, _parent: opened.append((t.kind, t.id))
    )
    dialog = show(goto_dialog.GoToDialog(supervisor_ctx))
    type_text(qtbot, dialog.box, seeded.b_number)
    qtbot.keyClick(dialog.box, Qt.Key.Key_Return)  # at once: no wait for the typing pause
    assert opened == [("complaint", seeded.b)]

    dialog = show(goto_dialog.GoToDialog(supervisor_ctx))
    with qtbot.waitSignal(dialog.sig_listed, timeout=3000) as listed:
        type_text(qtbot, dialog.box, seeded.a_number[:-1])  # the day's numbers: ambiguous
    assert listed.args == [3] and "3 records match" in dialog.status.text()
    qtbot.keyClick(dialog.box, Qt.Key.Key_Down)
    chosen = dialog.current_target()
    assert chosen is not None and dialog.list.currentRow() == 1
    qtbot.keyClick(dialog.box, Qt.Key.Key_Enter)
    assert opened[-1] == ("complaint", chosen.id)


def test_go_to_opens_a_complaint_window_from_the_main_window(qtbot, supervisor_ctx, seeded) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.complaints.detail import ComplaintDetailDialog
    from branch_crm.ui.main_window import MainWindow
    from branch_crm.ui.shell.goto_dialog import GoToDialog

    main = MainWindow(supervisor_ctx)
    qtbot.addWidget(main)
    supervisor_ctx.main_window = main
    main.show()
    qtbot.waitExposed(main)
    main.action_go_to.trigger()
    (dialog,) = main.findChildren(GoToDialog)
    type_text(qtbot, dialog.box, "SF1234567890")
    qtbot.keyClick(dialog.box, Qt.Key.Key_Return)
    details = [d for d in main.findChildren(ComplaintDetailDialog) if d.isVisible()]
    assert [d.complaint_id for d in details] == [seeded.a]
    for d in details:
        d.close()
    assert main.action_go_to.shortcut().toString() == "Ctrl+K"
