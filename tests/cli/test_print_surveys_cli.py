"""``branch-crm print survey|pickup`` end to end on a real database file."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from branch_crm.cli import main


@pytest.fixture
def filled(db, db_path: Path, supervisor) -> Path:  # type: ignore[no-untyped-def]
    from branch_crm.models import Customer, CustomerPhone, CustomerStats
    from branch_crm.services.context import unit_of_work

    with unit_of_work(db, supervisor) as session:
        for i, (name, tier) in enumerate((("张三", "strategic"), ("李四", "strategic"),
                                          ("王五", "ordinary"))):  # fmt: skip
            row = Customer(name=name, address="上海市浦东新区")
            session.add(row)
            session.flush()
            session.add(CustomerPhone(customer_id=row.id, phone=f"1381234567{i}", position=0))
            session.add(CustomerStats(customer_id=row.id, tier=tier, stage="new",
                                      lifecycle="active"))  # fmt: skip
    db.dispose()
    return db_path


def _text(path: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(path).pages)


def test_one_form_by_phone(filled: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "one.pdf"
    code = main(["--db", str(filled), "print", "survey", "--customer", "138 1234 5670",
                 "-o", str(out), "--language", "zh_CN"])  # fmt: skip
    assert code == 0 and len(PdfReader(out).pages) == 1
    assert "张三" in _text(out)
    assert "1 survey form written" in capsys.readouterr().out


def test_batch_by_tier_reports_progress(filled: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "batch.pdf"
    code = main(["--db", str(filled), "print", "survey", "--batch", "--tier", "strategic",
                 "-o", str(out)])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0 and len(PdfReader(out).pages) == 2
    assert "2/2 (100%)" in captured.err and "2 survey forms written" in captured.out
    text = _text(out)
    assert "张三" in text and "李四" in text and "王五" not in text


def test_pickup_sheet_by_phones(filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "pickup.pdf"
    phones = ["--phone", "13812345672", "--phone", "+86 138-1234-5670"]
    code = main(["--db", str(filled), "print", "pickup", *phones, "--courier", "赵师傅",
                 "-o", str(out)])  # fmt: skip
    assert code == 0
    text = _text(out)
    assert text.index("王五") < text.index("张三") and "赵师傅" in text


def test_clear_errors(filled: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x.pdf"
    assert main(["--db", str(filled), "print", "survey", "--customer", "13900000000",
                 "-o", str(out)]) == 2  # fmt: skip
    assert "No customer has the phone number 13900000000" in capsys.readouterr().err
    assert main(["--db", str(filled), "print", "pickup", "--phone", "12", "-o", str(out)]) == 2
    assert "12:" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--db", str(filled), "print", "survey", "--batch", "-o", str(out)])
    assert "needs a filter" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--db", str(filled), "print", "survey", "--batch", "--complaint-closed-days", "0",
              "-o", str(out)])  # fmt: skip
    assert not out.exists()


def test_unwritable_output_is_a_clear_error(filled: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    out = blocker / "forms.pdf"
    assert main(["--db", str(filled), "print", "survey", "--customer", "13812345670",
                 "-o", str(out)]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert err.startswith("error: Cannot write") and "Traceback" not in err
    assert list(tmp_path.glob("**/*.part")) == []
    from branch_crm.db import open_database
    from branch_crm.models import SurveyForm

    database = open_database(filled)
    try:
        with database.session() as session:
            assert session.query(SurveyForm).count() == 0  # nothing recorded for a failed print
    finally:
        database.dispose()


def test_several_phones_and_list_filters(filled: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "two.pdf"
    assert main(["--db", str(filled), "--lang", "zh_CN", "print", "survey", "--customer",
                 "13812345670", "--customer", "13812345672", "-o", str(out)]) == 0  # fmt: skip
    assert "已将 2 份问卷写入" in capsys.readouterr().out
    assert len(PdfReader(out).pages) == 2
    one = tmp_path / "one.pdf"
    assert main(["--db", str(filled), "--lang", "zh_CN", "print", "survey", "--customer",
                 "13812345671", "-o", str(one)]) == 0  # fmt: skip
    said = capsys.readouterr().out
    assert "已将 1 份问卷写入" in said and "至" not in said
    active = tmp_path / "active.pdf"
    assert main(["--db", str(filled), "print", "survey", "--batch", "--lifecycle", "active",
                 "--tier", "ordinary", "-o", str(active)]) == 0  # fmt: skip
    assert "王五" in _text(active) and len(PdfReader(active).pages) == 1
    assert main(["--db", str(filled), "--lang", "zh_CN", "print", "survey", "--batch",
                 "--lifecycle", "dormant", "-o", str(tmp_path / "none.pdf")]) == 2  # fmt: skip
    assert "没有符合条件的客户" in capsys.readouterr().err
