"""Attachments between PCs (issue 19): the row syncs with the changes, the file goes by hash
in resumable chunks after them, head office checks the hash and serves the file to the
branch's other PCs only, and a PC shows "pending" until the file is there."""

from __future__ import annotations

import hashlib
import os
import time
from typing import Any

import httpx
import pytest
from reliability_support import stored_token_of

from branch_crm.models import AttachmentFile
from branch_crm.services.attachments import service
from branch_crm.sync import files as sync_files
from branch_crm.sync.client import SyncClient
from branch_crm.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, SCHEMA_HEADER
from tests.support.attachments import a_complaint, jpeg
from tests.support.faultproxy import Fault, FaultProxy
from tests.support.services import run_service

FILES = "/api/v1/files/"


def _actor(branch: str) -> Any:
    from branch_crm.models import Role
    from branch_crm.services.context import Actor

    return Actor("staff-counter", "counter", "Counter", Role.COUNTER, branch)


def _scan(size: int) -> bytes:
    """A PDF of about ``size`` bytes that does not compress (a scan)."""
    return b"%PDF-1.4\n" + os.urandom(size) + b"\n%%EOF\n"


def _attach(db: Any, branch: str, complaint: str, data: bytes, name: str) -> Any:
    return run_service(db, _actor(branch), service.attach_file, owner_kind="complaint",
                       owner_id=complaint, data=data, name=name)  # fmt: skip


def _headers(token: str) -> dict[str, str]:
    from branch_crm.db.revisions import head_revision

    return {"Authorization": f"Bearer {token}", SCHEMA_HEADER: head_revision(),
            PROTOCOL_HEADER: str(PROTOCOL_VERSION)}  # fmt: skip


def _upload_state(base_url: str, token: str, sha: str) -> tuple[int, str | None]:
    answer = httpx.head(f"{base_url}{FILES}{sha}", headers=_headers(token))
    return answer.status_code, answer.headers.get("Upload-Offset")


def test_a_photo_reaches_another_pc_of_the_branch(hq: Any, make_branch: Any) -> None:
    db1, client1 = make_branch("BR1", name="pc1")
    db2, client2 = make_branch("BR1", name="pc2")
    complaint = a_complaint(db1, _actor("BR1"))
    view = _attach(db1, "BR1", complaint, jpeg(), "box.jpg")

    first = client1.run_once()
    assert first.error is None and first.file_error is None and first.files_sent == 1
    assert (hq.app.state.files.path(view.sha256)).read_bytes() == view.path.read_bytes()
    again = client1.run_once()  # each file once: nothing sent again
    assert again.files_sent == 0

    assert client2.run_once().error is None
    pending = run_service(db2, _actor("BR1"), service.list_attachments,
                          owner_kind="complaint", owner_id=complaint)  # fmt: skip
    assert [(a.id, a.available) for a in pending] == [(view.id, False)]  # "photo pending"
    assert run_service(db2, _actor("BR1"), service.pending_count) == 1

    path = client2.fetch_file(view.sha256)  # opened on PC 2: fetched on demand
    assert hashlib.sha256(path.read_bytes()).hexdigest() == view.sha256
    shown = run_service(db2, _actor("BR1"), service.get_attachment, attachment_id=view.id)
    assert shown.available
    with db2.session() as session:
        row = session.get(AttachmentFile, view.sha256)
        assert row is not None and row.uploaded_at is not None  # PC 2 never sends it back
    assert client2.run_once().files_sent == 0


def test_an_upload_cut_mid_file_resumes_where_it_stopped(
    hq: Any, make_branch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    chunk = 64 * 1024
    monkeypatch.setattr(sync_files, "CHUNK_BYTES", chunk)
    db, _client = make_branch("BR1", name="pc1")
    complaint = a_complaint(db, _actor("BR1"))
    view = _attach(db, "BR1", complaint, _scan(5 * chunk), "scan.pdf")
    token = stored_token_of(db)
    chunks = -(-view.size // chunk)
    with FaultProxy(hq.base_url) as proxy:
        # requests to files: HEAD, chunk 1, chunk 2 (cut halfway through its body)
        proxy.add_rule(Fault("cut_request", at=0.5), path=FILES, every=3, times=1)
        client = SyncClient(db, base_url=proxy.url, token=token, timeout=30)
        cut = client.run_once()
        assert proxy.stats.faults["cut_request"] == 1
        assert cut.error is None  # the changes went; the file waits
        assert cut.files_sent == 0 and cut.file_error is not None
        assert _upload_state(hq.base_url, token, view.sha256) == (404, str(chunk))

        puts_before = sum(1 for _n, method, _p, _o in proxy.stats.log if method == "PUT")
        resumed = client.run_once()

        def puts() -> int:
            return sum(1 for _n, method, _p, _o in proxy.stats.log if method == "PUT") - puts_before

        # the proxy notes an answered request once it has passed the answer on: wait for it
        deadline = time.monotonic() + 10
        while puts() < chunks - 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        sent_again = puts()
    assert resumed.error is None and resumed.files_sent == 1 and resumed.file_error is None
    assert sent_again == chunks - 1  # the first chunk was not sent again
    assert _upload_state(hq.base_url, token, view.sha256)[0] == 200
    stored = hq.app.state.files.path(view.sha256).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == view.sha256


def test_wrong_hash_is_refused_and_files_stay_within_their_branch(
    hq: Any, make_branch: Any
) -> None:
    db1, client1 = make_branch("BR1", name="pc1")
    db9, _client9 = make_branch("BR9", name="other")
    token1, token9 = stored_token_of(db1), stored_token_of(db9)
    body = b"%PDF-1.4 not what the name says %%EOF"
    claimed = hashlib.sha256(b"something else").hexdigest()
    refused = httpx.put(
        f"{hq.base_url}{FILES}{claimed}",
        content=body,
        headers={**_headers(token1), "Content-Range": f"bytes 0-{len(body) - 1}/{len(body)}"},
    )
    assert refused.status_code == 422 and "do not match its hash" in refused.json()["detail"]
    assert _upload_state(hq.base_url, token1, claimed) == (404, "0")  # nothing kept
    assert not hq.app.state.files.path(claimed).exists()

    complaint = a_complaint(db1, _actor("BR1"))
    view = _attach(db1, "BR1", complaint, jpeg(), "box.jpg")
    assert client1.run_once().files_sent == 1
    url = f"{hq.base_url}{FILES}{view.sha256}"
    assert httpx.get(url, headers=_headers(token1)).content == view.path.read_bytes()
    assert httpx.get(url, headers=_headers(token9)).status_code == 404  # another branch
    anonymous = {k: v for k, v in _headers(token1).items() if k != "Authorization"}
    assert httpx.get(url, headers=anonymous).status_code == 401  # no token
    assert _upload_state(hq.base_url, token9, view.sha256)[0] == 404


def test_a_download_cut_midway_resumes_with_range(hq: Any, make_branch: Any) -> None:
    db1, client1 = make_branch("BR1", name="pc1")
    db2, client2 = make_branch("BR1", name="pc2")
    complaint = a_complaint(db1, _actor("BR1"))
    view = _attach(db1, "BR1", complaint, _scan(300_000), "scan.pdf")
    assert client1.run_once().files_sent == 1
    assert client2.run_once().error is None
    with FaultProxy(hq.base_url) as proxy:
        proxy.add_rule(Fault("cut_response", at=0.5), path=FILES, every=1, times=1)
        client = SyncClient(db2, base_url=proxy.url, token=stored_token_of(db2), timeout=30)
        with pytest.raises(httpx.HTTPError):
            client.fetch_file(view.sha256)
        assert proxy.stats.faults["cut_response"] == 1
        shown = run_service(db2, _actor("BR1"), service.get_attachment, attachment_id=view.id)
        assert not shown.available  # half a file is never shown
        path = client.fetch_file(view.sha256)
        assert proxy.stats.answers[206] == 1  # the rest, not the whole file again
    assert hashlib.sha256(path.read_bytes()).hexdigest() == view.sha256
