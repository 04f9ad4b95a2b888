"""Head office refuses a faulty SLA policy or survey template file with a message naming each
problem, stores nothing then, and whatever it accepts is read by a branch as published."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from branch_crm.hq.cli import main as hq_main
from branch_crm.reference.defaults import default_items
from branch_crm.reference.schema import check_reference
from branch_crm.services.complaints import policy as sla_policy
from branch_crm.services.surveys.template import template_view

POLICY: dict[str, Any] = {
    "name": "office hours 2026",
    "version": 2,
    "calendar": "working_hours",
    "timezone": "Asia/Shanghai",
    "warn_ratio": 0.8,
    "working_hours": {"mon": [["09:00", "12:00"], ["13:00", "18:00"]], "sat": [["09:00", "12:00"]]},
    "targets": [
        {"grade": 1, "category": None, "response_minutes": 60, "resolution_minutes": 1440},
        {"grade": 1, "category": "loss", "response_minutes": 30, "resolution_minutes": 480},
        {"grade": 2, "category": None, "response_minutes": 120, "resolution_minutes": 2880},
        {"grade": 3, "response_minutes": 240, "resolution_minutes": 4320},
    ],
    "escalation": {"supervisor_ratio": 1.0, "head_office_ratio": 2.0},
}
TEMPLATE: dict[str, Any] = {
    "code": "satisfaction",
    "version": 2,
    "title_zh": "客户满意度调查表",
    "title_en": "Customer satisfaction survey",
    "items": default_items(),
}


def _changed(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(base)
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is KeyError:
        del node[last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return data


def test_a_good_policy_is_stored_as_the_branch_reads_it() -> None:
    stored = check_reference("sla_policy", POLICY)
    assert stored["active"] is True and stored["targets"][3]["category"] is None
    policy = sla_policy.parse_policy(SimpleNamespace(id="p", **stored))
    assert policy.target(1, "loss").response_minutes == 30
    assert policy.target(3).resolution_minutes == 4320
    assert policy.working_hours["mon"] == ((540, 720), (780, 1080))
    assert policy.head_office_ratio == 2.0


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("targets", POLICY["targets"][:3], "no target without a category for grade 3"),
        ("targets.0.grade", 4, "targets.0.grade"),
        ("targets.2.resolution_minutes", 60, "resolution_minutes is shorter than response"),
        ("targets.1.category", None, "two targets for the same grade and category"),
        ("timezone", "Asia/Shangai", "unknown time zone 'Asia/Shangai'"),
        ("warn_ratio", 1.5, "warn_ratio"),
        ("calendar", "office", "calendar"),
        ("working_hours.mon", [["18:00", "09:00"]], "mon: 18:00-09:00 ends before it starts"),
        ("working_hours.mon", [["9h", "12:00"]], "'9h' is not a time of day"),
        ("working_hours.monday", [["09:00", "12:00"]], "unknown day 'monday'"),
        ("working_hours", {"makeup": [["09:00", "18:00"]]}, "needs working hours on some weekday"),
        ("escalation.head_office_ratio", 0.5, "head_office_ratio is below supervisor_ratio"),
        ("taregts", [], "taregts: Extra inputs are not permitted"),
        ("name", KeyError, "name: Field required"),
    ],
)
def test_a_faulty_policy_is_refused_naming_the_problem(path: str, value: Any, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        check_reference("sla_policy", _changed(POLICY, path, value))
    assert message in str(caught.value)


def test_the_default_questions_make_a_template_the_branch_prints_in_full() -> None:
    stored = check_reference("survey_template", TEMPLATE)
    view = template_view(SimpleNamespace(id="t", **stored))
    assert [i.code for i in view.items] == [i["code"] for i in default_items()]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("items.1.code", default_items()[0]["code"], "question code used twice"),
        ("items.0.kind", "stars", "items.0.kind"),
        ("items.0.text_en", "", "items.0.text_en"),
        ("items", [{"code": "s", "kind": "text", "text_zh": "建议", "text_en": "Say"}], "scored"),
        ("items", [], "items"),
        ("version", 0, "version"),
        ("title_zh", KeyError, "title_zh: Field required"),
    ],
)
def test_a_faulty_template_is_refused_naming_the_problem(
    path: str, value: Any, message: str
) -> None:
    with pytest.raises(ValueError) as caught:
        check_reference("survey_template", _changed(TEMPLATE, path, value))
    assert message in str(caught.value)


def test_the_command_refuses_a_faulty_file_and_stores_nothing(
    hq_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hq_main(["--db", hq_url, "migrate"]) == 0
    bad = tmp_path / "sla.json"
    bad.write_text(json.dumps(_changed(POLICY, "targets", POLICY["targets"][:2])), "utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('{"name": "x",', "utf-8")
    capsys.readouterr()
    assert hq_main(["--db", hq_url, "ref", "sla", str(bad)]) == 2
    assert hq_main(["--db", hq_url, "ref", "survey-template", str(broken)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"error: {bad}: no target without a category for grade 2, 3"
    assert err[1].startswith(f"error: {broken}: not valid JSON")
    assert hq_main(["--db", hq_url, "ref-list", "sla"]) == 0
    listed = [json.loads(line)["name"] for line in capsys.readouterr().out.splitlines()]
    assert listed == ["default"]  # the policy every PC seeds; nothing of the faulty file
    good = tmp_path / "good.json"
    good.write_text(json.dumps(POLICY), "utf-8")
    assert hq_main(["--db", hq_url, "ref", "sla", str(good)]) == 0
    assert hq_main(["--db", hq_url, "ref-list", "sla"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["name"] == "office hours 2026"
