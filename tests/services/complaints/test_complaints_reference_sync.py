"""SLA policy, holidays and complaint categories come from head office: published with the
head-office CLI, pulled by a branch in one sync round, then used by the next complaint; a
complaint taken before keeps the policy it was taken under."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from branch_crm.models import Customer
from branch_crm.services.complaints import intake, reference, sla, views
from branch_crm.services.complaints import policy as sla_policy
from branch_crm.services.context import unit_of_work
from tests.support.clock import local

OFFICE = {d: [["09:00", "12:00"], ["13:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def _hq(hq: Any, *argv: str) -> None:
    from branch_crm.hq.cli import main as hq_main

    assert hq_main(["--db", hq.database_url, "ref", *argv]) == 0


def _take(db: Any, actor: Any, category: str) -> views.ComplaintView:
    with unit_of_work(db, actor) as session:
        customer = Customer(name="张三")
        session.add(customer)
        session.flush()
        data = intake.ComplaintInput(customer.id, "counter", category, "x")
        return intake.take_complaint(session=session, actor=actor, data=data)


def test_head_office_policy_holiday_and_category_reach_the_branch(
    hq_and_branch: Any, counter: Any, tmp_path: Path, clock: Any
) -> None:
    hq, (db, client) = hq_and_branch
    clock(local("2025-12-31 16:00"))  # Wednesday; New Year's Day is a holiday
    before = _take(db, counter, "loss")  # default policy: 24x7, 1 h / 24 h
    assert before.resolution_due_at == local("2026-01-01 16:00")

    policy = {
        "name": "office hours 2026",
        "version": 2,
        "active": True,
        "calendar": "working_hours",
        "working_hours": OFFICE,
        "timezone": "Asia/Shanghai",
        "warn_ratio": 0.8,
        "targets": [
            {"grade": 1, "category": None, "response_minutes": 60, "resolution_minutes": 1440},
            {"grade": 1, "category": "loss", "response_minutes": 30, "resolution_minutes": 480},
            {"grade": 2, "category": None, "response_minutes": 120, "resolution_minutes": 2880},
            {"grade": 3, "category": None, "response_minutes": 240, "resolution_minutes": 4320},
        ],
        "escalation": {"supervisor_ratio": 1.0, "head_office_ratio": 2.0},
    }
    path = tmp_path / "sla.json"
    path.write_text(json.dumps(policy), encoding="utf-8")
    _hq(hq, "sla", str(path))
    _hq(hq, "holiday", "2026-01-01", "元旦")
    _hq(hq, "category", "customs", "海关扣件", "Held by customs", "--sort", "95")
    result = client.run_once()
    assert result.error is None, result

    with unit_of_work(db, counter) as session:
        active = sla_policy.active_policy(session)
        codes = [c.code for c in reference.reference_codes(session, "complaint_category")]
    assert (active.name, active.calendar) == ("office hours 2026", "working_hours")
    assert active.warn_ratio == 0.8
    assert codes[-1] == "customs"

    after = _take(db, counter, "loss")  # grade 1, the loss-specific target: 30 min / 8 h
    # Wed 16:00: 120 office minutes left that day, Thu 1 Jan is a holiday, Fri 2 Jan 09:00...
    assert after.response_due_at == local("2025-12-31 16:30")
    assert after.response_warn_at == local("2025-12-31 16:24")  # 80 % of 30 min
    # 480 minutes: 120 on Wed, then 360 from Fri 09:00 (180 to lunch, 180 from 13:00)
    assert after.resolution_due_at == local("2026-01-02 16:00")
    customs = _take(db, counter, "customs")  # new category, grade 3 by default
    assert (customs.category_label, customs.grade) == ("Held by customs", 3)
    # the complaint taken before the policy arrived keeps the policy it was taken under
    with unit_of_work(db, counter) as session:
        sla.sweep(session=session)
    again = _get(db, counter, before.id)
    assert again.resolution_due_at == before.resolution_due_at


def _get(db: Any, actor: Any, complaint_id: str) -> views.ComplaintView:
    with unit_of_work(db, actor) as session:
        return views.get_complaint(session=session, complaint_id=complaint_id)
