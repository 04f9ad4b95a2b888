"""Head office's schema: its Alembic migrations, and the default reference rows published
right after them (the rows every PC seeds by itself, see hq.admin ``seed_reference``)."""

from __future__ import annotations

from importlib import resources
from typing import Any

from sqlalchemy.engine import Connection, Engine

from branch_crm.hq import summary
from branch_crm.hq.admin import seed_reference
from branch_crm.hq.db import WRITE_OPTION, is_postgres


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Any:
    """The Alembic configuration of head office's own migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("branch_crm.hq") / "migrations"))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade head office's schema (SQLite or PostgreSQL) in one transaction."""
    from alembic import command

    with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
        command.upgrade(alembic_config(connection=conn), revision)
        if revision == "head":  # the default reference rows every PC seeds, published
            seed_reference(conn)
            if is_postgres(conn) and summary.meta(conn) is None:
                summary.rebuild(conn)  # the dashboard's summaries: counted once, then kept


def current_revision(engine: Engine) -> str | None:
    """The schema revision of head office's database (None when empty)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The newest head-office migration this version knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head
