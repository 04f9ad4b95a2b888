"""The session's own DBAPI (sqlite3) connection, for bulk SQL and the lookup's hot path.

Raw SQL runs in the session's transaction: pending ORM changes are flushed first so the
statements see them, and the caller's unit of work commits or rolls back everything together.
"""

from __future__ import annotations

import sqlite3
from typing import cast

from sqlalchemy.orm import Session


def raw_connection(session: Session, *, flush: bool = True) -> sqlite3.Connection:
    """The sqlite3 connection under ``session`` (flushing pending ORM changes first)."""
    if flush and (session.new or session.dirty or session.deleted):
        session.flush()
    return cast(sqlite3.Connection, session.connection().connection.dbapi_connection)
