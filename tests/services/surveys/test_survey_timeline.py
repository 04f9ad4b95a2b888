"""Surveys on the customer timeline: printed form, answers, correction, follow-up task."""

from __future__ import annotations

from pathlib import Path

from branch_crm.services.surveys import entry
from branch_crm.services.surveys.timeline import summary
from branch_crm.services.timeline import customer_timeline
from tests.support.services import run_service
from tests.support.surveys import answers, customer, printed_form


def test_summary_of_answers() -> None:
    kinds = {"a": "scale5", "b": "scale5", "c": "scale5", "nps": "nps", "ces": "ces"}
    assert summary({"a": 5, "b": 4, "c": 2, "nps": 6, "ces": 3}, kinds) == (
        "satisfied 2/3 · NPS 6 · effort 3"
    )
    assert summary({"a": None, "nps": 10}, kinds) == "NPS 10"


def test_survey_events_on_the_timeline(db, supervisor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cid = customer(db, supervisor, "张三", "13812345678")
    serial = printed_form(db, supervisor, cid, tmp_path)
    first = run_service(
        db,
        supervisor,
        entry.enter_form_response,
        serial=serial,
        data=entry.ResponseInput(answers(scale=4, nps=9, ces=6)),
    )
    run_service(
        db,
        supervisor,
        entry.correct_response,
        response_id=first.response.id,
        data=entry.ResponseInput(answers(scale=4, nps=3, ces=6), suggestion="派送太慢"),
    )
    entries = [
        e
        for e in run_service(db, supervisor, customer_timeline, customer_id=cid)
        if e.kind.startswith("survey")
    ]
    kinds = [e.kind for e in entries]
    assert sorted(kinds) == [
        "survey_follow_up",
        "survey_form",
        "survey_response",
        "survey_response",
    ]
    titles = {e.title for e in entries}
    assert f"Survey form {serial} printed" in titles
    assert f"Survey answered ({entry.channel_label('paper')})" in titles
    corrected = next(e for e in entries if e.title.startswith("Survey answers corrected"))
    assert serial in corrected.detail and "NPS 3" in corrected.detail
    assert "satisfied 8/8" in corrected.detail and "派送太慢" in corrected.detail
    follow = next(e for e in entries if e.kind == "survey_follow_up")
    assert "Follow-up due" in follow.detail and "open" in follow.detail
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
