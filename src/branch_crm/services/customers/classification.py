"""Derived customer classification (DOMAIN.md "Customer classification"), stored per customer
in the local ``customer_stats`` table so the list can filter and sort on it.

All figures refer to the *reference month* M: the last complete calendar month before today
(business time zone). Months without a ``monthly_volume`` row count as 0 parcels.

* **tier** from the average parcels of the last 3 complete months (M-2..M, compared
  exactly; the stored average is rounded for display):
  ``>= tier.strategic_min`` strategic, ``>= tier.key_min`` key, ``>= tier.ordinary_min``
  ordinary, below that walk-in (散客).
* **stage** (cooperation period) from the first-shipment date (else the first month with
  parcels, else the day the customer was created): fewer than ``stage.stable_months`` complete
  months -> new, fewer than ``stage.loyal_months`` -> stable, otherwise loyal.
* **lifecycle**: new while the stage is new; dormant when the last ``lifecycle.dormant_months``
  complete months (and the current month) had no parcels; otherwise active.
* **churn risk** when the average of the 3 months before M (M-3..M-1) is at least
  ``churn.min_parcels`` and M fell below ``churn.drop_ratio`` times that average.
* **RFM** scores 1..5 with fixed, quintile-like bands: recency = complete months since the
  last shipping month (0 -> 5, 1-2 -> 4, 3-5 -> 3, 6-11 -> 2, else 1); frequency = months with
  parcels among the last 12 (>=10 -> 5, >=7 -> 4, >=4 -> 3, >=2 -> 2, else 1); monetary =
  average revenue per month over the last 12 (>=10,000 yuan -> 5, >=2,000 -> 4, >=500 -> 3,
  >=50 -> 2, else 1; DOMAIN.md's mid customers spend 2,000-10,000 yuan a month).
* **search_rank** orders lookup results of equal match quality: tier (strategic 3 .. walk-in
  0) x 100 + lifecycle (active 2, new 1, dormant 0) x 10 + the monetary score. Deliberately
  coarse: it only changes when a customer changes tier, lifecycle or revenue band, so the
  monthly recompute re-ranks few index rows (recency and frequency move every month).

``recompute_stats`` does all of it in SQL, in bulk (a million customers in seconds).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from branch_crm.i18n import N_, _
from branch_crm.services.customers import search_index
from branch_crm.services.dbapi import raw_connection
from branch_crm.services.settings import values as settings
from branch_crm.timeutil import add_months, local_today, month_key

TIERS = ("strategic", "key", "ordinary", "walk_in")
STAGES = ("new", "stable", "loyal")
LIFECYCLES = ("new", "active", "dormant")

TIER_LABELS = {
    "strategic": N_("Strategic"),
    "key": N_("Key"),
    "ordinary": N_("Ordinary"),
    "walk_in": N_("Walk-in"),
}
STAGE_LABELS = {"new": N_("New"), "stable": N_("Stable"), "loyal": N_("Loyal")}
LIFECYCLE_LABELS = {"new": N_("New"), "active": N_("Active"), "dormant": N_("Dormant")}


def tier_label(tier: str) -> str:
    """The translated name of a tier (the code itself when unknown)."""
    return _(TIER_LABELS[tier]) if tier in TIER_LABELS else tier


def stage_label(stage: str) -> str:
    """The translated name of a cooperation stage."""
    return _(STAGE_LABELS[stage]) if stage in STAGE_LABELS else stage


def lifecycle_label(lifecycle: str) -> str:
    """The translated name of a lifecycle stage."""
    return _(LIFECYCLE_LABELS[lifecycle]) if lifecycle in LIFECYCLE_LABELS else lifecycle


def reference_month(today: date | None = None) -> str:
    """'YYYY-MM' of the last complete month (the month the stats are computed for)."""
    return add_months(month_key(today or local_today()), -1)


def _month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_index_sql(column: str) -> str:
    """SQL of a 'YYYY-MM' column's month number (year * 12 + month - 1), for month arithmetic."""
    year = f"CAST(substr({column}, 1, 4) AS INTEGER)"
    month = f"CAST(substr({column}, 6, 2) AS INTEGER)"
    return f"({year} * 12 + {month} - 1)"


def stats_params(session: Session, today: date) -> dict[str, Any]:
    """Month keys and thresholds (from settings) for the stats SQL."""
    m0 = reference_month(today)
    values = settings.get_many(session, "tier.")
    values |= settings.get_many(session, "stage.")
    values |= settings.get_many(session, "lifecycle.")
    values |= settings.get_many(session, "churn.")
    return {
        "cur": month_key(today),
        "m0": m0,
        "m1": add_months(m0, -1),
        "m2": add_months(m0, -2),
        "m3": add_months(m0, -3),
        "m11": add_months(m0, -11),
        "m0_index": _month_index(m0),
        "today_index": today.year * 12 + today.month - 1,
        "today_day": today.day,
        "strategic": values["tier.strategic_min"],
        "key": values["tier.key_min"],
        "ordinary": values["tier.ordinary_min"],
        "stable": values["stage.stable_months"],
        "loyal": values["stage.loyal_months"],
        "dormant": values["lifecycle.dormant_months"],
        "drop": values["churn.drop_ratio"],
        "churn_min": values["churn.min_parcels"],
    }


VOLUME_SQL = """
INSERT INTO temp.stats_vol
SELECT customer_id,
  SUM(CASE WHEN month = :m0 THEN parcels ELSE 0 END),
  SUM(CASE WHEN month >= :m2 AND month <= :m0 THEN parcels ELSE 0 END),
  SUM(CASE WHEN month >= :m3 AND month <= :m1 THEN parcels ELSE 0 END),
  COUNT(CASE WHEN month >= :m11 AND month <= :m0 AND parcels > 0 THEN 1 END),
  SUM(CASE WHEN month >= :m11 AND month <= :m0 THEN revenue_cents ELSE 0 END),
  MAX(CASE WHEN parcels > 0 AND month <= :cur THEN month END),
  MIN(CASE WHEN parcels > 0 THEN month END)
FROM monthly_volume
WHERE deleted_at IS NULL {only}
GROUP BY customer_id
"""

STATS_SQL = f"""
INSERT INTO customer_stats (customer_id, tier, stage, lifecycle, churn_risk, recency_score,
  frequency_score, monetary_score, last_month_parcels, avg_month_parcels, last_shipment_month,
  search_rank, computed_for)
SELECT id, tier, stage, lifecycle, churn, r, f, m, last_month, avg3, last_ship,
  (CASE tier WHEN 'strategic' THEN 3 WHEN 'key' THEN 2 WHEN 'ordinary' THEN 1 ELSE 0 END) * 100
  + (CASE lifecycle WHEN 'active' THEN 2 WHEN 'new' THEN 1 ELSE 0 END) * 10 + m,
  :m0
FROM (
  SELECT *,
    CASE WHEN stage = 'new' THEN 'new'
         WHEN idle IS NULL OR idle >= :dormant THEN 'dormant' ELSE 'active' END AS lifecycle
  FROM (
    SELECT id, last_month, CAST(round(last3 / 3.0) AS INTEGER) AS avg3, last_ship, idle,
      CASE WHEN last3 >= 3 * :strategic THEN 'strategic' WHEN last3 >= 3 * :key THEN 'key'
           WHEN last3 >= 3 * :ordinary THEN 'ordinary' ELSE 'walk_in' END AS tier,
      CASE WHEN coop < :stable THEN 'new' WHEN coop < :loyal THEN 'stable'
           ELSE 'loyal' END AS stage,
      CASE WHEN prev3 >= 3.0 * :churn_min AND last_month < :drop * prev3 / 3.0
           THEN 1 ELSE 0 END AS churn,
      CASE WHEN idle IS NULL THEN 1 WHEN idle <= 0 THEN 5 WHEN idle <= 2 THEN 4
           WHEN idle <= 5 THEN 3 WHEN idle <= 11 THEN 2 ELSE 1 END AS r,
      CASE WHEN months12 >= 10 THEN 5 WHEN months12 >= 7 THEN 4 WHEN months12 >= 4 THEN 3
           WHEN months12 >= 2 THEN 2 ELSE 1 END AS f,
      CASE WHEN revenue12 >= 12000000 THEN 5 WHEN revenue12 >= 2400000 THEN 4
           WHEN revenue12 >= 600000 THEN 3 WHEN revenue12 >= 60000 THEN 2 ELSE 1 END AS m
    FROM (
      SELECT *,
        CASE WHEN last_ship IS NULL THEN NULL
             ELSE max(0, :m0_index - {month_index_sql("last_ship")}) END AS idle,
        :today_index - {month_index_sql("since")}
          - (CASE WHEN CAST(substr(since, 9, 2) AS INTEGER) > :today_day THEN 1 ELSE 0 END)
          AS coop
      FROM (
        SELECT c.id AS id,
          COALESCE(v.last_month, 0) AS last_month,
          COALESCE(v.last3, 0) AS last3,
          COALESCE(v.prev3, 0) AS prev3,
          COALESCE(v.months12, 0) AS months12,
          COALESCE(v.revenue12, 0) AS revenue12,
          v.last_ship AS last_ship,
          COALESCE(c.first_shipment_date, v.first_ship || '-01', date(c.created_at)) AS since
        FROM customer c
        LEFT JOIN temp.stats_vol v ON v.customer_id = c.id
        WHERE c.deleted_at IS NULL {{only}}
      )
    )
  )
) WHERE true
ON CONFLICT (customer_id) DO UPDATE SET
  tier = excluded.tier, stage = excluded.stage, lifecycle = excluded.lifecycle,
  churn_risk = excluded.churn_risk, recency_score = excluded.recency_score,
  frequency_score = excluded.frequency_score, monetary_score = excluded.monetary_score,
  last_month_parcels = excluded.last_month_parcels,
  avg_month_parcels = excluded.avg_month_parcels,
  last_shipment_month = excluded.last_shipment_month, search_rank = excluded.search_rank,
  computed_for = excluded.computed_for
WHERE tier IS NOT excluded.tier OR stage IS NOT excluded.stage
  OR lifecycle IS NOT excluded.lifecycle OR churn_risk IS NOT excluded.churn_risk
  OR recency_score IS NOT excluded.recency_score
  OR frequency_score IS NOT excluded.frequency_score
  OR monetary_score IS NOT excluded.monetary_score
  OR last_month_parcels IS NOT excluded.last_month_parcels
  OR avg_month_parcels IS NOT excluded.avg_month_parcels
  OR last_shipment_month IS NOT excluded.last_shipment_month
  OR search_rank IS NOT excluded.search_rank OR computed_for IS NOT excluded.computed_for
"""


def _prepare(raw: sqlite3.Connection, customer_ids: list[str] | None) -> tuple[str, str]:
    """Temp tables for one run; returns the id filters for the volume and customer queries."""
    raw.execute(
        "CREATE TEMP TABLE IF NOT EXISTS stats_vol (customer_id TEXT PRIMARY KEY, last_month,"
        " last3, prev3, months12, revenue12, last_ship, first_ship)"
    )
    raw.execute("DELETE FROM temp.stats_vol")
    if customer_ids is None:
        return "", ""
    raw.execute("CREATE TEMP TABLE IF NOT EXISTS stats_ids (id TEXT PRIMARY KEY)")
    raw.execute("DELETE FROM temp.stats_ids")
    # one statement, not one per id: SQLite then runs without Python's lock throughout (an
    # import reads its next chunk on another thread meanwhile)
    raw.execute(
        "INSERT OR IGNORE INTO temp.stats_ids SELECT value FROM json_each(?)",
        (json.dumps(customer_ids),),
    )
    return (
        "AND customer_id IN (SELECT id FROM temp.stats_ids)",
        "AND c.id IN (SELECT id FROM temp.stats_ids)",
    )


def _drop_deleted(raw: sqlite3.Connection, only: bool) -> None:
    """Stats of tombstoned customers go (the table is local; nothing syncs it)."""
    scope = "AND id IN (SELECT id FROM temp.stats_ids)" if only else ""
    raw.execute(
        "DELETE FROM customer_stats WHERE customer_id IN "
        f"(SELECT id FROM customer WHERE deleted_at IS NOT NULL {scope})"
    )


def compute_stats(
    raw: sqlite3.Connection, params: dict[str, Any], customer_ids: list[str] | None
) -> int:
    """Recompute stats in SQL on a raw connection; returns how many live customers."""
    volume_only, customer_only = _prepare(raw, customer_ids)
    raw.execute(VOLUME_SQL.format(only=volume_only), params)
    count_sql = f"SELECT count(*) FROM customer c WHERE c.deleted_at IS NULL {customer_only}"
    count = int(raw.execute(count_sql).fetchone()[0])
    raw.execute(STATS_SQL.format(only=customer_only), params)
    _drop_deleted(raw, customer_ids is not None)
    return count


def recompute_stats(
    *, session: Session, customer_ids: Iterable[str] | None = None, today: date | None = None
) -> int:
    """Recompute the stored classification (all customers, or only ``customer_ids``).

    Returns how many live customers were computed. Rows whose figures did not change are not
    written; customers whose search rank changed are re-ranked in the lookup index (for
    ``customer_ids``: those customers, and the rest of the backlog only when it is small).
    """
    raw = raw_connection(session)
    ids = None if customer_ids is None else list(customer_ids)
    if ids is not None and not ids:
        return 0
    params = stats_params(session, today or local_today())
    count = compute_stats(raw, params, ids)
    if ids is None:
        search_index.process_dirty(raw)
        store_basis(raw, params)
    else:
        search_index.process_dirty(raw, limit=search_index.INLINE_LIMIT, first=ids)
    return count


BASIS_KEY = "stats.basis"
"""local_setting row: the reference month and thresholds the stored stats were computed for."""
_BASIS_PARAMS = ("m0", "strategic", "key", "ordinary", "stable", "loyal", "dormant", "drop")


def _basis(params: dict[str, Any]) -> str:
    return json.dumps([params[k] for k in (*_BASIS_PARAMS, "churn_min")])


def _stored_basis(raw: sqlite3.Connection) -> str | None:
    row = raw.execute("SELECT value FROM local_setting WHERE key = ?", (BASIS_KEY,)).fetchone()
    if row is None:
        return None
    value = json.loads(row[0]).get("value")
    return str(value) if value is not None else None


def store_basis(raw: sqlite3.Connection, params: dict[str, Any]) -> None:
    """Record that every customer's stats were computed with ``params`` (see stale_stats)."""
    raw.execute(
        "INSERT INTO local_setting (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (BASIS_KEY, json.dumps({"value": _basis(params)})),
    )


def stale_stats(*, session: Session, today: date | None = None) -> bool:
    """True when the stored stats are not for the current reference month and thresholds.

    One settings read when a full recompute recorded its basis; otherwise (older files) a
    scan for a live customer without stats of the current reference month.
    """
    raw = raw_connection(session)
    params = stats_params(session, today or local_today())
    stored = _stored_basis(raw)
    if stored is not None:
        return stored != _basis(params)
    row = raw.execute(
        "SELECT 1 FROM customer c LEFT JOIN customer_stats s ON s.customer_id = c.id "
        "WHERE c.deleted_at IS NULL AND (s.computed_for IS NULL OR s.computed_for != ?) LIMIT 1",
        (params["m0"],),
    ).fetchone()
    return row is not None


def refresh_if_stale(*, session: Session, today: date | None = None) -> int:
    """Recompute every customer's stats when a new month has begun or a threshold changed
    (0 when up to date), in one transaction: for the command line and tests; the app uses
    :func:`catch_up_step` in short steps off the GUI thread."""
    if not stale_stats(session=session, today=today):
        return 0
    return recompute_stats(session=session, today=today)


# --- the background catch-up of the app --------------------------------------------------

STATS_CHUNK = 5_000
"""Customers whose stats one catch-up step recomputes (~0.3 s: other writes wait that long)."""
INDEX_CHUNK = 1_000
"""Customers one catch-up step re-indexes for the lookup (~0.35 s)."""


@dataclass(frozen=True)
class CatchUp:
    """Where the catch-up of derived data stands: ``stage`` is "stats" (recomputing the
    classification, ``done`` of ``total`` customers), "index" (``done`` of ``total`` waiting
    customers re-indexed for the lookup) or "done"; ``cursor`` is the last customer id whose
    stats were recomputed."""

    stage: str
    done: int = 0
    total: int = 0
    cursor: str = ""

    @property
    def finished(self) -> bool:
        """True when nothing is left to do."""
        return self.stage == "done"


def _index_stage(raw: sqlite3.Connection) -> CatchUp:
    waiting = search_index.dirty_count(raw)
    return CatchUp("index", 0, waiting) if waiting else CatchUp("done")


def catch_up_step(
    *, session: Session, state: CatchUp | None = None, today: date | None = None
) -> CatchUp:
    """One short step of bringing derived data up to date; call again with the returned
    state until it is finished. The first call (``state`` None) only decides what is due:
    the stats when :func:`stale_stats`, then the lookup index of every customer waiting in
    ``search_dirty``. Each step is one short write transaction, so the counter's own saves
    and lookups go on in between."""
    raw = raw_connection(session)
    day = today or local_today()
    if state is None:
        if stale_stats(session=session, today=day):
            total = raw.execute("SELECT count(*) FROM customer WHERE deleted_at IS NULL")
            return CatchUp("stats", 0, int(total.fetchone()[0]))
        if _stored_basis(raw) is None:  # up to date, checked the slow way: note it
            store_basis(raw, stats_params(session, day))
        return _index_stage(raw)
    if state.stage == "stats":
        return _stats_step(session, raw, state, day)
    if state.stage == "index":
        return _index_step(session, raw, state)
    return state


def _stats_step(session: Session, raw: sqlite3.Connection, state: CatchUp, day: date) -> CatchUp:
    ids = [
        r[0]
        for r in raw.execute(
            "SELECT id FROM customer WHERE id > ? AND deleted_at IS NULL ORDER BY id LIMIT ?",
            (state.cursor, STATS_CHUNK),
        )
    ]
    params = stats_params(session, day)
    if ids:
        compute_stats(raw, params, ids)
    if len(ids) == STATS_CHUNK:
        done = min(state.done + len(ids), state.total)
        return CatchUp("stats", done, state.total, ids[-1])
    _drop_deleted(raw, False)
    store_basis(raw, params)
    return _index_stage(raw)


def _index_step(session: Session, raw: sqlite3.Connection, state: CatchUp) -> CatchUp:
    processed = search_index.process_dirty_chunk(
        raw,
        lambda ids: recompute_stats(session=session, customer_ids=ids),
        size=INDEX_CHUNK,
    )
    if processed == 0:
        return CatchUp("done")
    done = state.done + processed
    return CatchUp("index", done, max(state.total, done))
