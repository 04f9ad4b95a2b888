"""Long names, companies and addresses on the visit list (issue 15) are fitted to their
cells (printing.common.draw_fitted): every text drawn in a table row stays inside its
column and row, shrunk and cut with "…" where even the smallest size is too big."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from branch_crm.printing import visit_list
from branch_crm.printing.common import Writer
from branch_crm.printing.visit_list import (
    VisitList,
    VisitListEntry,
    VisitListSection,
    render_visit_list,
)

LONG_NAME = "中国国际货运航空股份有限公司上海浦东国际机场货运站分公司"
LONG_COMPANY = "Shanghai Zhangjiang Hi-Tech Park Development Co., Ltd. Pudong Branch Logistics"
LONG_ADDRESS = (
    "上海市浦东新区张江高科技园区祖冲之路2288弄张江集电港二期3号楼5层501-503室（近科苑路地铁站"
    "2号口向北步行五百米右转进入园区后第三栋楼的东侧入口处）"
)


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_long_texts_stay_in_their_cells(
    language: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[tuple[float, float, float, str, float]] = []
    original = Writer.text

    def spy(self: Writer, *args: Any, **kwargs: Any) -> Any:
        end = original(self, *args, **kwargs)
        x, y, text, size = args[:4]
        drawn.append((x, end, y, text, size))
        return end

    monkeypatch.setattr(Writer, "text", spy)
    entries = (
        VisitListEntry(LONG_NAME, "A", "138 1234 5678", LONG_ADDRESS, "", 1, 4, "2027-03-02"),
        VisitListEntry(LONG_NAME, "B", "021 5080 1234", LONG_ADDRESS, LONG_COMPANY, 0, 2, ""),
    )
    data = VisitList(company="顺达快递", branch="上海浦东", month="2027-03",
                     sections=(VisitListSection("王柜台", entries, 2),),
                     printed_at="2027-03-20 10:00", language=language)  # fmt: skip
    assert render_visit_list(tmp_path / "v.pdf", data) == 1
    width = visit_list.PAGE_W - 2 * visit_list.MARGIN
    edges = [visit_list.MARGIN]
    for share in visit_list.COLUMNS:
        edges.append(edges[-1] + share * width)
    rows_top = visit_list.TABLE_TOP - visit_list.HEADER_ROW_H
    rows_bottom = rows_top - 2 * visit_list.ROW_H
    in_rows = [d for d in drawn if rows_bottom < d[2] < rows_top]
    assert in_rows, "nothing drawn in the table rows"
    for x, end, y, text, size in in_rows:
        column = max(i for i, edge in enumerate(edges[:-1]) if x >= edge - 0.01)
        assert end <= edges[column + 1] + 0.01, (text, column)
        row = int((rows_top - y) // visit_list.ROW_H)
        assert rows_top - (row + 1) * visit_list.ROW_H < y - 0.2 * size, text  # descenders in
        assert size >= 5.5
    texts = [d[3] for d in in_rows]
    # the very long address was cut with "…"; the start of each text is there
    assert any(t.endswith("…") for t in texts)
    assert any(t.startswith("上海市浦东新区") for t in texts)
    assert any(t.startswith("中国国际货运") for t in texts)
