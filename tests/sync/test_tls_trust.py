"""TLS to head office (sync.tls): a real local HTTPS server whose certificate comes from a
private CA is trusted through the CA-file setting, and refused, in clear words in the
user's language, when that CA is not trusted (not in the OS store, nor the file)."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest

from branch_crm.db import open_database
from branch_crm.i18n import set_language
from branch_crm.services.settings import values as settings
from branch_crm.services.syncing import service
from branch_crm.services.syncing.service import SyncError
from branch_crm.sync.client import SyncClient
from branch_crm.sync.protocol import RegisterRequest
from branch_crm.sync.tls import CaFileError, certificate_problem, ssl_context
from tests.support.tls import Pki, https_server, make_pki

pytest.importorskip("truststore")

ANSWER = {"token": "t" * 40, "branch": "BR001", "branch_name": "Test branch", "pc_code": None}
BODY = RegisterRequest(code="ABCD-1234", branch="BR001")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def test_the_ca_file_setting_trusts_a_private_ca(pki: Pki) -> None:
    with https_server(pki, {"/api/v1/register": ANSWER}) as url:
        answer = service._send_registration(url, BODY, None, str(pki.ca_file))
    assert answer.branch_name == "Test branch"


def test_the_os_store_does_not_know_a_private_ca(pki: Pki) -> None:
    context = ssl_context()
    assert type(context).__module__.startswith("truststore")
    with https_server(pki, {"/": {}}) as url, pytest.raises(httpx.ConnectError) as refused:
        httpx.get(url + "/", verify=context)
    assert certificate_problem(refused.value)
    assert certificate_problem(httpx.ConnectError("connection refused")) is None


def test_another_ca_file_does_not_trust_it_either(pki: Pki, tmp_path: Path) -> None:
    other = make_pki(tmp_path, ca_name="Someone Else's CA")
    with (
        https_server(pki, {"/api/v1/register": ANSWER}) as url,
        pytest.raises(SyncError) as refused,
    ):
        service._send_registration(url, BODY, None, str(other.ca_file))
    text = refused.value.message
    assert f"Head office at {url} showed a certificate this PC does not trust" in text
    assert "CA certificate file in the settings" in text


def test_a_missing_or_broken_ca_file_is_said(tmp_path: Path) -> None:
    with pytest.raises(CaFileError):
        ssl_context(tmp_path / "none.pem")
    broken = tmp_path / "broken.pem"
    broken.write_text("not a certificate", encoding="utf-8")
    with pytest.raises(CaFileError):
        ssl_context(broken)
    with pytest.raises(SyncError) as refused:
        service._send_registration("https://127.0.0.1:9", BODY, None, str(broken))
    assert f"The CA certificate file {broken} in the settings cannot be used" in str(
        refused.value.message
    )


def test_a_sync_round_says_why_in_the_users_language(pki: Pki, db, tmp_path: Path) -> None:
    other = make_pki(tmp_path, ca_name="Someone Else's CA")
    with https_server(pki, {}) as url:
        result = SyncClient(db, base_url=url, token="x", ca_file=str(other.ca_file)).run_once()
        assert result.error is not None and "does not trust" in result.error
        set_language("zh_CN")
        result = SyncClient(db, base_url=url, token="x").run_once()  # the OS store
        assert result.error is not None and "不受本机信任" in result.error
        set_language("en")
        trusted = SyncClient(db, base_url=url, token="x", ca_file=str(pki.ca_file)).run_once()
    # trusted: past TLS, head office's (stand-in's) answer is what stops it
    assert trusted.error is not None and "trust" not in trusted.error


def test_run_sync_uses_the_setting(pki: Pki, db, monkeypatch) -> None:
    from branch_crm.services.context import system_actor, unit_of_work

    with unit_of_work(db, system_actor("BR001")) as session:
        settings.put(session, None, "hq.ca_file", str(pki.ca_file))
    used: list[str | None] = []
    real = SyncClient.__init__

    def spy(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        used.append(kwargs.get("ca_file"))
        real(self, *args, **kwargs)

    monkeypatch.setattr(SyncClient, "__init__", spy)
    monkeypatch.setattr(service.tokens, "load_token", lambda _node: "token")
    with db.session() as session:
        service._state(session).hq_url = "https://127.0.0.1:9"
        session.commit()
    service.run_sync(db)
    assert used == [str(pki.ca_file)]
    assert isinstance(ssl_context(str(pki.ca_file)), ssl.SSLContext)


def test_sync_register_takes_a_ca_file(pki: Pki, db, db_path, tmp_path, capsys) -> None:
    from branch_crm import cli

    db.dispose()
    with https_server(pki, {"/api/v1/register": ANSWER}) as url:
        command = ["--lang", "en", "--db", str(db_path), "sync", "register", url, "ABCD-1234"]
        assert cli.main(command) == 2  # the PC's store does not know the office's CA
        assert "does not trust" in capsys.readouterr().err
        assert cli.main([*command, "--ca-file", str(tmp_path / "none.pem")]) == 2
        assert "No such file" in capsys.readouterr().err
        assert cli.main([*command, "--ca-file", str(pki.ca_file)]) == 0
    assert "registered as branch BR001" in capsys.readouterr().out
    reopened = open_database(db_path)
    try:
        with reopened.session() as session:
            assert settings.get(session, "hq.ca_file") == str(pki.ca_file.resolve())
    finally:
        reopened.dispose()
