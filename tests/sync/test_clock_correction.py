"""Clocks at the branch (issue 10, item 8): every round measures the PC clock against head
office's before pushing, corrects the offset and the stamps of the changes still queued (a
slow PC's offline edit is ordered by true time), brings back an HLC left far ahead by a clock
that was wrong, and a PC far off is warned on screen."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import httpx
import pytest
from oracle import assert_converged, outbox_empty
from reliability_support import assert_exactly_once
from sqlalchemy import func, select

from branch_crm.hq import tables as t
from branch_crm.sync.clock import CLOCK_CORRECTION_MS, restamp_queue
from branch_crm.sync.hlc import Hlc, parse
from branch_crm.sync.outbox import next_batch
from tests.support.sync import add_customer, column, edit_customer

pytestmark = pytest.mark.slow
DAY_MS = 86_400_000
YEAR_MS = 365 * DAY_MS


def _ok(result: Any) -> Any:
    assert result.error is None, result.error
    return result


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _state(db: Any, name: str) -> int:
    with sqlite3.connect(db.path) as raw:
        return int(raw.execute(f"SELECT {name} FROM sync_state").fetchone()[0])


def _set_state(db: Any, **values: int) -> None:
    sets = ", ".join(f"{name} = ?" for name in values)
    with sqlite3.connect(db.path) as raw:
        raw.execute(f"UPDATE sync_state SET {sets}", tuple(values.values()))


def _queued_stamps(db: Any) -> list[tuple[str, str | None]]:
    with sqlite3.connect(db.path) as raw:
        rows = raw.execute("SELECT hlc, batch_id FROM sync_outbox ORDER BY seq").fetchall()
    return [(str(hlc), batch) for hlc, batch in rows]


def test_a_slow_pcs_later_edit_wins(hq: Any, make_branch: Any) -> None:
    db_ok, c_ok = make_branch("BR1", name="ok")
    db_slow, c_slow = make_branch("BR1", name="slow")
    customer = add_customer(db_ok, "BR1", "张三")
    _ok(c_ok.run_once())
    _ok(c_slow.run_once())
    _set_state(db_slow, clock_offset_ms=-DAY_MS)  # the PC clock goes a day slow
    edit_customer(db_ok, "BR1", customer, notes="first, on the correct PC")
    _ok(c_ok.run_once())
    edit_customer(db_slow, "BR1", customer, notes="second, on the slow PC")  # offline
    _ok(c_slow.run_once())  # measured before it pushes: the queued edit is shifted
    _ok(c_ok.run_once())
    for db in (db_ok, db_slow):
        assert column(db, "customer", customer, "notes") == "second, on the slow PC"
    assert abs(_state(db_slow, "clock_offset_ms")) < CLOCK_CORRECTION_MS  # made up for
    with sqlite3.connect(db_ok.path) as raw:  # nothing was lost on the way
        assert raw.execute("SELECT COUNT(*) FROM sync_rejected_change").fetchone()[0] == 0
    assert_converged(hq.engine, [(db_ok, "BR1"), (db_slow, "BR1")])


def test_a_pc_whose_clock_was_years_ahead_stamps_by_true_time_again(
    hq: Any, make_branch: Any
) -> None:
    db_back, c_back = make_branch("BR1", name="was_ahead")
    db_ok, c_ok = make_branch("BR1", name="ok")
    customer = add_customer(db_ok, "BR1", "李四")
    _ok(c_ok.run_once())
    _ok(c_back.run_once())
    _set_state(db_back, hlc_ms=_now_ms() + 3 * YEAR_MS)  # stamped in 2029, clock since fixed
    _ok(c_back.run_once())
    assert abs(_state(db_back, "hlc_ms") - _now_ms()) < CLOCK_CORRECTION_MS
    edit_customer(db_back, "BR1", customer, notes="earlier, on the PC that was ahead")
    (stamp, _batch), *_ = _queued_stamps(db_back)
    assert parse(stamp).ms < _now_ms() + CLOCK_CORRECTION_MS
    edit_customer(db_ok, "BR1", customer, notes="later, on the other PC")
    _ok(c_ok.run_once())
    _ok(c_back.run_once())
    _ok(c_ok.run_once())
    for db in (db_ok, db_back):
        assert column(db, "customer", customer, "notes") == "later, on the other PC"
    assert_converged(hq.engine, [(db_ok, "BR1"), (db_back, "BR1")])


def test_queued_stamps_shift_in_order_and_arrive_exactly_once(hq: Any, make_branch: Any) -> None:
    db, client = make_branch("BR1", name="slow", batch_size=4)
    first = add_customer(db, "BR1", "王五", "13800000001")
    captured = _ok(client.run_once()).pushed
    edit_customer(db, "BR1", first, notes="edit 0")
    sent = next_batch(db.engine, 4)  # sent, but its answer was lost: head office holds it
    assert sent is not None and len(sent.rows) == len(_queued_stamps(db))
    with httpx.Client(base_url=client.base_url, headers=client._http().headers) as http:
        client._send(http, sent, client._body(sent))
    # then offline for days, and the clock went a day slow: stamps from the wrong clock
    _set_state(db, clock_offset_ms=-DAY_MS, hlc_ms=_now_ms() - 3 * DAY_MS)
    for i in (1, 2):  # the same row edited again, new rows
        edit_customer(db, "BR1", first, notes=f"edit {i}")
        add_customer(db, "BR1", f"客户{i}", f"1380000001{i}")
    before = _queued_stamps(db)
    captured += len(before)

    _ok(client.run_once())

    with hq.engine.connect() as conn:
        log = t.change_log
        logged = conn.scalars(
            select(log.c.hlc).where(log.c.origin == client.node_id).order_by(log.c.seq)
        )
        stamps = [str(hlc) for hlc in logged if str(hlc).endswith(client.node_id)][-len(before) :]
        rejected = conn.scalar(
            select(func.count()).select_from(t.ENTITIES["sync_rejected_change"][0])
        )
    assert rejected == 0  # nothing lost to an older stamp
    marked = [hlc for hlc, batch in before if batch == sent.batch_id]
    assert stamps[: len(marked)] == marked  # the batch head office holds kept its stamps
    shifted, originals = stamps[len(marked) :], [hlc for hlc, batch in before if batch is None]
    assert shifted == sorted(shifted) and len(set(shifted)) == len(shifted)
    assert shifted[0] > marked[-1]
    for new, old in zip(shifted, originals, strict=True):  # a day later: the true time
        assert abs(parse(new).ms - parse(old).ms - DAY_MS) < CLOCK_CORRECTION_MS
        assert parse(new).ms <= _now_ms()
    assert outbox_empty(db)
    assert_exactly_once(hq.engine, db, captured)
    assert column(db, "customer", first, "notes") == "edit 2"
    assert_converged(hq.engine, [(db, "BR1")])


def _outbox_with(db: Any, stamps: list[tuple[Hlc, str | None]]) -> None:
    with sqlite3.connect(db.path) as raw:
        raw.execute("DELETE FROM sync_outbox")
        raw.executemany(
            "INSERT INTO sync_outbox (tx_id, table_name, pk, op, data, hlc, schema_version,"
            " batch_id) VALUES (1, 'customer', 'x', 'update', '{}', ?, '0012', ?)",
            [(str(stamp), batch) for stamp, batch in stamps],
        )


def test_restamping_keeps_the_queue_in_order_and_never_after_the_present(db: Any) -> None:
    now = 1_900_000_000_000
    _outbox_with(
        db,
        [
            (Hlc(now - DAY_MS - 5000, 0, "n"), "sent"),  # a marked batch keeps its stamps
            (Hlc(now - DAY_MS - 4000, 0, "n"), None),
            (Hlc(now - DAY_MS - 4000, 1, "n"), None),
            (Hlc(now - 2000, 0, "n"), None),  # stamped by an HLC carried forward
            (Hlc(now - 1000, 7, "n"), None),
        ],
    )
    with db.engine.begin() as conn:
        changed, last = restamp_queue(conn, DAY_MS, now)
    stamps = [parse(hlc) for hlc, _batch in _queued_stamps(db)]
    assert stamps[0] == Hlc(now - DAY_MS - 5000, 0, "n")
    assert stamps[1:] == [
        Hlc(now - 4000, 0, "n"),
        Hlc(now - 4000, 1, "n"),
        Hlc(now, 0, "n"),  # a day later would be tomorrow: the present instead
        Hlc(now, 1, "n"),  # and still after the one before it
    ]
    assert changed == 4 and last == (now, 1)


def test_restamping_a_fast_pcs_queue_stays_after_the_batch_already_sent(db: Any) -> None:
    now = 1_900_000_000_000
    _outbox_with(
        db,
        [
            (Hlc(now + 1000, 0, "n"), "sent"),
            (Hlc(now + 2000, 0, "n"), None),
            (Hlc(now + 3000, 0, "n"), None),
        ],
    )
    with db.engine.begin() as conn:
        restamp_queue(conn, -5000, now + 1500)
    stamps = [parse(hlc) for hlc, _batch in _queued_stamps(db)]
    assert stamps == [Hlc(now + 1000, 0, "n"), Hlc(now + 1000, 1, "n"), Hlc(now + 1000, 2, "n")]


# --- the warning ---------------------------------------------------------------------------


def test_a_pc_far_off_is_warned_in_the_status_and_on_the_command_line(
    hq: Any, make_branch: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from branch_crm.cli import main
    from branch_crm.i18n import set_language
    from branch_crm.services.syncing.service import sync_status

    db, client = make_branch("BR1")
    _ok(client.run_once())
    with db.session() as session:
        assert sync_status(session=session).clock_warning is None
    _set_state(db, clock_offset_ms=-40 * 60_000)  # this PC's clock runs 40 minutes fast...
    _ok(client.run_once())  # ... measured: the offset now makes up for it
    assert abs(_state(db, "clock_offset_ms")) < CLOCK_CORRECTION_MS
    _set_state(db, clock_offset_ms=40 * 60_000)  # a PC clock 40 minutes slow, corrected
    with db.session() as session:
        status = sync_status(session=session)
    warning = "This PC's clock is 40 minutes off; fix the Windows time."
    assert status.clock_warning == warning
    assert main(["--db", str(db.path), "sync", "status"]) == 0
    assert warning in capsys.readouterr().out
    try:
        set_language("zh_CN")
        with db.session() as session:
            chinese = sync_status(session=session).clock_warning
        assert chinese is not None and "40" in chinese and "Windows" in chinese
        assert chinese != warning
    finally:
        set_language("en")
    _set_state(db, clock_offset_ms=2 * 60_000)  # within a few minutes: no warning
    with db.session() as session:
        assert sync_status(session=session).clock_warning is None


def test_the_clock_route_needs_a_token(hq: Any, make_branch: Any) -> None:
    _db, client = make_branch("BR1")
    headers = dict(client._http().headers)
    with httpx.Client(base_url=client.base_url) as http:
        reading = http.get("/api/v1/sync/clock", headers=headers)
        assert reading.status_code == 200
        assert abs(reading.json()["server_time_ms"] - _now_ms()) < CLOCK_CORRECTION_MS
        parse(reading.json()["server_hlc"])
        del headers["authorization"]
        assert http.get("/api/v1/sync/clock", headers=headers).status_code == 401


def test_a_reading_holds_until_the_clock_moves_or_grows_old(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A push does not wait for a clock reading every round (on a bad line each request
    counts), but one is taken again once the PC clock or its offset moved, or it is old."""
    from branch_crm.sync import clock

    key = str(db.path)
    with db.engine.begin() as conn:
        assert not clock.reading_holds(key, conn)  # never measured here
        clock.note_reading(key, conn)
        assert clock.reading_holds(key, conn)
    _set_state(db, clock_offset_ms=-DAY_MS)  # the PC clock was set back a day
    with db.engine.begin() as conn:
        assert not clock.reading_holds(key, conn)
        clock.note_reading(key, conn)
        assert clock.reading_holds(key, conn)
        later = time.monotonic() + clock.CLOCK_CHECK_MS / 1000 + 1
        monkeypatch.setattr(clock.time, "monotonic", lambda: later)
        assert not clock.reading_holds(key, conn)  # ten minutes on: read again
