"""The attachment files in the sync status: how many wait to be sent and why the last one
did not go, on the Sync page, the status bar's line and tooltip, a round's line, and
``branch-crm sync status`` / ``sync``."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from branch_crm.models import AttachmentFile
from branch_crm.sync.client import SyncResult
from branch_crm.timeutil import utcnow
from tests.support.cli_help import run_cli
from tests.support.ui import make_ctx

REFUSED = "head office answered 507 Insufficient Storage"


def _files(db: Any) -> None:
    now = utcnow()
    with db.session() as session:
        session.add_all(
            [
                AttachmentFile(
                    sha256="a" * 64, size=10, stored_at=now, failures=3, last_error=REFUSED
                ),
                AttachmentFile(sha256="b" * 64, size=10, stored_at=now - timedelta(minutes=1)),
                AttachmentFile(
                    sha256="c" * 64,
                    size=10,
                    stored_at=now,
                    uploaded_at=now,
                    last_error="an old error, since sent",
                ),
            ]
        )
        session.commit()


def test_the_status_counts_the_files_waiting_and_says_the_last_file_error(db: Any) -> None:
    from branch_crm.services.syncing.service import sync_status

    with db.session() as session:
        empty = sync_status(session=session)
    assert (empty.files_waiting, empty.file_error) == (0, None)
    _files(db)
    with db.session() as session:
        status = sync_status(session=session)
    assert (status.files_waiting, status.file_error) == (2, REFUSED)


def test_sync_page_status_bar_and_round_line_show_the_files(
    qtbot: Any, db: Any, counter: Any
) -> None:
    from branch_crm.i18n import set_language
    from branch_crm.ui.sync.page import SyncPage, result_text

    _files(db)
    page = SyncPage(make_ctx(db, counter))
    qtbot.addWidget(page)
    page.on_shown()
    qtbot.waitUntil(lambda: page.controller.status is not None)
    page._render()
    assert page.values["files"].text() == "2 files waiting"
    assert page.values["file_error"].text() == REFUSED
    round_line = result_text(SyncResult(1, 0, 0, files_sent=2, file_error=REFUSED))
    assert "2 files sent" in round_line and REFUSED in round_line
    assert "file" not in result_text(SyncResult(1, 0, 0))
    try:
        set_language("zh_CN")
        page.retranslate_ui()
        assert page.labels["files"].text() != "Files waiting to send:"
        assert "2" in page.values["files"].text()
        assert page.values["files"].text() != "2 files waiting"
    finally:
        set_language("en")


def test_the_status_bar_line_names_the_files_when_registered(db: Any) -> None:
    from dataclasses import replace

    from branch_crm.services.syncing.service import sync_status
    from branch_crm.ui.sync import texts

    _files(db)
    with db.session() as session:
        status = replace(sync_status(session=session), registered=True, hq_url="http://hq")
    assert "2 files waiting" in texts.short_status(status, running=False)
    tooltip = texts.full_status(status)
    assert "Files: 2 files waiting" in tooltip and REFUSED in tooltip
    quiet = replace(status, files_waiting=0, file_error=None)
    assert "file" not in texts.short_status(quiet, running=False)


def test_sync_status_on_the_command_line(
    db: Any, db_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _files(db)
    db.dispose()
    _code, out, _err = run_cli(capsys, "--db", str(db_path), "sync", "status")
    assert "files waiting to send: 2" in out
    assert f"last file error: {REFUSED}" in out
    _code, out, _err = run_cli(capsys, "--db", str(db_path), "sync", "status", "--json")
    fields = json.loads(out)
    assert (fields["files_waiting"], fields["file_error"]) == (2, REFUSED)


def test_a_round_on_the_command_line_says_the_files_sent_and_the_file_error(
    db: Any, db_path: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from branch_crm.services.syncing import service

    db.dispose()
    done = SyncResult(3, 1, 0, files_sent=2, file_error=REFUSED)
    monkeypatch.setattr(service, "run_sync", lambda _db: done)
    code, out, err = run_cli(capsys, "--db", str(db_path), "sync")
    assert code == 0
    assert "sync done: 3 sent, 1 received, 0 new conflicts, 2 files sent" in out
    assert REFUSED in err and "tried again at the next sync" in err
