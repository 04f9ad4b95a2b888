"""``branch-crm export LIST FILE.xlsx [filters]``: exit codes, the file, bad arguments."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from branch_crm.cli import main


@pytest.fixture
def branch(db, db_path, call, counter) -> Path:  # type: ignore[no-untyped-def]
    """A database with two customers and one complaint."""
    from branch_crm.services.complaints import intake
    from branch_crm.services.customers.profile import create_customer
    from branch_crm.services.customers.validation import CustomerInput

    first = call(counter, create_customer, data=CustomerInput(name="张三", phones=["13812345678"]))
    call(counter, create_customer, data=CustomerInput(name="李四", phones=["13987654321"]))
    call(
        counter,
        intake.take_complaint,
        data=intake.ComplaintInput(first.id, "counter", "delay", "parcel late"),
    )
    db.dispose()
    return Path(db_path)


def test_customers_to_a_file(branch, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "customers.xlsx"
    assert main(["--db", str(branch), "--lang", "en", "export", "customers", str(out)]) == 0
    assert "2 rows written to" in capsys.readouterr().out
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][0] == "Customers" and rows[1][0] == "Filters: none"
    assert [r[:2] for r in rows[-2:]] == [("李四", "13987654321"), ("张三", "13812345678")]


def test_filters_and_lists(branch, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    db = ["--db", str(branch), "--lang", "en", "export"]
    out = tmp_path / "x.xlsx"
    assert main([*db, "customers", str(out), "--tier", "key"]) == 0
    assert "0 rows written" in capsys.readouterr().out
    assert main([*db, "complaints", str(out), "--status", "received", "--grade", "1"]) == 0
    sheet = openpyxl.load_workbook(out).active
    assert sheet["A2"].value.startswith("Filters: Grade: 1; Status: Received")
    for which in ("surveys", "followups", "attendance", "audit"):
        assert main([*db, which, str(out), "--since", "2026-01-01"]) == 0, which


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["customers", "{dir}/missing/c.xlsx"], "cannot write"),
        (["customers", "{dir}/c.csv"], "must end in .xlsx"),
        (["complaints", "{dir}/c.xlsx", "--status", "lost"], "Unknown status: lost"),
        (
            ["surveys", "{dir}/c.xlsx", "--since", "2026-02-01", "--until", "2026-01-01"],
            "end of the period",
        ),
    ],
)
def test_bad_arguments_exit_2_and_write_nothing(branch, tmp_path, capsys, args, message) -> None:  # type: ignore[no-untyped-def]
    argv = ["--db", str(branch), "--lang", "en", "export", *(a.format(dir=tmp_path) for a in args)]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.glob("*.xlsx")) == [] and list(tmp_path.glob(".*")) == []


def test_unknown_list_and_no_database(branch, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exit_:
        main(["--db", str(branch), "--lang", "en", "export", "parcels", str(tmp_path / "p.xlsx")])
    assert exit_.value.code == 2
    assert "invalid choice: 'parcels'" in capsys.readouterr().err
    missing = tmp_path / "none.db"
    assert (
        main(["--db", str(missing), "--lang", "en", "export", "audit", str(tmp_path / "a.xlsx")])
        == 2
    )
    assert "No database at" in capsys.readouterr().err
    assert not missing.exists()


def test_the_command_offers_every_list() -> None:
    from branch_crm.cli import export
    from branch_crm.services import exports

    assert export.LISTS == exports.LISTS
