"""The dashboard's routes under ``/dashboard`` (mounted by :func:`branch_crm.hq.app.create_app`).

Sign-in sets a session cookie (a random token; HttpOnly, SameSite=Lax, Secure over HTTPS,
8 hours); every form is a POST carrying a CSRF token (the session's; before sign-in, the
token of a sign-in cookie: double submit). Pages are GET only and change nothing. The
language is a cookie set by the language links (else the browser's ``Accept-Language``).
Any table of a page comes as .xlsx with ``?export=<table id>`` on the page's URL.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from importlib import resources
from typing import Annotated
from urllib.parse import parse_qs, quote, urlencode

from fastapi import APIRouter, Cookie, Header, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Connection, Engine
from starlette.concurrency import run_in_threadpool

from branch_crm.hq.db import read_transaction, write_transaction
from branch_crm.hq.web import accounts
from branch_crm.hq.web import figures as f
from branch_crm.hq.web.pages import (
    PAGES,
    branch_page,
    complaint_list_page,
    training_list_page,
)
from branch_crm.hq.web.periods import parse_period
from branch_crm.hq.web.render import ADMIN_ONLY, BASE, Page, PageContext, page_html, signin_html
from branch_crm.hq.web.xlsx import XLSX_TYPE, grid_workbook
from branch_crm.i18n import LANGUAGES, N_, language_from_header, translator
from branch_crm.timeutil import utcnow

__all__ = ["LANG_COOKIE", "SESSION_COOKIE", "SIGNIN_COOKIE", "dashboard_router"]

# texts shown inside f-strings (marked here so the catalogue tool finds them)
T_OVERVIEW = N_("Overview")

SESSION_COOKIE = "bcrm_hq_session"
SIGNIN_COOKIE = "bcrm_hq_signin"
LANG_COOKIE = "bcrm_hq_lang"
MAX_FORM_BYTES = 16 * 1024
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

SessionToken = Annotated[str | None, Cookie(alias=SESSION_COOKIE)]
LangCookie = Annotated[str | None, Cookie(alias=LANG_COOKIE)]
AcceptLanguage = Annotated[str | None, Header()]


def _language(cookie: str | None, header: str | None) -> str:
    return cookie if cookie in LANGUAGES else language_from_header(header)


def _secured(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


def _html(text: str, status: int = 200) -> Response:
    return _secured(HTMLResponse(text, status_code=status))


def _safe_next(value: str | None) -> str:
    """A place to go back to inside the dashboard (never another site)."""
    if value and value.startswith(BASE) and not value.startswith("//") and "\\" not in value:
        return value
    return BASE


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=BASE,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


async def _form(request: Request) -> dict[str, str]:
    """The fields of a url-encoded form (the last value of each)."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[-1] for k, v in fields.items()}


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _where(request: Request) -> str:
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{request.url.path}{query}"


def _to_signin(request: Request) -> Response:
    target = f"{BASE}/sign-in?{urlencode({'next': _where(request)})}"
    return _secured(RedirectResponse(target, status_code=303))


def _message_page(language: str, message: str, status: int) -> Response:
    _ = translator(language)
    text = (
        f'<!DOCTYPE html><html lang="{language.replace("_", "-")}"><head><meta charset="utf-8">'
        f'<link rel="stylesheet" href="{BASE}/static/dashboard.css"><title>{_(message)}</title>'
        f'</head><body><main><h1>{_(message)}</h1><p><a href="{BASE}">{_(T_OVERVIEW)}</a></p>'
        "</main></body></html>"
    )
    return _html(text, status)


Builder = Callable[[Connection, PageContext, datetime], Page | None]


def _serve(
    request: Request,
    *,
    token: str | None,
    lang: str | None,
    accept_language: str | None,
    path: str,
    build: Builder,
) -> Response:
    """Authenticate, read the figures in one snapshot, answer the page or one of its tables
    as .xlsx."""
    language = _language(lang, accept_language)
    params = request.query_params
    period = parse_period(params.get("period"), params.get("from"), params.get("to"))
    now = utcnow()
    with read_transaction(_engine(request), snapshot=True) as conn:
        found = accounts.session_account(conn, token)
        if found is None:
            return _to_signin(request)
        account, csrf = found
        if path in ADMIN_ONLY and account.role != "admin":
            return _message_page(language, N_("Only an administrator may see this page."), 403)
        ctx = PageContext(account, language, csrf, period, path, translator(language))
        page = build(conn, ctx, now)
    if page is None:
        return _message_page(language, N_("No such branch, or not one of yours."), 404)
    wanted = params.get("export")
    if wanted:
        grid = page.grid(wanted)
        if grid is None:
            return _message_page(language, N_("No such table on this page."), 404)
        _ = ctx._
        scope = ", ".join(account.branches) if account.branches else _("all branches")
        subtitle = _("{start} to {end} · {branches}").format(
            start=period.start.isoformat(), end=period.end.isoformat(), branches=scope
        )
        name = f"{grid.id}-{period.start.isoformat()}-{period.end.isoformat()}.xlsx"
        return _secured(
            Response(
                grid_workbook(grid, _, subtitle),
                media_type=XLSX_TYPE,
                headers={"Content-Disposition": f"attachment; filename={quote(name)}"},
            )
        )
    return _html(page_html(page, ctx))


def _page_route(path: str, build: Builder) -> Callable[..., Response]:
    def route(
        request: Request,
        token: SessionToken = None,
        lang: LangCookie = None,
        accept_language: AcceptLanguage = None,
    ) -> Response:
        return _serve(
            request, token=token, lang=lang, accept_language=accept_language, path=path, build=build
        )

    return route


def _branch(conn: Connection, ctx: PageContext, code: str) -> f.Branch | None:
    if not ctx.account.may_see(code):
        return None
    found = f.branches(conn, [code])
    return found[0] if found else None


def dashboard_router() -> APIRouter:
    """The dashboard's routes (left out of the API description)."""
    router = APIRouter(include_in_schema=False)

    @router.get(BASE + "/static/dashboard.css")
    def stylesheet() -> Response:
        css = (resources.files("branch_crm.hq.web") / "static" / "dashboard.css").read_bytes()
        return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})

    _add_sign_in(router)
    _add_pages(router)
    return router


def _add_sign_in(router: APIRouter) -> None:
    """Sign-in, sign-out and the language switch."""

    @router.get(BASE + "/sign-in")
    def signin_form(
        request: Request,
        next_url: Annotated[str | None, Query(alias="next")] = None,
        lang: LangCookie = None,
        accept_language: AcceptLanguage = None,
    ) -> Response:
        language = _language(lang, accept_language)
        csrf = secrets.token_urlsafe(24)
        page = signin_html(translator(language), language, csrf, _safe_next(next_url), None, "")
        response = _html(page)
        _cookie(response, request, SIGNIN_COOKIE, csrf, 3600)
        return response

    @router.post(BASE + "/sign-in")
    async def signin(
        request: Request,
        signin_token: Annotated[str | None, Cookie(alias=SIGNIN_COOKIE)] = None,
        lang: LangCookie = None,
        accept_language: AcceptLanguage = None,
    ) -> Response:
        language = _language(lang, accept_language)
        _ = translator(language)
        form = await _form(request)
        next_url = _safe_next(form.get("next"))
        username = form.get("username", "")[:100]
        error: str | None
        if not signin_token or not secrets.compare_digest(signin_token, form.get("csrf", "")):
            error = _("The sign-in form expired. Please try again.")
            result = None
        else:
            engine = _engine(request)

            def attempt() -> accounts.SignIn:
                with write_transaction(engine) as conn:
                    return accounts.sign_in(conn, username, form.get("password", ""))

            result = await run_in_threadpool(attempt)
            error = (
                None
                if result.token
                else _(result.refused or accounts.WRONG).format(minutes=result.locked_minutes)
            )
        if result is not None and result.token:
            response: Response = RedirectResponse(next_url, status_code=303)
            _cookie(response, request, SESSION_COOKIE, result.token, accounts.SESSION_HOURS * 3600)
            response.delete_cookie(SIGNIN_COOKIE, path=BASE)
            return _secured(response)
        csrf = secrets.token_urlsafe(24)
        page = signin_html(_, language, csrf, next_url, error, username)
        response = _html(page, 401 if result is not None else 400)
        _cookie(response, request, SIGNIN_COOKIE, csrf, 3600)
        return response

    @router.post(BASE + "/sign-out")
    async def signout(request: Request, token: SessionToken = None) -> Response:
        form = await _form(request)
        engine = _engine(request)

        def end() -> bool:
            with write_transaction(engine) as conn:
                found = accounts.session_account(conn, token)
                if found is None or not secrets.compare_digest(found[1], form.get("csrf", "")):
                    return False
                accounts.end_session(conn, token)
                return True

        if not await run_in_threadpool(end):
            return _secured(Response("CSRF token missing or wrong", status_code=403))
        response = RedirectResponse(f"{BASE}/sign-in", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path=BASE)
        return _secured(response)

    @router.get(BASE + "/lang/{code}")
    def switch_language(
        request: Request,
        code: str,
        next_url: Annotated[str | None, Query(alias="next")] = None,
    ) -> Response:
        response = RedirectResponse(_safe_next(next_url), status_code=303)
        if code in LANGUAGES:
            _cookie(response, request, LANG_COOKIE, code, 365 * 24 * 3600)
        return _secured(response)


def _add_pages(router: APIRouter) -> None:
    """The cross-branch pages and one branch's pages."""

    @router.get(BASE + "/")
    def trailing_slash(request: Request) -> Response:
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(BASE + query, status_code=307)

    for path, build in PAGES.items():
        router.add_api_route(BASE + path, _page_route(path, build), methods=["GET"])

    def one_branch(
        what: str,
    ) -> Callable[..., Response]:
        def route(
            request: Request,
            code: str,
            token: SessionToken = None,
            lang: LangCookie = None,
            accept_language: AcceptLanguage = None,
        ) -> Response:
            open_only = request.query_params.get("open") == "1"

            def build(conn: Connection, ctx: PageContext, now: datetime) -> Page | None:
                branch = _branch(conn, ctx, code)
                if branch is None:
                    return None
                if what == "complaints":
                    return complaint_list_page(conn, ctx, now, branch, open_only=open_only)
                if what == "training":
                    return training_list_page(conn, ctx, now, branch)
                return branch_page(conn, ctx, now, branch)

            path = f"/branches/{code}" + (f"/{what}" if what else "")
            return _serve(
                request,
                token=token,
                lang=lang,
                accept_language=accept_language,
                path=path,
                build=build,
            )

        return route

    router.add_api_route(BASE + "/branches/{code}", one_branch(""), methods=["GET"])
    for what in ("complaints", "training"):
        router.add_api_route(BASE + "/branches/{code}/" + what, one_branch(what), methods=["GET"])
