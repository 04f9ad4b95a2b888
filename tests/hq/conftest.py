"""Fixtures of the head-office tests (``hq_url`` is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hq_push_support import Office, office_at


@pytest.fixture
def office(hq_url: str) -> Iterator[Office]:
    """A head office on loopback with one registered branch PC, for raw pushes and pulls."""
    with office_at(hq_url) as office:
        yield office
