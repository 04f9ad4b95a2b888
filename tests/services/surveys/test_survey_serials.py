"""Survey serials carry the PC's code (issue 10, item 1): ``BR001-A2611230007`` plus a Luhn
mod 34 check character that catches any one wrong character; serials printed before PC codes
(digits and a Luhn check digit) are still keyed in, with or without the branch."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import update

from branch_crm.models import SurveyForm
from branch_crm.services.surveys import entry
from branch_crm.services.surveys.serials import (
    CHECK_ALPHABET,
    luhn_digit,
    make_serial,
    normalize_serial,
    serial_is_valid,
)
from branch_crm.sync.pc_codes import MAX_ASSIGNED, assigned_code, provisional_code
from tests.support.services import run_service
from tests.support.surveys import customer, printed_form
from tests.support.sync import node_id

pc_codes = st.one_of(
    st.integers(0, MAX_ASSIGNED - 1).map(assigned_code),
    st.text(min_size=1, max_size=12).map(provisional_code),
)
days = st.dates(date(2026, 1, 1), date(2029, 12, 31))
"""From 2030 on, a PC letter typed as a digit can, rarely, read as a serial printed before PC
codes with a real date and a matching Luhn digit (no such form exists, so keying still finds
nothing); up to 2029 every wrong character is caught by the check alone."""
sequences = st.integers(1, 99_999)


@given(pc=pc_codes, day=days, sequence=sequences, data=st.data())
def test_a_single_wrong_character_is_detected(
    pc: str, day: date, sequence: int, data: st.DataObject
) -> None:
    serial = make_serial("BR001", pc, day, sequence)
    assert serial_is_valid(serial)
    position = data.draw(st.integers(len("BR001-"), len(serial) - 1), label="position")
    wrong = data.draw(
        st.sampled_from(CHECK_ALPHABET).filter(lambda ch: ch != serial[position]), label="typed"
    )
    assert not serial_is_valid(serial[:position] + wrong + serial[position + 1 :])


@given(day=st.dates(date(2020, 1, 1), date(2026, 12, 31)), sequence=sequences, data=st.data())
def test_a_wrong_digit_in_a_serial_printed_before_pc_codes_is_detected(
    day: date, sequence: int, data: st.DataObject
) -> None:
    body = f"{day:%y%m%d}{sequence:04d}"
    serial = f"BR001-{body}{luhn_digit(body)}"
    assert serial_is_valid(serial)
    position = data.draw(st.integers(len("BR001-"), len(serial) - 1), label="position")
    wrong = data.draw(st.sampled_from("0123456789").filter(lambda ch: ch != serial[position]))
    assert not serial_is_valid(serial[:position] + wrong + serial[position + 1 :])


def test_letters_that_read_like_digits_are_not_in_serials() -> None:
    assert "I" not in CHECK_ALPHABET and "O" not in CHECK_ALPHABET
    serial = make_serial("BR001", "H", date(2026, 12, 7), 1)
    assert not serial_is_valid(serial[:-1] + "I") and not serial_is_valid(serial[:-1] + "O")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("a2612070001x", "BR001-A2612070001X"),  # new form without the branch
        ("7k 2612070001 5", "BR001-7K26120700015"),  # a provisional code
        ("26112300079", "BR001-26112300079"),  # bare digits: printed before PC codes
        ("br002-26112300079", "BR002-26112300079"),  # another branch's, as typed
    ],
)
def test_what_people_type_is_completed_with_the_branch(typed: str, expected: str) -> None:
    assert normalize_serial(typed, "BR001") == expected


def test_a_pc_before_registration_prints_with_its_provisional_code(
    db, supervisor, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    serial = printed_form(db, supervisor, customer(db, supervisor, "张三", "13812345678"), tmp_path)
    pc = provisional_code(node_id(db))
    assert re.fullmatch(rf"BR001-{pc}\d{{10}}[0-9A-Z]", serial) and serial_is_valid(serial)


def test_forms_printed_before_pc_codes_are_still_keyed_in(
    db, supervisor, counter, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    cid = customer(db, supervisor, "张三", "13812345678")
    new = printed_form(db, supervisor, cid, tmp_path)
    old = "BR001-26112300079"
    second = printed_form(db, supervisor, customer(db, supervisor, "李四", "13912345678"), tmp_path)
    with db.session() as session:
        session.execute(update(SurveyForm).where(SurveyForm.serial == second).values(serial=old))
    for typed, serial in [
        (new, new),
        (new.split("-")[1].lower(), new),
        (old, old),
        ("2611 2300 079", old),
    ]:
        assert run_service(db, counter, entry.lookup_form, serial=typed).serial == serial
