"""Unique keys within a batch: which rows could clash, and the clash itself."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import String, select

from branch_crm.hq import tables as t
from branch_crm.hq.bulk import rows_by_keys
from branch_crm.hq.push.state import Batch, RowState, entity, load_states
from branch_crm.hq.validate import Screened
from branch_crm.sync.merge import TOMBSTONE

CHUNK = 500


def key_value(values: dict[str, Any], table: str, key: tuple[str, ...]) -> tuple[Any, ...] | None:
    """A row's value of a unique key, with its branch when the key holds within a branch
    (None when a column of it is empty)."""
    if any(values.get(c) is None for c in key):
        return None
    scope = () if (table, key) in t.GLOBAL_UNIQUE else (values.get("branch_id"),)
    return (*scope, *(values[c] for c in key))


def prefetch_unique(b: Batch, items: list[Screened]) -> None:
    """Load every live row that could clash with a unique key value in the batch: the values
    the changes carry, and the whole unique values of rows parked here (an edit of a parked
    row that does not repeat its key still un-parks it only if nothing holds the key)."""
    wanted: dict[str, set[Any]] = defaultdict(set)
    branches = {b.auth.branch}
    for item in items:
        table = item.change.table
        state = b.states[(table, item.change.pk)]
        sources = [item.values]
        if state.parked_branch is not None and state.values is not None:
            sources.append(state.values)
        for key in entity(table)[2]:
            for source in sources:
                value = source.get(key[0])
                if value is not None:
                    wanted[table].add(value)
                    branches.add(str(source.get("branch_id") or b.auth.branch))
    _load_holders(b, wanted, branches)


def prefetch_holders(b: Batch, state: RowState) -> None:
    """Load the rows holding one of this row's unique values, before it is checked again
    outside the changes of the batch (a conflict resolution un-parking it)."""
    if state.values is None:
        return
    keys = entity(state.table)[2]
    values = {state.values[key[0]] for key in keys if state.values.get(key[0]) is not None}
    branches = {str(state.values.get("branch_id") or b.auth.branch)}
    _load_holders(b, {state.table: values}, branches)


def _load_holders(b: Batch, wanted: dict[str, set[Any]], branches: set[str]) -> None:
    """Load the rows that could clash with ``wanted`` unique values. Only rows that
    find_clash could pick are read: live ones for a key among live rows, the rows'
    own branches for a key scoped to a branch -- so the query uses the unique index."""
    for table_name, values in wanted.items():
        table, _kind, keys, partial = entity(table_name)
        ids: set[str] = set()
        for column_name in sorted({key[0] for key in keys}):
            column = table.c[column_name]
            starting = [key for key in keys if key[0] == column_name]
            live_only = all(partial[key] for key in starting)
            scoped = all((table_name, key) not in t.GLOBAL_UNIQUE for key in starting)
            ordered = sorted(values, key=str)
            if isinstance(column.type, String):
                found = rows_by_keys(
                    b.conn,
                    table,
                    (column_name,),
                    [(value,) for value in ordered],
                    columns=("id",),
                    live_only=live_only,
                    branches=sorted(branches) if scoped else None,
                )
                ids.update(row.id for row in found)
                continue
            query = select(table.c.id)
            if live_only:
                query = query.where(table.c.deleted_at.is_(None))
            if scoped:
                query = query.where(table.c.branch_id.in_(sorted(branches)))
            for start in range(0, len(ordered), CHUNK):
                part = ordered[start : start + CHUNK]
                ids.update(b.conn.scalars(query.where(column.in_(part))))
        load_states(b, {table_name: ids})
    for state in b.states.values():
        index_state(b, state)


def index_state(b: Batch, state: RowState) -> None:
    """Record the unique-key values a row holds in its table in the batch's index."""
    held = state.held
    if held is None:
        return
    _table, _kind, keys, _partial = entity(state.table)
    for key in keys:
        value = key_value(held, state.table, key)
        if value is not None:
            b.key_index[(state.table, key, value)].add(state.pk)


def find_clash(b: Batch, state: RowState) -> tuple[tuple[str, ...], RowState] | None:
    """Another row holding one of this row's unique values, if any."""
    if state.values is None:
        return None
    _table, _kind, keys, partial = entity(state.table)
    for key in keys:
        if partial[key] and not state.live:
            continue
        value = key_value(state.values, state.table, key)
        if value is None:
            continue
        for pk in list(b.key_index.get((state.table, key, value), ())):
            other = b.states[(state.table, pk)]
            held = other.held
            if pk == state.pk or held is None:
                continue
            if partial[key] and held.get(TOMBSTONE) is not None:
                continue
            if key_value(held, state.table, key) == value:
                return key, other
    return None
