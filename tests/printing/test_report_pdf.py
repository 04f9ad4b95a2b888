"""The report PDF (issue 14): real files read back with pypdf, pdftotext and pdfium."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from branch_crm.errors import CrmError
from branch_crm.printing import report_pdf
from branch_crm.printing.common import translator
from branch_crm.printing.report_charts import chart_drawing, chart_is_empty, nice_ticks
from branch_crm.printing.report_format import axis_text, change_text, value_text
from branch_crm.printing.report_pdf import ReportPdfError, report_pdf_bytes, write_report_pdf
from tests.printing.report_samples import charts, full_report, summary_report
from tests.support.printing import page_texts, pdf_text, render_page


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def english_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report_pdf(full_report("en"), tmp_path_factory.mktemp("en") / "report.pdf")


@pytest.fixture(scope="module")
def chinese_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report_pdf(full_report("zh_CN"), tmp_path_factory.mktemp("zh") / "报告.pdf")


def test_title_block_and_numbered_pages(english_pdf: Path) -> None:
    pages = page_texts(english_pdf)
    total = len(PdfReader(english_pdf).pages)
    assert total == len(pages) > 1
    first = _flat(pages[0])
    for expected in (
        "Complaints report",
        "Branch: Shanghai Pudong hub (SH01)",
        "Period: 2026-11-01 – 2026-11-30",
        "Compared with: 2026-10-01 – 2026-10-31",
        "Printed: 2026-12-01 09:30",  # 01:30 UTC shown in business (Shanghai) time
    ):
        assert expected in first, expected
    for number, text in enumerate(pages, start=1):
        flat = _flat(text)
        assert f"Page {number} / {total}" in flat
        assert "Complaints report" in flat and "Shanghai Pudong hub (SH01)" in flat  # header
        assert "Printed: 2026-12-01 09:30" in flat  # footer


def test_long_table_repeats_its_header_on_every_page(english_pdf: Path) -> None:
    pages = [_flat(p) for p in page_texts(english_pdf)]
    with_rows = [i for i, p in enumerate(pages) if re.search(r"TS-2026-\d{5}", p)]
    assert len(with_rows) > 3 and with_rows == list(range(with_rows[0], with_rows[-1] + 1))
    for index in with_rows:
        for heading in ("Reference", "Customer", "Description", "Compensation", "Received"):
            assert heading in pages[index], (index, heading)
    everything = "".join(pages)
    for n in (1, 150, 300):
        assert f"TS-2026-{n:05d}" in everything  # no row lost between pages
    assert everything.count("TS-2026-00150") == 1  # none printed twice
    assert everything.index("Top 300 of 312") > everything.index("TS-2026-00300")  # the note


def test_numbers_are_formatted_and_right_aligned(english_pdf: Path) -> None:
    text = _flat(pdf_text(english_pdf))
    for expected in (
        "87.5 %",
        "+2.5 pts",
        "3 h 20 min",
        "¥1,234.50",
        "Previous: ¥980.00",
        "1,234",
        "Previous: —",
        "37 min",
        "¥12.34",
        "2026-11-02",
    ):
        assert expected in text, expected
    # right-aligned: a longer amount starts further left in the money column
    reader = PdfReader(english_pdf)
    starts: dict[int, set[int]] = {}

    def visit(piece: str, _cm: object, tm: list[float], font: object, size: object) -> None:
        if re.fullmatch(r"¥[\d,]+\.\d\d", piece.strip()):
            starts.setdefault(len(piece.strip()), set()).add(round(tm[4]))

    for page in reader.pages[1:4]:
        page.extract_text(visitor_text=visit)
    lengths = sorted(starts)
    assert len(lengths) > 1 and all(len(starts[n]) == 1 for n in lengths)
    assert [min(starts[n]) for n in lengths] == sorted(
        (min(starts[n]) for n in lengths), reverse=True
    )


def test_empty_chart_table_and_section_say_no_data(english_pdf: Path) -> None:
    text = _flat(pdf_text(english_pdf))
    assert text.count("No data for this period.") == 3
    for title in ("Compensation by category", "Repeat complainers", "Training"):
        assert title in text


def test_chinese_report(chinese_pdf: Path) -> None:
    pages = [_flat(p) for p in page_texts(chinese_pdf)]
    total = len(pages)
    assert total > 1
    for expected in (
        "投诉报告",
        "网点：上海浦东分拨中心 (SH01)",
        "统计期间：2026-11-01 – 2026-11-30",
        "对比期间：2026-10-01 – 2026-10-31",
        "打印时间：2026-12-01 09:30",
        "3小时20分钟",
        "+2.5个百分点",
        "上期：85.0 %",
        "累计占比",
    ):
        assert expected in pages[0], expected
    for number, text in enumerate(pages, start=1):
        assert f"第 {number} / {total} 页" in text
    table_pages = [p for p in pages if "TS-2026-" in p]
    assert len(table_pages) > 2 and all("编号" in p and "赔偿" in p for p in table_pages)
    joined = "".join(p.replace(" ", "") for p in table_pages)
    assert "客户反映快递员多次未按约定时间上门取件" in joined
    assert "本期无数据。" in "".join(pages)


def test_pages_have_no_missing_glyphs(chinese_pdf: Path) -> None:
    """All text is drawn in the chosen CJK font (none falls to Helvetica, which has no
    Chinese glyphs), and pdftotext reads back no replacement characters (boxes)."""
    from branch_crm.printing.fonts import pdf_fonts

    chosen = pdf_fonts().regular
    fonts_used: set[str] = set()

    def visit(piece: str, _cm: object, _tm: object, font: object, _size: object) -> None:
        if piece.strip() and isinstance(font, dict):
            fonts_used.add(str(font.get("/BaseFont", "")))

    for page in PdfReader(chinese_pdf).pages:
        page.extract_text(visitor_text=visit)
    assert fonts_used and all("Helvetica" not in name for name in fonts_used)
    assert chosen.startswith("STSong") or any("WenQuanYi" in n or "CJK" in n for n in fonts_used)
    assert "\ufffd" not in pdf_text(chinese_pdf)


def test_kpi_arrows_are_green_when_better_and_red_when_worse(english_pdf: Path) -> None:
    image = render_page(english_pdf, 0, scale=1.5).convert("RGB")
    colours = {colour for _count, colour in image.getcolors(1_000_000) or []}

    def near(target: tuple[int, int, int]) -> bool:
        return any(sum(abs(a - b) for a, b in zip(c, target, strict=True)) < 20 for c in colours)

    assert near((0x1A, 0x7F, 0x37)) and near((0xC6, 0x28, 0x28))


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_summary_fits_on_one_page(language: str, tmp_path: Path) -> None:
    report = summary_report(language)
    out = write_report_pdf(report, tmp_path / "summary.pdf")
    assert len(PdfReader(out).pages) == 1
    text = _flat(pdf_text(out))
    assert report.title in text
    for chart in report.sections[0].charts:
        assert chart.title in text


def test_summary_with_too_much_still_fits(tmp_path: Path) -> None:
    """A summary crowded with KPIs, charts and a table is shrunk, not spread over pages."""
    from dataclasses import replace

    from tests.printing.report_samples import kpis, long_table

    crowded = replace(summary_report("en"))
    section = replace(
        crowded.sections[0],
        kpis=kpis("en") * 3,
        charts=charts("en"),
        tables=(long_table("en", 40),),
    )
    out = write_report_pdf(replace(crowded, sections=(section,)), tmp_path / "crowded.pdf")
    assert len(PdfReader(out).pages) == 1
    assert "TS-2026-00040" in pdf_text(out)


def test_bytes_are_the_same_document(english_pdf: Path) -> None:
    data = report_pdf_bytes(full_report("en"))
    assert data.startswith(b"%PDF-")
    from io import BytesIO

    assert len(PdfReader(BytesIO(data)).pages) == len(PdfReader(english_pdf).pages)


def test_unwritable_folder_is_a_crm_error_and_leaves_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ReportPdfError, match="Cannot write") as raised:
        write_report_pdf(summary_report("en"), blocker / "r.pdf")
    assert isinstance(raised.value, CrmError)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "r.pdf"
    target.write_bytes(b"old")

    def refuse(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report_pdf.os, "replace", refuse)
    with pytest.raises(ReportPdfError, match="No space left"):
        write_report_pdf(summary_report("en"), target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.pdf"]  # no .part left behind


def test_failed_render_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("layout failed")

    monkeypatch.setattr(report_pdf, "_render", broken)
    with pytest.raises(RuntimeError):
        write_report_pdf(summary_report("en"), tmp_path / "r.pdf")
    assert list(tmp_path.iterdir()) == []


def test_fallback_font_report(tmp_path: Path, fallback_fonts: None) -> None:
    from branch_crm.printing.fonts import pdf_fonts

    assert not pdf_fonts().embedded
    out = write_report_pdf(summary_report("zh_CN"), tmp_path / "fallback.pdf")
    assert len(PdfReader(out).pages) == 1
    text = _flat(pdf_text(out))
    assert "月度汇总" in text and "第1/1页" in text.replace(" ", "")


def test_two_thousand_rows_render_quickly() -> None:
    report = full_report("zh_CN", rows=2000)
    report_pdf_bytes(full_report("zh_CN", rows=5))  # fonts and catalogues loaded
    started = time.process_time()
    data = report_pdf_bytes(report)
    spent = time.process_time() - started
    assert data.count(b"/Type /Page\n") > 50
    assert spent < 5, f"{spent:.2f} s of CPU for 2,000 rows"


# --- formatting and charts ---------------------------------------------------------------


def test_values_by_kind() -> None:
    en, zh = translator("en"), translator("zh_CN")
    assert value_text(0.875, "percent", en) == "87.5 %"
    assert value_text(123450, "money", en) == "¥1,234.50"
    assert value_text(45, "minutes", en) == "45 min"
    assert value_text(200, "minutes", en) == "3 h 20 min"
    assert value_text(120, "minutes", en) == "2 h"
    assert value_text(200, "minutes", zh) == "3小时20分钟"
    assert value_text(1234567, "count", en) == "1,234,567"
    assert value_text(32.46, "score", en) == "32.5"
    assert value_text(None, "percent", en) == "—"
    assert change_text(0.025, "percent", en) == "+2.5 pts"
    assert change_text(-50, "minutes", zh) == "-50分钟"
    assert change_text(0, "count", en) == "±0"
    assert change_text(None, "count", en) == "—"
    assert axis_text(0.75, "percent", 0.25, en) == "75 %"
    assert axis_text(120, "minutes", 60, en) == "2 h"


def test_nice_ticks_cover_the_values() -> None:
    marks, step = nice_ticks(0, 37, "count")
    assert marks[0] == 0 and marks[-1] >= 37 and step in (10, 5)
    marks, step = nice_ticks(0, 0.93, "percent")
    assert marks[-1] >= 0.93 and step == 0.25
    marks, step = nice_ticks(0, 3, "count")
    assert step == 1 and marks == [0, 1, 2, 3]
    assert nice_ticks(0, 500, "minutes")[1] % 60 == 0  # whole hours


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_every_chart_stays_inside_its_box(language: str) -> None:
    """Labels (long category names included) are wrapped or shortened to their slot."""
    for chart in charts(language):
        for width, height in ((240.0, 190.0), (510.0, 215.0), (160.0, 130.0)):
            drawing = chart_drawing(chart, width, height, translate=translator(language))
            x0, y0, x1, y1 = drawing.getBounds()
            assert x0 >= -0.5 and y0 >= -0.5, (chart.title, width, drawing.getBounds())
            assert x1 <= width + 0.5 and y1 <= height + 0.5, (chart.title, width)
    assert chart_is_empty(charts(language)[-1])


def test_font_without_latin_glyphs_draws_latin_in_helvetica(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Droid Sans Fallback has no Latin letters: Latin runs (in table cells, chart labels,
    KPI boxes) go to Helvetica and Chinese stays in the CJK font."""
    from reportlab.pdfbase import pdfmetrics

    from branch_crm.printing.fonts import PdfFonts, pdf_fonts

    chosen = pdf_fonts()
    if not chosen.embedded:
        pytest.skip("needs an embedded CJK TrueType font")
    face = pdfmetrics.getFont(chosen.regular).face
    cjk_only = frozenset(code for code in face.charToGlyph if code >= 0x2E80)
    split = PdfFonts(chosen.regular, chosen.bold, chosen.path, True, "split", True, cjk_only)
    monkeypatch.setattr(report_pdf, "pdf_fonts", lambda: split)
    out = write_report_pdf(full_report("zh_CN", rows=20), tmp_path / "split.pdf")
    drawn: dict[str, set[str]] = {}

    def visit(piece: str, _cm: object, _tm: object, font: object, _size: object) -> None:
        if piece.strip() and isinstance(font, dict):
            drawn.setdefault(str(font.get("/BaseFont", "")), set()).add(piece.strip())

    for page in PdfReader(out).pages:
        page.extract_text(visitor_text=visit)
    latin = "".join(t for name, texts in drawn.items() if "Helvetica" in name for t in texts)
    chinese = "".join(t for name, texts in drawn.items() if "Helvetica" not in name for t in texts)
    assert "Zhang" in latin and "TS-" in latin and "87.5 %" in latin
    assert not re.search(r"[\u4e00-\u9fff]", latin)
    assert not re.search(r"[A-Za-z0-9]", chinese)
    text = _flat(pdf_text(out))
    assert "TS-2026-00001" in text and "客户0001 Zhang San" in text
    assert "客户反映快递员" in text.replace(" ", "")
