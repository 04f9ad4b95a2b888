"""Fixtures of the sync UI tests: a real head office on loopback (SQLite), a fault proxy in
front of it, branch databases registered through the proxy. Helpers the tests call live in
sync_ui_helpers.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.faultproxy import FaultProxy


@pytest.fixture
def hq(tmp_path: Path) -> Iterator[Any]:
    """A head office (SQLite) serving on loopback."""
    from branch_crm.hq.testing import running_hq

    with running_hq(f"sqlite+pysqlite:///{tmp_path / 'hq.db'}") as server:
        yield server


@pytest.fixture
def proxy(hq: Any) -> Iterator[FaultProxy]:
    """A fault proxy in front of head office (the branch talks to head office through it)."""
    with FaultProxy(hq.base_url) as running:
        yield running


@pytest.fixture
def branch_db(hq: Any, proxy: FaultProxy, tmp_path: Path) -> Iterator[Any]:
    """Branch BR001 (the conftest actors' branch), registered through the proxy."""
    from sync_ui_helpers import open_branch

    db = open_branch(hq, proxy.url, tmp_path / "br001.db", "BR001")
    yield db
    db.dispose()
