"""``branch-crm`` on a desktop whose Qt display plugin lacks system libraries: every missing
library and the packages to install are named (Qt would abort naming only the first)."""

from __future__ import annotations

import pytest

from branch_crm.cli import app, main, qt_platform

MISSING = qt_platform.Missing(
    plugin="xcb",
    libraries=("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"),
    packages=("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1"),
    unknown=(),
)


def test_missing_display_libraries_are_all_named(monkeypatch, capsys, tmp_path) -> None:
    monkeypatch.setattr(app, "check_display", lambda: MISSING)
    code = main(["--lang", "en", "--db", str(tmp_path / "branch.db")])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert "xcb" in err and "libxcb-cursor.so.0 libxcb-icccm.so.4 libxcb-keysyms.so.1" in err
    assert "sudo apt-get install -y libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in err
    assert not (tmp_path / "branch.db").exists()  # nothing was started


def test_chinese_message(monkeypatch, capsys, tmp_path) -> None:
    monkeypatch.setattr(app, "check_display", lambda: MISSING)
    assert main(["--lang", "zh_CN", "--db", str(tmp_path / "branch.db")]) == 2
    err = capsys.readouterr().err
    assert "libxcb-cursor0" in err and "缺少" in err


@pytest.mark.parametrize("platform", ["offscreen", "minimal"])
def test_no_display_no_check(platform, monkeypatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", platform)
    monkeypatch.setenv("DISPLAY", ":0")
    assert qt_platform.check_display() is None
