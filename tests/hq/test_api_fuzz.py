"""Fuzz head office's API with schemathesis, from the OpenAPI schema the service publishes.

A real head office serves on loopback (SQLite and PostgreSQL); a branch is registered, so
requests carry a valid token. schemathesis generates requests for push, pull, the clock
reading and register from ``/openapi.json`` -- valid ones (positive) and ones that break
the schema (negative) -- and every answer must be no 5xx, a documented status code, with the
documented content type and body schema.

Push bodies are generated from a *focused* copy of the schema: the real one with the
branch's own code in ``branch`` / ``branch_id``, row ids and unique values (phone numbers,
complaint numbers, serials, user names) drawn from a few values, and no reference tables.
The generated batches therefore pass the ownership check and collide with each other's
rows (updates, tombstones, unique clashes, parked rows), which is where head office's
merge code runs; random ids and another branch's code would only ever get a 403.

Deterministic (hypothesis ``derandomize``) and bounded (a fixed number of examples per
operation and mode, no shrinking): a failure lists every distinct problem, each with the
curl command that reproduces it. A deeper run: ``BRANCH_CRM_FUZZ_SCALE=10`` (ten times the
examples).
"""

from __future__ import annotations

import copy
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import JSON, Date, DateTime

from branch_crm.hq import tables as t
from branch_crm.hq.testing import HqServer, running_hq
from branch_crm.sync import codec

pytestmark = pytest.mark.slow

BRANCH = "BR001"
NODE = "fuzznode0001"
PUSH, PULL, REGISTER = "/api/v1/sync/push", "/api/v1/sync/pull", "/api/v1/register"
CLOCK = "/api/v1/sync/clock"
SCALE = int(os.environ.get("BRANCH_CRM_FUZZ_SCALE", "1"))
EXAMPLES = {PUSH: 200 * SCALE, PULL: 30 * SCALE, REGISTER: 25 * SCALE, CLOCK: 15 * SCALE}
"""Examples per operation and generation mode (positive and negative)."""
ROW_IDS = [f"0190a000-0000-7000-8000-00000000000{i}" for i in range(6)]
UNIQUE_VALUES = {"phone": ["13800000001", "13800000002"], "month": ["2026-01", "2026-02"]}
TEXT_KEYS = ["BR001-260101-0001", "BR001-260101-0002", "wang"]
"""Values of the unique keys (complaint numbers, serials, user names): a few, so they clash."""
MAX_CHANGES = 6
JSON_TEXTS = ["{}", "[]", '{"mon": [["09:00", "12:00"]]}']
YEAR_OR_DAY = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
REAL_DAY_2026 = "2026-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@dataclass
class Findings:
    """Distinct problems seen, each with one reproduction."""

    problems: dict[tuple[str, int, str], str] = field(default_factory=dict)
    calls: int = 0

    def add(self, label: str, status: int, kind: str, detail: str, curl: str) -> None:
        self.problems.setdefault(
            (label, status, kind), f"{label} -> HTTP {status}: {kind}\n{detail[:1500]}\n  {curl}"
        )

    def report(self) -> str:
        lines = [f"{len(self.problems)} distinct problems in {self.calls} requests:"]
        return "\n\n".join([*lines, *list(self.problems.values())[:15]])


class ServerErrors(logging.Handler):
    """Keeps the exceptions head office logged (uvicorn logs the traceback of a 500)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []
        self.logged = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            self.seen.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}")
            self.logged.set()

    def clear(self) -> None:
        """Forget what was logged so far."""
        self.seen.clear()
        self.logged.clear()

    def last(self) -> str:
        """The exception behind the 500 just answered (uvicorn logs it after answering)."""
        self.logged.wait(5)
        return self.seen[-1] if self.seen else "nothing logged"

    @contextmanager
    def installed(self) -> Iterator[ServerErrors]:
        """Attached to uvicorn's error logger while the block runs."""
        logger = logging.getLogger("uvicorn.error")
        logger.addHandler(self)
        try:
            yield self
        finally:
            logger.removeHandler(self)


def _failure_kinds(exc: BaseException) -> str:
    """The names of the schemathesis checks that failed (one per distinct failure)."""
    failures = exc.exceptions if isinstance(exc, BaseExceptionGroup) else (exc,)
    return ", ".join(sorted({str(getattr(f, "title", type(f).__name__)) for f in failures}))


def _register(hq: HqServer) -> str:
    """A token of branch BR001 (registered with a fresh one-time code)."""
    code = hq.add_branch(BRANCH)
    answer = httpx.post(
        f"{hq.base_url}{REGISTER}",
        json={"code": code, "branch": BRANCH, "node": NODE},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["token"])


def _pinned(column_schema: dict[str, Any], values: list[Any]) -> dict[str, Any]:
    """A column's schema narrowed to ``values`` (null kept where the column allows it)."""
    options = column_schema.get("anyOf", [column_schema])
    nullable = any(option.get("type") == "null" for option in options)
    limit = min((option.get("maxLength", 10**6) for option in options), default=10**6)
    fitting = [v for v in values if not isinstance(v, str) or len(v) <= limit]
    if not fitting:
        return column_schema  # the published schema's own values, then
    pinned: dict[str, Any] = {"enum": fitting}
    return {"anyOf": [pinned, {"type": "null"}]} if nullable else pinned


def _this_year(column_schema: dict[str, Any]) -> dict[str, Any]:
    """A date or datetime column's schema narrowed to real days of 2026."""
    narrowed = copy.deepcopy(column_schema)
    for option in narrowed.get("anyOf", [narrowed]):
        if "pattern" in option:
            option["pattern"] = option["pattern"].replace(YEAR_OR_DAY, REAL_DAY_2026)
    return narrowed


def focused(schema: dict[str, Any]) -> dict[str, Any]:
    """The published schema with push bodies narrowed to this branch's rows (see above)."""
    focused = copy.deepcopy(schema)
    components = focused["components"]["schemas"]
    body = components["PushRequest"]["properties"]
    body["branch"] = {"type": "string", "enum": [BRANCH]}
    body["node"] = {"type": "string", "enum": [NODE]}
    body["changes"]["maxItems"] = MAX_CHANGES
    kept = []
    for variant in components["Change"]["oneOf"]:
        name = variant["$ref"].rsplit("/", 1)[1]
        change = components[name]["properties"]
        table = change["table"]["enum"][0]
        table_spec, kind, keys, _partial = t.ENTITIES[table]
        if kind == "reference":
            continue  # a branch writing head-office data gets a 403, nothing deeper
        kept.append(variant)
        change["pk"] = {"type": "string", "enum": ROW_IDS}
        columns = change["data"]["properties"]
        columns["branch_id"] = _pinned(columns["branch_id"], [BRANCH])
        for column in table_spec.columns:
            base = codec.base_type(column.type)
            if isinstance(base, JSON):
                columns[column.name] = _pinned(columns[column.name], JSON_TEXTS)
            elif isinstance(base, DateTime | Date):
                columns[column.name] = _this_year(columns[column.name])
        for column in {c for key in keys for c in key}:
            values = ROW_IDS if column.endswith("_id") else UNIQUE_VALUES.get(column, TEXT_KEYS)
            columns[column] = _pinned(columns[column], values)
    components["Change"]["oneOf"] = kept
    return focused


def _fuzz(strategy: st.SearchStrategy[Any], examples: int, call: Callable[[Any], None]) -> None:
    """Run ``call`` on ``examples`` generated cases: deterministic, no shrinking."""

    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(case: Any) -> None:
        call(case)

    run()


@pytest.fixture
def hq(hq_url: str) -> Iterator[HqServer]:
    """A head office on loopback over a fresh database (SQLite or PostgreSQL)."""
    with running_hq(hq_url) as server:
        yield server


def test_api_fuzz_no_server_error_and_answers_match_the_schema(hq: HqServer) -> None:
    token = _register(hq)
    published = httpx.get(f"{hq.base_url}/openapi.json", timeout=30).json()
    assert published["components"]["schemas"]["Change"]["oneOf"], "the schema names no table"
    real = schemathesis.openapi.from_dict(published)
    narrowed = schemathesis.openapi.from_dict(focused(published))
    findings = Findings()
    auth = {"authorization": f"Bearer {token}"}
    errors = ServerErrors()

    def call(case: Any) -> None:
        findings.calls += 1
        errors.clear()
        label, curl = case.operation.label, case.as_curl_command()
        try:
            response = case.call(base_url=hq.base_url, timeout=30)
        except Exception as exc:  # the service dropped the connection: as bad as a 500
            findings.add(label, 0, type(exc).__name__, str(exc), curl)
            return
        try:
            case.validate_response(response, checks=CHECKS)
        except (AssertionError, BaseExceptionGroup) as exc:
            kind = _failure_kinds(exc)
            if response.status_code >= 500:  # head office's exception tells causes apart
                kind = f"{kind}; head office raised {errors.last()}"
            findings.add(label, response.status_code, kind, str(exc), curl)

    with errors.installed():
        for path, method, schema, headers in (
            (PUSH, "POST", narrowed, auth),
            (PULL, "GET", real, auth),
            (CLOCK, "GET", real, auth),
            (REGISTER, "POST", real, {}),
        ):
            operation = schema[path][method]
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                strategy = operation.as_strategy(generation_mode=mode, headers=dict(headers))
                _fuzz(strategy, EXAMPLES[path], call)

    assert findings.calls >= sum(EXAMPLES.values())
    assert not findings.problems, findings.report()
