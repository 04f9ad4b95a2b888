"""What "merge the two customers" does, decided once for a branch and for head office.

A supervisor merges two customer records that turned out to be one person (the same phone on
both, see services.syncing.conflicts). This module only decides; it works on plain rows (dicts of
column values) and returns the writes to make. A branch carries them out through its ORM
session (services.syncing.conflicts, both records in that branch), head office through ``hq_write``
(hq.resolve, the records in two branches): both make the same merge.

The rules:

* **Survivor**: the customer of the branch that resolves the conflict (the conflict's
  ``customer_id``, whose row was set aside); the other record (``other_customer_id``, which
  held the value first) is absorbed and tombstoned. Across branches it cannot be otherwise --
  a branch owns only its own rows, so the record kept must be its own -- and the same rule
  holds within a branch, so a merge never depends on where it is made.
* **Profile**: the survivor keeps every value it has; an empty field (no value, blank text)
  among :data:`FILLED` takes the absorbed record's value. The first shipment date becomes the
  earlier of the two; the need tags become both records' tags. The account manager is filled
  only within a branch (staff belong to their branch).
* **Phones**: a number the survivor already has (among them the contested one, set aside at
  the survivor's side until the merge frees it) is tombstoned on the absorbed record; every
  other number moves to the survivor, after its own numbers. Within a branch the row moves
  (its ``customer_id`` changes); across branches head office copies it into the survivor's
  branch and tombstones the original (a row cannot change branch).
* **Pickup preferences** (one live row per customer): field by field the survivor's value
  wins unless it is empty (no value, blank text, no time windows), then the absorbed one's;
  the drop-off place and its description go together. The absorbed row is tombstoned. When
  only the absorbed record has preferences, they are written to the survivor's own row (the
  id every PC derives for it, :func:`preference_id`), so a PC that records the survivor's
  first preferences before it hears of the merge writes the same row instead of clashing.
* **Monthly volumes** (one live row per customer and month): the two records counted the
  parcels sent under each of them, and they are one sender, so the figures of the same month
  are **added up** -- the tier (DOMAIN.md "Customer classification") then reflects what the
  person really ships. A month only the absorbed record has is written to the survivor's row
  of that month (:func:`volume_id`). The absorbed rows are tombstoned.
* **History** (complaints, care tasks, survey forms) moves to the survivor within a branch;
  across branches it stays with the branch that wrote it, naming the absorbed record.
  Insert-only history (visits, survey answers) never moves: such rows are never changed
  once written (head office ignores an update of one), so they keep naming the absorbed
  record on every PC alike.
* **Attachments** of the absorbed customer (``attachment`` rows of owner kind ``customer``)
  go to the survivor: each is tombstoned and, unless the survivor already shows the same
  file (same hash), written as the survivor's row of that file -- the id every PC derives
  for it (:func:`attachment_id`), so attaching the same photo to the survivor later on
  another PC meets the same row. The file itself needs no move (the store is by hash).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from branch_crm.ids import keyed_id

Row = Mapping[str, Any]

FILLED = ("company", "address", "birthday", "visit_class", "notes")
"""Customer fields an empty survivor value takes from the absorbed record."""
FILLED_WITHIN_BRANCH = ("account_manager_id",)
"""Filled like :data:`FILLED`, but only when both records are in one branch."""
PREFERENCE_FIELDS = (
    "availability",
    "away_weekends",
    "drop_off",
    "call_before_minutes",
    "packaging",
    "special_handling",
    "notes",
    "recorded_by",
    "recorded_at",
)
"""Pickup preference fields merged one by one (``drop_off_other`` goes with ``drop_off``)."""
SUMMED = ("parcels", "revenue_cents")
"""Monthly volume figures added up when both records have the month."""
MOVED_WITHIN_BRANCH = ("complaint", "care_task", "survey_form")
"""Tables whose rows of the absorbed record move to the survivor (within a branch)."""
MOVED_BY_MERGE = (*MOVED_WITHIN_BRANCH, "survey_response", "visit")
"""Tables a supervisor's merge (services.customers.merging) moves: the insert-only history
too, since the operation is carried out alike by every side, not sent row by row."""
PHONE_KEEP = ("phone", "kind")
ATTACHMENT_IDS = uuid.UUID("6f1d7f6e-8a43-4f0c-9c55-3b0a5e1f1a19")
"""Namespace of attachment ids (uuid5 of owner and hash; services.attachments)."""
ATTACHMENT_KEEP = (
    "sha256",
    "mime",
    "size",
    "original_name",
    "caption",
    "width",
    "height",
    "created_by",
)
"""Columns of an absorbed customer's attachment its survivor's copy takes over."""


def attachment_id(owner_kind: str, owner_id: str, sha256: str) -> str:
    """The id of the row showing file ``sha256`` on one record (the same on every PC)."""
    return str(uuid.uuid5(ATTACHMENT_IDS, f"{owner_kind}:{owner_id}:{sha256}"))


def preference_id(customer_id: str) -> str:
    """The id of a customer's pickup preference row, the same on every PC."""
    return keyed_id("pickup_preference", customer_id)


def volume_id(customer_id: str, month: str) -> str:
    """The id of a customer's volume row of one month ('YYYY-MM'), the same on every PC."""
    return keyed_id("monthly_volume", customer_id, month)


@dataclass(frozen=True)
class Write:
    """One row to write: ``values`` are the columns to change, or a new row's columns."""

    table: str
    pk: str
    values: dict[str, Any]
    insert: bool = False

    @property
    def tombstones(self) -> bool:
        """The write deletes the row (sets its tombstone)."""
        return self.values.get("deleted_at") is not None


@dataclass
class MergeInput:
    """The two records and their live rows, as one side holds them.

    ``rows``: table -> the live rows of either customer (the survivor's and the absorbed
    one's together, told apart by ``customer_id``), for ``customer_phone``,
    ``pickup_preference``, ``monthly_volume`` and, within a branch, the tables of
    :data:`MOVED_WITHIN_BRANCH`. A row set aside for a conflict counts as live."""

    survivor: Row
    absorbed: Row
    rows: Mapping[str, Sequence[Row]] = field(default_factory=dict)
    across_branches: bool = False
    moved: tuple[str, ...] = MOVED_WITHIN_BRANCH
    """Tables whose rows move to the survivor within a branch (a merge a supervisor starts
    from the customer list also moves the insert-only history: see MOVED_BY_MERGE)."""
    chosen: Mapping[str, Any] | None = None
    """The survivor's profile values chosen field by field (then no gap filling)."""


def empty(value: Any) -> bool:
    """No value, blank text, or an empty collection (no time windows)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (dict, list, tuple)):
        return not value
    return False


def plan_merge(merge: MergeInput, now: Any) -> list[Write]:
    """Every write that folds the absorbed record into the survivor (``now``: the tombstone
    value, a datetime on either side). Tombstones come first, so no write meets a unique
    value that a later one would free."""
    writes = [
        *_phones(merge, now),
        *_preferences(merge, now),
        *_volumes(merge, now),
        *_moved(merge),
        *_attachments(merge, now),
        *_profile(merge),
    ]
    if merge.chosen is not None:  # a supervisor's merge: the tombstone names the survivor
        pointer = {"merged_into": merge.survivor["id"]}
        if merge.absorbed.get("deleted_at") is None:
            pointer["deleted_at"] = now
        if merge.absorbed.get("merged_into") != merge.survivor["id"]:
            writes.append(Write("customer", str(merge.absorbed["id"]), pointer))
    elif merge.absorbed.get("deleted_at") is None:
        writes.append(Write("customer", str(merge.absorbed["id"]), {"deleted_at": now}))
    return sorted(writes, key=lambda w: not w.tombstones)


def _of(merge: MergeInput, table: str, customer: Row) -> list[Row]:
    return [
        row
        for row in merge.rows.get(table, ())
        if row.get("customer_id") == customer["id"] and row.get("deleted_at") is None
    ]


def _owner(merge: MergeInput) -> dict[str, Any]:
    """The columns a new row of the survivor starts with."""
    return {"customer_id": merge.survivor["id"], "branch_id": merge.survivor.get("branch_id")}


def _profile(merge: MergeInput) -> list[Write]:
    survivor, absorbed = merge.survivor, merge.absorbed
    if merge.chosen is not None:
        picked = {c: v for c, v in merge.chosen.items() if survivor.get(c) != v}
        return [Write("customer", str(survivor["id"]), picked)] if picked else []
    filled = FILLED if merge.across_branches else (*FILLED, *FILLED_WITHIN_BRANCH)
    values = {
        column: absorbed[column]
        for column in filled
        if empty(survivor.get(column)) and not empty(absorbed.get(column))
    }
    dates = (survivor.get("first_shipment_date"), absorbed.get("first_shipment_date"))
    known = [d for d in dates if d is not None]
    if known and min(known) != survivor.get("first_shipment_date"):
        values["first_shipment_date"] = min(known)
    tags = _tags(survivor.get("need_tags"))
    both = tags + [t for t in _tags(absorbed.get("need_tags")) if t not in tags]
    if both != tags:
        values["need_tags"] = ",".join(both)
    return [Write("customer", str(survivor["id"]), values)] if values else []


def _tags(value: Any) -> list[str]:
    return [t for t in str(value or "").split(",") if t]


def _phones(merge: MergeInput, now: Any) -> list[Write]:
    """Numbers the survivor has are dropped from the absorbed record, the others move."""
    mine = _of(merge, "customer_phone", merge.survivor)
    held = {row["phone"] for row in mine}
    position = max((int(row.get("position") or 0) for row in mine), default=-1)
    writes: list[Write] = []
    for row in sorted(_of(merge, "customer_phone", merge.absorbed), key=_position):
        pk = str(row["id"])
        if row["phone"] in held:
            writes.append(Write("customer_phone", pk, {"deleted_at": now}))
            continue
        held.add(row["phone"])
        position += 1
        if not merge.across_branches:
            values = {"customer_id": merge.survivor["id"], "position": position}
            writes.append(Write("customer_phone", pk, values))
            continue
        writes.append(Write("customer_phone", pk, {"deleted_at": now}))
        copy = {**_owner(merge), **{c: row.get(c) for c in PHONE_KEEP}, "position": position}
        copy_id = keyed_id("customer_phone", str(merge.survivor["id"]), pk)
        writes.append(Write("customer_phone", copy_id, copy, insert=True))
    return writes


def _position(row: Row) -> tuple[int, str]:
    return int(row.get("position") or 0), str(row["id"])


def merged_preferences(survivor: Row, absorbed: Row) -> dict[str, Any]:
    """The preference fields the survivor's row must change to (per field: the survivor's
    value unless empty, else the absorbed one's)."""
    values = {
        column: absorbed.get(column)
        for column in PREFERENCE_FIELDS
        if empty(survivor.get(column)) and not empty(absorbed.get(column))
    }
    if "drop_off" in values:
        values["drop_off_other"] = absorbed.get("drop_off_other")
    return values


def _preferences(merge: MergeInput, now: Any) -> list[Write]:
    theirs = _of(merge, "pickup_preference", merge.absorbed)
    if not theirs:
        return []
    absorbed = theirs[0]
    writes = [Write("pickup_preference", str(row["id"]), {"deleted_at": now}) for row in theirs]
    mine = _of(merge, "pickup_preference", merge.survivor)
    if mine:
        values = merged_preferences(mine[0], absorbed)
        if values:
            writes.append(Write("pickup_preference", str(mine[0]["id"]), values))
        return writes
    copy = {c: absorbed.get(c) for c in (*PREFERENCE_FIELDS, "drop_off_other")}
    pk = preference_id(str(merge.survivor["id"]))
    writes.append(Write("pickup_preference", pk, {**_owner(merge), **copy}, insert=True))
    return writes


def _volumes(merge: MergeInput, now: Any) -> list[Write]:
    mine = {row["month"]: row for row in _of(merge, "monthly_volume", merge.survivor)}
    writes: list[Write] = []
    for row in sorted(_of(merge, "monthly_volume", merge.absorbed), key=lambda r: r["month"]):
        writes.append(Write("monthly_volume", str(row["id"]), {"deleted_at": now}))
        month = row["month"]
        figures = {c: int(row.get(c) or 0) for c in SUMMED}
        if month in mine:
            kept = mine[month]
            total = {c: int(kept.get(c) or 0) + figures[c] for c in SUMMED}
            writes.append(Write("monthly_volume", str(kept["id"]), total))
            continue
        pk = volume_id(str(merge.survivor["id"]), month)
        values = {**_owner(merge), "month": month, **figures}
        writes.append(Write("monthly_volume", pk, values, insert=True))
    return writes


def _moved(merge: MergeInput) -> list[Write]:
    if merge.across_branches:
        return []
    return [
        Write(table, str(row["id"]), {"customer_id": merge.survivor["id"]})
        for table in merge.moved
        for row in _of(merge, table, merge.absorbed)
    ]


def _attachments(merge: MergeInput, now: Any) -> list[Write]:
    """The absorbed customer's attachments become the survivor's (one row per file)."""

    def shown(customer: Row) -> list[Row]:
        return [
            row
            for row in merge.rows.get("attachment", ())
            if row.get("owner_kind") == "customer"
            and row.get("owner_id") == customer["id"]
            and row.get("deleted_at") is None
        ]

    survivor = str(merge.survivor["id"])
    held = {row["sha256"] for row in shown(merge.survivor)}
    writes: list[Write] = []
    for row in sorted(shown(merge.absorbed), key=lambda r: str(r["id"])):
        writes.append(Write("attachment", str(row["id"]), {"deleted_at": now}))
        if row["sha256"] in held:
            continue  # the survivor shows this file already
        held.add(row["sha256"])
        values = {
            "owner_kind": "customer",
            "owner_id": survivor,
            "branch_id": merge.survivor.get("branch_id"),
            **{c: row.get(c) for c in ATTACHMENT_KEEP},
        }
        pk = attachment_id("customer", survivor, str(row["sha256"]))
        writes.append(Write("attachment", pk, values, insert=True))
    return writes


REDIRECTED = (
    "complaint",
    "care_task",
    "survey_form",
    "survey_response",
    "visit",
    "pickup_preference",
    "monthly_volume",
    "customer_phone",
)
"""Tables whose live rows naming a merged-away customer are moved to its survivor, wherever
the merge is carried out (the operation of services.customers.merging; head office). A live
``attachment`` of owner kind ``customer`` naming one moves as well (its ``owner_id``)."""


def redirect_to_survivors(conn: Any, *, rounds: int = 4) -> int:
    """Move the live rows that name a customer merged into another (``customer.merged_into``)
    to that survivor, with plain SQL on a branch database (the caller decides whether it is
    captured). A row that would clash with a unique key of the survivor (its preferences, the
    same month's volume, a number it has) stays where it is. Returns the rows moved.

    Cheap when nothing was merged: one look at the ``merged_into`` index per table."""
    merged = conn.exec_driver_sql(
        "SELECT 1 FROM customer WHERE merged_into IS NOT NULL LIMIT 1"
    ).scalar()
    if merged is None:
        return 0
    moved = 0
    for _ in range(rounds):  # a survivor merged on into a third record: follow the chain
        step = 0
        for table in REDIRECTED:
            result = conn.exec_driver_sql(
                f'UPDATE OR IGNORE "{table}" SET customer_id = (SELECT c.merged_into '
                f'FROM customer c WHERE c.id = "{table}".customer_id) WHERE deleted_at IS NULL '
                "AND customer_id IN (SELECT id FROM customer WHERE merged_into IS NOT NULL)"
            )
            step += max(result.rowcount, 0)
        result = conn.exec_driver_sql(  # attachments name their customer as owner
            "UPDATE attachment SET owner_id = (SELECT c.merged_into FROM customer c "
            "WHERE c.id = attachment.owner_id) WHERE deleted_at IS NULL "
            "AND owner_kind = 'customer' "
            "AND owner_id IN (SELECT id FROM customer WHERE merged_into IS NOT NULL)"
        )
        step += max(result.rowcount, 0)
        moved += step
        if not step:
            break
    return moved


def tables_read(across_branches: bool) -> Iterable[str]:
    """The tables whose rows of both customers :class:`MergeInput` needs."""
    yield from ("customer_phone", "pickup_preference", "monthly_volume")
    if not across_branches:
        yield from MOVED_WITHIN_BRANCH
