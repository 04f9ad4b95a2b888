"""Issue 16: separators a font lacks (the ``·`` of "a · b" in the STSong-Light fallback) are
drawn in Helvetica, never as empty boxes."""

from __future__ import annotations

from pathlib import Path

from branch_crm.printing import fonts


def test_the_fallback_font_leaves_the_middle_dot_and_en_dash_to_helvetica(
    fallback_fonts: None,
) -> None:
    chosen = fonts.pdf_fonts()
    assert not chosen.embedded
    assert chosen.runs("周一 09:00–12:00 · 周六") == [
        ("周一 09:00", "STSong-Light"), ("–", "Helvetica"), ("12:00 ", "STSong-Light"),
        ("·", "Helvetica"), (" 周六", "STSong-Light"),
    ]  # fmt: skip
    assert chosen.runs("·", bold=True) == [("·", "Helvetica-Bold")]
    assert not chosen.covers("·") and chosen.covers("周") and chosen.covers("A")


def test_an_embedded_font_without_a_separator_glyph_splits_only_that(
    fresh_fonts: None, tmp_path: Path
) -> None:
    lacking = fonts.PdfFonts("CJK", "CJK", None, True, "test", True, frozenset(),
                             frozenset({ord("·")}))  # fmt: skip
    assert lacking.runs("张三 Li · 签到") == [
        ("张三 Li ", "CJK"), ("·", "Helvetica"), (" 签到", "CJK")
    ]  # fmt: skip
    chosen = fonts.pdf_fonts()  # the font of this machine: its glyphs were checked
    assert chosen.covers("·") == (ord("·") not in chosen._lacks)


def test_a_line_with_dots_draws_them_in_helvetica_with_the_fallback(
    fallback_fonts: None, tmp_path: Path
) -> None:
    import subprocess

    from reportlab.pdfgen.canvas import Canvas

    from branch_crm.printing.common import Writer

    out = tmp_path / "dots.pdf"
    canvas = Canvas(str(out))
    Writer(canvas).text(50, 700, "周一 09:00–12:00 · 周六 10:00–12:00", 12)
    canvas.save()
    listed = subprocess.run(
        ["pdffonts", str(out)], capture_output=True, text=True, check=True
    ).stdout
    assert "Helvetica" in listed and "STSong-Light" in listed
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "·" in text
