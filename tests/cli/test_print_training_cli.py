"""``branch-crm print signin`` and ``branch-crm training list|show`` on a real database file."""

from __future__ import annotations

import json

import pytest
from pypdf import PdfReader

from branch_crm.cli import main
from branch_crm.services.settings import values as settings
from branch_crm.services.training import inputs, sessions
from tests.support.clock import local
from tests.support.printing import pdf_text
from tests.support.services import run_service
from tests.support.training import session_input


@pytest.fixture
def planned(db, db_path, supervisor):  # type: ignore[no-untyped-def]
    with db.session() as session:
        settings.put(session, None, "language", "zh_CN")
        settings.put(session, None, "company.name", "A公司")
    view = run_service(db, supervisor, sessions.create_session, data=session_input(2))
    run_service(
        db,
        supervisor,
        sessions.record_attendance,
        session_id=view.id,
        now=local("2025-01-15 10:00"),
        marks=[inputs.AttendanceMark(view.attendees[0].id, "late", "堵车")],
    )
    db.dispose()
    return view


def test_print_signin_by_id_and_reference(planned, db_path, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "sheet.pdf"
    assert (
        main(["--db", str(db_path), "print", "signin", "--session", planned.id, "-o", str(out)])
        == 0
    )
    assert str(out) in capsys.readouterr().out
    assert len(PdfReader(out).pages) == 1
    text = pdf_text(out)
    assert "培训签到表" in text and "司机02" in text
    again = tmp_path / "by-ref.pdf"
    args = [
        "--db",
        str(db_path),
        "print",
        "signin",
        "--session",
        planned.reference,
        "-o",
        str(again),
        "--language",
        "en",
    ]
    assert main(args) == 0
    assert "Training sign-in sheet" in pdf_text(again)


def test_unknown_session_is_a_one_line_error(planned, db_path, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "none.pdf"
    argv = ["--db", str(db_path), "print", "signin", "--session", "T-DEADBEEF", "-o", str(out)]
    assert main(["--lang", "en", *argv]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "error: Training session T-DEADBEEF does not exist."
    assert main(argv) == 2  # the branch's saved language (Chinese) when --lang is not given
    assert capsys.readouterr().err.strip() == "错误：培训 T-DEADBEEF 不存在。"
    assert not out.exists()


def test_print_without_a_document_shows_help(db_path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--db", str(db_path), "print"]) == 2
    assert "signin" in capsys.readouterr().err


def test_training_list_and_show(planned, db_path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--db", str(db_path), "training", "list", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["id"] == planned.id and row["reference"] == planned.reference
    assert row["counts"] == {
        "total": 2,
        "present": 0,
        "late": 1,
        "absent": 0,
        "excused": 0,
        "expected": 1,
    }
    assert main(["--lang", "en", "--db", str(db_path), "training", "show", planned.reference]) == 0
    out = capsys.readouterr().out
    assert "司机01" in out and "138 0013 0001" in out and "Late" in out and "堵车" in out
