"""Hybrid logical clock: ordering, monotonicity, clamping of stamps from the future."""

from __future__ import annotations

import pytest

from branch_crm.sync import hlc
from branch_crm.sync.hlc import Hlc, HybridClock, parse


def test_text_order_equals_tuple_order() -> None:
    stamps = [Hlc(5, 2, "b"), Hlc(5, 10, "a"), Hlc(40, 0, "a"), Hlc(5, 2, "a")]
    assert sorted(stamps) == sorted(stamps, key=str)
    assert [parse(str(s)) for s in stamps] == stamps


def test_clock_is_monotonic_when_the_wall_clock_goes_back(monkeypatch: pytest.MonkeyPatch) -> None:
    times = iter([1000, 1000, 900, 2000])
    monkeypatch.setattr(hlc, "wall_ms", lambda: next(times))
    clock = HybridClock("n")
    a, b, c, d = clock.now(), clock.now(), clock.now(), clock.now()
    assert a < b < c < d and c.ms == 1000 and d.ms == 2000


def test_receive_orders_later_local_stamps_after_the_received_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(hlc, "wall_ms", lambda: 1000)
    clock = HybridClock("slow")
    clock.receive(Hlc(5000, 3, "hq"))
    assert clock.now() > Hlc(5000, 3, "hq")


def test_stamp_a_day_ahead_is_clamped_and_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(hlc, "wall_ms", lambda: 10_000_000)
    clock = HybridClock("hq", max_ahead_ms=60_000)
    future = str(Hlc(10_000_000 + 86_400_000, 0, "fast"))
    stored = parse(clock.admit(future, source="branch F"))
    assert stored.ms == 10_000_000 and stored.node == "fast"
    assert "ahead" in caplog.text
    near = str(Hlc(10_000_000 + 1000, 0, "ok"))
    assert clock.admit(near, source="branch N") == near


def test_malformed_stamp_is_refused() -> None:
    with pytest.raises(ValueError, match="malformed"):
        parse("12.3.x")
