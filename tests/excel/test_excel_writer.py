"""excel/writer.py read back with openpyxl: typed cells, the title and filter lines, the
frozen header, the auto-filter, widths for Chinese text, cancel and failures leaving nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path

import openpyxl
import pytest

from branch_crm.excel import writer
from branch_crm.excel.writer import DATE, DATETIME, NUMBER, Column, ExportCancelled, write_table

COLUMNS = [
    Column("姓名"),
    Column("Phone"),
    Column("Parcels", NUMBER),
    Column("Birthday", DATE),
    Column("Received", DATETIME),
]
ROWS: list[Sequence[object]] = [
    ("张三", "13812345678", 12, dt.date(1992, 7, 8), dt.datetime(2026, 3, 1, 9, 30)),
    ("=SUM(A1:A2)", "02112345678", 0.5, None, None),
    ("李四\x07", "", None, dt.datetime(2001, 1, 2, 3, 4), "not a time"),
]


def _write(path: Path, rows: object = ROWS, **kwargs: object) -> int:
    return write_table(
        path, title="客户名单", notes=["Filters: Tier: Key"], columns=COLUMNS, rows=rows, **kwargs
    )  # type: ignore[arg-type]


def test_cells_are_typed(tmp_path: Path) -> None:
    out = tmp_path / "list.xlsx"
    assert _write(out) == 3
    sheet = openpyxl.load_workbook(out).active
    assert sheet.title == "客户名单"
    assert sheet["A1"].value == "客户名单" and sheet["A1"].font.b
    assert sheet["A2"].value == "Filters: Tier: Key"
    assert [c.value for c in sheet[4]] == ["姓名", "Phone", "Parcels", "Birthday", "Received"]
    name, phone, parcels, birthday, received = sheet[5]
    assert (name.value, name.data_type) == ("张三", "s")
    assert (phone.value, phone.data_type) == ("13812345678", "s")  # a phone stays text
    assert (parcels.value, parcels.data_type) == (12, "n")
    assert birthday.value == dt.datetime(1992, 7, 8) and birthday.number_format == "yyyy-mm-dd"
    assert received.value == dt.datetime(2026, 3, 1, 9, 30)
    assert received.number_format == "yyyy-mm-dd hh:mm"
    formula, _phone, half, empty, _none = sheet[6]
    assert (formula.value, formula.data_type) == ("=SUM(A1:A2)", "s")  # never a formula
    assert half.value == 0.5 and empty.value is None
    control, blank, _n, day, text = sheet[7]
    assert control.value == "李四" and blank.value is None
    assert day.value == dt.datetime(2001, 1, 2) and day.number_format == "yyyy-mm-dd"
    assert (text.value, text.data_type) == ("not a time", "s")


def test_header_frozen_filtered_and_widths_fit_chinese(tmp_path: Path) -> None:
    out = tmp_path / "list.xlsx"
    _write(out)
    sheet = openpyxl.load_workbook(out).active
    assert sheet.freeze_panes == "A5"  # title, filter line, blank, header
    assert sheet.auto_filter.ref == "A4:E7"
    widths = {k: v.width for k, v in sheet.column_dimensions.items()}
    assert widths["A"] >= writer.display_width("=SUM(A1:A2)")
    assert widths["B"] >= 11  # the phone fits
    assert writer.display_width("客户名称") == 8
    long_name = [("上海市浦东新区某某物流有限公司",) + ("",) * 4]
    write_table(tmp_path / "wide.xlsx", title="t", columns=COLUMNS, rows=long_name)
    wide = openpyxl.load_workbook(tmp_path / "wide.xlsx").active
    assert wide.column_dimensions["A"].width >= 30  # 15 wide characters count double


def test_empty_list_keeps_the_header(tmp_path: Path) -> None:
    out = tmp_path / "empty.xlsx"
    assert write_table(out, title="Nothing", columns=COLUMNS, rows=[]) == 0
    sheet = openpyxl.load_workbook(out).active
    assert sheet.auto_filter.ref == "A3:E3"
    assert sheet.freeze_panes == "A4"
    assert sheet.max_row == 3


def _many(count: int) -> Iterator[tuple[object, ...]]:
    for i in range(count):
        yield (f"客户{i}", f"138{i:08d}", i, None, None)


def test_progress_and_cancel_leave_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "list.xlsx"
    out.write_bytes(b"old")
    seen: list[int] = []
    with pytest.raises(ExportCancelled):
        _write(out, rows=_many(5000), progress=seen.append, cancelled=lambda: len(seen) >= 2)
    assert seen == [1000, 2000]
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["list.xlsx"]  # no partial file left
    seen.clear()
    assert _write(out, rows=_many(2500), progress=seen.append) == 2500
    assert seen == [1000, 2000, 2500]
    assert openpyxl.load_workbook(out).active.max_row == 2504


def test_a_failing_row_source_writes_nothing(tmp_path: Path) -> None:
    def broken() -> Iterator[tuple[object, ...]]:
        yield from _many(10)
        raise RuntimeError("database went away")

    out = tmp_path / "list.xlsx"
    with pytest.raises(RuntimeError):
        _write(out, rows=broken())
    assert list(tmp_path.iterdir()) == []


def test_unwritable_folder_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        _write(tmp_path / "missing" / "list.xlsx")


def test_unknown_column_kind() -> None:
    with pytest.raises(ValueError):
        Column("x", "money")
