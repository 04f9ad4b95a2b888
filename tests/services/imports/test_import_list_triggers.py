"""The customer import suspends the customer_list triggers and writes the list once per chunk:
the list ends identical to what the triggers make (new and updated customers), the triggers
are back exactly as they were, and an import that fails or dies half-way leaves the
triggers, the list and the customers as before."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from branch_crm.services.customers import listing
from branch_crm.services.customers.profile import create_customer, delete_customer
from branch_crm.services.customers.validation import CustomerInput
from branch_crm.services.imports import customers
from tests.support.sheets import write_xlsx

HEADER = ["姓名", "手机", "公司", "拜访等级", "备注"]


def _triggers(path: Path) -> dict[str, str]:
    names = ", ".join(f"'{n}'" for n in listing.LIST_TRIGGERS)
    with sqlite3.connect(path) as raw:
        return dict(
            raw.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({names})"
            ).fetchall()
        )


def _list_and_rebuilt(path: Path) -> tuple[list[Any], list[Any]]:
    """(customer_list as it is, customer_list as rebuilt from the customers and stats)."""
    raw = sqlite3.connect(path)
    try:
        actual = raw.execute("SELECT * FROM customer_list ORDER BY local_no").fetchall()
        listing.rebuild_list(raw)
        rebuilt = raw.execute("SELECT * FROM customer_list ORDER BY local_no").fetchall()
        raw.rollback()
    finally:
        raw.close()
    return actual, rebuilt


def _existing(call, counter, name: str, phone: str) -> None:  # type: ignore[no-untyped-def]
    call(counter, create_customer, data=CustomerInput(name=name, phones=[phone]))


def _sheet(tmp_path: Path, rows: int) -> Path:
    body = [
        [f"客户{i:03d}", f"139{i:08d}", "某公司" if i % 2 else None, "ABC"[i % 3], None]
        for i in range(rows)
    ]
    return write_xlsx(
        tmp_path / "list.xlsx",
        [HEADER, ["老客户甲", "13812345678", "新公司", "A", "冷链"],
         ["老客户乙", "13812345679", None, "b类", None], *body],
    )  # fmt: skip


def test_list_matches_the_triggers_after_an_import_with_updates(  # type: ignore[no-untyped-def]
    db, call, counter, tmp_path, monkeypatch
) -> None:
    _existing(call, counter, "甲", "13812345678")
    _existing(call, counter, "乙", "13812345679")
    before = _triggers(db.path)
    assert set(before) == set(listing.LIST_TRIGGERS)
    monkeypatch.setattr(customers, "CHUNK", 4)  # several chunks
    done = call(counter, customers.apply, path=_sheet(tmp_path, 9), on_existing="update")
    assert (done.add, done.update) == (9, 2)
    assert _triggers(db.path) == before  # back, as they were
    actual, rebuilt = _list_and_rebuilt(db.path)
    assert len(actual) == 11 and actual == rebuilt
    with sqlite3.connect(db.path) as raw:
        updated = dict(
            raw.execute(
                "SELECT c.name, l.sort_name || '|' || l.visit FROM customer_list l "
                "JOIN customer c ON c.local_no = l.local_no WHERE c.name LIKE '老客户%'"
            ).fetchall()
        )
    # names and visit classes (A, B) from the sheet
    assert updated == {"老客户甲": "laokehujia 老客户甲|1", "老客户乙": "laokehuyi 老客户乙|2"}
    # the triggers work again after the import: a later save keeps the list
    _existing(call, counter, "丙", "13812345670")
    actual, rebuilt = _list_and_rebuilt(db.path)
    assert len(actual) == 12 and actual == rebuilt


def test_a_failure_half_way_leaves_triggers_and_list_as_before(  # type: ignore[no-untyped-def]
    db, call, counter, tmp_path, monkeypatch
) -> None:
    _existing(call, counter, "甲", "13812345678")
    before = _triggers(db.path)
    monkeypatch.setattr(customers, "CHUNK", 3)
    calls: list[int] = []
    original = listing.refresh_entries

    def failing(raw: sqlite3.Connection, ids: Any) -> None:
        original(raw, ids)
        calls.append(1)
        if len(calls) == 2:  # the second chunk is written, then the disk "fails"
            raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(customers, "refresh_entries", failing)
    with pytest.raises(sqlite3.OperationalError):
        call(counter, customers.apply, path=_sheet(tmp_path, 8), on_existing="update")
    assert len(calls) == 2
    assert _triggers(db.path) == before
    actual, rebuilt = _list_and_rebuilt(db.path)
    assert len(actual) == 1 and actual == rebuilt
    with sqlite3.connect(db.path) as raw:
        assert raw.execute("SELECT count(*) FROM customer").fetchone()[0] == 1


@pytest.mark.slow  # a child process (about 1 s of imports on a quiet machine)
def test_a_process_killed_half_way_leaves_triggers_and_list_as_before(  # type: ignore[no-untyped-def]
    db, call, counter, tmp_path
) -> None:
    _existing(call, counter, "甲", "13812345678")
    before = _triggers(db.path)
    sheet = _sheet(tmp_path, 8)
    script = textwrap.dedent(f"""
        import os
        from pathlib import Path
        from branch_crm.db import open_database
        from branch_crm.services.context import system_actor, unit_of_work
        from branch_crm.services.imports import customers
        customers.CHUNK = 3
        chunks = []
        original = customers.refresh_entries
        def dying(raw, ids):
            original(raw, ids)
            chunks.append(1)
            if len(chunks) == 2:  # triggers dropped, two chunks written, nothing committed
                os._exit(9)
        customers.refresh_entries = dying
        db = open_database(Path({str(db.path)!r}))
        with unit_of_work(db, system_actor("BR001")) as session:
            customers.apply(session=session, actor=session.info["actor"],
                            path=Path({str(sheet)!r}))
    """)
    db.dispose()
    done = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        env={**os.environ},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 9, done.stderr
    assert _triggers(db.path) == before
    actual, rebuilt = _list_and_rebuilt(db.path)
    assert len(actual) == 1 and actual == rebuilt
    with sqlite3.connect(db.path) as raw:
        assert raw.execute("SELECT count(*) FROM customer").fetchone()[0] == 1


def test_suspending_opens_a_transaction_first(tmp_path: Path) -> None:
    """A DROP TRIGGER as the first statement would commit on its own (pysqlite opens
    transactions only before DML): the suspension begins one itself."""
    path = tmp_path / "t.db"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE customer (id TEXT)")
    raw.execute("CREATE TABLE log (id TEXT)")
    raw.execute(
        "CREATE TRIGGER trg_list_customer_ins AFTER INSERT ON customer "
        "BEGIN INSERT INTO log VALUES (NEW.id); END"
    )
    raw.commit()
    assert not raw.in_transaction
    with listing.list_triggers_suspended(raw) as suspended:
        assert suspended and raw.in_transaction
        raw.execute("INSERT INTO customer VALUES ('a')")
        other = sqlite3.connect(path)
        assert _names(other) == ["trg_list_customer_ins"]  # not committed: still there
        other.close()
        raw.rollback()  # as when the process dies: the drop is undone
    raw.close()
    assert _triggers(path) == {
        "trg_list_customer_ins": "CREATE TRIGGER trg_list_customer_ins AFTER INSERT ON "
        "customer BEGIN INSERT INTO log VALUES (NEW.id); END"
    }


def _names(raw: sqlite3.Connection) -> list[str]:
    return [r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]


def test_a_deleted_customers_phone_is_free(db, call, counter, supervisor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The chunk's phone lookup (one SQL statement) leaves tombstones out as the ORM does:
    the number of a deleted customer makes a new customer, not an update."""
    view = call(counter, create_customer, data=CustomerInput(name="旧人", phones=["13812345678"]))
    call(supervisor, delete_customer, customer_id=str(view.id))
    path = write_xlsx(tmp_path / "d.xlsx", [HEADER, ["新人", "13812345678", None, None, None]])
    done = call(counter, customers.apply, path=path, on_existing="update")
    assert (done.add, done.update) == (1, 0)
    actual, rebuilt = _list_and_rebuilt(db.path)
    assert len(actual) == 1 and actual == rebuilt
