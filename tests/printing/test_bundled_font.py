"""The desktop bundle's own Chinese font (resources/fonts) is found when the PC has none."""

from __future__ import annotations

from pathlib import Path

import pytest

from branch_crm.printing import fonts


def test_bundled_folder_is_searched_after_the_system_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = tmp_path / "system"
    bundled = tmp_path / "bundle" / "fonts"
    system.mkdir()
    bundled.mkdir(parents=True)
    (bundled / "wqy-microhei.ttc").write_bytes(b"")  # candidates() looks at names only
    monkeypatch.delenv(fonts.ENV_OVERRIDE, raising=False)
    monkeypatch.setattr(fonts, "system_font_dirs", lambda: [system])
    monkeypatch.setattr(fonts, "bundled_font_dir", lambda: bundled)
    assert fonts.font_dirs() == [system, bundled]
    assert fonts.candidates() == [(bundled / "wqy-microhei.ttc", 0)]
    (system / "simhei.ttf").write_bytes(b"")  # the PC's own font comes first
    assert [path.parent for path, _sub in fonts.candidates()] == [system, bundled]


def test_bundled_folder_is_inside_the_package() -> None:
    folder = fonts.bundled_font_dir()
    assert folder.parts[-3:] == ("branch_crm", "resources", "fonts")
