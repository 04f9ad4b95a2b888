"""PostgreSQL for tests: a fresh database, or the test skipped with the reason (failed
instead under CI or ``BRANCH_CRM_REQUIRE_POSTGRES``, where a server must be there)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import pytest


def no_postgres(reason: object) -> NoReturn:
    """Skip the test because no PostgreSQL server answered, or fail it where one must."""
    from branch_crm.hq.testing import postgres_required

    message = f"PostgreSQL at 127.0.0.1:5432 is not reachable: {reason}"
    if postgres_required():
        pytest.fail(f"{message} (CI or BRANCH_CRM_REQUIRE_POSTGRES: these tests must run)")
    pytest.skip(message)


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """The URL of a uniquely named PostgreSQL database, dropped afterwards."""
    from branch_crm.hq.testing import PostgresUnavailable, postgres_database

    try:
        with postgres_database() as url:
            yield url
    except PostgresUnavailable as exc:
        no_postgres(exc)
