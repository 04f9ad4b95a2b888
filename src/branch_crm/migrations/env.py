"""Alembic environment of the branch database; run through
``branch_crm.db.revisions.run_migrations``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from branch_crm.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    """Run on the connection handed over by the app (or a URL for command-line use)."""
    connection = config.attributes.get("connection")
    if connection is None:
        url = config.get_main_option("sqlalchemy.url") or "sqlite:///branch.db"
        with create_engine(url).begin() as conn:
            _run(conn)
    else:
        _run(connection)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
