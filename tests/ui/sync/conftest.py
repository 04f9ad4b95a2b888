"""Fixtures of the sync UI tests: a real head office on loopback (SQLite), a fault proxy in
front of it, branch databases registered through the proxy, patched message boxes.
Helpers the tests call live in sync_ui_helpers.py."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SYNC_TESTS = Path(__file__).resolve().parents[2] / "sync"
if str(SYNC_TESTS) not in sys.path:
    sys.path.append(str(SYNC_TESTS))

from faultproxy import FaultProxy  # noqa: E402 - after the path set-up above


@pytest.fixture(autouse=True)
def _qt_garbage_dies_on_the_gui_thread() -> Iterator[None]:
    """A test's context, controller and timers end up in reference cycles (jobs hold the
    context); collect them here, on the GUI thread, before the next test. Left to the cyclic
    garbage collector they die on whichever thread it runs next (uvicorn's, the proxy's, a
    worker's), and Qt crashes on the next timer event of a QTimer deleted from another
    thread."""
    yield
    gc.collect()


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Patch the message boxes so nothing modal blocks a test."""
    from sync_ui_helpers import Boxes

    from branch_crm.ui import messages

    recorded = Boxes()

    def confirm(_parent: object, text: str, *args: object, **kwargs: object) -> bool:
        recorded.confirms.append(text)
        return recorded.answer

    monkeypatch.setattr(messages, "show_error", lambda _p, e, *a, **k: recorded.errors.append(e))
    monkeypatch.setattr(messages, "info", lambda _p, t, *a, **k: recorded.infos.append(t))
    monkeypatch.setattr(messages, "confirm", confirm)
    return recorded


@pytest.fixture
def hq(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A head office (SQLite) serving on loopback; tokens kept in the fallback file."""
    from branch_crm.hq.testing import running_hq

    monkeypatch.setenv("BRANCH_CRM_KEYRING", "off")
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
