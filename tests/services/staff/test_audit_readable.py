"""The audit log reads as a supervisor needs it: the record by customer name or complaint
number, fields by their labels, values in display form, in the reader's language."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from branch_crm.i18n import set_language
from branch_crm.models import Complaint, Customer, CustomerPhone, Staff
from branch_crm.services.context import unit_of_work
from branch_crm.services.staff.audit import AuditFilter, query_audit


@pytest.fixture
def english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def story(db, counter):  # type: ignore[no-untyped-def]
    """A clerk records 张三 with a phone, hands him to 王芳, takes a complaint, edits it."""
    from branch_crm.services.complaints.reference import ensure_reference_data

    with unit_of_work(db, counter) as session:
        ensure_reference_data(session)
        manager = Staff(username="wang", display_name="王芳", role="counter", password_hash="x")
        session.add(manager)
        customer = Customer(name="张三", customer_type="individual", need_tags="fragile")
        session.add(customer)
        session.flush()
        session.add(CustomerPhone(customer_id=customer.id, phone="13812345678", position=0))
        complaint = Complaint(
            number="C-20251124-0001",
            customer_id=customer.id,
            channel="counter",
            category="loss",
            description="gone",
            grade=2,
            suggested_grade=2,
            status="received",
            received_at=datetime(2025, 11, 24, 1, 0, tzinfo=UTC),
        )
        session.add(complaint)
    with unit_of_work(db, counter) as session:
        row = session.get(Customer, customer.id)
        assert row is not None
        row.name, row.account_manager_id, row.marketing_consent = "张三丰", manager.id, True
        found = session.get(Complaint, complaint.id)
        assert found is not None
        found.status, found.compensation_granted_cents = "in_progress", 20000
    return customer.id, complaint.id


def _newest(db, supervisor, entity: str):  # type: ignore[no-untyped-def]
    with unit_of_work(db, supervisor) as session:
        return query_audit(session=session, actor=supervisor, flt=AuditFilter(entity=entity))[0]


def test_customer_change_names_the_customer_its_fields_and_people(
    db, supervisor, story, english
) -> None:
    row = _newest(db, supervisor, "customer")
    assert row.subject == "张三丰"
    assert row.entity_label() == "Customer"
    text = row.describe()
    assert "Name: 张三 → 张三丰" in text
    assert "Account manager: — → 王芳" in text
    assert "Marketing consent: no → yes" in text
    assert story[0] not in text and "account_manager_id" not in text


def test_complaint_change_names_its_number_and_customer_with_display_values(
    db, supervisor, story, english
) -> None:
    row = _newest(db, supervisor, "complaint")
    assert row.subject == "C-20251124-0001 · 张三丰"
    text = row.describe()
    assert "Status: Received → In progress" in text
    assert "Compensation granted: ¥0.00 → ¥200.00" in text
    assert "in_progress" not in text
    created = next(r for r in _all(db, supervisor, "complaint") if r.action == "create")
    assert "Category: Loss" in created.describe(limit=50)  # the head-office list's name
    set_language("zh_CN")
    try:
        chinese = created.describe(limit=50)
        assert "丢失" in chinese and "loss" not in chinese
    finally:
        set_language("en")


def test_created_phone_belongs_to_its_customer_and_bookkeeping_is_hidden(
    db, supervisor, story, english
) -> None:
    row = _newest(db, supervisor, "customer_phone")
    assert (row.action, row.subject) == ("create", "张三丰")
    assert row.entity_label() == "Customer phone"
    text = row.describe(limit=50)
    assert "13812345678" in text and "branch_id" not in text and "BR001" not in text


def test_the_same_row_reads_in_chinese(db, supervisor, story) -> None:
    row = _newest(db, supervisor, "complaint")
    set_language("zh_CN")
    try:
        label, text = row.entity_label(), row.describe()
    finally:
        set_language("en")
    assert label == "投诉"
    assert "已受理 → 处理中" in text and "Status" not in text and "Received" not in text
    assert "：" in text and ": " not in text  # full-width punctuation


def test_neutral_texts_read_in_the_readers_language_without_their_english_copy(
    db, counter, supervisor, story
) -> None:
    from datetime import date

    from branch_crm.models import CareTask
    from branch_crm.models.stored_text import message
    from branch_crm.services.care import follow_ups

    title = message("Survey follow-up: {reasons}", reasons=[message("NPS {value}", value=3)])
    with unit_of_work(db, counter) as session:
        task = CareTask(customer_id=story[0], kind="survey_follow_up", due_on=date(2026, 1, 1),
                        title="Survey follow-up: NPS 3", title_message=title)  # fmt: skip
        session.add(task)
    with unit_of_work(db, counter) as session:
        follow_ups.complete_follow_up(
            session=session, actor=counter, task_id=task.id, note="已致歉"
        )
    created = next(r for r in _all(db, supervisor, "care_task") if r.action == "create")
    changed = _newest(db, supervisor, "care_task")
    set_language("zh_CN")
    try:
        chinese = created.describe(limit=50)
        outcome = changed.describe(limit=50)
    finally:
        set_language("en")
    assert "问卷回访" in chinese and "Survey follow-up" not in chinese  # no English copy shown
    assert "已完成：已致歉" in outcome and "msg" not in outcome
    assert created.subject == "张三丰"


def _all(db, supervisor, entity: str):  # type: ignore[no-untyped-def]
    with unit_of_work(db, supervisor) as session:
        return query_audit(session=session, actor=supervisor, flt=AuditFilter(entity=entity))


def test_a_printed_survey_form_reads_in_chinese() -> None:
    from branch_crm.i18n import set_language
    from branch_crm.services.staff import audit_text

    set_language("zh_CN")
    assert audit_text.field_label("survey_form", "printed_at") == "打印时间"
    assert audit_text.value_text("survey_form", "status", "printed", {}) == "已打印"
    assert audit_text.value_text("survey_form", "status", "void", {}) == "已作废"
