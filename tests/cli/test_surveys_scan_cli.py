"""``branch-crm surveys scan``: one line per page, the counts, exit 2 for a file it cannot open."""

from __future__ import annotations

from pathlib import Path

import pytest

from branch_crm.cli import main
from tests.support.scans import form_layout, marked_page, print_forms, write_pages
from tests.support.surveys import customer

MARKS = {"timeliness": [(4, "tick")], "nps": [(10, "cross")], "ces": [(7, "filled")]}


@pytest.fixture
def scans(db, supervisor, tmp_path: Path):  # type: ignore[no-untyped-def]
    ids = [customer(db, supervisor, "张三", "13812345670"),
           customer(db, supervisor, "李四", "13812345671")]  # fmt: skip
    pdf = tmp_path / "forms.pdf"
    serials = print_forms(db, supervisor, ids, pdf)
    layout = form_layout(db, supervisor)
    stack = write_pages(
        [marked_page(pdf, 0, layout, MARKS), marked_page(pdf, 1, layout, MARKS, spoil=True)],
        tmp_path / "stack.pdf",
    )
    db.dispose()
    return Path(db.path), stack, serials


def test_each_page_says_what_was_done(scans, capsys) -> None:  # type: ignore[no-untyped-def]
    db_path, stack, serials = scans
    assert main(["--db", str(db_path), "surveys", "scan", str(stack)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"stack.pdf page 1: {serials[0]} stored (3 answers")
    assert lines[1].startswith("stack.pdf page 2: no serial unreadable, sent to review (")
    assert "QR code" in lines[1]
    assert lines[2] == "2 pages: 1 stored, 0 sent to review, 1 unreadable, 0 skipped"
    assert main(["--db", str(db_path), "surveys", "scan", str(stack)]) == 0
    again = capsys.readouterr().out.splitlines()
    assert again[0].endswith("skipped (already entered)")


def test_a_file_it_cannot_open_is_one_line_and_exit_2(scans, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    db_path, stack, _serials = scans
    bad = tmp_path / "list.tiff"
    bad.write_text("serial,answer\n", encoding="utf-8")
    assert main(["--db", str(db_path), "surveys", "scan", str(stack), str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().splitlines() == [
        f"error: Cannot read {bad}: not a PDF, PNG, JPEG or TIFF file"
    ]
