"""A small database to search (service, UI and CLI tests of "Find anything" share it): three
customers, a complaint each, a returned survey of an unhappy customer (its follow-up), a
follow-up of another customer, a training session with two trainees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.support.services import run_service
from tests.support.surveys import answers, printed_form


@dataclass(frozen=True)
class Seeded:
    """Ids and numbers of the seeded records."""

    zhang: str
    """张三 13812345678, complaint ``a`` (waybill SF1234567890), follow-up ``zhang_task``."""
    li: str
    """李四 13900001111, complaint ``b`` (waybill 773012349999), survey ``serial``."""
    wang: str
    """王五 13700002222, complaint ``c`` (no waybill)."""
    a: str
    a_number: str
    b: str
    b_number: str
    c: str
    c_number: str
    serial: str
    response: str
    li_task: str
    zhang_task: str


def _customer(db: Any, actor: Any, name: str, phone: str) -> str:
    from branch_crm.services.customers.profile import create_customer
    from branch_crm.services.customers.validation import CustomerInput

    data = CustomerInput(name=name, phones=[phone])
    return str(run_service(db, actor, create_customer, data=data).id)


def _complaint(db: Any, actor: Any, customer_id: str, waybill: str | None) -> tuple[str, str]:
    from branch_crm.services.complaints import intake

    data = intake.ComplaintInput(customer_id, "counter", "delay", "parcel late", waybill_no=waybill)
    made = run_service(db, actor, intake.take_complaint, data=data)
    return str(made.id), str(made.number)


def _task(db: Any, actor: Any, customer_id: str) -> str:
    from branch_crm.models import CareTask
    from branch_crm.services.context import unit_of_work
    from branch_crm.timeutil import local_today

    with unit_of_work(db, actor) as session:
        task = CareTask(
            customer_id=customer_id,
            kind="birthday",
            due_on=local_today() + timedelta(days=2),
            status="open",
            title="Birthday call",
        )
        session.add(task)
        session.flush()
        return str(task.id)


def seed(db: Any, actor: Any, folder: Path) -> Seeded:
    """Write the records (as ``actor``, a counter or supervisor) and return their ids."""
    from sqlalchemy import select

    from branch_crm.models import CareTask
    from branch_crm.services.surveys.entry import ResponseInput, enter_form_response

    zhang = _customer(db, actor, "张三", "13812345678")
    li = _customer(db, actor, "李四", "13900001111")
    wang = _customer(db, actor, "王五", "13700002222")
    a, a_number = _complaint(db, actor, zhang, "SF1234567890")
    b, b_number = _complaint(db, actor, li, "773012349999")
    c, c_number = _complaint(db, actor, wang, None)
    serial = printed_form(db, actor, li, folder)
    unhappy = ResponseInput(answers=answers(scale=1, nps=2, ces=2), suggestion="太慢")
    entered = run_service(db, actor, enter_form_response, serial=serial, data=unhappy)
    with db.session() as session:
        li_task = session.scalar(select(CareTask.id).where(CareTask.customer_id == li))
    return Seeded(
        zhang=zhang, li=li, wang=wang, a=a, a_number=a_number, b=b, b_number=b_number,
        c=c, c_number=c_number, serial=serial, response=str(entered.response.id),
        li_task=str(li_task), zhang_task=_task(db, actor, zhang),
    )  # fmt: skip
