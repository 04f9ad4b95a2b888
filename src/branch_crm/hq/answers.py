"""How head office answers what it refuses: the refusal in the caller's language, the error
answers each route documents, database failures without their data (503), the body limit
(413, with or without a Content-Length) and the access log."""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from branch_crm.hq.db import describe_error
from branch_crm.hq.errors import BadPayload, HqError
from branch_crm.hq.settings import HqSettings
from branch_crm.i18n import N_, http_language, language_from_header, translator
from branch_crm.sync.protocol import ErrorBody

log = logging.getLogger("branch_crm.hq")


class Unavailable(HqError):
    """Head office's database failed (503): nothing the request can change; try later."""

    status = 503


class ClientGone(HqError):
    """The client hung up before its request arrived whole (400; nobody reads the answer)."""


class TooLarge(HqError, HTTPException):
    """A body over the limit (413). Also an ``HTTPException``: FastAPI lets those through
    when reading a body and turns anything else raised there into a 400."""

    status = 413

    def __init__(self, limit: int) -> None:
        message = N_("Request too large (limit {limit} bytes).")
        HTTPException.__init__(self, 413, message.format(limit=limit))
        self.message, self.params = message, {"limit": limit}
        self.detail = message.format(limit=limit)


def refusal(request: Request, exc: HqError) -> JSONResponse:
    """The JSON answer to a refusal, in the language the request asks for
    (``Accept-Language``; English without one)."""
    language = language_from_header(request.headers.get("accept-language"))
    return JSONResponse(
        {"detail": exc.render(translator(language))},
        status_code=exc.status,
        headers={"Content-Language": http_language(language)},
    )


class BodyLimit:
    """413 for a body over the limit even without a Content-Length (chunked uploads): the
    bytes are counted as they arrive, so an oversized request is never read whole."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        received = 0

        async def counted() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise TooLarge(self.limit)
            return message

        await self.app(scope, counted, send)


def install_handlers(app: FastAPI, settings: HqSettings) -> None:
    """Refusals in the caller's language, database errors without their data, the body
    limit and the access log."""

    @app.exception_handler(HqError)
    async def _hq_error(request: Request, exc: HqError) -> JSONResponse:
        return refusal(request, exc)

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        # the error's own text may quote rows (PostgreSQL's DETAIL): only names are logged
        log.error(
            "database error on %s %s: %s\n%s",
            request.method,
            request.url.path,
            describe_error(exc),
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        busy = N_("Head office's database is unavailable just now; try again later.")
        return refusal(request, Unavailable(busy))

    @app.exception_handler(PoolTimeout)
    async def _pool_full(request: Request, exc: PoolTimeout) -> JSONResponse:
        # every connection of this worker's pool busy for BRANCH_CRM_HQ_POOL_TIMEOUT seconds
        log.warning("no free database connection for %s %s", request.method, request.url.path)
        busy = N_("Head office's database is unavailable just now; try again later.")
        return refusal(request, Unavailable(busy))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        problem = str(first.get("msg", "invalid"))  # pydantic's English words
        malformed = N_("Malformed request at {where}: {problem}")
        return refusal(request, BadPayload(malformed, where=where, problem=problem))

    @app.middleware("http")
    async def _limit_and_log(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        start = time.perf_counter()
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > settings.max_request_bytes:
            response: Response = refusal(request, TooLarge(settings.max_request_bytes))
        else:
            response = await call_next(request)
        metrics = getattr(request.app.state, "metrics", None)
        if metrics is not None:
            metrics.count("http_responses_total", status=str(response.status_code))
        extra = {
            "method": request.method,
            "path": request.url.path,
            "status": response.status_code,
            "ms": round((time.perf_counter() - start) * 1000, 1),
            "bytes": int(length) if length and length.isdigit() else None,
            # behind a proxy on this machine, the address it forwarded (uvicorn's proxy_headers)
            "client": request.client.host if request.client else None,
        }
        branch = getattr(request.state, "branch", None)
        if branch is not None:
            extra["branch"] = branch
        log.info("%s %s %s", request.method, request.url.path, response.status_code, extra=extra)
        return response


ERROR_ANSWERS = {
    400: "The body is not JSON, or the client hung up before it arrived.",
    401: "No token, or one head office does not know or revoked (registration: the code is "
    "unknown, used or expired).",
    403: "The request names another branch than the token's (or the code's).",
    404: "Head office has no such file for the token's branch (attachment files).",
    409: "The branch's schema or sync protocol is one head office does not sync with.",
    413: "The request is larger than head office accepts.",
    422: "The request is malformed.",
    503: "Head office's database is unavailable just now; try again later.",
}
"""What each error status a route answers with means (OpenAPI's descriptions)."""


def error_answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error answers a route documents: each carries an ``ErrorBody``."""
    return {s: {"model": ErrorBody, "description": ERROR_ANSWERS[s]} for s in statuses}
