"""Issue 16: long templates flow onto a second page (or are refused), and every text from data
stays in its box: read back with poppler (word boxes), zxing (QR codes) and pixels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from branch_crm.errors import ValidationError
from branch_crm.models import HQ_BRANCH, SurveyForm, SurveyTemplate
from branch_crm.reference.form_layout import MM, PAGE_W, qr_text
from branch_crm.services.surveys.forms import print_survey_form, template_layout
from branch_crm.services.surveys.template import active_template
from tests.support.long_templates import long_items
from tests.support.pdf_words import word_boxes
from tests.support.printing import add_customer, decode_qr, page_texts, render_page, set_setting
from tests.support.services import run_service

LONG_COMPANY = {
    "zh_CN": "上海浦东新区国际物流供应链管理有限公司张江高科技园区第二分拨中心"
    "暨华东区域冷链配送总部",
    "en": "Shanghai Pudong International Logistics & Supply Chain Management Co. Ltd",
}
LONG_BRANCH = {
    "zh_CN": "张江高科技园区郭守敬路第二分拨中心（华东区域冷链配送总部）营业部",
    "en": "Zhangjiang Hi-Tech Park Guoshoujing Road sorting centre 2 (cold chain) counter",
}
LONG_NAME = {
    "zh_CN": "欧阳娜娜·阿依古丽·买买提江（上海浦东新区国际物流供应链管理有限公司）",
    "en": "Christopher Alexander Montgomery-Smith of Pudong Cold Chain Supplies",
}


def _template(db: Any, criteria: int, version: int = 7) -> None:
    with db.session(branch_id="BR001") as session:
        session.add(SurveyTemplate(branch_id=HQ_BRANCH, code="long", version=version,
                                   title_zh="客户满意度调查表",
                                   title_en="Customer satisfaction survey",
                                   items=long_items(criteria), active=True))  # fmt: skip


def _dark(image: Any, rect_mm: tuple[float, float, float, float]) -> int:
    px = image.width / 210
    x0, y0, x1, y1 = rect_mm
    box = image.crop((int(x0 * px), int(y0 * px), int(x1 * px), int(y1 * px)))
    return sum(box.point(lambda p: 255 if p < 100 else 0).histogram()[255:])


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("criteria", [13, 18])
def test_a_long_template_flows_onto_a_second_page(
    db: Any, supervisor: Any, tmp_path: Path, language: str, criteria: int
) -> None:
    set_setting(db, "language", language)
    _template(db, criteria)
    cid = add_customer(db, supervisor, "张三丰", ("13812345678",))
    result = run_service(db, supervisor, print_survey_form, customer_id=cid,
                         output=tmp_path / "long.pdf")  # fmt: skip
    serial = result.first_serial
    assert serial is not None
    pages = page_texts(result.path)
    assert len(pages) == 2
    zh = language == "zh_CN"
    items = long_items(criteria)
    whole = "".join(pages)
    for item in items:  # every question is printed (the suggestion, the effort question)
        text = item["text_zh" if zh else "text_en"]
        assert text[:8] in whole, text
    assert "张三丰" in pages[0]
    for number, page in enumerate(pages, start=1):
        label = f"第{number}页/共2页" if zh else f"Page {number} of 2"
        assert label in (page.replace(" ", "") if zh else page)
        assert serial in page
        # the QR code top right and small at the bottom, on every page, naming the page
        assert decode_qr(result.path, number - 1) == [qr_text(serial, number)] * 2
        image = render_page(result.path, number - 1, scale=2.0).convert("L")
        for x in ((7.0, 17.0), (193.0, 203.0)):
            for y in ((7.0, 17.0), (280.0, 290.0)):
                assert _dark(image, (x[0], y[0], x[1], y[1])) > 50  # the corner marks
    # the boxes are drawn where the exported layout says, on both pages
    template = run_service(db, supervisor, active_template)
    layout = template_layout(template)
    assert layout.page_count == 2
    suggestion = [b for p in layout.pages for b in p.text_areas]
    assert len(suggestion) == 1 and len(suggestion[0].lines) >= 3
    for page in layout.pages:
        image = render_page(result.path, page.number - 1, scale=2.0).convert("L")
        for box in page.boxes:
            left, top = box.rect.x / MM, 297 - box.rect.top / MM
            size = box.rect.width / MM
            assert _dark(image, (left + 1, top + 1, left + size - 1, top + size - 1)) == 0
            assert _dark(image, (left - 0.5, top - 0.5, left + 0.5, top + size)) > 20
    ces = layout.boxes_of("ces")
    assert ces and ces[0].page == 2


def test_a_template_too_long_to_print_is_refused_before_anything_is_recorded(
    db: Any, supervisor: Any, tmp_path: Path
) -> None:
    with db.session(branch_id="BR001") as session:  # head office's check bypassed
        items = [*long_items(18)] + [
            {"code": f"x{i}", "kind": "scale5", "text_zh": f"问题{i}", "text_en": f"Q{i}"}
            for i in range(30)
        ]
        session.add(SurveyTemplate(branch_id=HQ_BRANCH, code="huge", version=9, title_zh="大",
                                   title_en="Huge", items=items, active=True))  # fmt: skip
    cid = add_customer(db, supervisor, "张三", ("13812345678",))
    with pytest.raises(ValidationError) as caught:
        run_service(db, supervisor, print_survey_form, customer_id=cid,
                    output=tmp_path / "out" / "huge.pdf")  # fmt: skip
    message = str(caught.value)
    assert "huge v9" in message and "3 pages" in message and "at most 2" in message
    assert not (tmp_path / "out" / "huge.pdf").exists()
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(SurveyForm)) == 0


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("fonts", ["system", "fallback"])
def test_long_company_branch_and_customer_names_stay_in_their_boxes(
    db: Any, supervisor: Any, tmp_path: Path, *, language: str, fonts: str,
    request: pytest.FixtureRequest,
) -> None:  # fmt: skip
    if fonts == "fallback":
        request.getfixturevalue("fallback_fonts")
    else:
        request.getfixturevalue("fresh_fonts")
    set_setting(db, "language", language)
    set_setting(db, "company.name", LONG_COMPANY[language][:60])
    set_setting(db, "branch.name", LONG_BRANCH[language])
    _template(db, 13)
    cid = add_customer(db, supervisor, LONG_NAME[language], ("13812345678",))
    result = run_service(db, supervisor, print_survey_form, customer_id=cid,
                         output=tmp_path / "names.pdf")  # fmt: skip
    template = run_service(db, supervisor, active_template)
    layout = template_layout(template)
    pages = word_boxes(result.path)
    assert len(pages) == layout.page_count == 2
    for page, words in zip(layout.pages, pages, strict=True):
        assert words
        for word in words:
            box = word.rect
            where = f"page {page.number}: {word.text!r}"
            assert box.x >= 18 * MM and box.right <= PAGE_W - 18 * MM, where  # in the margins
            assert box.y >= 9 * MM and box.top <= 297 * MM - 14 * MM, where
            assert not box.overlaps(page.qr_clear), where  # 4 modules around the QR stay blank
            assert not box.overlaps(page.small_qr_clear), where
            for tick in page.boxes:
                assert not box.overlaps(tick.rect), where
        title_words = [w for w in words if w.rect.y >= page.title.y - 1]
        assert title_words and all(page.title.contains(w.rect, slack=1.5) for w in title_words)
    text = "".join(page_texts(result.path))
    company = LONG_COMPANY[language][:60]
    assert company.replace(" ", "")[:40] in text.replace(" ", "").replace("\n", "")
