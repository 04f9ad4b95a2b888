"""Applying pulled pages that cannot all be applied (issue 10, items 1-3), end to end with
several PCs on a real head office: a row whose parent is not here waits in ``sync_parked``
(a parked parent parks its children) instead of failing the page for good; a pulled insert
gives local-only columns their model defaults; every PC holds the default survey template."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from oracle import assert_converged, outbox_empty

from branch_crm.models import Complaint, Role
from branch_crm.services.context import Actor
from tests.support.sync import STAMP, add_customer, pulled_customer

pytestmark = pytest.mark.slow


def _ok(result: Any) -> None:
    assert result.error is None, result.error


def _sync_all(*clients: Any, rounds: int = 2) -> None:
    for _ in range(rounds):
        for client in clients:
            _ok(client.run_once())


def _actor(code: str, role: Role = Role.SUPERVISOR) -> Actor:
    return Actor(None, "boss", "Boss", role, code)


def _count(db: Any, sql: str, *args: Any) -> int:
    with sqlite3.connect(db.path) as raw:
        return int(raw.execute(sql, args).fetchone()[0])


def _waiting(db: Any, table: str) -> list[tuple[str, str]]:
    with sqlite3.connect(db.path) as raw:
        rows = raw.execute(
            "SELECT pk, reason FROM sync_parked WHERE table_name = ? ORDER BY pk", (table,)
        )
        return [(str(pk), str(reason)) for pk, reason in rows]


def _take_complaint(db: Any, code: str, customer_id: str) -> str:
    """A complaint taken at the counter (the real intake: it writes its first event too)."""
    from branch_crm.services.complaints.intake import ComplaintInput, take_complaint
    from branch_crm.services.context import unit_of_work

    actor = _actor(code)
    with unit_of_work(db, actor) as session:
        view = take_complaint(
            session=session,
            actor=actor,
            data=ComplaintInput(
                customer_id=customer_id, channel="phone", category="delay", description="late"
            ),
        )
        return view.id


def _renumber(db: Any, code: str, complaint_id: str, number: str) -> None:
    """Give a complaint another number through the ORM (a clash made on purpose)."""
    with db.session(actor_id=None, branch_id=code) as session:
        complaint = session.get(Complaint, complaint_id)
        assert complaint is not None
        complaint.number = number


# --- 1: a parked parent parks its children ------------------------------------------------


def test_a_complaint_parked_for_a_clash_parks_its_events_and_sync_goes_on(
    hq: Any, make_branch: Any
) -> None:
    db_a, c_a = make_branch("BR1", name="pc_a")
    db_b, c_b = make_branch("BR1", name="pc_b")
    db_c, c_c = make_branch("BR1", name="pc_c")
    customer = add_customer(db_a, "BR1", "张三", "13800001111")
    _sync_all(c_a, c_b, c_c, rounds=1)
    first = _take_complaint(db_a, "BR1", customer)
    second = _take_complaint(db_b, "BR1", customer)
    with sqlite3.connect(db_a.path) as raw:
        number = str(raw.execute("SELECT number FROM complaint").fetchone()[0])
    _renumber(db_b, "BR1", second, number)  # head office parks the second complaint
    _ok(c_a.run_once())
    _ok(c_b.run_once())

    # PC a holds the first complaint: the second clashes here, its event waits for it
    _ok(c_a.run_once())
    assert _waiting(db_a, "complaint") == [(second, "unique")]
    events = _waiting(db_a, "complaint_event")  # (unless head office holds them back too)
    assert all(reason == "parent" for _pk, reason in events)
    add_customer(db_a, "BR1", "李四", "13800002222")  # and PC a's own work still syncs
    _ok(c_a.run_once())
    assert outbox_empty(db_a)
    _ok(c_c.run_once())  # the third PC gets whichever came first, the other one parked
    assert _count(db_c, "SELECT COUNT(*) FROM complaint WHERE number = ?", number) == 1
    assert _waiting(db_c, "complaint") == [(second, "unique")]

    _renumber(db_a, "BR1", first, number + "A")  # the clash is gone: both complaints apply
    _sync_all(c_a, c_b, c_c, rounds=3)
    for db in (db_a, db_b, db_c):
        assert _count(db, "SELECT COUNT(*) FROM sync_parked") == 0
        assert _count(db, "SELECT COUNT(*) FROM complaint_event WHERE complaint_id = ?", first)
        assert _count(db, "SELECT COUNT(*) FROM complaint_event WHERE complaint_id = ?", second)
    assert_converged(hq.engine, [(db_a, "BR1"), (db_b, "BR1"), (db_c, "BR1")])


# --- 2: local-only columns take their model defaults --------------------------------------


def test_a_staff_account_added_on_one_pc_reaches_the_others(hq: Any, make_branch: Any) -> None:
    from branch_crm.services.staff.accounts import create_staff
    from branch_crm.services.staff.sign_in import authenticate

    db_a, c_a = make_branch("BR1", name="pc_a")
    db_b, c_b = make_branch("BR1", name="pc_b")
    admin = _actor("BR1", Role.ADMIN)
    with db_a.session(actor_id=None, branch_id="BR1") as session:
        create_staff(
            session=session,
            actor=admin,
            username="lina",
            display_name="李娜",
            role="counter",
            password="counter-pass-1",
        )
    _sync_all(c_a, c_b)
    assert _count(db_b, "SELECT failed_logins FROM staff WHERE username = 'lina'") == 0
    with db_b.session(actor_id=None, branch_id="BR1") as session:  # she can sign in there
        assert (
            authenticate(
                session=session, username="lina", password="counter-pass-1", branch_id="BR1"
            ).username
            == "lina"
        )
    add_customer(db_b, "BR1", "王五", "13800003333")
    _sync_all(c_b, c_a)
    assert outbox_empty(db_b)
    assert_converged(hq.engine, [(db_a, "BR1"), (db_b, "BR1")])


def test_local_only_not_null_columns_all_have_a_default() -> None:
    """The applier fills local-only columns from the model's defaults: each one that cannot
    be NULL must have one (a column added without would stop pulled inserts again)."""
    from branch_crm.models import synced_tables
    from branch_crm.sync.apply_rows import local_defaults

    for cls in synced_tables():
        table = cls.__table__  # type: ignore[attr-defined]
        for column in table.columns:
            if column.info.get("sync", True) or column.nullable:
                continue
            assert column.name in local_defaults(table.name), f"{table.name}.{column.name}"


# --- 3: the default survey template is everywhere -----------------------------------------


def test_a_form_printed_on_one_pc_reaches_a_pc_that_never_printed(
    hq: Any, make_branch: Any, tmp_path: Path
) -> None:
    from branch_crm.services.context import unit_of_work
    from branch_crm.services.surveys.forms import print_survey_form

    db_a, c_a = make_branch("BR1", name="pc_a")
    db_b, c_b = make_branch("BR1", name="pc_b")
    customer = add_customer(db_a, "BR1", "张三", "13800004444")
    actor = _actor("BR1")
    with unit_of_work(db_a, actor) as session:
        print_survey_form(
            session=session, actor=actor, customer_id=customer, output=tmp_path / "form.pdf"
        )
    _sync_all(c_a, c_b)
    assert _count(db_b, "SELECT COUNT(*) FROM survey_form") == 1
    add_customer(db_b, "BR1", "李四", "13800005555")
    _sync_all(c_b, c_a)
    assert outbox_empty(db_b)
    assert_converged(hq.engine, [(db_a, "BR1"), (db_b, "BR1")])


def test_every_pc_and_head_office_hold_the_same_default_template(hq: Any, make_branch: Any) -> None:
    from branch_crm.hq import tables as t
    from branch_crm.reference.defaults import DEFAULT_CODE

    db_a, c_a = make_branch("BR1", name="pc_a")
    db_b, _c_b = make_branch("BR2", name="pc_b")
    for db in (db_a, db_b):  # seeded when the database was created, before any sync
        assert _count(db, "SELECT COUNT(*) FROM survey_template WHERE code = ?", DEFAULT_CODE)
    with hq.engine.connect() as conn:
        rows = conn.execute(t.ENTITIES["survey_template"][0].select()).all()
    assert [row.code for row in rows] == [DEFAULT_CODE]
    with sqlite3.connect(db_a.path) as raw:
        assert raw.execute("SELECT id FROM survey_template").fetchone()[0] == rows[0].id
    _sync_all(c_a)
    assert_converged(hq.engine, [(db_a, "BR1")])


def test_a_form_whose_template_is_missing_waits_for_it(
    hq: Any, make_branch: Any, tmp_path: Path
) -> None:
    """A reference row this PC lacks makes the change wait, not fail: here a template that
    only the printing PC held reaches the other PC after the form that names it."""
    from branch_crm.hq.admin import write_reference
    from branch_crm.services.context import unit_of_work
    from branch_crm.services.surveys.forms import print_survey_form

    db_a, c_a = make_branch("BR1", name="pc_a")
    db_b, c_b = make_branch("BR1", name="pc_b")
    customer = add_customer(db_a, "BR1", "张三", "13800006666")
    template = "0190f0a0-0000-7000-8000-00000000abcd"
    values = {"code": "v2", "version": 2, "title_zh": "二", "title_en": "Two"}
    items = '[{"code": "nps", "kind": "nps", "text_zh": "推荐", "text_en": "Recommend"}]'
    with sqlite3.connect(db_a.path) as raw:  # PC a holds version 2 before head office sends it
        raw.execute(
            "INSERT INTO survey_template (id, branch_id, created_at, updated_at, code, version,"
            " title_zh, title_en, items, active) VALUES (?, 'HQ', '2026-01-01 00:00:00',"
            " '2026-01-01 00:00:00', ?, ?, ?, ?, ?, 1)",
            (template, *values.values(), items),
        )
    actor = _actor("BR1")
    with unit_of_work(db_a, actor) as session:
        print_survey_form(
            session=session, actor=actor, customer_id=customer, output=tmp_path / "form.pdf"
        )
    _ok(c_a.run_once())
    _ok(c_b.run_once())
    (form,) = _waiting(db_b, "survey_form")
    assert form[1] == "parent"
    add_customer(db_b, "BR1", "李四", "13800007777")
    _ok(c_b.run_once())  # the waiting form does not hold up the PC's own work
    assert outbox_empty(db_b)
    with hq.engine.connect().execution_options(hq_write=True) as conn, conn.begin():
        import json

        write_reference(
            conn,
            "survey_template",
            {**values, "items": json.loads(items), "active": True},
            pk=template,
        )
    _ok(c_b.run_once())
    assert _waiting(db_b, "survey_form") == []
    assert _count(db_b, "SELECT COUNT(*) FROM survey_form WHERE template_id = ?", template) == 1


# --- the rule on single pages: grouped equals one at a time; the safety net ---------------

PULLED = "0190c0de-0000-7000-8000-"
NUMBER = "BR1-20260101-0001"


def _pk(n: int) -> str:
    return f"{PULLED}{n:012d}"


def _hlc(n: int) -> str:
    return f"{1767225600000 + n:013d}.0000000000.hq"


def _complaint(customer: str, number: str) -> dict[str, Any]:
    return {
        "number": number,
        "customer_id": customer,
        "channel": "phone",
        "category": "delay",
        "description": "late",
        "compensation_requested_cents": 0,
        "compensation_granted_cents": 0,
        "grade": 3,
        "suggested_grade": 3,
        "status": "received",
        "received_at": STAMP,
        "paused_seconds": 0,
        "response_breached": 0,
        "resolution_breached": 0,
        "escalation_level": 0,
        "reopen_count": 0,
        "branch_id": "BR001",
        "created_at": STAMP,
        "updated_at": STAMP,
    }


def _event(complaint: str) -> dict[str, Any]:
    return {
        "complaint_id": complaint,
        "kind": "note",
        "data": "{}",
        "at": STAMP,
        "branch_id": "BR001",
        "created_at": STAMP,
        "updated_at": STAMP,
    }


def _page(changes: list[tuple[str, str, str, dict[str, Any]]], first_seq: int) -> Any:
    from branch_crm.sync.protocol import PullResponse, ServerChange

    return PullResponse(
        changes=[
            ServerChange(
                seq=first_seq + i, table=t, pk=pk, op=op, data=data, hlc=_hlc(first_seq + i), tx="t"
            )
            for i, (t, pk, op, data) in enumerate(changes)
        ],
        next_cursor=first_seq + len(changes) - 1,
        has_more=False,
        server_hlc=_hlc(10_000),
        server_time_ms=1767225600000,
    )


def _phone(customer: str) -> dict[str, Any]:
    return {
        "customer_id": customer,
        "phone": "13900000009",
        "kind": "mobile",
        "position": 0,
        "branch_id": "BR001",
        "created_at": STAMP,
        "updated_at": STAMP,
    }


CUSTOMER, HELD, CLASHING, LATE, ABSENT, LATE_CUSTOMER = (_pk(n) for n in (1, 2, 3, 4, 5, 6))
E_HELD, E_CLASHING, E_ABSENT, E_LATE, PHONE = (_pk(n) for n in (21, 22, 23, 24, 31))
PAGES: list[list[tuple[str, str, str, dict[str, Any]]]] = [
    [  # a customer and a complaint holding NUMBER
        ("customer", CUSTOMER, "insert", pulled_customer("一")),
        ("complaint", HELD, "insert", _complaint(CUSTOMER, NUMBER)),
    ],
    [
        ("complaint_event", E_HELD, "insert", _event(HELD)),  # opens the events' group first
        ("complaint", CLASHING, "insert", _complaint(CUSTOMER, NUMBER)),  # parked: unique
        ("complaint_event", E_CLASHING, "insert", _event(CLASHING)),  # waits for it
        ("customer_phone", PHONE, "insert", _phone(LATE_CUSTOMER)),  # its customer comes later
        ("complaint_event", E_ABSENT, "insert", _event(ABSENT)),  # waits: never on this page
        ("complaint_event", E_LATE, "insert", _event(LATE)),  # waits for a later page
        ("complaint", CLASHING, "update", {"description": "later"}),  # to the parked copy
        ("customer", LATE_CUSTOMER, "insert", pulled_customer("六")),  # frees the phone
    ],
    [("complaint", HELD, "update", {"number": NUMBER + "-old"})],  # the clash is gone
    [("complaint", LATE, "insert", _complaint(CUSTOMER, "BR1-20260101-0009"))],
]


def _state(db: Any) -> dict[str, list[tuple[Any, ...]]]:
    queries = {
        "complaint": "SELECT id, number, description FROM complaint ORDER BY id",
        "complaint_event": "SELECT id, complaint_id FROM complaint_event ORDER BY id",
        "customer_phone": "SELECT id, customer_id FROM customer_phone ORDER BY id",
        "sync_parked": "SELECT table_name, pk, reason, parent_table, parent_pk, data "
        "FROM sync_parked ORDER BY pk",
    }
    with sqlite3.connect(db.path) as raw:
        return {name: raw.execute(sql).fetchall() for name, sql in queries.items()}


def _parked(state: dict[str, list[tuple[Any, ...]]]) -> dict[str, tuple[Any, ...]]:
    return {row[1]: row[2:5] for row in state["sync_parked"]}


def test_a_page_with_waiting_rows_applied_in_groups_equals_one_at_a_time(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from branch_crm.db import open_database
    from branch_crm.sync.client import apply_page

    grouped, single = open_database(tmp_path / "g.db"), open_database(tmp_path / "s.db")
    cursor = {"g": 0, "s": 0}
    states = []
    try:
        for number, changes in enumerate(PAGES):
            page = _page(changes, cursor["g"] + 1)
            apply_page(grouped, page, expected_cursor=cursor["g"])
            cursor["g"] = page.next_cursor
            for change in changes:
                one = _page([change], cursor["s"] + 1)
                apply_page(single, one, expected_cursor=cursor["s"])
                cursor["s"] = one.next_cursor
            state = _state(grouped)
            assert state == _state(single), f"after page {number}"
            states.append(state)
    finally:
        grouped.dispose()
        single.dispose()
    assert "applied again" not in caplog.text  # found without the safety net
    after_clash, after_free, after_late = states[1], states[2], states[3]
    assert _parked(after_clash) == {
        CLASHING: ("unique", None, None),
        E_CLASHING: ("parent", "complaint", CLASHING),
        E_ABSENT: ("parent", "complaint", ABSENT),
        E_LATE: ("parent", "complaint", LATE),
    }
    assert (PHONE, LATE_CUSTOMER) in after_clash["customer_phone"]  # applied once it arrived
    assert json.loads(after_clash["sync_parked"][0][5])["description"] == "later"
    assert _parked(after_free) == {  # the complaint got in, and its event followed
        E_ABSENT: ("parent", "complaint", ABSENT),
        E_LATE: ("parent", "complaint", LATE),
    }
    assert (CLASHING, NUMBER, "later") in after_free["complaint"]
    assert (E_CLASHING, CLASHING) in after_free["complaint_event"]
    assert _parked(after_late) == {E_ABSENT: ("parent", "complaint", ABSENT)}
    assert (E_LATE, LATE) in after_late["complaint_event"]


def test_a_page_failing_its_foreign_keys_at_commit_is_applied_again_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The safety net: should the cheap check miss a missing parent (here: the models are
    made to declare no foreign key), the commit fails, and the page is applied again one
    change at a time, each row checked against the database's foreign keys."""
    from branch_crm.db import open_database
    from branch_crm.sync import applier, apply_rows
    from branch_crm.sync.client import apply_page

    rules = {t: dataclasses.replace(r, parents=()) for t, r in apply_rows.table_rules().items()}
    monkeypatch.setattr(apply_rows, "table_rules", lambda: rules)
    monkeypatch.setattr(applier, "table_rules", lambda: rules)
    db = open_database(tmp_path / "net.db")
    try:
        first = _page(PAGES[0] + [("complaint_event", E_LATE, "insert", _event(LATE))], 1)
        assert apply_page(db, first, expected_cursor=0) == 3
        assert "applied again, checked" in caplog.text
        assert _parked(_state(db)) == {E_LATE: ("parent", "complaint", LATE)}
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT cursor FROM sync_state").scalar() == 3
        second = _page(PAGES[3], 4)
        apply_page(db, second, expected_cursor=3)
        state = _state(db)
        assert _parked(state) == {} and (E_LATE, LATE) in state["complaint_event"]
    finally:
        db.dispose()
