"""Complaint numbers people read out, unique across every PC of every branch without a network."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from branch_crm.models import Complaint, SyncParked
from branch_crm.services.pc_code import this_pc_code
from branch_crm.timeutil import to_local


def next_number(
    session: Session, branch_id: str, now: datetime, *, issued: Iterable[str] = ()
) -> str:
    """BR001-20261122-A0001: branch, local date, this PC's code and a running number per PC
    and day (deleted complaints included), so PCs of one branch never issue the same number
    offline. Numbers issued before PC codes (BR001-20261122-0001) stay as they are.

    Complaints sync set aside here (``sync_parked``) count too: after a restored backup this
    PC's earlier numbers may come back from head office while a clash keeps them out of the
    table, and a number must not be issued twice. ``issued``: more numbers to count as
    issued (services.syncing.conflicts, renumbering, passes the numbers records used to have)."""
    prefix = f"{branch_id}-{to_local(now):%Y%m%d}-{this_pc_code(session)}"
    last = session.scalar(
        select(Complaint.number)
        .where(Complaint.number >= prefix + "0", Complaint.number < prefix + ":")
        .order_by(func.length(Complaint.number).desc(), Complaint.number.desc())
        .limit(1)
        .execution_options(include_deleted=True)
    )
    number = func.json_extract(SyncParked.data, "$.number")
    parked = session.scalars(
        select(number).where(
            SyncParked.table_name == "complaint", number >= prefix + "0", number < prefix + ":"
        )
    )
    seq = _highest(prefix, [*([last] if last else []), *parked, *issued]) + 1
    return f"{prefix}{seq:04d}"


def _highest(prefix: str, numbers: Iterable[Any]) -> int:
    """The highest running number after ``prefix`` among ``numbers`` (0 if none)."""
    tails = [str(n)[len(prefix) :] for n in numbers if str(n).startswith(prefix)]
    return max((int(tail) for tail in tails if tail.isdigit()), default=0)
