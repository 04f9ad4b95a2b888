"""What a branch may write: the checks a pushed change passes before it is applied."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from branch_crm.hq import tables as t
from branch_crm.hq.push.state import Batch, Refusal, entity
from branch_crm.hq.validate import Invalid, Screened, screen
from branch_crm.i18n import N_
from branch_crm.sync.protocol import Change


@dataclass(frozen=True)
class BranchWrites:
    """What a branch may write of one table, as its model declares it (``__branch_inserts__``,
    ``__branch_columns__``, ``__branch_values__``; a model without them: anything of its own
    rows)."""

    inserts: bool = True
    columns: frozenset[str] | None = None
    values: Mapping[str, frozenset[str]] = field(default_factory=dict)


def _branch_writes() -> dict[str, BranchWrites]:
    from branch_crm.models import synced_tables

    return {
        cls.__tablename__: BranchWrites(  # type: ignore[attr-defined]
            inserts=getattr(cls, "__branch_inserts__", True),
            columns=getattr(cls, "__branch_columns__", None),
            values=getattr(cls, "__branch_values__", {}),
        )
        for cls in synced_tables()
    }


BRANCH_WRITES = _branch_writes()
ANY_WRITE = BranchWrites()


def forbidden_outright(change: Change, branch: str) -> Invalid | None:
    """Why ``branch`` may not make this change whatever head office holds (None if it may
    as far as that goes): a write of a reference table, or of a row of another branch."""
    table = change.table
    if table in t.ENTITIES and entity(table)[1] == "reference":
        return Invalid(
            N_("{table} is head-office reference data; branch {branch} cannot change it."),
            table=table,
            branch=branch,
        )
    if "branch_id" in change.data and change.data["branch_id"] != branch:
        return Invalid(N_("{table}/{pk}: a row of another branch"), table=table, pk=change.pk)
    return None


def forbidden(b: Batch, item: Screened) -> Invalid | None:
    """Why the caller's branch may not make this change (None if it may): a row of another
    branch (as held here), or more than its model lets a branch write."""
    change, values = item.change, item.values
    table, branch = change.table, b.auth.branch
    state = b.states[(table, change.pk)]
    held = state.values
    if held is not None and (state.parked_branch or held.get("branch_id")) != branch:
        return Invalid(N_("{table}/{pk}: a row of another branch"), table=table, pk=change.pk)
    rule = BRANCH_WRITES.get(table, ANY_WRITE)
    if held is None and not rule.inserts:
        return Invalid(N_("{table}: only head office creates these rows"), table=table)
    extra = sorted(set(values) - rule.columns) if rule.columns is not None else []
    if extra:
        column = f"{table}.{extra[0]}"
        return Invalid(N_("{column}: only head office changes this column"), column=column)
    for name, allowed in rule.values.items():
        if name in values and values[name] not in allowed:
            column = f"{table}.{name}"
            return Invalid(N_("{column}: a branch cannot set this value"), column=column)
    return None


def screen_all(changes: list[Change], branch: str) -> tuple[list[Screened], list[Refusal]]:
    """The changes whose values fit head office's columns, and the others, refused
    (forbidden before invalid: a branch may not write them whatever their values)."""
    screened: list[Screened] = []
    refused: list[Refusal] = []
    for change in changes:
        problem = forbidden_outright(change, branch)
        if problem is not None:
            refused.append(Refusal(change, "forbidden", problem))
            continue
        try:
            screened.append(screen(change))
        except Invalid as invalid:
            refused.append(Refusal(change, "invalid", invalid))
    return screened, refused
