"""Head office's side of a conflict resolution that a branch supervisor chose.

The branch updates its ``sync_conflict`` row (status, resolution); when that change arrives:

* ``keep_mine``: the other row (which may belong to another branch) is tombstoned and the
  parked row is applied;
* ``keep_theirs``: the branch also sent a tombstone of its own row, which un-parks it as a
  deleted row -- nothing more to do here;
* ``merge``: within one branch the branch moved everything itself (its changes arrive in the
  same batch); across branches head office tombstones the other customer and its phone,
  copies that customer's other numbers and empty profile fields to the survivor (this
  branch's customer) and applies the parked row. The other branch keeps its own history
  rows, which still name the (now deleted) customer.

If by then yet another row holds the value (a third PC took the same phone), the parked row
stays parked under a new conflict naming that row.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from branch_crm.hq import tables as t
from branch_crm.hq.push import (
    Batch,
    RowState,
    find_clash,
    hq_write,
    load_states,
    park,
    prefetch_holders,
    settle,
)
from branch_crm.ids import new_id

log = logging.getLogger(__name__)

FILLABLE = ("company", "address", "birthday", "first_shipment_date", "notes")


def _state(b: Batch, table: str, pk: str | None) -> RowState | None:
    if not pk:
        return None
    if (table, pk) not in b.states:
        load_states(b, {table: {pk}})
    return b.states[(table, pk)]


def apply_resolution(b: Batch, conflict_id: str) -> None:
    """Carry out the resolution recorded on a conflict row."""
    conflict = b.states[("sync_conflict", conflict_id)].values
    if conflict is None or conflict.get("status") != "resolved":
        return
    resolution = conflict.get("resolution")
    table = str(conflict["table_name"])
    mine = _state(b, table, conflict["row_id"])
    other = _state(b, table, conflict["other_row_id"])
    cross_branch = conflict.get("other_branch_id") not in (None, "", b.auth.branch)
    if resolution == "keep_mine" and other is not None and other.live:
        hq_write(b, table, other.pk, {"deleted_at": b.now})
    elif resolution == "merge" and cross_branch and other is not None and other.live:
        _merge_across_branches(b, conflict, other)
    if mine is not None and mine.parked_branch is not None:
        prefetch_holders(b, mine)  # the clash may hold on rows this batch did not touch
        clash = find_clash(b, mine)
        if clash is None:
            settle(b, mine, "insert", [], str(b.clock.now()))
        else:  # another row took the value meanwhile: the supervisors get a new conflict
            park(b, mine, clash[0], clash[1])
    log.info("conflict %s resolved at branch %s: %s", conflict_id, b.auth.branch, resolution)


def _merge_across_branches(b: Batch, conflict: dict[str, Any], other_phone: RowState) -> None:
    survivor_id = conflict.get("customer_id")
    absorbed_id = conflict.get("other_customer_id")
    survivor = _state(b, "customer", survivor_id)
    absorbed = _state(b, "customer", absorbed_id)
    hq_write(b, "customer_phone", other_phone.pk, {"deleted_at": b.now})
    phones = t.ENTITIES["customer_phone"][0]
    query = select(phones.c.id).where(
        phones.c.customer_id == absorbed_id, phones.c.deleted_at.is_(None)
    )
    for phone_id in list(b.conn.scalars(query)):
        phone = _state(b, "customer_phone", phone_id)
        if phone is None or not phone.live or phone.pk == other_phone.pk:
            continue
        assert phone.values is not None
        hq_write(b, "customer_phone", phone.pk, {"deleted_at": b.now})
        hq_write(
            b,
            "customer_phone",
            new_id(),
            {
                "branch_id": b.auth.branch,
                "customer_id": survivor_id,
                "phone": phone.values["phone"],
                "kind": phone.values.get("kind", "mobile"),
                "position": 9,
            },
        )
    if survivor is not None and survivor.values is not None and absorbed is not None:
        assert absorbed.values is not None
        fill = {
            column: absorbed.values[column]
            for column in FILLABLE
            if survivor.values.get(column) in (None, "") and absorbed.values.get(column)
        }
        if fill:
            hq_write(b, "customer", survivor.pk, fill)
    if absorbed is not None and absorbed.live:
        hq_write(b, "customer", absorbed.pk, {"deleted_at": b.now})
