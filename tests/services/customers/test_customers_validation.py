"""Customer input validation: phone normalisation and per-field messages (no database)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from branch_crm.services.customers.validation import (
    CustomerInput,
    normalize_phone,
    validate_customer,
)
from branch_crm.timeutil import local_today


@pytest.mark.parametrize(
    ("typed", "digits", "kind"),
    [
        ("13812345678", "13812345678", "mobile"),
        ("138 1234 5678", "13812345678", "mobile"),
        ("138-1234-5678", "13812345678", "mobile"),
        ("+86 138 1234 5678", "13812345678", "mobile"),
        ("0086-13812345678", "13812345678", "mobile"),
        ("+86 (199) 0000-1111", "19900001111", "mobile"),
        ("021-5555 1234", "02155551234", "landline"),
        ("(021) 55551234", "02155551234", "landline"),
        ("0755-8888 888", "07558888888", "landline"),
        ("010 8888 6666", "01088886666", "landline"),
        ("+86 21 5555 1234", "02155551234", "landline"),
    ],
)
def test_phone_forms_are_normalised(typed: str, digits: str, kind: str) -> None:
    assert normalize_phone(typed) == (digits, kind)


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("", "Enter a phone number"),
        ("1381234567", "11 digits"),
        ("138123456789", "11 digits"),
        ("12812345678", "second digit"),
        ("021-5555 1234 转 8", "xtension"),
        ("021-123", "area code"),
        ("5555 1234", "area code"),
        ("138abc45678", "digits"),
    ],
)
def test_bad_phones_are_refused_with_a_message(typed: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        normalize_phone(typed)


def _input(**changes: object) -> CustomerInput:
    data = CustomerInput(name="张三", phones=["13812345678"])
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def test_valid_input_has_no_messages() -> None:
    assert validate_customer(_input(need_tags=["fragile", "cold_chain"], visit_class="A")) == {}


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"name": "  "}, "name", "name"),
        ({"name": "张" * 51}, "name", "50"),
        ({"phones": []}, "phones.0", "at least one"),
        ({"phones": ["", " "]}, "phones.0", "at least one"),
        ({"phones": ["13812345678", "123"]}, "phones.1", "11 digits"),
        ({"phones": ["13812345678", "138 1234 5678"]}, "phones.1", "already entered"),
        (
            {"phones": ["13812345671", "13812345672", "13812345673", "13812345674"]},
            "phones.3",
            "At most 3",
        ),
        ({"customer_type": "robot"}, "customer_type", "individual or company"),
        ({"customer_type": "company"}, "company", "company name"),
        ({"company": "公" * 101}, "company", "100"),
        ({"address": "路" * 201}, "address", "200"),
        ({"notes": "x" * 2001}, "notes", "2000"),
        ({"need_tags": ["fragile", "explosive"]}, "need_tags", "explosive"),
        ({"visit_class": "D"}, "visit_class", "A, B or C"),
        ({"birthday": local_today() + timedelta(days=1)}, "birthday", "future"),
        ({"birthday": date(1850, 1, 1)}, "birthday", "year"),
        (
            {"first_shipment_date": local_today() + timedelta(days=1)},
            "first_shipment_date",
            "future",
        ),
    ],
)
def test_each_problem_is_reported_beside_its_field(
    changes: dict[str, object], field: str, words: str
) -> None:
    errors = validate_customer(_input(**changes))
    assert field in errors, errors
    assert words in errors[field]


def test_several_problems_are_reported_together() -> None:
    errors = validate_customer(_input(name="", phones=["1"], visit_class="X"))
    assert set(errors) == {"name", "phones.0", "visit_class"}


def test_birthday_today_is_accepted() -> None:
    assert validate_customer(_input(birthday=local_today())) == {}


def test_blank_phone_slots_are_ignored() -> None:
    assert validate_customer(_input(phones=["", "13812345678", ""])) == {}
