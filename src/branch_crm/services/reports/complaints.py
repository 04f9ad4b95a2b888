"""The complaints report: SLA compliance per grade, handling times, backlog by age, hotspots
by category and root cause (Pareto), compensation, repeat complainers and the trend.

Every figure comes from :mod:`branch_crm.services.complaints.figures` (the numbers of
``branch-crm complaints stats`` and the figures page); the per-grade split applies the same
rules (:func:`~branch_crm.services.complaints.figures.compliance`, the same business clocks)
to the period's received complaints of each grade.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from branch_crm.i18n import N_, _
from branch_crm.models import Complaint, Customer, CustomerPhone
from branch_crm.models.reference import ReferenceKind
from branch_crm.reference.roles import Permission
from branch_crm.services.complaints.figures import (
    ComplaintStats,
    HandlingClocks,
    ShareRow,
    complaint_stats,
    compliance,
    durations,
    period_bounds,
    received_complaints,
)
from branch_crm.services.complaints.labels import GRADES, grade_label
from branch_crm.services.complaints.reference import code_labels
from branch_crm.services.context import Actor
from branch_crm.services.permissions import require
from branch_crm.services.reports.model import (
    Better,
    Chart,
    ChartKind,
    Column,
    Kpi,
    Period,
    Report,
    Section,
    Series,
    Table,
    ValueKind,
)
from branch_crm.services.reports.parts import (
    TOP_ROWS,
    bounded_note,
    make_report,
    share,
    trend_label,
    trend_periods,
)
from branch_crm.timeutil import to_local

__all__ = [
    "TITLE",
    "ComplaintFigures",
    "category_chart",
    "complaint_figures_of",
    "complaints_report",
    "grade_chart",
    "headline_kpis",
    "trend_chart",
]

TITLE = N_("Complaints report")
REPEAT_MIN = 2
"""A customer with at least this many complaints received in the period is a repeat
complainer."""


@dataclass(frozen=True)
class GradeFigures:
    """Compliance and handling times of one grade's received complaints."""

    grade: int
    received: int
    response_measured: int
    response_met: int
    resolution_measured: int
    resolution_met: int
    response_mean: float | None
    response_median: float | None
    resolution_mean: float | None
    resolution_median: float | None


@dataclass(frozen=True)
class RepeatComplainer:
    """A customer with several complaints in the period."""

    customer_id: str
    name: str
    phone: str
    complaints: int
    last_received: datetime


@dataclass(frozen=True)
class ComplaintFigures:
    """Everything the report draws, gathered once."""

    current: ComplaintStats
    previous: ComplaintStats
    grades: tuple[GradeFigures, ...]
    compensation: tuple[tuple[str, str, int, int, int], ...]
    """(code, label, complaints with money asked, requested cents, granted cents)."""
    repeat_total: int
    repeat_previous: int
    repeaters: tuple[RepeatComplainer, ...]
    trend_by: str
    trend: tuple[ComplaintStats, ...]


def _grades(session: Session, rows: Sequence[Complaint]) -> tuple[GradeFigures, ...]:
    clocks = HandlingClocks(session)
    out = []
    for grade in GRADES:
        mine = [c for c in rows if c.grade == grade]
        response = compliance(mine, "response")
        resolution = compliance(mine, "resolution")
        times = durations([m for c in mine if (m := clocks.response_minutes(c)) is not None])
        fixes = durations([m for c in mine if (m := clocks.resolution_minutes(c)) is not None])
        out.append(
            GradeFigures(
                grade,
                len(mine),
                response.measured,
                response.met,
                resolution.measured,
                resolution.met,
                times.mean_minutes,
                times.median_minutes,
                fixes.mean_minutes,
                fixes.median_minutes,
            )
        )
    return tuple(out)


def _compensation(
    session: Session, rows: Sequence[Complaint]
) -> tuple[tuple[str, str, int, int, int], ...]:
    labels = code_labels(session, ReferenceKind.COMPLAINT_CATEGORY)
    asked: Counter[str] = Counter()
    requested: Counter[str] = Counter()
    granted: Counter[str] = Counter()
    for c in rows:
        if c.compensation_requested_cents or c.compensation_granted_cents:
            asked[c.category] += 1
            requested[c.category] += c.compensation_requested_cents or 0
            granted[c.category] += c.compensation_granted_cents or 0
    order = sorted(asked, key=lambda code: (-requested[code], code))
    return tuple(
        (code, labels.get(code, code), asked[code], requested[code], granted[code])
        for code in order
    )


def _received_in(period: Period) -> ColumnElement[bool]:
    lo, hi = period_bounds(period.start, period.end)
    return and_(Complaint.received_at >= lo, Complaint.received_at < hi)


def _repeat_count(session: Session, period: Period) -> int:
    grouped = (
        select(Complaint.customer_id)
        .where(_received_in(period))
        .group_by(Complaint.customer_id)
        .having(func.count() >= REPEAT_MIN)
        .subquery()
    )
    return int(session.scalar(select(func.count()).select_from(grouped)) or 0)


def _repeaters(session: Session, period: Period) -> tuple[RepeatComplainer, ...]:
    count = func.count().label("n")
    grouped = (
        select(Complaint.customer_id, count, func.max(Complaint.received_at).label("last"))
        .where(_received_in(period))
        .group_by(Complaint.customer_id)
        .having(func.count() >= REPEAT_MIN)
        .subquery()
    )
    phone = (
        select(CustomerPhone.phone)
        .where(CustomerPhone.customer_id == grouped.c.customer_id)
        .order_by(CustomerPhone.position)
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(
        select(grouped.c.customer_id, Customer.name, phone, grouped.c.n, grouped.c.last)
        .join(Customer, Customer.id == grouped.c.customer_id)
        .order_by(grouped.c.n.desc(), grouped.c.last.desc(), Customer.name)
        .limit(TOP_ROWS)
    )
    return tuple(
        RepeatComplainer(cid, name or "", phone_no or "", int(n), last)
        for cid, name, phone_no, n, last in rows
    )


def complaint_figures_of(
    *, session: Session, period: Period, now: datetime, trend: bool = True
) -> ComplaintFigures:
    """The figures of ``period`` and the one before (``trend`` False skips the trend steps)."""
    previous = period.previous()
    current = complaint_stats(session=session, start=period.start, end=period.end, now=now)
    before = complaint_stats(session=session, start=previous.start, end=previous.end, now=now)
    lo, hi = period_bounds(period.start, period.end)
    rows = received_complaints(session, lo, hi)
    by, steps = trend_periods(period)
    return ComplaintFigures(
        current=current,
        previous=before,
        grades=_grades(session, rows),
        compensation=_compensation(session, rows),
        repeat_total=_repeat_count(session, period),
        repeat_previous=_repeat_count(session, previous),
        repeaters=_repeaters(session, period),
        trend_by=by,
        trend=tuple(complaint_stats(session=session, start=a, end=b, now=now) for a, b in steps)
        if trend
        else (),
    )


# --- KPIs and charts the summary shares -----------------------------------------------------


def headline_kpis(cur: ComplaintStats, prev: ComplaintStats) -> tuple[Kpi, ...]:
    """Received, closed, response and resolution compliance, resolution time, open backlog."""
    return (
        Kpi(_("Complaints received"), cur.received, prev.received, ValueKind.COUNT, Better.DOWN),
        Kpi(_("Complaints closed"), cur.closed, prev.closed, ValueKind.COUNT, Better.UP),
        Kpi(
            _("Response on time"),
            cur.response.rate,
            prev.response.rate,
            ValueKind.PERCENT,
            note=_("of {n} measured").format(n=cur.response.measured),
        ),
        Kpi(
            _("Resolved on time"),
            cur.resolution.rate,
            prev.resolution.rate,
            ValueKind.PERCENT,
            note=_("of {n} measured").format(n=cur.resolution.measured),
        ),
        Kpi(
            _("Mean resolution time"),
            cur.resolution_time.mean_minutes,
            prev.resolution_time.mean_minutes,
            ValueKind.MINUTES,
            Better.DOWN,
        ),
        Kpi(_("Open backlog"), cur.backlog_total, prev.backlog_total, ValueKind.COUNT, Better.DOWN),
    )


def _pareto_chart(title: str, rows: Sequence[ShareRow], target: str) -> Chart:
    return Chart(
        title=title,
        kind=ChartKind.PARETO,
        categories=tuple(r.label for r in rows),
        series=(Series(_("Complaints"), tuple(float(r.count) for r in rows)),),
        drill=tuple(r.code for r in rows),
        drill_target=target,
    )


def category_chart(stats: ComplaintStats) -> Chart:
    """Received complaints by category, most frequent first (Pareto), drilling to the list."""
    return _pareto_chart(_("Complaints by category"), stats.by_category, "complaints.category")


def grade_chart(grades: Sequence[GradeFigures]) -> Chart:
    """Response and resolution compliance per grade."""
    return Chart(
        title=_("SLA compliance by grade"),
        kind=ChartKind.BAR,
        categories=tuple(grade_label(g.grade) for g in grades),
        series=(
            Series(
                _("Response on time"),
                tuple(share(g.response_met, g.response_measured) for g in grades),
            ),
            Series(
                _("Resolved on time"),
                tuple(share(g.resolution_met, g.resolution_measured) for g in grades),
            ),
        ),
        value_kind=ValueKind.PERCENT,
        drill=tuple(str(g.grade) for g in grades),
        drill_target="complaints.grade",
    )


def trend_chart(by: str, steps: Sequence[ComplaintStats]) -> Chart:
    """Received and closed complaints per week or month."""
    return Chart(
        title=_("Complaints per week") if by == "week" else _("Complaints per month"),
        kind=ChartKind.LINE,
        categories=tuple(trend_label(by, s.start, s.end) for s in steps),
        series=(
            Series(_("Received"), tuple(float(s.received) for s in steps)),
            Series(_("Closed"), tuple(float(s.closed) for s in steps)),
        ),
    )


# --- sections ---------------------------------------------------------------------------------


def _overview(f: ComplaintFigures) -> Section:
    cur, prev = f.current, f.previous
    kpis = (
        *headline_kpis(cur, prev),
        Kpi(
            _("Mean response time"),
            cur.response_time.mean_minutes,
            prev.response_time.mean_minutes,
            ValueKind.MINUTES,
            Better.DOWN,
        ),
        Kpi(
            _("Median response time"),
            cur.response_time.median_minutes,
            prev.response_time.median_minutes,
            ValueKind.MINUTES,
            Better.DOWN,
        ),
        Kpi(
            _("Median resolution time"),
            cur.resolution_time.median_minutes,
            prev.resolution_time.median_minutes,
            ValueKind.MINUTES,
            Better.DOWN,
        ),
        Kpi(
            _("Repeat complainers"), f.repeat_total, f.repeat_previous, ValueKind.COUNT, Better.DOWN
        ),
    )
    return Section(_("Overview"), kpis=kpis)


GRADE_COLUMNS = (
    (N_("Grade"), ValueKind.TEXT),
    (N_("Received"), ValueKind.COUNT),
    (N_("Response measured"), ValueKind.COUNT),
    (N_("Response on time"), ValueKind.PERCENT),
    (N_("Resolution measured"), ValueKind.COUNT),
    (N_("Resolved on time"), ValueKind.PERCENT),
    (N_("Mean response time"), ValueKind.MINUTES),
    (N_("Median response time"), ValueKind.MINUTES),
    (N_("Mean resolution time"), ValueKind.MINUTES),
    (N_("Median resolution time"), ValueKind.MINUTES),
)


def _columns(spec: Sequence[tuple[str, ValueKind]]) -> tuple[Column, ...]:
    return tuple(Column(_(label), kind) for label, kind in spec)


def _grades_section(f: ComplaintFigures) -> Section:
    rows = [
        (
            grade_label(g.grade),
            g.received,
            g.response_measured,
            share(g.response_met, g.response_measured),
            g.resolution_measured,
            share(g.resolution_met, g.resolution_measured),
            g.response_mean,
            g.response_median,
            g.resolution_mean,
            g.resolution_median,
        )
        for g in f.grades
    ]
    s = f.current
    rows.append(
        (
            _("All grades"),
            s.received,
            s.response.measured,
            s.response.rate,
            s.resolution.measured,
            s.resolution.rate,
            s.response_time.mean_minutes,
            s.response_time.median_minutes,
            s.resolution_time.mean_minutes,
            s.resolution_time.median_minutes,
        )
    )
    table = Table(_("SLA compliance by grade"), _columns(GRADE_COLUMNS), tuple(rows))
    return Section(_("SLA compliance by grade"), charts=(grade_chart(f.grades),), tables=(table,))


def _backlog_section(f: ComplaintFigures) -> Section:
    s = f.current
    as_of = _("As of {when}").format(when=f"{to_local(s.backlog_as_of):%Y-%m-%d %H:%M}")
    chart = Chart(
        title=_("Open backlog by age"),
        kind=ChartKind.BAR,
        categories=tuple(label for label, _n in s.backlog),
        series=(Series(_("Open complaints"), tuple(float(n) for _label, n in s.backlog)),),
    )
    prev = dict(f.previous.backlog)
    table = Table(
        _("Open backlog by age"),
        (
            Column(_("Age")),
            Column(_("Open complaints"), ValueKind.COUNT),
            Column(_("Previous period"), ValueKind.COUNT),
        ),
        tuple((label, n, prev.get(label)) for label, n in s.backlog),
        note=as_of,
    )
    return Section(_("Open backlog by age"), charts=(chart,), tables=(table,))


def _hotspot_table(title: str, rows: Sequence[ShareRow], previous: Sequence[ShareRow]) -> Table:
    before = {r.code: r.count for r in previous}
    return Table(
        title,
        (
            Column(_("Code")),
            Column(_("Name")),
            Column(_("Complaints"), ValueKind.COUNT),
            Column(_("Share"), ValueKind.PERCENT),
            Column(_("Cumulative share"), ValueKind.PERCENT),
            Column(_("Previous period"), ValueKind.COUNT),
        ),
        tuple(
            (r.code, r.label, r.count, r.share, r.cumulative, before.get(r.code, 0)) for r in rows
        ),
    )


def _hotspots_section(f: ComplaintFigures) -> Section:
    cur, prev = f.current, f.previous
    cause_title = _("Closed complaints by root cause")
    return Section(
        _("Hotspots"),
        charts=(
            category_chart(cur),
            _pareto_chart(cause_title, cur.by_root_cause, "complaints.root_cause"),
        ),
        tables=(
            _hotspot_table(_("Complaints by category"), cur.by_category, prev.by_category),
            _hotspot_table(cause_title, cur.by_root_cause, prev.by_root_cause),
        ),
    )


def _compensation_section(f: ComplaintFigures) -> Section:
    cur, prev = f.current, f.previous
    kpis = (
        Kpi(
            _("Compensation requested"),
            cur.compensation_requested_cents,
            prev.compensation_requested_cents,
            ValueKind.MONEY,
            Better.NEITHER,
        ),
        Kpi(
            _("Compensation granted"),
            cur.compensation_granted_cents,
            prev.compensation_granted_cents,
            ValueKind.MONEY,
            Better.NEITHER,
        ),
        Kpi(
            _("Granted of requested"),
            share(cur.compensation_granted_cents, cur.compensation_requested_cents),
            share(prev.compensation_granted_cents, prev.compensation_requested_cents),
            ValueKind.PERCENT,
            Better.NEITHER,
        ),
    )
    table = Table(
        _("Compensation by category"),
        (
            Column(_("Code")),
            Column(_("Name")),
            Column(_("Complaints with a claim"), ValueKind.COUNT),
            Column(_("Requested"), ValueKind.MONEY),
            Column(_("Granted"), ValueKind.MONEY),
        ),
        f.compensation,
    )
    return Section(_("Compensation"), kpis=kpis, tables=(table,))


def _repeat_section(f: ComplaintFigures) -> Section:
    table = Table(
        _("Repeat complainers"),
        (
            Column(_("Customer")),
            Column(_("Phone")),
            Column(_("Complaints"), ValueKind.COUNT),
            Column(_("Last received"), ValueKind.DATE),
        ),
        tuple(
            (r.name, r.phone, r.complaints, to_local(r.last_received).date()) for r in f.repeaters
        ),
        note=bounded_note(len(f.repeaters), f.repeat_total),
    )
    return Section(_("Repeat complainers"), tables=(table,))


def _trend_section(f: ComplaintFigures) -> Section:
    steps = f.trend
    compliance_chart = Chart(
        title=_("SLA compliance trend"),
        kind=ChartKind.LINE,
        categories=tuple(trend_label(f.trend_by, s.start, s.end) for s in steps),
        series=(
            Series(_("Response on time"), tuple(s.response.rate for s in steps)),
            Series(_("Resolved on time"), tuple(s.resolution.rate for s in steps)),
        ),
        value_kind=ValueKind.PERCENT,
    )
    table = Table(
        _("Trend"),
        (
            Column(_("From"), ValueKind.DATE),
            Column(_("To"), ValueKind.DATE),
            Column(_("Received"), ValueKind.COUNT),
            Column(_("Closed"), ValueKind.COUNT),
            Column(_("Response on time"), ValueKind.PERCENT),
            Column(_("Resolved on time"), ValueKind.PERCENT),
            Column(_("Mean resolution time"), ValueKind.MINUTES),
            Column(_("Open backlog"), ValueKind.COUNT),
        ),
        tuple(
            (
                s.start,
                s.end,
                s.received,
                s.closed,
                s.response.rate,
                s.resolution.rate,
                s.resolution_time.mean_minutes,
                s.backlog_total,
            )
            for s in steps
        ),
    )
    return Section(
        _("Trend"), charts=(trend_chart(f.trend_by, steps), compliance_chart), tables=(table,)
    )


def complaints_report(*, session: Session, actor: Actor, period: Period, now: datetime) -> Report:
    """The complaints report of ``period`` against the period before."""
    require(actor, Permission.REPORT_VIEW)
    f = complaint_figures_of(session=session, period=period, now=now)
    sections = (
        _overview(f),
        _grades_section(f),
        _backlog_section(f),
        _hotspots_section(f),
        _compensation_section(f),
        _repeat_section(f),
        _trend_section(f),
    )
    return make_report(
        session=session,
        kind="complaints",
        title=_(TITLE),
        period=period,
        now=now,
        sections=sections,
    )
