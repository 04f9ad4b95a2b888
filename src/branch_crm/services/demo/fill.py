"""Demo data: ``fill_demo(path, customers=N, seed=S)`` fills a new branch database.

Staff (one per role, credentials returned), branch settings, N customers with phones, 18 months
of volumes, pickup preferences, then the classification, the lookup index, a few demo
complaints, returned surveys with their follow-ups and training sessions with attendance
(services.demo.activity). Customers are written with plain ``sqlite3`` ``executemany`` in large
transactions, without per-row ORM work, audit entries or sync capture (a demo is not a change to
sync), so a million customers take minutes, not hours; the classification and the index are
built with SQL at the end.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from branch_crm.db import Database, backup_file, open_database
from branch_crm.errors import CrmError
from branch_crm.i18n import _
from branch_crm.models import Customer, Role, Staff
from branch_crm.services.context import Actor, system_actor, unit_of_work
from branch_crm.services.customers.classification import compute_stats, stats_params, store_basis
from branch_crm.services.customers.listing import bulk_list_load
from branch_crm.services.customers.search_index import docs_from_columns, rebuild_terms
from branch_crm.services.demo.activity import add_demo_activity
from branch_crm.services.demo.complaints import add_demo_complaints
from branch_crm.services.demo.generator import DemoGenerator, Rows
from branch_crm.services.settings import values as settings
from branch_crm.services.staff.accounts import create_staff
from branch_crm.sync.capture import capture_suspended
from branch_crm.timeutil import local_today

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): stage is "staff", "customers", "stats", "index", "done"."""

BATCH = 20_000
DEMO_STAFF: tuple[tuple[str, str, Role], ...] = (
    ("admin", "周涛", Role.ADMIN),
    ("supervisor", "陈静", Role.SUPERVISOR),
    ("counter", "王芳", Role.COUNTER),
    ("courier", "李强", Role.COURIER),
)
SETTINGS = {
    "branch.name": "浦东世纪大道网点",
    "company.name": "示例速运有限公司",
}

CUSTOMER_SQL = (
    "INSERT INTO customer (id, branch_id, created_at, updated_at, name, name_pinyin, "
    "name_initials, customer_type, company, address, birthday, first_shipment_date, "
    "account_manager_id, need_tags, visit_class, notes, marketing_consent, local_no) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
PHONE_SQL = (
    "INSERT INTO customer_phone (id, branch_id, created_at, updated_at, customer_id, phone, "
    "kind, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
VOLUME_SQL = (
    "INSERT INTO monthly_volume (id, branch_id, created_at, updated_at, customer_id, month, "
    "parcels, revenue_cents) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
PREFERENCE_SQL = (
    "INSERT INTO pickup_preference (id, branch_id, created_at, updated_at, customer_id, "
    "availability, away_weekends, drop_off, call_before_minutes, packaging, special_handling, "
    "notes, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True)
class DemoCredential:
    """A demo staff account (the password is shown once, by the CLI)."""

    username: str
    password: str
    role: str
    display_name: str


@dataclass(frozen=True)
class DemoResult:
    """What ``fill_demo`` made and how long it took."""

    path: Path
    customers: int
    staff: tuple[DemoCredential, ...]
    complaints: int
    seconds: float
    file_bytes: int


def _check_empty(db: Database) -> None:
    with db.session() as session:
        count = session.scalar(select(func.count()).select_from(Customer)) or 0
    if count:
        raise CrmError(
            _(
                "The database {path} already holds {count} customers; demo data goes into a "
                "new database file."
            ).format(path=str(db.path), count=count)
        )


def _password(rng: random.Random, role: str) -> str:
    return f"{role}-{rng.randrange(1000, 10000)}"


def _create_staff(
    session: Session, actor: Actor, *, username: str, name: str, role: Role, password: str
) -> str:
    """Create a staff member through the staff service."""
    view = create_staff(
        session=session, actor=actor, username=username, display_name=name, role=role,
        password=password,
    )  # fmt: skip
    return view.id


def _free_username(session: Any, wanted: str) -> str:
    taken = set(session.scalars(select(Staff.username)))
    return wanted if wanted not in taken else f"demo-{wanted}"


def _staff_and_settings(
    db: Database, seed: int
) -> tuple[str, list[DemoCredential], dict[str, str]]:
    """Branch settings and one staff member per role; returns branch, credentials, role ids."""
    rng = random.Random(seed)
    with db.session() as probe:
        branch = str(settings.get(probe, "branch.code"))
    credentials: list[DemoCredential] = []
    ids: dict[str, str] = {}
    with unit_of_work(db, system_actor(branch)) as session:
        settings.put(session, None, "branch.code", branch)  # explicit, not only the default
        for key, value in SETTINGS.items():
            if not settings.get(session, key):
                settings.put(session, None, key, value)
        actor = session.info["actor"]
        for role_name, display, role in DEMO_STAFF:
            username = _free_username(session, role_name)
            password = _password(rng, role_name)
            ids[role_name] = _create_staff(
                session, actor, username=username, name=display, role=role, password=password
            )
            credentials.append(DemoCredential(username, password, role.value, display))
    return branch, credentials, ids


LOADED_TABLES = (
    "customer",
    "customer_phone",
    "monthly_volume",
    "pickup_preference",
    "customer_stats",
)


@contextmanager
def _triggers_paused(raw: sqlite3.Connection) -> Iterator[None]:
    """Drop the triggers of the loaded tables during the load, recreate them unchanged after.

    Same transaction, so nothing outside ever sees them missing. Nothing is lost: sync
    capture is suspended for the load anyway, and what the other triggers maintain (lookup
    index, customer list) is rebuilt from the tables at the end. Saves a third of the time.
    """
    marks = ", ".join("?" for _ in LOADED_TABLES)
    triggers = raw.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({marks})",
        LOADED_TABLES,
    ).fetchall()
    for name, _sql in triggers:
        raw.execute(f'DROP TRIGGER "{name}"')
    try:
        yield
    finally:
        for _name, sql in triggers:
            raw.execute(sql)


@contextmanager
def _bulk_connection(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection tuned for one big load, in one explicit transaction.

    The load runs with an in-memory rollback journal instead of WAL: a multi-gigabyte
    transaction in WAL mode slows down as the WAL grows, and pages would be written twice.
    Nothing else may have the file open meanwhile; WAL mode is restored afterwards.
    """
    raw = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    try:
        mode = raw.execute("PRAGMA journal_mode=MEMORY").fetchone()[0]
        log.debug("demo load journal mode: %s", mode)
        raw.execute("PRAGMA foreign_keys=ON")
        raw.execute("PRAGMA synchronous=OFF")
        raw.execute("PRAGMA cache_size=-262144")  # 256 MB while loading
        raw.execute("PRAGMA temp_store=FILE")
        raw.execute("BEGIN IMMEDIATE")
        yield raw
        raw.execute("COMMIT")
    except BaseException:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        raise
    finally:
        raw.execute("PRAGMA journal_mode=WAL")
        raw.close()


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextmanager
def _restored_on_failure(path: Path, existed: bool) -> Iterator[None]:
    """If filling fails, leave the file as it was: removed when new, else from a copy."""
    backup = path.with_name(path.name + ".pre-demo.bak") if existed else None
    if backup is not None:
        backup_file(path, backup)
    try:
        yield
    except BaseException:
        _remove_database(path)
        if backup is not None:
            backup.replace(path)
        raise
    if backup is not None:
        backup.unlink(missing_ok=True)


def _write(raw: sqlite3.Connection, rows: Rows) -> None:
    raw.executemany(CUSTOMER_SQL, rows.customers)
    raw.executemany(PHONE_SQL, rows.phones)
    raw.executemany(VOLUME_SQL, rows.volumes)
    raw.executemany(PREFERENCE_SQL, rows.preferences)


def _load_customers(
    raw: sqlite3.Connection, gen: DemoGenerator, total: int, progress: Progress
) -> None:
    """Generate batch k+1 while SQLite writes batch k (sqlite3 releases the GIL in step)."""
    done = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-writer") as writer:
        pending: Future[None] | None = None
        while done < total:
            rows = Rows()
            for local_no in range(done + 1, min(total, done + BATCH) + 1):
                gen.add_customer(rows, local_no)
            if pending is not None:
                pending.result()
            pending = writer.submit(_write, raw, rows)
            done += len(rows.customers)
            progress("customers", done, total)
        if pending is not None:
            pending.result()


def _build_index(raw: sqlite3.Connection, progress: Progress) -> None:
    """Lookup index and planner statistics, in SQL."""
    progress("index", 0, 1)
    docs_from_columns(raw)
    rebuild_terms(raw)
    raw.execute("DELETE FROM search_dirty")
    raw.execute("PRAGMA analysis_limit=2000")
    raw.execute("ANALYZE")


def _complaints(path: Path, branch: str, customers: int, seed: int, *, activity: bool) -> int:
    """Demo complaints from the complaints feature's own generator, then (``activity``) the
    surveys, follow-ups and training sessions, all in one open of the database."""
    wanted = max(10, min(300, customers // 40))
    db = open_database(path)
    try:
        made = 0
        with unit_of_work(db, system_actor(branch)) as session:
            made = int(add_demo_complaints(session, wanted, branch_id=branch, seed=seed))
        if activity:
            with unit_of_work(db, system_actor(branch)) as session:
                add_demo_activity(session, branch_id=branch, customers=customers, seed=seed)
        return made
    finally:
        db.dispose()


def _silent(_stage: str, _done: int, _total: int) -> None:
    return None


@dataclass(frozen=True)
class _Plan:
    branch: str
    credentials: list[DemoCredential]
    staff_ids: dict[str, str]
    params: dict[str, Any]


def _plan(path: Path, seed: int) -> _Plan:
    """Staff, settings and the classification parameters (through the normal services)."""
    db = open_database(path)
    try:
        branch, credentials, staff_ids = _staff_and_settings(db, seed)
        with db.session() as session:
            params = stats_params(session, local_today())
    finally:
        db.dispose()
    return _Plan(branch, credentials, staff_ids, params)


def _ensure_empty(path: Path) -> None:
    db = open_database(path)
    try:
        _check_empty(db)
    finally:
        db.dispose()


def _load(path: Path, plan: _Plan, customers: int, seed: int, report: Progress) -> None:
    ids = plan.staff_ids
    gen = DemoGenerator(
        seed, local_today(), plan.branch, [ids["supervisor"], ids["counter"]], ids["courier"]
    )
    with _bulk_connection(path) as raw, capture_suspended(raw):
        with _triggers_paused(raw), bulk_list_load(raw):
            _load_customers(raw, gen, customers, report)
            report("stats", 0, 1)
            compute_stats(raw, plan.params, None)
            store_basis(raw, plan.params)
        _build_index(raw, report)


def fill_demo(
    path: Path | str,
    *,
    customers: int = 2000,
    seed: int = 1,
    progress: Progress | None = None,
    complaints: bool = True,
    activity: bool = True,
) -> DemoResult:
    """Fill a new (or empty) branch database with demo data; raises CrmError if not empty.

    ``complaints`` False leaves out the complaints and everything after them (surveys,
    follow-ups, training: ``activity``), for tests of the customers alone.

    On any failure the file is left as it was (a new file is removed).
    """
    started = time.perf_counter()
    report = progress or _silent
    target = Path(path)
    existed = target.exists()
    _ensure_empty(target)
    with _restored_on_failure(target, existed):
        report("staff", 0, 1)
        plan = _plan(target, seed)
        _load(target, plan, customers, seed, report)
        made = (
            _complaints(target, plan.branch, customers, seed, activity=activity)
            if complaints
            else 0
        )
    report("done", 1, 1)
    file_bytes = target.stat().st_size
    seconds = time.perf_counter() - started
    log.info("demo: %d customers in %.1f s (%d bytes)", customers, seconds, file_bytes)
    return DemoResult(target, customers, tuple(plan.credentials), made, seconds, file_bytes)
