"""The survey template comes from head office: published there, pulled by a branch, printed.

A real head office on loopback (SQLite), a registered branch, one sync round, the head-office
CLI as an administrator would use it (``branch-crm-hq ref survey-template FILE.json``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from branch_crm.errors import ValidationError
from branch_crm.models import SurveyForm
from branch_crm.reference.defaults import default_items
from branch_crm.services.surveys import entry
from branch_crm.services.surveys import scores as ss
from branch_crm.services.surveys.template import active_template
from tests.support.services import run_service
from tests.support.surveys import answers, customer, printed_form


def _publish(hq: Any, tmp_path: Path, template: dict[str, Any]) -> None:
    from branch_crm.hq.cli import main as hq_main

    path = tmp_path / f"template-v{template['version']}.json"
    path.write_text(json.dumps(template, ensure_ascii=False), encoding="utf-8")
    assert hq_main(["--db", hq.database_url, "ref", "survey-template", str(path)]) == 0


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def test_published_version_reaches_the_branch_and_is_printed(
    hq_and_branch: Any, supervisor: Any, tmp_path: Path
) -> None:
    hq, (db, client) = hq_and_branch
    cid = customer(db, supervisor, "张三", "13812345678")
    old_serial = printed_form(db, supervisor, cid, tmp_path)  # the built-in default, version 1
    assert run_service(db, supervisor, active_template).version == 1

    items = default_items()
    items.insert(
        8,
        {
            "code": "courier",
            "kind": "scale5",
            "text_zh": "快递员礼貌：上门准时、态度好",
            "text_en": "Courier: on time and polite",
        },
    )
    _publish(
        hq,
        tmp_path,
        {
            "code": "satisfaction",
            "version": 2,
            "title_zh": "客户满意度调查（第二版）",
            "title_en": "Customer satisfaction survey (v2)",
            "items": items,
            "active": True,
        },
    )
    assert run_service(db, supervisor, active_template).version == 1  # nothing pulled yet
    result = client.run_once()
    assert result.error is None, result

    template = run_service(db, supervisor, active_template)
    assert template.version == 2 and "courier" in {i.code for i in template.scored()}
    new_serial = printed_form(db, supervisor, cid, tmp_path / "v2")
    with db.session() as session:
        form = session.query(SurveyForm).filter_by(serial=new_serial).one()
        assert form.template_id == template.id
    text = _pdf_text(tmp_path / "v2" / f"{cid}.pdf")
    assert "快递员礼貌" in text or "Courier: on time" in text
    assert "第二版" in text or "(v2)" in text

    # a form printed before keeps the questions it was printed with
    old = run_service(db, supervisor, entry.lookup_form, serial=old_serial)
    assert old.template.version == 1
    with pytest.raises(ValidationError) as refused:
        run_service(
            db,
            supervisor,
            entry.enter_form_response,
            serial=old_serial,
            data=entry.ResponseInput({**answers(), "courier": 5}),
        )
    assert "courier" in refused.value.fields
    run_service(
        db,
        supervisor,
        entry.enter_form_response,
        serial=old_serial,
        data=entry.ResponseInput(answers()),
    )
    run_service(
        db,
        supervisor,
        entry.enter_form_response,
        serial=new_serial,
        data=entry.ResponseInput({**answers(4), "courier": 2}),
    )
    scores = run_service(db, supervisor, ss.survey_scores)
    assert scores.responses == 2 and scores.item_averages["courier"] == 2.0
    assert scores.item_counts["courier"] == 1 and scores.item_counts["timeliness"] == 2


def test_head_office_can_retire_the_built_in_default(
    hq_and_branch: Any, supervisor: Any, tmp_path: Path
) -> None:
    """Head office re-publishes the default row itself (same deterministic id) as inactive."""
    from branch_crm.reference.defaults import DEFAULT_CODE
    from branch_crm.services.surveys.template import ensure_default_template

    hq, (db, client) = hq_and_branch
    default_id = run_service(db, supervisor, lambda *, session: ensure_default_template(session))
    new_items = [i for i in default_items() if i["code"] != "ces"]
    _publish(
        hq,
        tmp_path,
        {
            "code": DEFAULT_CODE,
            "version": 3,
            "title_zh": "简版调查",
            "title_en": "Short survey",
            "items": new_items,
            "active": True,
        },
    )
    from branch_crm.hq.cli import main as hq_main

    retired = tmp_path / "retired.json"
    retired.write_text(
        json.dumps(
            {
                "code": DEFAULT_CODE,
                "version": 1,
                "title_zh": "旧",
                "title_en": "Old",
                "items": default_items(),
                "active": False,
            }
        ),
        encoding="utf-8",
    )
    args = ["--db", hq.database_url, "ref", "survey-template", str(retired), "--id", default_id]
    assert hq_main(args) == 0
    assert client.run_once().error is None
    template = run_service(db, supervisor, active_template)
    assert (template.version, template.title_zh) == (3, "简版调查")
    assert not template.of_kind("ces")
    with db.session() as session:
        from branch_crm.models import SurveyTemplate

        assert session.get(SurveyTemplate, default_id).active is False
