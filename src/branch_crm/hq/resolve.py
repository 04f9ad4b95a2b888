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

Only head office's copy of the conflict is trusted (a branch may change nothing but its
status and resolution, see hq.push ``forbidden``), and only as the act of someone allowed to
resolve conflicts: ``resolved_by`` must name a live staff member of that branch whose role
has ``Permission.CONFLICT_RESOLVE`` (:func:`unauthorised_resolution`; the staff row may have
come earlier in the same push). Even then a resolution
acts on rows of the tables a conflict can name (branch tables with a unique key), on this
branch's row, and on the other row only while it belongs to the branch the conflict names
and really holds the same unique value; a merge takes the two customers from those rows.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from branch_crm.hq import tables as t
from branch_crm.hq.push.keys import find_clash, key_value, prefetch_holders
from branch_crm.hq.push.rows import hq_write, park, settle
from branch_crm.hq.push.state import Batch, RowState, load_states
from branch_crm.hq.validate import Invalid, Screened
from branch_crm.i18n import N_
from branch_crm.ids import new_id
from branch_crm.reference.roles import ROLE_PERMISSIONS, Permission
from branch_crm.sync.customer_merge import MergeInput, plan_merge, tables_read

log = logging.getLogger(__name__)

CONFLICT_TABLES = frozenset(
    name
    for name, (_table, kind, keys, _partial) in t.ENTITIES.items()
    if kind == "lww" and keys and not name.startswith("sync_")
)
"""Tables a conflict can name: a branch's own tables with a unique key."""
RESOLVER_ROLES = frozenset(
    role.value for role, rights in ROLE_PERMISSIONS.items() if Permission.CONFLICT_RESOLVE in rights
)
"""The staff roles that may resolve a conflict (the branch app's own permission table)."""
MERGER_ROLES = frozenset(
    role.value for role, rights in ROLE_PERMISSIONS.items() if Permission.RECORD_DELETE in rights
)
"""The staff roles that may merge two customers (the branch app checks the same right)."""
RESOLVING_COLUMNS = frozenset({"status", "resolution", "resolved_by"})
"""A change of a conflict carrying one of these is a resolution: it needs a resolver."""


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


def unauthorised_resolution(b: Batch, item: Screened) -> Invalid | None:
    """Why a change of a conflict's resolution (or a customer merge) is not the act of
    someone who may do it at the caller's branch (None if it is, or if it is neither). The
    staff row is taken as the batch holds it so far: one added or promoted earlier in the
    same push counts, as does one head office set aside for a clash of its own (parked)."""
    change = item.change
    if change.table == "customer_merge":
        # the branch app asks the same right (``record.delete``) before it merges
        return _not_by_staff(b, item, "merged_by", MERGER_ROLES, _MERGE_PROBLEMS)
    if change.table != "sync_conflict" or not RESOLVING_COLUMNS & item.values.keys():
        return None
    return _not_by_staff(b, item, "resolved_by", RESOLVER_ROLES, _RESOLUTION_PROBLEMS)


_RESOLUTION_PROBLEMS = (
    N_("{table}/{pk}: not resolved by a staff member of branch {branch}"),
    N_("{table}/{pk}: resolved by staff whose role ({role}) may not resolve conflicts"),
)
_MERGE_PROBLEMS = (
    N_("{table}/{pk}: not merged by a staff member of branch {branch}"),
    N_("{table}/{pk}: merged by staff whose role ({role}) may not merge customers"),
)


def _not_by_staff(
    b: Batch, item: Screened, column: str, roles: frozenset[str], problems: tuple[str, str]
) -> Invalid | None:
    """Why the staff member ``column`` names is not a live member of the caller's branch
    with one of ``roles`` (None if they are); ``problems``: the two messages."""
    change = item.change
    held = b.states[(change.table, change.pk)].values or {}
    actor = item.values.get(column, held.get(column))
    staff = _state(b, "staff", str(actor) if actor else None)
    not_staff, wrong_role = problems
    if staff is None or not staff.live or _owner(staff) != b.auth.branch:
        return Invalid(not_staff, table=change.table, pk=change.pk, branch=b.auth.branch)
    assert staff.values is not None
    role = str(staff.values.get("role"))
    if role not in roles:
        return Invalid(wrong_role, table=change.table, pk=change.pk, role=role[:16])
    return None


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
