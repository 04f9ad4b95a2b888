"""Fixtures of the printing tests: fonts chosen afresh around tests that change the search."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def fresh_fonts() -> Iterator[None]:
    """Forget the chosen fonts before and after the test."""
    from branch_crm.printing import fonts

    fonts.reset()
    yield
    fonts.reset()


@pytest.fixture
def fallback_fonts(monkeypatch: pytest.MonkeyPatch, fresh_fonts: None) -> None:
    """No system font is found: printing must use the built-in STSong-Light."""
    from branch_crm.printing import fonts

    monkeypatch.setattr(fonts, "SEARCH_LIST", [("no-such-font.ttf", 0)])
    monkeypatch.delenv(fonts.ENV_OVERRIDE, raising=False)
