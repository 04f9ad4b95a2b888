"""The dashboard's summaries (PostgreSQL): what its pages read instead of counting millions of
synced rows at every view.

* ``hq_dash_complaint_day``: complaints per branch, business day received and category;
* ``hq_dash_survey_day``: current survey responses and their integer answers per branch,
  business day answered and question code; ``hq_dash_survey_month`` the same per month (for
  the trend), kept from the same differences;
* ``hq_dash_customer_month``: customers per branch and reference month, classified (tier,
  churn risk, parcels in the dormancy window and the month after; recent start and creation
  kept apart) with head office's policy thresholds;
* ``hq_dash_summary``: one row once built -- the thresholds and the reference months covered
  (:data:`MONTHS_BACK` before the build's month to the month after it).

Maintenance: every write of a batch's rows (hq.push.store ``write_states``: pushes, conflict
resolutions, head office's own writes) counts the rows it touches before and after writing,
in the same transaction, and adds the difference (:class:`Tracking`). A row's contribution
depends only on itself -- plus, for a survey response, the correction that replaces it (both
are counted), and for a customer, its monthly volumes (every customer a volume names is
counted). Only what can move a count is counted (:func:`_jobs`): a customer or volume change
to none of the columns the customer summary reads (:data:`INPUTS`) is left out, a customer
touched through its volumes only is counted over the reference months those volumes reach,
and a row not in its table yet is not counted before the write. Each branch's maintenance
runs under a transaction-scoped advisory lock of that
branch, so two pushes of one branch never count the same change twice; a rebuild locks the
summaries out and recounts everything (:func:`rebuild`, ``branch-crm-hq dashboard rebuild``).

Not built (SQLite, or before the first build), a reference month outside the covered ones,
or thresholds changed since the build: the pages count the synced rows live, as before (same
figures, slower); run the rebuild after changing the tier or churn thresholds, and monthly
(the covered months move on).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Table, delete, insert, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection

from branch_crm.hq import tables as t
from branch_crm.hq.db import is_postgres
from branch_crm.hq.policy import policy_values
from branch_crm.hq.web.periods import month_bounds
from branch_crm.timeutil import BUSINESS_TZ, add_months, local_today, month_key

__all__ = [
    "MONTHS_BACK",
    "OLD_AT",
    "OLD_DATE",
    "Job",
    "Meta",
    "Tracking",
    "begin",
    "counts",
    "finish",
    "meta",
    "rebuild",
]

MONTHS_BACK = 12
"""Reference months covered before the build's month (the month after it is covered too)."""
SUMMARY_LOCK = 7_310_002
"""Advisory lock class of a branch's summary maintenance (key 2: hashtext(branch))."""
OLD_DATE = date(1, 1, 1)
OLD_AT = datetime(1, 1, 1)
"""Start or creation too old to matter for any period of a reference month."""
TZ = BUSINESS_TZ.key


def _day(column: str) -> str:
    """SQL: the business day of a naive-UTC timestamp column."""
    return f"(timezone('{TZ}', timezone('UTC', {column})))::date"


@dataclass(frozen=True)
class Meta:
    policy: dict[str, float]
    first_month: str
    last_month: str

    def covers(self, month: str, policy: dict[str, float]) -> bool:
        """Whether the customer summary answers for ``month`` under ``policy``."""
        return self.first_month <= month <= self.last_month and policy == self.policy


def meta(conn: Connection) -> Meta | None:
    """The summaries' build record (None: not built, or not PostgreSQL)."""
    if not is_postgres(conn):
        return None
    row = conn.execute(select(t.dash_summary).where(t.dash_summary.c.id == 1)).first()
    if row is None:
        return None
    return Meta(json.loads(row.policy), row.first_month, row.last_month)


# --- counting -----------------------------------------------------------------------------

COMPLAINT_SQL = f"""
SELECT branch_id, {_day("received_at")} AS day, coalesce(category, '') AS category,
  count(*) AS received,
  sum(CASE WHEN coalesce(response_breached, false) OR coalesce(resolution_breached, false)
      THEN 1 ELSE 0 END) AS breached,
  sum(CASE WHEN resolved_at IS NOT NULL OR coalesce(resolution_breached, false)
      THEN 1 ELSE 0 END) AS settled,
  sum(CASE WHEN resolved_at IS NOT NULL AND NOT coalesce(resolution_breached, false)
      THEN 1 ELSE 0 END) AS met
FROM complaint
WHERE deleted_at IS NULL AND received_at IS NOT NULL AND branch_id IS NOT NULL {{only}}
GROUP BY 1, 2, 3
"""

SURVEY_SQL = f"""
WITH r AS (
  SELECT s.branch_id, {_day("s.answered_on")} AS day, s.answers
  FROM survey_response s
  WHERE s.deleted_at IS NULL AND s.answered_on IS NOT NULL AND s.branch_id IS NOT NULL {{only}}
    AND NOT EXISTS (SELECT 1 FROM survey_response later
                    WHERE later.supersedes_id = s.id AND later.deleted_at IS NULL)
)
SELECT branch_id, day, '' AS code, count(*) AS n, 0 AS ge4, 0 AS ge9, 0 AS le6, 0 AS total
FROM r GROUP BY 1, 2
UNION ALL
SELECT branch_id, day, a.key, count(*), sum(CASE WHEN v >= 4 THEN 1 ELSE 0 END),
  sum(CASE WHEN v >= 9 THEN 1 ELSE 0 END), sum(CASE WHEN v <= 6 THEN 1 ELSE 0 END), sum(v)
FROM r CROSS JOIN LATERAL json_each_text(
    CASE WHEN json_typeof(r.answers) = 'object' THEN r.answers ELSE '{{{{}}}}'::json END) AS a
  CROSS JOIN LATERAL (SELECT CASE WHEN a.value ~ '^-?[0-9]{{{{1,9}}}}$'
                      THEN a.value::int END AS v) AS x
WHERE x.v IS NOT NULL
GROUP BY 1, 2, 3
"""

CUSTOMER_SQL = f"""
WITH mo(m0, m1, m2, m3, dfrom, nxt, lo, old_date, old_at, keep_at, drop_at) AS (
  VALUES {{months}}
), mv AS (
  SELECT v.customer_id, mo.m0,
    sum(CASE WHEN v.month IN (mo.m0, mo.m1, mo.m2) AND v.month >= mo.dfrom
        THEN v.parcels ELSE 0 END) AS last3,
    sum(CASE WHEN v.month IN (mo.m1, mo.m2, mo.m3) AND (v.month = mo.m3 OR v.month >= mo.dfrom)
        THEN v.parcels ELSE 0 END) AS prev3,
    sum(CASE WHEN v.month = mo.m0 THEN v.parcels ELSE 0 END) AS last,
    bool_or(v.parcels > 0 AND v.month >= mo.dfrom AND v.month <= mo.m0) AS shipped,
    bool_or(v.parcels > 0 AND v.month = mo.nxt) AS shipped_next
  FROM monthly_volume v JOIN mo ON v.month >= mo.lo AND v.month <= mo.nxt
  WHERE v.deleted_at IS NULL {{only_volumes}}
  GROUP BY v.customer_id, mo.m0
)
SELECT mo.m0 AS month, c.branch_id,
  CASE WHEN coalesce(mv.last3, 0) >= :strategic THEN 'strategic'
       WHEN coalesce(mv.last3, 0) >= :key THEN 'key'
       WHEN coalesce(mv.last3, 0) >= :ordinary THEN 'ordinary'
       ELSE 'walk_in' END AS tier,
  coalesce(mv.prev3, 0) >= :churn_min AND coalesce(mv.last, 0) * 3 < :churn_ratio
    * coalesce(mv.prev3, 0) AS churn,
  coalesce(mv.shipped, false) AS shipped,
  coalesce(mv.shipped_next, false) AS shipped_next,
  c.first_shipment_date IS NOT NULL AS first_known,
  CASE WHEN c.first_shipment_date >= mo.old_date THEN c.first_shipment_date
       ELSE DATE '0001-01-01' END AS start_date,
  CASE WHEN c.first_shipment_date IS NULL AND c.created_at >= mo.old_at THEN c.created_at
       ELSE TIMESTAMP '0001-01-01' END AS start_at,
  CASE WHEN c.created_at >= mo.keep_at THEN {_day("c.created_at")}
       ELSE DATE '0001-01-01' END AS created_on,
  count(*) AS n
FROM customer c JOIN mo ON c.created_at < mo.drop_at
  LEFT JOIN mv ON mv.customer_id = c.id AND mv.m0 = mo.m0
WHERE c.deleted_at IS NULL AND c.branch_id IS NOT NULL {{only}}
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
"""

MONTHS_FROM_DAYS = """
INSERT INTO hq_dash_survey_month (branch_id, month, code, n, ge4, ge9, le6, total)
SELECT branch_id, to_char(day, 'YYYY-MM'), code, sum(n), sum(ge4), sum(ge9), sum(le6),
  sum(total)
FROM hq_dash_survey_day GROUP BY 1, 2, 3
"""

KEYS = {
    "hq_dash_complaint_day": ("branch_id", "day", "category"),
    "hq_dash_survey_day": ("branch_id", "day", "code"),
    "hq_dash_customer_month": (
        "month", "branch_id", "tier", "churn", "shipped", "shipped_next", "first_known",
        "start_date", "start_at", "created_on",
    ),
}  # fmt: skip
TABLES = {
    "hq_dash_complaint_day": t.dash_complaint_day,
    "hq_dash_survey_day": t.dash_survey_day,
    "hq_dash_customer_month": t.dash_customer_month,
}


def _naive_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def _month_row(m0: str, policy: dict[str, float]) -> str:
    """One reference month's VALUES row of CUSTOMER_SQL (all generated here, no input)."""
    m1, m2, m3 = (add_months(m0, -i) for i in (1, 2, 3))
    dfrom = add_months(m0, -(int(policy["lifecycle.dormant_months"]) - 1))
    nxt = add_months(m0, 1)
    old = add_months(m0, -int(policy["stage.stable_months"]))  # no cutoff before its 1st
    old_date = date(int(old[:4]), int(old[5:7]), 1)
    keep_at = month_bounds(nxt)[0]
    drop_at = month_bounds(add_months(m0, 2))[0]
    texts = [m0, m1, m2, m3, dfrom, nxt, min(m3, dfrom)]
    return (
        "(" + ", ".join(f"'{m}' COLLATE \"C\"" for m in texts)
        + f", DATE '{old_date.isoformat()}', TIMESTAMP '{old_date.isoformat()} 00:00:00'"
        + f", TIMESTAMP '{_naive_utc(keep_at)}', TIMESTAMP '{_naive_utc(drop_at)}')"
    )  # fmt: skip


def _policy_params(policy: dict[str, float]) -> dict[str, float]:
    return {
        "strategic": 3 * policy["tier.strategic_min"],
        "key": 3 * policy["tier.key_min"],
        "ordinary": 3 * policy["tier.ordinary_min"],
        "churn_min": 3 * policy["churn.min_parcels"],
        "churn_ratio": policy["churn.drop_ratio"],
    }


def _months(first: str, last: str) -> list[str]:
    out = [first]
    while out[-1] < last:
        out.append(add_months(out[-1], 1))
    return out


def _statement(
    table: str, ids: Sequence[str] | None, m: Meta | None, months: Sequence[str] | None = None
) -> tuple[str, dict[str, Any]]:
    """The counting SQL of one summary (over ``ids`` only when given; the customer summary
    over the reference ``months`` only when given) and its parameters."""
    params: dict[str, Any] = {} if ids is None else {"ids": list(ids)}
    if table == "hq_dash_complaint_day":
        return COMPLAINT_SQL.format(only="" if ids is None else "AND id = ANY(:ids)"), params
    if table == "hq_dash_survey_day":
        return SURVEY_SQL.format(only="" if ids is None else "AND s.id = ANY(:ids)"), params
    assert m is not None
    chosen = _months(m.first_month, m.last_month) if months is None else months
    sql = CUSTOMER_SQL.format(
        months=",\n  ".join(_month_row(m0, m.policy) for m0 in chosen),
        only="" if ids is None else "AND c.id = ANY(:ids)",
        only_volumes="" if ids is None else "AND v.customer_id = ANY(:ids)",
    )
    return sql, {**params, **_policy_params(m.policy)}


Counts = dict[tuple[Any, ...], tuple[int, ...]]


def counts(
    conn: Connection,
    table: str,
    ids: Sequence[str] | None,
    m: Meta | None,
    months: Sequence[str] | None = None,
) -> Counts:
    """key -> counts of one summary, counted from the synced rows (of ``ids`` when given; of
    the customer summary's reference ``months`` when given)."""
    if months is not None and not months:
        return {}
    sql, params = _statement(table, ids, m, months)
    width = len(KEYS[table])
    return {
        tuple(row[:width]): tuple(int(v or 0) for v in row[width:])
        for row in conn.execute(text(sql), params)
    }


def stored(conn: Connection, table: str) -> Counts:
    """key -> counts of one summary as stored (for tests and checks)."""
    target = t.dash_survey_month if table == "hq_dash_survey_month" else TABLES[table]
    width = 3 if table == "hq_dash_survey_month" else len(KEYS[table])
    return {
        tuple(row[:width]): tuple(int(v) for v in row[width:])
        for row in conn.execute(select(target))
    }


# --- rebuilding ---------------------------------------------------------------------------


def rebuild(conn: Connection, *, today: date | None = None) -> dict[str, int]:
    """Recount every summary from the synced rows, inside the caller's transaction (pushes
    wait meanwhile); returns the rows each summary holds. PostgreSQL only."""
    if not is_postgres(conn):
        raise RuntimeError("the dashboard's summaries are kept on PostgreSQL only")
    names = ", ".join(TABLES)
    conn.execute(
        text(f"LOCK TABLE {names}, hq_dash_survey_month, hq_dash_summary IN EXCLUSIVE MODE")
    )
    conn.execute(text("SET LOCAL work_mem = '256MB'"))  # the customers' grouping, in memory
    this = month_key(today or local_today())
    m = Meta(policy_values(conn), add_months(this, -MONTHS_BACK), add_months(this, 1))
    out: dict[str, int] = {}
    for name, target in TABLES.items():
        conn.execute(delete(target))
        sql, params = _statement(name, None, m)
        columns = ", ".join(c.name for c in target.columns)
        result = conn.execute(text(f"INSERT INTO {name} ({columns}) {sql}"), params)
        out[name] = result.rowcount
    conn.execute(delete(t.dash_survey_month))
    result = conn.execute(text(MONTHS_FROM_DAYS))
    out["hq_dash_survey_month"] = result.rowcount
    conn.execute(delete(t.dash_summary))
    conn.execute(
        insert(t.dash_summary).values(
            id=1,
            policy=json.dumps(m.policy, sort_keys=True),
            first_month=m.first_month,
            last_month=m.last_month,
            built_at=datetime.now(UTC),
        )
    )
    return out


# --- maintenance --------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One count of a write's maintenance: the rows ``ids`` of one summary (the customer
    summary: over the reference ``months`` only, when given; counted before the write only
    when ``before``: the other ids are not in their table yet)."""

    table: str
    ids: tuple[str, ...]
    months: tuple[str, ...] | None = None
    before: tuple[str, ...] = ()


@dataclass
class Tracking:
    """The rows a write touches and their summary counts before it."""

    meta: Meta
    jobs: list[Job]
    before: list[Counts] = field(default_factory=list)


SOURCES = {"complaint", "survey_response", "customer", "monthly_volume"}
CUSTOMER_INPUTS = ("branch_id", "created_at", "first_shipment_date", "deleted_at")
"""The customer columns the customer summary reads (CUSTOMER_SQL): a change to none of them
(a name, an address, a phone...) leaves its counts as they were."""
VOLUME_INPUTS = ("customer_id", "month", "parcels", "deleted_at")
"""The monthly volume columns it reads."""
INPUTS = {"customer": CUSTOMER_INPUTS, "monthly_volume": VOLUME_INPUTS}
SOURCE_OF = {
    "complaint": "hq_dash_complaint_day",
    "survey_response": "hq_dash_survey_day",
    "customer": "hq_dash_customer_month",
}


def _changed(s: Any, columns: Sequence[str]) -> bool:
    """Whether the write changes any of ``columns`` of the row (a new row: yes)."""
    if s.values is None or s.stored is None:
        return True
    return any(s.values.get(c) != s.stored.get(c) for c in columns)


def _reach(month: str, policy: dict[str, float]) -> tuple[str, str]:
    """The first and last reference months whose counts a volume of ``month`` enters (from
    the month before it -- its next month -- to the last whose windows reach back to it)."""
    back = max(3, int(policy["lifecycle.dormant_months"]) - 1)
    return add_months(month, -1), add_months(month, back)


def _jobs(states: Iterable[Any], m: Meta | None) -> tuple[list[Job], set[str]]:
    """The counts a write needs (``m`` None: only whether it needs any), and the branches
    concerned."""
    ids: dict[str, set[str]] = defaultdict(set)
    branches: set[str] = set()
    whole: set[str] = set()  # customers counted over every month
    volume_months: dict[str, set[str]] = defaultdict(set)  # others: the months their volumes
    absent: dict[str, set[str]] = defaultdict(set)  # rows not in their table before the write
    for s in states:
        if s.table not in SOURCES or not s.dirty or s.parked_branch is not None:
            continue
        versions = [v for v in (s.values, s.stored) if v is not None]
        if s.table in INPUTS and not _changed(s, INPUTS[s.table]):
            continue
        if s.stored is None:  # nothing of it to count before
            absent[SOURCE_OF.get(s.table, "")].add(s.pk)
        for v in versions:
            if v.get("branch_id"):
                branches.add(str(v["branch_id"]))
        if s.table == "complaint":
            ids["hq_dash_complaint_day"].add(s.pk)
        elif s.table == "survey_response":
            ids["hq_dash_survey_day"].add(s.pk)
            ids["hq_dash_survey_day"].update(
                str(v["supersedes_id"]) for v in versions if v.get("supersedes_id")
            )
        elif s.table == "customer":
            whole.add(s.pk)
        else:
            for v in versions:
                if v.get("customer_id") and v.get("month"):
                    volume_months[str(v["customer_id"])].add(str(v["month"]))
    jobs = [
        Job(table, tuple(sorted(keys)), None, tuple(sorted(keys - absent[table])))
        for table, keys in ids.items()
    ]
    customers = _customer_jobs(whole, volume_months, absent["hq_dash_customer_month"], m)
    return jobs + customers, branches


def _customer_jobs(
    whole: set[str], volume_months: dict[str, set[str]], absent: set[str], m: Meta | None
) -> list[Job]:
    """The customer summary's counts: ``whole`` customers over every covered month, the
    others over the months their volumes reach, one count per set of months."""
    touched = whole | set(volume_months)
    if not touched:
        return []
    if m is None:
        return [Job("hq_dash_customer_month", tuple(sorted(touched)))]
    every = _months(m.first_month, m.last_month)
    groups: dict[tuple[str, ...] | None, set[str]] = defaultdict(set)
    for customer in touched:
        if customer in whole:
            groups[None].add(customer)
            continue
        reached: set[str] = set()
        for month in volume_months[customer]:
            low, high = _reach(month, m.policy)
            reached.update(m0 for m0 in every if low <= m0 <= high)
        chosen = tuple(m0 for m0 in every if m0 in reached)
        groups[None if len(chosen) == len(every) else chosen].add(customer)
    jobs = []
    for months, customers in sorted(groups.items(), key=lambda g: (g[0] is not None, g[0])):
        if months is not None and not months:
            continue  # volumes outside every covered month
        keys = tuple(sorted(customers))
        before = tuple(c for c in keys if c not in absent)
        jobs.append(Job("hq_dash_customer_month", keys, months, before))
    return jobs


META_AND_LOCKS = text(
    "SELECT s.policy, s.first_month, s.last_month, "
    "(SELECT count(pg_advisory_xact_lock(:cls, hashtext(b))) "
    " FROM unnest(CAST(:branches AS text[])) AS u(b)) AS locked "
    "FROM hq_dash_summary s WHERE s.id = 1"
)
"""The build record, and each branch's maintenance lock taken (in the given order) when
there is one: one round trip."""


def begin(conn: Connection, states: Iterable[Any]) -> Tracking | None:
    """Before a batch's rows are written: lock the branches' summaries and count the rows
    the write touches (None when it touches none, or the summaries are not kept)."""
    states = list(states)
    jobs, branches = _jobs(states, None)
    if not jobs:
        return None
    if not is_postgres(conn):
        return None
    row = conn.execute(META_AND_LOCKS, {"cls": SUMMARY_LOCK, "branches": sorted(branches)}).first()
    if row is None:
        return None
    m = Meta(json.loads(row.policy), row.first_month, row.last_month)
    jobs, _ = _jobs(states, m)
    tracking = Tracking(m, jobs)
    for job in jobs:
        found = counts(conn, job.table, job.before, m, job.months) if job.before else {}
        tracking.before.append(found)
    return tracking


def finish(conn: Connection, tracking: Tracking | None) -> None:
    """After the rows are written: count them again and add the difference."""
    if tracking is None:
        return
    for job, before in zip(tracking.jobs, tracking.before, strict=True):
        after = counts(conn, job.table, job.ids, tracking.meta, job.months)
        _add(conn, job.table, before, after)


def _add(conn: Connection, table: str, before: Counts, after: Counts) -> None:
    target = TABLES[table]
    key_names = KEYS[table]
    value_names = [c.name for c in target.columns if c.name not in key_names]
    rows = []
    for key in sorted(set(before) | set(after), key=repr):
        old = before.get(key, (0,) * len(value_names))
        new = after.get(key, (0,) * len(value_names))
        diff = [b - a for a, b in zip(old, new, strict=True)]
        if any(diff):
            rows.append({**dict(zip(key_names, key, strict=True)),
                         **dict(zip(value_names, diff, strict=True))})  # fmt: skip
    if not rows:
        return
    _upsert(conn, target, key_names, value_names, rows)
    if table == "hq_dash_survey_day":  # the same differences, per month
        months: dict[tuple[Any, ...], list[int]] = {}
        for r in rows:
            key = (r["branch_id"], r["day"].strftime("%Y-%m"), r["code"])
            sums = months.setdefault(key, [0] * len(value_names))
            for i, name in enumerate(value_names):
                sums[i] += r[name]
        monthly = [
            {
                "branch_id": k[0],
                "month": k[1],
                "code": k[2],
                **dict(zip(value_names, v, strict=True)),
            }
            for k, v in months.items()
            if any(v)
        ]
        _upsert(conn, t.dash_survey_month, ("branch_id", "month", "code"), value_names, monthly)


def _upsert(
    conn: Connection,
    target: Table,
    key_names: Sequence[str],
    value_names: Sequence[str],
    rows: list[dict[str, Any]],
) -> None:
    """Add ``rows`` (differences) to ``target``; keys nothing is counted under any more go."""
    if not rows:
        return
    upsert = pg_insert(target)
    upsert = upsert.on_conflict_do_update(
        index_elements=list(key_names),
        set_={name: target.c[name] + upsert.excluded[name] for name in value_names},
    )
    conn.execute(upsert, rows)
    first = value_names[0]  # the row count: a key nothing is counted under any more
    emptied = [tuple(r[k] for k in key_names) for r in rows if r[first] < 0]
    if emptied:
        whole_key = tuple_(*[target.c[k] for k in key_names])
        conn.execute(delete(target).where(whole_key.in_(emptied), target.c[first] == 0))
