"""The dashboard's pages: each one reads its figures (:mod:`branch_crm.hq.web.figures`) for
the period and the branches the account may see, and lays them out as figure cards, charts
and tables (:class:`~branch_crm.hq.web.grid.Grid`, which the .xlsx export reuses)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from branch_crm.hq.web import figures as f
from branch_crm.hq.web.charts import bar_chart, line_chart
from branch_crm.hq.web.grid import Column, Grid, cell_text
from branch_crm.hq.web.render import Card, Page, PageContext, cards_html
from branch_crm.i18n import N_

__all__ = ["BRANCH_PAGES", "PAGES", "branch_page", "complaint_list_page", "training_list_page"]

# texts shown inside f-strings (marked here so the catalogue tool finds them)
T_BRANCHES = N_("Branches")
T_BRANCHES_NOT_HEARD_FROM_FOR_A_DAY = N_("Branches not heard from for a day")
T_BREACHED_OPEN = N_("Breached (open)")
T_CHURN_RISK = N_("Churn risk")
T_COMPLAINTS_RECEIVED = N_("Complaints received")
T_COMPLAINTS_RECEIVED_IN_THE_PERIOD = N_("Complaints received in the period")
T_COMPLAINT_HOTSPOTS = N_("Complaint hotspots")
T_CUSTOMERS = N_("Customers")
T_CUSTOMERS_BY_TIER = N_("Customers by tier")
T_CUSTOMER_EFFORT_CES = N_("Customer effort (CES)")
T_DORMANT_CUSTOMERS = N_("Dormant customers")
T_NO_COMPLAINTS_IN_THIS_PERIOD = N_("No complaints in this period.")
T_OPEN_COMPLAINTS = N_("Open complaints")
T_OPEN_CONFLICTS = N_("Open conflicts")
T_PCS = N_("PCs")
T_SATISFACTION_TREND_CSAT_NPS = N_("Satisfaction trend (CSAT, NPS)")
T_SYNC_HEALTH = N_("Sync health")
T_TRAINING_SESSIONS = N_("Training sessions")

STALE_HOURS = 24
"""A branch not heard from for this long is marked in red."""


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _branch_link(ctx: PageContext) -> Callable[[dict[str, Any]], str | None]:
    return lambda row: ctx.url(f"/branches/{row['code']}")


def _visible(conn: Connection, ctx: PageContext) -> list[f.Branch]:
    return f.branches(conn, ctx.account.branches)


def _codes(ctx: PageContext) -> Sequence[str] | None:
    return ctx.account.branches


def _hotspot_grid(rows: list[tuple[str, str, int]], grid_id: str = "hotspots") -> Grid:
    total = sum(n for _c, _n, n in rows)
    out, running = [], 0
    for code, name, n in rows:
        running += n
        out.append(
            {"category": name, "code": code, "n": n, "share": 100 * n / total,
             "cumulative": 100 * running / total}
        )  # fmt: skip
    return Grid(
        grid_id,
        N_("Complaint hotspots by category"),
        [
            Column("category", N_("Category")),
            Column("n", N_("Complaints"), "int"),
            Column("share", N_("Share"), "pct"),
            Column("cumulative", N_("Cumulative share"), "pct"),
        ],
        out,
    )


def _trend_parts(conn: Connection, ctx: PageContext, codes: Sequence[str] | None) -> list[Any]:
    _ = ctx._
    months = ctx.period.months(6)
    trend = f.survey_trend(conn, months, codes)
    chart = line_chart(
        months,
        [(_("CSAT %"), [s.csat for _m, s in trend]), (_("NPS"), [s.nps for _m, s in trend])],
        low=-100,
        high=100,
        label=_("Satisfaction trend"),
    )
    ces = line_chart(
        months,
        [(_("CES (1-7)"), [s.ces for _m, s in trend])],
        low=1,
        high=7,
        label=_("Customer effort trend"),
        height=160,
    )
    grid = Grid(
        "trend",
        N_("Satisfaction by month"),
        [
            Column("month", N_("Month")),
            Column("responses", N_("Responses"), "int"),
            Column("csat", N_("CSAT"), "pct"),
            Column("nps", N_("NPS"), "num"),
            Column("ces", N_("CES"), "num"),
        ],
        [
            {"month": m, "responses": s.responses, "csat": s.csat, "nps": s.nps, "ces": s.ces}
            for m, s in trend
        ],
    )
    return [
        '<div class="charts">'
        f"<figure><figcaption>{_(T_SATISFACTION_TREND_CSAT_NPS)}</figcaption>{chart}</figure>"
        f"<figure><figcaption>{_(T_CUSTOMER_EFFORT_CES)}</figcaption>{ces}</figure></div>",
        grid,
    ]


def _sum(items: Any, factory: Callable[[], Any]) -> Any:
    total = factory()
    for item in items:
        total.add(item)
    return total


def _by_branch(
    conn: Connection,
    ctx: PageContext,
    grid: tuple[str, str],
    *,
    columns: list[Column],
    figures: dict[str, Any],
    factory: Callable[[], Any],
    cells: Callable[[Any], dict[str, Any]],
) -> Grid:
    """A page's table of one row per branch the viewer may see (a branch without figures
    shows the empty ones) and an "All" row of the figures added up; ``cells`` gives a
    figures object's cells (``<key>__bad`` marks a cell red, never on the total)."""
    rows = [
        {"code": b.code, "name": b.name, **cells(figures.get(b.code, factory()))}
        for b in _visible(conn, ctx)
    ]
    total = cells(_sum(figures.values(), factory))
    grid_id, title = grid
    branch = [
        Column("code", N_("Branch"), link=_branch_link(ctx)),
        Column("name", N_("Branch name")),
    ]
    return Grid(
        grid_id,
        title,
        [*branch, *columns],
        rows,
        total={"code": ctx._("All"), **{k: v for k, v in total.items() if not k.endswith("__bad")}},
    )


def _stale(health: f.SyncHealth | None, now: datetime) -> bool:
    last = health.last_contact if health else None
    return last is None or now - last > timedelta(hours=STALE_HOURS)


# --- overview -----------------------------------------------------------------------------


def overview(conn: Connection, ctx: PageContext, now: datetime) -> Page:
    """Every branch at once: headline figures, hotspots, the satisfaction trend and one row
    per branch (its code opens the branch)."""
    _ = ctx._
    codes = _codes(ctx)
    period = ctx.period
    complaints = f.complaint_figures(conn, period, codes, now)
    scores = f.survey_figures(conn, period, codes)
    customers = f.customer_figures(conn, period, codes)
    training = f.training_figures(conn, period, codes)
    health = f.sync_health(conn, period, codes)
    c = _sum(complaints.values(), f.ComplaintFigures)
    s = _sum(scores.values(), f.Scores)
    k = _sum(customers.values(), f.CustomerFigures)
    tr = _sum(training.values(), f.TrainingFigures)
    visible = _visible(conn, ctx)
    stale = sum(_stale(health.get(b.code), now) for b in visible)
    cards = [
        Card(N_(T_BRANCHES), f"{len(visible):,}"),
        Card(N_(T_COMPLAINTS_RECEIVED), f"{c.received:,}"),
        Card(N_(T_OPEN_COMPLAINTS), f"{c.open:,}"),
        Card(N_(T_BREACHED_OPEN), f"{c.breached_open:,}", bad=c.breached_open > 0),
        Card(N_("SLA met"), _pct(c.compliance)),
        Card(N_("CSAT"), _pct(s.csat)),
        Card(N_("NPS"), _num(s.nps)),
        Card(N_("CES"), _num(s.ces, 2)),
        Card(N_(T_CUSTOMERS), f"{k.total:,}"),
        Card(N_(T_DORMANT_CUSTOMERS), f"{k.dormant:,}"),
        Card(N_(T_CHURN_RISK), f"{k.churn_risk:,}", bad=k.churn_risk > 0),
        Card(N_("Training attendance"), _pct(tr.attendance)),
        Card(N_(T_BRANCHES_NOT_HEARD_FROM_FOR_A_DAY), f"{stale:,}", bad=stale > 0),
        Card(
            N_("Open conflicts"),
            f"{sum(h.open_conflicts for h in health.values()):,}",
        ),
    ]
    hot = f.hotspots(conn, period, codes, ctx.language)
    rows = []
    for b in visible:
        cf = complaints.get(b.code, f.ComplaintFigures())
        sc = scores.get(b.code, f.Scores())
        cu = customers.get(b.code, f.CustomerFigures())
        te = training.get(b.code, f.TrainingFigures())
        he = health.get(b.code, f.SyncHealth())
        rows.append(
            {
                "code": b.code, "name": b.name, "received": cf.received, "open": cf.open,
                "breached": cf.breached_open, "breached__bad": cf.breached_open > 0,
                "sla": cf.compliance, "csat": sc.csat, "nps": sc.nps, "ces": sc.ces,
                "customers": cu.total, "churn": cu.churn_risk, "attendance": te.attendance,
                "last_contact": he.last_contact, "last_contact__bad": _stale(he, now),
                "conflicts": he.open_conflicts, "conflicts__bad": he.open_conflicts > 0,
            }
        )  # fmt: skip
    link = _branch_link(ctx)
    grid = Grid(
        "branches",
        N_("Branches"),
        [
            Column("code", N_("Branch"), link=link),
            Column("name", N_("Branch name"), link=link),
            Column("received", N_("Complaints received"), "int"),
            Column("open", N_("Open now"), "int"),
            Column("breached", N_("Breached (open)"), "int"),
            Column("sla", N_("SLA met"), "pct"),
            Column("csat", N_("CSAT"), "pct"),
            Column("nps", N_("NPS"), "num"),
            Column("ces", N_("CES"), "num"),
            Column("customers", N_("Customers"), "int"),
            Column("churn", N_("Churn risk"), "int"),
            Column("attendance", N_("Training attendance"), "pct"),
            Column("last_contact", N_("Last contact"), "datetime"),
            Column("conflicts", N_("Open conflicts"), "int"),
        ],
        rows,
        total={
            "code": _("All"), "received": c.received, "open": c.open, "breached": c.breached_open,
            "sla": c.compliance, "csat": s.csat, "nps": s.nps, "ces": s.ces,
            "customers": k.total, "churn": k.churn_risk, "attendance": tr.attendance,
            "conflicts": sum(h.open_conflicts for h in health.values()),
        },
    )  # fmt: skip
    bars = bar_chart([(name, n) for _c, name, n in hot[:10]], label=_("Complaints by category"))
    charts = (
        f'<div class="charts"><figure><figcaption>{_(T_COMPLAINT_HOTSPOTS)}</figcaption>'
        f"{bars or _(T_NO_COMPLAINTS_IN_THIS_PERIOD)}</figure></div>"
    )
    return Page(
        _("Overview"), [cards_html(cards, _), charts, grid, *_trend_parts(conn, ctx, codes)]
    )


# --- topic pages --------------------------------------------------------------------------


def complaints_page(conn: Connection, ctx: PageContext, now: datetime) -> Page:
    _ = ctx._
    codes = _codes(ctx)
    figures = f.complaint_figures(conn, ctx.period, codes, now)
    hot = f.hotspots(conn, ctx.period, codes, ctx.language)
    grid = _by_branch(
        conn, ctx, ("complaints", N_("Complaints by branch")),
        columns=[
            Column("received", N_("Received"), "int"),
            Column("breached_received", N_("Breached (received)"), "int"),
            Column("measured", N_("Resolution measured"), "int"),
            Column("met", N_("Resolved in time"), "int"),
            Column("sla", N_("SLA met"), "pct"),
            Column("open", N_("Open now"), "int"),
            Column("breached_open", N_("Breached (open)"), "int"),
        ],
        figures=figures, factory=f.ComplaintFigures,
        cells=lambda x: {
            "received": x.received, "breached_received": x.breached_received,
            "measured": x.measured, "met": x.met, "sla": x.compliance, "open": x.open,
            "breached_open": x.breached_open, "breached_open__bad": x.breached_open > 0,
        },
    )  # fmt: skip
    bars = bar_chart([(name, n) for _c, name, n in hot[:12]], label=_("Complaints by category"))
    return Page(
        _("Complaints"),
        [
            f'<div class="charts"><figure><figcaption>{_(T_COMPLAINT_HOTSPOTS)}</figcaption>'
            f"{bars or _(T_NO_COMPLAINTS_IN_THIS_PERIOD)}</figure></div>",
            _hotspot_grid(hot),
            grid,
        ],
    )


def satisfaction_page(conn: Connection, ctx: PageContext, now: datetime) -> Page:
    _ = ctx._
    codes = _codes(ctx)
    scores = f.survey_figures(conn, ctx.period, codes)
    grid = _by_branch(
        conn, ctx, ("satisfaction", N_("Satisfaction by branch")),
        columns=[
            Column("responses", N_("Responses"), "int"),
            Column("csat", N_("CSAT"), "pct"),
            Column("nps", N_("NPS"), "num"),
            Column("promoters", N_("Promoters"), "int"),
            Column("detractors", N_("Detractors"), "int"),
            Column("ces", N_("CES"), "num"),
        ],
        figures=scores, factory=f.Scores,
        cells=lambda x: {
            "responses": x.responses, "csat": x.csat, "nps": x.nps, "promoters": x.promoters,
            "detractors": x.detractors, "ces": x.ces,
        },
    )  # fmt: skip
    return Page(_("Satisfaction"), [*_trend_parts(conn, ctx, codes), grid])


TIER_NAMES = {
    "strategic": N_("Strategic"),
    "key": N_("Key"),
    "ordinary": N_("Ordinary"),
    "walk_in": N_("Walk-in"),
}


def customers_page(conn: Connection, ctx: PageContext, now: datetime) -> Page:
    _ = ctx._
    figures = f.customer_figures(conn, ctx.period, _codes(ctx))
    grid = _by_branch(
        conn, ctx, ("customers", N_("Customers by branch")),
        columns=[
            Column("total", N_("Customers"), "int"),
            *[Column(tier, TIER_NAMES[tier], "int") for tier in f.TIERS],
            Column("new", N_("New"), "int"),
            Column("dormant", N_("Dormant"), "int"),
            Column("churn", N_("Churn risk"), "int"),
        ],
        figures=figures, factory=f.CustomerFigures,
        cells=lambda x: {
            "total": x.total, **x.tiers, "new": x.new, "dormant": x.dormant,
            "churn": x.churn_risk, "churn__bad": x.churn_risk > 0,
        },
    )  # fmt: skip
    assert grid.total is not None
    bars = bar_chart(
        [(_(TIER_NAMES[k]), grid.total[k]) for k in f.TIERS], label=_("Customers by tier")
    )
    note = _("Tiers, dormant customers and churn risk as of {month}, from the monthly volumes.")
    return Page(
        _("Customers"),
        [
            f'<p class="note">{note.format(month=ctx.period.reference_month)}</p>'
            f'<div class="charts"><figure><figcaption>{_(T_CUSTOMERS_BY_TIER)}</figcaption>'
            f"{bars}</figure></div>",
            grid,
        ],
    )


def training_page(conn: Connection, ctx: PageContext, now: datetime) -> Page:
    _ = ctx._
    figures = f.training_figures(conn, ctx.period, _codes(ctx))
    grid = _by_branch(
        conn, ctx, ("training", N_("Training by branch")),
        columns=[
            Column("sessions", N_("Sessions"), "int"),
            Column("present", N_("Present"), "int"),
            Column("late", N_("Late"), "int"),
            Column("absent", N_("Absent"), "int"),
            Column("excused", N_("Excused"), "int"),
            Column("attendance", N_("Attendance"), "pct"),
        ],
        figures=figures, factory=f.TrainingFigures,
        cells=lambda x: {
            "sessions": x.sessions, "present": x.present, "late": x.late, "absent": x.absent,
            "excused": x.excused, "attendance": x.attendance,
        },
    )  # fmt: skip
    return Page(_("Training"), [grid])


def sync_page(conn: Connection, ctx: PageContext, now: datetime) -> Page:
    _ = ctx._
    health = f.sync_health(conn, ctx.period, _codes(ctx))
    rows = []
    for b in _visible(conn, ctx):
        h = health.get(b.code, f.SyncHealth())
        rows.append(
            {"code": b.code, "name": b.name, "last_contact": h.last_contact,
             "last_contact__bad": _stale(h, now), "pcs": h.pcs, "revoked": h.revoked,
             "conflicts": h.open_conflicts, "conflicts__bad": h.open_conflicts > 0,
             "quarantined": h.quarantined}
        )  # fmt: skip
    grid = Grid(
        "sync",
        N_("Sync health by branch"),
        [
            Column("code", N_("Branch"), link=_branch_link(ctx)),
            Column("name", N_("Branch name")),
            Column("last_contact", N_("Last contact"), "datetime"),
            Column("pcs", N_("PCs"), "int"),
            Column("revoked", N_("PCs revoked"), "int"),
            Column("conflicts", N_("Open conflicts"), "int"),
            Column("quarantined", N_("Changes set aside in the period"), "int"),
        ],
        rows,
    )
    note = _("Red: not heard from for {hours} hours or more.").format(hours=STALE_HOURS)
    return Page(_(T_SYNC_HEALTH), [f'<p class="note">{note}</p>', grid])


PageFn = Callable[[Connection, PageContext, datetime], Page]
PAGES: dict[str, PageFn] = {
    "": overview,
    "/complaints": complaints_page,
    "/satisfaction": satisfaction_page,
    "/customers": customers_page,
    "/training": training_page,
    "/sync": sync_page,
}
"""The cross-branch pages, by path under /dashboard (the order of the navigation is
render.NAV)."""


# --- one branch ---------------------------------------------------------------------------


def _branch_title(ctx: PageContext, branch: f.Branch, what: str) -> str:
    return ctx._("{branch} {name}: {what}").format(branch=branch.code, name=branch.name, what=what)


def branch_page(conn: Connection, ctx: PageContext, now: datetime, branch: f.Branch) -> Page:
    """One branch's figures, with links to its lists."""
    _ = ctx._
    codes = [branch.code]
    c = f.complaint_figures(conn, ctx.period, codes, now).get(branch.code, f.ComplaintFigures())
    s = f.survey_figures(conn, ctx.period, codes).get(branch.code, f.Scores())
    k = f.customer_figures(conn, ctx.period, codes).get(branch.code, f.CustomerFigures())
    tr = f.training_figures(conn, ctx.period, codes).get(branch.code, f.TrainingFigures())
    h = f.sync_health(conn, ctx.period, codes).get(branch.code, f.SyncHealth())
    last = cell_text(h.last_contact, "datetime", _)
    cards = [
        Card(N_(T_COMPLAINTS_RECEIVED), f"{c.received:,}"),
        Card(N_(T_OPEN_COMPLAINTS), f"{c.open:,}"),
        Card(N_(T_BREACHED_OPEN), f"{c.breached_open:,}", bad=c.breached_open > 0),
        Card(N_("SLA met"), _pct(c.compliance)),
        Card(N_("CSAT"), _pct(s.csat)),
        Card(N_("NPS"), _num(s.nps)),
        Card(N_("CES"), _num(s.ces, 2)),
        Card(N_(T_CUSTOMERS), f"{k.total:,}"),
        Card(N_(T_DORMANT_CUSTOMERS), f"{k.dormant:,}"),
        Card(N_(T_CHURN_RISK), f"{k.churn_risk:,}", bad=k.churn_risk > 0),
        Card(N_("Training attendance"), _pct(tr.attendance)),
        Card(N_(T_PCS), f"{h.pcs:,}"),
        Card(N_(T_OPEN_CONFLICTS), f"{h.open_conflicts:,}", bad=h.open_conflicts > 0),
        Card(N_("Last contact"), last, bad=_stale(h, now)),
    ]
    base = f"/branches/{branch.code}"
    links = (
        f'<p class="links"><a href="{ctx.url(base + "/complaints")}" data-drill="complaints">'
        f"{_(T_COMPLAINTS_RECEIVED_IN_THE_PERIOD)}</a>"
        f'<a href="{ctx.url(base + "/complaints", open="1")}">{_(T_OPEN_COMPLAINTS)}</a>'
        f'<a href="{ctx.url(base + "/training")}">{_(T_TRAINING_SESSIONS)}</a></p>'
    )
    hot = f.hotspots(conn, ctx.period, codes, ctx.language)
    tiers = Grid(
        "tiers",
        N_("Customers by tier"),
        [Column("tier", N_("Tier")), Column("n", N_("Customers"), "int")],
        [{"tier": _(TIER_NAMES[x]), "n": k.tiers[x]} for x in f.TIERS],
    )
    return Page(
        _branch_title(ctx, branch, _("Overview")),
        [cards_html(cards, _), links, _hotspot_grid(hot), tiers, *_trend_parts(conn, ctx, codes)],
    )


STATUS_NAMES = {
    "received": N_("Received"),
    "in_progress": N_("In progress"),
    "waiting_customer": N_("Waiting for the customer"),
    "feedback_given": N_("Feedback given"),
    "closed": N_("Closed"),
}


def complaint_list_page(
    conn: Connection, ctx: PageContext, now: datetime, branch: f.Branch, *, open_only: bool
) -> Page:
    """A branch's complaints: received in the period, or open now."""
    _ = ctx._
    rows = f.complaint_list(conn, branch.code, ctx.period, now, open_only=open_only)
    names = f.category_names(conn, ctx.language)
    for row in rows:
        row["category"] = names.get(row["category"] or "", row["category"])
        row["status"] = _(STATUS_NAMES.get(row["status"], row["status"]))
        row["breached__bad"] = row["breached"]
    what = _("Open complaints") if open_only else _("Complaints received in the period")
    grid = Grid(
        "complaint_list",
        N_("Complaints"),
        [
            Column("number", N_("Number")),
            Column("received_at", N_("Received"), "datetime"),
            Column("category", N_("Category")),
            Column("grade", N_("Grade"), "int"),
            Column("status", N_("Status")),
            Column("resolution_due_at", N_("Resolution due"), "datetime"),
            Column("resolved_at", N_("Resolved"), "datetime"),
            Column("breached", N_("Breached"), "flag"),
        ],
        rows,
        note=N_("Only the newest 5000 are listed.")
        if len(rows) >= f.COMPLAINT_LIST_LIMIT
        else None,
    )
    return Page(_branch_title(ctx, branch, what), [grid])


def training_list_page(conn: Connection, ctx: PageContext, now: datetime, branch: f.Branch) -> Page:
    """A branch's training sessions in the period with their attendance."""
    _ = ctx._
    rows = f.training_list(conn, branch.code, ctx.period)
    for row in rows:
        marked = row["present"] + row["late"] + row["absent"] + row["excused"]
        row["attendance"] = 100 * (row["present"] + row["late"]) / marked if marked else None
    grid = Grid(
        "training_list",
        N_("Training sessions"),
        [
            Column("title", N_("Title")),
            Column("starts_at", N_("Starts"), "datetime"),
            Column("trainer", N_("Trainer")),
            Column("location", N_("Location")),
            Column("present", N_("Present"), "int"),
            Column("late", N_("Late"), "int"),
            Column("absent", N_("Absent"), "int"),
            Column("excused", N_("Excused"), "int"),
            Column("attendance", N_("Attendance"), "pct"),
        ],
        rows,
    )
    return Page(_branch_title(ctx, branch, _("Training sessions")), [grid])


BRANCH_PAGES = ("complaints", "training")
"""The lists a branch page drills down to."""
