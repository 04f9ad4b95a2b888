"""The one merge rule of sync, used by head office (:mod:`branch_crm.hq.push`) and by every
branch (:mod:`branch_crm.sync.applier`) alike (DESIGN.md section 3).

Per column, the value with the greater HLC stamp wins (stamps compare as text, see
:mod:`branch_crm.sync.hlc`); an equal stamp is the same change seen again and changes
nothing. The tombstone column ``deleted_at`` is the one exception: a tombstone beats a live
value whatever the stamps (delete wins over a concurrent update), and between two tombstones
the later stamp wins. A row is never brought back to life -- except by an explicit restore:
a change that clears ``deleted_at`` and sets ``restored_at`` (the same stamp on both) beats a
tombstone stamped before it, and a row so restored loses only to a tombstone stamped after
the restore. The restore is recognised from the row itself (``restored_at`` set, stamped
with ``deleted_at``), so the rule stays free of arrival order.

Because every column ends at the maximum of one total order, the state a row reaches does not
depend on the order the changes arrive in, nor on how often each one arrives: head office and
each branch, which see the same changes in different orders, duplicated and retried, end equal
(the property tests in tests/sync/test_merge_rule.py check exactly this). An update that
arrives for a tombstoned row still merges its columns (invisible, but it keeps the rule
order-free); it is reported as lost to the delete so supervisors see it.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

TOMBSTONE = "deleted_at"
RESTORED = "restored_at"
BOOKKEEPING = frozenset({"updated_at", "updated_by"})
"""Columns every write touches; a change that loses only these is not worth reporting."""


def column_wins(
    column: str,
    incoming: Any,
    incoming_stamp: str,
    current: Any,
    current_stamp: str | None,
    *,
    restoring: bool = False,
    restored: bool = False,
) -> bool:
    """True when the incoming value of ``column`` replaces the current one.

    ``restoring``: the incoming change is a restore (see :func:`is_restore`); ``restored``:
    the current live value of ``deleted_at`` was set by a restore (:func:`was_restored`)."""
    if column == TOMBSTONE and (incoming is None) != (current is None):
        if incoming is None:  # a live value against a tombstone: only a later restore
            return restoring and incoming_stamp > (current_stamp or "")
        # a tombstone against a live value: wins, unless a later restore stands
        return not restored or incoming_stamp > (current_stamp or "")
    return incoming_stamp > (current_stamp or "")


def is_restore(incoming: Mapping[str, Any]) -> bool:
    """The change brings a deleted row back (clears the tombstone, stamps ``restored_at``)."""
    return TOMBSTONE in incoming and incoming[TOMBSTONE] is None and bool(incoming.get(RESTORED))


def was_restored(values: Mapping[str, Any], clocks: Mapping[str, str]) -> bool:
    """The row's live ``deleted_at`` comes from a restore (not from its insert)."""
    stamp = clocks.get(TOMBSTONE)
    return bool(values.get(RESTORED)) and stamp is not None and clocks.get(RESTORED) == stamp


@dataclass
class Merged:
    """What merging one change into one row did."""

    won: list[str] = field(default_factory=list)
    """Columns whose incoming value now stands."""
    lost: list[str] = field(default_factory=list)
    """Columns whose incoming value lost to a newer one (not counting a replay)."""
    lost_to_delete: bool = False
    """The row is a tombstone and the change did not delete it: its edit is lost to a delete."""

    @property
    def deletes(self) -> bool:
        """The change tombstoned the row."""
        return TOMBSTONE in self.won


def merge_row(
    values: MutableMapping[str, Any],
    clocks: MutableMapping[str, str],
    incoming: Mapping[str, Any],
    stamp: str,
) -> Merged:
    """Merge one change (``incoming`` columns stamped ``stamp``) into a row held as
    ``values`` and per-column ``clocks``, both updated in place."""
    merged = Merged()
    was_tombstone = values.get(TOMBSTONE) is not None
    restoring, restored = is_restore(incoming), was_restored(values, clocks)
    for column, value in incoming.items():
        current_stamp = clocks.get(column)
        if stamp == current_stamp:
            continue  # the same change again
        current = values.get(column)
        if column_wins(
            column, value, stamp, current, current_stamp, restoring=restoring, restored=restored
        ):
            values[column] = value
            clocks[column] = stamp
            merged.won.append(column)
        else:
            merged.lost.append(column)
    still_deleted = values.get(TOMBSTONE) is not None
    merged.lost_to_delete = was_tombstone and still_deleted and incoming.get(TOMBSTONE) is None
    return merged


def meaningful(columns: list[str]) -> list[str]:
    """The columns worth telling a supervisor about (bookkeeping left out), sorted."""
    return sorted(set(columns) - BOOKKEEPING)
