"""Training UI driven by keyboard: plan a session, record attendance, print, per person."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from branch_crm.services.training import inputs, sessions
from branch_crm.ui.printing.preview import PdfPreviewDialog
from branch_crm.ui.training.attendance_dialog import AttendanceDialog
from branch_crm.ui.training.page import TrainingPage
from branch_crm.ui.training.session_dialog import SessionDialog
from tests.support.clock import local
from tests.support.keyboard import cell_editor, commit_cell, type_text
from tests.support.services import run_service
from tests.support.training import session_input

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def staff_member(db, admin):  # type: ignore[no-untyped-def]
    from branch_crm.models import Staff
    from branch_crm.services.context import unit_of_work

    with unit_of_work(db, admin) as session:
        row = Staff(
            username="wangwu",
            display_name="王五",
            role="courier",
            phone="13912345678",
            password_hash="x",
            active=True,
        )
        session.add(row)
        session.flush()
        return row.id


def _type_cell(qtbot, table, row: int, column: int, text: str) -> None:  # type: ignore[no-untyped-def]
    table.setCurrentCell(row, column)
    table.editItem(table.item(row, column))
    editor = cell_editor(qtbot, table)
    type_text(qtbot, editor, text)
    commit_cell(qtbot, editor)


def test_plan_a_session_by_keyboard(qtbot, supervisor_ctx, show, staff_member) -> None:  # type: ignore[no-untyped-def]
    dialog = show(SessionDialog(supervisor_ctx))
    qtbot.addWidget(dialog)
    assert dialog.title_edit.hasFocus()
    type_text(qtbot, dialog.title_edit, "项目司机安全培训")
    dialog.trainer_edit.setFocus()
    type_text(qtbot, dialog.trainer_edit, "王经理")
    dialog.audience_edit.lineEdit().selectAll()
    type_text(qtbot, dialog.audience_edit.lineEdit(), "项目司机")
    type_text(qtbot, dialog.location_edit, "上海分拨")
    type_text(qtbot, dialog.points_edit, "每日行车前检查")
    qtbot.keyClick(dialog.points_edit, Qt.Key.Key_Return)
    type_text(qtbot, dialog.points_edit, "装货后锁好飞翼门锁扣")
    type_text(qtbot, dialog.incident_edit, "沪E*****车辆货物掉落")
    dialog.staff_combo.setCurrentIndex(dialog.staff_combo.findText("王五"))
    qtbot.mouseClick(dialog.add_staff_button, Qt.MouseButton.LeftButton)
    dialog.attendees.setFocus()
    qtbot.keyClick(dialog.attendees, Qt.Key.Key_Insert)
    editor = cell_editor(qtbot, dialog.attendees)
    type_text(qtbot, editor, "外协 李工")
    commit_cell(qtbot, editor)
    _type_cell(qtbot, dialog.attendees, 1, 1, "+86 138-0013-8000")
    qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.result() == dialog.DialogCode.Accepted
    saved = dialog.saved
    assert saved is not None and saved.title == "项目司机安全培训"
    assert saved.content_points == ("每日行车前检查", "装货后锁好飞翼门锁扣")
    assert saved.audience == "项目司机" and saved.incident_notice == "沪E*****车辆货物掉落"
    assert [(a.name, a.contact, a.staff_id) for a in saved.attendees] == [
        ("王五", "13912345678", staff_member),
        ("外协 李工", "13800138000", None),
    ]
    assert (
        run_service(
            supervisor_ctx.db, supervisor_ctx.actor, sessions.get_session, session_id=saved.id
        )
        == saved
    )


def test_errors_show_beside_the_fields(qtbot, supervisor_ctx, show, boxes) -> None:  # type: ignore[no-untyped-def]
    dialog = show(SessionDialog(supervisor_ctx))
    qtbot.addWidget(dialog)
    dialog.attendees.add_person("", "13800138000")
    dialog.end_edit.setTime(dialog.start_edit.time())
    qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.result() != dialog.DialogCode.Accepted
    assert dialog.errors.label("title").isVisible()
    assert dialog.errors.label("title").text() == "Enter a title."
    assert dialog.errors.label("ends_at").text() == "The end must be after the start."
    assert dialog.attendees_error.text() == "Row 1: Enter the attendee's name."
    qtbot.keyClicks(dialog.title_edit, "x")
    assert not dialog.errors.label("title").isVisible()
    assert run_service(supervisor_ctx.db, supervisor_ctx.actor, sessions.list_sessions) == []
    assert boxes.errors == []


def test_edit_keeps_people(qtbot, supervisor_ctx, show, db, supervisor) -> None:  # type: ignore[no-untyped-def]
    view = run_service(db, supervisor, sessions.create_session, data=session_input(2))
    dialog = show(SessionDialog(supervisor_ctx, view))
    qtbot.addWidget(dialog)
    assert dialog.title_edit.text() == view.title
    assert dialog.attendees.rowCount() == 2
    assert dialog.attendees.item(0, 1).text() == "138 0013 0001"
    dialog.title_edit.selectAll()
    type_text(qtbot, dialog.title_edit, "复训")
    dialog.attendees.selectRow(0)
    dialog.attendees.setFocus()
    qtbot.keyClick(dialog.attendees, Qt.Key.Key_Delete)
    qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    saved = run_service(db, supervisor, sessions.get_session, session_id=view.id)
    assert saved.title == "复训"
    assert [(a.id, a.name) for a in saved.attendees] == [(view.attendees[1].id, "司机02")]


def test_attendance_by_number_keys_and_a_walk_in(
    qtbot, supervisor_ctx, show, db, supervisor
) -> None:  # type: ignore[no-untyped-def]
    view = run_service(
        db,
        supervisor,
        sessions.create_session,
        data=session_input(4, starts_at=local("2025-01-15 09:00")),
    )
    dialog = show(AttendanceDialog(supervisor_ctx, view))
    qtbot.addWidget(dialog)
    table = dialog.table
    assert table.hasFocus() and table.currentRow() == 0
    for key in (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_A):
        qtbot.keyClick(table, key)
    assert table.currentRow() == 3
    assert "not recorded 1" in dialog.counts.text()
    _type_cell(qtbot, table, 1, 4, "堵车")
    qtbot.mouseClick(dialog.walk_in_button, Qt.MouseButton.LeftButton)
    editor = cell_editor(qtbot, table)
    type_text(qtbot, editor, "临时工 赵六")
    commit_cell(qtbot, editor)
    qtbot.mouseClick(dialog.all_present_button, Qt.MouseButton.LeftButton)
    assert "Present 3 · late 1 · absent 1" in dialog.counts.text()
    qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    after = run_service(db, supervisor, sessions.get_session, session_id=view.id)
    assert [(a.name, a.status, a.remarks) for a in after.attendees] == [
        ("司机01", "present", None),
        ("司机02", "late", "堵车"),
        ("司机03", "absent", None),
        ("司机04", "present", None),
        ("临时工 赵六", "present", None),
    ]


def test_attendance_remarks_by_f2_and_enter_does_not_save(
    qtbot, supervisor_ctx, show, db, supervisor
) -> None:  # type: ignore[no-untyped-def]
    view = run_service(db, supervisor, sessions.create_session, data=session_input(3))
    dialog = show(AttendanceDialog(supervisor_ctx, view))
    qtbot.addWidget(dialog)
    table = dialog.table
    qtbot.keyClick(table, Qt.Key.Key_1)
    qtbot.keyClick(table, Qt.Key.Key_4)  # row 2 excused, now on row 3
    qtbot.keyClick(table, Qt.Key.Key_Up)
    qtbot.keyClick(table, Qt.Key.Key_F2)  # the remarks of the current row, whatever column
    editor = cell_editor(qtbot, table)
    assert table.currentColumn() == 4
    type_text(qtbot, editor, "病假")
    commit_cell(qtbot, editor)
    qtbot.keyClick(table, Qt.Key.Key_Return)  # moves on, does not save or close
    assert dialog.isVisible() and dialog.saved is None and table.currentRow() == 2
    qtbot.keyClick(table, Qt.Key.Key_3)
    qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.saved is not None
    after = run_service(db, supervisor, sessions.get_session, session_id=view.id)
    assert [(a.status, a.remarks) for a in after.attendees] == [
        ("present", None),
        ("excused", "病假"),
        ("absent", None),
    ]


def test_attendance_refused_before_the_start(qtbot, supervisor_ctx, boxes, db, supervisor) -> None:  # type: ignore[no-untyped-def]
    view = run_service(
        db,
        supervisor,
        sessions.create_session,
        data=session_input(1, starts_at=local("2099-01-01 09:00"), ends_at=None),
    )
    dialog = AttendanceDialog(supervisor_ctx, view)
    qtbot.addWidget(dialog)
    qtbot.keyClick(dialog.table, Qt.Key.Key_1)
    dialog.save()
    assert "once the session has started" in boxes.errors[0].message
    assert dialog.result() != dialog.DialogCode.Accepted


def test_page_lists_searches_prints_and_deletes(qtbot, supervisor_ctx, show, boxes) -> None:  # type: ignore[no-untyped-def]
    first = run_service(
        supervisor_ctx.db, supervisor_ctx.actor, sessions.create_session, data=session_input(3)
    )
    second = run_service(
        supervisor_ctx.db,
        supervisor_ctx.actor,
        sessions.create_session,
        data=session_input(
            1, title="沟通技巧", audience="柜台", starts_at=local("2025-02-01 14:00"), ends_at=None
        ),
    )
    page = show(TrainingPage(supervisor_ctx))
    qtbot.addWidget(page)
    assert page.table.rowCount() == 2
    assert page.table.item(0, 1).text() == "沟通技巧"  # newest first
    with qtbot.waitSignal(page.sig_loaded, timeout=2000):
        type_text(qtbot, page.search, "项目司机")
    assert page.table.rowCount() == 1 and page.table.current_key() == first.id
    page.table.setFocus()
    qtbot.keyClick(page, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    (preview,) = page.findChildren(PdfPreviewDialog)
    assert preview.pdf is not None and preview.pdf.count == 1
    assert preview.path.exists() and "signin-" in preview.path.name
    preview.close()
    page.search.clear()
    page.reload()
    page.table.setCurrentCell(0, 0)
    assert page.table.current_key() == second.id
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    assert boxes.confirms == ["Delete the training session “沟通技巧”?"]
    assert [s.id for s in page.sessions] == [first.id]


def test_attendance_by_person_tab(qtbot, supervisor_ctx, show, db, supervisor) -> None:  # type: ignore[no-untyped-def]
    view = run_service(db, supervisor, sessions.create_session, data=session_input(2))
    run_service(
        db,
        supervisor,
        sessions.record_attendance,
        session_id=view.id,
        now=local("2025-01-16 00:00"),
        marks=[inputs.AttendanceMark(view.attendees[0].id, "absent", "病")],
    )
    page = show(TrainingPage(supervisor_ctx))
    qtbot.addWidget(page)
    page.tabs.setCurrentIndex(1)
    rows = {page.people_table.item(r, 0).text(): r for r in range(page.people_table.rowCount())}
    absent_row = rows["司机01"]
    assert page.people_table.item(absent_row, 5).text() == "1"
    assert page.people_table.item(absent_row, 8).text() == "0%"
    page.people_table.setCurrentCell(absent_row, 0)
    assert page.history.rowCount() == 1
    assert page.history.item(0, 2).text() == "Absent" and page.history.item(0, 3).text() == "病"


def test_pages_follow_a_language_change(qtbot, supervisor_ctx, show) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.i18n import set_language
    from branch_crm.ui.surveys.page import SurveysPage

    training = show(TrainingPage(supervisor_ctx))
    qtbot.addWidget(training)
    surveys = SurveysPage(supervisor_ctx)
    qtbot.addWidget(surveys)
    set_language("zh_CN")
    training.retranslate_ui()
    surveys.retranslate_ui()
    assert training.tabs.tabText(0) == "培训场次"
    assert training.table.horizontalHeaderItem(1).text() == "主题"
    assert training.new_button.text() == "新建培训"
    assert surveys.tabs.tabText(0) == "录入回收的调查表"
    assert surveys.entry.lookup_button.text() == "查找"
    first = next(iter(surveys.entry.answers.questions.values()))
    assert first.text().startswith("时效性")


def test_sign_in_sheets_are_named_by_the_branchs_local_time() -> None:
    from datetime import UTC, datetime

    import time_machine

    from branch_crm.ui.training.page import printout_path

    with time_machine.travel(datetime(2025, 3, 1, 20, 0, tzinfo=UTC), tick=False):
        assert printout_path("T-1").name == "signin-T-1-20250302-040000.pdf"
    late = datetime(2025, 6, 30, 16, 30, tzinfo=UTC)
    assert printout_path("T-2", late).name == "signin-T-2-20250701-003000.pdf"
