"""Head-office tests run against SQLite and PostgreSQL (skipped with a reason when absent)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from postgres_helpers import fresh_postgres_database


@pytest.fixture(autouse=True)
def _no_os_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRANCH_CRM_KEYRING", "off")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def hq_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty head-office database URL."""
    if request.param == "sqlite":
        yield f"sqlite+pysqlite:///{tmp_path / 'hq.db'}"
        return
    with fresh_postgres_database() as url:
        yield url
