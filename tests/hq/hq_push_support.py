"""Raw pushes and pulls against a loopback head office, for tests that send what a branch
PC would never send (bad values, forged rows, other branches' ids)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select

from branch_crm.db.revisions import head_revision
from branch_crm.hq import tables as t
from branch_crm.hq.testing import HqServer, running_hq
from branch_crm.sync.hlc import wall_ms
from branch_crm.sync.protocol import PROTOCOL_HEADER, SCHEMA_HEADER

SCHEMA = head_revision()
WHEN = "2026-01-01 00:00:00.000000"
"""A datetime column in wire form."""


_counter = itertools.count(1)


def stamp(n: int, node: str) -> str:
    """A valid HLC stamp ``n`` ms after 2026-01-01, written by ``node``."""
    return f"{1767225600000 + n:013d}.{0:010d}.{node}"


def now_stamp(node: str) -> str:
    """A valid HLC stamp of this moment, later than every one this function gave before."""
    return f"{wall_ms():013d}.{next(_counter):010d}.{node}"


@dataclass
class Pc:
    """One registered PC: its branch, node id and token."""

    branch: str
    node: str
    token: str


@dataclass
class Office:
    """A head office on loopback with PCs registered over HTTP."""

    server: HqServer
    http: httpx.Client

    def register(self, branch: str, node: str) -> Pc:
        """Register a PC of ``branch`` (the branch created if new)."""
        code = self.server.add_branch(branch)
        answer = self.http.post(
            "/api/v1/register", json={"code": code, "branch": branch, "node": node}
        )
        assert answer.status_code == 200, answer.text
        return Pc(branch, node, answer.json()["token"])

    def headers(self, pc: Pc, language: str | None = None) -> dict[str, str]:
        """The headers a PC sends."""
        headers = {
            "Authorization": f"Bearer {pc.token}",
            SCHEMA_HEADER: SCHEMA,
            PROTOCOL_HEADER: "1",
            "Content-Type": "application/json",
        }
        if language:
            headers["Accept-Language"] = language
        return headers

    def push(
        self,
        pc: Pc,
        changes: list[dict[str, Any]],
        *,
        language: str | None = None,
        **body: Any,
    ) -> httpx.Response:
        """POST one batch of raw changes (dicts as :func:`change` makes them)."""
        payload = {
            "branch": pc.branch,
            "node": pc.node,
            "batch_id": str(uuid.uuid4()),
            "schema_version": SCHEMA,
            "changes": changes,
            **body,
        }
        return self.http.post("/api/v1/sync/push", json=payload, headers=self.headers(pc, language))

    def pull_all(self, pc: Pc, after: int = 0) -> list[dict[str, Any]]:
        """Every change the PC's pull hands out after ``after``."""
        changes: list[dict[str, Any]] = []
        while True:
            answer = self.http.get(
                "/api/v1/sync/pull", params={"after": after}, headers=self.headers(pc)
            )
            assert answer.status_code == 200, answer.text
            page = answer.json()
            changes += page["changes"]
            after = page["next_cursor"]
            if not page["has_more"]:
                return changes

    def rows(self, table: str, **where: Any) -> list[dict[str, Any]]:
        """Head office's rows of a synced or bookkeeping table matching ``where``."""
        source = t.ENTITIES[table][0] if table in t.ENTITIES else t.hq_metadata.tables[table]
        query = select(source)
        for key, value in where.items():
            query = query.where(source.c[key] == value)
        with self.server.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def count(self, table: str, **where: Any) -> int:
        """How many rows :meth:`rows` would return."""
        source = t.ENTITIES[table][0] if table in t.ENTITIES else t.hq_metadata.tables[table]
        query = select(func.count()).select_from(source)
        for key, value in where.items():
            query = query.where(source.c[key] == value)
        with self.server.engine.connect() as conn:
            return int(conn.scalar(query) or 0)


@contextmanager
def office_at(url: str, **settings: Any) -> Iterator[Office]:
    """A head office serving ``url`` with an HTTP client on it."""
    with running_hq(url, **settings) as server, httpx.Client(base_url=server.base_url) as http:
        yield Office(server, http)


def change(
    table: str, pk: str, data: dict[str, Any], hlc: str, *, op: str = "insert"
) -> dict[str, Any]:
    """One raw change as a push body carries it."""
    return {
        "table": table,
        "pk": pk,
        "op": op,
        "data": data,
        "hlc": hlc,
        "tx": 1,
        "schema_version": SCHEMA,
    }


def customer(branch: str, name: str, **extra: Any) -> dict[str, Any]:
    """The data of a customer insert (wire values)."""
    return {
        "name": name,
        "name_pinyin": "",
        "name_initials": "",
        "customer_type": "individual",
        "need_tags": "",
        "marketing_consent": 0,
        "branch_id": branch,
        "created_at": WHEN,
        "updated_at": WHEN,
        **extra,
    }


def phone(branch: str, customer_id: str, number: str, **extra: Any) -> dict[str, Any]:
    """The data of a customer_phone insert (wire values)."""
    return {
        "customer_id": customer_id,
        "phone": number,
        "kind": "mobile",
        "position": 0,
        "branch_id": branch,
        "created_at": WHEN,
        "updated_at": WHEN,
        **extra,
    }


def staff(branch: str, username: str, role: str, **extra: Any) -> dict[str, Any]:
    """The data of a staff insert (wire values)."""
    return {
        "username": username,
        "display_name": username,
        "role": role,
        "password_hash": "$argon2id$not-a-real-hash",
        "active": 1,
        "branch_id": branch,
        "created_at": WHEN,
        "updated_at": WHEN,
        **extra,
    }


def new_pk() -> str:
    """A fresh row id."""
    return str(uuid.uuid4())


REFERENCE = {
    "list_kind": "complaint_category",
    "code": "late",
    "name_zh": "延误",
    "name_en": "Late",
}
"""A complaint category as head office's reference data."""


def reference_value(engine: Any, pk: str, column: str) -> Any:
    """One column of a reference_code row at head office."""
    table = t.ENTITIES["reference_code"][0]
    with engine.connect() as conn:
        return conn.scalar(select(table.c[column]).where(table.c.id == pk))


def pc_value(db: Any, pk: str, column: str) -> Any:
    """One column of a reference_code row on a branch PC."""
    with db.engine.connect() as conn:
        query = f'SELECT "{column}" FROM reference_code WHERE id = ?'
        return conn.exec_driver_sql(query, (pk,)).scalar()
