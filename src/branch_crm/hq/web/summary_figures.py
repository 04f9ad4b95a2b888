"""The dashboard's figures read from its summaries (hq.summary, PostgreSQL): the same
figures as :mod:`.figures` counts live, summed over a period's business days (or its
reference month) for every branch at once. What depends on the moment of reading (a target
passed now) is still read live, through partial indexes over the unresolved and the open
complaints."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select

from branch_crm.hq import tables as t
from branch_crm.hq.summary import Meta
from branch_crm.hq.web import figures as f
from branch_crm.hq.web.periods import Period
from branch_crm.timeutil import add_months, month_key

__all__ = [
    "complaint_figures",
    "customer_figures",
    "hotspots",
    "survey_figures",
    "survey_trend",
]


def _in(query: Select[Any], column: Any, codes: f.Branches) -> Select[Any]:
    return query if codes is None else query.where(column.in_(list(codes)))


def complaint_figures(
    conn: Connection, period: Period, codes: f.Branches, now: datetime
) -> dict[str, f.ComplaintFigures]:
    d = t.dash_complaint_day.c
    query = _in(
        select(d.branch_id, func.sum(d.received), func.sum(d.breached), func.sum(d.settled),
               func.sum(d.met))
        .where(d.day >= period.start, d.day <= period.end)
        .group_by(d.branch_id),
        d.branch_id,
        codes,
    )  # fmt: skip
    out: dict[str, f.ComplaintFigures] = defaultdict(f.ComplaintFigures)
    for branch, n, b, settled, met in conn.execute(query):
        fig = out[branch]
        fig.received, fig.breached_received = int(n), int(b)
        fig.measured, fig.met = int(settled), int(met)
    c = f.complaint.c  # measured now: unresolved, no breach on record, target passed
    late = _in(
        select(c.branch_id, func.count())
        .where(
            c.resolved_at.is_(None),
            c.deleted_at.is_(None),  # the partial index ix_dash_complaint_unresolved
            c.received_at >= period.utc_start,
            c.received_at < period.utc_end,
            ~f._flag(c.resolution_breached),
            c.resolution_due_at < now,
            c.paused_since.is_(None),
        )
        .group_by(c.branch_id),
        c.branch_id,
        codes,
    )
    for branch, n in conn.execute(late):
        out[branch].measured += n
    f.open_complaints(conn, codes, now, out)
    return dict(out)


def hotspots(
    conn: Connection, period: Period, codes: f.Branches, language: str
) -> list[tuple[str, str, int]]:
    d = t.dash_complaint_day.c
    query = _in(
        select(d.category, func.sum(d.received))
        .where(d.day >= period.start, d.day <= period.end)
        .group_by(d.category),
        d.branch_id,
        codes,
    )
    names = f.category_names(conn, language)
    rows = [(code, names.get(code, code or "—"), int(n)) for code, n in conn.execute(query)]
    return sorted(rows, key=lambda r: (-r[2], r[0]))


def _scores(
    conn: Connection, group: Any, first: date, last: date, codes: f.Branches
) -> dict[Any, f.Scores]:
    """(group key, Scores) for the survey days ``first`` to ``last``."""
    kinds = f._question_kinds(conn)
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


def _add_scores(rows: Any, kinds: dict[str, set[str]]) -> dict[Any, f.Scores]:
    """(key, code, n, ge4, ge9, le6, total) rows as scores per key, by the codes' kinds."""
    out: dict[Any, f.Scores] = defaultdict(f.Scores)
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


def survey_figures(conn: Connection, period: Period, codes: f.Branches) -> dict[str, f.Scores]:
    d = t.dash_survey_day.c
    rows = _scores(conn, d.branch_id, period.start, period.end, codes)
    return {str(k): v for k, v in rows.items()}


def survey_trend(
    conn: Connection, months: list[str], codes: f.Branches
) -> list[tuple[str, f.Scores]]:
    kinds = f._question_kinds(conn)
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
    return [(m, rows.get(m, f.Scores())) for m in months]


def customer_figures(
    conn: Connection, period: Period, codes: f.Branches, m: Meta
) -> dict[str, f.CustomerFigures] | None:
    """None when the summary does not answer for the period (a reference month it does not
    cover, or thresholds changed since it was built): count live."""
    p = f.policy_values(conn)
    m0 = period.reference_month
    if not m.covers(m0, p):
        return None
    cutoff = f._month_start(
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
    out: dict[str, f.CustomerFigures] = defaultdict(f.CustomerFigures)
    for branch, tier, total, n_new, n_dormant, n_churn in conn.execute(query):
        fig = out[branch]
        fig.total += int(total)
        fig.tiers[tier] += int(total)
        fig.new += int(n_new)
        fig.dormant += int(n_dormant)
        fig.churn_risk += int(n_churn)
    return dict(out)
