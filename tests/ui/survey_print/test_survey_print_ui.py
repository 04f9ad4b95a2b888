"""Survey printing from the app: the customer action and the batch dialog, driven by keyboard."""

from __future__ import annotations

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from sqlalchemy import select

from branch_crm.models import SurveyForm
from branch_crm.ui.survey_print.batch_dialog import BatchPrintDialog, open_batch_print

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def _text(path) -> str:  # type: ignore[no-untyped-def]
    return "".join(page.extract_text() for page in PdfReader(path).pages)


def test_customer_action_is_listed_and_prints(qtbot, ctx, people, shown, db) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.counter.hooks import PROFILE_ACTIONS

    (action,) = [a for a in PROFILE_ACTIONS if a.label == "Print &survey"]
    assert action.icon == "survey_print"
    action.handler(ctx, people["张三"], None)
    assert shown.errors == []
    ((path, title),) = shown.previews
    with db.session() as session:
        (form,) = session.scalars(select(SurveyForm)).all()
    assert form.serial in title and form.customer_id == people["张三"]
    assert "张三" in _text(path) and form.serial in _text(path)


def test_couriers_are_told_they_may_not_print(courier_ctx, people, shown) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.survey_print.actions import print_survey

    print_survey(courier_ctx, people["张三"], None)
    assert shown.errors == ["You may not print surveys."] and shown.previews == []


def test_batch_by_tier_from_the_keyboard(qtbot, supervisor_ctx, people, shown) -> None:  # type: ignore[no-untyped-def]
    dialog = BatchPrintDialog(supervisor_ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.count == 0 and not dialog.print_button.isEnabled()  # no complaint closed
    qtbot.mouseClick(dialog.radios["tier"], Qt.MouseButton.LeftButton)
    assert dialog.tier.isEnabled() and not dialog.days.isEnabled()
    assert dialog.tier.currentData() == "strategic"
    assert dialog.count == 3 and "3 customers match" in dialog.count_label.text()
    dialog.tier.setFocus()
    qtbot.keyClick(dialog.tier, Qt.Key.Key_Down)  # key customers: none
    assert dialog.tier.currentData() == "key" and dialog.count == 0
    qtbot.keyClick(dialog.tier, Qt.Key.Key_Up)
    assert dialog.count == 3 and dialog.print_button.isEnabled()
    with qtbot.waitSignal(dialog.sig_printed) as printed:
        qtbot.keyClick(dialog.print_button, Qt.Key.Key_Space)
    result = printed.args[0]
    assert result.count == 3 and len(PdfReader(result.path).pages) == 3
    text = _text(result.path)
    assert all(name in text for name in ("张三", "李四", "王五")) and "赵六" not in text
    assert shown.previews == [(result.path, "Survey batch (3 forms)")]
    assert "3 forms printed" in dialog.status.text()


def test_batch_with_a_list_filter(qtbot, supervisor_ctx, people, shown) -> None:  # type: ignore[no-untyped-def]
    dialog = open_batch_print(supervisor_ctx, None)
    qtbot.addWidget(dialog)
    dialog.radios["list"].setChecked(True)
    assert dialog.count == 4
    dialog.visit_class.setCurrentIndex(dialog.visit_class.findData("A"))
    assert dialog.count == 2
    dialog.need_tag.setCurrentIndex(dialog.need_tag.findData("cold_chain"))
    assert dialog.count == 1
    dialog.start_printing()
    ((path, _title),) = shown.previews
    assert "张三" in _text(path) and "赵六" not in _text(path)


def test_cancel_and_refusals_are_shown_not_raised(
    qtbot, supervisor_ctx, ctx, people, shown
) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.surveys.forms import PrintCancelled

    dialog = BatchPrintDialog(supervisor_ctx)
    qtbot.addWidget(dialog)
    dialog._on_failed(PrintCancelled("Printing was cancelled; no form was recorded."))
    assert "cancelled" in dialog.status.text() and shown.errors == []
    counter_dialog = BatchPrintDialog(ctx)
    qtbot.addWidget(counter_dialog)
    counter_dialog.radios["tier"].setChecked(True)
    counter_dialog.start_printing()
    assert shown.errors == ["You may not print survey batches."] and shown.previews == []


def test_cancel_from_the_progress_stops_the_real_job(
    qtbot, supervisor_ctx, people, shown, db, *, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The job control is cancelled as soon as the first progress arrives (what the Cancel
    button of the progress dialog does): nothing recorded, no file, the dialog says so."""
    from branch_crm.ui.survey_print import actions
    from branch_crm.ui.tasks import JobControl

    reported: list[tuple[int, int | None]] = []

    def progress_then_cancel(self, done, total=None, text=None):  # type: ignore[no-untyped-def]
        reported.append((done, total))
        self.cancel()

    monkeypatch.setattr(JobControl, "progress", progress_then_cancel)
    dialog = BatchPrintDialog(supervisor_ctx)
    qtbot.addWidget(dialog)
    dialog.radios["tier"].setChecked(True)
    assert dialog.count == 3
    dialog.start_printing()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=5000)
    assert reported and reported[0] == (0, 3)
    assert "cancelled" in dialog.status.text() and shown.errors == [] and shown.previews == []
    assert dialog.print_button.isEnabled()  # ready to try again
    with db.session() as session:
        assert session.scalars(select(SurveyForm)).all() == []
    assert list(actions.survey_folder().glob("survey-batch-*")) == []


def test_survey_pdfs_are_named_by_the_branchs_local_time() -> None:
    from datetime import UTC, datetime

    import time_machine

    from branch_crm.ui.survey_print.actions import new_pdf_path

    # 20:00 UTC on 1 March is 04:00 on 2 March in the branch (as the pickup sheets say)
    with time_machine.travel(datetime(2025, 3, 1, 20, 0, tzinfo=UTC), tick=False):
        assert new_pdf_path("survey").name == "survey-20250302-040000-000000.pdf"
    late = datetime(2025, 6, 30, 16, 30, 5, 7, tzinfo=UTC)
    assert new_pdf_path("batch", late).name == "batch-20250701-003005-000007.pdf"
