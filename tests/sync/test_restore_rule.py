"""The merge rule with restores (issue 19): a restore beats the tombstones stamped before it,
loses to those stamped after it, an ordinary edit never brings a row back, and the result does
not depend on the order (or repetition) in which the changes arrive."""

from __future__ import annotations

from itertools import permutations
from typing import Any

import pytest

from branch_crm.sync.merge import merge_row

INSERT = ({"name": "a", "deleted_at": None, "restored_at": None}, "0001")
DELETE_1 = ({"deleted_at": "t1"}, "0002")
RESTORE_2 = ({"deleted_at": None, "restored_at": "r2"}, "0003")
EDIT_3 = ({"name": "b"}, "0004")
DELETE_4 = ({"deleted_at": "t4"}, "0005")
LATE_EDIT = ({"name": "c", "deleted_at": None}, "0006")  # an insert replayed late, say


def _final(changes: list[tuple[dict[str, Any], str]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    clocks: dict[str, str] = {}
    for data, stamp in changes:
        merge_row(values, clocks, data, stamp)
    return values


@pytest.mark.parametrize(
    ("changes", "deleted"),
    [
        ([DELETE_1, RESTORE_2], None),
        ([DELETE_1, RESTORE_2, EDIT_3], None),
        ([DELETE_1, RESTORE_2, DELETE_4], "t4"),
        ([DELETE_1, LATE_EDIT], "t1"),
    ],
)
def test_restore_result_is_the_same_in_every_order(
    changes: list[tuple[dict[str, Any], str]], deleted: str | None
) -> None:
    results = []
    for order in permutations(changes):
        results.append(_final([INSERT, *order]))
        results.append(_final([INSERT, *order, *order]))  # repeated: nothing changes
    assert all(r == results[0] for r in results)
    assert results[0]["deleted_at"] == deleted
