"""Taking a complaint at the counter: find or create the customer, fill the form by keyboard,
see the suggested grade and the rule, override with a reason, messages beside the fields."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from branch_crm.services.complaints import labels
from branch_crm.services.complaints import queue as cq
from branch_crm.ui.complaints.take_dialog import TakeComplaintDialog

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def dialog(qtbot, ctx):  # type: ignore[no-untyped-def]
    dialog = TakeComplaintDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _choose_category(dialog: TakeComplaintDialog, code: str) -> None:
    dialog.category.setCurrentIndex(dialog.category.findData(code))


def test_find_customer_fill_and_take(qtbot, ctx, boxes, real_customer, dialog) -> None:  # type: ignore[no-untyped-def]
    customer = real_customer("张三", "13812345678")
    picker = dialog.customer
    picker.lookup.set_debounce(0)
    qtbot.keyClicks(picker.lookup.search_box, "5678")
    picker.lookup.run_search_now()
    qtbot.keyClick(picker.lookup.search_box, Qt.Key.Key_Return)
    assert picker.customer_id == customer
    assert "张三" in picker.chosen.text() and "138 1234 5678" in picker.chosen.text()
    qtbot.keyClicks(dialog.waybill, "sf 1234 5678 90123")
    dialog.channel.setCurrentIndex(dialog.channel.findData("phone"))
    _choose_category(dialog, "loss")
    assert dialog.suggested.text() == "Grade 1 — Loss of a shipment"
    qtbot.keyClicks(dialog.description, "Parcel never arrived")
    dialog.compensation.setValue(350.5)
    qtbot.keyClick(dialog.description, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.result_view is not None, dialog.errors.labels
    view = dialog.result_view
    assert (view.customer_id, view.channel, view.category, view.grade) == (
        customer,
        "phone",
        "loss",
        1,
    )
    assert (view.waybill_no, view.compensation_requested_cents) == ("SF1234567890123", 35050)
    assert boxes.infos and view.number in boxes.infos[0]
    assert not dialog.isVisible()


def test_messages_beside_fields_and_nothing_written(qtbot, ctx, boxes, dialog) -> None:  # type: ignore[no-untyped-def]
    dialog.waybill.setText("12-34")
    dialog.ok_button.click()
    assert dialog.isVisible() and dialog.result_view is None
    assert "Choose the customer" in dialog.errors.labels["customer_id"].text()
    assert "waybill" in dialog.errors.labels["waybill_no"].text().lower()
    assert dialog.errors.labels["category"].text() == "Choose a category from the list."
    assert dialog.errors.labels["description"].text() == "Describe what went wrong."
    qtbot.keyClicks(dialog.waybill, "5")  # editing clears that field's message
    assert dialog.errors.labels["waybill_no"].text() == ""
    assert ctx.read(cq.queue_counts).open == 0


def test_grade_override_needs_a_reason(qtbot, ctx, boxes, real_customer, dialog) -> None:  # type: ignore[no-untyped-def]
    dialog.customer.choose(real_customer("李四", "13712340000"))
    _choose_category(dialog, "delay")
    assert dialog.suggested.text() == "Grade 3 — Standard complaint"
    assert not dialog.reason.isEnabled()
    dialog.description.setPlainText("late")
    dialog.grade.setCurrentIndex(dialog.grade.findData(2))
    assert dialog.reason.isEnabled()
    dialog.ok_button.click()
    assert "Say why" in dialog.errors.labels["grade_reason"].text()
    qtbot.keyClicks(dialog.reason, "medicine inside")
    dialog.ok_button.click()
    assert dialog.result_view is not None
    assert (dialog.result_view.grade, dialog.result_view.grade_reason) == (2, "medicine inside")


def test_lowering_the_grade_is_refused_for_counter_staff(
    qtbot, ctx, boxes, real_customer, dialog
) -> None:  # type: ignore[no-untyped-def]
    dialog.customer.choose(real_customer("王五", "13900001111"))
    _choose_category(dialog, "loss")
    dialog.description.setPlainText("lost")
    dialog.grade.setCurrentIndex(dialog.grade.findData(3))
    dialog.reason.setText("found already")
    dialog.ok_button.click()
    assert dialog.result_view is None
    assert "Only a supervisor" in boxes.errors[0].message


def test_create_customer_on_the_spot(qtbot, ctx, boxes, real_customer, dialog) -> None:  # type: ignore[no-untyped-def]
    picker = dialog.customer
    picker.lookup.search_box.setText("周敏")  # typed through an input method
    picker.new_button.click()
    assert picker.new_name.text() == "周敏" and picker.new_phone.hasFocus()
    qtbot.keyClicks(picker.new_phone, "139 0000 2222")
    qtbot.keyClick(picker.new_phone, Qt.Key.Key_Return)
    assert picker.customer_id is not None
    from branch_crm.services.customers.profile import get_customer

    assert ctx.read(get_customer, customer_id=picker.customer_id).name == "周敏"
    # a phone that already belongs to someone picks that customer
    existing = real_customer("赵六", "15866665678")
    picker.change()
    picker.new_button.click()
    picker.new_name.setText("Somebody")
    picker.new_phone.setText("15866665678")
    picker.create_button.click()
    assert picker.customer_id == existing
    assert "赵六" in picker.message.text()


def test_repeat_complaint_raises_the_suggestion(qtbot, ctx, boxes, real_customer, take) -> None:  # type: ignore[no-untyped-def]
    customer = real_customer("钱七", "13611112222")
    take(customer, "billing")
    dialog = TakeComplaintDialog(ctx, customer_id=customer)
    qtbot.addWidget(dialog)
    assert "repeat complainer" not in dialog.customer.chosen.text()  # one complaint only
    _choose_category(dialog, "billing")
    assert dialog.suggested.text().startswith("Grade 1 — Repeat complaint: 1 earlier")
    assert labels.grade_label(1) in dialog.suggested.text()


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_every_field_has_its_own_alt_key(qtbot, ctx, language) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.i18n import set_language

    set_language(language)
    try:
        dialog = TakeComplaintDialog(ctx)
        qtbot.addWidget(dialog)
        keys = [
            label.text().split("&", 1)[1][0].lower()
            for label in dialog.labels.values()
            if "&" in label.text()
        ]
    finally:
        set_language("en")
    assert len(keys) == 7 and len(set(keys)) == len(keys), keys  # the customer has one too


def test_esc_in_the_customer_search_clears_it_then_closes(qtbot, ctx, boxes, show) -> None:  # type: ignore[no-untyped-def]
    """The keyboard model: Esc in a search with text clears the search (the dialog stays);
    Esc in an empty search closes the dialog, at once when nothing was typed."""
    dialog = show(TakeComplaintDialog(ctx))
    box = dialog.customer.lookup.search_box
    assert box.hasFocus()
    qtbot.keyClicks(box, "1380")
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert box.text() == "" and dialog.isVisible() and box.hasFocus()
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and boxes.confirms == []


def test_esc_asks_before_dropping_a_typed_complaint(qtbot, ctx, boxes, show) -> None:  # type: ignore[no-untyped-def]
    dialog = show(TakeComplaintDialog(ctx))
    qtbot.keyClicks(dialog.waybill, "SF1234567890123")
    box = dialog.customer.lookup.search_box
    box.setFocus()
    boxes.answer = False  # "keep it"
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert dialog.isVisible() and dialog.waybill.text() == "SF1234567890123"
    assert boxes.confirms == ["Discard the complaint you have not recorded?"]
    boxes.answer = True
    qtbot.keyClick(dialog.cancel_button, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and len(boxes.confirms) == 2
