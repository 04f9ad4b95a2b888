"""Customer profile: create and edit by keyboard, messages beside fields, duplicate phone
link, refused saves write nothing, dirty Esc asks first, derived panel and timeline."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from branch_crm.models import Customer
from branch_crm.ui.counter import actions
from branch_crm.ui.counter.profile import CustomerProfileDialog

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def customers_in_db(ctx) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.session(actor_id=None, branch_id="BR001", audit=False) as session:
        return session.scalar(select(func.count()).select_from(Customer)) or 0


@pytest.fixture
def new_dialog(qtbot, ctx, show):  # type: ignore[no-untyped-def]
    dialog = CustomerProfileDialog(ctx)
    qtbot.addWidget(dialog)
    show(dialog)
    return dialog


def save_by_keyboard(qtbot, dialog) -> None:  # type: ignore[no-untyped-def]
    focus = dialog.focusWidget() or dialog
    qtbot.keyClick(focus, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)


def test_create_by_keyboard_saves_every_field(qtbot, ctx, new_dialog) -> None:  # type: ignore[no-untyped-def]
    form = new_dialog.form
    assert form.name.hasFocus()
    qtbot.keyClicks(form.name, "Zhou Min")
    qtbot.keyClick(form.name, Qt.Key.Key_Tab)
    assert form.phones[0].edit.hasFocus()
    qtbot.keyClicks(form.phones[0].edit, "+86 139-0000-2222")
    qtbot.keyClick(form.phones[0].edit, Qt.Key.Key_Tab)
    assert form.phones[1].edit.hasFocus()
    qtbot.keyClicks(form.phones[1].edit, "(021) 6666 7777")
    form.company.setFocus()
    qtbot.keyClicks(form.company, "Shunda Trading")
    qtbot.keyClicks(form.address, "88 Nanjing Road")
    form.need_tags["fragile"].setFocus()
    qtbot.keyClick(form.need_tags["fragile"], Qt.Key.Key_Space)
    form.visit_class.setCurrentIndex(form.visit_class.findData("B"))
    qtbot.keyClicks(form.notes, "Prefers afternoon pickups")
    qtbot.keyClick(form.marketing_consent, Qt.Key.Key_Space)
    form.birthday.check.setChecked(True)
    save_by_keyboard(qtbot, new_dialog)

    assert new_dialog.customer_id is not None, new_dialog.message.text()
    from branch_crm.services.customers.profile import get_customer

    view = ctx.read(get_customer, customer_id=new_dialog.customer_id)
    assert view.name == "Zhou Min"
    assert [p.phone for p in view.phones] == ["13900002222", "02166667777"]
    assert view.company == "Shunda Trading"
    assert view.address == "88 Nanjing Road"
    assert tuple(view.need_tags) == ("fragile",)
    assert view.visit_class == "B"
    assert view.notes == "Prefers afternoon pickups"
    assert view.marketing_consent is True
    assert view.birthday is not None
    assert view.first_shipment_date is None
    assert new_dialog.windowTitle() == "Customer: Zhou Min"
    assert new_dialog.side.derived.values["tier"].text()  # classification shown after save


def test_refused_save_shows_messages_beside_fields_and_writes_nothing(
    qtbot, ctx, new_dialog
) -> None:  # type: ignore[no-untyped-def]
    form = new_dialog.form
    qtbot.keyClicks(form.phones[0].edit, "12345")
    qtbot.keyClicks(form.company, "Kept Co")
    before = customers_in_db(ctx)
    save_by_keyboard(qtbot, new_dialog)
    assert new_dialog.customer_id is None
    assert customers_in_db(ctx) == before
    assert form.error_text("name")  # the message sits in the label beside the name field
    assert form.errors["name"].objectName() == "error_name"
    assert form.error_text("phones.0")
    assert form.phones[0].feedback.text() == form.error_text("phones.0")
    assert form.phones[0].edit.text() == "12345"  # what the user typed is kept
    assert form.company.text() == "Kept Co"
    assert new_dialog.message.text()
    # the message goes away when the field is edited
    qtbot.keyClicks(form.name, "A")
    assert form.error_text("name") == ""


def test_inline_phone_normalisation_feedback(qtbot, new_dialog) -> None:  # type: ignore[no-untyped-def]
    phone = new_dialog.form.phones[0]
    qtbot.keyClicks(phone.edit, "+86 138-1234-5678")
    assert "138 1234 5678" in phone.feedback.text()
    assert "mobile" in phone.feedback.text()
    phone.edit.clear()
    qtbot.keyClicks(phone.edit, "0215555123")
    phone.edit.editingFinished.emit()
    assert phone.feedback.text() == "✓ 021-555 5123 (landline)"


def test_duplicate_phone_links_to_the_owner(qtbot, ctx, show, add_customer) -> None:  # type: ignore[no-untyped-def]
    owner = add_customer("张三", "13812345678")
    new_dialog = actions.new_customer(ctx)  # as the app opens it: the link opens a profile
    qtbot.addWidget(new_dialog)
    show(new_dialog)
    form = new_dialog.form
    qtbot.keyClicks(form.name, "Someone Else")
    qtbot.keyClicks(form.phones[0].edit, "138 1234 5678")
    before = customers_in_db(ctx)
    save_by_keyboard(qtbot, new_dialog)
    assert customers_in_db(ctx) == before
    link = form.phones[0].link
    assert link.isVisible()
    assert "张三" in link.text()
    qtbot.mouseClick(link, Qt.MouseButton.LeftButton)
    assert owner.id in [d.customer_id for d in actions.open_profiles()]


def test_duplicate_phone_is_flagged_when_leaving_the_field(
    qtbot, ctx, new_dialog, add_customer
) -> None:  # type: ignore[no-untyped-def]
    add_customer("李四", "13712340000")
    phone = new_dialog.form.phones[0]
    phone.edit.setFocus()
    qtbot.keyClicks(phone.edit, "13712340000")
    qtbot.keyClick(phone.edit, Qt.Key.Key_Tab)
    assert new_dialog.form.phones[1].edit.hasFocus()
    assert phone.link.isVisible()
    assert "李四" in phone.link.text()


def test_length_limits_enforced(qtbot, new_dialog) -> None:  # type: ignore[no-untyped-def]
    form = new_dialog.form
    qtbot.keyClicks(form.name, "x" * 80)
    assert len(form.name.text()) == form.name.maxLength() == 50
    assert form.company.maxLength() == 100
    assert form.address.maxLength() == 200
    assert "*" in form.captions["name"].text()  # required fields marked
    assert "*" in form.captions["phones.0"].text()
    assert "*" not in form.captions["company"].text()


def test_edit_existing_customer_and_timeline(qtbot, ctx, add_customer) -> None:  # type: ignore[no-untyped-def]
    view = add_customer("王五", "13655556666")
    dialog = actions.open_customer(ctx, view.id)
    qtbot.addWidget(dialog)
    assert dialog.form.name.text() == "王五"
    assert dialog.form.phones[0].edit.text().replace(" ", "") == "13655556666"
    assert not dialog.is_dirty()
    dialog.form.company.setFocus()
    qtbot.keyClicks(dialog.form.company, "New Company")
    assert dialog.is_dirty()
    assert dialog.save()
    from branch_crm.services.customers.profile import get_customer

    assert ctx.read(get_customer, customer_id=view.id).company == "New Company"
    assert not dialog.is_dirty()
    assert dialog.side.derived.values["lifecycle"].text() not in ("", "—")
    # opening it again raises the same window
    assert actions.open_customer(ctx, view.id) is dialog


def test_escape_on_dirty_form_asks_first(qtbot, ctx, boxes, add_customer) -> None:  # type: ignore[no-untyped-def]
    view = add_customer("钱七", "13544443333")
    dialog = actions.open_customer(ctx, view.id)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.form.name, "X")
    boxes.answer = False
    qtbot.keyClick(dialog.form.name, Qt.Key.Key_Escape)
    assert boxes.confirms and dialog.isVisible()
    boxes.answer = True
    qtbot.keyClick(dialog.form.name, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert len(boxes.confirms) == 2


def test_escape_on_clean_form_closes_without_asking(qtbot, ctx, boxes, add_customer) -> None:  # type: ignore[no-untyped-def]
    view = add_customer("孙八", "13533332222")
    dialog = actions.open_customer(ctx, view.id)
    qtbot.addWidget(dialog)
    qtbot.keyClick(dialog.form.name, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert boxes.confirms == []


def test_courier_sees_details_read_only(qtbot, courier_ctx, ctx, add_customer) -> None:  # type: ignore[no-untyped-def]
    view = add_customer("周九", "13522221111")
    dialog = CustomerProfileDialog(courier_ctx, customer_id=view.id)
    qtbot.addWidget(dialog)
    assert not dialog.form.name.isEnabled()
    assert dialog.tabs.isTabEnabled(1)  # preferences stay editable for couriers


def test_tab_order_is_logical(qtbot, new_dialog) -> None:  # type: ignore[no-untyped-def]
    form = new_dialog.form
    order = [form.name, form.phones[0].edit, form.phones[1].edit, form.phones[2].edit]
    order += [form.customer_type, form.company, form.address]
    for current, following in itertools.pairwise(order):
        assert current.nextInFocusChain() is following or _next_focusable(current) is following


def _next_focusable(widget):  # type: ignore[no-untyped-def]
    candidate = widget.nextInFocusChain()
    while candidate is not None and not candidate.focusPolicy() & Qt.FocusPolicy.TabFocus:
        candidate = candidate.nextInFocusChain()
    return candidate


def test_retranslate_profile(qtbot, new_dialog) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.i18n import set_language

    set_language("zh_CN")
    new_dialog.retranslate_ui()
    assert new_dialog.windowTitle() == "新建客户"
    assert new_dialog.form.captions["name"].text().startswith("姓名")
    assert new_dialog.save_button.text() == "保存"


def test_repeat_complainer_flagged_in_classification(qtbot, ctx, add_customer, ctx_write) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.i18n import set_language
    from branch_crm.services.complaints.intake import ComplaintInput, take_complaint

    def complain(customer_id: str) -> None:
        data = ComplaintInput(customer_id, "counter", "delay", "parcel two days late")
        ctx_write(ctx, take_complaint, data=data)

    once = add_customer("吴一", "13511112222")  # one complaint, then a second one
    twice = add_customer("郑二", "13511113333")
    complain(once.id)
    complain(twice.id)
    complain(twice.id)

    calm = actions.open_customer(ctx, once.id)
    qtbot.addWidget(calm)
    assert calm.side.derived.values["complaints"].text() == "No"
    assert calm.side.derived.captions["complaints"].text() == "Repeat complaints"
    qtbot.keyClicks(calm.form.company, "unsaved edit")
    complain(once.id)  # a second complaint while the profile is open (and being edited)
    ctx.bus.changed("complaint")  # what the take-a-complaint dialog announces
    assert calm.side.derived.values["complaints"].text().startswith("⚠ Repeat complainer")
    assert calm.form.company.text() == "unsaved edit"

    dialog = actions.open_customer(ctx, twice.id)
    qtbot.addWidget(dialog)
    flag = dialog.side.derived.values["complaints"]
    assert flag.text().startswith("⚠ Repeat complainer")
    assert flag.palette().color(flag.foregroundRole()).name() == "#c62828"  # red like churn
    set_language("zh_CN")
    dialog.retranslate_ui()  # the flag survives a language switch, translated
    assert flag.text().startswith("⚠ 重复投诉客户")
    assert dialog.side.derived.captions["complaints"].text() == "重复投诉"


def test_date_defaults_are_the_branch_day_not_the_machine_day(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, date, datetime
    from zoneinfo import ZoneInfo

    import time_machine

    from branch_crm.ui.counter.actions import sheet_path

    # 20:00 UTC on 1 March (the machine's zone is UTC here) is 04:00 on 2 March in Shanghai
    with time_machine.travel(datetime(2025, 3, 1, 20, 0, tzinfo=ZoneInfo("UTC")), tick=False):
        dialog = CustomerProfileDialog(ctx)
        qtbot.addWidget(dialog)
        first = dialog.form.first_shipment_date
        first.check.setChecked(True)  # "Known": today is offered, and it is not refused
        assert first.value() == date(2025, 3, 2)
        birthday = dialog.form.birthday
        birthday.check.setChecked(True)
        assert birthday.value() == date(1990, 3, 2)
        assert sheet_path().name == "pickup-sheet-20250302-040000.pdf"
    assert sheet_path(datetime(2025, 6, 30, 16, 30, tzinfo=UTC)).name == (
        "pickup-sheet-20250701-003000.pdf"
    )


def test_save_while_another_program_locks_the_file(qtbot, ctx, add_customer, lock_database) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.i18n import set_language
    from branch_crm.models import AuditEntry
    from branch_crm.services.customers.profile import get_customer

    view = add_customer("冯三", "13577778888")
    dialog = actions.open_customer(ctx, view.id)
    qtbot.addWidget(dialog)
    with ctx.db.session(audit=False) as session:
        audit_before = session.scalar(select(func.count()).select_from(AuditEntry))
    qtbot.keyClicks(dialog.form.company, "Locked Ltd")
    with lock_database(ctx.db):  # another program holds the write lock
        dialog.save()  # on the database thread (here: inline), refused after the busy timeout
        shown = dialog.message.text()
        assert "is busy: another program is using it" in shown and str(ctx.db.path) in shown
        assert "OperationalError" not in shown and "Something went wrong" not in shown
        set_language("zh_CN")
        dialog.save()
        assert "正忙" in dialog.message.text() and str(ctx.db.path) in dialog.message.text()
        set_language("en")
    assert dialog.is_dirty()  # the user's edit is still there to save again
    assert ctx.read(get_customer, customer_id=view.id).company is None  # nothing half-written
    with ctx.db.session(audit=False) as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before
    assert dialog.save()  # the lock is gone: the same save goes through
    assert ctx.read(get_customer, customer_id=view.id).company == "Locked Ltd"


def test_banner_mentions_highlighted_fields_only_when_one_is(qtbot, new_dialog) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.errors import ValidationError

    generic = "Please correct the highlighted fields."
    new_dialog._on_customer_save_failed(ValidationError({"branch": "Not this branch's customer."}))
    assert new_dialog.message.text() == "Not this branch's customer."  # nothing is highlighted
    assert new_dialog.form.error_text("name") == ""
    new_dialog._on_customer_save_failed(ValidationError({"name": "Enter the name."}))
    assert new_dialog.message.text() == generic
    assert new_dialog.form.error_text("name") == "Enter the name."
    prefs = new_dialog.preferences.form
    prefs.show_errors({"somewhere": "Saved elsewhere meanwhile."})
    assert prefs.general_error.text() == "Saved elsewhere meanwhile."
