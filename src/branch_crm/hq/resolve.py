"""Head office's side of a conflict resolution that a branch supervisor chose.

The branch updates its ``sync_conflict`` row (status, resolution); when that change arrives:

* ``keep_mine``: the other row (which may belong to another branch) is tombstoned and the
  parked row is applied;
* ``keep_theirs``: the branch also sent a tombstone of its own row, which un-parks it as a
  deleted row -- nothing more to do here;
* ``merge``: within one branch the branch merged the customers itself (its changes arrive in
  the same batch); across branches head office folds the other branch's customer into this
  branch's by the one rule of :mod:`branch_crm.sync.customer_merge` (numbers copied, profile
  gaps filled, preferences merged field by field, the same month's volumes added up, the
  other customer and its rows tombstoned) and applies the parked row. The other branch
  keeps its own history rows, which still name the (now deleted) customer.

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
from branch_crm.sync.customer_merge import MergeInput, plan_merge, tables_read

log = logging.getLogger(__name__)


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
    """Fold the other branch's customer into this branch's, as sync.customer_merge decides
    (the same rule a branch follows within itself), writing as head office."""
    survivor = _state(b, "customer", conflict.get("customer_id"))
    absorbed = _state(b, "customer", conflict.get("other_customer_id"))
    ours = survivor is not None and survivor.values is not None and survivor.live
    if not ours or absorbed is None or absorbed.values is None:
        hq_write(b, "customer_phone", other_phone.pk, {"deleted_at": b.now})
        return
    assert survivor is not None and survivor.values is not None
    if survivor.values.get("branch_id") != b.auth.branch:
        return  # a branch merges into its own customer only
    rows = {table: _live_rows(b, table, (survivor, absorbed)) for table in tables_read(True)}
    mine = _state(b, str(conflict["table_name"]), conflict.get("row_id"))
    if mine is not None and mine.live and mine.table == "customer_phone":
        assert mine.values is not None  # the contested number, set aside: the survivor's
        rows["customer_phone"] = [
            *(r for r in rows["customer_phone"] if r["id"] != mine.pk),
            {**mine.values, "id": mine.pk},
        ]
    merge = MergeInput(survivor.values, absorbed.values, rows, across_branches=True)
    for write in plan_merge(merge, b.now):
        held = _state(b, write.table, write.pk)
        assert held is not None
        if held.parked_branch is not None:
            continue  # a row set aside for its own conflict is left to it
        taken = write.insert and held.values is not None  # a deleted row holds the derived id
        hq_write(b, write.table, new_id() if taken else write.pk, write.values)


def _live_rows(b: Batch, table_name: str, customers: tuple[RowState, ...]) -> list[dict[str, Any]]:
    """The live rows of ``table_name`` of the customers, each in its customer's branch."""
    table = t.ENTITIES[table_name][0]
    owners = {str(c.pk): c.values.get("branch_id") for c in customers if c.values is not None}
    query = select(table.c.id).where(
        table.c.customer_id.in_(sorted(owners)), table.c.deleted_at.is_(None)
    )
    rows = []
    for pk in sorted(b.conn.scalars(query)):
        state = _state(b, table_name, pk)
        if state is None or not state.live or state.parked_branch is not None:
            continue
        assert state.values is not None
        if state.values.get("branch_id") == owners.get(str(state.values.get("customer_id"))):
            rows.append({**state.values, "id": pk})
    return rows
