"""Font choice: an embedded TrueType CJK font when one works, else the built-in STSong-Light."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from branch_crm.printing import fonts
from branch_crm.printing.common import Writer
from tests.support.printing import pdf_text, render_page

SAMPLE = "培训签到表 张三 Zhang San 138 1234 5678"


def _write(path: Path) -> Path:
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(path))
    Writer(canvas).text(72, 700, SAMPLE, 14)
    Writer(canvas).text(72, 650, SAMPLE, 14, bold=True)
    canvas.showPage()
    canvas.save()
    return path


def _font_resources(path: Path) -> list[dict]:  # type: ignore[type-arg]
    page = PdfReader(path).pages[0]
    return [f.get_object() for f in page["/Resources"]["/Font"].values()]


def _embedded_files(path: Path) -> int:
    count = 0
    for font in _font_resources(path):
        parts = [font] + [d.get_object() for d in font.get("/DescendantFonts", [])]
        for part in parts:
            descriptor = part.get("/FontDescriptor")
            if descriptor is not None and "/FontFile2" in descriptor.get_object():
                count += 1
    return count


def _ink(image) -> int:  # type: ignore[no-untyped-def]
    """Dark pixels on a rendered page (text was drawn)."""
    return sum(image.convert("L").point(lambda p: 255 if p < 128 else 0).histogram()[255:])


def test_fallback_is_the_builtin_cid_font(fallback_fonts, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    chosen = fonts.pdf_fonts()
    assert chosen.regular == fonts.FALLBACK_CID and not chosen.embedded and chosen.path is None
    pdf = _write(tmp_path / "fallback.pdf")
    names = [str(f["/BaseFont"]) for f in _font_resources(pdf)]
    assert any("STSong-Light" in n for n in names)
    assert _embedded_files(pdf) == 0
    assert SAMPLE in pdf_text(pdf)
    assert _ink(render_page(pdf, 0, scale=1)) > 500


def test_font_without_chinese_is_skipped(monkeypatch, fallback_fonts) -> None:  # type: ignore[no-untyped-def]
    import reportlab

    vera = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
    assert vera.exists()
    monkeypatch.setenv(fonts.ENV_OVERRIDE, str(vera))
    assert fonts.candidates()[0] == (vera, 0)
    assert fonts.pdf_fonts().regular == fonts.FALLBACK_CID


def test_postscript_outlined_ttc_is_refused_not_fatal(fresh_fonts) -> None:  # type: ignore[no-untyped-def]
    noto = [p for p, _i in fonts.candidates() if p.name == "NotoSansCJK-Regular.ttc"]
    if not noto:
        pytest.skip("fonts-noto-cjk is not installed here")
    assert fonts._try_ttf(noto[0], 2) is None


def _truetype_cjk() -> tuple[Path, int] | None:
    for path, sub in fonts.candidates():
        if fonts._try_ttf(path, sub) is not None:
            return path, sub
    return None


def test_embedded_truetype_font(fresh_fonts, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    found = _truetype_cjk()
    if found is None:
        pytest.skip(
            "no TrueType CJK font on this machine (Debian: apt-get install fonts-droid-fallback "
            "or fonts-wqy-microhei); the fallback path is tested above"
        )
    monkeypatch.setenv(fonts.ENV_OVERRIDE, f"{found[0]}#{found[1]}")
    chosen = fonts.pdf_fonts()
    assert chosen.embedded and chosen.path == found[0]
    pdf = _write(tmp_path / "embedded.pdf")
    assert _embedded_files(pdf) >= 1
    text = pdf_text(pdf)
    assert "培训签到表" in text and "张三" in text
    assert "Zhang San" in text and "138 1234 5678" in text
    assert _ink(render_page(pdf, 0, scale=1)) > 500


def test_runs_split_latin_from_a_font_without_latin_glyphs() -> None:
    glyphs = frozenset(ord(c) for c in "张三签到")
    split = fonts.PdfFonts("CJK", "CJK", None, True, "test", True, glyphs)
    assert split.runs("张三 Li 签到") == [("张三", "CJK"), (" Li ", "Helvetica"), ("签到", "CJK")]
    assert split.runs("Li", bold=True) == [("Li", "Helvetica-Bold")]
    whole = fonts.PdfFonts("CJK", "CJK", None, True, "test")
    assert whole.runs("张三 Li") == [("张三 Li", "CJK")]


def test_wrap_breaks_chinese_anywhere_and_latin_at_spaces(fallback_fonts) -> None:  # type: ignore[no-untyped-def]
    from reportlab.pdfgen.canvas import Canvas

    writer = Writer(Canvas("/dev/null"))
    text = "每日行车前检查水电油胎灭火器飞翼装置" * 3
    lines = writer.wrap(text, 200, 10)
    assert len(lines) > 1 and "".join(lines) == text
    assert all(writer.width(line, 10) <= 200 for line in lines)
    latin = writer.wrap("check the wing door latch after loading the truck", 100, 10)
    assert all(not line.startswith(" ") for line in latin)
    assert " ".join(latin) == "check the wing door latch after loading the truck"


def test_font_folders_behind_symlinks_are_searched(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A font folder that is a symlink is followed; a symlink loop does not hang the search."""
    real = tmp_path / "share" / "company-fonts"
    real.mkdir(parents=True)
    (real / "msyh.ttc").write_bytes(b"not really a font")
    data = tmp_path / "data" / "fonts"
    data.mkdir(parents=True)
    (data / "linked").symlink_to(real, target_is_directory=True)
    (real / "loop").symlink_to(data, target_is_directory=True)
    monkeypatch.setattr(fonts, "font_dirs", lambda: [data])
    monkeypatch.delenv(fonts.ENV_OVERRIDE, raising=False)
    assert [p.name for p, _i in fonts.candidates()] == ["msyh.ttc"]


def test_wrap_never_starts_a_line_with_closing_punctuation(fallback_fonts) -> None:  # type: ignore[no-untyped-def]
    from reportlab.pdfgen.canvas import Canvas

    writer = Writer(Canvas("/dev/null"))
    width = writer.width("要求吸取教训落实安全", 10)  # exactly ten characters fit
    text = "要求吸取教训落实安全。装货后锁好飞翼门锁扣，行车减速慢行。"
    lines = writer.wrap(text, width, 10)
    assert "".join(lines) == text
    assert lines[0] == "要求吸取教训落实安全。"  # the full stop hangs instead of opening line 2
    assert not any(line[0] in "。，、；：？！）" for line in lines)
