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

Only head office's copy of the conflict is trusted (a branch may change nothing but its
status and resolution, see hq.push ``forbidden``), and even that only so far: a resolution
acts on rows of the tables a conflict can name (branch tables with a unique key), on this
branch's row, and on the other row only while it belongs to the branch the conflict names
and really holds the same unique value; a merge takes the two customers from those rows.
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
    key_value,
    load_states,
    park,
    prefetch_holders,
    settle,
)
from branch_crm.ids import new_id

log = logging.getLogger(__name__)

FILLABLE = ("company", "address", "birthday", "first_shipment_date", "notes")
CONFLICT_TABLES = frozenset(
    name
    for name, (_table, kind, keys, _partial) in t.ENTITIES.items()
    if kind == "lww" and keys and not name.startswith("sync_")
)
"""Tables a conflict can name: a branch's own tables with a unique key."""


def _state(b: Batch, table: str, pk: str | None) -> RowState | None:
    if not pk:
        return None
    if (table, pk) not in b.states:
        load_states(b, {table: {pk}})
    return b.states[(table, pk)]


def _owner(state: RowState) -> str | None:
    assert state.values is not None
    return state.parked_branch or state.values.get("branch_id")


def _holder(b: Batch, conflict: dict[str, Any], mine: RowState) -> RowState | None:
    """The conflict's other row, if it still is what the conflict says: a row (not parked)
    of the branch the conflict names, holding the same unique value as this branch's row."""
    table = str(conflict["table_name"])
    other = _state(b, table, conflict.get("other_row_id"))
    key = tuple(str(conflict.get("columns") or "").split(","))
    if other is None or other.values is None or other.parked_branch is not None:
        return None
    if _owner(other) != conflict.get("other_branch_id") or key not in t.ENTITIES[table][2]:
        return None
    assert mine.values is not None
    value = key_value(mine.values, table, key)
    return other if value is not None and key_value(other.values, table, key) == value else None


def _customers(b: Batch, conflict: dict[str, Any], mine: RowState, other: RowState) -> bool:
    """Put the two rows' customers into ``conflict`` for a merge; False unless the survivor
    is this branch's and the absorbed one the other branch's."""
    assert mine.values is not None and other.values is not None
    survivor = _state(b, "customer", mine.values.get("customer_id"))
    absorbed = _state(b, "customer", other.values.get("customer_id"))
    if survivor is None or survivor.values is None or _owner(survivor) != b.auth.branch:
        return False
    if absorbed is None or absorbed.values is None:
        return False
    if _owner(absorbed) != conflict.get("other_branch_id"):
        return False
    conflict["customer_id"], conflict["other_customer_id"] = survivor.pk, absorbed.pk
    return True


def apply_resolution(b: Batch, conflict_id: str) -> None:
    """Carry out the resolution recorded on a conflict row (see the module docstring for
    what it may touch)."""
    conflict = b.states[("sync_conflict", conflict_id)].values
    if conflict is None or conflict.get("status") != "resolved":
        return
    resolution = conflict.get("resolution")
    table = str(conflict["table_name"])
    mine = _state(b, table, conflict["row_id"]) if table in CONFLICT_TABLES else None
    ours = conflict.get("branch_id") == b.auth.branch
    if mine is None or mine.values is None or not ours or _owner(mine) != b.auth.branch:
        log.warning("conflict %s names no row of branch %s: ignored", conflict_id, b.auth.branch)
        return
    other = _holder(b, conflict, mine)
    cross_branch = conflict.get("other_branch_id") not in (None, "", b.auth.branch)
    if resolution == "keep_mine" and other is not None and other.live:
        hq_write(b, table, other.pk, {"deleted_at": b.now})
    elif resolution == "merge" and cross_branch and other is not None and other.live:
        trusted = dict(conflict)
        if _customers(b, trusted, mine, other):
            _merge_across_branches(b, trusted, other)
    if mine.parked_branch is not None:
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
