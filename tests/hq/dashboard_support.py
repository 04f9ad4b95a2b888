"""Rows for the dashboard tests and the browser test: a migrated head office with accounts,
branches and synced rows put in directly (each figure the pages show can be counted by hand
from what is put here)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, String, Text, insert
from sqlalchemy.engine import Connection, Engine

from branch_crm.hq import summary
from branch_crm.hq import tables as t
from branch_crm.hq.db import WRITE_OPTION, is_postgres
from branch_crm.hq.web.accounts import add_user
from branch_crm.timeutil import BUSINESS_TZ, add_months, local_today, month_key

PASSWORD = "correct horse 1"


def put(conn: Connection, table: str, **values: Any) -> str:
    """Insert one synced row, filling required columns the test does not care about."""
    target = t.ENTITIES[table][0]
    now = datetime.now(UTC)
    row: dict[str, Any] = {"id": str(uuid.uuid4()), "created_at": now, "updated_at": now}
    for column in target.columns:
        if column.name in row or column.name in values or column.nullable:
            continue
        kind = column.type
        if isinstance(kind, Boolean):
            row[column.name] = False
        elif isinstance(kind, Integer):
            row[column.name] = 0
        elif isinstance(kind, DateTime):
            row[column.name] = now
        elif isinstance(kind, Date):
            row[column.name] = date.today()
        elif isinstance(kind, JSON):
            row[column.name] = {}
        elif isinstance(kind, String | Text):
            row[column.name] = "x"
    row.update(values)
    conn.execute(insert(target).values(**row))
    return str(row["id"])


def local(day: date, hour: int = 10) -> datetime:
    """A business-time moment of ``day`` as aware UTC."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=BUSINESS_TZ).astimezone(UTC)


def seed(engine: Engine) -> dict[str, Any]:
    """Two branches with figures this month (see the numbers in the comments); accounts
    ``boss`` (admin), ``north`` (manager of BR001 only). Returns the expected figures."""
    today = local_today()
    first = today.replace(day=1)
    now = datetime.now(UTC)
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
        add_user(conn, username="boss", password=PASSWORD, role="admin", display_name="Boss")
        add_user(conn, username="north", password=PASSWORD, role="manager", branches=["BR001"])
        for code, name in (("BR001", "一号网点"), ("BR002", "二号网点")):
            pushed = now - timedelta(hours=1)
            conn.execute(
                insert(t.branch).values(code=code, name=name, created_at=now, last_push_at=pushed)
            )
        conn.execute(insert(t.node).values(token_id="tok1", branch_code="BR001", token_hash="h",
                                           created_at=now, last_seen_at=now, cursor=0))  # fmt: skip
        conn.execute(insert(t.node).values(token_id="tok2", branch_code="BR001", token_hash="h",
                                           created_at=now, revoked_at=now, cursor=0))  # fmt: skip
        # complaints of BR001 this month: 4 received (2 late, 1 resolved in time, 1 open in
        # time), plus one open from last month (breached); BR002: 1 received, closed in time
        day = first
        due_past, due_future = now - timedelta(hours=2), now + timedelta(days=2)
        common = {"branch_id": "BR001", "received_at": local(day), "grade": 2}
        put(conn, "complaint", number="BR001-1", category="delay", status="closed",
            resolved_at=local(day, 12), resolution_due_at=local(day, 20),
            resolution_breached=False, **common)  # fmt: skip
        put(conn, "complaint", number="BR001-2", category="delay", status="in_progress",
            resolution_due_at=due_past, resolution_breached=True, **common)  # fmt: skip
        put(conn, "complaint", number="BR001-3", category="damage", status="received",
            resolution_due_at=due_past, **common)  # fmt: skip
        put(conn, "complaint", number="BR001-4", category="delay", status="received",
            resolution_due_at=due_future, **common)  # fmt: skip
        put(conn, "complaint", number="BR001-0", category="loss", status="in_progress",
            branch_id="BR001", received_at=local(first - timedelta(days=5)),
            resolution_due_at=due_past, resolution_breached=True, grade=1)  # fmt: skip
        put(conn, "complaint", number="BR002-1", category="damage", status="closed",
            branch_id="BR002", received_at=local(day), resolved_at=local(day, 11),
            resolution_due_at=local(day, 20), grade=3)  # fmt: skip
        # survey responses (default template kinds): BR001 two responses
        items = [{"code": "q1", "kind": "scale5"}, {"code": "q2", "kind": "scale5"},
                 {"code": "rec", "kind": "nps"}, {"code": "effort", "kind": "ces"},
                 {"code": "text", "kind": "text"}]  # fmt: skip
        put(conn, "survey_template", branch_id="HQ", code="dash", version=9, items=items,
            title_zh="调查", title_en="Survey", active=True)  # fmt: skip
        put(conn, "survey_response", branch_id="BR001", answered_on=local(day),
            answers={"q1": 5, "q2": 3, "rec": 10, "effort": 6, "text": "good"})  # fmt: skip
        old = put(conn, "survey_response", branch_id="BR001", answered_on=local(day),
                  answers={"q1": 1, "q2": 1, "rec": 0, "effort": 1})  # fmt: skip
        put(conn, "survey_response", branch_id="BR001", answered_on=local(day),
            supersedes_id=old, answers={"q1": 4, "q2": 2, "rec": 5, "effort": 4})  # fmt: skip
        # customers of BR001: strategic (6000 a month), churn risk (100 then 10), dormant
        m0 = add_months(month_key(today), -1)
        old_day = date.fromisoformat(add_months(m0, -14) + "-01")
        big = put(conn, "customer", branch_id="BR001", name="大客户", first_shipment_date=old_day)
        drop = put(conn, "customer", branch_id="BR001", name="流失", first_shipment_date=old_day)
        put(conn, "customer", branch_id="BR001", name="沉睡", first_shipment_date=old_day)
        for i in range(4):
            month = add_months(m0, -i)
            put(conn, "monthly_volume", branch_id="BR001", customer_id=big, month=month,
                parcels=6000, revenue_cents=0)  # fmt: skip
            put(conn, "monthly_volume", branch_id="BR001", customer_id=drop, month=month,
                parcels=10 if i == 0 else 100, revenue_cents=0)  # fmt: skip
        # training of BR001: one session, 2 present, 1 late, 1 absent
        session = put(conn, "training_session", branch_id="BR001", title="安全培训",
                      starts_at=local(day, 9), trainer="王老师", location="上海")  # fmt: skip
        for status in ("present", "present", "late", "absent"):
            put(conn, "training_attendee", branch_id="BR001", session_id=session, status=status,
                name="员工")  # fmt: skip
        put(conn, "sync_conflict", branch_id="BR001", kind="phone", table_name="customer",
            row_id="r", status="open")  # fmt: skip
        if is_postgres(conn):  # rows put in directly, not pushed: the summaries recounted
            summary.rebuild(conn)
    return {"today": today}
