"""Background prefetch of attachment files (issue 19): after each round's uploads a PC fetches
the files of its attachment rows it lacks, newest first, within a byte budget per round,
resuming cut downloads with Range; files head office has not got yet are skipped quietly."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest
from reliability_support import stored_token_of

from branch_crm.db import file_store
from branch_crm.services.attachments import service
from branch_crm.services.syncing.service import run_sync, sync_status
from branch_crm.sync import files as sync_files
from branch_crm.sync.client import SyncClient
from tests.support.attachments import a_complaint
from tests.support.faultproxy import Fault, FaultProxy
from tests.support.services import run_service

FILES = "/api/v1/files/"


def _actor(branch: str) -> Any:
    from branch_crm.models import Role
    from branch_crm.services.context import Actor

    return Actor("staff-counter", "counter", "Counter", Role.COUNTER, branch)


def _scan(size: int) -> bytes:
    return b"%PDF-1.4\n" + os.urandom(size) + b"\n%%EOF\n"


def _attach(db: Any, complaint: str, data: bytes, name: str) -> Any:
    return run_service(db, _actor("BR1"), service.attach_file, owner_kind="complaint",
                       owner_id=complaint, data=data, name=name)  # fmt: skip


def _on_disk(db: Any, sha: str) -> bool:
    return file_store.has(file_store.store_root(db.path), sha)


def _status(db: Any) -> Any:
    with db.session() as session:
        return sync_status(session=session)


def test_a_photo_taken_on_pc1_is_on_pc2_without_anyone_opening_it(
    hq: Any, make_branch: Any
) -> None:
    db1, client1 = make_branch("BR1", name="pc1")
    db2, _client2 = make_branch("BR1", name="pc2")
    view = _attach(db1, a_complaint(db1, _actor("BR1")), _scan(50_000), "scan.pdf")
    assert client1.run_once().files_sent == 1

    result = run_sync(db2)  # the app's round: the budget comes from the settings (50 MB)
    assert result.error is None and result.fetch_error is None
    assert result.files_fetched == 1
    path = file_store.path_of(file_store.store_root(db2.path), view.sha256)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == view.sha256
    status = _status(db2)
    assert status.files_to_fetch == 0 and status.fetch_error is None
    assert status.files_waiting == 0  # a fetched file is never sent back
    assert run_sync(db2).files_fetched == 0


def test_a_budget_smaller_than_the_files_spreads_them_over_rounds(
    hq: Any, make_branch: Any
) -> None:
    db1, client1 = make_branch("BR1", name="pc1")
    db2, client2 = make_branch("BR1", name="pc2")
    complaint = a_complaint(db1, _actor("BR1"))
    views = [_attach(db1, complaint, _scan(100_000), f"scan{i}.pdf") for i in range(3)]
    assert client1.run_once().files_sent == 3
    size = views[0].size
    client2.prefetch_bytes = 0

    assert client2.run_once().error is None
    assert _status(db2).files_to_fetch == 3  # rows came; files follow the budget
    client2.prefetch_bytes = size + size // 2
    first = client2.run_once()
    # newest first: the last photo whole, half of the one before, the oldest not yet
    assert first.files_fetched == 1 and first.fetch_error is None
    assert [_on_disk(db2, v.sha256) for v in views] == [False, False, True]
    partial = file_store.store_root(db2.path) / ".partial" / views[1].sha256
    assert partial.stat().st_size == size // 2
    assert _status(db2).files_to_fetch == 2

    second = client2.run_once()
    assert second.files_fetched == 2 and second.fetch_error is None
    for view in views:
        data = file_store.path_of(file_store.store_root(db2.path), view.sha256).read_bytes()
        assert hashlib.sha256(data).hexdigest() == view.sha256
    assert _status(db2).files_to_fetch == 0


def test_a_budget_of_zero_fetches_only_on_demand(hq: Any, make_branch: Any) -> None:
    db1, client1 = make_branch("BR1", name="pc1")
    db2, client2 = make_branch("BR1", name="pc2")
    view = _attach(db1, a_complaint(db1, _actor("BR1")), _scan(10_000), "scan.pdf")
    assert client1.run_once().files_sent == 1
    client2.prefetch_bytes = 0
    assert client2.run_once().files_fetched == 0
    assert not _on_disk(db2, view.sha256) and _status(db2).files_to_fetch == 1


def test_a_cut_download_resumes_at_the_next_round(hq: Any, make_branch: Any) -> None:
    db1, client1 = make_branch("BR1", name="pc1")
    db2, _client2 = make_branch("BR1", name="pc2")
    view = _attach(db1, a_complaint(db1, _actor("BR1")), _scan(300_000), "scan.pdf")
    assert client1.run_once().files_sent == 1
    with FaultProxy(hq.base_url) as proxy:
        proxy.add_rule(Fault("cut_response", at=0.5), path=FILES, every=1, times=1)
        client = SyncClient(db2, base_url=proxy.url, token=stored_token_of(db2), timeout=30,
                            prefetch_bytes=50 * 1024 * 1024)  # fmt: skip
        cut = client.run_once()
        assert proxy.stats.faults["cut_response"] == 1
        assert cut.error is None  # the changes came; the file waits
        assert cut.files_fetched == 0 and cut.fetch_error is not None
        assert not _on_disk(db2, view.sha256)
        status = _status(db2)
        assert status.files_to_fetch == 1 and status.fetch_error == cut.fetch_error

        resumed = client.run_once()
        assert proxy.stats.answers[206] == 1  # the rest, not the whole file again
    assert resumed.error is None and resumed.fetch_error is None
    assert resumed.files_fetched == 1
    data = file_store.path_of(file_store.store_root(db2.path), view.sha256).read_bytes()
    assert hashlib.sha256(data).hexdigest() == view.sha256
    status = _status(db2)
    assert status.files_to_fetch == 0 and status.fetch_error is None


def test_a_file_not_at_head_office_yet_is_skipped_quietly(
    hq: Any, make_branch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    db1, client1 = make_branch("BR1", name="pc1")
    db2, client2 = make_branch("BR1", name="pc2")
    client2.prefetch_bytes = 50 * 1024 * 1024
    view = _attach(db1, a_complaint(db1, _actor("BR1")), _scan(20_000), "scan.pdf")
    with monkeypatch.context() as patch:  # PC 1's rows go, its file does not (yet)
        patch.setattr(sync_files.FileTransfer, "upload_all",
                      lambda self, http: sync_files.UploadReport())  # fmt: skip
        assert client1.run_once().files_sent == 0

    early = client2.run_once()
    assert early.error is None and early.fetch_error is None and early.files_fetched == 0
    status = _status(db2)
    assert status.files_to_fetch == 1 and status.fetch_error is None

    assert client1.run_once().files_sent == 1
    later = client2.run_once()
    assert later.files_fetched == 1 and _on_disk(db2, view.sha256)


def test_the_prefetch_leaves_a_file_being_opened_to_the_user(hq: Any, make_branch: Any) -> None:
    db1, client1 = make_branch("BR1", name="pc1")
    db2, client2 = make_branch("BR1", name="pc2")
    client2.prefetch_bytes = 50 * 1024 * 1024
    view = _attach(db1, a_complaint(db1, _actor("BR1")), _scan(20_000), "scan.pdf")
    assert client1.run_once().files_sent == 1
    with sync_files._fetching(view.sha256, wait=True):  # someone opened it just now
        busy = client2.run_once()
    assert busy.files_fetched == 0 and busy.fetch_error is None
    assert client2.run_once().files_fetched == 1 and _on_disk(db2, view.sha256)
