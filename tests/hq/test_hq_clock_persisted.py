"""Issue 10 item 8, head office's half: its clock survives a restart, and a write of head
office always stamps a row's columns later than the stamps the row already carries -- so
replicas converge even when head office's machine clock goes back, or two service workers
keep clocks of their own.

The machine clock is set back by patching ``branch_crm.sync.hlc.wall_ms`` (what head office's
:class:`~branch_crm.sync.hlc.HybridClock` reads); branch PCs stamp in SQLite and are not
affected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hq_push_support import REFERENCE, pc_value, reference_value
from sqlalchemy import select

from branch_crm.hq import tables as t
from branch_crm.hq.admin import write_reference
from branch_crm.hq.db import write_transaction
from branch_crm.hq.testing import registered_branch, running_hq
from branch_crm.sync import codec, hlc
from branch_crm.sync.client import SyncClient
from tests.support.sync import add_customer

DAY_MS = 86_400_000


def _set_back(monkeypatch: pytest.MonkeyPatch, ms: int) -> None:
    real = hlc.wall_ms
    monkeypatch.setattr(hlc, "wall_ms", lambda: real() - ms)


def _newest_stamp(engine: Any) -> str:
    with engine.connect() as conn:
        clocks = conn.scalars(select(t.row_clock.c.clocks))
        return max(stamp for text in clocks for stamp in codec.decode_clocks(text).values())


def test_a_reference_edit_after_the_clock_went_back_still_wins_at_every_pc(
    hq_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_hq(hq_url) as server:
        pcs = [
            registered_branch(
                server.base_url, tmp_path / f"{n}.db", "BR1", server.add_branch("BR1")
            )
            for n in ("a", "b")
        ]
        with write_transaction(server.engine) as conn:
            ref = write_reference(conn, "reference_code", REFERENCE)
        for _db, client in pcs:
            assert client.run_once().error is None
    _set_back(monkeypatch, DAY_MS)  # head office restarts on a machine a day behind
    with running_hq(hq_url) as server:
        with write_transaction(server.engine) as conn:
            write_reference(conn, "reference_code", {"name_en": "Delayed"}, pk=ref)
        for db, client in pcs:
            again = SyncClient(db, base_url=server.base_url, token=client.token)
            assert again.run_once().error is None
        assert reference_value(server.engine, ref, "name_en") == "Delayed"
        # was: "Late" -- the PCs kept the older value, its stamp being newer than the edit's
        assert [pc_value(db, ref, "name_en") for db, _client in pcs] == ["Delayed", "Delayed"]
    for db, _client in pcs:
        db.dispose()


def test_after_a_restart_the_service_stamps_later_than_what_it_admitted(
    hq_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_hq(hq_url) as server:
        db1, c1 = registered_branch(
            server.base_url, tmp_path / "one.db", "BR1", server.add_branch("BR1")
        )
        db2, c2 = registered_branch(
            server.base_url, tmp_path / "two.db", "BR2", server.add_branch("BR2")
        )
        add_customer(db1, "BR1", "张三", "13800001111")
        assert c1.run_once().error is None
        admitted = _newest_stamp(server.engine)
    _set_back(monkeypatch, DAY_MS)
    with running_hq(hq_url) as server:
        add_customer(db2, "BR2", "张先生", "13800001111")
        again = SyncClient(db2, base_url=server.base_url, token=c2.token)
        result = again.run_once()
        assert result.error is None and result.conflicts == 1
        with server.engine.connect() as conn:
            (clocks,) = conn.execute(
                select(t.row_clock.c.clocks).where(t.row_clock.c.table_name == "sync_conflict")
            ).one()
        written = min(codec.decode_clocks(clocks).values())
        assert written > admitted  # was: a day older than what head office already held
    db1.dispose()
    db2.dispose()


def test_two_clocks_a_day_apart_still_order_writes_of_one_row(
    hq_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers (or the command line and the service) with clocks of their own: the one
    behind still writes later than what the row holds."""
    with running_hq(hq_url) as server:
        with write_transaction(server.engine) as conn:
            ref = write_reference(conn, "reference_code", REFERENCE)
        with server.engine.begin() as conn:
            conn.execute(t.state.delete())  # no persisted high-water mark to help
        _set_back(monkeypatch, DAY_MS)
        with write_transaction(server.engine) as conn:
            write_reference(conn, "reference_code", {"name_en": "Behind"}, pk=ref)
        with server.engine.connect() as conn:
            (clocks,) = conn.execute(
                select(t.row_clock.c.clocks).where(t.row_clock.c.pk == ref)
            ).one()
        stamps = codec.decode_clocks(clocks)
        assert stamps["name_en"] > stamps["name_zh"]
