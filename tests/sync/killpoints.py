"""Kill points for the SIGKILL reliability tests (issue 5, test 3).

A child process (a branch's sync client, or head office's HTTP service) is started with
``BRANCH_CRM_KILL_AT=<step>[@<n>]``; the n-th time (default 1st) the process reaches that
named step it writes the step to ``BRANCH_CRM_KILL_LOG`` and sends itself SIGKILL: no
``finally``, no rollback by Python, no flush -- exactly a power cut or ``kill -9``.

The steps are placed by wrapping the functions the sync core calls at each boundary (the
core has no step hooks of its own), so each one sits at a precise transactional point:

client (``python killpoints.py client DB URL TOKEN``), push then pull:
  push_after_batch_marked            batch id stamped on outbox rows and committed, not sent
  push_after_ack_before_outbox_delete  head office's ack received, outbox rows still there
  push_after_outbox_delete           ack settled (rows deleted, clocks merged), next batch not read
  pull_after_receive_before_apply    a page received, nothing applied
  pull_after_apply_before_commit     page rows written in the open transaction, cursor not moved
  pull_after_commit                  page and cursor committed
  round_before_success_recorded      everything done, "last success" not written yet

server (``python killpoints.py serve DATABASE_URL PORT``):
  server_push_before_commit               batch applied in the open transaction
  server_push_after_commit_before_response  batch committed, acknowledgement not sent
  server_pull_before_commit               page read (one snapshot), node cursor not recorded
  server_pull_after_commit_before_response  page committed, answer not sent
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from multiprocessing.context import ForkServerContext
from typing import Any

KILL_ENV = "BRANCH_CRM_KILL_AT"
KILL_LOG_ENV = "BRANCH_CRM_KILL_LOG"

CLIENT_STEPS = (
    "push_after_batch_marked",
    "push_after_ack_before_outbox_delete",
    "push_after_outbox_delete",
    "pull_after_receive_before_apply",
    "pull_after_apply_before_commit",
    "pull_after_commit",
    "round_before_success_recorded",
)
SERVER_STEPS = (
    "server_push_before_commit",
    "server_push_after_commit_before_response",
    "server_pull_before_commit",
    "server_pull_after_commit_before_response",
)
_reached: dict[str, int] = {}


def _target() -> tuple[str, int] | None:
    spec = os.environ.get(KILL_ENV, "")
    if not spec:
        return None
    step, _, nth = spec.partition("@")
    if step not in CLIENT_STEPS + SERVER_STEPS:
        raise SystemExit(f"unknown kill step {step!r}")
    return step, int(nth or 1)


def checkpoint(step: str) -> None:
    """Die by SIGKILL if this is the step (and occurrence) the environment names."""
    _reached[step] = _reached.get(step, 0) + 1
    target = _target()
    if target is None or target != (step, _reached[step]):
        return
    log_path = os.environ.get(KILL_LOG_ENV)
    if log_path:
        with open(log_path, "a", encoding="utf-8") as handle:
            handle.write(f"{step}@{_reached[step]}\n")
            handle.flush()
            os.fsync(handle.fileno())
    os.kill(os.getpid(), signal.SIGKILL)


def _around(
    owner: Any,
    name: str,
    *,
    before: str | None = None,
    after: str | None = None,
    only_if: Callable[[Any], bool] = lambda _result: True,
) -> None:
    """Replace ``owner.name`` by a wrapper reaching ``before``/``after`` around the call
    (``after`` only when ``only_if(result)``)."""
    original: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if before:
            checkpoint(before)
        result = original(*args, **kwargs)
        if after and only_if(result):
            checkpoint(after)
        return result

    setattr(owner, name, wrapper)


def install_client_points() -> None:
    """Wrap the branch client's boundaries (names as branch_crm.sync.client looks them up)."""
    from branch_crm.sync import client

    _around(client, "next_batch", after="push_after_batch_marked", only_if=lambda b: b is not None)
    _around(
        client,
        "settle_ack",
        before="push_after_ack_before_outbox_delete",
        after="push_after_outbox_delete",
    )
    _around(
        client, "apply_page", before="pull_after_receive_before_apply", after="pull_after_commit"
    )
    _around(client.PageApplier, "apply", after="pull_after_apply_before_commit")
    _around(client.SyncClient, "_record_success", before="round_before_success_recorded")


def install_server_points() -> None:
    """Wrap head office's push and pull boundaries (names as branch_crm.hq.app uses them)."""
    from branch_crm.hq import app

    _around(app, "apply_push", after="server_push_before_commit")
    _around(app, "_push_with_retry", after="server_push_after_commit_before_response")
    _around(app, "pull_page", after="server_pull_before_commit")


def kill_before_pull_response(asgi: Any) -> Any:
    """An ASGI wrapper reaching server_pull_after_commit_before_response as a pull answer starts."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") != "http" or scope.get("path") != "/api/v1/sync/pull":
            await asgi(scope, receive, send)
            return

        async def guarded_send(message: Any) -> None:
            if message.get("type") == "http.response.start":
                checkpoint("server_pull_after_commit_before_response")
            await send(message)

        await asgi(scope, receive, guarded_send)

    return wrapped


def run_client(args: argparse.Namespace) -> int:
    """One sync round of a branch database, with the client kill points armed."""
    install_client_points()
    from branch_crm.db import open_database
    from branch_crm.sync import client

    if args.pull_limit:
        client.PULL_LIMIT = args.pull_limit
    db = open_database(args.db)
    try:
        sync = client.SyncClient(
            db,
            base_url=args.url,
            token=args.token,
            batch_size=args.batch_size,
            timeout=args.timeout,
        )
        result = sync.run_once()
    finally:
        db.dispose()
    sys.stdout.write(json.dumps(result.__dict__) + "\n")
    return 0 if result.error is None else 1


def run_server(args: argparse.Namespace) -> int:
    """Head office on 127.0.0.1:PORT (its database already migrated), server points armed."""
    install_server_points()
    import uvicorn

    from branch_crm.hq.app import create_app
    from branch_crm.hq.settings import HqSettings

    settings = HqSettings(database_url=args.database_url, pull_page_limit=args.pull_limit)
    app = kill_before_pull_response(create_app(settings))
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_config=None, access_log=False)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry of the child processes."""
    parser = argparse.ArgumentParser(prog="killpoints")
    sub = parser.add_subparsers(dest="role", required=True)
    client = sub.add_parser("client")
    client.add_argument("db")
    client.add_argument("url")
    client.add_argument("token")
    client.add_argument("--batch-size", type=int, default=1000)
    client.add_argument("--pull-limit", type=int, default=0)
    client.add_argument("--timeout", type=float, default=30, help="HTTP timeout, seconds")
    client.set_defaults(handler=run_client)
    server = sub.add_parser("serve")
    server.add_argument("database_url")
    server.add_argument("port", type=int)
    server.add_argument("--pull-limit", type=int, default=5000)
    server.set_defaults(handler=run_server)
    args = parser.parse_args(argv)
    _target()  # refuse an unknown step before doing anything
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


PRELOAD = ["branch_crm.hq.app", "branch_crm.sync.client", "branch_crm.db", "uvicorn", "killpoints"]
_context: list[ForkServerContext] = []


def _child(argv: list[str], env: dict[str, str], output: str) -> None:
    """Entry of a forked child: its own environment and output file, then ``main``."""
    os.environ.clear()
    os.environ.update(env)
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False, buffering=1)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False, buffering=1)  # noqa: SIM115
    code = main(argv)
    sys.stdout.flush()
    sys.exit(code)


def spawn(argv: list[str], env: dict[str, str], output: str) -> multiprocessing.Process:
    """Start ``main(argv)`` in a new process forked from a pre-warmed fork server.

    The fork server imported the sync core and head office once, so a child starts in tens
    of milliseconds instead of the seconds a fresh interpreter needs: the kill tests start
    dozens of processes. Each child is an ordinary process of its own (own pid, killed for
    real); only the already imported modules are shared.
    """
    if not _context:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        _context.append(context)
    process = _context[0].Process(target=_child, args=(argv, env, output), daemon=False)
    process.start()
    return process


if __name__ == "__main__":
    sys.exit(main())
