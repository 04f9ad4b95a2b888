"""Head office's OpenAPI description lists every status each route really answers with, each
with the ``ErrorBody`` it carries: among them 503 (its database unavailable), which every
route can answer and none documented."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hq_push_support import SCHEMA, Office, office_at

from branch_crm.hq.db import make_engine

ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}
ROUTES = {
    ("/healthz", "get"): {"200", "413", "503"},
    ("/api/v1/register", "post"): {"200", "400", "401", "403", "413", "422", "503"},
    ("/api/v1/sync/push", "post"): {"200", "400", "401", "403", "409", "413", "422", "503"},
    ("/api/v1/sync/pull", "get"): {"200", "401", "409", "413", "422", "503"},
    ("/api/v1/sync/clock", "get"): {"200", "401", "409", "413", "422", "503"},
    # attachments' files (issue 19): 404 no such file for the branch, 409 also a chunk that
    # does not start where the upload stands
    ("/api/v1/files/{sha256}", "head"): {"200", "401", "404", "409", "413", "422", "503"},
    ("/api/v1/files/{sha256}", "put"): {"200", "400", "401", "409", "413", "422", "503"},
    ("/api/v1/files/{sha256}", "get"): {"200", "401", "404", "409", "413", "422", "503"},
}
"""Each route's statuses: 400 a body that is no JSON (or a client gone mid-upload), 401 no
valid token, 403 another branch's data, 409 a schema or protocol head office does not sync
with, 413 a request over the size limit, 422 a malformed request (FastAPI lists it wherever a
route has parameters), 503 the database down."""


@pytest.fixture
def office(hq_url: str) -> Iterator[Office]:
    with office_at(hq_url, allow_server_errors=True) as office:
        yield office


def test_every_route_documents_exactly_what_it_answers(office: Office) -> None:
    published = office.http.get("/openapi.json").json()
    documented = {
        (path, method): operation["responses"]
        for path, operations in published["paths"].items()
        for method, operation in operations.items()
    }
    assert set(documented) == set(ROUTES)
    for route, statuses in ROUTES.items():
        assert set(documented[route]) == statuses, route
        for status in statuses - {"200"}:
            content = documented[route][status]["content"]
            assert content == ERROR["content"], (route, status)


def _database_down(office: Office, hq_url: str) -> None:
    """Point the service at a database that cannot be reached."""
    broken = (
        f"sqlite+pysqlite:///{uuid.uuid4().hex}/missing/hq.db"
        if hq_url.startswith("sqlite")
        else "postgresql+psycopg://postgres@127.0.0.1:1/unreachable"
    )
    office.server.app.state.engine.dispose()  # its pooled connections closed, not left to GC
    office.server.app.state.engine = make_engine(broken)


def _requests(office: Office) -> dict[tuple[str, str], Any]:
    pc = office.register("BR1", "node1")
    headers = office.headers(pc)
    push = {
        "branch": "BR1",
        "node": "node1",
        "batch_id": str(uuid.uuid4()),
        "schema_version": SCHEMA,
        "changes": [],
    }
    register = {"code": "ABCD-EFGH-JKLM", "branch": "BR1", "node": "node2"}
    file = "/api/v1/files/" + "0" * 64
    return {
        ("/healthz", "get"): lambda: office.http.get("/healthz"),
        ("/api/v1/register", "post"): lambda: office.http.post("/api/v1/register", json=register),
        ("/api/v1/sync/push", "post"): lambda: office.http.post(
            "/api/v1/sync/push", json=push, headers=headers
        ),
        ("/api/v1/sync/pull", "get"): lambda: office.http.get("/api/v1/sync/pull", headers=headers),
        ("/api/v1/sync/clock", "get"): lambda: office.http.get(
            "/api/v1/sync/clock", headers=headers
        ),
        ("/api/v1/files/{sha256}", "head"): lambda: office.http.head(file, headers=headers),
        ("/api/v1/files/{sha256}", "put"): lambda: office.http.put(
            file, content=b"x", headers={**headers, "Content-Range": "bytes 0-0/1"}
        ),
        ("/api/v1/files/{sha256}", "get"): lambda: office.http.get(file, headers=headers),
    }


def test_every_route_answers_a_documented_503_while_the_database_is_down(
    office: Office, hq_url: str
) -> None:
    requests = _requests(office)
    published = office.http.get("/openapi.json").json()
    _database_down(office, hq_url)
    for (path, method), send in requests.items():
        answer: httpx.Response = send()
        assert answer.status_code == 503, (path, answer.text)
        assert "503" in published["paths"][path][method]["responses"], path
        if method == "head":  # an answer to HEAD has no body
            continue
        assert answer.json()["detail"] == (
            "Head office's database is unavailable just now; try again later."
        )
        assert "503" in published["paths"][path][method]["responses"], path
