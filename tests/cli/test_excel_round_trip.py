"""Export then import round-trips a customer list: what ``branch-crm export customers``
writes, ``branch-crm import customers`` reads back (headers recognised in both languages,
phones as text, companies kept), into another branch's database and into the same one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from branch_crm.cli import main


def _customers(path: Path) -> set[tuple[str, str | None, str]]:
    with sqlite3.connect(path) as raw:
        return set(
            raw.execute(
                "SELECT c.name, c.company, p.phone FROM customer c "
                "JOIN customer_phone p ON p.customer_id = c.id AND p.position = 0 "
                "WHERE c.deleted_at IS NULL"
            ).fetchall()
        )


@pytest.fixture
def branch(db, db_path, call, counter) -> Path:  # type: ignore[no-untyped-def]
    """A database with three customers (a landline, a company, a long name)."""
    from branch_crm.services.customers.profile import create_customer
    from branch_crm.services.customers.validation import CustomerInput

    for name, phone, company in (
        ("张三", "13812345678", "上海浦东示例贸易有限公司"),
        ("李四", "13987654321", None),
        ("欧阳娜娜", "02155551234", "示例物流"),
    ):
        data = CustomerInput(name=name, phones=[phone], company=company)
        call(counter, create_customer, data=data)
    db.dispose()
    return Path(db_path)


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_exported_customers_import_into_another_branch(
    branch: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], language: str
) -> None:
    from branch_crm.db import open_database

    sheet = tmp_path / "customers.xlsx"
    assert main(["--db", str(branch), "--lang", language, "export", "customers", str(sheet)]) == 0
    other = tmp_path / "other.db"
    open_database(other).dispose()  # a new, empty branch database
    args = ["--db", str(other), "--lang", "en", "import", "customers", str(sheet)]
    assert main([*args, "--dry-run"]) == 0
    assert "3 rows: 3 to add, 0 to update, 0 to skip." in capsys.readouterr().out
    assert main(args) == 0
    assert _customers(other) == _customers(branch)


def test_exported_customers_import_again_as_existing(
    branch: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "customers.xlsx"
    assert main(["--db", str(branch), "export", "customers", str(sheet)]) == 0
    before = _customers(branch)
    args = ["--db", str(branch), "--lang", "en", "import", "customers", str(sheet)]
    assert main([*args, "--on-existing", "skip"]) == 0
    assert "0 added, 0 updated, 3 skipped" in capsys.readouterr().out
    assert _customers(branch) == before
