"""Guard for every migration: capture triggers cover each synced table and column at head.

A migration that recreates a synced table (batch mode) drops its triggers; it must end with
``install_capture(op.get_bind(), revision)``. This test fails when one forgot.
"""

from __future__ import annotations

from sqlalchemy import text

from branch_crm.db import Database
from branch_crm.sync.capture import TRIGGER_PREFIX, capture_plan


def test_every_synced_column_is_captured(db: Database) -> None:
    with db.engine.connect() as conn:
        triggers = dict(
            conn.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE :p"),
                {"p": TRIGGER_PREFIX + "%"},
            ).all()
        )
        missing: list[str] = []
        for table, (kind, local) in capture_plan().items():
            if kind == "reference":
                continue
            columns = [r[1] for r in conn.exec_driver_sql(f'PRAGMA table_info("{table}")')]
            suffixes = ["_ins"] if kind == "insert_only" else ["_ins", "_upd"]
            for suffix in suffixes:
                sql = triggers.get(f"{TRIGGER_PREFIX}{table}{suffix}")
                if sql is None:
                    missing.append(f"{table}{suffix}: no trigger")
                    continue
                missing += [
                    f"{table}{suffix}: {c}"
                    for c in columns
                    if c not in local and f'NEW."{c}"' not in sql
                ]
    assert missing == []
