"""Helpers of the sync UI tests (a module with a unique name, importable by tests)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


def open_branch(hq: Any, url: str, path: Path, code: str) -> Any:
    """A branch database registered at head office through ``url``."""
    from branch_crm.hq.testing import registered_branch

    db, _client = registered_branch(url, path, code, hq.add_branch(code))
    return db


def value(db: Any, sql: str, *params: Any) -> Any:
    """One value read with raw SQL."""
    with sqlite3.connect(db.path) as raw:
        row = raw.execute(sql, params).fetchone()
        return row[0] if row else None
