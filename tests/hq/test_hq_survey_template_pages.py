"""Issue 16: head office refuses a survey template whose printed form would not fit on two
pages, saying why; 13 and 18 criteria (table 4-14 + exercise card 4-7 and more) are accepted
and print on two pages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from branch_crm.hq.cli import main as hq_main
from branch_crm.reference.form_layout import form_layout
from branch_crm.reference.schema import check_reference
from tests.support.long_templates import long_items


def _template(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"code": "long", "version": 3, "title_zh": "客户满意度调查表",
            "title_en": "Customer satisfaction survey", "items": items}  # fmt: skip


def _too_long() -> list[dict[str, Any]]:
    extra = [
        {"code": f"x{i}", "kind": "scale5", "text_zh": f"问题{i}", "text_en": f"Question {i}"}
        for i in range(30)
    ]
    return [*long_items(18), *extra]


@pytest.mark.parametrize("criteria", [13, 18])
def test_long_but_printable_templates_are_accepted(criteria: int) -> None:
    stored = check_reference("survey_template", _template(long_items(criteria)))
    layout = form_layout([(i["code"], i["kind"]) for i in stored["items"]])
    assert layout.page_count == 2


def test_a_template_that_cannot_be_printed_is_refused_saying_why() -> None:
    with pytest.raises(ValueError) as caught:
        check_reference("survey_template", _template(_too_long()))
    message = str(caught.value)
    assert "would need 3 pages" in message and "at most 2" in message
    assert "51 questions, 48 of them on the 1-5 scale" in message


def test_the_command_refuses_it_and_stores_nothing(
    hq_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hq_main(["--db", hq_url, "migrate"]) == 0
    path = tmp_path / "long.json"
    path.write_text(json.dumps(_template(_too_long())), "utf-8")
    capsys.readouterr()
    assert hq_main(["--db", hq_url, "ref", "survey-template", str(path)]) == 2
    assert "would need 3 pages" in capsys.readouterr().err
    assert hq_main(["--db", hq_url, "ref-list", "survey-template"]) == 0
    listed = [json.loads(line)["code"] for line in capsys.readouterr().out.splitlines()]
    assert "long" not in listed
