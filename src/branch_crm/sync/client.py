"""The branch's sync client: one round = push every queued batch, then pull every page; head
office's clock is read before the push (when the last reading no longer holds, or this PC has
no PC code yet: the reading brings it) and with every page (see sync.clock).

``SyncClient.run_once`` never raises for sync trouble (the network, head office, a pulled change
that cannot be applied, the database): it records the error in words
(``sync_state.last_error``) and returns it in :class:`SyncResult`; a change leaves the outbox
only after head office acknowledged it, so nothing is lost whatever fails. The database is
called damaged only when SQLite says so (:func:`branch_crm.db.problems.is_corrupt`).
"""

from __future__ import annotations

import json
import logging
import random
import sqlite3
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Protocol, TypeVar

import httpx
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from branch_crm import __version__
from branch_crm.db import Database
from branch_crm.db.problems import as_database_error
from branch_crm.db.revisions import head_revision
from branch_crm.errors import DatabaseCorrupt, DatabaseLocked, DatabaseReadOnly
from branch_crm.i18n import N_, http_language
from branch_crm.models.stored_text import Message, english, message, render
from branch_crm.sync.applier import PageApplier
from branch_crm.sync.apply_rows import ApplyError
from branch_crm.sync.capture import capture_suspended
from branch_crm.sync.clock import adjust_clock, machine_ms, note_reading, reading_holds
from branch_crm.sync.files import FetchReport, FileTransfer, UploadReport
from branch_crm.sync.hlc import parse
from branch_crm.sync.outbox import OutgoingBatch, next_batch, settle_ack
from branch_crm.sync.pc_codes import code_index
from branch_crm.sync.protocol import (
    MAX_BATCH_CHANGES,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    SCHEMA_HEADER,
    ClockReading,
    PullResponse,
    PushAck,
)
from branch_crm.sync.tls import CaFileError, certificate_problem, ssl_context
from branch_crm.timeutil import utcnow

log = logging.getLogger(__name__)

PULL_LIMIT = 1000
UNTRUSTED_CERTIFICATE = N_(
    "Head office at {url} showed a certificate this PC does not trust ({reason}). If your "
    "office uses its own certificate authority or a proxy that inspects TLS, install its "
    "certificate in the PC's certificate store or give its CA certificate file in the "
    "settings (Head office)."
)
T = TypeVar("T")


class Writer(Protocol):
    """Runs a piece of database writing where the program's writes take turns, and returns
    its result: the app hands it to its one database thread (the window's saves and a sync
    round's writes never race); the command line writes right here (:func:`write_here`)."""

    def __call__(self, work: Callable[[], T], /) -> T: ...


def write_here(work: Callable[[], T]) -> T:
    """The :class:`Writer` of a program with no other writer: ``work()`` on this thread."""
    return work()


@dataclass(frozen=True)
class SyncResult:
    """What one round did; ``error`` is a translated sentence, None on success."""

    pushed: int
    pulled: int
    """Changes received from head office, without this PC's own ones: head office sends
    those back like anyone's (they change nothing here, unless one lost a merge)."""
    conflicts: int
    error: str | None = None
    files_sent: int = 0
    """Attachment files head office confirmed this round (sync.files)."""
    file_error: str | None = None
    """Why some files did not go this round (English; they go next round), else None."""
    files_fetched: int = 0
    """Attachment files that arrived whole by this round's prefetch (sync.files)."""
    fetch_error: str | None = None
    """Why the prefetch stopped early (English; it goes on next round), else None."""


class SyncFailed(Exception):
    """A round stopped; ``stored`` says why as a message (stored language-neutral, shown in
    the reader's language), ``str()`` in the current language."""

    def __init__(self, stored: Message) -> None:
        super().__init__(render(stored))
        self.stored = stored


def backoff_seconds(failures: int, *, base: float = 30, cap: float = 1800) -> float:
    """Delay before the next automatic attempt after ``failures`` failures in a row.

    Exponential (30 s, 60 s, 120 s, ... up to 30 min) with +-20 % jitter so branches that
    lost the line together do not all come back in the same second.
    """
    if failures <= 0:
        return 0.0
    delay = min(cap, base * 2 ** (failures - 1))
    return float(delay * random.uniform(0.8, 1.2))


class SyncClient:
    """Talks to head office for one branch database."""

    def __init__(
        self,
        db: Database,
        *,
        base_url: str,
        token: str,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30,
        batch_size: int = MAX_BATCH_CHANGES,
        writer: Writer = write_here,
        ca_file: str | None = None,
        prefetch_bytes: int = 0,
    ) -> None:
        self.db = db
        self.prefetch_bytes = prefetch_bytes
        """Bytes of missing attachment files fetched after each round's uploads (0: files
        come only when opened); the app passes the setting ``sync.prefetch_mb``."""
        self.ca_file = ca_file or None
        """A CA certificate file to verify head office with; None: the OS store (sync.tls)."""
        self.write = writer
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.transport = transport
        self.timeout = timeout
        self.batch_size = batch_size
        self.schema = head_revision()
        with db.engine.connect() as conn:
            row = conn.exec_driver_sql(
                "SELECT node_id, branch_code FROM sync_state WHERE id = 1"
            ).one()
        self.node_id, self.branch = str(row[0]), str(row[1] or "")
        self.clock_key = str(db.path)

    # --- HTTP ------------------------------------------------------------------------

    def _http(self) -> httpx.Client:
        try:  # a test's own transport does its own TLS, if any
            verify = ssl_context(self.ca_file) if self.transport is None else True
        except CaFileError as exc:
            raise SyncFailed(
                message(
                    N_("The CA certificate file {path} in the settings cannot be used ({reason})."),
                    path=exc.path,
                    reason=exc.reason[:200],
                )
            ) from exc
        return httpx.Client(
            base_url=self.base_url,
            transport=self.transport,
            verify=verify,
            timeout=self.timeout,
            headers={
                "Authorization": f"Bearer {self.token}",
                SCHEMA_HEADER: self.schema,
                PROTOCOL_HEADER: str(PROTOCOL_VERSION),
                "User-Agent": f"branch-crm/{__version__}",
                "Accept-Language": http_language(),  # head office answers in it
            },
        )

    def _content(self, response: httpx.Response) -> bytes:
        """The body of a 200 answer; SyncFailed with the reason in words otherwise."""
        if response.status_code == 200:
            return response.content
        try:
            detail = str(response.json().get("detail", ""))
        except ValueError:
            detail = response.text[:200]
        detail = detail.strip().rstrip("。.")  # it goes inside the sentence below
        code = response.status_code
        if code == 401:
            msgid = N_("Head office did not accept this branch's token ({detail}).")
        elif code == 403:
            msgid = N_("Head office refused the data ({detail}).")
        elif code == 409:
            msgid = N_("This version cannot sync with head office: {detail}")
        elif code == 413:
            msgid = N_("A batch was too large for head office ({detail}).")
        elif code == 422:
            msgid = N_("Head office could not read the data sent ({detail}).")
        else:
            raise SyncFailed(
                message(N_("Head office answered with an error (HTTP {code})."), code=code)
            )
        raise SyncFailed(message(msgid, detail=detail))

    # --- one round -------------------------------------------------------------------

    def run_once(self) -> SyncResult:
        """Push everything queued, then pull everything new; never raises for sync trouble:
        whatever stops the round is recorded in words (``sync_state.last_error``) and
        returned. Every write goes through the client's writer, one short transaction at a
        time; no transaction is open while head office is asked."""
        pushed = pulled = conflicts = 0
        try:
            self.write(self._record_attempt)
            with self._http() as http:
                self._measure_clock(http)
                pushed, conflicts = self._push_all(http)
                pulled = self._pull_all(http)
                files = self._send_files(http)
                fetched = self._fetch_files(http)
            self.write(self._record_success)
        except Exception as exc:  # every failure is said in words, none escapes
            return self._record_failure(self._failure(exc), pushed, pulled, conflicts)
        return SyncResult(pushed, pulled, conflicts, None, files.sent, files.error,
                          fetched.fetched, fetched.error)  # fmt: skip

    # --- attachment files --------------------------------------------------------------

    def files(self) -> FileTransfer:
        """The attachment files of this database (sync.files), written through the writer."""
        return FileTransfer(self.db, write=self.write)

    def _send_files(self, http: httpx.Client) -> UploadReport:
        """Send the attachment files head office has not got, after the changes: a failure
        here never fails the round (the rows went; the files go next round)."""
        try:
            report = self.files().upload_all(http)
        except Exception as exc:  # a file problem must not stop the change stream
            log.warning("attachment files not sent this round", exc_info=True)
            return UploadReport(error=f"{type(exc).__name__}: {str(exc)[:200]}")
        if report.error or report.failed:
            log.info("files: %d sent, %d refused, %s", report.sent, len(report.failed),
                     report.error or "no line trouble")  # fmt: skip
        return report

    def _fetch_files(self, http: httpx.Client) -> FetchReport:
        """Fetch missing attachment files within the round's budget, after the uploads: a
        failure here never fails the round either."""
        try:
            return self.files().prefetch(http, self.prefetch_bytes)
        except Exception as exc:  # a file problem must not stop the change stream
            log.warning("attachment files not fetched this round", exc_info=True)
            return FetchReport(error=f"{type(exc).__name__}: {str(exc)[:200]}")

    def fetch_file(self, sha256: str) -> Path:
        """Download one attachment file of this branch from head office into the store
        (FileTransferError or httpx.HTTPError when it cannot come now)."""
        with self._http() as http:
            return self.files().download(http, sha256)

    def _failure(self, exc: Exception) -> Message:
        """What stopped a round, in words a user can act on, as a stored message (the
        reader's language is chosen when it is shown)."""
        if isinstance(exc, SyncFailed):
            return exc.stored
        if isinstance(exc, httpx.HTTPError):
            return self._network_failure(exc)
        if isinstance(exc, ApplyError):
            return message(
                N_("Could not apply changes from head office: {where}: {reason}"),
                where=exc.where,
                reason=exc.reason,
            )
        if isinstance(exc, (DBAPIError, sqlite3.Error)):
            return self._database_failure(exc)
        if isinstance(exc, ValueError):  # a malformed answer (pydantic's errors are these)
            return message(
                N_("Head office sent an answer this version cannot read ({reason})."),
                reason=str(exc)[:200],
            )
        log.exception("sync round stopped by an unexpected error")
        return message(
            N_("Sync stopped by an unexpected error ({reason}); it is in the log file."),
            reason=f"{type(exc).__name__}: {str(exc)[:200]}",
        )

    def _network_failure(self, exc: httpx.HTTPError) -> Message:
        untrusted = certificate_problem(exc)
        if untrusted is not None:
            log.warning("head office's certificate not trusted: %s", untrusted)
            return message(UNTRUSTED_CERTIFICATE, url=self.base_url, reason=untrusted[:200])
        if isinstance(exc, httpx.TimeoutException):
            return message(N_("Head office at {url} did not answer in time."), url=self.base_url)
        return message(
            N_("Cannot reach head office at {url} ({reason})."),
            url=self.base_url,
            reason=type(exc).__name__,
        )

    def _database_failure(self, exc: Exception) -> Message:
        """A database failure during a round: the file is called damaged only when SQLite
        says so; anything else is a sync problem that the next round may not have."""
        log.warning("database failure during a sync round", exc_info=exc)
        problem = as_database_error(exc, self.db.path)
        if isinstance(problem, DatabaseCorrupt):
            return message(
                N_(
                    "The database {path} is damaged or is not a Branch CRM database. "
                    "Restore it from a backup."
                ),
                path=problem.path,
            )
        if isinstance(problem, DatabaseReadOnly):
            return message(
                N_("The database {path} cannot be written. Check the file's permissions."),
                path=problem.path,
            )
        if isinstance(problem, DatabaseLocked):
            return message(N_("The database was busy with other work; the next round tries again."))
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
        return message(N_("Sync stopped by a database error on this PC ({reason})."), reason=reason)

    def _push_all(self, http: httpx.Client) -> tuple[int, int]:
        """Send every queued batch, in order, each one only after the previous one's
        acknowledgement.

        Pipelined: while head office applies batch N, a helper thread settles batch N-1's
        acknowledgement (deletes its rows: they were acknowledged) and prepares batch N+1
        (marks and reads it; it is sent once N is acknowledged). The helper runs its tasks
        one at a time in submission order, so the branch's own writes never compete. A
        failure leaves prepared batches marked: the next round resends them first, in order.
        """
        pushed = conflicts = 0
        engine, size = self.db.engine, self.batch_size
        with ThreadPoolExecutor(1, thread_name_prefix="sync-push") as helper:
            settling: list[Future[None]] = []
            following = helper.submit(self._prepare, engine, size, True, None)
            while (prepared := following.result()) is not None:
                batch, body = prepared
                # after a resent batch, more may wait from the earlier round: look again
                following = helper.submit(self._prepare, engine, size, batch.resent, batch.batch_id)
                ack = self._send(http, batch, body)
                settling.append(helper.submit(self._settle, batch, ack))
                pushed += len(batch.rows)
                conflicts += len(ack.conflicts)
                for done in [f for f in settling if f.done()]:
                    settling.remove(done)
                    done.result()  # a failed settle stops the round
            for future in settling:
                future.result()
        return pushed, conflicts

    def push_batch(self, http: httpx.Client, batch: OutgoingBatch) -> PushAck:
        """Send one batch and settle its acknowledgement."""
        ack = self._send(http, batch, self._body(batch))
        self._settle(batch, ack)
        return ack

    def _body(self, batch: OutgoingBatch) -> bytes:
        return batch.request_json(self.branch, self.node_id, self.schema)

    def _prepare(
        self, engine: Engine, size: int, resend: bool, in_flight: str | None
    ) -> tuple[OutgoingBatch, bytes] | None:
        """The next batch and its request body (None when the queue is empty)."""
        batch = self.write(partial(next_batch, engine, size, resend=resend, in_flight=in_flight))
        return None if batch is None else (batch, self._body(batch))

    def _send(self, http: httpx.Client, batch: OutgoingBatch, body: bytes) -> PushAck:
        response = http.post(
            "/api/v1/sync/push", content=body, headers={"Content-Type": "application/json"}
        )
        ack = PushAck.model_validate_json(self._content(response))
        if ack.batch_id != batch.batch_id:
            raise SyncFailed(message(N_("Head office acknowledged a different batch.")))
        return ack

    def _settle(self, batch: OutgoingBatch, ack: PushAck) -> None:
        self.write(partial(settle_ack, self.db.engine, batch, ack))
        self.write(partial(self._receive_clock, ack.server_hlc))

    def _cursor(self) -> int:
        with self.db.engine.connect() as conn:
            value = conn.exec_driver_sql("SELECT cursor FROM sync_state WHERE id = 1").scalar_one()
        return int(value)

    def _fetch(self, http: httpx.Client, cursor: int) -> tuple[PullResponse, int, int]:
        """A page, and this machine's clock when it was asked for and when it came."""
        sent = machine_ms()
        response = http.get("/api/v1/sync/pull", params={"after": cursor, "limit": PULL_LIMIT})
        received = machine_ms()
        return PullResponse.model_validate_json(self._content(response)), sent, received

    def _pull_all(self, http: httpx.Client) -> int:
        """Pull and apply pages until head office has no more, each page applied with its
        cursor in one transaction. Pipelined: the next page is fetched while this one is
        applied (pages are still applied one by one, in order; a page fetched for a cursor
        another round has moved meanwhile is dropped and fetched again)."""
        pulled = 0
        own = f".{self.node_id}"  # the stamp of a change made on this PC ends so
        cursor = self._cursor()
        with ThreadPoolExecutor(1, thread_name_prefix="sync-pull") as fetcher:
            following = fetcher.submit(self._fetch, http, cursor)
            while True:
                page, sent, received = following.result()
                if page.has_more:
                    following = fetcher.submit(self._fetch, http, page.next_cursor)
                self.write(partial(apply_page, self.db, page, expected_cursor=cursor))
                pulled += sum(1 for change in page.changes if not change.hlc.endswith(own))
                self.write(
                    partial(
                        self._adjust_clock, page.server_hlc, page.server_time_ms, sent, received
                    )
                )
                if not page.has_more:
                    return pulled
                cursor = self._cursor()
                if cursor != page.next_cursor:  # another round moved it: start from there
                    following.result()
                    following = fetcher.submit(self._fetch, http, cursor)

    # --- clock and status ------------------------------------------------------------

    def _measure_clock(self, http: httpx.Client) -> None:
        """Read head office's time and set this PC's clock offset, HLC and queued stamps
        before anything is pushed, unless the last reading still holds (see sync.clock) and
        this PC has its PC code (the reading brings it to a PC registered before PC codes
        existed)."""
        with self.db.engine.connect() as conn:
            if reading_holds(self.clock_key, conn) and _pc_code(conn) is not None:
                return
        sent = machine_ms()
        response = http.get("/api/v1/sync/clock")
        received = machine_ms()
        if response.status_code == 404:  # an older head office: its pages' time is read
            return
        reading = ClockReading.model_validate_json(self._content(response))
        self.write(
            partial(self._adjust_clock, reading.server_hlc, reading.server_time_ms, sent, received)
        )
        if reading.pc_code is not None:
            self.write(partial(self._store_pc_code, reading.pc_code))

    def _store_pc_code(self, pc_code: str) -> None:
        """Keep the PC code head office gives this PC, if it is one and not the one kept:
        from now on the numbers this PC makes carry it (sync.pc_codes)."""
        if code_index(pc_code) is None:
            log.warning("head office sent a PC code that is none (%r): ignored", pc_code[:8])
            return
        with self.db.engine.begin() as conn:
            changed = conn.exec_driver_sql(
                "UPDATE sync_state SET pc_code = ? WHERE id = 1 "
                "AND (pc_code IS NULL OR pc_code <> ?)",
                (pc_code, pc_code),
            ).rowcount
        if changed:
            log.info("head office gave this PC the code %s", pc_code)

    def _adjust_clock(self, server_hlc: str, server_time_ms: int, sent: int, received: int) -> None:
        with self.db.engine.begin() as conn:
            adjust_clock(
                conn,
                server_hlc=server_hlc,
                server_time_ms=server_time_ms,
                sent_ms=sent,
                received_ms=received,
            )
            note_reading(self.clock_key, conn)

    def _receive_clock(self, server_hlc: str) -> None:
        """Fold a stamp head office sent in: later local stamps order after it."""
        stamp = parse(server_hlc)
        with self.db.engine.begin() as conn:
            conn.exec_driver_sql(
                "UPDATE sync_state SET hlc_counter = CASE WHEN ? > hlc_ms THEN ? "
                "WHEN ? = hlc_ms THEN max(hlc_counter, ?) ELSE hlc_counter END, "
                "hlc_ms = max(hlc_ms, ?) WHERE id = 1",
                (stamp.ms, stamp.counter, stamp.ms, stamp.counter, stamp.ms),
            )

    def _record_attempt(self) -> None:
        with self.db.engine.begin() as conn:
            conn.exec_driver_sql(
                "UPDATE sync_state SET last_attempt_at = ? WHERE id = 1", (_stamp(),)
            )

    def _record_success(self) -> None:
        with self.db.engine.begin() as conn:
            conn.exec_driver_sql(
                "UPDATE sync_state SET last_success_at = ?, last_error = NULL, "
                "last_error_message = NULL, failures = 0 "
                "WHERE id = 1",
                (_stamp(),),
            )

    def _record_failure(
        self, stored: Message, pushed: int, pulled: int, conflicts: int
    ) -> SyncResult:
        text = english(stored)
        log.warning("sync with %s failed: %s", self.base_url, text)

        def record() -> None:
            with self.db.engine.begin() as conn:
                conn.exec_driver_sql(
                    "UPDATE sync_state SET last_error = ?, last_error_message = ?, "
                    "failures = failures + 1 WHERE id = 1",
                    (text, json.dumps(stored, ensure_ascii=False)),
                )

        try:
            self.write(record)
        except (DBAPIError, sqlite3.Error):  # the result still says it
            log.warning("could not record the sync failure", exc_info=True)
        return SyncResult(pushed, pulled, conflicts, render(stored))


def _pc_code(conn: Connection) -> str | None:
    """This PC's code as kept (None before head office gave it one)."""
    value = conn.exec_driver_sql("SELECT pc_code FROM sync_state WHERE id = 1").scalar()
    return None if value is None else str(value)


def _stamp() -> str:
    return utcnow().replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def apply_page(db: Database, page: PullResponse, *, expected_cursor: int) -> int:
    """Apply a pulled page and move the cursor, in one transaction, without re-capturing.

    Should the commit fail on a foreign key all the same (rows waiting for a parent are
    found without reading whole tables, see sync.applier), the page is applied again, one
    change at a time, each written row checked, so one bad row cannot stop sync for good.
    """
    try:
        return _apply_page(db, page, expected_cursor, thorough=False)
    except IntegrityError as exc:
        if "FOREIGN KEY" not in str(exc):
            raise
        log.warning(
            "page after %d failed its foreign keys; applied again, checked", expected_cursor
        )
    try:
        return _apply_page(db, page, expected_cursor, thorough=True)
    except IntegrityError as exc:  # not a row this page wrote: a trigger's, or a bug
        where = message(N_("the changes after {cursor}"), cursor=expected_cursor)
        raise ApplyError(where, str(exc.orig)) from exc


def _apply_page(db: Database, page: PullResponse, expected_cursor: int, *, thorough: bool) -> int:
    with db.engine.begin() as conn:
        cursor = conn.exec_driver_sql("SELECT cursor FROM sync_state WHERE id = 1").scalar_one()
        if int(cursor) != expected_cursor:
            return 0  # another round applied this page meanwhile
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        with capture_suspended(conn):
            applied = PageApplier(conn, thorough=thorough).apply(page.changes)
            conn.exec_driver_sql(
                "UPDATE sync_state SET cursor = ? WHERE id = 1", (page.next_cursor,)
            )
        return applied
