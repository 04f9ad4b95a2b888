"""Find anything: each kind of input (complaint number or its last digits, waybill, phone,
last 4 digits, name, pinyin initials, survey serial) finds the right records of every list,
and not the others, on a real seeded database."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.search import Seeded, seed
from tests.support.services import run_service


@pytest.fixture
def seeded(db, supervisor, tmp_path: Path) -> Seeded:  # type: ignore[no-untyped-def]
    return seed(db, supervisor, tmp_path)


def _complaints(db, actor, text: str) -> set[str]:  # type: ignore[no-untyped-def]
    from branch_crm.services.complaints.search import find_complaints

    found = run_service(db, actor, find_complaints, text=text)
    assert not found.closed_ids
    return set(found.open_ids)


def test_parse_reads_codes_phones_and_words() -> None:
    from branch_crm.services.search_terms import parse

    q = parse("  ｓｆ 1234-5678 90 ")
    assert (q.code, q.compact, q.digits, q.mixed) == (
        "SF1234-567890",
        "SF123456789" + "0",
        "",
        True,
    )
    assert not q.may_be_customer
    phone = parse("+86 138-1234-5678")
    assert phone.digits == "13812345678" and phone.may_be_customer
    assert parse("zs").wordy and parse("张三").may_be_customer
    assert parse("   ").blank


def test_complaints_by_each_kind_of_input(db, supervisor, seeded: Seeded) -> None:  # type: ignore[no-untyped-def]
    s = seeded
    cases = {
        s.a_number: {s.a},  # the whole number
        s.b_number.lower(): {s.b},  # typed in lower case
        s.c_number[-4:]: {s.c},  # its last digits
        s.a_number[:-1]: {s.a, s.b, s.c},  # typing a number key by key: all of today's so far
        "SF1234567890": {s.a},  # waybill
        "sf 1234 567890": {s.a},
        "349999": {s.b},  # the waybill's last digits
        "13812345678": {s.a},  # whole phone
        "138 1234 5678": {s.a},
        "1111": {s.b},  # last 4 digits of the phone
        "王五": {s.c},  # name
        "ls": {s.b},  # pinyin initials
        "zhangsan": {s.a},  # full pinyin
        "nobody": set(),
        "": set(),
    }
    found = {text: _complaints(db, supervisor, text) for text in cases}
    assert found == cases


def test_complaint_search_reports_closed_ones(db, supervisor, seeded: Seeded) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from branch_crm.models import Complaint
    from branch_crm.services.complaints.queue import list_complaints
    from branch_crm.services.complaints.search import find_complaints

    with db.session() as session:
        session.execute(update(Complaint).where(Complaint.id == seeded.b).values(status="closed"))
    found = run_service(db, supervisor, find_complaints, text="ls")
    assert (found.open_ids, found.closed_ids) == (frozenset(), {seeded.b})
    listed = run_service(db, supervisor, list_complaints, search="1111")
    assert [r.id for r in listed] == [seeded.b]


def test_follow_ups_by_customer_and_serial(db, supervisor, seeded: Seeded) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.care.follow_ups import list_follow_ups

    def ids(text: str) -> set[str]:
        return {r.id for r in run_service(db, supervisor, list_follow_ups, search=text)}

    assert ids("") == {seeded.li_task, seeded.zhang_task}
    assert ids("zs") == {seeded.zhang_task}
    assert ids("5678") == {seeded.zhang_task}
    assert ids("李四") == {seeded.li_task}
    assert ids(seeded.serial) == {seeded.li_task}
    assert ids(seeded.serial[-6:]) == {seeded.li_task}
    assert ids("王五") == set()


def test_survey_responses_by_serial_and_customer(db, supervisor, seeded: Seeded) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.surveys.responses import list_responses

    def ids(text: str) -> list[str]:
        return [r.id for r in run_service(db, supervisor, list_responses, search=text)]

    assert ids("") == [seeded.response]
    assert ids(seeded.serial) == [seeded.response]
    assert ids(seeded.serial[-5:]) == [seeded.response]
    assert ids("13900001111") == [seeded.response]
    assert ids("ls") == [seeded.response]
    assert ids("zs") == []
    assert ids(seeded.a_number) == []
    row = run_service(db, supervisor, list_responses)[0]
    assert (row.serial, row.customer_name, row.phone) == (seeded.serial, "李四", "13900001111")
    assert "NPS 2" in row.summary


def test_audit_log_by_the_human_things(db, supervisor, seeded: Seeded) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.staff.audit import AuditFilter, query_audit

    def about(text: str) -> set[tuple[str, str | None]]:
        rows = run_service(db, supervisor, query_audit, flt=AuditFilter(search=text))
        return {(r.entity, r.subject) for r in rows}

    by_number = about(seeded.a_number)
    assert ("complaint", f"{seeded.a_number} · 张三") in by_number
    assert {subject for _e, subject in by_number} <= {f"{seeded.a_number} · 张三"}
    by_initials = about("zs")
    assert ("customer", "张三") in by_initials
    assert {subject for _e, subject in by_initials} <= {"张三", f"{seeded.a_number} · 张三"}
    assert ("survey_form", "李四") in about(seeded.serial)
    assert about("nobody") == set()


def test_go_to_names_one_record_or_lists_candidates(db, supervisor, seeded: Seeded) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.goto import go_to_targets

    def targets(text: str) -> list[tuple[str, str, bool]]:
        found = run_service(db, supervisor, go_to_targets, text=text)
        return [(t.kind, t.id, t.exact) for t in found]

    assert targets(seeded.b_number) == [("complaint", seeded.b, True)]
    assert targets("SF1234567890") == [("complaint", seeded.a, True)]
    assert targets("13812345678")[0] == ("customer", seeded.zhang, True)
    form = targets(seeded.serial)
    assert form[0][0] == "survey_form" and form[0][2]
    assert targets(seeded.serial[-6:])[0][0] == "survey_form"
    ambiguous = targets(seeded.a_number[:-1])
    assert {t[1] for t in ambiguous} == {seeded.a, seeded.b, seeded.c}
    assert not any(t[2] for t in ambiguous)
    assert targets("zs") == [("customer", seeded.zhang, False)]
    assert targets("") == []


def test_training_attendance_by_name_initials_and_phone(db, supervisor) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.training import sessions
    from branch_crm.services.training.attendance import attendance_by_person
    from branch_crm.services.training.inputs import AttendeeInput
    from tests.support.training import session_input

    people = [AttendeeInput(name="赵六", contact="13811112222"), AttendeeInput(name="钱七")]
    run_service(db, supervisor, sessions.create_session, data=session_input(attendees=people))

    def names(text: str) -> list[str]:
        return [p.name for p in run_service(db, supervisor, attendance_by_person, search=text)]

    assert sorted(names("")) == ["赵六", "钱七"]
    assert names("zl") == ["赵六"]
    assert names("2222") == ["赵六"]
    assert names("钱") == ["钱七"]
    assert names("qianqi") == ["钱七"]
    assert names("9999") == []
