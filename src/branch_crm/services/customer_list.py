"""The million-row customer list: ordered keys first, rows fetched on demand.

``list_customer_keys`` returns the local numbers of every matching customer in display order
as a compact ``array('q')`` (8 bytes a row); the list widget then asks ``fetch_rows`` for the
visible page only. No ORM objects: both run plain SQL on the session's DBAPI connection.
Names sort by their pinyin (then the characters), the way Chinese users expect.
"""

from __future__ import annotations

import array
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from branch_crm.services.dbapi import raw_connection

SORT_COLUMNS = ("name", "tier", "last_month_parcels", "lifecycle", "visit_class", "created_at")
_TIER_ORDER = (
    "CASE s.tier WHEN 'strategic' THEN 0 WHEN 'key' THEN 1 WHEN 'ordinary' THEN 2 ELSE 3 END"
)
_LIFECYCLE_ORDER = "CASE s.lifecycle WHEN 'new' THEN 0 WHEN 'active' THEN 1 ELSE 2 END"
_ORDER = {
    "name": ("c.name_pinyin {d}, c.name {d}", False),
    "tier": (f"{_TIER_ORDER} {{d}}", True),
    "last_month_parcels": ("COALESCE(s.last_month_parcels, 0) {d}", True),
    "lifecycle": (f"{_LIFECYCLE_ORDER} {{d}}", True),
    "visit_class": ("c.visit_class IS NULL, c.visit_class {d}", False),
    "created_at": ("c.created_at {d}", False),
}
"""Sort column -> (ORDER BY terms with {d} for the direction, needs customer_stats)."""


@dataclass(frozen=True)
class ListFilter:
    """What the filter bar selects; None means "any"."""

    tier: str | None = None
    lifecycle: str | None = None
    visit_class: str | None = None
    need_tag: str | None = None
    churn_risk: bool | None = None


@dataclass(frozen=True, slots=True)
class CustomerRow:
    """One row of the customer list."""

    customer_id: str
    name: str
    phone: str
    company: str | None
    tier: str
    lifecycle: str
    visit_class: str | None
    need_tags: str
    churn_risk: bool
    last_month_parcels: int


def _where(flt: ListFilter) -> tuple[list[str], list[object], bool]:
    """SQL conditions, their parameters and whether customer_stats is needed."""
    conditions = ["c.deleted_at IS NULL", "c.local_no IS NOT NULL"]
    params: list[object] = []
    stats = False
    if flt.tier is not None:
        conditions.append("COALESCE(s.tier, 'walk_in') = ?")
        params.append(flt.tier)
        stats = True
    if flt.lifecycle is not None:
        conditions.append("COALESCE(s.lifecycle, 'new') = ?")
        params.append(flt.lifecycle)
        stats = True
    if flt.churn_risk is not None:
        conditions.append("COALESCE(s.churn_risk, 0) = ?")
        params.append(1 if flt.churn_risk else 0)
        stats = True
    if flt.visit_class is not None:
        conditions.append("c.visit_class = ?")
        params.append(flt.visit_class)
    if flt.need_tag is not None:
        conditions.append("instr(',' || c.need_tags || ',', ?) > 0")
        params.append(f",{flt.need_tag},")
    return conditions, params, stats


def list_customer_keys(
    *, session: Session, flt: ListFilter, sort: str = "name", descending: bool = False
) -> array.array[int]:
    """Local numbers of the matching customers, in display order (ValueError: bad sort)."""
    if sort not in _ORDER:
        raise ValueError(f"cannot sort by {sort!r}")
    order, order_stats = _ORDER[sort]
    direction = "DESC" if descending else "ASC"
    conditions, params, filter_stats = _where(flt)
    join = (
        "LEFT JOIN customer_stats s ON s.customer_id = c.id" if order_stats or filter_stats else ""
    )
    sql = (
        f"SELECT c.local_no FROM customer c {join} WHERE {' AND '.join(conditions)} "
        f"ORDER BY {order.format(d=direction)}, c.local_no {direction}"
    )
    raw = raw_connection(session)
    keys: array.array[int] = array.array("q")
    cursor = raw.execute(sql, params)
    while True:
        chunk = cursor.fetchmany(65_536)
        if not chunk:
            break
        keys.extend(row[0] for row in chunk)
    return keys


ROWS_SQL = (
    "SELECT c.local_no, c.id, c.name, "
    "COALESCE((SELECT p.phone FROM customer_phone p WHERE p.customer_id = c.id "
    "AND p.deleted_at IS NULL ORDER BY p.position LIMIT 1), ''), c.company, "
    "COALESCE(s.tier, 'walk_in'), COALESCE(s.lifecycle, 'new'), c.visit_class, c.need_tags, "
    "COALESCE(s.churn_risk, 0), COALESCE(s.last_month_parcels, 0) "
    "FROM customer c LEFT JOIN customer_stats s ON s.customer_id = c.id "
    "WHERE c.local_no IN (SELECT value FROM json_each(?))"
)


def fetch_rows(*, session: Session, keys: Sequence[int]) -> list[CustomerRow]:
    """The rows of ``keys`` in the same order (a key with no customer row is left out)."""
    if not len(keys):
        return []
    raw = raw_connection(session)
    found = {
        row[0]: CustomerRow(
            customer_id=row[1],
            name=row[2],
            phone=row[3],
            company=row[4],
            tier=row[5],
            lifecycle=row[6],
            visit_class=row[7],
            need_tags=row[8] or "",
            churn_risk=bool(row[9]),
            last_month_parcels=int(row[10]),
        )
        for row in raw.execute(ROWS_SQL, (json.dumps([int(k) for k in keys]),))
    }
    return [found[int(k)] for k in keys if int(k) in found]
