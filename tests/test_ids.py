from __future__ import annotations

import time
import uuid

from branch_crm.ids import new_id, uuid7, uuid7_time_ms


def test_uuid7_has_version_and_variant() -> None:
    value = uuid7()
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_uuid7_is_time_ordered_and_unique() -> None:
    values = [new_id() for _ in range(20_000)]
    assert values == sorted(values)
    assert len(set(values)) == len(values)


def test_uuid7_embeds_the_time() -> None:
    before = time.time_ns() // 1_000_000
    value = new_id()
    after = time.time_ns() // 1_000_000
    assert before <= uuid7_time_ms(value) <= after


def test_a_clock_stepped_back_is_followed(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    real = time.time_ns()
    monkeypatch.setattr(time, "time_ns", lambda: real + 86_400_000 * 1_000_000)
    ahead = new_id()
    monkeypatch.setattr(time, "time_ns", lambda: real)
    after = new_id()
    assert uuid7_time_ms(ahead) - uuid7_time_ms(after) > 86_000_000
    assert abs(uuid7_time_ms(after) - real // 1_000_000) < 1_000
