"""The register dialog starts with the head-office address IT preset at install (/HQURL=,
branch-crm.ini) on a PC that was never registered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.ui import make_ctx


def test_dialog_offers_the_preset_address(
    qtbot: Any, db: Any, admin: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from branch_crm import install_defaults
    from branch_crm.ui.sync.controller import controller_for
    from branch_crm.ui.sync.register_dialog import RegisterDialog

    ini = tmp_path / install_defaults.FILE_NAME
    ini.write_text("[settings]\nhq.url = https://hq.example.com\n", encoding="utf-8")
    monkeypatch.setenv(install_defaults.ENV_FILE, str(ini))
    ctx = make_ctx(db, admin)
    controller_for(ctx).refresh_status()
    dialog = RegisterDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.url.text() == "https://hq.example.com"
