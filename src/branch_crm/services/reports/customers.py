"""The customers report: tier, lifecycle and cooperation-stage distribution, new / gone
dormant / won back, the churn-risk list with its volume trend, and the top customers by
volume.

Tiers, lifecycle, stages and churn risk are the stored classification
(:mod:`branch_crm.services.customers.classification`), computed for the last complete month:
they describe the customers now, not as they were in the period. Volumes are kept per
calendar month, so the period's parcels are those of every month it touches. Definitions:

* new: customers recorded in the period;
* gone dormant: customers whose last shipping month (up to the period's last month) lies
  ``lifecycle.dormant_months`` months before one of the period's months: the period is when
  their silence reached the dormant threshold;
* won back: customers who shipped in the period after at least ``lifecycle.dormant_months``
  months without parcels.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, select, text
from sqlalchemy.orm import Session

from branch_crm.i18n import N_, _
from branch_crm.models import Customer, CustomerStats, MonthlyVolume
from branch_crm.reference.roles import Permission
from branch_crm.services.complaints.figures import period_bounds
from branch_crm.services.context import Actor
from branch_crm.services.customers.classification import (
    LIFECYCLES,
    STAGES,
    TIERS,
    lifecycle_label,
    month_index_sql,
    stage_label,
    tier_label,
)
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
    month_range,
    period_months,
)
from branch_crm.services.settings import values as settings
from branch_crm.timeutil import add_months

__all__ = [
    "CHURN_TREND_MONTHS",
    "TITLE",
    "CustomerFigures",
    "Movement",
    "customer_figures_of",
    "customers_report",
    "movements",
    "tier_chart",
]

TITLE = N_("Customers report")
CHURN_TREND_MONTHS = 6
"""Months of volume shown beside each churn-risk customer."""
TOP_CHART = 10
"""Bars in the top customers chart (the table holds :data:`TOP_ROWS`)."""


@dataclass(frozen=True)
class Movement:
    """New, gone dormant and won back in one period; parcels and revenue of its months."""

    customers: int
    new: int
    dormant: int
    won_back: int
    parcels: int
    revenue_cents: int


@dataclass(frozen=True)
class TopCustomer:
    """A customer among the biggest shippers of the period."""

    name: str
    tier: str
    parcels: int
    revenue_cents: int
    previous_parcels: int


@dataclass(frozen=True)
class ChurnCustomer:
    """A customer at risk of leaving, with the parcels of the last months."""

    name: str
    tier: str
    average: int
    last_month: int
    volumes: tuple[int, ...]


@dataclass(frozen=True)
class CustomerFigures:
    """Everything the report draws, gathered once."""

    current: Movement
    previous: Movement
    classified_for: str
    tiers: tuple[tuple[str, int], ...]
    lifecycles: tuple[tuple[str, int], ...]
    stages: tuple[tuple[str, int], ...]
    churn_total: int
    churn_months: tuple[str, ...]
    churn_trend: tuple[int, ...]
    churn: tuple[ChurnCustomer, ...]
    top_total: int
    top: tuple[TopCustomer, ...]


def _movement_columns(tag: str) -> str:
    """Per customer, for the period ``tag`` (its months :{tag}first..:{tag}last): the last
    shipping month up to its end, the first shipping month in it, the last one before it,
    and its parcels and revenue."""
    first, last = f":{tag}first", f":{tag}last"
    return f"""
    MAX(CASE WHEN parcels > 0 AND month <= {last} THEN month END) AS {tag}last_ship,
    MIN(CASE WHEN parcels > 0 AND month >= {first} AND month <= {last} THEN month END)
      AS {tag}first_in,
    MAX(CASE WHEN parcels > 0 AND month < {first} THEN month END) AS {tag}before,
    SUM(CASE WHEN month >= {first} AND month <= {last} THEN parcels ELSE 0 END) AS {tag}parcels,
    SUM(CASE WHEN month >= {first} AND month <= {last} THEN revenue_cents ELSE 0 END)
      AS {tag}revenue"""


def _movement_sums(tag: str) -> str:
    first_in, before = f"{tag}first_in", f"{tag}before"
    return f"""
  COALESCE(SUM(CASE WHEN {tag}last_ship BETWEEN :{tag}dormant_from AND :{tag}dormant_to
    THEN 1 ELSE 0 END), 0),
  COALESCE(SUM(CASE WHEN {first_in} IS NOT NULL AND {before} IS NOT NULL
    AND {month_index_sql(first_in)} - {month_index_sql(before)} - 1 >= :dormant
    THEN 1 ELSE 0 END), 0),
  COALESCE(SUM({tag}parcels), 0), COALESCE(SUM({tag}revenue), 0)"""


MOVEMENT_SQL = f"""
SELECT {_movement_sums("c_")}, {_movement_sums("p_")}
FROM (
  SELECT {_movement_columns("c_")}, {_movement_columns("p_")}
  FROM monthly_volume
  WHERE deleted_at IS NULL AND month <= :c_last
  GROUP BY customer_id
)
"""
"""Gone dormant, won back, parcels and revenue of the period (c_) and the one before (p_) in
one pass over the monthly volumes."""


def _month_params(tag: str, period: Period, dormant: int) -> dict[str, str]:
    months = period_months(period)
    return {
        f"{tag}first": months[0],
        f"{tag}last": months[-1],
        f"{tag}dormant_from": add_months(months[0], -dormant),
        f"{tag}dormant_to": add_months(months[-1], -dormant),
    }


def movements(*, session: Session, period: Period) -> tuple[Movement, Movement]:
    """New, gone dormant and won back customers, parcels and revenue of ``period`` and of
    the period before (two passes over the tables, whatever the periods)."""
    previous = period.previous()
    dormant = int(settings.get(session, "lifecycle.dormant_months"))
    params: dict[str, object] = {"dormant": dormant}
    params |= _month_params("c_", period, dormant) | _month_params("p_", previous, dormant)
    figures = [int(v) for v in session.execute(text(MOVEMENT_SQL), params).one()]
    lo, hi = period_bounds(period.start, period.end)
    plo, phi = period_bounds(previous.start, previous.end)

    def count(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    created = Customer.created_at
    counts = session.execute(
        select(
            count(created < hi),
            count(and_(created >= lo, created < hi)),
            count(created < phi),
            count(and_(created >= plo, created < phi)),
        )
    ).one()
    current = Movement(int(counts[0]), int(counts[1]), *figures[:4])
    before = Movement(int(counts[2]), int(counts[3]), *figures[4:])
    return current, before


def _classes(session: Session) -> list[tuple[str, str, str, int]]:
    """(tier, lifecycle, stage, customers) of every combination, in one pass."""
    columns = (CustomerStats.tier, CustomerStats.lifecycle, CustomerStats.stage)
    rows = session.execute(select(*columns, func.count()).group_by(*columns))
    return [(t, lc, st, int(n)) for t, lc, st, n in rows]


def _distribution(
    classes: list[tuple[str, str, str, int]], index: int, codes: Sequence[str]
) -> tuple[tuple[str, int], ...]:
    counts: Counter[str] = Counter()
    for tier, lifecycle, stage, n in classes:
        counts[(tier, lifecycle, stage)[index]] += n
    return tuple((code, counts[code]) for code in codes)


def _churn(
    session: Session, reference: str
) -> tuple[int, tuple[str, ...], tuple[int, ...], tuple[ChurnCustomer, ...]]:
    months = tuple(month_range(add_months(reference, -(CHURN_TREND_MONTHS - 1)), reference))
    at_risk = select(CustomerStats.customer_id).where(CustomerStats.churn_risk.is_(True))
    total = session.scalar(select(func.count()).select_from(at_risk.subquery())) or 0
    rows = session.execute(
        select(
            Customer.id,
            Customer.name,
            CustomerStats.tier,
            CustomerStats.avg_month_parcels,
            CustomerStats.last_month_parcels,
        )
        .join(CustomerStats, CustomerStats.customer_id == Customer.id)
        .where(CustomerStats.churn_risk.is_(True))
        .order_by(CustomerStats.avg_month_parcels.desc(), Customer.name)
        .limit(TOP_ROWS)
    ).all()
    in_range = (MonthlyVolume.month >= months[0], MonthlyVolume.month <= months[-1])
    volumes: dict[tuple[str, str], int] = {}
    if rows:
        for cid, month, parcels in session.execute(
            select(MonthlyVolume.customer_id, MonthlyVolume.month, MonthlyVolume.parcels).where(
                MonthlyVolume.customer_id.in_([r[0] for r in rows]), *in_range
            )
        ):
            volumes[cid, month] = int(parcels)
    sums = {
        month: int(n or 0)
        for month, n in session.execute(
            select(MonthlyVolume.month, func.sum(MonthlyVolume.parcels))
            .where(MonthlyVolume.customer_id.in_(at_risk), *in_range)
            .group_by(MonthlyVolume.month)
        )
    }
    churn = tuple(
        ChurnCustomer(
            name or "",
            tier,
            int(avg),
            int(last),
            tuple(volumes.get((cid, m), 0) for m in months),
        )
        for cid, name, tier, avg, last in rows
    )
    trend = tuple(sums.get(m, 0) for m in months)
    return int(total), months, trend, churn


def _top(session: Session, period: Period) -> tuple[int, tuple[TopCustomer, ...]]:
    months = period_months(period)
    before = period_months(period.previous())
    parcels = func.sum(MonthlyVolume.parcels)
    ranked = (  # the biggest shippers first, and how many shipped at all (one pass)
        select(
            MonthlyVolume.customer_id,
            parcels.label("parcels"),
            func.sum(MonthlyVolume.revenue_cents).label("revenue"),
            func.count().over().label("total"),
        )
        .where(MonthlyVolume.month >= months[0], MonthlyVolume.month <= months[-1])
        .group_by(MonthlyVolume.customer_id)
        .having(parcels > 0)
        .order_by(parcels.desc(), MonthlyVolume.customer_id)
        .limit(TOP_ROWS)
        .subquery()
    )
    rows = session.execute(
        select(
            ranked.c.customer_id,
            Customer.name,
            CustomerStats.tier,
            ranked.c.parcels,
            ranked.c.revenue,
            ranked.c.total,
        )
        .join(Customer, Customer.id == ranked.c.customer_id)
        .outerjoin(CustomerStats, CustomerStats.customer_id == ranked.c.customer_id)
        .order_by(ranked.c.parcels.desc(), Customer.name)
    ).all()
    total = int(rows[0][5]) if rows else 0
    earlier: dict[str, int] = {}
    if rows:
        earlier = {
            cid: int(n or 0)
            for cid, n in session.execute(
                select(MonthlyVolume.customer_id, func.sum(MonthlyVolume.parcels))
                .where(
                    MonthlyVolume.customer_id.in_([r[0] for r in rows]),
                    MonthlyVolume.month >= before[0],
                    MonthlyVolume.month <= before[-1],
                )
                .group_by(MonthlyVolume.customer_id)
            ).tuples()
        }
    top = tuple(
        TopCustomer(name or "", tier or "", int(n), int(rev or 0), earlier.get(cid, 0))
        for cid, name, tier, n, rev, _total in rows
    )
    return total, top


def customer_figures_of(*, session: Session, period: Period) -> CustomerFigures:
    """The figures of ``period`` and the one before."""
    reference = session.scalar(select(func.max(CustomerStats.computed_for))) or ""
    churn_total, churn_months, churn_trend, churn = (
        _churn(session, reference) if reference else (0, (), (), ())
    )
    top_total, top = _top(session, period)
    current, previous = movements(session=session, period=period)
    classes = _classes(session)
    return CustomerFigures(
        current=current,
        previous=previous,
        classified_for=reference,
        tiers=_distribution(classes, 0, TIERS),
        lifecycles=_distribution(classes, 1, LIFECYCLES),
        stages=_distribution(classes, 2, STAGES),
        churn_total=churn_total,
        churn_months=churn_months,
        churn_trend=churn_trend,
        churn=churn,
        top_total=top_total,
        top=top,
    )


# --- KPIs and charts the summary shares -----------------------------------------------------


def tier_chart(tiers: Sequence[tuple[str, int]]) -> Chart:
    """Customers per tier, drilling to the customer list of a tier."""
    return Chart(
        title=_("Customers by tier"),
        kind=ChartKind.BAR,
        categories=tuple(tier_label(t) for t, _n in tiers),
        series=(Series(_("Customers"), tuple(float(n) for _t, n in tiers)),),
        drill=tuple(t for t, _n in tiers),
        drill_target="customers.tier",
    )


# --- sections ---------------------------------------------------------------------------------


def _classified_note(f: CustomerFigures) -> str:
    if not f.classified_for:
        return _("Not classified yet.")
    return _("As classified for {month} (the last complete month).").format(month=f.classified_for)


def _overview(f: CustomerFigures) -> Section:
    cur, prev = f.current, f.previous
    kpis = (
        Kpi(
            _("Customers"),
            cur.customers,
            prev.customers,
            ValueKind.COUNT,
            note=_("recorded by the period's end"),
        ),
        Kpi(_("New customers"), cur.new, prev.new, ValueKind.COUNT),
        Kpi(_("Gone dormant"), cur.dormant, prev.dormant, ValueKind.COUNT, Better.DOWN),
        Kpi(_("Won back"), cur.won_back, prev.won_back, ValueKind.COUNT),
        Kpi(_("Parcels"), cur.parcels, prev.parcels, ValueKind.COUNT),
        Kpi(_("Revenue"), cur.revenue_cents, prev.revenue_cents, ValueKind.MONEY),
        Kpi(
            _("Churn risk"),
            f.churn_total,
            None,
            ValueKind.COUNT,
            Better.DOWN,
            note=_classified_note(f),
        ),
    )
    return Section(_("Overview"), kpis=kpis)


def _share_table(
    title: str,
    heading: str,
    rows: Sequence[tuple[str, int]],
    label: Callable[[str], str],
    note: str,
) -> Table:
    total = sum(n for _c, n in rows)
    return Table(
        title,
        (
            Column(heading),
            Column(_("Customers"), ValueKind.COUNT),
            Column(_("Share"), ValueKind.PERCENT),
        ),
        tuple((label(code), n, n / total if total else None) for code, n in rows),
        note=note,
    )


def _classes_section(f: CustomerFigures) -> Section:
    note = _classified_note(f)
    lifecycle_chart = Chart(
        title=_("Customers by lifecycle"),
        kind=ChartKind.BAR,
        categories=tuple(lifecycle_label(c) for c, _n in f.lifecycles),
        series=(Series(_("Customers"), tuple(float(n) for _c, n in f.lifecycles)),),
        drill=tuple(c for c, _n in f.lifecycles),
        drill_target="customers.lifecycle",
    )
    stage_chart = Chart(
        title=_("Cooperation stages"),
        kind=ChartKind.PIE,
        categories=tuple(stage_label(c) for c, _n in f.stages),
        series=(Series(_("Customers"), tuple(float(n) for _c, n in f.stages)),),
    )
    return Section(
        _("Tiers, lifecycle and cooperation"),
        charts=(tier_chart(f.tiers), lifecycle_chart, stage_chart),
        tables=(
            _share_table(_("Customers by tier"), _("Tier"), f.tiers, tier_label, note),
            _share_table(
                _("Customers by lifecycle"), _("Lifecycle"), f.lifecycles, lifecycle_label, note
            ),
            _share_table(_("Cooperation stages"), _("Stage"), f.stages, stage_label, note),
        ),
    )


def _movement_section(f: CustomerFigures) -> Section:
    cur, prev = f.current, f.previous
    labels = (_("New customers"), _("Gone dormant"), _("Won back"))
    chart = Chart(
        title=_("New, gone dormant and won back"),
        kind=ChartKind.BAR,
        categories=labels,
        series=(
            Series(_("This period"), (cur.new, cur.dormant, cur.won_back)),
            Series(_("Previous period"), (prev.new, prev.dormant, prev.won_back)),
        ),
    )
    table = Table(
        _("New, gone dormant and won back"),
        (
            Column(""),
            Column(_("This period"), ValueKind.COUNT),
            Column(_("Previous period"), ValueKind.COUNT),
        ),
        tuple(
            zip(
                labels,
                (cur.new, cur.dormant, cur.won_back),
                (prev.new, prev.dormant, prev.won_back),
                strict=True,
            )
        ),
    )
    return Section(_("Customer movement"), charts=(chart,), tables=(table,))


def _churn_section(f: CustomerFigures) -> Section:
    chart = Chart(
        title=_("Parcels of churn-risk customers"),
        kind=ChartKind.LINE,
        categories=f.churn_months,
        series=(Series(_("Parcels"), tuple(float(n) for n in f.churn_trend)),),
    )
    table = Table(
        _("Churn risk"),
        (
            Column(_("Customer")),
            Column(_("Tier")),
            Column(_("Average parcels (3 months)"), ValueKind.COUNT),
            Column(_("Last month"), ValueKind.COUNT),
            *(Column(m, ValueKind.COUNT) for m in f.churn_months),
        ),
        tuple((c.name, tier_label(c.tier), c.average, c.last_month, *c.volumes) for c in f.churn),
        note=bounded_note(len(f.churn), f.churn_total),
    )
    charts = (chart,) if f.churn_months else ()
    return Section(_("Churn risk"), charts=charts, tables=(table,))


def _top_section(f: CustomerFigures) -> Section:
    shown = f.top[:TOP_CHART]
    chart = Chart(
        title=_("Top customers by parcels"),
        kind=ChartKind.BAR,
        categories=tuple(t.name for t in shown),
        series=(
            Series(_("This period"), tuple(float(t.parcels) for t in shown)),
            Series(_("Previous period"), tuple(float(t.previous_parcels) for t in shown)),
        ),
    )
    table = Table(
        _("Top customers by volume"),
        (
            Column(_("Customer")),
            Column(_("Tier")),
            Column(_("Parcels"), ValueKind.COUNT),
            Column(_("Revenue"), ValueKind.MONEY),
            Column(_("Previous period"), ValueKind.COUNT),
        ),
        tuple(
            (
                t.name,
                tier_label(t.tier) if t.tier else "",
                t.parcels,
                t.revenue_cents,
                t.previous_parcels,
            )
            for t in f.top
        ),
        note=bounded_note(len(f.top), f.top_total),
    )
    return Section(_("Top customers"), charts=(chart,), tables=(table,))


def customers_report(*, session: Session, actor: Actor, period: Period, now: datetime) -> Report:
    """The customers report of ``period`` against the period before."""
    require(actor, Permission.REPORT_VIEW)
    f = customer_figures_of(session=session, period=period)
    sections = (
        _overview(f),
        _classes_section(f),
        _movement_section(f),
        _churn_section(f),
        _top_section(f),
    )
    return make_report(
        session=session,
        kind="customers",
        title=_(TITLE),
        period=period,
        now=now,
        sections=sections,
    )
