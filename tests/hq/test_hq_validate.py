"""The value checks of head office (hq.validate) on their own: every column has one, and each
refuses what the database of either kind would refuse, with words a supervisor can read."""

from __future__ import annotations

from typing import Any

import pytest

from branch_crm.hq import validate
from branch_crm.hq.tables import ENTITIES


def test_every_column_of_every_synced_table_has_a_check() -> None:
    for name, (table, *_rest) in ENTITIES.items():
        checks = validate.checks(name)
        assert set(checks) == {c.name for c in table.columns}


@pytest.mark.parametrize(
    ("table", "column", "value", "words"),
    [
        ("sla_policy", "warn_ratio", float("nan"), "not a finite number"),
        ("sla_policy", "warn_ratio", "x", "not a number"),
        ("customer", "marketing_consent", "maybe", "not true or false"),
        ("pickup_preference", "availability", '["\\ud800"]', "not valid Unicode"),
        ("pickup_preference", "availability", '{"n": 1e999}', "not a finite number"),
        ("pickup_preference", "availability", "[" * 5000 + "]" * 5000, "nested too deeply"),
        ("customer", "birthday", "0001-01-01", None),
        ("customer", "created_at", "0001-01-01 00:00:00+01:00", "not a date and time"),
        ("customer", "name", 12, None),
        ("customer_phone", "position", 1.5, "not a whole number"),
        ("customer_phone", "position", True, None),
    ],
)
def test_single_values(table: str, column: str, value: Any, words: str | None) -> None:
    check = validate.checks(table)[column]
    if words is None:
        check(value)
        return
    with pytest.raises(validate.Invalid) as refused:
        check(value)
    assert words in refused.value.detail
