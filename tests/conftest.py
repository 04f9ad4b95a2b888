"""Shared fixtures: a fresh branch database, signed-in actors per role, frozen clocks."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_data_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never touch the real per-user data folder or credential store from a test."""
    monkeypatch.setenv("BRANCH_CRM_DATA_DIR", str(tmp_path_factory.mktemp("data")))


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests read English messages unless they switch language themselves; the OS language
    (what the CLI and the app use when nothing else says) is English too, whatever the
    machine's locale, for child processes as well."""
    from branch_crm.i18n import set_language

    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.setenv("LC_MESSAGES", "en_US.UTF-8")
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Path of a database file that does not exist yet."""
    return tmp_path / "branch.db"


@pytest.fixture
def db(db_path: Path):  # type: ignore[no-untyped-def]
    """A migrated, empty branch database."""
    from branch_crm.db import open_database

    database = open_database(db_path)
    yield database
    database.dispose()


BRANCH = "BR001"


def _actor(role: str):  # type: ignore[no-untyped-def]
    from branch_crm.models import Role
    from branch_crm.services.context import Actor

    return Actor(f"staff-{role}", role, role.title(), Role(role), BRANCH)


@pytest.fixture
def counter():  # type: ignore[no-untyped-def]
    """An actor with the counter role (no staff row behind it)."""
    return _actor("counter")


@pytest.fixture
def courier():  # type: ignore[no-untyped-def]
    """An actor with the courier role."""
    return _actor("courier")


@pytest.fixture
def supervisor():  # type: ignore[no-untyped-def]
    """An actor with the supervisor role."""
    return _actor("supervisor")


@pytest.fixture
def admin():  # type: ignore[no-untyped-def]
    """An actor with the admin role."""
    return _actor("admin")
