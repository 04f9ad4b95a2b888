"""The satisfaction report: CSAT, NPS, CES and per-item scores with their monthly trend, the
NPS answers, scores by customer tier, and the detractor follow-ups done, open and overdue.

The scores are :mod:`branch_crm.services.surveys.scores`' (the survey scores page's): CSAT
and the CES "easy" share, kept there in percent, are shares 0..1 here (the model's PERCENT).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from branch_crm.i18n import N_, _, current_language
from branch_crm.models import CareTask, Customer
from branch_crm.models.stored_text import render
from branch_crm.reference.roles import Permission
from branch_crm.services.care.follow_ups import CANCELLED, DONE, OPEN
from branch_crm.services.complaints.figures import period_bounds
from branch_crm.services.context import Actor
from branch_crm.services.customers.classification import TIERS, tier_label
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
    percent_share,
    period_months,
    share,
)
from branch_crm.services.surveys.follow_ups import FOLLOW_UP_KIND, item_name
from branch_crm.services.surveys.scores import (
    DETRACTOR_MAX,
    NPS_ANSWERS,
    PROMOTER_MIN,
    MonthScores,
    Scores,
    monthly_trend,
    nps_distribution,
    scores_by_tier,
    survey_scores,
)
from branch_crm.services.surveys.template import SurveyItem, active_template
from branch_crm.timeutil import month_key, to_local

__all__ = [
    "TITLE",
    "TREND_MONTHS",
    "FollowUpFigures",
    "SatisfactionFigures",
    "csat_trend_chart",
    "headline_kpis",
    "satisfaction_figures_of",
    "satisfaction_report",
]

TITLE = N_("Satisfaction report")
TREND_MONTHS = 12
"""Months of the trend, ending with the period's last month (as on the scores page)."""


@dataclass(frozen=True)
class FollowUpFigures:
    """Detractor follow-ups opened in a period, by where they stand now."""

    done: int = 0
    open_on_time: int = 0
    overdue: int = 0
    cancelled: int = 0

    @property
    def total(self) -> int:
        """Every follow-up opened in the period."""
        return self.done + self.open_on_time + self.overdue + self.cancelled


@dataclass(frozen=True)
class OverdueFollowUp:
    """An open detractor follow-up past its due date."""

    customer: str
    title: str
    due_on: date
    days_overdue: int


@dataclass(frozen=True)
class SatisfactionFigures:
    """Everything the report draws, gathered once."""

    current: Scores
    previous: Scores
    items: tuple[SurveyItem, ...]
    trend: tuple[MonthScores, ...]
    nps_answers: tuple[int, ...]
    by_tier: Mapping[str, Scores]
    follow_ups: FollowUpFigures
    follow_ups_previous: FollowUpFigures
    overdue: tuple[OverdueFollowUp, ...]
    overdue_total: int


def _created_in(period: Period) -> ColumnElement[bool]:
    lo, hi = period_bounds(period.start, period.end)
    return and_(
        CareTask.kind == FOLLOW_UP_KIND, CareTask.created_at >= lo, CareTask.created_at < hi
    )


def _follow_ups(session: Session, period: Period, today: date) -> FollowUpFigures:
    def count(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    is_open = CareTask.status == OPEN
    row = session.execute(
        select(
            count(CareTask.status == DONE),
            count(and_(is_open, CareTask.due_on >= today)),
            count(and_(is_open, CareTask.due_on < today)),
            count(CareTask.status == CANCELLED),
        ).where(_created_in(period))
    ).one()
    return FollowUpFigures(*(int(v) for v in row))


def _overdue(session: Session, period: Period, today: date) -> tuple[OverdueFollowUp, ...]:
    rows = session.execute(
        select(Customer.name, CareTask.title, CareTask.title_message, CareTask.due_on)
        .join(Customer, Customer.id == CareTask.customer_id)
        .where(_created_in(period), CareTask.status == OPEN, CareTask.due_on < today)
        .order_by(CareTask.due_on, CareTask.created_at, CareTask.id)
        .limit(TOP_ROWS)
    )
    return tuple(
        OverdueFollowUp(name or "", render(stored, title), due, (today - due).days)
        for name, title, stored, due in rows
    )


def satisfaction_figures_of(
    *, session: Session, period: Period, now: datetime
) -> SatisfactionFigures:
    """The scores of ``period`` and the one before, the trend and the follow-ups."""
    previous = period.previous()
    today = to_local(now).date()
    months = min(120, max(TREND_MONTHS, len(period_months(period))))
    follow_ups = _follow_ups(session, period, today)
    return SatisfactionFigures(
        current=survey_scores(session=session, start=period.start, end=period.end),
        previous=survey_scores(session=session, start=previous.start, end=previous.end),
        items=active_template(session=session).of_kind("scale5"),
        trend=tuple(
            monthly_trend(session=session, months=months, last_month=month_key(period.end))
        ),
        nps_answers=nps_distribution(session=session, start=period.start, end=period.end),
        by_tier=scores_by_tier(session=session, start=period.start, end=period.end),
        follow_ups=follow_ups,
        follow_ups_previous=_follow_ups(session, previous, today),
        overdue=_overdue(session, period, today),
        overdue_total=follow_ups.overdue,
    )


# --- KPIs and charts the summary shares -----------------------------------------------------


def headline_kpis(cur: Scores, prev: Scores) -> tuple[Kpi, ...]:
    """CSAT, NPS and CES against the period before."""
    return (
        Kpi(
            _("CSAT"),
            percent_share(cur.csat),
            percent_share(prev.csat),
            ValueKind.PERCENT,
            note=_("share of answers 4–5"),
        ),
        Kpi(_("NPS"), cur.nps, prev.nps, ValueKind.SCORE, note=_("promoters − detractors")),
        Kpi(_("CES"), cur.ces, prev.ces, ValueKind.SCORE, note=_("mean, 7 = very easy")),
    )


def csat_trend_chart(trend: Sequence[MonthScores]) -> Chart:
    """CSAT month by month."""
    return Chart(
        title=_("CSAT by month"),
        kind=ChartKind.LINE,
        categories=tuple(m.month for m in trend),
        series=(Series(_("CSAT"), tuple(percent_share(m.scores.csat) for m in trend)),),
        value_kind=ValueKind.PERCENT,
    )


# --- sections ---------------------------------------------------------------------------------


def _overview(f: SatisfactionFigures) -> Section:
    cur, prev = f.current, f.previous
    kpis = (
        Kpi(_("Responses"), cur.responses, prev.responses, ValueKind.COUNT),
        *headline_kpis(cur, prev),
        Kpi(
            _("Easy (CES 5–7)"),
            percent_share(cur.ces_easy),
            percent_share(prev.ces_easy),
            ValueKind.PERCENT,
        ),
        Kpi(_("Promoters"), cur.promoters, prev.promoters, ValueKind.COUNT),
        Kpi(_("Detractors"), cur.detractors, prev.detractors, ValueKind.COUNT, Better.DOWN),
    )
    return Section(_("Overview"), kpis=kpis)


def _names(items: Sequence[SurveyItem]) -> dict[str, str]:
    language = current_language()
    return {i.code: item_name(i.text(language)) for i in items}


def _codes(f: SatisfactionFigures) -> list[str]:
    """The template's scored items, then any other item answered (an older template's)."""
    codes = [i.code for i in f.items]
    extra = set(f.current.item_averages) | set(f.previous.item_averages)
    return codes + sorted(extra - set(codes))


def _items_section(f: SatisfactionFigures) -> Section:
    names, codes = _names(f.items), _codes(f)
    cur, prev = f.current.item_averages, f.previous.item_averages
    chart = Chart(
        title=_("Scores per item (1–5)"),
        kind=ChartKind.BAR,
        categories=tuple(names.get(c, c) for c in codes),
        series=(
            Series(_("This period"), tuple(cur.get(c) for c in codes)),
            Series(_("Previous period"), tuple(prev.get(c) for c in codes)),
        ),
        value_kind=ValueKind.SCORE,
    )
    table = Table(
        _("Scores per item"),
        (
            Column(_("Item")),
            Column(_("Average"), ValueKind.SCORE),
            Column(_("Answers"), ValueKind.COUNT),
            Column(_("Previous period"), ValueKind.SCORE),
            Column(_("Change"), ValueKind.SCORE),
        ),
        tuple(
            (
                names.get(c, c),
                cur.get(c),
                f.current.item_counts.get(c, 0),
                prev.get(c),
                cur[c] - prev[c] if c in cur and c in prev else None,
            )
            for c in codes
        ),
    )
    return Section(_("Scores per item"), charts=(chart,), tables=(table,))


def _trend_section(f: SatisfactionFigures) -> Section:
    names, codes = _names(f.items), [i.code for i in f.items]
    trend = f.trend
    nps_chart = Chart(
        title=_("NPS by month"),
        kind=ChartKind.LINE,
        categories=tuple(m.month for m in trend),
        series=(Series(_("NPS"), tuple(m.scores.nps for m in trend)),),
        value_kind=ValueKind.SCORE,
    )
    table = Table(
        _("Scores by month"),
        (
            Column(_("Month")),
            Column(_("Responses"), ValueKind.COUNT),
            Column(_("CSAT"), ValueKind.PERCENT),
            Column(_("NPS"), ValueKind.SCORE),
            Column(_("Promoters"), ValueKind.COUNT),
            Column(_("Detractors"), ValueKind.COUNT),
            Column(_("CES"), ValueKind.SCORE),
            *(Column(names[c], ValueKind.SCORE) for c in codes),
        ),
        tuple(
            (
                m.month,
                m.scores.responses,
                percent_share(m.scores.csat),
                m.scores.nps,
                m.scores.promoters,
                m.scores.detractors,
                m.scores.ces,
                *(m.scores.item_averages.get(c) for c in codes),
            )
            for m in trend
        ),
    )
    return Section(_("Trend"), charts=(csat_trend_chart(trend), nps_chart), tables=(table,))


def _group(answer: int) -> str:
    if answer >= PROMOTER_MIN:
        return _("Promoter")
    if answer <= DETRACTOR_MAX:
        return _("Detractor")
    return _("Passive")


def _nps_section(f: SatisfactionFigures) -> Section:
    answers = f.nps_answers
    cur = f.current
    bars = Chart(
        title=_("NPS answers (0–10)"),
        kind=ChartKind.BAR,
        categories=tuple(str(n) for n in NPS_ANSWERS),
        series=(Series(_("Answers"), tuple(float(n) for n in answers)),),
    )
    pie = Chart(
        title=_("Promoters, passives and detractors"),
        kind=ChartKind.PIE,
        categories=(_("Promoters"), _("Passives"), _("Detractors")),
        series=(Series(_("Answers"), (cur.promoters, cur.passives, cur.detractors)),),
    )
    table = Table(
        _("NPS answers"),
        (
            Column(_("Answer"), ValueKind.COUNT),
            Column(_("Group")),
            Column(_("Answers"), ValueKind.COUNT),
        ),
        tuple((n, _group(n), answers[n]) for n in NPS_ANSWERS),
    )
    return Section(_("NPS answers"), charts=(bars, pie), tables=(table,))


def _tier_section(f: SatisfactionFigures) -> Section:
    tiers = [t for t in TIERS if t in f.by_tier]
    chart = Chart(
        title=_("CSAT by customer tier"),
        kind=ChartKind.BAR,
        categories=tuple(tier_label(t) for t in tiers),
        series=(Series(_("CSAT"), tuple(percent_share(f.by_tier[t].csat) for t in tiers)),),
        value_kind=ValueKind.PERCENT,
        drill=tuple(tiers),
        drill_target="customers.tier",
    )
    table = Table(
        _("Scores by customer tier"),
        (
            Column(_("Tier")),
            Column(_("Responses"), ValueKind.COUNT),
            Column(_("CSAT"), ValueKind.PERCENT),
            Column(_("NPS"), ValueKind.SCORE),
            Column(_("CES"), ValueKind.SCORE),
        ),
        tuple(
            (
                tier_label(t),
                f.by_tier[t].responses,
                percent_share(f.by_tier[t].csat),
                f.by_tier[t].nps,
                f.by_tier[t].ces,
            )
            for t in tiers
        ),
    )
    return Section(_("By customer tier"), charts=(chart,), tables=(table,))


def _follow_up_section(f: SatisfactionFigures) -> Section:
    cur, prev = f.follow_ups, f.follow_ups_previous
    kpis = (
        Kpi(_("Follow-ups opened"), cur.total, prev.total, ValueKind.COUNT, Better.NEITHER),
        Kpi(
            _("Follow-ups done"),
            share(cur.done, cur.total),
            share(prev.done, prev.total),
            ValueKind.PERCENT,
        ),
        Kpi(_("Follow-ups overdue"), cur.overdue, prev.overdue, ValueKind.COUNT, Better.DOWN),
    )
    labels = (_("Done"), _("Open, not yet due"), _("Overdue"), _("Cancelled"))
    values = (cur.done, cur.open_on_time, cur.overdue, cur.cancelled)
    before = (prev.done, prev.open_on_time, prev.overdue, prev.cancelled)
    chart = Chart(
        title=_("Detractor follow-ups"),
        kind=ChartKind.PIE,
        categories=labels,
        series=(Series(_("Follow-ups"), tuple(float(v) for v in values)),),
    )
    counts = Table(
        _("Detractor follow-ups"),
        (
            Column(_("Status")),
            Column(_("Follow-ups"), ValueKind.COUNT),
            Column(_("Previous period"), ValueKind.COUNT),
        ),
        tuple(zip(labels, values, before, strict=True)),
        note=_("Follow-ups opened in the period, as they stand now."),
    )
    overdue = Table(
        _("Overdue follow-ups"),
        (
            Column(_("Customer")),
            Column(_("Follow-up")),
            Column(_("Due"), ValueKind.DATE),
            Column(_("Days overdue"), ValueKind.COUNT),
        ),
        tuple((o.customer, o.title, o.due_on, o.days_overdue) for o in f.overdue),
        note=bounded_note(len(f.overdue), f.overdue_total),
    )
    return Section(_("Detractor follow-ups"), kpis=kpis, charts=(chart,), tables=(counts, overdue))


def satisfaction_report(*, session: Session, actor: Actor, period: Period, now: datetime) -> Report:
    """The satisfaction report of ``period`` against the period before."""
    require(actor, Permission.REPORT_VIEW)
    f = satisfaction_figures_of(session=session, period=period, now=now)
    sections = (
        _overview(f),
        _items_section(f),
        _trend_section(f),
        _nps_section(f),
        _tier_section(f),
        _follow_up_section(f),
    )
    return make_report(
        session=session,
        kind="satisfaction",
        title=_(TITLE),
        period=period,
        now=now,
        sections=sections,
    )
