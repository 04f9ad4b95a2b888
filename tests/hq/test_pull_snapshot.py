"""Issue 10 item 7: a pull reads one consistent snapshot of the change log.

The page used to be read in two statements (the branch's partition, then head office's)
under READ COMMITTED: a branch push and a reference-data edit committing between them made
the page end past the push's sequence number, which no later pull would hand out again.
PostgreSQL only: SQLite serialises every transaction that writes, so nothing can commit
between two statements of one pull there.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hq_push_support import Office, Pc, change, customer, now_stamp, office_at
from sqlalchemy import event, select

from branch_crm.hq import tables as t
from branch_crm.hq.admin import write_reference
from branch_crm.hq.db import write_transaction
from tests.support.postgres import fresh_postgres_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def office() -> Iterator[Office]:
    with fresh_postgres_database() as url, office_at(url) as office:
        yield office


def _category(conn: Any, n: int) -> None:
    values = {"list_kind": "complaint_category", "code": f"c{n}", "name_zh": "类", "name_en": "C"}
    write_reference(conn, "reference_code", values)


def _push_customer(office: Office, pc: Pc, name: str) -> None:
    pk = str(uuid.uuid4())
    answer = office.push(
        pc, [change("customer", pk, customer(pc.branch, name), now_stamp(pc.node))]
    )
    assert answer.status_code == 200, answer.text


def _logged(office: Office, branch: str) -> list[int]:
    with office.server.engine.connect() as conn:
        query = (
            select(t.change_log.c.seq)
            .where(t.change_log.c.partition.in_([branch, "HQ"]))
            .order_by(t.change_log.c.seq)
        )
        return list(conn.scalars(query))


def _pulled(office: Office, pc: Pc, after: int, limit: int) -> tuple[list[int], int, bool]:
    answer = office.http.get(
        "/api/v1/sync/pull", params={"after": after, "limit": limit}, headers=office.headers(pc)
    )
    assert answer.status_code == 200, answer.text
    page = answer.json()
    return [c["seq"] for c in page["changes"]], page["next_cursor"], page["has_more"]


def test_commits_between_the_statements_of_a_pull_are_not_skipped(office: Office) -> None:
    reader, writer = office.register("BR1", "reader"), office.register("BR1", "writer")
    engine = office.server.app.state.engine  # the service's own engine
    fired = threading.Event()

    def between(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if fired.is_set() or "hq_change_log" not in statement:
            return
        fired.set()  # right after the pull's (first) read of the change log:
        _push_customer(office, writer, "推送")  # a push of the branch commits ...
        with write_transaction(office.server.engine) as conn:
            _category(conn, 1)  # ... then an edit of head office's reference data

    event.listen(engine, "after_cursor_execute", between)
    try:
        seen, cursor, _more = _pulled(office, reader, 0, 100)
    finally:
        event.remove(engine, "after_cursor_execute", between)
    assert fired.is_set()
    rest, _cursor, _more = _pulled(office, reader, cursor, 100)
    # was: the first page ended at the reference edit, the push's entry never came
    assert seen + rest == _logged(office, "BR1")


def test_every_sequence_number_is_delivered_under_concurrent_writers(office: Office) -> None:
    reader = office.register("BR1", "reader")
    writers = [office.register("BR1", f"writer{i}") for i in range(3)]
    done = threading.Event()
    errors: list[BaseException] = []

    def guarded(work: Any) -> Any:
        def run() -> None:
            try:
                work()
            except BaseException as exc:  # reported by the test, not lost in a thread
                errors.append(exc)

        return run

    def push(pc: Pc) -> None:
        with httpx.Client(base_url=office.server.base_url) as http:
            mine = Office(office.server, http)
            for n in range(40):
                _push_customer(mine, pc, f"{pc.node}-{n}")

    def reference() -> None:
        for n in range(120):
            with write_transaction(office.server.engine) as conn:
                _category(conn, n)

    seen: list[int] = []

    def pull() -> None:
        after = 0
        with httpx.Client(base_url=office.server.base_url) as http:
            mine = Office(office.server, http)
            while True:
                finished = done.is_set()  # read before the page: a page after it is complete
                page, after, more = _pulled(mine, reader, after, 7)
                seen.extend(page)
                if finished and not more:
                    return

    threads = [threading.Thread(target=guarded(lambda pc=pc: push(pc))) for pc in writers]
    threads.append(threading.Thread(target=guarded(reference)))
    puller = threading.Thread(target=guarded(pull))
    puller.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    puller.join()
    assert errors == []
    assert seen == _logged(office, "BR1")  # every entry, once, in order
    assert len(seen) >= 3 * 40 + 120
