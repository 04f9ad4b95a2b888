"""The sync status counts the changes head office did not apply that nobody has looked at on
this PC yet: those newer than the newest one listed when the "Changes not applied" page was
last opened here (issue 10 follow-up)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from branch_crm.models import SyncRejectedChange
from branch_crm.services.syncing.rejected_changes import count_unseen, mark_rejected_seen
from branch_crm.services.syncing.service import sync_status
from branch_crm.sync.capture import capture_suspended
from branch_crm.timeutil import utcnow
from tests.support.sync import queued


def _rejected(db: Any, *, minutes_ago: int, deleted: bool = False) -> str:
    """A rejected-change row as sync writes it when it arrives from head office."""
    at = utcnow() - timedelta(minutes=minutes_ago)
    with db.session(branch_id="BR001", audit=False) as session, capture_suspended(session):
        row = SyncRejectedChange(
            table_name="customer",
            row_id="c1",
            reason="older",
            data={"name": "张三"},
            hlc="0001.0000.node",
            created_at=at,
            updated_at=at,
            deleted_at=at if deleted else None,
        )
        session.add(row)
        session.flush()
        return row.id


def _unseen(db: Any) -> tuple[int, int]:
    """(the status's count, count_unseen) read in one session."""
    with db.session() as session:
        return sync_status(session=session).unseen_rejected, count_unseen(session=session)


def test_changes_not_applied_count_until_the_page_lists_them(db: Any) -> None:
    assert _unseen(db) == (0, 0)
    _rejected(db, minutes_ago=60 * 24)
    _rejected(db, minutes_ago=5)
    _rejected(db, minutes_ago=1, deleted=True)  # head office took it back: not counted
    assert _unseen(db) == (2, 2)

    waiting = queued(db)
    with db.session() as session:
        mark_rejected_seen(session=session)
    assert _unseen(db) == (0, 0)
    assert queued(db) == waiting  # a setting of this PC: nothing to sync

    _rejected(db, minutes_ago=0)  # a new one arrives with the next round
    assert _unseen(db) == (1, 1)
    with db.session() as session:
        mark_rejected_seen(session=session)
        mark_rejected_seen(session=session)  # opening the page again changes nothing
    assert _unseen(db) == (0, 0)


def test_marking_with_nothing_listed_keeps_later_ones_unseen(db: Any) -> None:
    with db.session() as session:
        mark_rejected_seen(session=session)
    _rejected(db, minutes_ago=30)  # made at head office before the page was opened, but
    assert _unseen(db) == (1, 1)  # it was not there to be seen
