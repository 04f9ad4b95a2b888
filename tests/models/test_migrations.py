"""The migrations build exactly the schema the models describe, on an empty file."""

from __future__ import annotations

import sqlite3
import warnings
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from branch_crm.db import open_database
from branch_crm.db.revisions import head_revision
from branch_crm.models import Base, synced_tables


def test_migrated_schema_matches_models(db_path: Path) -> None:
    database = open_database(db_path)
    with database.engine.connect() as conn, warnings.catch_warnings():
        # SQLite cannot reflect the expression index on the last four phone digits
        warnings.simplefilter("ignore")
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    database.dispose()
    assert diff == []


def test_database_is_in_wal_mode_with_foreign_keys(db_path: Path) -> None:
    database = open_database(db_path)
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
    database.dispose()


def test_every_synced_table_is_sync_ready(db_path: Path) -> None:
    database = open_database(db_path)
    inspector = inspect(database.engine)
    for cls in synced_tables():
        table = cls.__tablename__  # type: ignore[attr-defined]
        columns = {c["name"]: c for c in inspector.get_columns(table)}
        for required in ("id", "branch_id", "created_at", "updated_at", "deleted_at"):
            assert required in columns, (table, required)
        assert inspector.get_pk_constraint(table)["constrained_columns"] == ["id"]
    database.dispose()


def test_backup_is_taken_before_a_pending_migration(db_path: Path) -> None:
    from branch_crm.db import make_engine
    from branch_crm.db.revisions import run_migrations

    engine = make_engine(db_path)
    run_migrations(engine, "0001")  # a real database at the first revision
    engine.dispose()
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE marker (x)")
    conn.commit()
    conn.close()
    assert head_revision() != "0001"  # so opening the file has migrations to run
    database = open_database(db_path)
    database.dispose()
    backups = list(db_path.parent.glob("branch.db.pre-0001-*.bak"))
    assert len(backups) == 1
    check = sqlite3.connect(backups[0])
    assert check.execute("SELECT name FROM sqlite_master WHERE name='marker'").fetchone()
    assert check.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    check.close()
    live = sqlite3.connect(db_path)
    assert live.execute("SELECT version_num FROM alembic_version").fetchone() == (head_revision(),)
    live.close()


def test_migrations_have_a_single_head() -> None:
    from alembic.script import ScriptDirectory

    from branch_crm.db.revisions import alembic_config

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"several Alembic heads: {heads}; chain the newest migration"
