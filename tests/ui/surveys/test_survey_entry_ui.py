"""Survey keyed entry, phone/counter answers and scores, typed with the keyboard only."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from branch_crm.services.surveys import entry as se_entry
from branch_crm.ui.surveys.direct import DirectEntryWidget
from branch_crm.ui.surveys.entry import KeyedEntryWidget
from branch_crm.ui.surveys.page import SurveysPage
from branch_crm.ui.surveys.scores import ScoresWidget
from tests.support.keyboard import type_text
from tests.support.services import run_service
from tests.support.surveys import answers, customer, printed_form

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")
SCALE = (
    "timeliness",
    "accuracy",
    "integrity",
    "attitude",
    "transparency",
    "problem_solving",
    "feedback",
    "value",
)


@pytest.fixture
def form(supervisor_ctx, tmp_path):  # type: ignore[no-untyped-def]
    cid = customer(supervisor_ctx.db, supervisor_ctx.actor, "张三", "13812345678", tier="key")
    return cid, printed_form(supervisor_ctx.db, supervisor_ctx.actor, cid, tmp_path)


@pytest.fixture
def entry(qtbot, supervisor_ctx, show):  # type: ignore[no-untyped-def]
    widget = KeyedEntryWidget(supervisor_ctx)
    qtbot.addWidget(widget)
    return show(widget)


def _look_up(qtbot, entry, serial: str) -> None:  # type: ignore[no-untyped-def]
    entry.serial.setFocus()
    qtbot.keyClicks(entry.serial, serial)
    qtbot.keyClick(entry.serial, Qt.Key.Key_Return)


def _focused(entry):  # type: ignore[no-untyped-def]
    return next((c for c, f in entry.answers.fields.items() if f.hasFocus()), None)


def test_key_a_form_without_touching_the_mouse(qtbot, supervisor_ctx, entry, form) -> None:  # type: ignore[no-untyped-def]
    cid, serial = form
    assert entry.serial.hasFocus()
    _look_up(qtbot, entry, serial.split("-")[1])  # the digits alone are enough
    assert serial in entry.customer.text() and "张三" in entry.customer.text()
    assert "138 1234 5678" in entry.customer.text()
    assert _focused(entry) == "timeliness"
    for digit in "45454545":  # each 1-5 answer moves on by itself
        qtbot.keyClick(QApplication_focus(), getattr(Qt.Key, f"Key_{digit}"))
    assert _focused(entry) == "nps"
    qtbot.keyClick(entry.answers.fields["nps"], Qt.Key.Key_1)
    assert _focused(entry) == "nps"  # "1" may become "10"
    qtbot.keyClick(entry.answers.fields["nps"], Qt.Key.Key_0)
    assert _focused(entry) == "ces"
    qtbot.keyClick(entry.answers.fields["ces"], Qt.Key.Key_6)
    assert entry.answers.suggestion.hasFocus()  # the last number leads to the suggestion
    assert entry.result.text() == ""
    type_text(qtbot, entry.answers.suggestion, "派送再早一点")
    qtbot.keyClick(entry.answers.suggestion, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    type_text(qtbot, entry.answers.suggestion, "谢谢")
    qtbot.keyClick(entry.answers.suggestion, Qt.Key.Key_Return)  # Enter there saves
    assert entry.result.text() == f"Form {serial} saved."
    assert entry.serial.text() == "" and entry.serial.hasFocus()
    (saved,) = run_service(
        supervisor_ctx.db, supervisor_ctx.actor, se_entry.customer_responses, customer_id=cid
    )
    assert saved.channel == "paper" and saved.serial == serial
    assert [saved.answers[c] for c in SCALE] == [4, 5, 4, 5, 4, 5, 4, 5]
    assert (saved.answers["nps"], saved.answers["ces"]) == (10, 6)
    assert saved.suggestion == "派送再早一点\n谢谢"


def QApplication_focus():  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    return QApplication.focusWidget()


def test_out_of_range_and_letters_are_refused(qtbot, entry, form) -> None:  # type: ignore[no-untyped-def]
    _cid, serial = form
    _look_up(qtbot, entry, serial)
    field = entry.answers.fields["timeliness"]
    qtbot.keyClicks(field, "x")
    assert field.text() == ""
    qtbot.keyClick(field, Qt.Key.Key_7)
    assert field.text() == "7" and _focused(entry) == "timeliness"
    assert entry.answers.problems["timeliness"].text() == "Enter a number from 1 to 5."
    qtbot.keyClick(entry, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert entry.answers.problems["timeliness"].text() == "Enter a number from 1 to 5."
    assert entry.result.text() == ""  # nothing saved
    qtbot.keyClick(field, Qt.Key.Key_Backspace)
    qtbot.keyClick(field, Qt.Key.Key_3)
    assert entry.answers.problems["timeliness"].text() == ""
    assert _focused(entry) == "accuracy"
    qtbot.keyClick(entry.answers.fields["accuracy"], Qt.Key.Key_Tab)  # blank answers allowed
    assert _focused(entry) == "integrity"


def test_unknown_and_mistyped_serials(qtbot, entry, form) -> None:  # type: ignore[no-untyped-def]
    _cid, serial = form
    wrong = serial[:-1] + ("B" if serial[-1] == "A" else "A")  # another check character
    _look_up(qtbot, entry, wrong)
    assert wrong in entry.serial_error.text()
    assert not entry.answers.isEnabled() and entry.serial.hasFocus()


def test_detractor_gets_a_follow_up_and_a_complaint(qtbot, supervisor_ctx, entry, form) -> None:  # type: ignore[no-untyped-def]
    _cid, serial = form
    _look_up(qtbot, entry, serial)
    for code in SCALE:
        qtbot.keyClick(entry.answers.fields[code], Qt.Key.Key_4)
    qtbot.keyClick(entry.answers.fields["nps"], Qt.Key.Key_3)
    assert "A follow-up task will be created: NPS 3" in entry.answers.follow_up.text()
    entry.answers.complaint.setChecked(True)
    qtbot.keyClick(entry, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    text = entry.result.text()
    assert text.startswith(f"Form {serial} saved. Follow-up task created (NPS 3).")
    assert "Complaint " in text and " raised." in text


def test_second_entry_shows_history_and_corrects(qtbot, supervisor_ctx, entry, form) -> None:  # type: ignore[no-untyped-def]
    cid, serial = form
    run_service(
        supervisor_ctx.db,
        supervisor_ctx.actor,
        se_entry.enter_form_response,
        serial=serial,
        data=se_entry.ResponseInput(answers(scale=4, nps=9, ces=6)),
    )
    _look_up(qtbot, entry, serial)
    assert "cannot be entered twice" in entry.entered.text()
    assert not entry.answers.isEnabled()
    assert entry.answers.fields["timeliness"].text() == "4"
    assert entry.history.count() == 1
    qtbot.keyClick(entry.correct_button, Qt.Key.Key_Space)
    assert _focused(entry) == "timeliness"
    field = entry.answers.fields["timeliness"]
    field.selectAll()
    qtbot.keyClick(field, Qt.Key.Key_2)
    qtbot.keyClick(entry, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert entry.result.text().startswith(f"Form {serial} saved. Follow-up task created")
    (current,) = run_service(
        supervisor_ctx.db, supervisor_ctx.actor, se_entry.customer_responses, customer_id=cid
    )
    assert current.answers["timeliness"] == 2 and current.supersedes_id is not None
    history = run_service(
        supervisor_ctx.db,
        supervisor_ctx.actor,
        se_entry.response_history,
        response_id=current.id,
    )
    assert [v.current for v in history] == [False, True]
    _look_up(qtbot, entry, serial)
    assert entry.history.count() == 2


def test_phone_answers_without_a_form(qtbot, supervisor_ctx, show, ctx_write) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.customers.profile import create_customer
    from branch_crm.services.customers.validation import CustomerInput

    view = ctx_write(
        supervisor_ctx, create_customer, data=CustomerInput(name="李四", phones=["13900001111"])
    )
    widget = show(DirectEntryWidget(supervisor_ctx))
    qtbot.addWidget(widget)
    assert widget.lookup.search_box.hasFocus()
    qtbot.keyClicks(widget.lookup.search_box, "1111")
    qtbot.waitUntil(lambda: widget.lookup.model.rowCount() == 1, timeout=3000)
    qtbot.keyClick(widget.lookup.search_box, Qt.Key.Key_Return)
    assert widget.customer_id == view.id and "李四" in widget.chosen.text()
    widget.at_counter.setChecked(True)
    for code in SCALE:
        qtbot.keyClick(widget.answers.fields[code], Qt.Key.Key_5)
    qtbot.keyClick(widget.answers.fields["nps"], Qt.Key.Key_9)
    qtbot.keyClick(widget.answers.fields["ces"], Qt.Key.Key_7)
    assert widget.result.text() == ""
    qtbot.keyClick(widget.answers.fields["ces"], Qt.Key.Key_Return)  # Enter on the last saves
    assert widget.result.text() == "Answers of 李四 saved."
    (saved,) = run_service(
        supervisor_ctx.db,
        supervisor_ctx.actor,
        se_entry.customer_responses,
        customer_id=view.id,
    )
    assert saved.channel == "counter" and saved.form_id is None and saved.answers["nps"] == 9


def test_scores_show_hand_computed_figures(qtbot, supervisor_ctx, show, tmp_path) -> None:  # type: ignore[no-untyped-def]
    key = customer(supervisor_ctx.db, supervisor_ctx.actor, "甲", "13800000001", tier="key")
    other = customer(supervisor_ctx.db, supervisor_ctx.actor, "乙", "13800000002", tier="ordinary")
    # key: all items 5, NPS 10, CES 7; ordinary: all items 2, NPS 3, CES 2
    for cid, scale, nps, ces in ((key, 5, 10, 7), (other, 2, 3, 2)):
        run_service(
            supervisor_ctx.db,
            supervisor_ctx.actor,
            se_entry.record_direct_response,
            customer_id=cid,
            channel="phone",
            data=se_entry.ResponseInput(answers(scale=scale, nps=nps, ces=ces)),
        )
    widget = show(ScoresWidget(supervisor_ctx))
    qtbot.addWidget(widget)
    h = widget.headline
    assert (h["responses"].text(), h["csat"].text(), h["nps"].text(), h["ces"].text()) == (
        "2",
        "50 %",
        "+0",
        "4.5",
    )
    assert widget.items_table.rowCount() == 8
    assert widget.items_table.item(0, 1).text() == "3.50"
    tiers = {widget.tier_table.item(r, 0).text(): r for r in range(widget.tier_table.rowCount())}
    key_row = tiers["Key"]
    assert widget.tier_table.item(key_row, 2).text() == "100 %"
    assert widget.tier_table.item(key_row, 3).text() == "+100"
    assert widget.trend_table.rowCount() == 12
    assert widget.trend_table.item(11, 1).text() == "2"
    widget.tier.setCurrentIndex(widget.tier.findData("ordinary"))
    assert h["responses"].text() == "1" and h["nps"].text() == "-100"
    assert h["csat"].text() == "0 %" and widget.trend_table.item(11, 1).text() == "1"


def test_page_tabs_and_batch_button(qtbot, supervisor_ctx, show, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.survey_print import batch_dialog

    opened: list[object] = []
    monkeypatch.setattr(batch_dialog, "open_batch_print", lambda c, p: opened.append((c, p)))
    page = show(SurveysPage(supervisor_ctx))
    qtbot.addWidget(page)
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == [
        "Enter returned forms",
        "Phone / counter answers",
        "Responses",
        "Scores",
    ]
    page.on_shown()
    assert page.entry.serial.hasFocus()
    qtbot.keyClick(page, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert opened == [(supervisor_ctx, page)]


def test_counter_staff_see_no_scores_and_no_batch(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    page = SurveysPage(ctx)
    qtbot.addWidget(page)
    assert page.tabs.count() == 3 and page.scores is None  # entry, phone/counter, responses
    assert not page.batch_button.isVisibleTo(page)


def test_survey_timeline_is_installed(qapp) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.surveys.timeline import survey_timeline
    from branch_crm.services.timeline import SOURCES
    from branch_crm.ui.counter.timeline_icons import TIMELINE_ICONS

    assert TIMELINE_ICONS["survey_response"] == "surveys"
    assert TIMELINE_ICONS["survey_form"] == "survey_print"
    assert survey_timeline in SOURCES
