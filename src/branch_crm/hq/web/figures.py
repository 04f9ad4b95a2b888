"""The dashboard's figures, read from the branches' synced rows at head office: set-based
SQLAlchemy Core queries (PostgreSQL and SQLite alike), grouped by branch, for a period. On
PostgreSQL, once the summaries are built (hq.summary), the same figures are summed from them
instead (the ``_summary_*`` functions at the end); the live queries stay for SQLite, and for
what a summary does not cover.

Definitions follow the branch's own figures (README "Figures", DOMAIN.md KPIs):

* complaints: *received* in the period; *open* and *breached* now (breached: a breach on
  record, or the resolution target passed while not paused); *SLA met*: of the complaints
  received in the period whose resolution is measured (resolved, breached, or target passed),
  those resolved without a resolution breach; hotspots: received by category;
* satisfaction: current responses (a corrected one replaced by its correction) answered in
  the period; CSAT = share of 1-5 answers scored 4 or 5, NPS = % promoters (9-10) - %
  detractors (0-6), CES = mean of the 1-7 effort answers; the question kinds come from the
  survey templates head office published;
* customers: tier from the average parcels of the 3 months up to the period's reference
  month, dormant after 6 months without parcels, churn risk when the reference month fell
  below half of the 3 months before (at least 30 parcels a month); thresholds: head office's
  policy settings, else the defaults;
* training: sessions starting in the period; attendance = (present + late) / marked;
* sync health: last contact (push, pull or a PC seen), PCs not revoked, open conflicts,
  changes quarantined in the period.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Integer,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement, Select

from branch_crm.hq import summary
from branch_crm.hq import tables as t
from branch_crm.hq.policy import policy_values
from branch_crm.hq.web.periods import Period, month_bounds
from branch_crm.timeutil import add_months, month_key

__all__ = [
    "TIERS",
    "Branch",
    "ComplaintFigures",
    "CustomerFigures",
    "Scores",
    "SyncHealth",
    "TrainingFigures",
    "branches",
    "complaint_figures",
    "complaint_list",
    "customer_figures",
    "hotspots",
    "open_complaints",
    "survey_figures",
    "survey_trend",
    "sync_health",
    "training_figures",
    "training_list",
]

complaint = t.ENTITIES["complaint"][0]
response = t.ENTITIES["survey_response"][0]
template = t.ENTITIES["survey_template"][0]
customer = t.ENTITIES["customer"][0]
volume = t.ENTITIES["monthly_volume"][0]
session_t = t.ENTITIES["training_session"][0]
attendee = t.ENTITIES["training_attendee"][0]
conflict = t.ENTITIES["sync_conflict"][0]
reference_code = t.ENTITIES["reference_code"][0]

TIERS = ("strategic", "key", "ordinary", "walk_in")
Branches = Sequence[str] | None
"""The branch codes to read (None: all)."""


def _scoped(query: Select[Any], column: Any, codes: Branches) -> Select[Any]:
    return query if codes is None else query.where(column.in_(list(codes)))


def _pct(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


@dataclass(frozen=True)
class Branch:
    code: str
    name: str


def branches(conn: Connection, codes: Branches = None) -> list[Branch]:
    """The branches (those of ``codes`` when given), by code."""
    query = _scoped(select(t.branch.c.code, t.branch.c.name), t.branch.c.code, codes)
    return [Branch(code, name) for code, name in conn.execute(query.order_by(t.branch.c.code))]


# --- complaints ---------------------------------------------------------------------------


@dataclass
class ComplaintFigures:
    received: int = 0
    breached_received: int = 0
    measured: int = 0
    met: int = 0
    open: int = 0
    breached_open: int = 0

    @property
    def compliance(self) -> float | None:
        return _pct(self.met, self.measured)

    def add(self, other: ComplaintFigures) -> None:
        for name in ("received", "breached_received", "measured", "met", "open"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.breached_open += other.breached_open


def _flag(column: Any) -> ColumnElement[bool]:
    return func.coalesce(column, false()) == true()


def _n(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))


def complaint_figures(
    conn: Connection, period: Period, codes: Branches, now: datetime
) -> dict[str, ComplaintFigures]:
    """branch -> complaint figures of the period (open and breached: now)."""
    if summary.meta(conn) is not None:
        return _summary_complaint_figures(conn, period, codes, now)
    c = complaint.c
    breached = or_(_flag(c.response_breached), _flag(c.resolution_breached))
    measured = or_(
        c.resolved_at.is_not(None),
        _flag(c.resolution_breached),
        and_(c.resolution_due_at < now, c.paused_since.is_(None)),
    )
    met = and_(c.resolved_at.is_not(None), ~_flag(c.resolution_breached))
    received = _scoped(
        select(c.branch_id, func.count(), _n(breached), _n(measured), _n(met))
        .where(
            c.received_at >= period.utc_start,
            c.received_at < period.utc_end,
            c.deleted_at.is_(None),
        )
        .group_by(c.branch_id),
        c.branch_id,
        codes,
    )
    out: dict[str, ComplaintFigures] = defaultdict(ComplaintFigures)
    for branch, n, b, m, ok in conn.execute(received):
        fig = out[branch]
        fig.received, fig.breached_received, fig.measured, fig.met = n, b or 0, m or 0, ok or 0
    open_complaints(conn, codes, now, out)
    return dict(out)


def open_complaints(
    conn: Connection, codes: Branches, now: datetime, out: dict[str, ComplaintFigures]
) -> None:
    """Set the open and breached-now complaints of each branch in ``out`` (the literal
    'closed' lets PostgreSQL read the partial index of the open ones, ix_dash_complaint_open)."""
    c = complaint.c
    breached = or_(_flag(c.response_breached), _flag(c.resolution_breached))
    late_now = or_(breached, and_(c.resolution_due_at < now, c.paused_since.is_(None)))
    open_q = _scoped(
        select(c.branch_id, func.count(), _n(late_now))
        .where(c.status != literal_column("'closed'"), c.deleted_at.is_(None))
        .group_by(c.branch_id),
        c.branch_id,
        codes,
    )
    for branch, n, late in conn.execute(open_q):
        out[branch].open, out[branch].breached_open = n, late or 0


def category_names(conn: Connection, language: str) -> dict[str, str]:
    """complaint category code -> its name in ``language`` (head office's list)."""
    rc = reference_code.c
    name = rc.name_zh if language == "zh_CN" else rc.name_en
    rows = conn.execute(
        select(rc.code, name).where(rc.list_kind == "complaint_category", rc.deleted_at.is_(None))
    )
    return {code: text for code, text in rows}


def hotspots(
    conn: Connection, period: Period, codes: Branches, language: str
) -> list[tuple[str, str, int]]:
    """(category code, name, complaints received) of the period, most first."""
    if summary.meta(conn) is not None:
        return _summary_hotspots(conn, period, codes, language)
    c = complaint.c
    query = _scoped(
        select(c.category, func.count().label("n"))
        .where(
            c.received_at >= period.utc_start,
            c.received_at < period.utc_end,
            c.deleted_at.is_(None),
        )
        .group_by(c.category),
        c.branch_id,
        codes,
    )
    names = category_names(conn, language)
    rows = [(code or "", names.get(code or "", code or "—"), n) for code, n in conn.execute(query)]
    return sorted(rows, key=lambda r: (-r[2], r[0]))


COMPLAINT_LIST_LIMIT = 5000


def complaint_list(
    conn: Connection, branch: str, period: Period, now: datetime, *, open_only: bool = False
) -> list[dict[str, Any]]:
    """One branch's complaints received in the period (or all its open ones), newest first."""
    c = complaint.c
    query = select(
        c.number,
        c.received_at,
        c.category,
        c.grade,
        c.status,
        c.resolution_due_at,
        c.resolved_at,
        c.response_breached,
        c.resolution_breached,
        c.paused_since,
    ).where(c.branch_id == branch, c.deleted_at.is_(None))
    if open_only:
        query = query.where(c.status != "closed")
    else:
        query = query.where(c.received_at >= period.utc_start, c.received_at < period.utc_end)
    rows = conn.execute(query.order_by(c.received_at.desc()).limit(COMPLAINT_LIST_LIMIT))
    out = []
    for r in rows:
        late = bool(r.response_breached or r.resolution_breached) or (
            r.status != "closed"
            and r.paused_since is None
            and r.resolution_due_at is not None
            and r.resolution_due_at < now
        )
        out.append({**r._mapping, "breached": late})
    return out


# --- satisfaction -------------------------------------------------------------------------


@dataclass
class Scores:
    responses: int = 0
    scale_n: int = 0
    scale_happy: int = 0
    nps_n: int = 0
    promoters: int = 0
    detractors: int = 0
    ces_n: int = 0
    ces_sum: int = 0

    @property
    def csat(self) -> float | None:
        return _pct(self.scale_happy, self.scale_n)

    @property
    def nps(self) -> float | None:
        return _pct(self.promoters - self.detractors, self.nps_n)

    @property
    def ces(self) -> float | None:
        return self.ces_sum / self.ces_n if self.ces_n else None

    def add(self, other: Scores) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _question_kinds(conn: Connection) -> dict[str, set[str]]:
    """kind (scale5, nps, ces) -> the question codes of that kind in any published template."""
    kinds: dict[str, set[str]] = {"scale5": set(), "nps": set(), "ces": set()}
    for (stored,) in conn.execute(
        select(template.c["items"]).where(template.c.deleted_at.is_(None))
    ):
        items = json.loads(stored) if isinstance(stored, str) else stored
        for item in items or ():
            if isinstance(item, dict) and item.get("kind") in kinds:
                kinds[str(item["kind"])].add(str(item.get("code")))
    return kinds


def _current(query: Select[Any]) -> Select[Any]:
    later = response.alias("later")
    return query.where(
        response.c.deleted_at.is_(None),
        ~exists().where(later.c.supersedes_id == response.c.id, later.c.deleted_at.is_(None)),
    )


def _score_rows(
    conn: Connection, group: Any, start: datetime, end: datetime, codes: Branches
) -> list[tuple[Any, Scores]]:
    kinds = _question_kinds(conn)
    scored = sorted(kinds["scale5"] | kinds["nps"] | kinds["ces"])
    r = response.c
    period = [r.answered_on >= start, r.answered_on < end]
    counts = _scoped(
        _current(select(group, func.count()).where(*period).group_by(group)), r.branch_id, codes
    )
    out: dict[Any, Scores] = defaultdict(Scores)
    for key, n in conn.execute(counts):
        out[key].responses = n
    if not scored:
        return list(out.items())
    fn = func.json_each_text if conn.dialect.name == "postgresql" else func.json_each
    each = fn(r.answers).table_valued("key", "value").alias("answer")
    value = cast(each.c.value, Integer)

    def kind(name: str) -> ColumnElement[bool]:
        return each.c.key.in_(sorted(kinds[name]) or ["\x00"])

    answers = _scoped(
        _current(
            select(
                group,
                _n(kind("scale5")),
                _n(and_(kind("scale5"), value >= 4)),
                _n(kind("nps")),
                _n(and_(kind("nps"), value >= 9)),
                _n(and_(kind("nps"), value <= 6)),
                _n(kind("ces")),
                func.sum(case((kind("ces"), value), else_=0)),
            )
            .select_from(response)
            .join(each, true())
            .where(*period, each.c.key.in_(scored), each.c.value.is_not(None))
            .group_by(group)
        ),
        r.branch_id,
        codes,
    )
    for key, *numbers in conn.execute(answers):
        s = out[key]
        (s.scale_n, s.scale_happy, s.nps_n, s.promoters, s.detractors, s.ces_n, s.ces_sum) = (
            int(v or 0) for v in numbers
        )
    return list(out.items())


def survey_figures(conn: Connection, period: Period, codes: Branches) -> dict[str, Scores]:
    """branch -> satisfaction scores of the period."""
    if summary.meta(conn) is not None:
        return _summary_survey_figures(conn, period, codes)
    rows = _score_rows(conn, response.c.branch_id, period.utc_start, period.utc_end, codes)
    return {str(k): v for k, v in rows}


def survey_trend(conn: Connection, months: list[str], codes: Branches) -> list[tuple[str, Scores]]:
    """(month, scores) for each month, oldest first (one query, months as CASE buckets)."""
    if summary.meta(conn) is not None:
        return _summary_survey_trend(conn, months, codes)
    bounds = [month_bounds(m) for m in months]
    answered = response.c.answered_on
    bucket = case(
        *[
            (and_(answered >= a, answered < b), literal(m))
            for m, (a, b) in zip(months, bounds, strict=True)
        ],
        else_=literal(""),
    )
    rows = dict(_score_rows(conn, bucket, bounds[0][0], bounds[-1][1], codes))
    return [(m, rows.get(m, Scores())) for m in months]


# --- customers ----------------------------------------------------------------------------


@dataclass
class CustomerFigures:
    total: int = 0
    tiers: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TIERS, 0))
    new: int = 0
    dormant: int = 0
    churn_risk: int = 0

    def add(self, other: CustomerFigures) -> None:
        self.total += other.total
        self.new += other.new
        self.dormant += other.dormant
        self.churn_risk += other.churn_risk
        for tier in TIERS:
            self.tiers[tier] += other.tiers[tier]


def customer_figures(
    conn: Connection, period: Period, codes: Branches
) -> dict[str, CustomerFigures]:
    """branch -> customers by tier, new, dormant and at churn risk, as of the period's end."""
    built = summary.meta(conn)
    if built is not None:
        read = _summary_customer_figures(conn, period, codes, built)
        if read is not None:
            return read
    p = policy_values(conn)
    m0 = period.reference_month
    m1, m2, m3 = (add_months(m0, -i) for i in (1, 2, 3))
    dormant_from = add_months(m0, -(int(p["lifecycle.dormant_months"]) - 1))
    last = month_key(period.end)
    recent = _months_between(dormant_from, last)
    v = volume.c
    mv = _scoped(
        select(
            v.customer_id,
            func.sum(case((v.month.in_([m0, m1, m2]), v.parcels), else_=0)).label("last3"),
            func.sum(case((v.month.in_([m1, m2, m3]), v.parcels), else_=0)).label("prev3"),
            func.sum(case((v.month == m0, v.parcels), else_=0)).label("last"),
            func.max(case((and_(v.parcels > 0, v.month.in_(recent)), 1), else_=0)).label("shipped"),
        )
        .where(v.month.in_(sorted({m3, *recent})), v.deleted_at.is_(None))
        .group_by(v.customer_id),
        v.branch_id,
        codes,
    ).subquery("mv")
    c = customer.c
    last3 = func.coalesce(mv.c.last3, 0)
    prev3 = func.coalesce(mv.c.prev3, 0)
    tier = case(
        (last3 >= 3 * p["tier.strategic_min"], "strategic"),
        (last3 >= 3 * p["tier.key_min"], "key"),
        (last3 >= 3 * p["tier.ordinary_min"], "ordinary"),
        else_="walk_in",
    )
    churn = and_(
        prev3 >= 3 * p["churn.min_parcels"],
        func.coalesce(mv.c.last, 0) * 3 < p["churn.drop_ratio"] * prev3,
    )
    stable = int(p["stage.stable_months"])
    cutoff = _month_start(add_months(month_key(period.end), -stable), period.end.day)
    new = or_(
        c.first_shipment_date > cutoff,
        and_(
            c.first_shipment_date.is_(None),
            c.created_at > datetime.combine(cutoff, datetime.min.time(), UTC),
        ),
    )
    dormant = and_(~new, func.coalesce(mv.c.shipped, 0) == 0)
    query = _scoped(
        select(c.branch_id, tier, _n(new), _n(dormant), _n(churn), func.count())
        .select_from(customer)
        .outerjoin(mv, mv.c.customer_id == c.id)
        .where(c.deleted_at.is_(None), c.created_at < period.utc_end)
        .group_by(c.branch_id, tier),
        c.branch_id,
        codes,
    )
    out: dict[str, CustomerFigures] = defaultdict(CustomerFigures)
    for branch, tier_name, n_new, n_dormant, n_churn, n in conn.execute(query):
        fig = out[branch]
        fig.total += n
        fig.tiers[tier_name] += n
        fig.new += n_new or 0
        fig.dormant += n_dormant or 0
        fig.churn_risk += n_churn or 0
    return dict(out)


def _months_between(first: str, last: str) -> list[str]:
    """'YYYY-MM' keys from ``first`` to ``last`` (equality tests on them are fast on every
    database, where range tests on text go through the collation)."""
    out = [first]
    while out[-1] < last:
        out.append(add_months(out[-1], 1))
    return out


def _month_start(month: str, day: int) -> date:
    """The date ``day`` of ``month`` (its last day when shorter)."""
    year, mon = int(month[:4]), int(month[5:7])
    following = date(year + mon // 12, mon % 12 + 1, 1)
    last_day = (following - date.resolution).day
    return date(year, mon, min(day, last_day))


# --- training -----------------------------------------------------------------------------


@dataclass
class TrainingFigures:
    sessions: int = 0
    present: int = 0
    late: int = 0
    absent: int = 0
    excused: int = 0
    expected: int = 0

    @property
    def attendance(self) -> float | None:
        marked = self.present + self.late + self.absent + self.excused
        return _pct(self.present + self.late, marked)

    def add(self, other: TrainingFigures) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


STATUSES = ("present", "late", "absent", "excused", "expected")


def training_figures(
    conn: Connection, period: Period, codes: Branches
) -> dict[str, TrainingFigures]:
    """branch -> training sessions starting in the period and their attendance."""
    s, a = session_t.c, attendee.c
    in_period = [
        s.starts_at >= period.utc_start,
        s.starts_at < period.utc_end,
        s.deleted_at.is_(None),
    ]
    out: dict[str, TrainingFigures] = defaultdict(TrainingFigures)
    sessions = _scoped(
        select(s.branch_id, func.count()).where(*in_period).group_by(s.branch_id),
        s.branch_id,
        codes,
    )
    for branch, n in conn.execute(sessions):
        out[branch].sessions = n
    marks = _scoped(
        select(a.branch_id, *[_n(a.status == status) for status in STATUSES])
        .select_from(attendee)
        .join(session_t, s.id == a.session_id)
        .where(*in_period, a.deleted_at.is_(None))
        .group_by(a.branch_id),
        a.branch_id,
        codes,
    )
    for branch, *counts in conn.execute(marks):
        fig = out[branch]
        for status, n in zip(STATUSES, counts, strict=True):
            setattr(fig, status, int(n or 0))
    return dict(out)


def training_list(conn: Connection, branch: str, period: Period) -> list[dict[str, Any]]:
    """One branch's sessions starting in the period with their attendance, newest first."""
    s, a = session_t.c, attendee.c
    query = (
        select(
            s.title,
            s.starts_at,
            s.trainer,
            s.location,
            *[_n(a.status == status).label(status) for status in STATUSES],
        )
        .select_from(session_t)
        .outerjoin(attendee, and_(a.session_id == s.id, a.deleted_at.is_(None)))
        .where(
            s.branch_id == branch,
            s.starts_at >= period.utc_start,
            s.starts_at < period.utc_end,
            s.deleted_at.is_(None),
        )
        .group_by(s.id, s.title, s.starts_at, s.trainer, s.location)
        .order_by(s.starts_at.desc())
        .limit(COMPLAINT_LIST_LIMIT)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


# --- sync health --------------------------------------------------------------------------


@dataclass
class SyncHealth:
    last_contact: datetime | None = None
    pcs: int = 0
    revoked: int = 0
    open_conflicts: int = 0
    quarantined: int = 0


def sync_health(conn: Connection, period: Period, codes: Branches) -> dict[str, SyncHealth]:
    """branch -> its sync health: last contact, PCs, open conflicts, changes quarantined in
    the period."""
    out: dict[str, SyncHealth] = defaultdict(SyncHealth)
    b = t.branch.c
    for code, push, pull in conn.execute(
        _scoped(select(b.code, b.last_push_at, b.last_pull_at), b.code, codes)
    ):
        out[code].last_contact = _latest(push, pull)
    n = t.node.c
    nodes = _scoped(
        select(
            n.branch_code,
            _n(n.revoked_at.is_(None)),
            _n(n.revoked_at.is_not(None)),
            func.max(n.last_seen_at),
        ).group_by(n.branch_code),
        n.branch_code,
        codes,
    )
    for code, live, revoked, seen in conn.execute(nodes):
        health = out[code]
        health.pcs, health.revoked = int(live or 0), int(revoked or 0)
        health.last_contact = _latest(health.last_contact, seen)
    k = conflict.c
    conflicts = _scoped(
        select(k.branch_id, func.count())
        .where(k.status == "open", k.deleted_at.is_(None))
        .group_by(k.branch_id),
        k.branch_id,
        codes,
    )
    for code, count in conn.execute(conflicts):
        out[code].open_conflicts = count
    q = t.quarantine.c
    quarantined = _scoped(
        select(q.branch_code, func.count())
        .where(q.at >= period.utc_start, q.at < period.utc_end)
        .group_by(q.branch_code),
        q.branch_code,
        codes,
    )
    for code, count in conn.execute(quarantined):
        out[code].quarantined = count
    return dict(out)


def _latest(*values: datetime | None) -> datetime | None:
    known = [v if v.tzinfo else v.replace(tzinfo=UTC) for v in values if v is not None]
    return max(known) if known else None


# --- read from the summaries (hq.summary, PostgreSQL) ------------------------------------
# The same figures summed over a period's business days (or its reference month) for every
# branch at once; what depends on the moment of reading is still read live, through partial
# indexes over the unresolved and the open complaints.


def _in(query: Select[Any], column: Any, codes: Branches) -> Select[Any]:
    return query if codes is None else query.where(column.in_(list(codes)))


def _summary_complaint_figures(
    conn: Connection, period: Period, codes: Branches, now: datetime
) -> dict[str, ComplaintFigures]:
    d = t.dash_complaint_day.c
    query = _in(
        select(d.branch_id, func.sum(d.received), func.sum(d.breached), func.sum(d.settled),
               func.sum(d.met))
        .where(d.day >= period.start, d.day <= period.end)
        .group_by(d.branch_id),
        d.branch_id,
        codes,
    )  # fmt: skip
    out: dict[str, ComplaintFigures] = defaultdict(ComplaintFigures)
    for branch, n, b, settled, met in conn.execute(query):
        fig = out[branch]
        fig.received, fig.breached_received = int(n), int(b)
        fig.measured, fig.met = int(settled), int(met)
    c = complaint.c  # measured now: unresolved, no breach on record, target passed
    late = _in(
        select(c.branch_id, func.count())
        .where(
            c.resolved_at.is_(None),
            c.deleted_at.is_(None),  # the partial index ix_dash_complaint_unresolved
            c.received_at >= period.utc_start,
            c.received_at < period.utc_end,
            ~_flag(c.resolution_breached),
            c.resolution_due_at < now,
            c.paused_since.is_(None),
        )
        .group_by(c.branch_id),
        c.branch_id,
        codes,
    )
    for branch, n in conn.execute(late):
        out[branch].measured += n
    open_complaints(conn, codes, now, out)
    return dict(out)


def _summary_hotspots(
    conn: Connection, period: Period, codes: Branches, language: str
) -> list[tuple[str, str, int]]:
    d = t.dash_complaint_day.c
    query = _in(
        select(d.category, func.sum(d.received))
        .where(d.day >= period.start, d.day <= period.end)
        .group_by(d.category),
        d.branch_id,
        codes,
    )
    names = category_names(conn, language)
    rows = [(code, names.get(code, code or "—"), int(n)) for code, n in conn.execute(query)]
    return sorted(rows, key=lambda r: (-r[2], r[0]))


def _summary_scores(
    conn: Connection, group: Any, first: date, last: date, codes: Branches
) -> dict[Any, Scores]:
    """(group key, Scores) for the survey days ``first`` to ``last``."""
    kinds = _question_kinds(conn)
    d = t.dash_survey_day.c
    query = _in(
        select(group, d.code, func.sum(d.n), func.sum(d.ge4), func.sum(d.ge9),
               func.sum(d.le6), func.sum(d.total))
        .where(d.day >= first, d.day <= last)
        .group_by(group, d.code),
        d.branch_id,
        codes,
    )  # fmt: skip
    return _add_scores(conn.execute(query), kinds)


def _add_scores(rows: Any, kinds: dict[str, set[str]]) -> dict[Any, Scores]:
    """(key, code, n, ge4, ge9, le6, total) rows as scores per key, by the codes' kinds."""
    out: dict[Any, Scores] = defaultdict(Scores)
    for key, code, n, ge4, ge9, le6, total in rows:
        s = out[key]
        if code == "":
            s.responses += int(n)
            continue
        if code in kinds["scale5"]:
            s.scale_n, s.scale_happy = s.scale_n + int(n), s.scale_happy + int(ge4)
        if code in kinds["nps"]:
            s.nps_n += int(n)
            s.promoters, s.detractors = s.promoters + int(ge9), s.detractors + int(le6)
        if code in kinds["ces"]:
            s.ces_n, s.ces_sum = s.ces_n + int(n), s.ces_sum + int(total)
    return out


def _summary_survey_figures(conn: Connection, period: Period, codes: Branches) -> dict[str, Scores]:
    d = t.dash_survey_day.c
    rows = _summary_scores(conn, d.branch_id, period.start, period.end, codes)
    return {str(k): v for k, v in rows.items()}


def _summary_survey_trend(
    conn: Connection, months: list[str], codes: Branches
) -> list[tuple[str, Scores]]:
    kinds = _question_kinds(conn)
    d = t.dash_survey_month.c
    query = _in(
        select(d.month, d.code, func.sum(d.n), func.sum(d.ge4), func.sum(d.ge9),
               func.sum(d.le6), func.sum(d.total))
        .where(d.month.in_(months))
        .group_by(d.month, d.code),
        d.branch_id,
        codes,
    )  # fmt: skip
    rows = _add_scores(conn.execute(query), kinds)
    return [(m, rows.get(m, Scores())) for m in months]


def _summary_customer_figures(
    conn: Connection, period: Period, codes: Branches, m: summary.Meta
) -> dict[str, CustomerFigures] | None:
    """None when the summary does not answer for the period (a reference month it does not
    cover, or thresholds changed since it was built): count live."""
    p = policy_values(conn)
    m0 = period.reference_month
    if not m.covers(m0, p):
        return None
    cutoff = _month_start(
        add_months(month_key(period.end), -int(p["stage.stable_months"])), period.end.day
    )
    cutoff_at = datetime.combine(cutoff, datetime.min.time())
    d = t.dash_customer_month.c
    new = (d.start_date > cutoff) | (~d.first_known & (d.start_at > cutoff_at))
    shipped = d.shipped | d.shipped_next if month_key(period.end) != m0 else d.shipped
    dormant = and_(d.first_known, d.start_date <= cutoff, ~shipped)

    def n(condition: Any) -> Any:
        return func.coalesce(func.sum(d.n).filter(condition), 0)

    query = _in(
        select(d.branch_id, d.tier, func.sum(d.n), n(new), n(dormant), n(d.churn))
        .where(d.month == m0, d.created_on <= period.end)
        .group_by(d.branch_id, d.tier),
        d.branch_id,
        codes,
    )
    out: dict[str, CustomerFigures] = defaultdict(CustomerFigures)
    for branch, tier, total, n_new, n_dormant, n_churn in conn.execute(query):
        fig = out[branch]
        fig.total += int(total)
        fig.tiers[tier] += int(total)
        fig.new += int(n_new)
        fig.dormant += int(n_dormant)
        fig.churn_risk += int(n_churn)
    return dict(out)
