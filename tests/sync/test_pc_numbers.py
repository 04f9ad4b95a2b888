"""Numbers people read out (complaint numbers, survey serials) carry the PC's code, so two PCs
of one branch working offline the same day never issue the same one (issue 10, item 1)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from branch_crm.db import Database
from branch_crm.hq import tables as t
from branch_crm.models import Complaint, Customer, SurveyForm, SyncParked
from branch_crm.services.complaints import intake
from branch_crm.services.context import Actor, unit_of_work
from branch_crm.services.surveys import forms
from branch_crm.services.surveys import serials as surveys_serials


def _customer(db: Database, actor: Actor, name: str) -> str:
    with unit_of_work(db, actor) as session:
        customer = Customer(name=name)
        session.add(customer)
        session.flush()
        return customer.id


def _work(db: Database, actor: Actor, name: str, out: Path) -> tuple[list[str], list[str]]:
    """Two complaints and two printed survey forms at this PC; (numbers, serials)."""
    numbers, serials = [], []
    for i in range(2):
        customer = _customer(db, actor, f"{name}{i}")
        with unit_of_work(db, actor) as session:
            data = intake.ComplaintInput(customer, "counter", "loss", "lost parcel")
            numbers.append(intake.take_complaint(session=session, actor=actor, data=data).number)
        with unit_of_work(db, actor) as session:
            printed = forms.print_survey_form(
                session=session, actor=actor, customer_id=customer, output=out / f"{name}{i}.pdf"
            )
            assert printed.first_serial is not None
            serials.append(printed.first_serial)
    return numbers, serials


def _all(db: Database, column: Any) -> set[str]:
    with db.session() as session:
        return set(session.scalars(select(column)))


def _parked_here(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(SyncParked)) or 0)


def test_two_pcs_of_one_branch_number_apart_and_nothing_is_parked(
    make_branch: Any, hq: Any, supervisor: Actor, tmp_path: Path
) -> None:
    pc1, client1 = make_branch("BR001", name="pc1")
    pc2, client2 = make_branch("BR001", name="pc2")
    numbers1, serials1 = _work(pc1, supervisor, "甲", tmp_path)
    numbers2, serials2 = _work(pc2, supervisor, "乙", tmp_path)

    for client in (client1, client2, client1, client2):
        assert client.run_once().error is None

    numbers, serials = numbers1 + numbers2, serials1 + serials2
    assert len(set(numbers)) == 4 and len(set(serials)) == 4
    assert all(re.fullmatch(r"BR001-\d{8}-[A-Z]\d{4}", n) for n in numbers), numbers
    assert {n[15] for n in numbers1} == {"A"} and {n[15] for n in numbers2} == {"B"}
    assert all(re.fullmatch(r"BR001-[AB]\d{10}[0-9A-Z]", s) for s in serials), serials
    assert all(surveys_serials.serial_is_valid(s) for s in serials)
    with hq.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(t.parked)) == 0
        complaint = t.ENTITIES["complaint"][0]
        assert set(conn.scalars(select(complaint.c.number))) == set(numbers)
    for pc in (pc1, pc2):
        assert _parked_here(pc) == 0
        assert _all(pc, Complaint.number) == set(numbers)
        assert _all(pc, SurveyForm.serial) == set(serials)
