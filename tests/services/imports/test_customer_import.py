"""services.imports.customers: preview and all-or-nothing apply on real files (one written by
LibreOffice), problems with row and column, existing customers updated or skipped, the audit
log and the sync outbox filled like for a single save, mapping remembered, cancel."""

from __future__ import annotations

import datetime
import json
import sqlite3
from typing import Any

import pytest

from branch_crm.services.customers.profile import create_customer, get_customer
from branch_crm.services.customers.validation import CustomerInput
from branch_crm.services.imports import customers
from branch_crm.services.imports.common import ImportCancelled, ImportFileError, ImportRefused
from tests.support.sheets import LIBREOFFICE_CUSTOMERS, write_big_xlsx, write_xlsx

HEADER = ["姓名", "手机", "公司", "生日"]


def _count(db: Any, sql: str) -> int:
    with sqlite3.connect(db.path) as raw:
        return int(raw.execute(sql).fetchone()[0])


def _customers(db: Any) -> int:
    return _count(db, "SELECT count(*) FROM customer WHERE deleted_at IS NULL")


def _phone_owner(db: Any, phone: str) -> str | None:
    with sqlite3.connect(db.path) as raw:
        row = raw.execute(
            "SELECT c.name FROM customer c JOIN customer_phone p ON p.customer_id = c.id "
            "WHERE p.phone = ? AND p.deleted_at IS NULL",
            (phone,),
        ).fetchone()
    return row[0] if row else None


def test_libreoffice_file_imports_cleanly(db, call, counter) -> None:  # type: ignore[no-untyped-def]
    preview = call(counter, customers.preview, path=LIBREOFFICE_CUSTOMERS)
    assert preview.clean, preview.problems
    assert (preview.header_row, preview.rows, preview.add) == (2, 3, 3)
    assert _customers(db) == 0  # a preview writes nothing
    done = call(counter, customers.apply, path=LIBREOFFICE_CUSTOMERS)
    assert done.add == 3 and _customers(db) == 3
    with sqlite3.connect(db.path) as raw:
        rows = dict(
            (name, (birthday, first, visit))
            for name, birthday, first, visit in raw.execute(
                "SELECT name, birthday, first_shipment_date, visit_class FROM customer"
            )
        )
    assert rows["张伟"] == ("1992-07-08", "2021-03-15", "A")  # serial numbers, name stripped
    assert rows["李娜"] == ("1988-12-01", "2022-05-06", "B")  # text date, formula, "b类"
    assert _phone_owner(db, "13700001111") == "李娜"  # 8613700001111 as a number
    assert _phone_owner(db, "02155551234") == "王芳"


def test_audit_and_sync_capture(db, call, counter) -> None:  # type: ignore[no-untyped-def]
    call(counter, customers.apply, path=LIBREOFFICE_CUSTOMERS)
    audit = "SELECT count(*) FROM audit_entry WHERE action = 'create' AND entity = '{}'"
    assert _count(db, audit.format("customer")) == 3
    assert _count(db, audit.format("customer_phone")) == 3
    outbox = "SELECT count(*) FROM sync_outbox WHERE table_name = '{}' AND op = 'insert'"
    assert _count(db, outbox.format("customer")) == 3
    assert _count(db, outbox.format("audit_entry")) == 6
    with sqlite3.connect(db.path) as raw:
        actor, changes = raw.execute(
            "SELECT actor_id, changes FROM audit_entry WHERE entity = 'customer' LIMIT 1"
        ).fetchone()
    assert actor == counter.staff_id and json.loads(changes)["name"][0] is None
    assert _count(db, "SELECT count(*) FROM customer_stats") == 3  # classified at once


def _capture(db: Any, name: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(audit changes, outbox data of the customer, outbox data of its audit entry) of the
    customer called ``name``, with the values that differ between two saves blanked."""
    moving = ("id", "created_at", "updated_at", "local_no", "entity_id", "at")
    with sqlite3.connect(db.path) as raw:
        (customer_id,) = raw.execute("SELECT id FROM customer WHERE name = ?", (name,)).fetchone()
        audit_id, changes = raw.execute(
            "SELECT id, changes FROM audit_entry WHERE entity = 'customer' AND entity_id = ?",
            (customer_id,),
        ).fetchone()
        data, schema = {}, set()
        for pk in (customer_id, audit_id):
            row, version = raw.execute(
                "SELECT data, schema_version FROM sync_outbox WHERE pk = ? AND op = 'insert'",
                (pk,),
            ).fetchone()
            data[pk] = {k: v for k, v in json.loads(row).items() if k not in moving}
            schema.add(version)
    assert len(schema) == 1
    entry = data[audit_id]
    entry["changes"] = json.loads(entry["changes"])
    return json.loads(changes), data[customer_id], entry


def test_bulk_capture_writes_what_a_single_save_writes(db, call, counter, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An imported customer's audit entry and outbox rows (bulk, one statement per chunk) are
    those of the same customer saved on its own (session hooks and capture triggers)."""
    call(counter, create_customer, data=CustomerInput(
        name="赵敏", phones=["13911112222"], company="一号仓", birthday=datetime.date(1990, 3, 4),
    ))  # fmt: skip
    path = write_xlsx(
        tmp_path / "one.xlsx", [HEADER, ["钱敏", "13911113333", "一号仓", "1990-03-04"]]
    )
    call(counter, customers.apply, path=path)
    single, imported = _capture(db, "赵敏"), _capture(db, "钱敏")
    for saved, bulk in zip(single, imported, strict=True):
        for key in ("name", "name_pinyin", "name_initials"):
            saved.pop(key, None), bulk.pop(key, None)
        if "changes" in saved:
            for key in ("name", "name_pinyin", "name_initials"):
                saved["changes"].pop(key), bulk["changes"].pop(key)
        assert json.dumps(bulk, sort_keys=True) == json.dumps(saved, sort_keys=True)
    with sqlite3.connect(db.path) as raw:
        stamps = [row[0] for row in raw.execute("SELECT hlc FROM sync_outbox ORDER BY seq")]
    assert len(set(stamps)) == len(stamps) and stamps == sorted(stamps)


def test_problems_with_row_and_column_and_nothing_written(db, call, counter, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_xlsx(
        tmp_path / "bad.xlsx",
        [
            HEADER,
            ["张三", 13812345678, None, "1990-01-02"],
            ["", 13900000000, None, None],
            ["李四", "abc", None, None],
            ["王五", "13812345678", None, None],
            ["赵六", 13700000000, None, "someday"],
            ["钱七", 13600000000, None, datetime.date(2999, 1, 1)],
        ],
        title="名单",
    )
    preview = call(counter, customers.preview, path=path)
    found = {(p.row, p.column) for p in preview.problems}
    assert found == {(4, "姓名"), (5, "手机"), (6, "手机"), (7, "生日"), (8, "生日")}
    clash = next(p for p in preview.problems if p.row == 6)
    assert "row 3" in clash.message
    with pytest.raises(ImportRefused) as caught:
        call(counter, customers.apply, path=path)
    assert caught.value.preview.problem_count == 5
    assert _customers(db) == 0


def _existing(call, counter) -> str:  # type: ignore[no-untyped-def]
    view = call(
        counter,
        create_customer,
        data=CustomerInput(
            name="老客户", phones=["13812345678"], company="旧公司", marketing_consent=True
        ),
    )
    return str(view.id)


@pytest.mark.parametrize("on_existing", ["update", "skip"])
def test_existing_phone_updated_or_skipped(db, call, counter, tmp_path, on_existing) -> None:  # type: ignore[no-untyped-def]
    customer_id = _existing(call, counter)
    path = write_xlsx(
        tmp_path / "a.xlsx", [HEADER, ["老客户", "+86 138-1234-5678", "新公司", None],
                              ["新客户", 13900001111, None, None]]
    )  # fmt: skip
    preview = call(counter, customers.preview, path=path, on_existing=on_existing)
    expected = (1, 1, 0) if on_existing == "update" else (1, 0, 1)
    assert (preview.add, preview.update, preview.skip) == expected
    call(counter, customers.apply, path=path, on_existing=on_existing)
    view = call(counter, get_customer, customer_id=customer_id)
    assert view.company == ("新公司" if on_existing == "update" else "旧公司")
    assert view.marketing_consent  # no column for it: kept
    assert _customers(db) == 2
    updates = "SELECT count(*) FROM audit_entry WHERE action = 'update' AND entity = 'customer'"
    assert _count(db, updates) == (1 if on_existing == "update" else 0)


def test_row_matching_two_customers(db, call, counter, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _existing(call, counter)
    call(counter, create_customer, data=CustomerInput(name="别人", phones=["13900001111"]))
    path = write_xlsx(
        tmp_path / "a.xlsx", [["姓名", "手机", "备用电话"], ["合并", 13812345678, 13900001111]]
    )
    preview = call(counter, customers.preview, path=path)
    assert [p.column for p in preview.problems] == ["手机"]
    assert "别人" in preview.problems[0].message


def test_ten_thousand_rows_with_a_few_bad(db, call, counter, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = {17: ["坏号码", "1381234", None, None], 5000: ["", 13999999999, None, None],
           9998: ["重复", 13000000017, None, None]}  # fmt: skip
    path = write_big_xlsx(tmp_path / "big.xlsx", 10_000, bad)
    with pytest.raises(ImportRefused) as caught:
        call(counter, customers.apply, path=path)
    preview = caught.value.preview
    assert preview.rows == 10_000
    assert sorted(p.row for p in preview.problems) == [19, 5002]
    assert _customers(db) == 0 and _count(db, "SELECT count(*) FROM audit_entry") == 0
    good = write_big_xlsx(tmp_path / "good.xlsx", 10_000)
    assert call(counter, customers.apply, path=good).add == 10_000
    assert _customers(db) == 10_000


def test_headers_only_and_missing_columns(call, counter, tmp_path) -> None:  # type: ignore[no-untyped-def]
    only = write_xlsx(tmp_path / "h.xlsx", [HEADER])
    assert "no rows" in call(counter, customers.preview, path=only).problems[0].message
    no_phone = write_xlsx(tmp_path / "n.xlsx", [["姓名", "公司"], ["张三", "x"]])
    messages = [p.message for p in call(counter, customers.preview, path=no_phone).problems]
    assert messages == ["No column for Phone: map one of the columns to it."]


def test_file_errors_have_clear_messages(call, counter, tmp_path) -> None:  # type: ignore[no-untyped-def]
    xls = tmp_path / "old.xlsx"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(ImportFileError) as caught:
        call(counter, customers.preview, path=xls)
    assert "save it as .xlsx" in caught.value.message
    text = tmp_path / "csv.xlsx"
    text.write_text("姓名,手机\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        call(counter, customers.apply, path=text)
    assert "Rename it to .csv" in caught.value.message


def test_file_error_message_in_chinese(call, counter, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.i18n import set_language

    xls = tmp_path / "old.xlsx"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    set_language("zh_CN")
    with pytest.raises(ImportFileError) as caught:
        call(counter, customers.preview, path=xls)
    assert ".xlsx" in caught.value.message and "另存为" in caught.value.message


def test_mapping_remembered(db, call, counter, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_xlsx(tmp_path / "a.xlsx", [["姓名", "手机", "微信"], ["张三", 13812345678, "zs1"]])
    first = call(counter, customers.preview, path=path)
    assert [c.field for c in first.columns] == ["name", "phone", None]
    call(counter, customers.apply, path=path, mapping={"微信": "notes"})
    again = write_xlsx(tmp_path / "b.xlsx", [["姓名", "手机", "微信"], ["李四", 13900001111, "ls"]])
    second = call(counter, customers.preview, path=again)
    assert [c.field for c in second.columns] == ["name", "phone", "notes"]


def test_progress_and_cancel(db, call, counter, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_big_xlsx(tmp_path / "big.xlsx", 5_000)
    seen: list[tuple[int, int]] = []
    with pytest.raises(ImportCancelled):
        call(counter, customers.apply, path=path, progress=lambda d, t: seen.append((d, t)),
             cancelled=lambda: len(seen) >= 1)  # fmt: skip
    assert len(seen) == 1 and seen[0][0] == 2000
    assert seen[0][1] in (0, 5000)  # 0: the file does not declare its size (write-only)
    assert _customers(db) == 0


def test_courier_may_not_import(call, courier, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        call(courier, customers.preview, path=LIBREOFFICE_CUSTOMERS)


def test_gb18030_csv(db, call, counter, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "客户.csv"
    text = "姓名,联系电话,单位,出生日期\r\n张三 ,+86 138-1234-5678,示例公司,1992年7月8日\r\n"
    path.write_bytes(text.encode("gb18030"))
    done = call(counter, customers.apply, path=path)
    assert done.add == 1 and _phone_owner(db, "13812345678") == "张三"


def test_formula_without_saved_value(db, call, counter, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A formula never calculated by a spreadsheet program has no saved value: the row says
    what is missing instead of importing a formula's text."""
    path = write_xlsx(tmp_path / "f.xlsx", [HEADER, ["张三", "=13800000000+1", None, None]])
    problems = call(counter, customers.preview, path=path).problems
    assert [(p.row, p.column) for p in problems] == [(2, "手机")]


def test_very_wide_sheet(db, call, counter, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """2,000 columns: the two known ones are used, the rest ignored (and not kept)."""
    header = ["姓名", "手机", *(f"列{i}" for i in range(1998))]
    rows = [[f"客户{i}", 13800000000 + i, *range(1998)] for i in range(50)]
    path = write_xlsx(tmp_path / "wide.xlsx", [header, *rows])
    done = call(counter, customers.apply, path=path)
    assert done.add == 50 and sum(1 for c in done.columns if c.field) == 2
    assert _customers(db) == 50


def test_small_import_is_found_by_the_lookup(call, counter) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.customers.search import search_customers

    call(counter, customers.apply, path=LIBREOFFICE_CUSTOMERS)
    for query, name in (("5678", "张伟"), ("ln", "李娜"), ("浦东快件", "王芳")):
        hits = call(counter, search_customers, query=query)
        assert [h.name for h in hits] == [name], query
