"""Issue 19: a branch PC syncs with a real head office (loopback), is backed up, works on
(some changes synced, some not), is restored from the backup and syncs again: nothing doubled
at head office or on the PC, everything that had reached head office comes back, what never
left the PC is gone (as the restore said), the audit log records the restore."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from branch_crm.db import open_database
from branch_crm.hq import tables as t
from branch_crm.services.backup import backup_now
from branch_crm.services.backup_facts import current_facts, inspect_backup
from branch_crm.services.context import system_actor, unit_of_work
from branch_crm.services.restore import record_restore, restore_database, sync_explanation
from branch_crm.sync.client import SyncClient
from tests.support.accounts import BRANCH
from tests.support.sync import add_customer, column, edit_customer


def _ok(result: Any) -> None:
    assert result.error is None, result.error


def _hq_rows(hq: Any, table: str) -> dict[str, Any]:
    source = t.ENTITIES[table][0]
    with hq.engine.connect() as conn:
        return {str(r.id): r for r in conn.execute(select(source))}


def _hq_log_count(hq: Any) -> int:
    with hq.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(t.change_log)) or 0)


def _branch_customers(db: Any) -> dict[str, str]:
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, name FROM customer WHERE deleted_at IS NULL")
        return {str(r[0]): str(r[1]) for r in rows}


def _count(db: Any, sql: str) -> int:
    with db.engine.connect() as conn:
        return int(conn.exec_driver_sql(sql).scalar_one())


def test_restore_then_sync_loses_nothing_sent_and_doubles_nothing(
    hq_and_branch: Any, tmp_path: Path
) -> None:
    hq, (db, client) = hq_and_branch
    actor = system_actor(BRANCH)
    a = add_customer(db, BRANCH, "甲 synced before", "13900000001")
    _ok(client.run_once())
    b = add_customer(db, BRANCH, "乙 unsent at backup", "13900000002")  # in the backup's outbox

    drive = tmp_path / "usb"
    drive.mkdir()
    copy = backup_now(db_path=db.path, folder=drive, actor=actor)
    assert copy.facts.pending > 0 and copy.facts.branch == BRANCH

    _ok(client.run_once())  # b reaches head office after the backup
    c = add_customer(db, BRANCH, "丙 after, synced", "13900000003")
    edit_customer(db, BRANCH, b, name="乙 renamed after, synced")
    _ok(client.run_once())
    lost = add_customer(db, BRANCH, "丁 after, never sent", "13900000004")
    log_before = _hq_log_count(hq)
    hq_before = _hq_rows(hq, "customer")
    assert set(hq_before) == {a, b, c}

    facts, current = inspect_backup(copy.path), current_facts(db.path)
    assert current is not None and current.pending > 0
    words = " ".join(sync_explanation(facts, current))
    assert "comes back from head office" in words and "loses them" in words

    token = client.token
    db.dispose()
    result = restore_database(db_path=db.path, backup=copy.path)
    assert result.set_aside is not None and result.set_aside.exists()

    restored = open_database(db.path)
    try:
        with unit_of_work(restored, actor) as session:
            record_restore(session=session, actor=actor, result=result)
        assert _branch_customers(restored).keys() == {a, b}  # as backed up
        again = SyncClient(restored, base_url=hq.base_url, token=token)
        for _ in range(2):
            _ok(again.run_once())

        # head office: the same rows, no new versions of what it had (the re-sent change of b
        # is recognised), only the restore's audit entry is new
        hq_after = _hq_rows(hq, "customer")
        assert set(hq_after) == {a, b, c}
        assert hq_after[b].name == "乙 renamed after, synced"
        audit = [r for r in _hq_rows(hq, "audit_entry").values() if r.action == "restore"]
        assert len(audit) == 1
        # the re-sent insert of b lost to b's own later name: a replay, not reported as lost
        assert _hq_rows(hq, "sync_rejected_change") == {}
        assert _hq_log_count(hq) - log_before <= 2  # the audit entry (+ b's name sent again)

        # the PC: what reached head office came back, once; what never left is gone
        customers = _branch_customers(restored)
        assert customers == {
            a: "甲 synced before",
            b: "乙 renamed after, synced",
            c: "丙 after, synced",
        }
        assert lost not in customers
        assert _count(restored, "SELECT COUNT(*) FROM customer_phone") == 3
        assert _count(restored, "SELECT COUNT(*) FROM sync_outbox") == 0
        assert _count(restored, "SELECT COUNT(*) FROM audit_entry WHERE action = 'restore'") == 1
        assert column(restored, "customer", b, "name") == "乙 renamed after, synced"
        assert _count(restored, "SELECT COUNT(*) FROM sync_rejected_change") == 0

        # new work after the restore syncs on, stamped after everything before it
        d = add_customer(restored, BRANCH, "戊 after the restore", "13900000005")
        _ok(again.run_once())
        assert d in _hq_rows(hq, "customer")
    finally:
        restored.dispose()
