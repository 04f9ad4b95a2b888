"""The supervisors' page of changes head office did not apply: a value head office cannot
store (a name longer than its column, written on this PC with raw SQL) is quarantined there,
and the page lists it with the reason and head office's words; the command line too."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
from sync_ui_helpers import add_customer, make_ctx

from branch_crm.services.sync_service import run_sync

LONG = "长" * 60


@pytest.fixture
def quarantined(branch_db: Any) -> str:
    """A customer whose name head office quarantined; returns its id."""
    pk = add_customer(branch_db, "BR001", "张三", "13800000009")
    with sqlite3.connect(branch_db.path) as raw:
        raw.execute("UPDATE customer SET name = ? WHERE id = ?", (LONG, pk))
    assert run_sync(branch_db).error is None
    return pk


def test_the_page_lists_the_change_with_reason_and_details(
    qtbot: Any, qtmodeltester: Any, branch_db: Any, supervisor: Any, quarantined: str
) -> None:
    from branch_crm.ui.sync.rejected_page import RejectedPage

    page = RejectedPage(make_ctx(branch_db, supervisor))
    qtbot.addWidget(page)
    model = page.model
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=5000)
    qtmodeltester.check(model)
    cells = [model.data(model.index(0, column)) for column in range(model.columnCount())]
    assert cells[1] == f"customer {quarantined[:13]}"
    assert cells[2:] == [
        "head office cannot store it",
        "customer.name: text longer than 50 characters",
    ]
    assert page.summary.text().startswith("Head office did not apply these changes")


def test_the_page_is_for_supervisors() -> None:
    from branch_crm.services.permissions import Permission
    from branch_crm.ui.pages.sync_rejected import PAGE

    assert PAGE.permission is Permission.CONFLICT_RESOLVE


def test_the_command_line_lists_it_and_counts_it_in_the_status(
    branch_db: Any, quarantined: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from branch_crm.cli import main

    path = str(branch_db.path)
    assert main(["--db", path, "sync", "rejected"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.endswith(
        f"customer {quarantined}  head office cannot store it: "
        "customer.name: text longer than 50 characters"
    )
    assert main(["--db", path, "sync", "rejected", "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert (entry["reason"], entry["row_id"]) == ("invalid", quarantined)
    assert main(["--db", path, "sync", "status"]) == 0
    assert "changes head office did not apply: 1" in capsys.readouterr().out
