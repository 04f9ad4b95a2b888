"""The dashboard's HTML: the page shell (navigation, language switch, sign-out, the period
form), figure cards, tables with their export link, the sign-in page. Every value from the
database is escaped; every text goes through the page's translator."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

from branch_crm.hq.web.accounts import Account
from branch_crm.hq.web.grid import Grid, Translate, cell_text
from branch_crm.hq.web.periods import Period
from branch_crm.i18n import LANGUAGES, N_

__all__ = [
    "NAV",
    "Card",
    "Page",
    "PageContext",
    "cards_html",
    "grid_html",
    "page_html",
    "signin_html",
]

# texts shown inside f-strings (marked here so the catalogue tool finds them)
T_BRANCH_CRM_HEAD_OFFICE = N_("Branch CRM head office")
T_EXPORT_TO_EXCEL = N_("Export to Excel")
T_FROM = N_("From")
T_NOTHING_IN_THIS_PERIOD = N_("Nothing in this period.")
T_PASSWORD = N_("Password")
T_PERIOD = N_("Period")
T_SHOW = N_("Show")
T_SIGN_IN = N_("Sign in")
T_SIGN_IN_TO_SEE_EVERY_BRANCH_AT_ONCE = N_("Sign in to see every branch at once.")
T_SIGN_OUT = N_("Sign out")
T_TO = N_("To")
T_USER_NAME = N_("User name")

BASE = "/dashboard"
NAV = (
    ("", N_("Overview")),
    ("/complaints", N_("Complaints")),
    ("/satisfaction", N_("Satisfaction")),
    ("/customers", N_("Customers")),
    ("/training", N_("Training")),
    ("/sync", N_("Sync health")),
)
ADMIN_ONLY = {"/sync"}
NUMERIC = ' class="n"'


@dataclass(frozen=True)
class PageContext:
    """What every page knows about its request."""

    account: Account
    language: str
    csrf: str
    period: Period
    path: str
    _: Translate

    def url(self, path: str, **extra: str) -> str:
        """A dashboard URL keeping the period (and ``extra`` parameters)."""
        return f"{BASE}{path}?{urlencode({**self.period.query(), **extra})}"


@dataclass(frozen=True)
class Card:
    label: str
    """English, marked with ``N_``."""
    value: str
    bad: bool = False


@dataclass
class Page:
    title: str
    """Already translated (it may carry a branch name)."""
    parts: list[Any] = field(default_factory=list)
    """HTML strings and :class:`Grid` s, in order."""

    def grid(self, grid_id: str) -> Grid | None:
        return next((p for p in self.parts if isinstance(p, Grid) and p.id == grid_id), None)


def cards_html(cards: Sequence[Card], _: Translate) -> str:
    items = "".join(
        f'<div class="card{" bad" if c.bad else ""}"><div class="label">{escape(_(c.label))}'
        f'</div><div class="value">{escape(c.value)}</div></div>'
        for c in cards
    )
    return f'<div class="cards">{items}</div>'


def grid_html(grid: Grid, ctx: PageContext) -> str:
    """A table with its title and an "Export to Excel" link (the same page, as .xlsx)."""
    _ = ctx._
    head = "".join(
        f"<th{NUMERIC if c.kind in ('int', 'pct', 'num') else ''}>{escape(_(c.heading))}</th>"
        for c in grid.columns
    )
    body: list[str] = []
    rows = [(r, "") for r in grid.rows] + ([(grid.total, "total")] if grid.total else [])
    for row, css in rows:
        cells = []
        for c in grid.columns:
            value = row.get(c.key)
            text = escape(cell_text(value, c.kind, _))
            link = c.link(row) if c.link and css != "total" else None
            if link:
                text = f'<a href="{escape(link)}">{text}</a>'
            classes = [k for k in ("n",) if c.kind in ("int", "pct", "num")]
            if row.get(f"{c.key}__bad"):
                classes.append("bad")
            attr = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{attr}>{text}</td>")
        body.append(f'<tr class="{css}">' + "".join(cells) + "</tr>")
    if not grid.rows:
        body.append(
            f'<tr><td colspan="{len(grid.columns)}">{escape(_(T_NOTHING_IN_THIS_PERIOD))}</td></tr>'
        )
    export = escape(f"{ctx.url(ctx.path, export=grid.id)}")
    note = f'<p class="note">{escape(_(grid.note))}</p>' if grid.note else ""
    return (
        f'<section class="grid" id="{escape(grid.id)}"><div class="bar"><h2>{escape(_(grid.title))}'
        f'</h2><a href="{export}" data-export="{escape(grid.id)}">{escape(_(T_EXPORT_TO_EXCEL))}'
        f"</a></div><table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>"
        f"</table>{note}</section>"
    )


def _period_form(ctx: PageContext) -> str:
    _ = ctx._
    p = ctx.period
    options = "".join(
        f'<option value="{kind}"{" selected" if p.kind == kind else ""}>{escape(_(name))}</option>'
        for kind, name in (
            ("this_month", N_("This month")),
            ("last_month", N_("Last month")),
            ("custom", N_("Dates below")),
        )
    )
    shown = _("{start} to {end}").format(start=p.start.isoformat(), end=p.end.isoformat())
    return (
        f'<form class="period" method="get" action="{BASE}{escape(ctx.path)}">'
        f'<label>{escape(_(T_PERIOD))}<select name="period">{options}</select></label>'
        f'<label>{escape(_(T_FROM))}<input type="date" name="from" value="{p.start}"></label>'
        f'<label>{escape(_(T_TO))}<input type="date" name="to" value="{p.end}"></label>'
        f'<button type="submit">{escape(_(T_SHOW))}</button>'
        f'<span class="shown">{escape(shown)}</span></form>'
    )


def _header(ctx: PageContext) -> str:
    _ = ctx._
    links = []
    for path, name in NAV:
        if path in ADMIN_ONLY and ctx.account.role != "admin":
            continue
        here = ' class="here"' if ctx.path == path else ""
        links.append(f'<a href="{escape(ctx.url(path))}"{here}>{escape(_(name))}</a>')
    back = escape(ctx.url(ctx.path))
    langs = " ".join(
        f'<a href="{BASE}/lang/{code}?{urlencode({"next": ctx.url(ctx.path)})}" lang="'
        f'{code.replace("_", "-")}" data-lang="{code}">{escape(name)}</a>'
        for code, name in LANGUAGES.items()
        if code != ctx.language
    )
    return (
        f'<header><span class="brand">{escape(_(T_BRANCH_CRM_HEAD_OFFICE))}</span>'
        f'<nav>{"".join(links)}</nav><span class="me">{langs}'
        f"<span>{escape(ctx.account.display_name)}</span>"
        f'<form method="post" action="{BASE}/sign-out"><input type="hidden" name="csrf" '
        f'value="{escape(ctx.csrf)}"><input type="hidden" name="next" value="{back}">'
        f'<button type="submit">{escape(_(T_SIGN_OUT))}</button></form></span></header>'
    )


def page_html(page: Page, ctx: PageContext) -> str:
    """A whole dashboard page."""
    parts = [p if isinstance(p, str) else grid_html(p, ctx) for p in page.parts]
    return _document(
        ctx.language,
        page.title,
        _header(ctx)
        + f"<main><h1>{escape(page.title)}</h1>{_period_form(ctx)}{''.join(parts)}</main>",
        ctx._,
    )


def _document(language: str, title: str, body: str, _: Translate) -> str:
    return (
        f'<!DOCTYPE html><html lang="{language.replace("_", "-")}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{escape(title)} · {escape(_(T_BRANCH_CRM_HEAD_OFFICE))}</title>"
        f'<link rel="stylesheet" href="{BASE}/static/dashboard.css"></head>'
        f"<body>{body}</body></html>"
    )


def signin_html(
    _: Translate, language: str, csrf: str, next_url: str, error: str | None, username: str
) -> str:
    """The sign-in page (its form carries the sign-in CSRF token of its cookie)."""
    langs = " ".join(
        f'<a href="{BASE}/lang/{code}?{urlencode({"next": f"{BASE}/sign-in"})}" '
        f'data-lang="{code}">{escape(name)}</a>'
        for code, name in LANGUAGES.items()
        if code != language
    )
    problem = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = (
        f'<form class="signin" method="post" action="{BASE}/sign-in"><span class="langs">{langs}'
        f"</span><h1>{escape(_(T_BRANCH_CRM_HEAD_OFFICE))}</h1>"
        f"<p>{escape(_(T_SIGN_IN_TO_SEE_EVERY_BRANCH_AT_ONCE))}</p>{problem}"
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        f'<input type="hidden" name="next" value="{escape(next_url)}">'
        f'<label for="username">{escape(_(T_USER_NAME))}</label>'
        f'<input type="text" id="username" name="username" value="{escape(username)}" '
        'autocomplete="username" required autofocus>'
        f'<label for="password">{escape(_(T_PASSWORD))}</label>'
        '<input type="password" id="password" name="password" autocomplete="current-password" '
        f'required><p><button class="primary" type="submit">{escape(_(T_SIGN_IN))}</button></p>'
        "</form>"
    )
    return _document(language, _("Sign in"), body, _)
