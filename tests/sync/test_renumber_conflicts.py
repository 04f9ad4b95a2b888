"""A clash on a number people read out (complaint numbers, survey serials issued before PC
codes, or again after a restored backup) is resolved by giving this branch's record a new
number: both records are kept, everywhere (issue 10, item 1 follow-up).

Two PCs of one branch issue the same old-form number the same day; head office applies the
first complaint, parks the second and raises a conflict. A supervisor renumbers the second
on the PC that holds it, or on the PC where it only waits in ``sync_parked``; after a few
rounds both complaints (and their events) are on every PC and at head office with distinct
numbers, nothing is parked, and every PC equals head office."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from oracle import assert_converged, outbox_empty
from sqlalchemy import select

from branch_crm.db import Database
from branch_crm.errors import ValidationError
from branch_crm.hq import tables as t
from branch_crm.models import Complaint, Customer, Role, SurveyForm
from branch_crm.services.complaints import intake
from branch_crm.services.complaints import numbers as cs_numbers
from branch_crm.services.context import Actor, unit_of_work
from branch_crm.services.surveys import forms
from branch_crm.services.surveys import serials as surveys_serials
from branch_crm.services.syncing.conflicts import (
    ConflictView,
    choices_for,
    list_conflicts,
    resolve_conflict,
)
from branch_crm.timeutil import to_local, utcnow
from tests.support.sync import on_staff, parked_at_hq

pytestmark = pytest.mark.slow

OLD_SERIAL = "BR1-26120700019"
"""A survey serial of the form printed before PC codes."""


def _ok(result: Any) -> None:
    assert result.error is None, result.error


def _sync(*clients: Any, rounds: int = 2) -> None:
    for _ in range(rounds):
        for client in clients:
            _ok(client.run_once())


def _actor() -> Actor:
    return Actor("staff-boss", "boss", "Boss", Role.SUPERVISOR, "BR1")


def _raw(db: Database, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db.path) as raw:
        return [tuple(r) for r in raw.execute(sql, args).fetchall()]


def _customer(db: Database, name: str) -> str:
    with unit_of_work(db, _actor()) as session:
        customer = Customer(name=name)
        session.add(customer)
        session.flush()
        return customer.id


def _take_complaint(db: Database, customer_id: str) -> str:
    with unit_of_work(db, _actor()) as session:
        data = intake.ComplaintInput(customer_id, "phone", "delay", "late parcel")
        return intake.take_complaint(session=session, actor=_actor(), data=data).id


def _print_form(db: Database, customer_id: str, out: Path) -> str:
    with unit_of_work(db, _actor()) as session:
        forms.print_survey_form(
            session=session, actor=_actor(), customer_id=customer_id, output=out
        )
        return str(session.scalars(select(SurveyForm.id)).one())


def _set(db: Database, model: Any, pk: str, column: str, value: str) -> None:
    """Write a number through the ORM (as an older version or a restored backup issued it)."""
    with db.session(actor_id=None, branch_id="BR1") as session:
        row = session.get(model, pk)
        assert row is not None
        setattr(row, column, value)


def _open_conflict(db: Database) -> ConflictView:
    with db.session() as session:
        (conflict,) = list_conflicts(session=session)
    return conflict


def _resolve(db: Database, conflict_id: str, choice: str) -> ConflictView:
    actor = on_staff(db, _actor())  # head office counts a supervisor of BR1 only
    with unit_of_work(db, actor) as session:
        return resolve_conflict(
            session=session, actor=actor, conflict_id=conflict_id, choice=choice
        )


def _hq_values(hq: Any, table: str, column: str) -> dict[str, Any]:
    entity = t.ENTITIES[table][0]
    with hq.engine.connect() as conn:
        return {row[0]: row[1] for row in conn.execute(select(entity.c.id, entity.c[column]))}


@dataclass
class Clash:
    """Two PCs of branch BR1, each holding its own complaint under one old-form number."""

    a: tuple[Database, Any]
    b: tuple[Database, Any]
    first: str
    second: str
    number: str


@pytest.fixture(params=["issued", "edited"])
def clash(make_branch: Any, monkeypatch: pytest.MonkeyPatch, request: Any) -> Clash:
    """``issued``: both PCs ran a version before PC codes and issued the number themselves
    (pc_a then holds pc_b's complaint only in ``sync_parked``, its event waiting for it);
    ``edited``: the number was written over later, through the ORM (pc_a holds the complaint
    with its first number and a parked change of it)."""
    a = make_branch("BR1", name="pc_a")
    b = make_branch("BR1", name="pc_b")
    customer = _customer(a[0], "张三")
    _sync(a[1], b[1], rounds=1)
    number = f"BR1-{to_local(utcnow()):%Y%m%d}-0001"  # the number before PC codes
    with monkeypatch.context() as patch:
        if request.param == "issued":
            patch.setattr(cs_numbers, "next_number", lambda *_args: number)
        first, second = _take_complaint(a[0], customer), _take_complaint(b[0], customer)
    if request.param == "edited":
        _set(a[0], Complaint, first, "number", number)
        _set(b[0], Complaint, second, "number", number)
    _sync(a[1], b[1])  # head office applies pc_a's, parks pc_b's and raises a conflict
    return Clash(a, b, first, second, number)


def test_head_office_parks_the_second_complaint_and_only_renumbering_is_offered(
    hq: Any, clash: Clash
) -> None:
    (db_a, _), (db_b, _) = clash.a, clash.b
    assert parked_at_hq(hq) == 1
    for db in (db_a, db_b):
        conflict = _open_conflict(db)
        assert (conflict.table, conflict.row_id, conflict.value) == (
            "complaint",
            clash.second,
            clash.number,
        )
        assert choices_for(conflict) == ("renumber",)
    # a complaint is a customer's: removing one is no way out of a number clash
    for choice in ("keep_mine", "keep_theirs", "merge"):
        with pytest.raises(ValidationError):
            _resolve(db_a, _open_conflict(db_a).id, choice)
    assert _open_conflict(db_a).status == "open"


@pytest.mark.parametrize("where", ["holder", "bystander"])
def test_renumbering_keeps_both_complaints_everywhere(hq: Any, clash: Clash, where: str) -> None:
    (db_a, client_a), (db_b, client_b) = clash.a, clash.b
    # pc_b wrote the second complaint; on pc_a it (or its change) waits in sync_parked
    assert _raw(db_a, "SELECT pk FROM sync_parked WHERE table_name = 'complaint'") == [
        (clash.second,)
    ]
    db = db_b if where == "holder" else db_a
    code = "B" if where == "holder" else "A"
    view = _resolve(db, _open_conflict(db).id, "renumber")

    new = view.new_value
    assert new is not None and re.fullmatch(rf"{clash.number[:12]}-{code}\d{{4}}", new), new
    assert (view.status, view.resolution) == ("resolved", "renumber")
    here = _raw(db, "SELECT id, number FROM complaint ORDER BY number")
    assert sorted(here) == sorted([(clash.first, clash.number), (clash.second, new)])
    assert _raw(db, "SELECT COUNT(*) FROM sync_parked") == [(0,)]
    audit = _raw(
        db,
        "SELECT json_extract(changes, '$.number') FROM audit_entry "
        "WHERE entity = 'complaint' AND entity_id = ? AND action = 'update' "
        "ORDER BY at DESC, rowid DESC LIMIT 1",
        clash.second,
    )
    assert audit == [(f'["{clash.number}","{new}"]',)]  # audited like any edit

    _sync(client_a, client_b, rounds=2)
    numbers = {clash.first: clash.number, clash.second: new}
    assert _hq_values(hq, "complaint", "number") == numbers
    assert _hq_values(hq, "sync_conflict", "resolution") == {view.id: "renumber"}
    assert parked_at_hq(hq) == 0
    for pc in (db_a, db_b):
        assert dict(_raw(pc, "SELECT id, number FROM complaint")) == numbers
        assert _raw(pc, "SELECT COUNT(*) FROM sync_parked") == [(0,)]
        events = _raw(pc, "SELECT complaint_id, COUNT(*) FROM complaint_event GROUP BY 1")
        assert dict(events) == {clash.first: 1, clash.second: 1}
        assert _raw(pc, "SELECT status, resolution FROM sync_conflict") == [
            ("resolved", "renumber")
        ]
        assert outbox_empty(pc)
    assert_converged(hq.engine, [(db_a, "BR1"), (db_b, "BR1")])


def test_the_next_complaint_of_that_day_does_not_take_the_new_number(hq: Any, clash: Clash) -> None:
    db_b = clash.b[0]
    view = _resolve(db_b, _open_conflict(db_b).id, "renumber")
    assert view.new_value is not None
    with db_b.session() as session:
        customer = session.scalars(select(Customer.id)).first()
    assert customer is not None
    third = _take_complaint(db_b, customer)
    with db_b.session() as session:
        number = session.get(Complaint, third).number  # type: ignore[union-attr]
    assert number != view.new_value and number.startswith(view.new_value[:-4])


# --- survey forms -----------------------------------------------------------------------------


@dataclass
class FormClash:
    """Two PCs of branch BR1, each with its own printed form under one old-form serial."""

    a: tuple[Database, Any]
    b: tuple[Database, Any]
    first: str
    second: str


@pytest.fixture(params=["issued", "edited"])
def form_clash(
    make_branch: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: Any
) -> FormClash:
    a = make_branch("BR1", name="pc_a")
    b = make_branch("BR1", name="pc_b")
    customer = _customer(a[0], "张三")
    _sync(a[1], b[1], rounds=1)
    with monkeypatch.context() as patch:
        if request.param == "issued":  # printed by a version before PC codes
            patch.setattr(surveys_serials, "make_serial", lambda *_args: OLD_SERIAL)
        first = _print_form(a[0], customer, tmp_path / "a.pdf")
        second = _print_form(b[0], customer, tmp_path / "b.pdf")
    if request.param == "edited":
        _set(a[0], SurveyForm, first, "serial", OLD_SERIAL)
        _set(b[0], SurveyForm, second, "serial", OLD_SERIAL)
    _sync(a[1], b[1])
    return FormClash(a, b, first, second)


@pytest.mark.parametrize(
    ("where", "choice"),
    [("holder", "renumber"), ("bystander", "renumber"), ("bystander", "keep_theirs")],
)
def test_a_form_serial_clash_is_renumbered_or_the_unused_form_removed(
    hq: Any, form_clash: FormClash, where: str, choice: str
) -> None:
    (db_a, client_a), (db_b, client_b) = form_clash.a, form_clash.b
    db = db_b if where == "holder" else db_a
    conflict = _open_conflict(db)
    assert (conflict.table, conflict.row_id) == ("survey_form", form_clash.second)
    assert choices_for(conflict) == ("renumber", "keep_theirs")
    view = _resolve(db, conflict.id, choice)
    new = view.new_value
    assert new is not None and surveys_serials.serial_is_valid(new) and new.startswith("BR1-")

    _sync(client_a, client_b, rounds=2)
    serials = {form_clash.first: OLD_SERIAL, form_clash.second: new}
    assert _hq_values(hq, "survey_form", "serial") == serials
    assert parked_at_hq(hq) == 0
    removed = _hq_values(hq, "survey_form", "deleted_at")
    assert removed[form_clash.first] is None
    assert (removed[form_clash.second] is not None) == (choice == "keep_theirs")
    for pc in (db_a, db_b):
        assert dict(_raw(pc, "SELECT id, serial FROM survey_form")) == serials
        assert _raw(pc, "SELECT COUNT(*) FROM sync_parked") == [(0,)]
    assert_converged(hq.engine, [(db_a, "BR1"), (db_b, "BR1")])
