"""Training sessions: planning, validation, editing, attendance and per-person figures."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from branch_crm.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from branch_crm.models import AuditEntry, TrainingAttendee
from branch_crm.services.training import attendance, inputs, sessions
from tests.support.clock import local
from tests.support.services import run_service
from tests.support.training import session_input


def test_create_and_read_back(db, supervisor) -> None:  # type: ignore[no-untyped-def]
    view = run_service(db, supervisor, sessions.create_session, data=session_input(3))
    assert view.title == "项目司机安全培训"
    assert view.audience == "项目司机" and view.location == "上海分拨"
    assert view.content_points[0].startswith("每日行车前检查")
    assert [a.name for a in view.attendees] == ["司机01", "司机02", "司机03"]
    assert [a.position for a in view.attendees] == [1, 2, 3]
    assert view.attendees[0].contact == "13800130001"  # normalised phone digits
    assert inputs.display_contact(view.attendees[0].contact) == "138 0013 0001"
    assert view.counts == sessions.Counts(total=3, expected=3)
    assert view.reference == "T-" + view.id.replace("-", "")[-8:].upper()
    again = run_service(db, supervisor, sessions.get_session, session_id=view.reference)
    assert again == view
    assert (
        run_service(db, supervisor, sessions.get_session, session_id=view.reference[2:].lower())
        == view
    )


def test_contact_that_is_not_a_phone_is_kept(db, supervisor) -> None:  # type: ignore[no-untyped-def]
    people = [inputs.AttendeeInput(name="外协 李工", contact="微信 li_gong")]
    view = run_service(
        db, supervisor, sessions.create_session, data=session_input(0, attendees=people)
    )
    assert view.attendees[0].contact == "微信 li_gong"
    assert inputs.display_contact("微信 li_gong") == "微信 li_gong"


def test_validation_names_each_field(db, supervisor) -> None:  # type: ignore[no-untyped-def]
    bad = session_input(
        2,
        title="  ",
        ends_at=local("2025-01-15 08:00"),
        content_points=["x" * 501],
        attendees=[
            inputs.AttendeeInput(name="张三", contact="13800138000"),
            inputs.AttendeeInput(name=""),
            inputs.AttendeeInput(name="张三", contact="138 0013 8000"),
        ],
    )
    with pytest.raises(ValidationError) as caught:
        run_service(db, supervisor, sessions.create_session, data=bad)
    fields = caught.value.fields
    assert set(fields) == {
        "title",
        "ends_at",
        "content_points.0",
        "attendees.1.name",
        "attendees.2.name",
    }
    assert "row 1" in fields["attendees.2.name"]
    assert run_service(db, supervisor, sessions.list_sessions) == []  # nothing written


def test_missing_start(db, supervisor) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught:
        run_service(
            db,
            supervisor,
            sessions.create_session,
            data=session_input(1, starts_at=None, ends_at=None),
        )
    assert set(caught.value.fields) == {"starts_at"}


def test_counter_staff_may_not_plan_training(db, counter) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        run_service(db, counter, sessions.create_session, data=session_input(1))


def test_unknown_session(db, supervisor) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound, match="T-00000000"):
        run_service(db, supervisor, sessions.get_session, session_id="T-00000000")


def test_update_keeps_attendance_and_tombstones_removed(db, supervisor) -> None:  # type: ignore[no-untyped-def]
    view = run_service(db, supervisor, sessions.create_session, data=session_input(3))
    first, second, third = view.attendees
    run_service(
        db,
        supervisor,
        sessions.record_attendance,
        session_id=view.id,
        marks=[inputs.AttendanceMark(first.id, "late", "堵车")],
        now=local("2025-01-15 12:00"),
    )
    people = [
        inputs.AttendeeInput(name=third.name, contact=third.contact, id=third.id),
        inputs.AttendeeInput(name="司机01（改名）", contact=first.contact, id=first.id),
        inputs.AttendeeInput(name="新司机", contact="13900000000"),
    ]
    data = replace(session_input(0), title="改期后的培训", attendees=people)
    updated = run_service(db, supervisor, sessions.update_session, session_id=view.id, data=data)
    assert updated.title == "改期后的培训"
    assert [a.name for a in updated.attendees] == ["司机03", "司机01（改名）", "新司机"]
    renamed = updated.attendees[1]
    assert (renamed.id, renamed.status, renamed.remarks) == (first.id, "late", "堵车")
    with db.session() as session:
        gone = session.scalars(
            select(TrainingAttendee)
            .where(TrainingAttendee.id == second.id)
            .execution_options(include_deleted=True)
        ).one()
        assert gone.deleted_at is not None
        actions = set(
            session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == second.id))
        )
        assert actions == {"create", "delete"}


def test_attendance_not_before_the_start(db, supervisor) -> None:  # type: ignore[no-untyped-def]
    view = run_service(db, supervisor, sessions.create_session, data=session_input(1))
    mark = inputs.AttendanceMark(view.attendees[0].id, "present")
    with pytest.raises(InvalidTransition, match="2025-01-15 09:00"):
        run_service(
            db,
            supervisor,
            sessions.record_attendance,
            session_id=view.id,
            marks=[mark],
            now=local("2025-01-15 08:59"),
        )


def test_attendance_marks_and_walk_ins(db, supervisor) -> None:  # type: ignore[no-untyped-def]
    view = run_service(db, supervisor, sessions.create_session, data=session_input(4))
    a, b, c, d = view.attendees
    marks = [
        inputs.AttendanceMark(a.id, "present"),
        inputs.AttendanceMark(b.id, "late", "迟到 10 分钟"),
        inputs.AttendanceMark(c.id, "absent"),
        inputs.AttendanceMark(d.id, "excused", "病假"),
        inputs.AttendanceMark(None, "present", name="临时司机", contact="+86 139 0000 1111"),
    ]
    after = run_service(
        db,
        supervisor,
        sessions.record_attendance,
        session_id=view.id,
        marks=marks,
        now=local("2025-01-15 11:30"),
    )
    assert [x.status for x in after.attendees] == [
        "present",
        "late",
        "absent",
        "excused",
        "present",
    ]
    walk_in = after.attendees[-1]
    assert (walk_in.name, walk_in.contact, walk_in.position) == ("临时司机", "13900001111", 5)
    assert after.counts == sessions.Counts(total=5, present=2, late=1, absent=1, excused=1)
    assert after.counts.attended == 3
    assert after.counts.rate == pytest.approx(3 / 5)


def test_bad_marks_are_refused_whole(db, supervisor) -> None:  # type: ignore[no-untyped-def]
    view = run_service(db, supervisor, sessions.create_session, data=session_input(2))
    marks = [
        inputs.AttendanceMark(view.attendees[0].id, "present"),
        inputs.AttendanceMark(view.attendees[1].id, "asleep"),
        inputs.AttendanceMark(None, "present", name=" "),
        inputs.AttendanceMark("no-such-id", "present"),
    ]
    with pytest.raises(ValidationError) as caught:
        run_service(
            db,
            supervisor,
            sessions.record_attendance,
            session_id=view.id,
            marks=marks,
            now=local("2025-01-16 00:00"),
        )
    assert set(caught.value.fields) == {"marks.1.status", "marks.2.name", "marks.3"}
    unchanged = run_service(db, supervisor, sessions.get_session, session_id=view.id)
    assert [x.status for x in unchanged.attendees] == ["expected", "expected"]


def test_attendance_per_person_and_per_session(db, supervisor) -> None:  # type: ignore[no-untyped-def]
    staff = inputs.AttendeeInput(name="王五", staff_id="staff-7")
    driver = inputs.AttendeeInput(name="司机01", contact="13800130001")
    first = run_service(
        db, supervisor, sessions.create_session, data=session_input(0, attendees=[staff, driver])
    )
    second = run_service(
        db,
        supervisor,
        sessions.create_session,
        data=session_input(
            0,
            title="投诉处理情景演练",
            starts_at=local("2025-02-10 14:00"),
            ends_at=None,
            attendees=[
                inputs.AttendeeInput(name="王五（主管）", staff_id="staff-7"),
                inputs.AttendeeInput(name="司机01", contact="138 0013 0001"),
            ],
        ),
    )
    third = run_service(
        db,
        supervisor,
        sessions.create_session,
        data=session_input(
            0, starts_at=local("2025-03-01 09:00"), ends_at=None, attendees=[driver]
        ),
    )
    when = local("2025-03-02 00:00")
    w1, d1 = first.attendees
    w2, d2 = second.attendees
    run_service(
        db,
        supervisor,
        sessions.record_attendance,
        session_id=first.id,
        now=when,
        marks=[inputs.AttendanceMark(w1.id, "present"), inputs.AttendanceMark(d1.id, "absent")],
    )
    run_service(
        db,
        supervisor,
        sessions.record_attendance,
        session_id=second.id,
        now=when,
        marks=[inputs.AttendanceMark(w2.id, "late"), inputs.AttendanceMark(d2.id, "present")],
    )
    people = {p.key: p for p in run_service(db, supervisor, attendance.attendance_by_person)}
    wang = people["staff:staff-7"]
    assert (wang.invited, wang.present, wang.late, wang.absent, wang.rate) == (2, 1, 1, 0, 1.0)
    assert wang.name == "王五（主管）"  # the latest name on record
    drv = people["person:司机01|13800130001"]
    assert (drv.invited, drv.present, drv.absent, drv.unrecorded) == (3, 1, 1, 1)
    assert drv.rate == pytest.approx(0.5)
    february = run_service(
        db,
        supervisor,
        attendance.attendance_by_person,
        since=local("2025-02-01 00:00").date(),
        until=local("2025-02-28 00:00").date(),
    )
    assert {p.key: p.invited for p in february} == {
        "staff:staff-7": 1,
        "person:司机01|13800130001": 1,
    }
    history = run_service(db, supervisor, attendance.person_sessions, key=drv.key)
    assert [(h.session_id, h.status) for h in history] == [
        (first.id, "absent"),
        (second.id, "present"),
        (third.id, "expected"),
    ]
    listed = run_service(db, supervisor, sessions.list_sessions)
    assert [s.id for s in listed] == [third.id, second.id, first.id]
    assert listed[2].counts == sessions.Counts(total=2, present=1, absent=1)


def test_list_filters(db, supervisor) -> None:  # type: ignore[no-untyped-def]
    a = run_service(db, supervisor, sessions.create_session, data=session_input(0))
    b = run_service(
        db,
        supervisor,
        sessions.create_session,
        data=session_input(
            0, title="沟通技巧", audience="柜台", starts_at=local("2025-05-05 10:00"), ends_at=None
        ),
    )
    assert [s.id for s in run_service(db, supervisor, sessions.list_sessions, text="柜台")] == [
        b.id
    ]
    jan = run_service(
        db,
        supervisor,
        sessions.list_sessions,
        since=local("2025-01-15 00:00").date(),
        until=local("2025-01-15 00:00").date(),
    )
    assert [s.id for s in jan] == [a.id]
    run_service(db, supervisor, sessions.delete_session, session_id=a.id)
    assert [s.id for s in run_service(db, supervisor, sessions.list_sessions)] == [b.id]
    with pytest.raises(NotFound):
        run_service(db, supervisor, sessions.get_session, session_id=a.id)
