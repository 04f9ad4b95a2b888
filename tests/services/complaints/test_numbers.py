"""Complaint numbers carry the PC's code (issue 10, item 1): ``BR001-20251124-A0001``, a
running number per PC and day; a PC before registration numbers with its provisional code;
numbers issued before PC codes (``BR001-20251124-0001``) stay as they are and are listed."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import update

from branch_crm.cli import main as cli_main
from branch_crm.db import Database
from branch_crm.models import Complaint, SyncState
from branch_crm.services.complaints import intake
from branch_crm.sync.pc_codes import (
    LETTERS,
    MAX_ASSIGNED,
    assigned_code,
    code_index,
    is_pc_code,
    provisional_code,
)
from tests.support.clock import local
from tests.support.sync import node_id


def test_pc_codes_run_a_to_z_without_i_and_o_then_two_letters() -> None:
    codes = [assigned_code(i) for i in range(MAX_ASSIGNED)]
    assert codes[:3] == ["A", "B", "C"] and codes[8] == "J" and codes[23] == "Z"
    assert codes[24:27] == ["AA", "AB", "AC"] and codes[-1] == "ZZ"
    assert len(set(codes)) == MAX_ASSIGNED == 600
    assert not any("I" in c or "O" in c for c in codes)
    assert [code_index(c) for c in codes] == list(range(MAX_ASSIGNED))
    with pytest.raises(ValueError, match="600"):
        assigned_code(MAX_ASSIGNED)


def test_a_provisional_code_is_a_digit_and_a_letter_never_an_assigned_one() -> None:
    seen = {provisional_code(f"node{i}") for i in range(2000)}
    assert len(seen) == 8 * len(LETTERS)  # every one of the 192 is reachable
    for code in seen:
        assert re.fullmatch(r"[2-9][A-HJ-NP-Z]", code) and is_pc_code(code)
        assert code_index(code) is None
    assert provisional_code("abc") == provisional_code("abc")  # stable for the installation


def _take(call: Any, actor: Any, customer: str) -> str:
    data = intake.ComplaintInput(customer, "counter", "loss", "x")
    return str(call(actor, intake.take_complaint, data=data).number)


def _set_pc_code(db: Database, code: str | None) -> None:
    with db.session() as session:
        session.execute(update(SyncState).where(SyncState.id == 1).values(pc_code=code))


def _renumber(db: Database, number: str, to: str) -> None:
    with db.session() as session:
        session.execute(update(Complaint).where(Complaint.number == number).values(number=to))


def test_a_pc_before_registration_numbers_with_its_provisional_code(
    db, counter, make_customer, clock, call
) -> None:  # type: ignore[no-untyped-def]
    clock(local("2025-11-24 09:00"))
    pc = provisional_code(node_id(db))
    assert _take(call, counter, make_customer()) == f"BR001-20251124-{pc}0001"
    _set_pc_code(db, "B")  # head office's code once registered
    assert _take(call, counter, make_customer("李四")) == "BR001-20251124-B0001"


def test_the_running_number_is_per_pc_and_day_and_old_numbers_stay(
    db, counter, make_customer, clock, call, *, capsys
) -> None:  # type: ignore[no-untyped-def]
    clock(local("2025-11-24 09:00"))
    _set_pc_code(db, "A")
    issued = {}
    for name, number in [
        ("旧", "BR001-20251124-0007"),  # issued before PC codes
        ("乙", "BR001-20251124-B0005"),  # another PC of the branch
        ("丙", "BR001-20251124-AA0009"),  # a PC whose code starts like this one's
        ("丁", "BR001-20251123-A0004"),  # this PC, the day before
    ]:
        _renumber(db, _take(call, counter, make_customer(name)), number)
        issued[name] = number
    assert _take(call, counter, make_customer("甲")) == "BR001-20251124-A0001"
    assert _take(call, counter, make_customer("甲二")) == "BR001-20251124-A0002"
    _renumber(db, "BR001-20251124-A0002", "BR001-20251124-A9999")
    assert _take(call, counter, make_customer("甲三")) == "BR001-20251124-A10000"
    assert _take(call, counter, make_customer("甲四")) == "BR001-20251124-A10001"

    db.dispose()
    assert cli_main(["--db", str(db.path), "complaints", "list", "--json"]) == 0
    listed = {row["customer"]: row["number"] for row in json.loads(capsys.readouterr().out)}
    assert {name: listed[name] for name in issued} == issued  # old numbers shown as issued


def test_a_deleted_complaint_keeps_its_number_taken(
    db, counter, make_customer, clock, call
) -> None:  # type: ignore[no-untyped-def]
    clock(local("2025-11-24 09:00"))
    _set_pc_code(db, "C")
    first = _take(call, counter, make_customer())
    with db.session() as session:
        session.execute(
            update(Complaint)
            .where(Complaint.number == first)
            .values(deleted_at=local("2025-11-24 09:01"))
        )
    assert _take(call, counter, make_customer("李四")) == "BR001-20251124-C0002"
