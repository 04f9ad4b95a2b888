"""A report written as .xlsx and read back with openpyxl, cell by cell: the Summary sheet's
title block and KPIs, one sheet per table with typed cells, frozen header and auto-filter,
native charts beside their data, valid unique sheet names, nothing left on failure."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from branch_crm.excel.report_xlsx import write_report_xlsx
from branch_crm.i18n import set_language
from branch_crm.services.reports.model import (
    Better,
    Chart,
    ChartKind,
    Column,
    Kpi,
    Period,
    Report,
    Section,
    Series,
    Table,
    ValueKind,
)
from branch_crm.timeutil import BUSINESS_TZ

PRINTED = datetime(2026, 12, 1, 9, 30, tzinfo=BUSINESS_TZ)
LONG = "Closed complaints by root cause and something more"


def _report(**changes: Any) -> Report:
    table = Table(
        "Complaints by category",
        (
            Column("Name"),
            Column("Complaints", ValueKind.COUNT),
            Column("Share", ValueKind.PERCENT),
            Column("Granted", ValueKind.MONEY),
            Column("Mean resolution time", ValueKind.MINUTES),
            Column("Last received", ValueKind.DATE),
            Column("Score", ValueKind.SCORE),
        ),
        (
            ("延误", 6, 0.24, 150050, 90.0, date(2026, 11, 3), -12.5),
            ("=1+1", 4, 0.16, 0, None, None, None),
        ),
        note="2 of 2",
    )
    pareto = Chart(
        "Complaints by category",
        ChartKind.PARETO,
        ("延误", "=1+1"),
        (Series("Complaints", (6.0, 4.0)),),
        drill=("delay", "x"),
        drill_target="complaints.category",
    )
    trend = Chart(
        "Trend",
        ChartKind.LINE,
        ("11-01", "11-08"),
        (Series("Received", (3.0, 7.0)), Series("Closed", (2.0, None))),
    )
    kpis = (
        Kpi("Complaints received", 25, 20, ValueKind.COUNT, Better.DOWN),
        Kpi("Resolved on time", 0.88, 0.9, ValueKind.PERCENT, note="of 25 measured"),
        Kpi("Mean resolution time", 150.0, None, ValueKind.MINUTES, Better.DOWN),
        Kpi("Compensation granted", 134000, 20000, ValueKind.MONEY, Better.NEITHER),
    )
    values: dict[str, Any] = dict(
        kind="complaints",
        title="Complaints report",
        branch="浦东网点 (BR001)",
        period=Period(date(2026, 11, 1), date(2026, 11, 30)),
        previous=Period(date(2026, 10, 1), date(2026, 10, 31)),
        printed_at=PRINTED,
        language="en",
        sections=(
            Section("Overview", kpis=kpis),
            Section("Hotspots", charts=(pareto, trend), tables=(table,)),
            Section(
                "Causes",
                tables=(
                    Table(LONG, (Column("A"),), (("x",),)),
                    Table(LONG + "!", (Column("A"),), ()),
                ),
            ),
            Section("Charts only", charts=(trend,)),
        ),
    )
    values.update(changes)
    return Report(**values)


@pytest.fixture
def book(tmp_path: Path) -> Any:
    path = write_report_xlsx(_report(), tmp_path / "r.xlsx")
    assert path == tmp_path / "r.xlsx"
    return openpyxl.load_workbook(path)


def test_summary_sheet_has_the_title_block_and_kpis(book: Any) -> None:
    sheet = book.worksheets[0]
    assert sheet.title == "Summary"
    assert sheet["A1"].value == "Complaints report" and sheet["A1"].font.bold
    assert [sheet.cell(r, 2).value for r in (2, 3, 4)] == [
        "浦东网点 (BR001)",
        "2026-11-01 – 2026-11-30",
        "2026-10-01 – 2026-10-31",
    ]
    assert sheet["B5"].value == datetime(2026, 12, 1, 9, 30)  # local wall time
    rows = {r[0]: r[1:] for r in sheet.iter_rows(min_row=8, values_only=True) if r[0]}
    assert rows["Complaints received"][:3] == (25, 20, 5)
    assert rows["Resolved on time"][:4] == (0.88, 0.9, pytest.approx(-0.02), "of 25 measured")
    assert rows["Mean resolution time (h)"][:3] == (2.5, None, None)
    assert rows["Compensation granted"][:3] == (1340, 200, 1140)
    formats = {
        sheet.cell(r, 1).value: sheet.cell(r, 2).number_format for r in range(8, sheet.max_row + 1)
    }
    assert formats["Resolved on time"] == "0.0%"
    assert "¥" in formats["Compensation granted"]


def test_a_table_sheet_is_typed_filtered_and_frozen(book: Any) -> None:
    sheet = book["Complaints by category"]
    assert sheet["A1"].value == "Complaints by category" and sheet["A2"].value == "2 of 2"
    assert [c.value for c in sheet[3]][:7] == [
        "Name", "Complaints", "Share", "Granted", "Mean resolution time (h)", "Last received",
        "Score",
    ]  # fmt: skip
    assert all(c.font.bold for c in sheet[3][:7])
    assert sheet.freeze_panes == "A4" and sheet.auto_filter.ref == "A3:G5"
    first = [c for c in sheet[4]][:7]
    assert [c.value for c in first] == [
        "延误", 6, 0.24, 1500.5, 1.5, datetime(2026, 11, 3), -12.5,
    ]  # fmt: skip
    assert first[2].number_format == "0.0%" and first[1].number_format == "#,##0"
    assert "¥" in first[3].number_format and first[5].is_date
    formula = sheet["A5"]
    assert formula.value == "=1+1" and formula.data_type == "s"  # text, never a formula
    assert sheet["E5"].value is None and sheet["F5"].value is None
    assert sheet.column_dimensions["A"].width >= 6


def test_charts_are_native_and_beside_their_data(book: Any) -> None:
    from openpyxl.chart import BarChart, LineChart

    sheet = book["Complaints by category"]
    charts = sheet._charts
    assert len(charts) == 2
    assert isinstance(charts[0], BarChart) and isinstance(charts[1], LineChart)
    # the data block of the Pareto chart: categories, counts, cumulative share
    block = [r[8:11] for r in sheet.iter_rows(min_row=3, max_row=5, values_only=True)]
    assert block == [
        ("Complaints by category", "Complaints", "Cumulative share"),
        ("延误", 6, 0.6),
        ("=1+1", 4, 1),
    ]
    assert len(book["Summary"]._charts) == 1  # a section without a table


def test_sheet_names_are_valid_and_unique(book: Any) -> None:
    names = book.sheetnames
    assert len(names) == len({n.casefold() for n in names}) == 4
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    assert names[2] == LONG[:31] and names[3].endswith(" (2)")


def test_progress_and_nothing_left_on_failure(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    write_report_xlsx(_report(), tmp_path / "r.xlsx", progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    with pytest.raises(OSError):
        write_report_xlsx(_report(), tmp_path / "missing" / "r.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.xlsx"]


def test_an_empty_report_still_opens(tmp_path: Path) -> None:
    empty = _report(
        sections=(Section("Overview", kpis=(Kpi("NPS", None, None, ValueKind.SCORE),)),)
    )
    sheet = openpyxl.load_workbook(write_report_xlsx(empty, tmp_path / "e.xlsx")).active
    assert sheet["A1"].value == "Complaints report" and sheet["A9"].value == "NPS"
    assert sheet["B9"].value is None


def test_a_real_report_cell_by_cell_in_chinese(supervisor: Any, tmp_path: Path) -> None:
    """The seeded demo branch's complaints report in Chinese: every table cell read back equals
    the report's figure (money in yuan, minutes in hours)."""
    from branch_crm.db import open_database
    from branch_crm.services.reports.build import build_report
    from tests.support.reports import recent_period, seeded_branch

    branch = open_database(seeded_branch(tmp_path / "seeded.db"))
    set_language("zh_CN")
    try:
        with branch.session() as session:
            report = build_report(
                "complaints", session=session, actor=supervisor, period=recent_period()
            )
    finally:
        branch.dispose()
    book = openpyxl.load_workbook(write_report_xlsx(report, tmp_path / "c.xlsx"))
    assert book.sheetnames[0] == "汇总" and book["汇总"]["A1"].value == "投诉报表"
    for table in report.tables():
        sheet = next(s for s in book.worksheets if s["A1"].value == table.title)
        for offset, row in enumerate(table.rows, start=4):
            for column, (value, spec) in enumerate(zip(row, table.columns, strict=True), 1):
                got = sheet.cell(offset, column).value
                if value is None or value == "":
                    assert got is None
                elif spec.kind is ValueKind.MONEY:
                    assert got == pytest.approx(value / 100)
                elif spec.kind is ValueKind.MINUTES:
                    assert got == pytest.approx(value / 60)
                elif spec.kind is ValueKind.DATE:
                    assert got.date() == value
                else:
                    assert got == (pytest.approx(value) if isinstance(value, float) else value)
    assert sum(len(s._charts) for s in book.worksheets) >= 6
