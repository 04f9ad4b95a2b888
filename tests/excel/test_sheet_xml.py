"""excel.sheet_xml: the lean cell reader gives exactly what openpyxl's read-only
``iter_rows(values_only=True)`` gives, on files from LibreOffice and openpyxl (shared and
inline strings, dates, durations, booleans, formulas, blank rows), and reads rich text,
phonetic runs and prefixed element names in hand-written sheet XML."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from branch_crm.excel.sheet_xml import column_number, sheet_rows, worksheet_values
from tests.support.sheets import LIBREOFFICE_CUSTOMERS


def _both(path: Path) -> tuple[list[Any], list[Any]]:
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        theirs = [tuple(r) for r in sheet.iter_rows(values_only=True)]
        ours = list(worksheet_values(sheet))
    finally:
        workbook.close()
    return theirs, ours


def _trimmed(rows: list[Any]) -> list[Any]:
    """Rows without trailing empty cells (openpyxl pads them to the sheet's width)."""
    out = []
    for row in rows:
        cells = list(row)
        while cells and cells[-1] is None:
            cells.pop()
        out.append(tuple(cells))
    while out and not out[-1]:
        out.pop()
    return out


def test_libreoffice_file_reads_as_openpyxl_reads_it() -> None:
    theirs, ours = _both(LIBREOFFICE_CUSTOMERS)
    assert _trimmed(ours) == _trimmed(theirs)
    assert len(theirs) >= 5


@pytest.mark.parametrize("write_only", [False, True])
def test_openpyxl_files_read_alike(tmp_path: Path, write_only: bool) -> None:
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("s") if write_only else workbook.active
    assert sheet is not None
    rows: list[list[Any]] = [
        ["姓名", "手机", "生日", "时间", "是否", "金额", "公式"],
        ["张三 ", 13812345678, datetime.date(1992, 7, 8), datetime.datetime(2024, 1, 2, 3, 4)],
        ["李四", "8613700001111", 33793, datetime.timedelta(hours=5), True, 12.5, "=1+1"],
        [],
        [None, None, None, None, False, -3, "a & b < c"],
        ["１２３", 1.5e20, "2024/3/3", datetime.time(8, 30)],
    ]
    for row in rows:
        sheet.append(row)
    if not write_only:
        sheet.append([])
        sheet.append([None, None, "last"])
    path = workbook.save(tmp_path / "t.xlsx") or tmp_path / "t.xlsx"
    theirs, ours = _both(path)
    assert _trimmed(ours) == _trimmed(theirs)
    assert any(isinstance(v, datetime.datetime) for r in ours for v in r)
    assert any(v is True for r in ours for v in r)


def test_rich_inline_text_phonetic_runs_and_prefixes() -> None:
    xml = (
        '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<x:sheetData>"
        '<x:row r="2"><x:c r="B2" t="inlineStr"><x:is><x:r><x:t>张</x:t></x:r>'
        '<x:r><x:t xml:space="preserve"> 三</x:t></x:r><x:rPh><x:t>ちょう</x:t></x:rPh>'
        '</x:is></x:c><x:c t="b"><x:v>1</x:v></x:c><x:c t="e"><x:v>#N/A</x:v></x:c>'
        '<x:c r="F2" t="str"><x:f>A1</x:f><x:v>x&amp;y</x:v></x:c>'
        '<x:c r="G2" t="d"><x:v>2024-05-06T07:08:09</x:v></x:c><x:c r="H2"><x:v></x:v></x:c>'
        '<x:c r="I2" t="s"><x:v>1</x:v></x:c><x:c r="J2" s="3"><x:v>2.5E3</x:v></x:c></x:row>'
        "<x:row><x:c><x:v>7</x:v></x:c></x:row>"
        "</x:sheetData></x:worksheet>"
    ).encode()
    rows = list(sheet_rows(io.BytesIO(xml), ["a", "b"], set(), set(), None))
    assert rows == [
        (2, {2: "张 三", 3: True, 4: "#N/A", 6: "x&y",
             7: datetime.datetime(2024, 5, 6, 7, 8, 9), 9: "b", 10: 2500.0}),
        (3, {1: 7}),
    ]  # fmt: skip


def test_rich_text_cells_of_an_openpyxl_file(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["A1"] = CellRichText("前", TextBlock(InlineFont(b=True), "粗体"), "后")
    sheet["C3"] = "x"
    workbook.save(tmp_path / "r.xlsx")
    theirs, ours = _both(tmp_path / "r.xlsx")
    assert _trimmed(ours) == _trimmed(theirs)
    assert ours[0][0] == "前粗体后" and ours[1] == ()


def test_column_numbers() -> None:
    assert [column_number(r) for r in ("A1", "Z9", "AA10", "ab12", "XFD1")] == [
        1, 26, 27, 28, 16384,
    ]  # fmt: skip
