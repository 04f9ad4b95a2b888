"""The one-page monthly summary a supervisor pins up: the headline KPIs against the period
before, and three charts (complaints by category, the complaint trend, CSAT by month).

Its figures are the other reports' own (the same functions), so a number here is the number
there."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from branch_crm.i18n import N_, _
from branch_crm.reference.roles import Permission
from branch_crm.services.complaints.figures import complaint_stats
from branch_crm.services.context import Actor
from branch_crm.services.permissions import require
from branch_crm.services.reports import complaints, customers, satisfaction, training
from branch_crm.services.reports.model import Better, Kpi, Period, Report, Section, ValueKind
from branch_crm.services.reports.parts import make_report, period_months, trend_periods
from branch_crm.services.surveys.scores import monthly_trend, survey_scores
from branch_crm.timeutil import month_key

__all__ = ["TITLE", "summary_report"]

TITLE = N_("Monthly summary")


def summary_report(*, session: Session, actor: Actor, period: Period, now: datetime) -> Report:
    """The one-page summary of ``period`` against the period before."""
    require(actor, Permission.REPORT_VIEW)
    previous = period.previous()
    cur = complaint_stats(session=session, start=period.start, end=period.end, now=now)
    prev = complaint_stats(session=session, start=previous.start, end=previous.end, now=now)
    by, steps = trend_periods(period)
    trend = [complaint_stats(session=session, start=a, end=b, now=now) for a, b in steps]
    scores = survey_scores(session=session, start=period.start, end=period.end)
    scores_before = survey_scores(session=session, start=previous.start, end=previous.end)
    months = min(120, max(satisfaction.TREND_MONTHS, len(period_months(period))))
    csat = monthly_trend(session=session, months=months, last_month=month_key(period.end))
    moved, moved_before = customers.movements(session=session, period=period)
    people = training.training_figures_of(session=session, period=period)
    kpis = (
        *complaints.headline_kpis(cur, prev),
        *satisfaction.headline_kpis(scores, scores_before),
        Kpi(_("New customers"), moved.new, moved_before.new, ValueKind.COUNT),
        Kpi(_("Gone dormant"), moved.dormant, moved_before.dormant, ValueKind.COUNT, Better.DOWN),
        Kpi(_("Parcels"), moved.parcels, moved_before.parcels, ValueKind.COUNT),
        training.attendance_kpi(people.current, people.previous),
    )
    section = Section(
        _("Headline figures"),
        kpis=kpis,
        charts=(
            complaints.category_chart(cur),
            complaints.trend_chart(by, trend),
            satisfaction.csat_trend_chart(csat),
        ),
    )
    return make_report(
        session=session,
        kind="summary",
        title=_(TITLE),
        period=period,
        now=now,
        sections=(section,),
    )
