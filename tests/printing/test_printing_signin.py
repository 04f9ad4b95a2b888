"""Training sign-in sheet (seed 003): real PDFs read back with pdftotext/pypdf and pdfium."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from branch_crm.errors import CrmError
from branch_crm.services.training import sessions, signin_sheet
from tests.support.printing import page_texts, pdf_text, render_page, set_setting
from tests.support.services import run_service
from tests.support.training import session_input

HEADINGS = ("序号", "姓名", "联系方式", "签到", "备注")


@pytest.fixture
def chinese_branch(db):  # type: ignore[no-untyped-def]
    set_setting(db, "language", "zh_CN")
    set_setting(db, "company.name", "A公司")
    set_setting(db, "branch.name", "上海分拨")
    return db


def _print(db, actor, count: int, tmp_path: Path, **overrides):  # type: ignore[no-untyped-def]
    view = run_service(db, actor, sessions.create_session, data=session_input(count, **overrides))
    out = run_service(
        db, actor, signin_sheet.print_signin_sheet, session_id=view.id, output=tmp_path / "s.pdf"
    )
    return view, out


def _row_numbers(text: str) -> list[int]:
    """The 序号 column: numbers alone on a line (pdftotext keeps table cells apart)."""
    return [int(n) for n in re.findall(r"(?m)^\s*(\d{1,3})\s*$", text)]


def test_one_page_sheet_like_the_sample(chinese_branch, supervisor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    view, out = _print(chinese_branch, supervisor, 3, tmp_path)
    assert len(PdfReader(out).pages) == 1
    text = pdf_text(out)
    for expected in (
        "A公司培训签到表",
        "日期：2025年1月15日 09:00–11:00",
        "培训人员：项目司机",
        "地点：上海分拨",
        "培训讲师：王经理",
        "内容：",
        "1. 每日行车前检查",
        "4. 事故案例通报：沪E*****车辆因锁扣未锁好",
        *HEADINGS,
        "司机01",
        "138 0013 0001",
        "司机03",
        view.reference,
    ):
        assert expected in text, expected
    numbers = _row_numbers(text)
    # expected attendees first, then blank numbered rows down to the end of the page
    assert numbers[:3] == [1, 2, 3] and len(numbers) > 10
    assert numbers == list(range(1, len(numbers) + 1))
    assert "第1页/共1页" in text.replace(" ", "")


def test_many_attendees_span_pages(chinese_branch, supervisor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _view, out = _print(chinese_branch, supervisor, 30, tmp_path)
    pages = page_texts(out)
    assert len(pages) == 2
    for page in pages:
        for heading in HEADINGS:
            assert heading in page
    assert "（续）" in pages[1] and "（续）" not in pages[0]
    assert "司机30" in pages[1] and "司机30" not in pages[0]
    assert "内容：" in pages[0] and "内容：" not in pages[1]
    first, second = _row_numbers(pages[0]), _row_numbers(pages[1])
    assert second[0] == first[-1] + 1 and second[-1] > 30  # blank rows fill page 2
    assert "第2页/共2页" in pages[1].replace(" ", "")


def test_blank_rows_fill_exactly_the_last_page(chinese_branch, supervisor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.printing.signin_sheet import SigninRow, SigninSheet, blank_rows_on_last_page
    from tests.support.clock import local

    sheet = SigninSheet(
        company="A公司",
        title="",
        starts_at=local("2025-01-15 09:00"),
        ends_at=None,
        audience="",
        trainer="",
        location="",
        content_points=(),
        incident_notice="",
        rows=tuple(SigninRow(f"人{i}") for i in range(5)),
        reference="",
        language="zh_CN",
    )
    blank = blank_rows_on_last_page(sheet)
    out = tmp_path / "bare.pdf"
    from branch_crm.printing.signin_sheet import render_signin_sheet

    assert render_signin_sheet(out, sheet) == 1
    assert _row_numbers(pdf_text(out))[-1] == 5 + blank
    # the last row ends above the footer: rendering shows ink there and white below
    image = render_page(out, 0, scale=1).convert("L")
    assert image.getextrema()[0] < 100


def test_english_sheet(db, supervisor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    set_setting(db, "language", "en")
    set_setting(db, "company.name", "ACME")
    _view, out = _print(db, supervisor, 2, tmp_path)
    text = pdf_text(out)
    for expected in (
        "ACME Training sign-in sheet",
        "Date: 2025-01-15 09:00–11:00",
        "Trainees: 项目司机",
        "No.",
        "Name",
        "Contact",
        "Signature",
        "Remarks",
        "司机02",
    ):
        assert expected in text, expected


def test_fallback_font_sheet(chinese_branch, supervisor, tmp_path, fallback_fonts) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.printing.fonts import pdf_fonts

    assert not pdf_fonts().embedded
    _view, out = _print(chinese_branch, supervisor, 3, tmp_path)
    reader = PdfReader(out)
    fonts = {str(f["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert "/STSong-Light" in fonts
    text = pdf_text(out)
    assert "培训签到表" in text and "司机01" in text
    assert render_page(out, 0, scale=1).convert("L").getextrema()[0] < 100


def test_unwritable_output_is_a_clear_error(chinese_branch, supervisor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    view = run_service(chinese_branch, supervisor, sessions.create_session, data=session_input(1))
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(CrmError, match="Cannot write"):
        run_service(
            chinese_branch,
            supervisor,
            signin_sheet.print_signin_sheet,
            session_id=view.id,
            output=blocker / "s.pdf",
        )
    assert list(tmp_path.rglob("*.pdf")) == []


def test_long_content_flows_over_pages_before_the_table(
    chinese_branch, supervisor, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """The most a session can hold (30 points of 500 characters, a 2,000-character notice):
    nothing is drawn off the page, every point is printed, the table follows the intro."""
    points = [f"第{n}条" + "装卸期间注意安全，在指定区域等待。" * 27 for n in range(1, 31)]
    notice = "沪E*****车辆因锁扣未锁好导致货物掉落。" * 90
    _view, out = _print(chinese_branch, supervisor, 4, tmp_path, content_points=points,
                        incident_notice=notice)  # fmt: skip
    pages = page_texts(out)
    assert len(pages) > 5
    flat = [p.replace("\n", "").replace(" ", "") for p in pages]
    for n in range(1, 31):
        assert sum(f"第{n}条" in p for p in flat) == 1, n
    table_pages = [i for i, p in enumerate(pages) if "序号" in p]
    assert (
        table_pages
        and table_pages[0] > 0
        and "事故案例通报" in "".join(pages[: table_pages[0] + 1])
    )
    assert all("（续）" in p for p in pages[1:]) and "内容：" in pages[0]
    assert "司机04" in pages[table_pages[0]]
    assert f"第{len(pages)}页/共{len(pages)}页" in flat[-1]
    # nothing below the footer line or off the page: every text run lies inside the margins
    from pypdf import PdfReader

    def baselines(page: Any) -> list[float]:
        ys: list[float] = []

        def visit(text: str, _cm: Any, tm: Any, _font: Any, _size: Any) -> None:
            if text.strip():
                ys.append(float(tm[5]))

        page.extract_text(visitor_text=visit)
        return ys

    for page in PdfReader(out).pages:
        ys = baselines(page)
        assert ys and min(ys) >= 14 * 72 / 25.4 and max(ys) <= 297 * 72 / 25.4 - 14 * 72 / 25.4
