"""Shared fixtures: a fresh branch database, actors per role, a service call in its own unit
of work, a frozen clock, a fresh head-office database. Helpers the tests import live in
tests/support; the UI tests' fixtures in tests/ui/conftest.py."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.support.accounts import BRANCH
from tests.support.postgres import fresh_postgres_database

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session", autouse=True)
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A new, empty branch database opened in a test starts as a copy of one database this
    worker migrated once with the real migrations (about 0.3 s saved per database; the
    migrations themselves are tested in tests/models/test_migrations.py, from an empty file
    and from each older release). The copy gets its own random sync node id, as a migrated
    file does; any other start (an older revision, a partial schema) runs the migrations."""
    import secrets
    import sqlite3

    from branch_crm import db as dbmod
    from branch_crm.db import revisions

    template = tmp_path_factory.mktemp("template") / "template.db"
    engine = dbmod.make_engine(template)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    revisions.run_migrations(engine)
    engine.dispose()
    real = dbmod.run_migrations

    def from_template(target: Any, revision: str = "head") -> None:
        with target.connect() as conn:
            empty = conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar() == 0
        if revision != "head" or not empty:
            real(target, revision)
            return
        source = sqlite3.connect(template)
        try:
            with target.connect() as conn:
                raw = conn.connection.dbapi_connection
                source.backup(raw)
                raw.execute("UPDATE sync_state SET node_id = ?", (secrets.token_hex(8),))
                raw.commit()
        finally:
            source.close()

    patch = pytest.MonkeyPatch()
    patch.setattr(dbmod, "run_migrations", from_template)
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def _isolated_data_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never touch the real per-user data folder or credential store from a test (sync
    tokens go to the user-only fallback file; a test of the store switches it back on)."""
    monkeypatch.setenv("BRANCH_CRM_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    monkeypatch.setenv("BRANCH_CRM_KEYRING", "off")


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


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    """A command line run in-process sets up the root logger (a console handler, a log
    file in that test's data folder); put it back as it was, so one test's logging set-up
    never writes into another test's output."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    configured = getattr(root, "_branch_crm_configured", False)
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)
    root._branch_crm_configured = configured  # type: ignore[attr-defined]


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


@pytest.fixture
def lock_database(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``with lock_database(db):`` another program holds the write lock of ``db``'s file, and
    the app waits 50 ms for it, not the 5 s busy timeout (for the rest of the test)."""
    import sqlite3
    from contextlib import contextmanager

    from branch_crm import db as database

    @contextmanager
    def hold(target: database.Database) -> Iterator[None]:
        monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 50)
        target.engine.dispose()  # new connections take the short timeout
        holder = sqlite3.connect(target.path, timeout=0.1, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.rollback()
            holder.close()

    return hold


@pytest.fixture
def read_only_file(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """``read_only_file(path)``: the app finds ``path`` not writable, for the rest of the test
    (simulated: tests run as root, which ignores file modes)."""

    def make(target: Path) -> None:
        real_access = os.access

        def no_write(path: object, mode: int) -> bool:
            if mode & os.W_OK and Path(str(path)) == target:
                return False
            return real_access(path, mode)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "access", no_write)

    return make


@pytest.fixture
def ctx_write():  # type: ignore[no-untyped-def]
    """ctx_write(ctx, fn, **kwargs): ``ctx.write`` (the database thread) waited for; returns
    the result, raises the error."""

    def run(ctx: Any, fn: Any, **kwargs: Any) -> Any:
        outcome: dict[str, Any] = {}
        job = ctx.write(
            fn,
            on_done=lambda result: outcome.setdefault("result", result),
            on_error=lambda exc: outcome.setdefault("error", exc),
            **kwargs,
        )
        assert job is not None and ctx.tasks.wait_idle(10)
        if "error" in outcome:
            raise outcome["error"]
        return outcome["result"]

    return run


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


@pytest.fixture
def call(db):  # type: ignore[no-untyped-def]
    """call(actor, fn, **kwargs): run a service function in its own unit of work."""
    from tests.support.services import run_service

    return partial(run_service, db)


@pytest.fixture
def clock() -> Iterator[Callable[[datetime], None]]:
    """clock(instant): freeze time at ``instant`` (aware); call again to move it."""
    import time_machine

    travellers: list[tuple[Any, Any]] = []

    def move(instant: datetime) -> None:
        if travellers:
            travellers[-1][1].move_to(instant)
            return
        traveller = time_machine.travel(instant, tick=False)
        travellers.append((traveller, traveller.start()))

    yield move
    for traveller, _coordinates in travellers:
        traveller.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def hq_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty head-office database: a SQLite file, or a uniquely named PostgreSQL
    database (skipped with the reason when no server answers)."""
    if request.param == "sqlite":
        yield f"sqlite+pysqlite:///{tmp_path / 'hq.db'}"
        return
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture
def hq_and_branch(tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    """(head office on loopback (SQLite), (branch database, sync client)) for branch BR001."""
    from branch_crm.hq.testing import registered_branch, running_hq

    with running_hq(f"sqlite+pysqlite:///{tmp_path / 'hq.db'}") as hq:
        db, client = registered_branch(
            hq.base_url, tmp_path / "branch.db", BRANCH, hq.add_branch(BRANCH)
        )
        try:
            yield hq, (db, client)
        finally:
            db.dispose()
