"""The head-office dashboard over real HTTP (uvicorn on loopback), on SQLite and PostgreSQL:
sign-in and sign-out, CSRF, lock-out, roles, every page's figures against the rows put in
(read back from the .xlsx export with openpyxl), drill-down, both languages, and the
``branch-crm-hq user`` commands."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from dashboard_support import PASSWORD, seed
from openpyxl import load_workbook
from sqlalchemy import update

from branch_crm.hq import tables as t
from branch_crm.hq.cli import main as hq_main
from branch_crm.hq.testing import HqServer, running_hq
from branch_crm.hq.web.accounts import MAX_FAILED_LOGINS
from branch_crm.hq.web.routes import LANG_COOKIE, SESSION_COOKIE, SIGNIN_COOKIE


@pytest.fixture
def hq(hq_url: str) -> Iterator[HqServer]:
    with running_hq(hq_url) as server:
        seed(server.engine)
        yield server


def _client(hq: HqServer) -> httpx.Client:
    return httpx.Client(base_url=hq.base_url, follow_redirects=False, timeout=30)


def _csrf(text: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', text)
    assert found is not None, text[:500]
    return found.group(1)


def sign_in(http: httpx.Client, user: str = "boss", password: str = PASSWORD) -> httpx.Response:
    form = http.get("/dashboard/sign-in")
    assert form.status_code == 200
    data = {"csrf": _csrf(form.text), "username": user, "password": password, "next": "/dashboard"}
    return http.post("/dashboard/sign-in", data=data)


def xlsx_rows(http: httpx.Client, path: str, table: str) -> list[list[Any]]:
    sep = "&" if "?" in path else "?"
    answer = http.get(f"{path}{sep}export={table}")
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in answer.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(answer.content)).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def by_code(rows: list[list[Any]]) -> dict[str, dict[str, Any]]:
    """Rows of an exported table keyed by their first cell, as {heading: value}."""
    headings = rows[2]
    return {str(r[0]): dict(zip(headings, r, strict=True)) for r in rows[3:]}


def test_sign_in_cookie_csrf_and_sign_out(hq: HqServer) -> None:
    with _client(hq) as http:
        first = http.get("/dashboard/customers?period=last_month")
        assert first.status_code == 303
        assert first.headers["location"].startswith("/dashboard/sign-in?next=")
        form = http.get(first.headers["location"])
        assert 'name="next" value="/dashboard/customers?period=last_month"' in form.text
        # no CSRF token (a forged cross-site form): refused, nobody signed in
        forged = httpx.post(
            f"{hq.base_url}/dashboard/sign-in",
            data={"username": "boss", "password": PASSWORD},
        )
        assert forged.status_code == 400 and SESSION_COOKIE not in forged.cookies
        wrong = sign_in(http, password="not the password")
        assert wrong.status_code == 401 and "Wrong user name or password." in wrong.text
        ok = sign_in(http)
        assert ok.status_code == 303 and ok.headers["location"] == "/dashboard"
        cookie = next(
            h for h in ok.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE + "=")
        )
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/dashboard" in cookie
        assert "Max-Age=28800" in cookie
        page = http.get("/dashboard")
        assert page.status_code == 200 and "Boss" in page.text
        assert page.headers["content-security-policy"].startswith("default-src 'none'")
        assert "<script" not in page.text and "http://" not in page.text.replace(hq.base_url, "")
        token = http.cookies[SESSION_COOKIE]
        # sign-out needs the session's CSRF token
        bad = http.post("/dashboard/sign-out", data={"csrf": "guess"})
        assert bad.status_code == 403
        assert http.get("/dashboard").status_code == 200
        out = http.post("/dashboard/sign-out", data={"csrf": _csrf(page.text)})
        assert out.status_code == 303 and out.headers["location"] == "/dashboard/sign-in"
    with _client(hq) as again:  # the old token is dead on the server, not only forgotten
        again.cookies.set(SESSION_COOKIE, token, path="/dashboard")
        assert again.get("/dashboard").status_code == 303


def test_lockout_after_repeated_wrong_passwords(hq: HqServer) -> None:
    with _client(hq) as http:
        for _ in range(MAX_FAILED_LOGINS - 1):
            assert "Wrong user name" in sign_in(http, password="nope nope").text
        locked = sign_in(http, password="nope nope")
        assert locked.status_code == 401 and "locked for 15 more minutes" in locked.text
        still = sign_in(http)  # the right password is refused while locked
        assert still.status_code == 401 and "locked" in still.text
        unknown = sign_in(http, user="nobody")
        assert "Wrong user name or password." in unknown.text
        with hq.engine.begin() as conn:  # the lock-out has run out
            conn.execute(
                update(t.web_user)
                .where(t.web_user.c.username == "boss")
                .values(locked_until=datetime.now(UTC) - timedelta(seconds=1))
            )
        assert sign_in(http).status_code == 303


def test_roles_limit_branches_and_pages(hq: HqServer) -> None:
    with _client(hq) as http:
        assert sign_in(http, "north").status_code == 303
        rows = by_code(xlsx_rows(http, "/dashboard", "branches"))
        assert set(rows) - {"All"} == {"BR001"}
        assert http.get("/dashboard/branches/BR002").status_code == 404
        assert (
            http.get("/dashboard/branches/BR002/complaints?export=complaint_list").status_code
            == 404
        )
        assert http.get("/dashboard/sync").status_code == 403
        assert "/dashboard/sync" not in http.get("/dashboard").text
        assert http.get("/dashboard/branches/BR001").status_code == 200
    with _client(hq) as http:
        sign_in(http, "boss")
        rows = by_code(xlsx_rows(http, "/dashboard", "branches"))
        assert set(rows) - {"All"} == {"BR001", "BR002"}
        assert http.get("/dashboard/sync").status_code == 200


def test_figures_of_every_page(hq: HqServer) -> None:
    with _client(hq) as http:
        sign_in(http)
        rows = by_code(xlsx_rows(http, "/dashboard?period=this_month", "branches"))
        br1, br2, total = rows["BR001"], rows["BR002"], rows["All"]
        assert br1["Complaints received"] == 4 and br1["Open now"] == 4
        assert br1["Breached (open)"] == 3
        assert br1["SLA met"] == pytest.approx(1 / 3)
        assert br1["CSAT"] == pytest.approx(0.5) and br1["NPS"] == 0 and br1["CES"] == 5
        assert br1["Customers"] == 3 and br1["Churn risk"] == 1
        assert br1["Training attendance"] == pytest.approx(0.75)
        assert br1["Open conflicts"] == 1 and isinstance(br1["Last contact"], datetime)
        assert br2["Complaints received"] == 1 and br2["SLA met"] == pytest.approx(1.0)
        assert br2["CSAT"] is None
        assert total["Complaints received"] == 5 and total["SLA met"] == pytest.approx(0.5)
        assert isinstance(br1["Complaints received"], int)

        hot = xlsx_rows(http, "/dashboard/complaints", "hotspots")
        assert [r[:2] for r in hot[3:]] == [["Delay", 3], ["Damage", 2]]
        assert hot[3][2] == pytest.approx(0.6) and hot[4][3] == pytest.approx(1.0)
        comp = by_code(xlsx_rows(http, "/dashboard/complaints", "complaints"))["BR001"]
        assert (comp["Resolution measured"], comp["Resolved in time"]) == (3, 1)
        assert comp["Breached (received)"] == 1

        sat = by_code(xlsx_rows(http, "/dashboard/satisfaction", "satisfaction"))["BR001"]
        assert sat["Responses"] == 2 and (sat["Promoters"], sat["Detractors"]) == (1, 1)
        trend = xlsx_rows(http, "/dashboard/satisfaction", "trend")
        assert len(trend) == 3 + 6 and trend[-1][1] == 2 and trend[3][1] == 0

        cust = by_code(xlsx_rows(http, "/dashboard/customers", "customers"))["BR001"]
        assert (cust["Strategic"], cust["Key"], cust["Ordinary"], cust["Walk-in"]) == (1, 0, 1, 1)
        assert (cust["Dormant"], cust["Churn risk"], cust["New"]) == (1, 1, 0)

        train = by_code(xlsx_rows(http, "/dashboard/training", "training"))["BR001"]
        assert (train["Sessions"], train["Present"], train["Late"], train["Absent"]) == (1, 2, 1, 1)

        sync = by_code(xlsx_rows(http, "/dashboard/sync", "sync"))
        assert (sync["BR001"]["PCs"], sync["BR001"]["PCs revoked"]) == (1, 1)
        assert sync["BR002"]["PCs"] == 0

        last = by_code(xlsx_rows(http, "/dashboard?period=last_month", "branches"))
        assert last["BR001"]["Complaints received"] == 1  # the one from last month
        custom = "/dashboard?period=custom&from=2001-01-01&to=2001-01-31"
        assert by_code(xlsx_rows(http, custom, "branches"))["BR001"]["Complaints received"] == 0
        assert http.get("/dashboard?export=nothing").status_code == 404


def test_drill_down_from_a_branch_to_its_lists(hq: HqServer) -> None:
    with _client(hq) as http:
        sign_in(http)
        overview = http.get("/dashboard")
        assert 'href="/dashboard/branches/BR001?period=this_month"' in overview.text
        branch = http.get("/dashboard/branches/BR001?period=this_month")
        assert branch.status_code == 200 and "一号网点" in branch.text
        link = re.search(r'href="([^"]+/complaints[^"]*)" data-drill', branch.text)
        assert link is not None
        listing = http.get(link.group(1).replace("&amp;", "&"))
        numbers = set(re.findall(r"BR001-\d", listing.text))
        assert numbers == {"BR001-1", "BR001-2", "BR001-3", "BR001-4"}
        open_list = http.get("/dashboard/branches/BR001/complaints?open=1")
        assert set(re.findall(r"BR001-\d", open_list.text)) == {
            "BR001-0", "BR001-2", "BR001-3", "BR001-4"
        }  # fmt: skip
        rows = xlsx_rows(http, "/dashboard/branches/BR001/complaints?open=1", "complaint_list")
        assert rows[2][:2] == ["Number", "Received"]
        assert {r[0] for r in rows[3:]} == {"BR001-0", "BR001-2", "BR001-3", "BR001-4"}
        assert all(isinstance(r[1], datetime) for r in rows[3:])
        flags = {r[0]: r[7] for r in rows[3:]}
        assert flags == {"BR001-0": "yes", "BR001-2": "yes", "BR001-3": "yes", "BR001-4": "no"}
        sessions = xlsx_rows(http, "/dashboard/branches/BR001/training", "training_list")
        assert sessions[3][0] == "安全培训" and sessions[3][-1] == pytest.approx(0.75)


def test_both_languages(hq: HqServer) -> None:
    with _client(hq) as http:
        sign_in(http)
        english = http.get("/dashboard")
        assert "Complaint hotspots" in english.text and '<html lang="en"' in english.text
        switch = http.get("/dashboard/lang/zh_CN", params={"next": "/dashboard/complaints"})
        assert switch.status_code == 303 and switch.headers["location"] == "/dashboard/complaints"
        assert http.cookies[LANG_COOKIE] == "zh_CN"
        chinese = http.get("/dashboard")
        assert '<html lang="zh-CN"' in chinese.text
        for text in ("概览", "投诉热点", "退出登录", "各月满意度", "延误"):
            assert text in chinese.text, text
        rows = xlsx_rows(http, "/dashboard", "branches")
        assert rows[0] == ["网点"] + [None] * (len(rows[2]) - 1) or rows[0][0] == "网点"
        assert rows[2][:3] == ["网点", "网点名称", "受理投诉"]
        assert "所有网点" in rows[1][0]
        # elsewhere: an open redirect is refused
        away = http.get("/dashboard/lang/en", params={"next": "https://evil.example/"})
        assert away.headers["location"] == "/dashboard"
    with _client(hq) as fresh:  # the browser's language before any choice
        page = fresh.get("/dashboard/sign-in", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
        assert "登录" in page.text and SIGNIN_COOKIE in page.cookies


def test_user_commands(hq: HqServer, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    url = hq.database_url

    def run(*args: str, stdin: str = "") -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        return hq_main(["--db", url, "user", *args])

    assert run("add", "carol", "--role", "manager", "--branches", "br002", "--password-stdin",
               stdin="a good password\n") == 0  # fmt: skip
    assert "account carol added: manager, BR002" in capsys.readouterr().out
    assert run("add", "carol", "--password-stdin", stdin="a good password\n") == 2
    assert "taken" in capsys.readouterr().err
    assert run("add", "dave", "--password-stdin", stdin="short\n") == 2
    assert "at least 8 characters" in capsys.readouterr().err
    assert run("list", "--json") == 0
    users = {u["username"]: u for u in json.loads(capsys.readouterr().out)}
    assert users["carol"]["branches"] == ["BR002"] and users["boss"]["role"] == "admin"
    assert "password_hash" not in users["carol"]
    with _client(hq) as http:
        assert sign_in(http, "carol", "a good password").status_code == 303
        assert http.get("/dashboard/branches/BR002").status_code == 200
        assert run("passwd", "carol", "--password-stdin", stdin="another password\n") == 0
        assert http.get("/dashboard").status_code == 303  # signed out everywhere
        assert sign_in(http, "carol", "another password").status_code == 303
        assert run("disable", "carol") == 0
        assert http.get("/dashboard").status_code == 303
        assert sign_in(http, "carol", "another password").status_code == 401
        assert run("disable", "carol", "--enable") == 0
        assert sign_in(http, "carol", "another password").status_code == 303
    assert run("list") == 0
    out = capsys.readouterr().out
    assert "carol" in out and "BR002" in out
