"""The dashboard in a real browser: Debian's Chromium driven by Playwright (its Python package;
no downloaded browser). Sign in, the overview, drill down from a branch to its complaints,
export a table (the download read back with openpyxl), switch to Chinese and back, sign out.
Screenshots go to ``$BRANCH_CRM_HQ_SCREENSHOTS`` (README's come from there), else to the
test's temporary folder.

Needs ``apt-get install chromium`` (and ``pip install playwright``, the dev extra); skipped
with the reason when either is missing."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dashboard_support import PASSWORD, seed
from openpyxl import load_workbook

from branch_crm.hq.testing import HqServer, running_hq

CHROMIUM = os.environ.get("BRANCH_CRM_CHROMIUM", "/usr/bin/chromium")


def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


pytestmark = pytest.mark.skipif(_browser_missing() is not None, reason=str(_browser_missing()))


@pytest.fixture
def hq(tmp_path: Path) -> Iterator[HqServer]:
    with running_hq(f"sqlite+pysqlite:///{tmp_path / 'hq.db'}") as server:
        seed(server.engine)
        yield server


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("BRANCH_CRM_HQ_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_dashboard_in_chromium(hq: HqServer, shots: Path, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(
            viewport={"width": 1366, "height": 768}, accept_downloads=True, locale="en-US"
        )
        page: Any = context.new_page()
        errors: list[str] = []
        page.on(
            "console",
            lambda m: errors.append(f"{m.text} {m.location}") if m.type == "error" else None,
        )
        page.on(  # a download ends its navigation: not a failure
            "requestfailed",
            lambda r: None if "export=" in r.url else errors.append(f"failed: {r.url}"),
        )
        page.goto(f"{hq.base_url}/dashboard")
        assert "/dashboard/sign-in" in page.url
        page.fill("#username", "boss")
        page.fill("#password", "wrong password")
        page.click("button[type=submit]")
        assert "Wrong user name or password." in page.inner_text(".error")
        assert len(errors) == 1 and "401" in errors[0]  # the refused sign-in itself
        errors.clear()
        page.screenshot(path=str(shots / "signin-en.png"))
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/dashboard")
        assert page.inner_text("h1") == "Overview"
        assert page.locator("svg.chart").count() >= 2
        row = page.locator("#branches tbody tr").first
        assert row.locator("td").nth(2).inner_text() == "4"
        page.screenshot(path=str(shots / "overview-en.png"), full_page=True)

        page.click("#branches >> text=BR001")
        page.wait_for_url("**/dashboard/branches/BR001?*")
        assert "一号网点" in page.inner_text("h1")
        page.screenshot(path=str(shots / "branch-en.png"), full_page=True)
        page.click("[data-drill=complaints]")
        page.wait_for_url("**/branches/BR001/complaints?*")
        listed = page.locator("#complaint_list tbody tr")
        assert listed.count() == 4
        page.screenshot(path=str(shots / "complaints-en.png"), full_page=True)

        with page.expect_download() as info:
            page.click("#complaint_list [data-export]")
        target = tmp_path / info.value.suggested_filename
        info.value.save_as(target)
        assert target.suffix == ".xlsx"
        sheet = load_workbook(target).active
        numbers = sorted(str(r[0]) for r in sheet.iter_rows(min_row=4, values_only=True))
        assert numbers == ["BR001-1", "BR001-2", "BR001-3", "BR001-4"]

        page.click("[data-lang=zh_CN]")
        page.wait_for_url("**/branches/BR001/complaints?*")
        assert "投诉" in page.inner_text("h1")
        page.click("header nav >> text=概览")
        page.wait_for_url("**/dashboard?*")
        assert page.inner_text("h1") == "概览"
        assert "投诉热点" in page.content()
        page.screenshot(path=str(shots / "overview-zh.png"), full_page=True)
        page.click("header nav >> text=客户")
        page.screenshot(path=str(shots / "customers-zh.png"), full_page=True)
        page.click("header nav >> text=满意度")
        page.screenshot(path=str(shots / "satisfaction-zh.png"), full_page=True)
        page.click("[data-lang=en]")
        assert page.inner_text("h1") == "Satisfaction"
        page.click("header button[type=submit]")  # sign out
        page.wait_for_url("**/dashboard/sign-in")
        page.goto(f"{hq.base_url}/dashboard")
        assert "/dashboard/sign-in" in page.url
        browser.close()
    assert errors == [], errors
