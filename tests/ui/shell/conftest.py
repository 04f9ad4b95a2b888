"""Fixtures of the shell UI tests: they sign in with real staff accounts, so the role
actors are the ``staffed`` accounts and the role contexts of tests/ui/conftest.py use them."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def admin(staffed: dict[str, Any]) -> Any:
    """The first admin (boss)."""
    return staffed["boss"]


@pytest.fixture
def supervisor(staffed: dict[str, Any]) -> Any:
    """The supervisor's account (chen)."""
    return staffed["chen"]


@pytest.fixture
def counter(staffed: dict[str, Any]) -> Any:
    """The counter clerk's account (wang)."""
    return staffed["wang"]


@pytest.fixture
def courier(staffed: dict[str, Any]) -> Any:
    """The courier's account (li)."""
    return staffed["li"]
