"""StreamingCanvas: pages go to the file as they are finished; the PDF reads back normally."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from branch_crm.printing.common import Writer
from branch_crm.printing.stream import StreamingCanvas
from tests.support.printing import page_texts, render_page, undefined_fonts


def _draw(canvas: Canvas, pages: int) -> None:
    writer = Writer(canvas)
    for page in range(1, pages + 1):
        writer.text(72, 760, f"第 {page} 页 培训签到表", 16, bold=True)
        writer.text(72, 730, f"张三{page} 138 1234 {page:04d}", 12)
        canvas.setLineWidth(1)
        canvas.rect(72, 100, 200, 40, fill=1)
        canvas.showPage()


def _mapped_objects(canvas: StreamingCanvas) -> int:
    doc = canvas._doc
    return len(doc.idToObject) + len(doc.numberToId) + len(doc.idToObjectNumberAndVersion)


def test_same_text_as_a_normal_canvas(tmp_path: Path) -> None:
    normal = Canvas(str(tmp_path / "normal.pdf"))
    _draw(normal, 3)
    normal.save()
    streamed = StreamingCanvas(tmp_path / "streamed.pdf")
    _draw(streamed, 3)
    streamed.save()
    assert page_texts(tmp_path / "streamed.pdf") == page_texts(tmp_path / "normal.pdf")
    texts = page_texts(tmp_path / "streamed.pdf")
    assert "第 3 页 培训签到表" in texts[2] and "138 1234 0003" in texts[2]


def test_strict_reader_and_renderer_accept_it(tmp_path: Path) -> None:
    out = tmp_path / "s.pdf"
    canvas = StreamingCanvas(out)
    _draw(canvas, 5)
    canvas.save()
    reader = PdfReader(out, strict=True)  # cross-reference offsets must be exact
    assert len(reader.pages) == 5
    assert undefined_fonts(out) == set()  # the page preamble's font is in the resources
    for number in range(1, int(reader.trailer["/Size"])):
        assert reader.get_object(number) is not None
    image = render_page(out, 4, scale=1).convert("L")
    assert image.getextrema()[0] < 60  # the black bar of the last page is drawn


def test_finished_pages_leave_memory(tmp_path: Path) -> None:
    canvas = StreamingCanvas(tmp_path / "long.pdf")
    _draw(canvas, 20)
    after_20 = _mapped_objects(canvas)
    _draw(canvas, 300)
    assert canvas.pages_written == 320
    assert _mapped_objects(canvas) == after_20  # no per-page objects kept
    assert canvas._doc.Pages.pages == []
    canvas.save()
    assert len(PdfReader(tmp_path / "long.pdf").pages) == 320


def test_fallback_font_streams_too(tmp_path: Path, fallback_fonts) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "cid.pdf"
    canvas = StreamingCanvas(out)
    _draw(canvas, 2)
    canvas.save()
    fonts = {str(f["/BaseFont"]) for f in PdfReader(out).pages[1]["/Resources"]["/Font"].values()}
    assert "/STSong-Light" in fonts
    assert "培训签到表" in page_texts(out)[1]


def test_no_pdf_data_in_memory(tmp_path: Path) -> None:
    canvas = StreamingCanvas(tmp_path / "x.pdf")
    _draw(canvas, 1)
    with pytest.raises(NotImplementedError):
        canvas.getpdfdata()
    canvas.discard()
    assert (tmp_path / "x.pdf").stat().st_size > 0  # the page that was written stays
