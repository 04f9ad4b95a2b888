"""The supervisors' page of changes head office did not apply: a value head office cannot
store (a name longer than its column, written on this PC with raw SQL) is quarantined there,
and the page lists it with the reason and head office's words; the command line too."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest

from branch_crm.services.syncing.service import run_sync
from tests.support.sync import add_customer
from tests.support.ui import make_ctx

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
    from branch_crm.reference.roles import Permission
    from branch_crm.ui.pages import PAGES

    page = next(s for s in PAGES if s.key == "sync_rejected")
    assert page.permission is Permission.CONFLICT_RESOLVE


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


def test_status_bar_and_home_card_count_it_until_the_page_is_opened(
    qtbot: Any, branch_db: Any, supervisor: Any, quarantined: str
) -> None:
    from branch_crm.ui.sync.rejected_page import RejectedPage
    from branch_crm.ui.sync.widgets import SyncHomeCard, SyncStatusWidget

    ctx = make_ctx(branch_db, supervisor)
    widget = SyncStatusWidget(ctx, autostart=False)
    card = SyncHomeCard(ctx)
    for shown in (widget, card):
        qtbot.addWidget(shown)
    assert widget.text().endswith(" · 1 change not applied")
    assert "1 change head office did not apply (see Changes not applied)." in widget.toolTip()
    assert card.rejected.text() == "1 change head office did not apply (see Changes not applied)."
    assert not card.rejected.isHidden() and not card.rejected_button.isHidden()
    assert card.rejected_button.text() == "Changes not applied"

    page = RejectedPage(ctx)  # built (e.g. at start-up) but not shown: nothing is seen yet
    qtbot.addWidget(page)
    ctx.bus.changed("sync")
    assert "not applied" in widget.text()
    page.on_shown()  # the supervisor opens the page
    assert page.model.rowCount() == 1
    assert "not applied" not in widget.text() and "did not apply" not in widget.toolTip()
    assert card.rejected.isHidden() and card.rejected_button.isHidden()


def test_counter_staff_see_the_count_but_no_button(
    qtbot: Any, branch_db: Any, counter: Any, quarantined: str
) -> None:
    from branch_crm.i18n import set_language
    from branch_crm.ui.sync.widgets import SyncHomeCard, SyncStatusWidget

    ctx = make_ctx(branch_db, counter)
    card = SyncHomeCard(ctx)
    widget = SyncStatusWidget(ctx, autostart=False)
    for shown in (widget, card):
        qtbot.addWidget(shown)
    assert not card.rejected.isHidden() and card.rejected_button.isHidden()
    set_language("zh_CN")
    widget.retranslate_ui()
    card.retranslate_ui()
    assert widget.text().endswith(" · 1 条修改未被采用")
    assert card.rejected.text() == "总部未采用 1 条修改（见“未采用的修改”）。"
