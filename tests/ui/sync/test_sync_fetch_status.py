"""Files to fetch in the sync status (prefetch, issue 19): attachment rows whose file is not
on this PC, and why the last prefetch stopped, on the Sync page, the status bar's tooltip, a
round's line and ``branch-crm sync status`` (``--json``)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from branch_crm.db import file_store
from branch_crm.sync.client import SyncResult
from tests.support.attachments import a_complaint, jpeg
from tests.support.cli_help import run_cli
from tests.support.services import run_service
from tests.support.ui import make_ctx

CUT = "RemoteProtocolError while fetching file abcdef123456"


def _a_missing_file(db: Any) -> None:
    """An attachment row whose file is not on this PC (it came by sync), and a prefetch
    error noted by the last round."""
    from branch_crm.models import Role
    from branch_crm.services.attachments import service
    from branch_crm.services.context import Actor
    from branch_crm.sync.files import FileTransfer

    actor = Actor("staff-counter", "counter", "Counter", Role.COUNTER, "BR001")
    view = run_service(db, actor, service.attach_file, owner_kind="complaint",
                       owner_id=a_complaint(db, actor), data=jpeg(), name="box.jpg")  # fmt: skip
    file_store.path_of(file_store.store_root(db.path), view.sha256).unlink()
    transfer = FileTransfer(db, write=lambda work: work())
    assert transfer.to_fetch() == [(view.sha256, view.size)]
    transfer._note_fetch_error(CUT)


def test_status_page_tooltip_and_round_line_show_the_files_to_fetch(
    qtbot: Any, db: Any, counter: Any
) -> None:
    from branch_crm.services.syncing.service import sync_status
    from branch_crm.ui.sync import texts
    from branch_crm.ui.sync.page import SyncPage, result_text

    with db.session() as session:
        assert sync_status(session=session).files_to_fetch == 0
    _a_missing_file(db)
    with db.session() as session:
        status = sync_status(session=session)
    assert (status.files_to_fetch, status.fetch_error) == (1, CUT)
    tooltip = texts.full_status(replace(status, registered=True, hq_url="http://hq"))
    assert "Files to fetch: 1 file to fetch" in tooltip and CUT in tooltip

    page = SyncPage(make_ctx(db, counter))
    qtbot.addWidget(page)
    page.on_shown()
    qtbot.waitUntil(lambda: page.controller.status is not None)
    page._render()
    assert page.values["fetch"].text() == "1 file to fetch"
    assert page.values["file_error"].text() == CUT
    line = result_text(SyncResult(0, 1, 0, files_fetched=2, fetch_error=CUT))
    assert "2 files fetched" in line and CUT in line


def test_sync_status_on_the_command_line_counts_the_files_to_fetch(
    db: Any, db_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _a_missing_file(db)
    db.dispose()
    _code, out, _err = run_cli(capsys, "--db", str(db_path), "sync", "status")
    assert "files to fetch: 1" in out and f"last fetch error: {CUT}" in out
    _code, out, _err = run_cli(capsys, "--db", str(db_path), "sync", "status", "--json")
    fields = json.loads(out)
    assert (fields["files_to_fetch"], fields["fetch_error"]) == (1, CUT)
