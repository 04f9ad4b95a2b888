"""One schema, two tempers: what head office refuses, a branch reading a stored row leaves
out (a question) or falls back from (a policy), with the same rules."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from branch_crm.reference.defaults import DEFAULT_POLICY, default_complaint_rows, default_reference
from branch_crm.reference.schema import check_reference, read_items, read_policy


def test_every_default_row_passes_head_offices_check() -> None:
    for table, _id, values in default_reference():
        if table in ("sla_policy", "survey_template"):
            assert check_reference(table, values) == values


def test_a_policy_head_office_refuses_is_refused_by_the_branch_reader_too() -> None:
    values = {**DEFAULT_POLICY, "warn_ratio": 1.5}
    with pytest.raises(ValueError, match="warn_ratio"):
        check_reference("sla_policy", values)
    with pytest.raises(ValueError, match="warn_ratio"):
        read_policy(SimpleNamespace(**values))


def test_a_stored_policy_with_null_columns_takes_the_defaults() -> None:
    values = {**DEFAULT_POLICY, "working_hours": None, "escalation": None}
    policy = read_policy(SimpleNamespace(id="p", **values))
    assert policy.working_hours == {} and policy.escalation.head_office_ratio == 1.5


def test_the_branch_skips_a_faulty_question_and_keeps_the_rest() -> None:
    stored = [
        {"code": "speed", "kind": "scale5", "text_zh": "速度", "text_en": "Speed"},
        {"code": "stars", "kind": "stars", "text_zh": "星", "text_en": "Stars"},
        {"code": "speed", "kind": "nps", "text_zh": "推荐", "text_en": "Recommend"},
        {"code": "", "kind": "text", "text_zh": "建议", "text_en": "Say"},
        "not a question",
        {"code": " plain ", "text_en": "Only English"},
    ]
    items = read_items(stored)
    assert [(i.code, i.kind, i.text_zh) for i in items] == [
        ("speed", "scale5", "速度"),
        ("plain", "scale5", "Only English"),
    ]


def test_the_default_rows_are_made_afresh_each_time() -> None:
    first = default_complaint_rows()[0][2]
    first["targets"][0]["response_minutes"] = 1
    assert default_complaint_rows()[0][2]["targets"][0]["response_minutes"] == 60
