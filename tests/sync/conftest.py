"""Fixtures for sync tests: a head office on loopback (SQLite and PostgreSQL) and branches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def hq(hq_url: str) -> Iterator[Any]:
    """A head office serving on a free loopback port."""
    from branch_crm.hq.testing import running_hq

    with running_hq(hq_url) as server:
        yield server


@pytest.fixture
def make_branch(hq: Any, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """``make_branch("BR1", name="db1") -> (Database, SyncClient)`` registered at ``hq``."""
    from branch_crm.hq.testing import registered_branch

    opened = []

    def factory(code: str, name: str | None = None, **kwargs: Any) -> Any:
        path = tmp_path / f"{name or code}.db"
        db, client = registered_branch(hq.base_url, path, code, hq.add_branch(code), **kwargs)
        opened.append(db)
        return db, client

    yield factory
    for db in opened:
        db.dispose()
