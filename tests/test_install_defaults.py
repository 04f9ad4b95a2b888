"""branch-crm.ini: what IT preset at install (/HQURL=, /LANG=) stands in for settings nobody
chose yet; the database's own values win."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from branch_crm import i18n, install_defaults
from branch_crm.services.settings import values


def _write(tmp_path: Path, body: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / install_defaults.FILE_NAME
    path.write_text(body, encoding="utf-8-sig")
    monkeypatch.setenv(install_defaults.ENV_FILE, str(path))
    return path


def test_presets_are_read_and_invalid_ones_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, "[settings]\nlanguage = en\nhq.url = https://hq.example.com\n", monkeypatch)
    assert install_defaults.install_defaults() == {
        "language": "en",
        "hq.url": "https://hq.example.com",
    }
    _write(tmp_path, "[settings]\nlanguage = fr\nhq.url = ftp://x\nother = 1\n", monkeypatch)
    assert install_defaults.install_defaults() == {}
    _write(tmp_path, "[settings]\nlanguage =\nhq.url =\n", monkeypatch)  # left empty: none
    assert install_defaults.install_defaults() == {}
    _write(tmp_path, "not an ini file [", monkeypatch)
    assert install_defaults.install_defaults() == {}


def test_no_file_outside_the_bundle(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(install_defaults.ENV_FILE, raising=False)
    assert install_defaults.defaults_file() is None
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "branch-crm-cli.exe"))
    assert install_defaults.defaults_file() == tmp_path / install_defaults.FILE_NAME
    assert install_defaults.install_defaults() == {}  # the installer wrote none


def test_preset_language_comes_before_the_os_locale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert i18n.system_language() == "zh_CN"
    _write(tmp_path, "[settings]\nlanguage = en\n", monkeypatch)
    assert i18n.system_language() == "en"


def test_preset_head_office_address_until_one_is_saved(
    db, admin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        assert values.get(session, "hq.url") == ""
    _write(tmp_path, "[settings]\nhq.url = https://hq.example.com\n", monkeypatch)
    with db.session() as session:
        assert values.get(session, "hq.url") == "https://hq.example.com"
        values.put(session, admin, "hq.url", "https://other.example.com")
        session.commit()
    with db.session() as session:
        assert values.get(session, "hq.url") == "https://other.example.com"
