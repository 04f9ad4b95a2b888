"""``branch-crm import customers|volumes``: the preview printed, exit 0 when clean and 2 with
the problems listed, nothing written on a dry run or on any problem."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from branch_crm.cli import main
from tests.support.sheets import LIBREOFFICE_CUSTOMERS, write_xlsx


@pytest.fixture
def db_file(db) -> Path:  # type: ignore[no-untyped-def]
    """A migrated, empty database (closed again before the CLI opens it)."""
    db.dispose()
    return Path(db.path)


def _count(path: Path) -> int:
    with sqlite3.connect(path) as raw:
        return int(raw.execute("SELECT count(*) FROM customer").fetchone()[0])


def test_dry_run_then_import(db_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--db", str(db_file), "import", "customers", str(LIBREOFFICE_CUSTOMERS)]
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "header in row 2" in out and "3 rows: 3 to add, 0 to update, 0 to skip." in out
    assert "客户名称 → Name" in out
    assert _count(db_file) == 0
    assert main(args) == 0
    assert "3 rows: 3 added" in capsys.readouterr().out
    assert _count(db_file) == 3
    assert main([*args, "--on-existing", "skip"]) == 0
    assert "0 added, 0 updated, 3 skipped" in capsys.readouterr().out


def test_problems_exit_2_and_nothing_written(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_xlsx(
        tmp_path / "bad.xlsx", [["姓名", "手机"], ["张三", 13812345678], ["李四", 13812345678]]
    )
    assert main(["--db", str(db_file), "import", "customers", str(path)]) == 2
    out = capsys.readouterr().out
    assert "1 problem; nothing was imported:" in out
    assert "row 3, column 手机: 138 1234 5678 is also in row 2 of this file." in out
    assert _count(db_file) == 0


def test_unreadable_file(db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "list.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert main(["--db", str(db_file), "import", "customers", str(path), "--dry-run"]) == 2
    assert "save it as .xlsx" in capsys.readouterr().err


def test_chinese_preview(db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [["姓名", "手机", "微信"], ["张三", 13812345678, "x"]])
    code = main(["--lang", "zh_CN", "--db", str(db_file), "import", "customers", str(path),
                 "--dry-run"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and "共 1 行：将新增 1 位" in out and "微信 → （忽略）" in out


def test_map_option_and_volumes(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    people = write_xlsx(tmp_path / "p.xlsx", [["姓名", "号码"], ["张三", 13812345678]])
    assert (
        main(["--db", str(db_file), "import", "customers", str(people), "--map", "号码=phone"]) == 0
    )
    sheet = write_xlsx(tmp_path / "v.xlsx", [["手机", "月份", "件数"], [13812345678, "2026-01", 9]])
    assert main(["--db", str(db_file), "import", "volumes", str(sheet)]) == 0
    assert "1 rows: 1 added" in capsys.readouterr().out.splitlines()[-1]
    with sqlite3.connect(db_file) as raw:
        assert raw.execute("SELECT parcels FROM monthly_volume").fetchone()[0] == 9
