"""Survey scores: CSAT, per-item averages, NPS and CES by period and tier, monthly trend.

Definitions (DOMAIN.md KPIs):
- CSAT: the share of answered 1–5 items scored 4 or 5, in percent.
- NPS: percent promoters (9–10) minus percent detractors (0–6) among NPS answers.
- CES: the mean of the 1–7 customer-effort answers (7 = very easy); ``ces_easy`` the share
  of answers 5–7, in percent.
Only current responses count: a corrected response is replaced by its correction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.errors import ValidationError
from branch_crm.i18n import _
from branch_crm.models import CustomerStats, SurveyResponse, SurveyTemplate
from branch_crm.services.customers.classification import TIERS
from branch_crm.timeutil import BUSINESS_TZ, add_months, local_today, month_key, to_local

PROMOTER_MIN = 9
DETRACTOR_MAX = 6
"""An NPS answer up to this is a detractor's (DOMAIN.md)."""
CES_EASY_MIN = 5


@dataclass(frozen=True)
class Scores:
    """Figures of a set of responses; None where nothing was answered."""

    responses: int
    csat: float | None
    item_averages: Mapping[str, float]
    item_counts: Mapping[str, int]
    nps: float | None
    promoters: int
    passives: int
    detractors: int
    ces: float | None
    ces_easy: float | None


@dataclass(frozen=True)
class MonthScores:
    """Scores of one calendar month ('YYYY-MM')."""

    month: str
    scores: Scores


def _kinds(session: Session) -> dict[str, dict[str, str]]:
    """template id -> {item code: kind}."""
    out: dict[str, dict[str, str]] = {}
    for template_id, items in session.execute(select(SurveyTemplate.id, SurveyTemplate.items)):
        out[template_id] = {str(i["code"]): str(i.get("kind")) for i in items or ()}
    return out


def compute_scores(rows: Iterable[tuple[Mapping[str, Any], Mapping[str, str]]]) -> Scores:
    """Scores of (answers, {code: kind}) pairs (pure; hand-checkable)."""
    totals: dict[str, int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)
    scale_answers = scale_happy = 0
    nps_values: list[int] = []
    ces_values: list[int] = []
    responses = 0
    for answers, kinds in rows:
        responses += 1
        for code, value in answers.items():
            if value is None:
                continue
            kind = kinds.get(code)
            if kind == "scale5":
                totals[code] += int(value)
                counts[code] += 1
                scale_answers += 1
                scale_happy += int(value) >= 4
            elif kind == "nps":
                nps_values.append(int(value))
            elif kind == "ces":
                ces_values.append(int(value))
    promoters = sum(v >= PROMOTER_MIN for v in nps_values)
    detractors = sum(v <= DETRACTOR_MAX for v in nps_values)
    return Scores(
        responses=responses,
        csat=100.0 * scale_happy / scale_answers if scale_answers else None,
        item_averages={code: totals[code] / counts[code] for code in counts},
        item_counts=dict(counts),
        nps=100.0 * (promoters - detractors) / len(nps_values) if nps_values else None,
        promoters=promoters,
        passives=len(nps_values) - promoters - detractors,
        detractors=detractors,
        ces=sum(ces_values) / len(ces_values) if ces_values else None,
        ces_easy=(
            100.0 * sum(v >= CES_EASY_MIN for v in ces_values) / len(ces_values)
            if ces_values
            else None
        ),
    )


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=BUSINESS_TZ).astimezone(UTC)


def _current_rows(
    session: Session, start: date | None, end: date | None, tier: str | None
) -> list[tuple[dict[str, Any], str, datetime]]:
    """(answers, template id, answered at) of current responses answered in [start, end]."""
    superseded = select(SurveyResponse.supersedes_id).where(
        SurveyResponse.supersedes_id.is_not(None)
    )
    query = select(
        SurveyResponse.answers, SurveyResponse.template_id, SurveyResponse.answered_on
    ).where(SurveyResponse.id.not_in(superseded))
    if start is not None:
        query = query.where(SurveyResponse.answered_on >= _utc(start))
    if end is not None:
        query = query.where(SurveyResponse.answered_on < _utc(end + timedelta(days=1)))
    if tier is not None:
        query = query.join(
            CustomerStats, CustomerStats.customer_id == SurveyResponse.customer_id
        ).where(CustomerStats.tier == tier)
    return [(dict(a or {}), t, at) for a, t, at in session.execute(query)]


def _check_period(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValidationError({"end": _("The end date is before the start date.")})


def survey_scores(
    *,
    session: Session,
    start: date | None = None,
    end: date | None = None,
    tier: str | None = None,
) -> Scores:
    """Scores of the current responses answered from ``start`` to ``end`` (inclusive)."""
    _check_period(start, end)
    kinds = _kinds(session)
    rows = _current_rows(session, start, end, tier)
    return compute_scores((answers, kinds.get(t, {})) for answers, t, _at in rows)


def scores_by_tier(
    *, session: Session, start: date | None = None, end: date | None = None
) -> dict[str, Scores]:
    """Scores per customer tier (customers without computed stats are left out)."""
    return {tier: survey_scores(session=session, start=start, end=end, tier=tier) for tier in TIERS}


def monthly_trend(
    *,
    session: Session,
    months: int = 12,
    last_month: str | None = None,
    tier: str | None = None,
) -> list[MonthScores]:
    """Scores month by month, oldest first, ending with ``last_month`` (default: this month)."""
    if not 1 <= months <= 120:
        raise ValidationError({"months": _("Choose between 1 and 120 months.")})
    last = last_month or month_key(local_today())
    first = add_months(last, -(months - 1))
    start = date(int(first[:4]), int(first[5:7]), 1)
    following = add_months(last, 1)
    end = date(int(following[:4]), int(following[5:7]), 1) - timedelta(days=1)
    kinds = _kinds(session)
    grouped: dict[str, list[tuple[dict[str, Any], dict[str, str]]]] = defaultdict(list)
    for answers, template_id, at in _current_rows(session, start, end, tier):
        grouped[month_key(to_local(at).date())].append((answers, kinds.get(template_id, {})))
    return [
        MonthScores(month, compute_scores(grouped.get(month, [])))
        for month in (add_months(first, i) for i in range(months))
    ]


NPS_ANSWERS = tuple(range(11))
"""The possible NPS answers, 0..10."""


def nps_distribution(
    *, session: Session, start: date | None = None, end: date | None = None
) -> tuple[int, ...]:
    """How many current responses answered the NPS question 0, 1, ... 10 in the period (the
    answers :func:`survey_scores` counts as promoters, passives and detractors)."""
    _check_period(start, end)
    kinds = _kinds(session)
    counts = [0] * len(NPS_ANSWERS)
    for answers, template_id, _at in _current_rows(session, start, end, None):
        item_kinds = kinds.get(template_id, {})
        for code, value in answers.items():
            if value is not None and item_kinds.get(code) == "nps" and 0 <= int(value) <= 10:
                counts[int(value)] += 1
    return tuple(counts)
