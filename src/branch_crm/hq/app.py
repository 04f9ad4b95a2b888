"""Head office's HTTP service (FastAPI): thin routes over hq.auth, hq.push and hq.pull."""

from __future__ import annotations

import functools
import gc
import hmac
import logging
import time
from collections.abc import Callable
from typing import Annotated, Any, cast

from fastapi import Depends, FastAPI, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse
from pydantic import ValidationError
from sqlalchemy import (
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from starlette.requests import ClientDisconnect

from branch_crm import __version__
from branch_crm.hq import auth as hq_auth
from branch_crm.hq import tables as t
from branch_crm.hq.answers import BodyLimit, ClientGone, error_answers, install_handlers
from branch_crm.hq.db import (
    describe_error,
    make_engine,
    read_transaction,
    retryable,
    write_transaction,
)
from branch_crm.hq.errors import IncompatibleSchema, Unauthorized
from branch_crm.hq.metrics import CONTENT_TYPE, Metrics, database_gauges, render
from branch_crm.hq.openapi import openapi_with_push_body
from branch_crm.hq.pull import pull_page, record_pull
from branch_crm.hq.push.apply import Translate, apply_push
from branch_crm.hq.push.store import load_clock
from branch_crm.hq.settings import HqSettings
from branch_crm.hq.web.routes import dashboard_router
from branch_crm.i18n import N_, language_from_header, translator
from branch_crm.sync.hlc import HybridClock, wall_ms
from branch_crm.sync.protocol import (
    PROTOCOL_VERSION,
    ClockReading,
    PullResponse,
    PushAck,
    PushRequest,
    RegisterRequest,
    RegisterResponse,
)

log = logging.getLogger("branch_crm.hq")
RETRIES = 6
MIN_BRANCH_SCHEMA = "0003"
MAX_SEQ = 2**63 - 1
"""The largest change-log sequence number (BIGINT): a cursor beyond it is malformed."""


def _known_branch_schemas() -> list[str]:
    from alembic.script import ScriptDirectory

    from branch_crm.db.revisions import alembic_config

    revisions = ScriptDirectory.from_config(alembic_config()).walk_revisions()
    return sorted(rev.revision for rev in revisions)


def check_schema(version: str | None, protocol: str | None, known: list[str]) -> None:
    """409 with a clear message unless this branch version can sync with head office."""
    if protocol is not None and protocol != str(PROTOCOL_VERSION):
        raise IncompatibleSchema(
            N_(
                "This branch speaks sync protocol {protocol}; head office speaks {supported}. "
                "Install the matching version; queued changes are kept."
            ),
            protocol=protocol,
            supported=PROTOCOL_VERSION,
        )
    if not version:
        raise IncompatibleSchema(N_("The request does not say its schema version."))
    if version not in known:
        raise IncompatibleSchema(
            N_(
                "This branch runs a newer database schema ({version}) than head office knows "
                "(up to {newest}). Upgrade head office; queued changes are kept."
            ),
            version=version,
            newest=known[-1],
        )
    if version < MIN_BRANCH_SCHEMA:
        raise IncompatibleSchema(
            N_(
                "This branch's database schema ({version}) is too old to sync; "
                "update the branch app. Queued changes are kept."
            ),
            version=version,
        )


async def engine_of(request: Request) -> Engine:
    """The service's engine. Routes open their connection themselves, in the thread that
    runs them: a connection taken by a dependency is held while the route waits for a
    worker thread, and with every thread waiting for a pooled connection that held ones
    would never give back, the service stood still until the pool timed out."""
    return cast(Engine, request.app.state.engine)


async def schema(
    request: Request,
    x_sync_schema: Annotated[str | None, Header()] = None,
    x_sync_protocol: Annotated[str | None, Header()] = None,
) -> str:
    """The branch's schema version, checked against what head office can sync with."""
    check_schema(x_sync_schema, x_sync_protocol, request.app.state.known_schemas)
    return x_sync_schema or ""


EngineDep = Annotated[Engine, Depends(engine_of)]
Schema = Annotated[str, Depends(schema)]
Authorization = Annotated[str | None, Header()]
UserAgent = Annotated[str | None, Header()]
AcceptLanguage = Annotated[str | None, Header()]
APP_AGENT = "branch-crm/"


def _load_persisted_clock(engine: Engine, clock: HybridClock) -> None:
    """Start the clock past the high-water mark head office kept (pushes read it again)."""
    try:
        with read_transaction(engine) as conn:
            load_clock(conn, clock)
    except DBAPIError as exc:  # a database not migrated yet: nothing kept
        log.info("no saved clock read at start-up (%s)", describe_error(exc))


def _new_app(settings: HqSettings) -> FastAPI:
    """The bare application, with its API pages only where the settings want them."""
    docs = settings.docs_enabled()
    return FastAPI(
        title="Branch CRM head office",
        version=__version__,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )


def create_app(settings: HqSettings | None = None) -> FastAPI:
    """The head-office application; its engine and clock live on ``app.state``."""
    settings = settings or HqSettings()
    engine = make_engine(
        settings.resolved_url(),
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
        pool_timeout=settings.pool_timeout,
    )
    clock = HybridClock("hq", max_ahead_ms=settings.clock_skew_limit_ms)
    _load_persisted_clock(engine, clock)
    known = _known_branch_schemas()
    app = _new_app(settings)
    metrics = Metrics(settings.metrics_dir)
    app.state.engine, app.state.clock, app.state.settings = engine, clock, settings
    app.state.known_schemas, app.state.metrics = known, metrics

    app.add_middleware(BodyLimit, limit=settings.max_request_bytes)

    install_handlers(app, settings)
    app.include_router(dashboard_router())  # the cross-branch dashboard, /dashboard

    _add_operations_routes(app, settings, metrics)  # and the attachments' file routes

    @app.post(
        "/api/v1/register",
        response_model=RegisterResponse,
        responses=error_answers(400, 401, 403, 413, 422, 503),
    )
    def register(body: RegisterRequest, db: EngineDep, request: Request) -> RegisterResponse:
        request.state.branch = body.branch
        with write_transaction(db) as conn:
            done = hq_auth.register(
                conn, code=body.code, branch=body.branch, node_id=body.node, key=body.key
            )
        log.info(
            "node %s %s for branch %s as PC %s (token %s)",
            body.node,
            "asked again" if done.repeated else "registered",
            done.branch,
            done.pc_code,
            done.token_id,
            extra={"branch": body.branch},
        )
        return RegisterResponse(
            token=done.token, branch=done.branch, branch_name=done.branch_name, pc_code=done.pc_code
        )

    @app.post(
        "/api/v1/sync/push",
        response_model=PushAck,
        openapi_extra=PUSH_BODY_DOC,
        responses=error_answers(400, 401, 403, 409, 413, 422, 503),
    )
    def push(
        raw: PushBody,
        db: EngineDep,
        _schema: Schema,
        *,
        request: Request,
        authorization: Authorization = None,
        user_agent: UserAgent = None,
        accept_language: AcceptLanguage = None,
    ) -> Response:
        body = parse_push(raw)
        check_schema(body.schema_version, None, known)  # stored: checked like the header
        translate = translator(language_from_header(accept_language))
        start = time.perf_counter()
        ack = _push_with_retry(
            db, body, authorization, clock, user_agent, translate=translate,
            seen=functools.partial(_seen, request),
        )  # fmt: skip
        count_push(metrics, ack, time.perf_counter() - start)
        return Response(ack.model_dump_json(), media_type="application/json")

    @app.get(
        "/api/v1/sync/clock",
        response_model=ClockReading,
        responses=error_answers(401, 409, 413, 422, 503),
    )
    def clock_reading(
        db: EngineDep, _schema: Schema, request: Request, authorization: Authorization = None
    ) -> ClockReading:
        """Head office's time, for a PC to measure its clock against before it pushes, and
        the PC's code (given now to a PC registered before PC codes existed)."""
        with read_transaction(db) as conn:
            node = hq_auth.authenticate(conn, authorization)
        _seen(request, node.branch)
        pc_code = node.pc_code
        if pc_code is None:
            with write_transaction(db) as conn:
                pc_code = hq_auth.pc_code_of(conn, node)
        return ClockReading(server_hlc=str(clock.now()), server_time_ms=wall_ms(), pc_code=pc_code)

    @app.get(
        "/api/v1/sync/pull",
        response_model=PullResponse,
        responses=error_answers(401, 409, 413, 422, 503),
    )
    def pull(
        db: EngineDep,
        _schema: Schema,
        *,
        request: Request,
        after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
        limit: Annotated[int, Query(ge=1)] = 1000,
        authorization: Authorization = None,
        user_agent: UserAgent = None,
    ) -> Response:
        limit = min(limit, settings.pull_page_limit)
        start = time.perf_counter()
        with read_transaction(db, snapshot=True) as conn:  # one snapshot: see hq.pull
            node = hq_auth.authenticate(conn, authorization)
            _seen(request, node.branch)
            page = pull_page(conn, node, clock, after=after, limit=limit)
        with write_transaction(db) as conn:
            record_pull(conn, node, page.next_cursor)
            note_versions(conn, node, user_agent, _schema)
        log.debug("pull", extra={"branch": node.branch, "changes": len(page.rows)})
        metrics.observe("pull_duration_seconds", time.perf_counter() - start)
        metrics.count("pulls_total")
        metrics.count("changes_pulled_total", len(page.rows))
        return Response(page.to_json(), media_type="application/json")

    app.openapi = functools.partial(  # type: ignore[method-assign]
        openapi_with_push_body, app, MIN_BRANCH_SCHEMA
    )
    return app


def _add_operations_routes(app: FastAPI, settings: HqSettings, metrics: Metrics) -> None:
    """``/healthz`` and ``/metrics``, for load balancers and monitoring; the attachments'
    file routes (hq.file_routes)."""
    from branch_crm.hq.file_routes import add_file_routes

    add_file_routes(app, settings, {"engine": engine_of, "schema": schema, "body": push_body})

    @app.get("/healthz", responses=error_answers(413, 503))
    def healthz(db: EngineDep) -> dict[str, Any]:
        with read_transaction(db) as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__, "database": db.dialect.name}

    @app.get("/metrics", include_in_schema=False, response_class=PlainTextResponse)
    def metrics_page(db: EngineDep, authorization: Authorization = None) -> Response:
        """Prometheus' text format: this service's counters (every worker's) and what the
        database says now (each branch's last contact, PCs, quarantine)."""
        check_metrics_token(settings.metrics_token, authorization)
        with read_transaction(db) as conn:
            gauges = database_gauges(conn)
        return Response(render(metrics.combined(), gauges), media_type=CONTENT_TYPE)


def _seen(request: Request, branch: str) -> None:
    """Name the calling branch for the access log line of this request."""
    request.state.branch = branch


def check_metrics_token(expected: str, authorization: str | None) -> None:
    """401 unless ``/metrics`` is open (no token set) or the request carries the token."""
    if not expected:
        return
    given = (authorization or "").removeprefix("Bearer ").removeprefix("bearer ").strip()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthorized(N_("Metrics need the token set in BRANCH_CRM_HQ_METRICS_TOKEN."))


def count_push(metrics: Metrics, ack: PushAck, seconds: float) -> None:
    """Count one answered push: a batch sent again is counted as such, its changes not again."""
    if ack.duplicate:
        metrics.count("pushes_total", result="duplicate")
        return
    metrics.observe("push_duration_seconds", seconds)
    metrics.count("pushes_total", result="applied")
    metrics.count("changes_applied_total", ack.accepted)
    metrics.count("changes_rejected_total", len(ack.rejected))
    metrics.count("conflicts_total", len(ack.conflicts))


PUSH_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PushRequest"}}},
    }
}
"""The push body as OpenAPI documents it (the route reads and validates the bytes itself)."""


async def push_body(request: Request) -> bytes:
    """The raw push body, read before the other dependencies (an oversized upload gets its
    413 before anything else is looked at). A client hanging up meanwhile (a lost line) is
    ordinary for a branch: one info line, no error."""
    try:
        return await request.body()
    except ClientDisconnect:
        log.info("client disconnected during the upload of %s", request.url.path)
        raise ClientGone(N_("The request ended before its body arrived.")) from None


PushBody = Annotated[bytes, Depends(push_body)]


def parse_push(raw: bytes) -> PushRequest:
    """Validate a push body straight from its JSON bytes (pydantic's parser: no intermediate
    Python objects); a malformed body is a 422 like any other request validation error."""
    try:
        return PushRequest.model_validate_json(raw)
    except ValidationError as exc:
        errors = [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        raise RequestValidationError(errors) from None


GC_THRESHOLD = 50_000
"""Allocations between young-generation collections in the service process (Python's
default, 700, runs the collector dozens of times per pushed batch of a thousand changes,
each pass walking every object a batch holds)."""


def tune_gc() -> None:
    """Garbage-collector settings for a head-office service process (not for a library
    user's process): objects alive after start-up are frozen out of collections, and young
    collections run every ``GC_THRESHOLD`` allocations. Reference counting still frees
    everything as usual; only cycles wait a little longer."""
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, middle, old)


def note_versions(
    conn: Connection, node: hq_auth.NodeAuth, user_agent: str | None, schema: str
) -> None:
    """Record the calling PC's app version (User-Agent ``branch-crm/0.1.0``) and schema."""
    values: dict[str, str] = {"schema_version": schema} if schema else {}
    if user_agent and user_agent.startswith(APP_AGENT):
        rest = user_agent[len(APP_AGENT) :].strip()
        if rest:
            values["app_version"] = rest.split()[0][:32]
    if values:
        conn.execute(update(t.node).where(t.node.c.token_id == node.token_id).values(**values))


def _push_with_retry(
    db: Engine,
    body: PushRequest,
    authorization: str | None,
    clock: HybridClock,
    user_agent: str | None = None,
    *,
    translate: Translate = str,
    seen: Callable[[str], None] | None = None,
) -> PushAck:
    """Apply a push in a transaction of its own, again after a deadlock, a serialisation
    failure or a locked database (a change the data itself makes fail is quarantined by
    apply_push, never retried)."""
    for attempt in range(RETRIES):
        try:
            with write_transaction(db) as conn:
                node = hq_auth.authenticate(conn, authorization)
                if seen is not None:
                    seen(node.branch)
                ack = apply_push(conn, body, node, clock, translate=translate)
                note_versions(conn, node, user_agent, body.schema_version)
            log.info(
                "batch %s applied",
                body.batch_id,
                extra={"branch": node.branch, "changes": len(body.changes)},
            )
            return ack
        except DBAPIError as exc:
            if attempt == RETRIES - 1 or not retryable(exc):
                raise
            log.warning("push of %s retried after %s", body.batch_id, type(exc.orig).__name__)
    raise AssertionError("unreachable")
