"""Issue 10 item 12: stamps carry the caller's node id, a replayed losing change is recorded
once, head office's log never holds change data, and a client that hangs up mid-upload is an
info line, not an error with a traceback."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from hq_push_support import Office, change, customer, new_pk, now_stamp, office_at
from sqlalchemy import select

from branch_crm.hq import tables as t
from branch_crm.hq.db import is_postgres
from branch_crm.sync import codec

SECRET = "SECRET-7731-住址"


class Recorder(logging.Handler):
    """Every record of every logger, formatted with its traceback; ``seen`` is set when a
    record ``matches``."""

    def __init__(self, matches: str) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.text: list[str] = []
        self.matches = matches
        self.seen = threading.Event()
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.text.append(self.format(record))
        if self.matches in record.getMessage() or record.levelno >= logging.ERROR:
            self.seen.set()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    handler = Recorder("disconnected")
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old)


def test_a_stamp_of_another_node_is_rewritten_to_the_callers(office: Office) -> None:
    pc = office.register("BR1", "mynode")
    pk, sent = new_pk(), now_stamp("someone-else")
    answer = office.push(pc, [change("customer", pk, customer("BR1", "张三"), sent)])
    assert answer.status_code == 200, answer.text
    rewritten = answer.json()["hlc_rewrites"][sent]
    assert rewritten == sent.rsplit(".", 1)[0] + ".mynode"
    with office.server.engine.connect() as conn:
        clocks = conn.scalar(select(t.row_clock.c.clocks).where(t.row_clock.c.pk == pk))
    assert set(codec.decode_clocks(clocks).values()) == {rewritten}


def test_replaying_an_update_lost_to_a_delete_is_recorded_once(office: Office) -> None:
    pc = office.register("BR1", "mynode")
    pk = new_pk()
    first, old, newer, gone = (now_stamp(pc.node) for _ in range(4))
    office.push(pc, [change("customer", pk, customer("BR1", "张三"), first)])
    office.push(pc, [change("customer", pk, {"notes": "新"}, newer, op="update")])
    deleted = {"deleted_at": "2026-01-02 00:00:00.000000"}
    office.push(pc, [change("customer", pk, deleted, gone, op="delete")])
    for _replay in range(3):  # an old PC sends the same edit again and again
        answer = office.push(pc, [change("customer", pk, {"notes": "旧"}, old, op="update")])
        assert answer.status_code == 200, answer.text
    # was: one more row at every replay, each pulled by every PC of the branch
    assert office.count("sync_rejected_change", row_id=pk, reason="deleted") == 1
    rows = [c for c in office.pull_all(pc) if c["table"] == "sync_rejected_change"]
    assert len(rows) == 1


def _refuse_secret(office: Office) -> None:
    """A constraint of head office's database that no check of head office knows about."""
    with office.server.engine.begin() as conn:
        if is_postgres(conn):
            conn.exec_driver_sql(
                "ALTER TABLE customer ADD CONSTRAINT ck_customer_no_secret "
                f"CHECK (notes IS NULL OR notes NOT LIKE '%%{SECRET[:6]}%%')"
            )
        else:
            conn.exec_driver_sql(
                "CREATE TRIGGER no_secret BEFORE INSERT ON customer "
                f"WHEN NEW.notes LIKE '%{SECRET[:6]}%' "
                "BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END"
            )


def test_a_change_the_database_refuses_is_quarantined_and_never_logged(
    office: Office, recorder: Recorder
) -> None:
    pc = office.register("BR1", "mynode")
    _refuse_secret(office)
    refused, fine = new_pk(), new_pk()
    answer = office.push(
        pc,
        [
            change("customer", refused, customer("BR1", "王五", notes=SECRET), now_stamp(pc.node)),
            change("customer", fine, customer("BR1", "赵六"), now_stamp(pc.node)),
        ],
    )
    # was: HTTP 500, and the traceback in head office's log carried the SQL parameters
    assert answer.status_code == 200, answer.text
    assert {"table": "customer", "pk": refused, "reason": "invalid", "columns": []} in (
        answer.json()["rejected"]
    )
    assert office.count("customer", id=fine) == 1 and office.count("customer", id=refused) == 0
    assert office.count("hq_quarantine", pk=refused) == 1
    logged = "\n".join(recorder.text)
    assert SECRET not in logged and SECRET[:6] not in logged
    assert "王五" not in logged
    assert not [r for r in recorder.records if r.levelno >= logging.ERROR]


def test_engines_hide_sql_parameters(office: Office) -> None:
    assert office.server.engine.hide_parameters
    assert office.server.app.state.engine.hide_parameters


def test_a_client_hanging_up_mid_upload_is_one_info_line(
    office: Office, recorder: Recorder
) -> None:
    pc = office.register("BR1", "mynode")
    address = urlparse(office.server.base_url)
    head = (
        "POST /api/v1/sync/push HTTP/1.1\r\n"
        f"Host: {address.netloc}\r\n"
        f"Authorization: Bearer {pc.token}\r\n"
        "Content-Type: application/json\r\n"
        "Content-Length: 100000\r\n\r\n"
    )
    with socket.create_connection((address.hostname, address.port)) as raw:
        raw.sendall(head.encode() + b'{"branch": "BR1", "changes": [')
    assert recorder.seen.wait(timeout=30), "head office never noticed the hang-up"
    assert not [r for r in recorder.records if r.levelno >= logging.ERROR], recorder.text
    lines = [r for r in recorder.records if "disconnected" in r.getMessage()]
    assert len(lines) == 1 and lines[0].levelno == logging.INFO
    assert lines[0].exc_info is None


def test_the_loopback_head_office_fails_a_test_it_answered_with_a_server_error(
    hq_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from branch_crm.hq import app

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug of head office")

    monkeypatch.setattr(app, "apply_push", broken)
    with pytest.raises(AssertionError, match="/api/v1/sync/push"), office_at(hq_url) as office:
        pc = office.register("BR1", "mynode")
        assert office.push(pc, []).status_code == 500
        assert office.server.server_errors == [("/api/v1/sync/push", 500)]


def test_a_failure_of_the_database_itself_quarantines_nothing(
    hq_url: str, monkeypatch: pytest.MonkeyPatch, recorder: Recorder
) -> None:
    """A disk that is full is no reason to set a branch's changes aside: the push fails
    (503, the PC sends it again later) and nothing of it is kept."""
    from sqlalchemy.exc import OperationalError

    from branch_crm.hq.push import apply as push

    def disk_full(_b: object) -> None:
        raise OperationalError("INSERT ...", {}, Exception("database or disk is full"))

    with office_at(hq_url, allow_server_errors=True) as office:
        pc = office.register("BR1", "mynode")
        monkeypatch.setattr(push, "write_log", disk_full)
        pk = new_pk()
        data = customer("BR1", "王五", notes=SECRET)
        answer = office.push(pc, [change("customer", pk, data, now_stamp(pc.node))])
        assert answer.status_code == 503, answer.text
        assert office.server.server_errors == [("/api/v1/sync/push", 503)]
        assert office.count("customer") == 0 and office.count("hq_quarantine") == 0
    assert SECRET not in "\n".join(recorder.text)


def test_a_batch_sent_again_while_its_first_attempt_is_applied_gets_the_same_ack(
    hq_url: str,
) -> None:
    """A PC killed mid-push resends the batch while head office still applies the first
    request: the second waits for the first and gets its acknowledgement (was: a unique
    violation on the batch id, HTTP 503 once IntegrityError was no longer retried)."""
    from branch_crm.hq.auth import NodeAuth
    from branch_crm.hq.db import make_engine, write_transaction
    from branch_crm.hq.push.apply import apply_push
    from branch_crm.hq.schema import migrate
    from branch_crm.sync.hlc import HybridClock
    from branch_crm.sync.protocol import PushAck, PushRequest

    engine = make_engine(hq_url)
    migrate(engine)
    auth, clock = NodeAuth("t1", "BR1", "mynode"), HybridClock("hq")
    request = PushRequest.model_validate(
        {
            "branch": "BR1",
            "node": "mynode",
            "batch_id": new_pk(),
            "schema_version": "0011",
            "changes": [change("customer", new_pk(), customer("BR1", "张三"), now_stamp("mynode"))],
        }
    )
    second: list[PushAck] = []
    try:
        with write_transaction(engine) as conn:
            first = apply_push(conn, request, auth, clock)

            def again() -> None:
                with write_transaction(engine) as other:
                    second.append(apply_push(other, request, auth, clock))

            resend = threading.Thread(target=again)
            resend.start()  # waits for the first transaction (row lock, or SQLite's lock)
        resend.join()
    finally:
        engine.dispose()
    assert second == [first.model_copy(update={"duplicate": True})]
