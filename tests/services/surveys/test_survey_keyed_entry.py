"""Keyed entry of returned surveys: serial lookup, validation, once only, corrections."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from branch_crm.errors import NotFound, PermissionDenied, ValidationError
from branch_crm.models import CareTask, Complaint, SurveyForm, SurveyResponse
from branch_crm.models.stored_text import render
from branch_crm.services.surveys import entry
from branch_crm.services.surveys.template import active_template
from tests.support.services import run_service
from tests.support.surveys import answers, customer, printed_form


@pytest.fixture
def form(db, supervisor, tmp_path: Path) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    cid = customer(db, supervisor, "张三", "13812345678")
    return cid, printed_form(db, supervisor, cid, tmp_path)


def _rows(db, model):  # type: ignore[no-untyped-def]
    with db.session() as session:
        return list(session.scalars(select(model).execution_options(include_deleted=True)))


def test_lookup_accepts_what_people_type(db, counter, form) -> None:  # type: ignore[no-untyped-def]
    cid, serial = form
    for typed in (serial, f"  {serial.lower()} ", serial.split("-")[1]):
        found = run_service(db, counter, entry.lookup_form, serial=typed)
        assert (found.serial, found.customer_id, found.customer_name) == (serial, cid, "张三")
        assert found.customer_phone == "13812345678" and found.current is None
        assert len(found.template.scored()) == 10


def test_lookup_names_a_mistyped_or_unknown_serial(db, counter, form) -> None:  # type: ignore[no-untyped-def]
    _cid, serial = form
    wrong_check = serial[:-1] + ("B" if serial[-1] == "A" else "A")
    with pytest.raises(ValidationError) as info:
        run_service(db, counter, entry.lookup_form, serial=wrong_check)
    assert "serial" in info.value.fields and wrong_check in info.value.fields["serial"]
    from branch_crm.services.surveys.serials import luhn_digit, make_serial

    old_form = "BR001-2001010001" + luhn_digit("2001010001")  # printed before PC codes
    for valid_unknown in (old_form, make_serial("BR001", "C", date(2020, 1, 1), 1)):
        with pytest.raises(NotFound, match=valid_unknown):
            run_service(db, counter, entry.lookup_form, serial=valid_unknown)
    with pytest.raises(ValidationError):
        run_service(db, counter, entry.lookup_form, serial="   ")


def test_a_form_is_entered_once(db, counter, form) -> None:  # type: ignore[no-untyped-def]
    cid, serial = form
    result = run_service(db, counter, entry.enter_form_response, serial=serial,
                         data=entry.ResponseInput(answers(), suggestion="  快一点  "))  # fmt: skip
    view = result.response
    assert view.channel == "paper" and view.serial == serial and view.customer_id == cid
    assert view.answers["timeliness"] == 4 and view.answers["nps"] == 9
    assert view.suggestion == "快一点" and view.current and result.reasons == ()
    assert result.follow_up_task_id is None
    assert [f.status for f in _rows(db, SurveyForm)] == ["returned"]
    with pytest.raises(ValidationError, match="already entered"):
        run_service(db, counter, entry.enter_form_response, serial=serial,
                    data=entry.ResponseInput(answers()))  # fmt: skip
    assert len(_rows(db, SurveyResponse)) == 1
    looked = run_service(db, counter, entry.lookup_form, serial=serial)
    assert looked.current is not None and looked.current.id == view.id


def test_answers_cannot_predate_their_form(db, counter, form) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from branch_crm.timeutil import local_today

    _cid, serial = form
    early = entry.ResponseInput(answers(), answered_on=local_today() - timedelta(days=1))
    with pytest.raises(ValidationError) as refused:
        run_service(db, counter, entry.enter_form_response, serial=serial, data=early)
    assert "before the form was printed" in refused.value.fields["answered_on"]
    done = run_service(db, counter, entry.enter_form_response, serial=serial,
                       data=entry.ResponseInput(answers(), answered_on=local_today()))  # fmt: skip
    assert done.response.answered_on == local_today()


def test_bad_answers_are_refused_field_by_field(db, counter, form) -> None:  # type: ignore[no-untyped-def]
    _cid, serial = form
    bad = answers() | {"timeliness": 6, "nps": 11, "ces": 0, "bogus": 3}
    with pytest.raises(ValidationError) as info:
        run_service(
            db,
            counter,
            entry.enter_form_response,
            serial=serial,
            data=entry.ResponseInput(bad),
        )
    assert set(info.value.fields) == {"timeliness", "nps", "ces", "bogus"}
    assert "1 to 5" in info.value.fields["timeliness"] and "0 to 10" in info.value.fields["nps"]
    assert "1 to 7" in info.value.fields["ces"]
    blank = dict.fromkeys(answers())
    with pytest.raises(ValidationError) as info:
        run_service(
            db,
            counter,
            entry.enter_form_response,
            serial=serial,
            data=entry.ResponseInput(blank),
        )
    assert "answers" in info.value.fields
    assert _rows(db, SurveyResponse) == [] and _rows(db, CareTask) == []
    assert [f.status for f in _rows(db, SurveyForm)] == ["printed"]


def test_parse_answer_from_typed_text(db, counter) -> None:  # type: ignore[no-untyped-def]
    template = run_service(db, counter, active_template)
    assert entry.parse_answer(template, "nps", " 10 ") == 10
    assert entry.parse_answer(template, "timeliness", "") is None
    for code, text in (("timeliness", "0"), ("nps", "x"), ("ces", "8")):
        with pytest.raises(ValueError, match="Enter a number"):
            entry.parse_answer(template, code, text)


def test_a_correction_supersedes_and_keeps_history(db, counter, supervisor, form) -> None:  # type: ignore[no-untyped-def]
    cid, serial = form
    first = run_service(db, counter, entry.enter_form_response, serial=serial,
                        data=entry.ResponseInput(answers(scale=3, nps=8)))  # fmt: skip
    second = run_service(db, supervisor, entry.correct_response, response_id=first.response.id,
                         data=entry.ResponseInput(answers(scale=5, nps=10)))  # fmt: skip
    assert second.response.supersedes_id == first.response.id
    assert second.response.answered_on == first.response.answered_on
    history = run_service(db, counter, entry.response_history, response_id=first.response.id)
    assert [h.id for h in history] == [first.response.id, second.response.id]
    assert [h.current for h in history] == [False, True]
    assert history[0].answers["nps"] == 8 and history[1].answers["nps"] == 10
    current = run_service(db, counter, entry.customer_responses, customer_id=cid)
    assert [c.id for c in current] == [second.response.id]
    with pytest.raises(ValidationError, match="already corrected"):
        run_service(db, counter, entry.correct_response, response_id=first.response.id,
                    data=entry.ResponseInput(answers()))  # fmt: skip
    assert len(_rows(db, SurveyResponse)) == 2


def test_detractor_opens_one_follow_up_even_after_a_correction(db, counter, form) -> None:  # type: ignore[no-untyped-def]
    cid, serial = form
    result = run_service(db, counter, entry.enter_form_response, serial=serial,
                         data=entry.ResponseInput(answers(nps=5)))  # fmt: skip
    assert result.reasons == ("NPS 5",) and result.follow_up_task_id
    (task,) = _rows(db, CareTask)
    assert (task.customer_id, task.kind, task.status) == (cid, "survey_follow_up", "open")
    assert "NPS 5" in task.title and task.source_id == result.response.id
    fixed = run_service(db, counter, entry.correct_response, response_id=result.response.id,
                        data=entry.ResponseInput(answers(nps=6)))  # fmt: skip
    (task,) = _rows(db, CareTask)
    assert fixed.follow_up_task_id == task.id and "NPS 6" in task.title
    assert task.source_id == fixed.response.id
    # the NPS was mistyped: corrected to 9 the follow-up is no longer needed
    happy = run_service(db, counter, entry.correct_response, response_id=fixed.response.id,
                        data=entry.ResponseInput(answers(nps=9)))  # fmt: skip
    (task,) = _rows(db, CareTask)
    assert happy.follow_up_task_id is None and happy.reasons == ()
    assert task.status == "cancelled" and "no follow-up" in render(task.outcome_message)


def test_effort_and_item_reasons_are_short(db, counter, form) -> None:  # type: ignore[no-untyped-def]
    _cid, serial = form
    low = answers(nps=9) | {"timeliness": 2, "ces": 1}
    result = run_service(
        db, counter, entry.enter_form_response, serial=serial, data=entry.ResponseInput(low)
    )
    assert result.reasons == ("Timeliness 2", "CES 1")
    (task,) = _rows(db, CareTask)
    assert task.title == "Survey follow-up: Timeliness 2, CES 1" and task.due_on


def test_low_item_scores_open_a_follow_up_and_a_complaint(db, counter, form) -> None:  # type: ignore[no-untyped-def]
    cid, serial = form
    low = answers(nps=9) | {"integrity": 1, "ces": 2}
    result = run_service(db, counter, entry.enter_form_response, serial=serial,
                         data=entry.ResponseInput(low, suggestion="箱子破了", raise_complaint=True,
                                       complaint_category="damage"))  # fmt: skip
    assert len(result.reasons) == 2 and any("Integrity" in r for r in result.reasons)
    assert result.follow_up_task_id and result.complaint_number
    (complaint,) = _rows(db, Complaint)
    assert complaint.customer_id == cid and complaint.category == "damage"
    assert serial in complaint.description and "箱子破了" in complaint.description


def test_happy_answers_need_no_follow_up(db, counter, form) -> None:  # type: ignore[no-untyped-def]
    _cid, serial = form
    result = run_service(db, counter, entry.enter_form_response, serial=serial,
                         data=entry.ResponseInput(answers(scale=3, nps=7, ces=3)))  # fmt: skip
    assert result.reasons == () and _rows(db, CareTask) == []


def test_phone_and_counter_answers_without_a_form(db, counter) -> None:  # type: ignore[no-untyped-def]
    cid = customer(db, counter, "李四", "13900001111")
    by_phone = run_service(db, counter, entry.record_direct_response, customer_id=cid,
                           channel="phone", data=entry.ResponseInput({"nps": 10}))  # fmt: skip
    at_desk = run_service(db, counter, entry.record_direct_response, customer_id=cid,
                          channel="counter",
                          data=entry.ResponseInput({"timeliness": 2}))  # fmt: skip
    assert by_phone.response.form_id is None and by_phone.response.channel == "phone"
    assert at_desk.response.channel == "counter" and at_desk.follow_up_task_id
    with pytest.raises(ValidationError):
        run_service(db, counter, entry.record_direct_response, customer_id=cid, channel="paper",
                    data=entry.ResponseInput({"nps": 10}))  # fmt: skip
    with pytest.raises(NotFound):
        run_service(db, counter, entry.record_direct_response, customer_id="nope", channel="phone",
                    data=entry.ResponseInput({"nps": 10}))  # fmt: skip
    assert len(run_service(db, counter, entry.customer_responses, customer_id=cid)) == 2


def test_couriers_may_not_enter_answers(db, courier, form) -> None:  # type: ignore[no-untyped-def]
    _cid, serial = form
    with pytest.raises(PermissionDenied):
        run_service(
            db,
            courier,
            entry.enter_form_response,
            serial=serial,
            data=entry.ResponseInput(answers()),
        )


def test_follow_up_title_is_stored_neutral_and_read_in_the_readers_language(
    db, counter, form
) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.i18n import set_language
    from branch_crm.services.care import follow_ups

    _cid, serial = form
    low = answers(nps=3) | {"timeliness": 2}
    set_language("zh_CN")  # keyed in by a clerk working in Chinese
    try:
        run_service(db, counter, entry.enter_form_response, serial=serial,
                    data=entry.ResponseInput(low))  # fmt: skip
        chinese = run_service(db, counter, follow_ups.list_follow_ups)[0].title
    finally:
        set_language("en")
    (task,) = _rows(db, CareTask)
    assert task.title == "Survey follow-up: Timeliness 2, NPS 3"  # no Chinese in the column
    assert task.title_message["msg"] == "Survey follow-up: {reasons}"
    english = run_service(db, counter, follow_ups.list_follow_ups)[0].title
    assert english == "Survey follow-up: Timeliness 2, NPS 3"  # an English reader
    assert chinese.startswith("问卷回访") and "NPS 3" in chinese and "Timeliness" not in chinese


def test_an_old_follow_up_with_free_text_still_shows_its_text(db, counter, form) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.models import Customer
    from branch_crm.services.care import follow_ups
    from branch_crm.services.context import unit_of_work

    cid, _serial = form
    with unit_of_work(db, counter) as session:
        assert session.get(Customer, cid) is not None
        session.add(CareTask(customer_id=cid, kind="survey_follow_up", due_on=date(2026, 1, 1),
                             title="问卷回访：NPS 2", status="open"))  # fmt: skip
    (view,) = run_service(db, counter, follow_ups.list_follow_ups)
    assert view.title == "问卷回访：NPS 2"


def test_a_complaint_raised_from_a_survey_reads_in_the_readers_language(db, counter, form) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.i18n import set_language
    from branch_crm.services.complaints.views import get_complaint

    _cid, serial = form
    low = answers(nps=2)
    set_language("zh_CN")  # raised by a clerk working in Chinese
    try:
        run_service(db, counter, entry.enter_form_response, serial=serial,
                    data=entry.ResponseInput(low, suggestion="箱子破了", raise_complaint=True,
                                             complaint_category="damage"))  # fmt: skip
    finally:
        set_language("en")
    (complaint,) = _rows(db, Complaint)
    assert complaint.description.startswith("From a satisfaction survey (survey ")  # English
    english = run_service(db, counter, get_complaint, complaint_id=complaint.id).description
    assert english == f"From a satisfaction survey (survey {serial}): NPS 2.\n箱子破了"
    set_language("zh_CN")
    try:
        chinese = run_service(db, counter, get_complaint, complaint_id=complaint.id).description
    finally:
        set_language("en")
    assert serial in chinese and "箱子破了" in chinese and "From a" not in chinese
