"""Scanning returned forms from the survey page and reviewing unsure pages, keyboard only."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from branch_crm.models import SurveyResponse
from branch_crm.ui.surveys.review_dialog import ReviewDialog
from branch_crm.ui.surveys.scan_dialog import ScanDialog
from tests.support.scans import form_layout, marked_page, print_forms, write_image, write_pages
from tests.support.surveys import customer

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

SURE = {"timeliness": [(5, "tick")], "nps": [(8, "cross")], "ces": [(6, "filled")]}
UNSURE = {"timeliness": [(2, "tick"), (3, "tick")], "nps": [(10, "tick")]}


@pytest.fixture
def scans(supervisor_ctx, tmp_path: Path):  # type: ignore[no-untyped-def]
    db, actor = supervisor_ctx.db, supervisor_ctx.actor
    ids = [customer(db, actor, "张三", "13812345670"), customer(db, actor, "李四", "13812345671")]
    pdf = tmp_path / "forms.pdf"
    serials = print_forms(db, actor, ids, pdf)
    layout = form_layout(db, actor)
    stack = write_pages(
        [marked_page(pdf, 0, layout, SURE), marked_page(pdf, 1, layout, UNSURE)],
        tmp_path / "stack.pdf",
    )
    blot = write_image(marked_page(pdf, 0, layout, SURE, spoil=True), tmp_path / "blot.png")
    return stack, blot, serials


def _answers(db):  # type: ignore[no-untyped-def]
    with db.session() as session:
        return [dict(r.answers) for r in session.scalars(select(SurveyResponse))]


def test_scan_then_review_with_the_keyboard(qtbot, supervisor_ctx, show, scans) -> None:  # type: ignore[no-untyped-def]
    stack, blot, serials = scans
    dialog = show(ScanDialog(supervisor_ctx))
    dialog.add_paths([stack, blot, stack])  # each file once
    assert dialog.file_list.count() == 2
    dialog.file_list.setFocus()
    dialog.file_list.setCurrentRow(1)
    qtbot.keyClick(dialog.file_list, Qt.Key.Key_Delete)  # the blot is taken off again
    assert dialog.files == [stack]
    qtbot.keyClick(dialog.read_button, Qt.Key.Key_Return)
    lines = [dialog.results.item(i).text() for i in range(dialog.results.count())]
    assert lines[0].startswith(f"stack.pdf page 1: {serials[0]} stored")
    assert lines[1].startswith(f"stack.pdf page 2: {serials[1]} sent to review")
    assert "1 stored, 1 sent to review" in dialog.status.text()
    assert _answers(supervisor_ctx.db) == [{"timeliness": 5, "nps": 8, "ces": 6}]

    review = show(ReviewDialog(supervisor_ctx))
    assert review.page_list.count() == 1 and review.picker.hasFocus()
    item = review.current_item()
    assert item is not None and item.item == "timeliness" and item.reason == "two_marks"
    assert not review.clip.pixmap().isNull()  # the scanned row beside the question
    assert "Question 1 of 1" in review.question.text()
    qtbot.keyClick(review.picker, Qt.Key.Key_2)
    qtbot.keyClick(review.picker, Qt.Key.Key_Right)  # 3 after all
    assert review.picker.value == 3
    qtbot.keyClick(review.picker, Qt.Key.Key_Return)
    assert {"timeliness": 3, "nps": 10} in _answers(supervisor_ctx.db)
    assert review.page_list.count() == 0 and "saved" in review.status.text()


def test_an_unreadable_page_is_keyed_by_hand_or_dismissed(
    qtbot, supervisor_ctx, show, scans
) -> None:  # type: ignore[no-untyped-def]
    _stack, blot, _serials = scans
    dialog = show(ScanDialog(supervisor_ctx))
    dialog.add_paths([blot.parent])  # a folder: its scans (the PDF and the PNG)
    assert {p.name for p in dialog.files} == {"blot.png", "stack.pdf", "forms.pdf"}
    dialog.files = [blot]
    dialog.start()
    assert "unreadable" in dialog.results.item(0).text()
    review = show(ReviewDialog(supervisor_ctx))
    assert review.page_list.count() == 1 and review.current_item() is None
    assert "by hand" in review.question.text() and not review.clip.pixmap().isNull()
    qtbot.keyClick(review, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert review.page_list.count() == 0
