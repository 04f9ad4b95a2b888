"""``branch-crm report KIND --from --to -o FILE``: the .xlsx written, last month by default,
one-line errors with exit 2 (bad dates, end before start, unknown suffix, unwritable file),
and the report in Chinese."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from branch_crm.cli.report import last_month
from tests.support.cli_help import run_cli
from tests.support.reports import seeded_branch


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield seeded_branch(tmp_path_factory.mktemp("report-cli") / "branch.db")


def _report(capsys: Any, db: Path, *args: str, lang: str = "en") -> tuple[int, str, str]:
    return run_cli(capsys, "--db", str(db), "--lang", lang, "report", *args)


@pytest.mark.parametrize("kind", ["complaints", "satisfaction", "customers", "training", "summary"])
def test_each_report_to_xlsx(capsys: Any, seeded: Path, tmp_path: Path, kind: str) -> None:
    out = tmp_path / f"{kind}.xlsx"
    code, stdout, stderr = _report(
        capsys, seeded, kind, "--from", "2026-11-01", "--to", "2026-11-30", "-o", str(out)
    )
    assert (code, stderr) == (0, "")
    assert stdout.strip().endswith(f"2026-11-01 – 2026-11-30, written to {out.resolve()}")
    sheet = openpyxl.load_workbook(out)["Summary"]
    assert sheet["B3"].value == "2026-11-01 – 2026-11-30"
    assert sheet["B4"].value == "2026-10-01 – 2026-10-31"


def test_last_month_by_default(capsys: Any, seeded: Path, tmp_path: Path) -> None:
    from branch_crm.timeutil import local_today

    start, end = last_month(local_today())
    out = tmp_path / "s.xlsx"
    assert _report(capsys, seeded, "summary", "-o", str(out))[0] == 0
    assert openpyxl.load_workbook(out)["Summary"]["B3"].value == f"{start} – {end}"
    assert last_month(date(2026, 1, 15)) == (date(2025, 12, 1), date(2025, 12, 31))


def test_help_says_the_default_period(capsys: Any) -> None:
    with pytest.raises(SystemExit):
        run_cli(capsys, "--lang", "en", "report", "--help")
    assert "Without --from and --to: last month." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01", "--to", "2026-11-30"], "--from: '2026-13-01' is not a date"),
        (["--from", "2026-11-01", "--to", "30.11.2026"], "--to: '30.11.2026' is not a date"),
        (["--from", "2026-12-01", "--to", "2026-11-30"], "The end date 2026-11-30 is before"),
        (["--from", "2026-11-01"], "Give both --from and --to"),
        (["-o", "{dir}/r.csv"], "must end in .pdf or .xlsx"),
        (["-o", "{dir}/missing/r.xlsx"], "the folder {dir}/missing does not exist"),
    ],
)
def test_one_line_errors(
    capsys: Any, seeded: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    argv = [a.format(dir=tmp_path) for a in args]
    if "-o" not in argv:
        argv += ["-o", str(tmp_path / "r.xlsx")]
    code, stdout, stderr = _report(capsys, seeded, "complaints", *argv)
    assert code == 2 and stdout == ""
    assert stderr.count("\n") == 1 and stderr.startswith("error: ")
    assert message.format(dir=tmp_path) in stderr
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_file_is_left_as_it_was(
    capsys: Any, seeded: Path, tmp_path: Path, read_only_file: Any
) -> None:
    out = tmp_path / "r.xlsx"
    out.write_bytes(b"old")
    read_only_file(out)
    code, _stdout, stderr = _report(capsys, seeded, "training", "-o", str(out))
    assert code == 2 and stderr == f"error: Cannot write {out}: permission denied.\n"
    assert out.read_bytes() == b"old"


def test_a_failed_write_leaves_nothing(
    capsys: Any, seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from branch_crm.excel import writer

    def full(_book: Any, _path: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer.Workbook, "save", full)
    out = tmp_path / "r.xlsx"
    code, _stdout, stderr = _report(capsys, seeded, "training", "-o", str(out))
    assert code == 2 and stderr == f"error: Cannot write {out}: No space left on device\n"
    assert list(tmp_path.iterdir()) == []


def test_no_database(capsys: Any, tmp_path: Path) -> None:
    code, _stdout, stderr = _report(capsys, tmp_path / "none.db", "summary", "-o", "x.xlsx")
    assert code == 2 and "No database at" in stderr
    assert not (tmp_path / "none.db").exists()


def test_unknown_kind_is_refused_by_the_parser(capsys: Any, seeded: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _report(capsys, seeded, "money", "-o", "x.xlsx")
    assert exit_info.value.code == 2


def test_chinese_report_and_messages(capsys: Any, seeded: Path, tmp_path: Path) -> None:
    out = tmp_path / "投诉.xlsx"
    code, stdout, _stderr = _report(
        capsys, seeded, "complaints", "-o", str(out), "--language", "zh_CN"
    )
    assert code == 0 and "投诉报表" in stdout and "已写入" in stdout
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == "汇总" and book["汇总"]["A1"].value == "投诉报表"
    assert book["汇总"]["A2"].value == "网点"
    code, _stdout, stderr = _report(
        capsys, seeded, "complaints", "--from", "x", "--to", "y", "-o", "r.xlsx", lang="zh_CN"
    )
    assert code == 2 and stderr.startswith("错误：--from：'x' 不是日期")
