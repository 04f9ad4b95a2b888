"""excel.reader and excel.headers: the header row below a merged title, Chinese and English
header variants, CSV encodings, and the refusals of files that are not .xlsx or .csv."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from branch_crm.excel.headers import header_key, recognise, recognise_row, signature
from branch_crm.excel.reader import SpreadsheetError, detect_encoding, open_table, sheet_names
from tests.support.sheets import (
    LIBREOFFICE_CUSTOMERS,
    truncate,
    write_xlsx,
    zip_without_workbook,
)

HEADER = ["姓名", "手机", "公司"]


def _rows(path: Path, **kwargs: object) -> tuple[int, list[str], list[tuple[int, list[object]]]]:
    with open_table(path, **kwargs) as table:  # type: ignore[arg-type]
        return table.header_row, table.headers, list(table.rows)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("姓名", "name"), ("客户名称", "name"), ("联系人", "name"), (" Name ", "name"),
        ("手机号", "phone"), ("联系电话", "phone"), ("MOBILE", "phone"), ("Ｐｈｏｎｅ", "phone"),
        ("单位", "company"), ("地址：", "address"), ("出生日期", "birthday"),
        ("首次寄件", "first_shipment_date"), ("First shipment", "first_shipment_date"),
        ("客户经理", "account_manager"), ("Account Manager", "account_manager"),
        ("拜访等级", "visit_class"), ("需求", "notes"), ("备 注", "notes"), ("*手机", "phone"),
    ],
)  # fmt: skip
def test_header_variants(header: str, field: str) -> None:
    assert recognise(header) == field


def test_unknown_header_and_first_column_wins() -> None:
    assert recognise("微信号") is None
    assert recognise_row(["手机", "电话", "姓名"]) == ["phone", None, "name"]
    assert header_key("Ｎａｍｅ ") == "name"
    assert signature(["姓名", " 手机"]) == signature(["姓名", "手机"])


def test_header_row_below_merged_title(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [HEADER, ["张三", 13812345678, None]], title="客户表")
    header_row, headers, rows = _rows(path)
    assert header_row == 2 and headers == HEADER
    assert rows == [(3, ["张三", 13812345678, None])]


def test_libreoffice_file(tmp_path: Path) -> None:
    """Written by LibreOffice, not openpyxl: title merged over the columns, numbers, dates."""
    header_row, headers, rows = _rows(LIBREOFFICE_CUSTOMERS)
    assert header_row == 2
    assert headers[:3] == ["客户名称", "手机号", "单位"]
    assert rows[0][1][1] == 13812345678 and rows[0][1][3] == 33793
    assert rows[1][1][4] == datetime.datetime(2022, 5, 6)  # a formula's cached value


def test_blank_rows_skipped_and_row_numbers_kept(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [HEADER, ["a", 1, None], [None, " ", None], ["b", 2]])
    _h, _x, rows = _rows(path)
    assert [number for number, _cells in rows] == [2, 4]


def test_wide_row_cut_to_the_header(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [HEADER, ["a", 1, "c", *range(500)]])
    _h, headers, rows = _rows(path)
    assert len(headers) == 3 and len(rows[0][1]) == 3


def test_sheet_choice(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [HEADER, ["a", 1, None]], extra_sheets=["说明"])
    assert sheet_names(path) == ["客户", "说明"]
    with pytest.raises(SpreadsheetError) as caught:
        _rows(path, sheet="nope")
    assert caught.value.kind == "no_sheet"
    with pytest.raises(SpreadsheetError) as caught:
        _rows(path, sheet="说明")
    assert caught.value.kind == "empty"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes("姓名,手机,公司\n张三,13812345678,上海某公司\n".encode(encoding))
    _h, headers, rows = _rows(path)
    assert headers == HEADER and rows[0][1] == ["张三", "13812345678", "上海某公司"]


def test_detect_encoding() -> None:
    assert detect_encoding("姓名".encode("gb18030")) == "gb18030"
    assert detect_encoding(b"\xef\xbb\xbfname") == "utf-8-sig"


def _kind(path: Path) -> str:
    with pytest.raises(SpreadsheetError) as caught:
        _rows(path)
    return caught.value.kind


def test_broken_files(tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", [HEADER, ["a", 1, None]])
    xls = tmp_path / "old.xlsx"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    csv_named = tmp_path / "csv.xlsx"
    csv_named.write_text("姓名,手机\n张三,13812345678\n", encoding="utf-8")
    binary = tmp_path / "photo.xlsx"
    binary.write_bytes(bytes(range(256)) * 4)
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    assert _kind(xls) == "xls"
    assert _kind(csv_named) == "csv_as_xlsx"
    assert _kind(binary) == "not_spreadsheet"
    assert _kind(empty) == "empty"
    assert _kind(truncate(good, tmp_path / "cut.xlsx")) == "truncated"
    assert _kind(zip_without_workbook(tmp_path / "z.xlsx")) == "not_spreadsheet"
    assert _kind(tmp_path / "missing.xlsx") == "missing"


def test_empty_workbook_and_no_header(tmp_path: Path) -> None:
    from openpyxl import Workbook

    path = tmp_path / "empty.xlsx"
    Workbook().save(path)
    assert _kind(path) == "empty"
    no_header = write_xlsx(tmp_path / "nh.xlsx", [["x", "y"], [1, 2]])
    assert _kind(no_header) == "no_header"
