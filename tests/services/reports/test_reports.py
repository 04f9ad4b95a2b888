"""The report builders against the services they draw on, on a seeded branch: the numbers
agree with ``complaints stats`` and the survey scores page, the previous period is the one
before, an empty period gives a valid report, rights and unknown kinds are refused, and the
texts are in the language the report is built in."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from branch_crm.errors import PermissionDenied, ValidationError
from branch_crm.i18n import set_language
from branch_crm.models import Complaint, CustomerStats, MonthlyVolume
from branch_crm.services.complaints.figures import complaint_stats, period_bounds
from branch_crm.services.reports.build import KINDS, build_report
from branch_crm.services.reports.model import ChartKind, Kpi, Period, Report, Section, Table
from branch_crm.services.surveys.scores import scores_by_tier, survey_scores
from branch_crm.services.training.sessions import list_sessions
from branch_crm.timeutil import utcnow
from tests.support.reports import EMPTY, recent_period, seeded_branch, supervisor


@pytest.fixture(scope="module")
def branch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from branch_crm.db import open_database

    db = open_database(seeded_branch(tmp_path_factory.mktemp("reports") / "branch.db"))
    yield db
    db.dispose()


@pytest.fixture
def session(branch: Any) -> Iterator[Any]:
    with branch.session() as s:
        yield s


def _build(session: Any, kind: str, period: Period, now: datetime | None = None) -> Report:
    return build_report(kind, session=session, actor=supervisor(), period=period, now=now)


def section(report: Report, title: str) -> Section:
    return next(s for s in report.sections if s.title == title)


def kpi(report: Report, label: str) -> Kpi:
    return next(k for s in report.sections for k in s.kpis if k.label == label)


def table(report: Report, title: str) -> Table:
    return next(t for t in report.tables() if t.title == title)


# --- complaints -----------------------------------------------------------------------------


def test_complaints_report_agrees_with_complaint_stats(session: Any) -> None:
    period, now = recent_period(), utcnow()
    report = _build(session, "complaints", period, now)
    cur = complaint_stats(session=session, start=period.start, end=period.end, now=now)
    before = period.previous()
    prev = complaint_stats(session=session, start=before.start, end=before.end, now=now)
    assert cur.received > 20  # the seeded complaints fall in the period
    assert report.previous == before
    assert kpi(report, "Complaints received").value == cur.received
    assert kpi(report, "Complaints received").previous == prev.received
    assert kpi(report, "Complaints closed").value == cur.closed
    assert kpi(report, "Response on time").value == pytest.approx(cur.response.rate)
    assert kpi(report, "Resolved on time").value == pytest.approx(cur.resolution.rate)
    assert kpi(report, "Resolved on time").previous == prev.resolution.rate
    assert kpi(report, "Mean resolution time").value == pytest.approx(
        cur.resolution_time.mean_minutes
    )
    assert kpi(report, "Median response time").value == pytest.approx(
        cur.response_time.median_minutes
    )
    assert kpi(report, "Open backlog").value == cur.backlog_total
    assert kpi(report, "Compensation granted").value == cur.compensation_granted_cents
    backlog = table(report, "Open backlog by age")
    assert [(r[0], r[1]) for r in backlog.rows] == list(cur.backlog)


def test_grade_rows_add_up_to_the_whole(session: Any) -> None:
    period, now = recent_period(), utcnow()
    report = _build(session, "complaints", period, now)
    cur = complaint_stats(session=session, start=period.start, end=period.end, now=now)
    rows = table(report, "SLA compliance by grade").rows
    grades, total = rows[:-1], rows[-1]
    assert [r[0] for r in grades] == ["Grade 1", "Grade 2", "Grade 3"]
    assert [r[1] for r in grades] == [cur.by_grade.get(g, 0) for g in (1, 2, 3)]
    assert sum(int(r[2] or 0) for r in grades) == cur.response.measured == total[2]
    assert sum(int(r[4] or 0) for r in grades) == cur.resolution.measured == total[4]
    met = sum(round(float(r[3] or 0) * int(r[2] or 0)) for r in grades)
    assert met == cur.response.met
    assert total[3] == pytest.approx(cur.response.rate)
    assert total[8] == pytest.approx(cur.resolution_time.mean_minutes)
    chart = section(report, "SLA compliance by grade").charts[0]
    assert chart.drill == ("1", "2", "3") and chart.drill_target == "complaints.grade"
    assert chart.series[0].values == tuple(r[3] for r in grades)


def test_hotspots_are_paretos_that_drill_to_their_lists(session: Any) -> None:
    period, now = recent_period(), utcnow()
    report = _build(session, "complaints", period, now)
    cur = complaint_stats(session=session, start=period.start, end=period.end, now=now)
    by_category, by_cause = section(report, "Hotspots").charts
    assert by_category.kind is ChartKind.PARETO and by_cause.kind is ChartKind.PARETO
    assert by_category.drill == tuple(r.code for r in cur.by_category)
    assert by_category.drill_target == "complaints.category"
    assert by_category.series[0].values == tuple(float(r.count) for r in cur.by_category)
    assert by_cause.drill == tuple(r.code for r in cur.by_root_cause)
    assert by_cause.drill_target == "complaints.root_cause"
    rows = table(report, "Complaints by category").rows
    assert [(r[0], r[2], r[4]) for r in rows] == [
        (r.code, r.count, r.cumulative) for r in cur.by_category
    ]


def test_repeat_complainers_and_trend(session: Any) -> None:
    period, now = recent_period(), utcnow()
    report = _build(session, "complaints", period, now)
    lo, hi = period_bounds(period.start, period.end)
    per_customer = Counter(
        session.scalars(
            select(Complaint.customer_id).where(
                Complaint.received_at >= lo, Complaint.received_at < hi
            )
        )
    )
    repeaters = sorted((n for n in per_customer.values() if n >= 2), reverse=True)
    assert kpi(report, "Repeat complainers").value == len(repeaters)
    assert [r[2] for r in table(report, "Repeat complainers").rows] == repeaters[:50]
    trend = table(report, "Trend")
    assert sum(int(r[2] or 0) for r in trend.rows) == kpi(report, "Complaints received").value
    assert trend.rows[0][0] == period.start and trend.rows[-1][1] == period.end


# --- satisfaction ---------------------------------------------------------------------------


def test_satisfaction_report_agrees_with_survey_scores(session: Any) -> None:
    period = recent_period()
    report = _build(session, "satisfaction", period)
    cur = survey_scores(session=session, start=period.start, end=period.end)
    before = period.previous()
    prev = survey_scores(session=session, start=before.start, end=before.end)
    assert cur.responses > 10 and cur.csat is not None and cur.nps is not None
    assert kpi(report, "Responses").value == cur.responses
    assert kpi(report, "Responses").previous == prev.responses
    assert kpi(report, "CSAT").value == pytest.approx(cur.csat / 100)
    assert kpi(report, "NPS").value == pytest.approx(cur.nps)
    assert kpi(report, "CES").value == pytest.approx(cur.ces)
    items = table(report, "Scores per item")
    averages = {r[0]: r[1] for r in items.rows}
    assert averages["Timeliness"] == pytest.approx(cur.item_averages["timeliness"])
    answers = table(report, "NPS answers").rows
    assert sum(int(r[2] or 0) for r in answers) == cur.promoters + cur.passives + cur.detractors
    assert sum(int(r[2] or 0) for r in answers if int(r[0] or 0) >= 9) == cur.promoters
    tiers = scores_by_tier(session=session, start=period.start, end=period.end)
    by_tier = table(report, "Scores by customer tier").rows
    assert [r[1] for r in by_tier] == [s.responses for s in tiers.values()]
    tier_chart = section(report, "By customer tier").charts[0]
    assert tier_chart.drill == tuple(tiers) and tier_chart.drill_target == "customers.tier"


def test_detractor_follow_ups_are_counted(session: Any) -> None:
    period = recent_period()
    report = _build(session, "satisfaction", period)
    counts = {r[0]: r[1] for r in table(report, "Detractor follow-ups").rows}
    assert sum(int(v or 0) for v in counts.values()) == kpi(report, "Follow-ups opened").value
    assert counts["Overdue"] == kpi(report, "Follow-ups overdue").value
    assert len(table(report, "Overdue follow-ups").rows) == min(50, int(counts["Overdue"] or 0))


# --- customers ------------------------------------------------------------------------------


def test_customers_report_agrees_with_the_classification(session: Any) -> None:
    period = recent_period()
    report = _build(session, "customers", period)
    tiers = dict(
        session.execute(select(CustomerStats.tier, func.count()).group_by(CustomerStats.tier)).all()
    )
    rows = table(report, "Customers by tier").rows
    assert [r[1] for r in rows] == [tiers.get(t, 0) for t in ("strategic", "key", "ordinary",
                                                              "walk_in")]  # fmt: skip
    assert sum(int(r[1] or 0) for r in rows) == 800
    chart = section(report, "Tiers, lifecycle and cooperation").charts[0]
    assert chart.drill == ("strategic", "key", "ordinary", "walk_in")
    assert chart.drill_target == "customers.tier"
    assert section(report, "Tiers, lifecycle and cooperation").charts[1].drill_target == (
        "customers.lifecycle"
    )
    churn = session.scalar(select(func.count()).where(CustomerStats.churn_risk.is_(True)))
    assert kpi(report, "Churn risk").value == churn
    assert table(report, "Churn risk").note == ("" if churn <= 50 else f"50 of {churn:,}")


def test_top_customers_and_parcels(session: Any) -> None:
    period = recent_period()
    report = _build(session, "customers", period)
    months = sorted({f"{period.start:%Y-%m}", f"{period.end:%Y-%m}"})
    per_customer: Counter[str] = Counter()
    for cid, parcels in session.execute(
        select(MonthlyVolume.customer_id, MonthlyVolume.parcels).where(
            MonthlyVolume.month >= months[0], MonthlyVolume.month <= months[-1]
        )
    ):
        per_customer[cid] += parcels
    assert kpi(report, "Parcels").value == sum(per_customer.values())
    top = table(report, "Top customers by volume")
    expected = sorted((n for n in per_customer.values() if n > 0), reverse=True)
    assert [r[2] for r in top.rows] == expected[:50]
    assert top.note == f"50 of {len(expected):,}"


# --- training -------------------------------------------------------------------------------


def test_training_report_agrees_with_the_sessions(session: Any) -> None:
    period = recent_period()
    report = _build(session, "training", period)
    sessions = list_sessions(session=session, since=period.start, until=period.end)
    assert len(sessions) == 3  # the demo's three past sessions
    attended = sum(s.counts.attended for s in sessions)
    marked = sum(s.counts.total - s.counts.expected for s in sessions)
    assert kpi(report, "Sessions").value == 3
    assert kpi(report, "Attendance rate").value == pytest.approx(attended / marked)
    chart = section(report, "Sessions").charts[0]
    assert set(chart.drill) == {s.id for s in sessions}
    assert chart.drill_target == "training.session"
    missed = sum(s.counts.absent + s.counts.excused for s in sessions)
    assert len(table(report, "Absences").rows) == missed
    assert {r[4] for r in table(report, "Absences").rows} <= {"Absent", "Excused"}


# --- summary, empty periods, rights, language -----------------------------------------------


def test_summary_is_one_section_with_three_charts_and_the_reports_figures(session: Any) -> None:
    period, now = recent_period(), utcnow()
    summary = _build(session, "summary", period, now)
    complaints = _build(session, "complaints", period, now)
    satisfaction = _build(session, "satisfaction", period, now)
    assert len(summary.sections) == 1 and len(summary.sections[0].charts) == 3
    assert summary.tables() == []
    for label in ("Complaints received", "Resolved on time", "Open backlog"):
        assert kpi(summary, label) == kpi(complaints, label)
    for label in ("CSAT", "NPS", "CES"):
        assert kpi(summary, label) == kpi(satisfaction, label)
    assert all(k.previous is not None for k in summary.sections[0].kpis[:3])


@pytest.mark.parametrize("kind", KINDS)
def test_an_empty_period_gives_a_valid_report(session: Any, kind: str) -> None:
    report = _build(session, kind, Period(*EMPTY))
    assert report.kind == kind and report.sections
    assert report.period == Period(*EMPTY) and report.previous == Period(
        date(2000, 12, 1), date(2000, 12, 31)
    )
    for k in (k for s in report.sections for k in s.kpis):
        assert k.value in (None, 0) or k.label in ("Churn risk",), k.label


@pytest.mark.parametrize("kind", KINDS)
def test_a_new_database_gives_a_valid_report(db: Any, supervisor: Any, kind: str) -> None:
    with db.session() as s:
        report = build_report(kind, session=s, actor=supervisor, period=recent_period())
    assert report.branch and report.sections


def test_rights_and_unknown_kinds(session: Any, counter: Any) -> None:
    with pytest.raises(PermissionDenied):
        build_report("complaints", session=session, actor=counter, period=recent_period())
    with pytest.raises(ValidationError, match="Unknown report"):
        build_report("money", session=session, actor=supervisor(), period=recent_period())


def test_title_block_and_chinese_texts(session: Any) -> None:
    now = utcnow()
    set_language("zh_CN")
    report = _build(session, "complaints", recent_period(), now)
    assert report.title == "投诉报表" and report.language == "zh_CN"
    assert report.branch.endswith("(BR001)")
    assert report.printed_at == now
    assert report.sections[0].title == "概览"
    assert any("等级" in t.title for t in report.tables())


def test_builders_run_set_based(session: Any) -> None:
    """A report is a bounded number of statements, whatever the number of rows."""
    from sqlalchemy import event

    statements: list[str] = []
    engine = session.get_bind()

    def count(*_args: Any) -> None:
        statements.append("x")

    event.listen(engine, "before_cursor_execute", count)
    try:
        for kind in KINDS:
            statements.clear()
            _build(session, kind, recent_period())
            assert 0 < len(statements) < 120, (kind, len(statements))
    finally:
        event.remove(engine, "before_cursor_execute", count)
