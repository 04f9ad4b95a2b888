"""The two-branch demo (scripts/two_branches_demo.py) runs end to end through the real CLI,
with a SQLite and with a PostgreSQL head office, and every one of its checks passes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from branch_crm.reference.defaults import default_reference
from tests.support.postgres import no_postgres

pytestmark = pytest.mark.slow
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "two_branches_demo.py"


def _postgres_reachable() -> str | None:
    import psycopg

    from branch_crm.hq.testing import PG_ADMIN_URL

    try:
        url = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, connect_timeout=3):
            return None
    except psycopg.OperationalError as exc:
        return str(exc)


@pytest.mark.parametrize("hq", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_two_branches_demo(hq: str) -> None:
    if hq == "postgresql" and (reason := _postgres_reachable()):
        no_postgres(reason)
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--hq", hq],
        capture_output=True,
        text=True,
        timeout=240,
        env=dict(os.environ),
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[-1] == "demo passed"
    assert sum(line.startswith("ok    ") for line in lines) == 9
    # received: head office's category, the conflict record and the reference rows every PC
    # seeds (head office publishes them too); its own 8 changes (the parked phone among them)
    # come back too but do not count
    received = 2 + len(default_reference())
    assert f"sync done: 8 sent, {received} received, 1 new conflicts" in done.stdout
