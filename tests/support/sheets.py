"""Spreadsheet files for the import tests, built with openpyxl (and the committed
LibreOffice-written fixture in tests/excel/files)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

FILES = Path(__file__).resolve().parents[1] / "excel" / "files"
LIBREOFFICE_CUSTOMERS = FILES / "libreoffice_customers.xlsx"
"""Written by LibreOffice Calc 7.4 (soffice --convert-to xlsx) from libreoffice_customers.fods:
merged title row, Chinese headers, phones as numbers, a serial-number date, a formula date."""


def write_xlsx(
    path: Path,
    rows: Iterable[Sequence[Any]],
    *,
    title: str | None = None,
    sheet: str = "客户",
    extra_sheets: Sequence[str] = (),
) -> Path:
    """An .xlsx with ``rows`` (the first is the header), a merged ``title`` row above them."""
    from openpyxl import Workbook

    workbook = Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet
    rows = list(rows)
    if title is not None:
        worksheet.append([title])
        worksheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
    for row in rows:
        worksheet.append(list(row))
    for name in extra_sheets:
        workbook.create_sheet(name)
    workbook.save(path)
    return path


def write_big_xlsx(path: Path, count: int, bad: dict[int, Sequence[Any]] | None = None) -> Path:
    """``count`` customers (write-only workbook), with some rows replaced by ``bad``."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet("客户")
    worksheet.append(["姓名", "手机", "公司", "生日"])
    for index in range(count):
        row = (bad or {}).get(index)
        worksheet.append(
            list(row) if row else [f"客户{index}", 13000000000 + index, "某公司", None]
        )
    workbook.save(path)
    return path


def truncate(source: Path, target: Path, keep: float = 0.5) -> Path:
    """The first ``keep`` share of ``source``'s bytes (a copy that stopped half way)."""
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * keep)])
    return target


def zip_without_workbook(target: Path) -> Path:
    """A zip file that is not a workbook."""
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return target
