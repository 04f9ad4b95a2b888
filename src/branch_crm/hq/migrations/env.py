"""Alembic environment of head office; run through ``branch_crm.hq.schema.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from branch_crm.hq.tables import hq_metadata

config = context.config


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=hq_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations() -> None:
    """Run on the connection handed over by the app (or the configured URL)."""
    connection = config.attributes.get("connection")
    if connection is None:
        url = config.get_main_option("sqlalchemy.url") or "sqlite:///hq.db"
        with create_engine(url).begin() as conn:
            _run(conn)
    else:
        _run(connection)


run_migrations()
