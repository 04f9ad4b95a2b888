"""Head office's refusals come back in the caller's language (``Accept-Language``; English
without one), and a branch PC in Chinese shows them without English words. The language
of an answer does not depend on the database, so one SQLite head office serves the module."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from branch_crm.hq.errors import Forbidden
from branch_crm.hq.testing import HqServer, registered_branch, running_hq
from branch_crm.i18n import (
    N_,
    _,
    current_language,
    http_language,
    language_from_header,
    set_language,
    translator,
)
from branch_crm.sync.client import SyncClient
from branch_crm.sync.protocol import PROTOCOL_HEADER, SCHEMA_HEADER, PushRequest

CJK = re.compile(r"[\u4e00-\u9fff]")
LETTERS = re.compile(r"[A-Za-z]")
LIMIT = 4000


@dataclass
class Office:
    """A head office with branch BR1 registered over HTTP (``token``)."""

    server: HqServer
    token: str


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    path = tmp_path_factory.mktemp("hq") / "hq.db"
    with running_hq(f"sqlite+pysqlite:///{path}", max_request_bytes=LIMIT) as server:
        code = server.add_branch("BR1", "一号网点")
        server.add_branch("BR2", "二号网点")
        answer = httpx.post(
            f"{server.base_url}/api/v1/register", json={"code": code, "branch": "BR1"}
        )
        assert answer.status_code == 200, answer.text
        yield Office(server, answer.json()["token"])


@pytest.fixture
def chinese() -> Iterator[None]:
    """The app's language is Simplified Chinese for this test."""
    set_language("zh_CN")
    try:
        yield
    finally:
        set_language("en")


SYNC = {SCHEMA_HEADER: "0003", PROTOCOL_HEADER: "1"}


def _refusals(office: Office, language: str | None) -> dict[str, httpx.Response]:
    """One answer per kind of refusal, asked for in ``language`` (no header when None)."""
    wanted = {} if language is None else {"Accept-Language": language}
    own = {**SYNC, **wanted, "Authorization": f"Bearer {office.token}"}
    other = PushRequest(
        branch="BR2", node="n1", batch_id=str(uuid.uuid4()), schema_version="0003", changes=[]
    )

    def chunks() -> Iterator[bytes]:
        for _index in range(10):
            yield b"y" * 500

    with httpx.Client(base_url=office.server.base_url) as http:
        return {
            "bad token": http.get(
                "/api/v1/sync/pull", headers={**SYNC, **wanted, "Authorization": "Bearer nope"}
            ),
            "other branch": http.post(
                "/api/v1/sync/push", content=other.model_dump_json(), headers=own
            ),
            "no schema": http.get("/api/v1/sync/pull", headers={**wanted, PROTOCOL_HEADER: "1"}),
            "malformed": http.post("/api/v1/register", json={"code": "ABCD-EFGH"}, headers=wanted),
            "too large": http.post("/api/v1/sync/push", content=b"x" * (LIMIT + 1), headers=wanted),
            # no Content-Length: the limit is found while the body streams in
            "too large, streamed": http.post("/api/v1/register", content=chunks(), headers=wanted),
        }


def test_refusals_in_chinese_when_asked(office: Office) -> None:
    answers = _refusals(office, "zh-CN")
    details = {kind: answer.json()["detail"] for kind, answer in answers.items()}
    assert [answer.status_code for answer in answers.values()] == [401, 403, 409, 422, 413, 413]
    assert details["bad token"] == "总部不认识这个令牌。请重新注册这台电脑。"
    assert details["other branch"] == "此令牌属于网点 BR1，不能替网点 BR2 上传数据。"
    assert details["no schema"] == "请求中没有注明数据库结构版本。"
    assert details["malformed"].startswith(
        "请求格式有误（位置 body.branch）："
    )  # pydantic's own words follow
    assert (
        details["too large"] == details["too large, streamed"] == f"请求过大（上限 {LIMIT} 字节）。"
    )
    assert all(answer.headers["content-language"] == "zh-CN" for answer in answers.values())


@pytest.mark.parametrize("language", [None, "en", "en-US,en;q=0.9", "fr-FR"])
def test_refusals_in_english_otherwise(office: Office, language: str | None) -> None:
    answers = _refusals(office, language)
    details = {kind: answer.json()["detail"] for kind, answer in answers.items()}
    assert [answer.status_code for answer in answers.values()] == [401, 403, 409, 422, 413, 413]
    assert (
        details["bad token"] == "Head office does not know this token. Register the branch again."
    )
    assert details["other branch"] == "This token belongs to branch BR1; it cannot push for BR2."
    assert details["no schema"] == "The request does not say its schema version."
    assert details["malformed"] == "Malformed request at body.branch: Field required"
    assert (
        details["too large"]
        == details["too large, streamed"]
        == f"Request too large (limit {LIMIT} bytes)."
    )
    assert not any(CJK.search(detail) for detail in details.values())
    assert all(answer.headers["content-language"] == "en" for answer in answers.values())


def test_reference_table_and_unknown_table_quarantined_in_chinese(office: Office) -> None:
    """Quarantined, not refused as a whole (issue 10 item 5): the supervisors of the PC read
    why in its language, on the rejected change head office records for them."""

    def push(table: str) -> tuple[httpx.Response, str]:
        pk = str(uuid.uuid4())
        change = {"table": table, "pk": pk, "op": "insert"}
        change |= {"data": {"branch_id": "BR1", "code": "x"}, "hlc": "0000001000000:0000:n1"}
        change |= {"tx": 1, "schema_version": "0003"}
        body = {"branch": "BR1", "node": "n1", "batch_id": str(uuid.uuid4())}
        body |= {"schema_version": "0003", "changes": [change]}
        headers = {**SYNC, "Authorization": f"Bearer {office.token}", "Accept-Language": "zh"}
        url = f"{office.server.base_url}/api/v1/sync/push"
        return httpx.post(url, json=body, headers=headers), pk

    def detail(pk: str) -> str:
        with office.server.engine.connect() as conn:
            query = "SELECT detail FROM sync_rejected_change WHERE row_id = ?"
            return str(conn.exec_driver_sql(query, (pk,)).scalar())

    (reference, ref_pk), (unknown, unknown_pk) = push("reference_code"), push("no_such_table")
    assert reference.status_code == 200, reference.text
    assert reference.json()["rejected"][0]["reason"] == "forbidden"
    assert detail(ref_pk) == "reference_code 是总部的参考数据，网点 BR1 不能修改。"
    assert unknown.status_code == 200, unknown.text
    assert unknown.json()["rejected"][0]["reason"] == "invalid"
    assert detail(unknown_pk) == "未知的数据表“no_such_table”"


def test_chinese_branch_pc_reads_a_refused_token_without_english(
    office: Office, tmp_path: Path, chinese: None
) -> None:
    base = office.server.base_url
    db, client = registered_branch(base, tmp_path / "b.db", "BR1", office.server.add_branch("BR1"))
    try:
        forged = SyncClient(db, base_url=base, token=client.token + "x")
        result = forged.run_once()
        assert result.error == "总部不接受本网点的令牌（总部不认识这个令牌。请重新注册这台电脑）。"
        assert not LETTERS.search(result.error)
    finally:
        db.dispose()


def test_chinese_registration_refusal_without_english(
    office: Office, tmp_path: Path, chinese: None
) -> None:
    from branch_crm.db import open_database
    from branch_crm.services.settings import values as app_settings
    from branch_crm.services.syncing.service import SyncError, register_branch

    db = open_database(tmp_path / "c.db")
    try:
        with db.session() as session:
            app_settings.put(session, None, "branch.code", "BR1")
            with pytest.raises(SyncError) as refused:
                register_branch(session=session, url=office.server.base_url, code="AAAA-BBBB-CCCC")
        assert CJK.search(refused.value.message) and not LETTERS.search(refused.value.message)
    finally:
        db.dispose()


def test_english_branch_pc_sends_en_and_reads_english(office: Office, tmp_path: Path) -> None:
    base = office.server.base_url
    db, client = registered_branch(base, tmp_path / "e.db", "BR1", office.server.add_branch("BR1"))
    try:
        with client._http() as http:  # the headers every round sends
            assert http.headers["accept-language"] == "en"
        result = SyncClient(db, base_url=base, token=client.token + "x").run_once()
        assert result.error is not None and "does not know this token" in result.error
    finally:
        db.dispose()


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("", "en"),
        ("zh-CN", "zh_CN"),
        ("zh", "zh_CN"),
        ("ZH-cn", "zh_CN"),
        ("zh_CN", "zh_CN"),
        ("zh-Hans;q=0.9, en;q=0.8", "zh_CN"),
        ("zh-Hans-CN", "zh_CN"),
        ("zh-TW", "zh_CN"),  # the only Chinese shipped
        ("en-US", "en"),
        ("en, zh-CN", "en"),  # equal weights: the first named wins
        ("en;q=0.5, zh-CN", "zh_CN"),  # the heavier wins wherever it stands
        ("fr-FR, de;q=0.9", "en"),
        ("fr, zh;q=0.3", "zh_CN"),
        ("zh-CN;q=0, en;q=0.1", "en"),  # q=0: not acceptable
        ("zh-CN;q=abc, fr", "en"),  # a malformed weight drops its entry
        ("*", "en"),
        (" , ;q=1", "en"),
    ],
)
def test_accept_language_header(header: str | None, language: str) -> None:
    assert language_from_header(header) == language


def test_http_language() -> None:
    assert http_language("zh_CN") == "zh-CN" and http_language("en") == "en"
    assert http_language() == "en"  # tests run in English


def test_error_keeps_english_detail_and_renders_in_chinese() -> None:
    error = Forbidden(N_("This registration code is not for branch {branch}."), branch="BR9")
    assert error.detail == str(error) == "This registration code is not for branch BR9."
    assert error.render(translator("zh_CN")) == "此注册码不是发给网点 BR9 的。"
    assert error.render(translator("en")) == error.detail
    assert error.render(lambda _message: "{unknown}") == error.detail  # a broken translation
    with pytest.raises(KeyError):  # a raise site that forgot a value fails at once
        Forbidden(N_("This registration code is not for branch {branch}."), code="BR9")


def test_translating_in_a_thread_leaves_the_process_language_alone() -> None:
    message = "Head office does not know this token. Register the branch again."
    seen: list[str] = []

    def work() -> None:
        chinese = translator("zh_CN")
        seen.extend(chinese(message) for _index in range(100))

    threads = [threading.Thread(target=work) for _index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(seen) == {"总部不认识这个令牌。请重新注册这台电脑。"}
    assert current_language() == "en" and _(message) == message
    with pytest.raises(ValueError, match="unsupported"):
        translator("fr")
