"""Fixtures for sync tests: a head office on loopback (SQLite and PostgreSQL) and branches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from postgres_helpers import fresh_postgres_database


@pytest.fixture(autouse=True)
def _no_os_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tokens go to the user-only fallback file, never to this machine's credential store."""
    monkeypatch.setenv("BRANCH_CRM_KEYRING", "off")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def hq_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh head-office database: a SQLite file, or a uniquely named PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+pysqlite:///{tmp_path / 'hq.db'}"
        return
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture
def hq(hq_database_url: str) -> Iterator[Any]:
    """A head office serving on a free loopback port."""
    from branch_crm.hq.testing import running_hq

    with running_hq(hq_database_url) as server:
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
