"""Issue 16: two PCs of one branch print survey forms offline on the same day and both sync to
a real head office (loopback) without a clash; keying takes the new serials, the QR code of a
second page, and serials printed before PC codes. A PC set up for head office but without a
code yet refuses to print; a PC working alone prints with its provisional code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from branch_crm.db import Database
from branch_crm.errors import ValidationError
from branch_crm.hq import tables as t
from branch_crm.models import Customer, SurveyForm, SyncConflict, SyncParked
from branch_crm.services.context import Actor, unit_of_work
from branch_crm.services.surveys import entry, forms
from branch_crm.services.surveys.serials import serial_is_valid
from branch_crm.services.surveys.template import active_template
from branch_crm.timeutil import utcnow


def _customers(db: Database, actor: Actor, prefix: str, count: int) -> tuple[str, ...]:
    ids = []
    with unit_of_work(db, actor) as session:
        for i in range(count):
            customer = Customer(name=f"{prefix}{i}")
            session.add(customer)
            session.flush()
            ids.append(customer.id)
    return tuple(ids)


def _print_batch(db: Database, actor: Actor, ids: tuple[str, ...], out: Path) -> list[str]:
    with unit_of_work(db, actor) as session:
        forms.print_survey_batch(
            session=session, actor=actor, selection=forms.Selection(customer_ids=ids), output=out
        )
    with db.session() as session:
        query = select(SurveyForm.serial).where(SurveyForm.customer_id.in_(ids))
        return sorted(session.scalars(query))


def _count(db: Database, model: Any) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_two_pcs_print_the_same_day_offline_and_sync_without_a_clash(
    make_branch: Any, hq: Any, supervisor: Actor, tmp_path: Path
) -> None:
    pc1, client1 = make_branch("BR001", name="pc1")
    pc2, client2 = make_branch("BR001", name="pc2")
    # both print before any sync round: nothing of the other PC is known here
    serials1 = _print_batch(
        pc1, supervisor, _customers(pc1, supervisor, "甲", 6), tmp_path / "1.pdf"
    )
    serials2 = _print_batch(
        pc2, supervisor, _customers(pc2, supervisor, "乙", 6), tmp_path / "2.pdf"
    )
    assert not set(serials1) & set(serials2)
    # the running numbers are the same (both PCs start the day at 0001): the PC code differs
    assert [s[-5:-1] for s in serials1] == [s[-5:-1] for s in serials2]
    assert {s[6] for s in serials1} != {s[6] for s in serials2}
    assert all(re.fullmatch(r"BR001-[A-Z]\d{10}[0-9A-Z]", s) for s in serials1 + serials2)
    assert all(serial_is_valid(s) for s in serials1 + serials2)

    for client in (client1, client2, client1, client2):
        assert client.run_once().error is None

    everything = set(serials1) | set(serials2)
    with hq.engine.connect() as conn:
        form = t.ENTITIES["survey_form"][0]
        assert set(conn.scalars(select(form.c.serial))) == everything
        assert conn.scalar(select(func.count()).select_from(t.parked)) == 0
    for pc in (pc1, pc2):
        assert _count(pc, SyncParked) == 0 and _count(pc, SyncConflict) == 0
        with pc.session() as session:
            assert set(session.scalars(select(SurveyForm.serial))) == everything

    # keying at PC 1: a form PC 2 printed, typed without the branch, or its page-2 QR code
    other = serials2[0]
    with unit_of_work(pc1, supervisor) as session:
        found = entry.lookup_form(session=session, actor=supervisor, serial=other[6:].lower())
        assert found.serial == other
        found = entry.lookup_form(session=session, actor=supervisor, serial=f"{other}/2")
        assert found.serial == other


def test_a_serial_printed_before_pc_codes_is_still_keyed(db: Database, supervisor: Actor) -> None:
    (cid,) = _customers(db, supervisor, "旧", 1)
    with unit_of_work(db, supervisor) as session:
        template = active_template(session=session)
        old = "BR001-26112300079"  # printed before PC codes: digits and a Luhn check digit
        session.add(SurveyForm(serial=old, template_id=template.id, customer_id=cid,
                               printed_at=utcnow(), status="printed"))  # fmt: skip
    with unit_of_work(db, supervisor) as session:
        found = entry.lookup_form(session=session, actor=supervisor, serial="26112300079")
        assert found.serial == "BR001-26112300079"


def test_a_pc_set_up_for_head_office_without_its_code_does_not_print(
    make_branch: Any, supervisor: Actor, tmp_path: Path
) -> None:
    pc, _client = make_branch("BR001", name="pc3")
    with pc.engine.begin() as conn:  # registered before PC codes, not synced since
        conn.exec_driver_sql("UPDATE sync_state SET pc_code = NULL")
    ids = _customers(pc, supervisor, "丙", 2)
    with pytest.raises(ValidationError, match="no PC code from head office"):
        _print_batch(pc, supervisor, ids, tmp_path / "out" / "3.pdf")
    assert _count(pc, SurveyForm) == 0
    assert not (tmp_path / "out" / "3.pdf").exists()


def test_a_pc_working_alone_prints_with_its_provisional_code(
    db: Database, supervisor: Actor, tmp_path: Path
) -> None:
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(SyncParked)) == 0
    serials = _print_batch(db, supervisor, _customers(db, supervisor, "丁", 2), tmp_path / "4.pdf")
    assert all(re.fullmatch(r"BR001-[2-9][A-Z]\d{10}[0-9A-Z]", s) for s in serials), serials
