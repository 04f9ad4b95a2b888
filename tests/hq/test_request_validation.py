"""Free-text fields of requests are checked by the request schema (HTTP 422), before head
office's database sees them: a node id is what the app makes (``sync_state.node_id``, 16 hex
digits; letters, digits, ``_`` and ``-``, 32 at most), a branch code the same (16 at most:
what a PC can hold), a batch id too (8 to 36). A NUL byte in a node id used to reach
PostgreSQL and come back as HTTP 503."""

from __future__ import annotations

import uuid

import pytest
from hq_push_support import SCHEMA, Office

BAD_NODES = ["a\x00b", "has space", "x" * 33, "", "节点", "node/1", "node\n"]
BAD_BRANCHES = ["BR\x001", "BR 1", "分行", "B" * 17, ""]


def _register(office: Office, code: str, **body: object) -> tuple[int, str]:
    answer = office.http.post("/api/v1/register", json={"code": code, **body})
    return answer.status_code, str(answer.json().get("detail", ""))


@pytest.mark.parametrize("node", BAD_NODES, ids=repr)
def test_a_malformed_node_id_is_refused_and_the_code_still_works(office: Office, node: str) -> None:
    code = office.server.add_branch("BR1")
    status, detail = _register(office, code, branch="BR1", node=node)
    assert status == 422 and "node" in detail, detail
    status, detail = _register(office, code, branch="BR1", node="0123456789abcdef")
    assert status == 200, detail  # the refused request did not use the code up


@pytest.mark.parametrize("branch", BAD_BRANCHES, ids=repr)
def test_a_malformed_branch_code_is_refused(office: Office, branch: str) -> None:
    code = office.server.add_branch("BR1")
    status, detail = _register(office, code, branch=branch, node="node1")
    assert status == 422 and "branch" in detail, detail


def test_node_ids_the_app_makes_and_the_tests_use_are_accepted(office: Office) -> None:
    for node in ("0123456789abcdef", "node_1", "fuzz-node-0001", "N" * 32):
        code = office.server.add_branch("BR1")
        status, detail = _register(office, code, branch="BR1", node=node)
        assert status == 200, detail


@pytest.mark.parametrize(
    ("field", "value"),
    [
        *(("node", n) for n in BAD_NODES),
        *(("branch", b) for b in BAD_BRANCHES),
        ("batch_id", "batch id with spaces"),
        ("batch_id", "b\x00" + "0" * 10),
    ],
    ids=repr,
)
def test_a_push_with_a_malformed_field_is_refused(office: Office, field: str, value: str) -> None:
    pc = office.register("BR1", "node1")
    body = {
        "branch": pc.branch,
        "node": pc.node,
        "batch_id": str(uuid.uuid4()),
        "schema_version": SCHEMA,
        "changes": [],
        field: value,
    }
    answer = office.http.post("/api/v1/sync/push", json=body, headers=office.headers(pc))
    assert answer.status_code == 422 and field in answer.json()["detail"], answer.text
