"""The queue of open complaints: sorted by time left, with warned/breached state and counts.

Built for 10,000 open complaints refreshed every few seconds: one SQL query that returns
instants as epoch seconds computed by SQLite (no per-value datetime parsing in Python), the
"next" target (response until responded, then resolution) chosen in SQL, and the state at
``now`` decided by comparisons only, so refreshing as time passes needs no query at all
(:func:`row_state`, :func:`seconds_left`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Float, and_, case, func, literal, select
from sqlalchemy.orm import Session

from branch_crm.i18n import N_, _
from branch_crm.models import Complaint, Customer, ReferenceKind
from branch_crm.services.complaints.clock import PAUSED_STATUSES
from branch_crm.services.complaints.reference import code_labels
from branch_crm.services.complaints.search import matching_select
from branch_crm.services.complaints.sla import open_clause
from branch_crm.services.complaints.views import staff_names
from branch_crm.services.context import Actor
from branch_crm.services.dbapi import raw_connection
from branch_crm.services.search_terms import parse
from branch_crm.timeutil import utcnow

OK, WARNED, BREACHED, PAUSED = "ok", "warned", "breached", "paused"
STATE_LABELS = {
    OK: N_("On time"),
    WARNED: N_("Due soon"),
    BREACHED: N_("Breached"),
    PAUSED: N_("Paused"),
}
_EPOCH_JD = 2440587.5


def _epoch(column: Any) -> ColumnElement[float]:
    """SQLite computes the epoch seconds (to the ms) of a stored UTC datetime; NULL stays NULL."""
    return func.round((func.julianday(column) - _EPOCH_JD) * 86400.0, 3).cast(Float)


class QueueRow(NamedTuple):
    """One open complaint in the queue; instants are UTC epoch seconds (None when unknown).

    A named tuple built straight from the SQL row (``QueueRow._make``): 10,000 of them are
    made at every reload. The flags are SQLite's 0/1 on the fast path, so test them for truth.
    """

    id: str
    number: str
    customer_id: str
    customer_name: str
    category: str
    grade: int
    status: str
    assignee_id: str | None
    received_ts: float
    due_ts: float | None
    warn_ts: float | None
    paused_ts: float | None
    response_breached: bool
    resolution_breached: bool
    escalation_level: int
    responded: bool

    @property
    def target(self) -> str:
        """Which clock the row is measured by now: 'response' or 'resolution'."""
        return "resolution" if self.responded else "response"

    @property
    def paused(self) -> bool:
        """True while the resolution clock stands (waiting for the customer)."""
        return self.paused_ts is not None

    @property
    def breached_before(self) -> bool:
        """A breach is on record (it stays even when fixed late)."""
        return self.response_breached or self.resolution_breached


def as_datetime(ts: float | None) -> datetime | None:
    """Epoch seconds as an aware UTC datetime."""
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def row_state(row: QueueRow, now_ts: float) -> str:
    """ok / warned / breached / paused at ``now_ts`` (epoch seconds); comparisons only."""
    if row.breached_before or (row.due_ts is not None and not row.paused and now_ts >= row.due_ts):
        return BREACHED
    if row.paused:
        return PAUSED
    if row.warn_ts is not None and now_ts >= row.warn_ts:
        return WARNED
    return OK


def seconds_left(row: QueueRow, now_ts: float) -> float | None:
    """Wall-clock seconds until the current target (negative when overdue; frozen if paused)."""
    if row.due_ts is None:
        return None
    if row.paused_ts is not None:
        return row.due_ts - row.paused_ts
    return row.due_ts - now_ts


def sort_key(row: QueueRow, now_ts: float) -> tuple[int, float, str]:
    """Running clocks first, least time left first; paused rows after them."""
    left = seconds_left(row, now_ts)
    return (int(row.paused), left if left is not None else float("inf"), row.number)


def state_label(state: str) -> str:
    """Translated name of a queue state."""
    return _(STATE_LABELS[state])


@dataclass(frozen=True)
class QueueFilter:
    """Narrow the queue; None/False means no restriction."""

    mine: bool = False
    grade: int | None = None
    category: str | None = None
    breached: bool = False
    waiting: bool = False
    received_since: float | None = None
    """Received at or after this instant (UTC epoch seconds): a report's period."""
    received_before: float | None = None
    """Received before this instant (UTC epoch seconds)."""
    ids: frozenset[str] | None = None
    """Only these complaints: what the search box found (services.complaints.search)."""

    def accepts(self, row: QueueRow, now_ts: float, staff_id: str | None) -> bool:
        """True when the row passes every chosen filter at ``now_ts``."""
        if (self.mine and row.assignee_id != staff_id) or (
            self.ids is not None and row.id not in self.ids
        ):
            return False
        since, before = self.received_since, self.received_before
        if (since is not None and row.received_ts < since) or (
            before is not None and row.received_ts >= before
        ):
            return False
        if self.grade is not None and row.grade != self.grade:
            return False
        if self.category is not None and row.category != self.category:
            return False
        if self.waiting and row.status not in PAUSED_STATUSES:
            return False
        return not (self.breached and row_state(row, now_ts) != BREACHED)


def _query(*, open_only: bool = True) -> Any:
    responded = Complaint.responded_at.is_not(None)
    query = select(
        Complaint.id,
        Complaint.number,
        Complaint.customer_id,
        Customer.name,
        Complaint.category,
        Complaint.grade,
        Complaint.status,
        Complaint.assignee_id,
        _epoch(Complaint.received_at),
        case(
            (responded, _epoch(Complaint.resolution_due_at)),
            else_=_epoch(Complaint.response_due_at),
        ),
        case(
            (responded, _epoch(Complaint.resolution_warn_at)),
            else_=_epoch(Complaint.response_warn_at),
        ),
        _epoch(Complaint.paused_since),
        Complaint.response_breached,
        Complaint.resolution_breached,
        func.coalesce(Complaint.escalation_level, 0),
        responded,
    ).join(Customer, Customer.id == Complaint.customer_id)
    return query.where(open_clause()) if open_only else query.where(Complaint.deleted_at.is_(None))


_row = QueueRow._make


def list_complaints(
    *, session: Session, limit: int | None = None, search: str | None = None
) -> list[QueueRow]:
    """Every complaint, open or closed, newest first (``limit`` rows at most); ``search``:
    only those a search box's text finds (services.complaints.search)."""
    query = _query(open_only=False).order_by(Complaint.received_at.desc())
    if search and search.strip():
        query = query.where(Complaint.id.in_(select(matching_select(session, parse(search)).c.id)))
    if limit:
        query = query.limit(limit)
    return [_row(r) for r in session.execute(query).tuples()]


@cache
def _open_sql() -> str:
    from sqlalchemy.dialects import sqlite

    compiled = _query().compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
    return str(compiled)


def load_queue(*, session: Session, flt: QueueFilter | None = None) -> list[QueueRow]:
    """Every open complaint (SQL-side filters for grade/category/waiting), unsorted.

    Without filters the pre-compiled statement runs on the DBAPI cursor (no per-value type
    processing): this is the path of the 10,000-row queue refresh.
    """
    if flt is None or (flt.grade is None and flt.category is None and not flt.waiting):
        rows = raw_connection(session).execute(_open_sql()).fetchall()
        return list(map(_row, rows))
    query = _query()
    if flt.grade is not None:
        query = query.where(Complaint.grade == flt.grade)
    if flt.category is not None:
        query = query.where(Complaint.category == flt.category)
    if flt.waiting:
        query = query.where(Complaint.status.in_(PAUSED_STATUSES))
    return [_row(r) for r in session.execute(query).tuples()]


def list_queue(
    *,
    session: Session,
    actor: Actor | None = None,
    flt: QueueFilter | None = None,
    now: datetime | None = None,
) -> list[QueueRow]:
    """Open complaints passing ``flt``, least time left first (paused ones last)."""
    flt = flt or QueueFilter()
    now_ts = (now or utcnow()).timestamp()
    staff_id = actor.staff_id if actor else None
    rows = [r for r in load_queue(session=session, flt=flt) if flt.accepts(r, now_ts, staff_id)]
    rows.sort(key=lambda r: sort_key(r, now_ts))
    return rows


@dataclass(frozen=True)
class QueueCounts:
    """Figures for the home card and the status bar."""

    open: int
    warned: int
    breached: int
    waiting: int
    mine: int


def queue_counts(
    *, session: Session, actor: Actor | None = None, now: datetime | None = None
) -> QueueCounts:
    """Counts of open complaints by state at ``now``, in one aggregate query."""
    now_ts = (now or utcnow()).timestamp()
    responded = Complaint.responded_at.is_not(None)
    due = case(
        (responded, _epoch(Complaint.resolution_due_at)), else_=_epoch(Complaint.response_due_at)
    )
    warn = case(
        (responded, _epoch(Complaint.resolution_warn_at)), else_=_epoch(Complaint.response_warn_at)
    )
    running = Complaint.paused_since.is_(None)
    breached = (
        Complaint.response_breached.is_(True)
        | Complaint.resolution_breached.is_(True)
        | and_(running, due <= now_ts)
    )
    waiting = Complaint.status.in_(PAUSED_STATUSES)
    staff_id = actor.staff_id if actor else None

    def count(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = session.execute(
        select(
            func.count(Complaint.id),
            count(and_(~breached, running, warn <= now_ts)),
            count(breached),
            count(waiting),
            count(Complaint.assignee_id == staff_id) if staff_id else literal(0),
        ).where(open_clause())
    ).one()
    return QueueCounts(*(int(v or 0) for v in row))


@dataclass(frozen=True)
class QueueSnapshot:
    """Everything the queue screen shows, loaded in one go: rows and the names they need."""

    rows: list[QueueRow]
    categories: dict[str, str]
    staff: dict[str, str]


def queue_snapshot(*, session: Session) -> QueueSnapshot:
    """All open complaints (unsorted) with category labels and assignee names."""
    rows = load_queue(session=session)
    return QueueSnapshot(
        rows=rows,
        categories=code_labels(session, ReferenceKind.COMPLAINT_CATEGORY),
        staff=staff_names(session, {r.assignee_id for r in rows}),
    )
