"""services/exports on a small demo database: every list written and read back, the filters
above the table, typed cells, Chinese headers, an empty list, cancel and refusals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from branch_crm import i18n
from branch_crm.errors import PermissionDenied, ValidationError
from branch_crm.services.exports import (
    LISTS,
    ExportCancelled,
    ExportFilters,
    build_table,
    export_list,
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A demo database of 40 customers (with complaints, surveys, follow-ups, training)."""
    from branch_crm.db import open_database
    from branch_crm.services.demo.fill import fill_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    fill_demo(path, customers=40)
    database = open_database(path)
    yield database
    database.dispose()


@pytest.fixture
def boss(demo: Any) -> Any:
    """The supervisor of the demo branch."""
    from branch_crm.models import Role
    from branch_crm.services.context import Actor
    from branch_crm.services.settings import values as settings

    with demo.session() as session:
        branch = str(settings.get(session, "branch.code"))
    return Actor(None, "boss", "赵主管", Role.SUPERVISOR, branch)


def export(demo: Any, actor: Any, which: str, out: Path, **filters: Any) -> Any:
    with demo.session() as session:
        return export_list(
            session=session, actor=actor, which=which, output=out, filters=ExportFilters(**filters)
        )


def read(path: Path) -> tuple[Any, list[tuple[Any, ...]], int]:
    """The sheet, its rows as values, and the header's row number (after the blank row)."""
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if i > 0 and all(v is None for v in row)) + 2
    return sheet, rows, header


@pytest.mark.parametrize("which", LISTS)
def test_every_list_is_written_with_its_table(demo, boss, tmp_path, which) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / f"{which}.xlsx"
    result = export(demo, boss, which, out)
    sheet, rows, header = read(out)
    assert result.rows == len(rows) - header >= 1
    assert sheet.freeze_panes == f"A{header + 1}"
    last = openpyxl.utils.get_column_letter(len(rows[header - 1]))
    assert sheet.auto_filter.ref == f"A{header}:{last}{header + result.rows}"
    assert rows[1][0] == "Filters: none" or rows[1][0].startswith("Filters: ")
    assert rows[2][0].startswith("Exported ") and "赵主管" in rows[2][0]


def test_customers_follow_the_list_filters(demo, boss, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.customers.listing import ListFilter, list_customer_keys

    with demo.session() as session:
        walk_ins = len(list_customer_keys(session=session, flt=ListFilter(tier="walk_in")))
    out = tmp_path / "c.xlsx"
    assert export(demo, boss, "customers", out, tier="walk_in").rows == walk_ins
    sheet, rows, header = read(out)
    assert rows[1][0] == "Filters: Tier: Walk-in"
    assert rows[header - 1][:3] == ("Name", "Phone", "Company")
    body = rows[header:]
    assert {r[3] for r in body} == {"Walk-in"}
    phone = sheet.cell(row=header + 1, column=2)
    assert phone.data_type == "s" and phone.value.isdigit()  # a phone is text
    parcels = sheet.cell(row=header + 1, column=9)
    assert parcels.data_type == "n"


def test_complaints_have_dates_and_numbers(demo, boss, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "k.xlsx"
    every = export(demo, boss, "complaints", out).rows
    sheet, _rows, header = read(out)
    received = sheet.cell(row=header + 1, column=2)
    assert isinstance(received.value, dt.datetime) and received.number_format == "yyyy-mm-dd hh:mm"
    assert sheet.cell(row=header + 1, column=5).data_type == "n"  # the grade
    closed = export(demo, boss, "complaints", out, status="closed").rows
    opened = export(demo, boss, "complaints", out, open_only=True).rows
    assert closed + opened == every
    _sheet, rows, _header = read(out)
    assert rows[1][0] == "Filters: Open complaints only: Yes"


def test_headers_and_labels_in_chinese(demo, boss, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "zh.xlsx"
    i18n.set_language("zh_CN")
    try:
        export(demo, boss, "customers", out, lifecycle="active")
    finally:
        i18n.set_language("en")
    sheet, rows, header = read(out)
    assert rows[0][0] == "客户" and sheet.title == "客户"
    assert rows[1][0] == "筛选条件：生命周期：活跃"
    assert rows[header - 1][:3] == ("姓名", "电话", "公司")
    assert sheet.column_dimensions["A"].width >= 6


def test_an_empty_list_is_a_header_only_table(demo, boss, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "none.xlsx"
    result = export(
        demo, boss, "complaints", out, since=dt.date(2001, 1, 1), until=dt.date(2001, 1, 2)
    )
    assert result.rows == 0
    sheet, rows, header = read(out)
    assert len(rows) == header
    assert sheet.auto_filter.ref.endswith(str(header))
    assert "Received at: 2001-01-01 – 2001-01-02" in rows[1][0]


def test_cancel_writes_nothing(demo, boss, tmp_path) -> None:  # type: ignore[no-untyped-def]
    class Cancelled:
        cancelled = True

        def progress(self, done: int, total: int, text: str = "") -> None:
            pass

    out = tmp_path / "a.xlsx"
    from branch_crm.excel import writer

    writer_every = writer.PROGRESS_EVERY
    writer.PROGRESS_EVERY = 5
    try:
        with demo.session() as session, pytest.raises(ExportCancelled):
            export_list(session=session, actor=boss, which="audit", output=out, control=Cancelled())
    finally:
        writer.PROGRESS_EVERY = writer_every
    assert list(tmp_path.iterdir()) == []


def test_refusals(demo, boss, counter, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with demo.session() as session:
        with pytest.raises(ValidationError, match="Unknown list"):
            build_table(session=session, actor=boss, which="parcels")
        with pytest.raises(ValidationError, match="end of the period"):
            build_table(
                session=session,
                actor=boss,
                which="surveys",
                filters=ExportFilters(since=dt.date(2026, 2, 1), until=dt.date(2026, 1, 1)),
            )
        with pytest.raises(PermissionDenied):
            build_table(session=session, actor=counter, which="audit")
    with pytest.raises(ValidationError, match="Unknown status: lost"):
        export(demo, boss, "followups", tmp_path / "f.xlsx", status="lost")
    assert list(tmp_path.iterdir()) == []
