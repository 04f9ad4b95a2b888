"""Two branches and a head office on loopback exchanging real changes through the CLI.

    .venv/bin/python scripts/two_branches_demo.py                 # SQLite head office
    .venv/bin/python scripts/two_branches_demo.py --hq postgresql  # a fresh PostgreSQL database
    .venv/bin/python scripts/two_branches_demo.py --keep demo-dir  # keep files and databases

Every step runs the real command-line tools (each command is echoed with a "$" so it can be
copied): ``branch-crm-hq migrate / serve / branch add / ref category / branch list`` and
``branch-crm staff add / sync register / sync / sync status``. Customers are created with the
counter desk's customer service (the code the window calls) because the CLI has no customer
command; the branch code of the second database is set with the settings service for the
same reason. The run checks what each side ends with and exits non-zero if anything is off:

1. head office adds a complaint category -> both branches receive it;
2. branch BR001 adds a staff account (CLI) and a customer -> head office has them, BR002 not;
3. BR002 registers a customer with BR001's customer's phone -> a conflict for BR002's
   supervisor, nothing overwritten; BR002 adds its supervisor (CLI), who keeps BR002's
   record ("keep mine") -> after the next rounds head office and BR001 have given the
   number up.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG_ADMIN = os.environ.get("BRANCH_CRM_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PHONE = "13912345678"


def say(text: str) -> None:
    """One line of the demo's own output."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def run(*args: str, env: dict[str, str], check: bool = True) -> str:
    """Run a CLI command, echo it and its output; its stdout."""
    say("$ " + " ".join(shlex.quote(a) for a in args))
    done = subprocess.run(list(args), env=env, capture_output=True, text=True, check=False)
    for line in (done.stdout + done.stderr).rstrip().splitlines():
        say("  " + line)
    if check and done.returncode != 0:
        raise SystemExit(f"command failed with exit code {done.returncode}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def hq_database(kind: str, folder: Path, keep: bool) -> Iterator[str]:
    """The head-office database URL: a SQLite file or a new PostgreSQL database."""
    if kind == "sqlite":
        yield f"sqlite+pysqlite:///{folder / 'hq.db'}"
        return
    if kind.startswith("postgresql+psycopg://"):
        yield kind
        return
    import psycopg

    name = f"bcrm_demo_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = "postgresql+psycopg://" + PG_ADMIN.split("://", 1)[1].rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        if keep:
            say(f"# head-office database kept: {url}")
        else:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def serving(url: str, env: dict[str, str], folder: Path) -> Iterator[str]:
    """``branch-crm-hq serve`` in the background; yields its base URL."""
    import httpx

    port = free_port()
    command = [str(BIN / "branch-crm-hq"), "--db", url, "serve", "--port", str(port)]
    say("$ " + " ".join(shlex.quote(a) for a in command) + " &")
    with open(folder / "hq.log", "wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("head office did not start; see hq.log")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(20)


def registration_code(output: str) -> str:
    """The code printed by ``branch-crm-hq branch add`` (XXXX-XXXX-XXXX, in any language)."""
    found = re.search(r"(?<![A-Z0-9-])[A-Z0-9]{4}(?:-[A-Z0-9]{4}){2}(?![A-Z0-9-])", output)
    if found is None:
        raise SystemExit(f"no registration code in {output!r}")
    return found.group()


def new_branch_db(path: Path, code: str, name: str) -> None:
    """A new branch database with its branch code and name (settings service)."""
    from branch_crm.db import open_database
    from branch_crm.services.settings import values as settings

    db = open_database(path)
    with db.session() as session:
        settings.put(session, None, "branch.code", code)
        settings.put(session, None, "branch.name", name)
    db.dispose()
    say(f"# {path.name}: new branch database for {code} ({name})")


def add_customer(path: Path, branch: str, name: str, phone: str) -> str:
    """A customer created with the counter desk's customer service."""
    from branch_crm.db import open_database
    from branch_crm.models import Role
    from branch_crm.services.context import Actor, unit_of_work
    from branch_crm.services.customers.profile import create_customer
    from branch_crm.services.customers.validation import CustomerInput

    db = open_database(path)
    actor = Actor(None, "demo", "Demo", Role.COUNTER, branch)
    with unit_of_work(db, actor) as session:
        view = create_customer(
            session=session, actor=actor, data=CustomerInput(name=name, phones=[phone])
        )
    db.dispose()
    say(f"# {path.name}: customer {name} ({phone}) created at the counter")
    return view.id


def keep_mine(path: Path, branch: str, username: str) -> None:
    """Supervisor ``username`` of ``branch`` resolves its one open conflict with "keep mine"
    (head office accepts a resolution only from a supervisor of the branch)."""
    from branch_crm.db import open_database
    from branch_crm.models import Role
    from branch_crm.services.context import Actor, unit_of_work
    from branch_crm.services.syncing.conflicts import list_conflicts, resolve_conflict

    staff_id = scalar(path, "SELECT id FROM staff WHERE username = ?", username)
    db = open_database(path)
    actor = Actor(staff_id, username, "Supervisor", Role.SUPERVISOR, branch)
    with unit_of_work(db, actor) as session:
        (conflict,) = list_conflicts(session=session)
        say(
            f"# {path.name}: conflict {conflict.kind} on {conflict.value} with "
            f"{conflict.other_customer_name} at {conflict.other_branch}; supervisor keeps mine"
        )
        resolve_conflict(session=session, actor=actor, conflict_id=conflict.id, choice="keep_mine")
    db.dispose()


def scalar(path: Path, sql: str, *params: Any) -> Any:
    with sqlite3.connect(path) as raw:
        row = raw.execute(sql, params).fetchone()
    return row[0] if row else None


def check(condition: bool, text: str, failures: list[str]) -> None:
    say(("ok    " if condition else "FAIL  ") + text)
    if not condition:
        failures.append(text)


def demo(kind: str, folder: Path, keep: bool) -> int:
    """The whole scenario; 0 when every check passed."""
    env = {**os.environ, "BRANCH_CRM_DATA_DIR": str(folder / "data"), "BRANCH_CRM_KEYRING": "off"}
    os.environ.update({k: env[k] for k in ("BRANCH_CRM_DATA_DIR", "BRANCH_CRM_KEYRING")})
    hq_cli, crm = str(BIN / "branch-crm-hq"), str(BIN / "branch-crm")
    br1, br2 = folder / "br001.db", folder / "br002.db"
    failures: list[str] = []
    with hq_database(kind, folder, keep) as url:
        run(hq_cli, "--db", url, "migrate", env=env)
        with serving(url, env, folder) as base:
            code1 = registration_code(
                run(hq_cli, "--db", url, "branch", "add", "BR001", "一号网点", env=env)
            )
            code2 = registration_code(
                run(hq_cli, "--db", url, "branch", "add", "BR002", "二号网点", env=env)
            )
            run(hq_cli, "--db", url, "ref", "category", "late", "延误", "Late delivery", env=env)
            new_branch_db(br1, "BR001", "一号网点")
            new_branch_db(br2, "BR002", "二号网点")
            run(crm, "--db", str(br1), "sync", "register", base, code1, env=env)
            run(crm, "--db", str(br2), "sync", "register", base, code2, env=env)
            run(crm, "--db", str(br1), "staff", "add", "--role", "counter", "--name", "王小明",
                "--password", "demo-pass-1234", "wangxm", env=env)  # fmt: skip
            first = add_customer(br1, "BR001", "张三", PHONE)
            run(crm, "--db", str(br1), "sync", env=env)
            add_customer(br2, "BR002", "李四", "13700001111")
            second = add_customer(br2, "BR002", "张先生", PHONE)
            run(crm, "--db", str(br2), "sync", env=env)
            status = json.loads(run(crm, "--db", str(br2), "sync", "status", "--json", env=env))
            check(
                status["open_conflicts"] == 1,
                "BR002 has one open conflict for the shared phone",
                failures,
            )
            run(crm, "--db", str(br2), "staff", "add", "--role", "supervisor", "--name", "赵主管",
                "--password", "demo-pass-1234", "zhaozg", env=env)  # fmt: skip
            keep_mine(br2, "BR002", "zhaozg")
            run(crm, "--db", str(br2), "sync", env=env)
            run(crm, "--db", str(br1), "sync", env=env)
            run(crm, "--db", str(br1), "sync", "status", env=env)
            run(hq_cli, "--db", url, "branch", "list", env=env)
        engine = _engine(url)
        with engine.connect() as conn:
            from sqlalchemy import text

            def hq(sql: str, **params: Any) -> Any:
                return conn.execute(text(sql), params).scalar()

            staff = hq("SELECT branch_id FROM staff WHERE username = 'wangxm'")
            check(staff == "BR001", "head office has the account BR001 added (CLI)", failures)
            owner = hq(
                "SELECT customer_id FROM customer_phone WHERE phone = :p AND deleted_at IS NULL",
                p=PHONE,
            )
            check(owner == second, f"head office: {PHONE} now belongs to BR002's 张先生", failures)
        engine.dispose()
    for path, code in ((br1, "BR001"), (br2, "BR002")):
        category = scalar(path, "SELECT name_zh FROM reference_code WHERE code = 'late'")
        check(category == "延误", f"{code} received head office's category 'late'", failures)
        pending = scalar(path, "SELECT COUNT(*) FROM sync_outbox")
        check(pending == 0, f"{code} has nothing left to send", failures)
    check(scalar(br2, "SELECT COUNT(*) FROM customer WHERE id = ?", first) == 0,
          "BR002 never received BR001's customer (partitions stay private)", failures)  # fmt: skip
    live = "SELECT COUNT(*) FROM customer_phone WHERE phone = ? AND deleted_at IS NULL"
    check(scalar(br1, live, PHONE) == 0, f"BR001 gave {PHONE} up (BR002 kept it)", failures)
    say("demo passed" if not failures else f"demo FAILED: {len(failures)} check(s)")
    return 0 if not failures else 1


def _engine(url: str) -> Any:
    from branch_crm.hq.db import make_null_pool_engine

    return make_null_pool_engine(url)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--hq", default="sqlite", help="sqlite, postgresql (a new database) or a database URL"
    )
    parser.add_argument("--keep", help="folder for the databases and logs (kept afterwards)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    if args.keep:
        folder = Path(args.keep).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        return demo(args.hq, folder, True)
    with tempfile.TemporaryDirectory(prefix="bcrm-demo-") as temp:
        return demo(args.hq, Path(temp), False)


if __name__ == "__main__":
    sys.exit(main())
