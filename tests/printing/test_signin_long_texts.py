"""Issue 16: every text of the sign-in sheet that comes from data stays in its box (poppler's
word boxes): the heading with a long company name, long topic / audience / location, long
names and contacts in the table (an e-mail address has no space to break at)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from branch_crm.printing.common import MARGIN, PAGE_W
from branch_crm.printing.signin_sheet import COLUMNS, SigninRow, SigninSheet, render_signin_sheet
from tests.support.pdf_words import word_boxes
from tests.support.printing import page_texts

ROWS = (
    SigninRow("欧阳娜娜·阿依古丽·买买提江", "13812345678 / 021-58881234 转 8801"),
    SigninRow("Christopher Alexander Montgomery-Smith", "christopher.montgomery@example-ltd.com"),
    SigninRow("张三", "13800000000"),
)  # fmt: skip


def _sheet(language: str) -> SigninSheet:
    zh = language == "zh_CN"
    return SigninSheet(
        company=(
            "上海浦东新区国际物流供应链管理有限公司张江高科技园区第二分拨中心暨华东区域冷链配送总部"
            if zh
            else "Shanghai Pudong Logistics Co."  # 29 characters: the English title was clipped
        ),
        title=(
            "冬季冷链车辆安全驾驶、货物装卸规范以及客户投诉处理流程与沟通技巧综合培训（第三期）"
            if zh
            else "Winter cold-chain vehicle safety, loading rules and complaint handling (part 3)"
        ),
        starts_at=datetime(2026, 11, 23, 9, 0),
        ends_at=datetime(2026, 11, 23, 11, 30),
        audience=(
            "项目司机、分拨中心装卸人员、客服中心全体坐席及各网点负责人（含外包合作方驾驶员）"
            if zh
            else "Project drivers, sorting-centre loaders, all customer-service agents and "
            "branch managers (including contractors)"
        ),
        trainer="王建国（华东区安全主管）" if zh else "Wang Jianguo (East China safety lead)",
        location=(
            "上海市浦东新区张江高科技园区郭守敬路498号第二分拨中心三楼大会议室"
            if zh
            else "Zhangjiang Hi-Tech Park, 498 Guoshoujing Road, Pudong, Shanghai, "
            "sorting centre 2, 3rd floor meeting room"
        ),
        content_points=("行车前检查车辆" if zh else "Check the vehicle before driving",),
        incident_notice="",
        rows=ROWS,
        reference="TR-2026-0042",
        language=language,
    )


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("fonts", ["system", "fallback"])
def test_long_headers_names_and_contacts_stay_in_their_boxes(
    tmp_path: Path, language: str, fonts: str, request: pytest.FixtureRequest
) -> None:
    request.getfixturevalue("fallback_fonts" if fonts == "fallback" else "fresh_fonts")
    sheet = _sheet(language)
    out = tmp_path / "sheet.pdf"
    render_signin_sheet(out, sheet)
    (words,) = word_boxes(out)[:1]
    left, right = MARGIN, PAGE_W - MARGIN
    for word in words:
        assert left - 0.5 <= word.x0 and word.x1 <= right + 0.5, word.text
    # no two words of different lines overlap (a wrapped header never runs into the next)
    for i, a in enumerate(words):
        for b in words[i + 1 :]:
            assert not a.rect.grown(-0.5).overlaps(b.rect.grown(-0.5)), (a.text, b.text)
    # the table: nothing crosses a column line
    width = right - left
    edges = [left]
    for share in COLUMNS:
        edges.append(edges[-1] + share * width)
    header = next(w for w in words if w.text in ("姓名", "Name"))
    table = [w for w in words if w.top >= header.top - 1 and w.bottom < 297 * 72 / 25.4 - MARGIN]
    for word in table:
        assert not any(word.x0 + 0.3 < edge < word.x1 - 0.3 for edge in edges), word.text
    text = page_texts(out)[0].replace("\n", "").replace(" ", "")
    for row in ROWS:  # long texts are wrapped, not lost
        assert row.name.replace(" ", "")[:12] in text
    assert "example-ltd.com" in text
    if language == "en":
        assert "ShanghaiPudongLogisticsCo.Trainingsign-insheet" in text
