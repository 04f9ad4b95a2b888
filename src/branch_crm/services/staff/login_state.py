"""The local-only sign-in state of an account (failed attempts, lock-out, last sign-in) and the
explicit audit rows of sign-in events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from branch_crm.ids import new_id
from branch_crm.models import AuditEntry, Staff
from branch_crm.timeutil import utcnow


def set_login_state(
    session: Session,
    staff: Staff,
    *,
    failed: int,
    locked_until: datetime | None,
    last_login_at: datetime | None = None,
) -> None:
    """Update the local-only sign-in columns without touching ``updated_at`` (no sync noise)."""
    values: dict[str, Any] = {
        "failed_logins": failed,
        "locked_until": locked_until,
        "updated_at": Staff.updated_at,
    }
    if last_login_at is not None:
        values["last_login_at"] = last_login_at
    session.execute(
        update(Staff).where(Staff.id == staff.id).values(**values),
        execution_options={"synchronize_session": False},
    )
    session.expire(staff, ["failed_logins", "locked_until", "last_login_at", "updated_at"])


def audit_sign_in(
    session: Session,
    staff: Staff | None,
    action: str,
    changes: dict[str, Any],
    *,
    actor_id: str | None,
    branch: str,
) -> None:
    """An explicit audit row for a sign-in event (the hooks only see row changes)."""
    session.add(
        AuditEntry(
            id=new_id(),
            at=utcnow(),
            actor_id=actor_id,
            action=action,
            entity="staff",
            entity_id=staff.id if staff is not None else None,
            changes=changes,
            branch_id=branch,
            created_by=actor_id,
            updated_by=actor_id,
        )
    )
