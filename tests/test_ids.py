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


def test_id_block_made_in_sql_is_consecutive_valid_and_ordered() -> None:
    """A reserved block of ids, made by SQLite, sorts between the ids made before and after
    it, each a valid UUIDv7; the low 48 bits carry into the next group."""
    import sqlite3

    from branch_crm.ids import IdBlock, id_block

    def made(block: IdBlock) -> list[str]:
        sql = (
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            f"SELECT {block.sql('i')} FROM n"
        )
        return [row[0] for row in sqlite3.connect(":memory:").execute(sql, (block.count - 1,))]

    before, block, after = new_id(), id_block(1000), new_id()
    ids = made(block)
    assert len(set(ids)) == 1000 and ids == sorted(ids)
    assert before < ids[0] and ids[-1] < after
    assert all(str(uuid.UUID(i)) == i and uuid.UUID(i).version == 7 for i in ids)
    edge = made(IdBlock("01a2522d-e9f0-7fce-", 0x8000, (1 << 48) - 2, 3))
    assert edge == [
        "01a2522d-e9f0-7fce-8000-fffffffffffe",
        "01a2522d-e9f0-7fce-8000-ffffffffffff",
        "01a2522d-e9f0-7fce-8001-000000000000",
    ]
