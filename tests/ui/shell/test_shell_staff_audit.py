"""Staff page (admin) and audit log page (supervisor), driven like a user."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from branch_crm.errors import AuthenticationError
from branch_crm.services.staff.sign_in import authenticate
from branch_crm.ui.shell.audit_page import AuditPage
from branch_crm.ui.shell.staff_page import PasswordDialog, StaffDialog, StaffPage
from tests.support.accounts import PASSWORDS

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def fill_modal(kind, action) -> None:
    """When a modal dialog of ``kind`` opens, run ``action(dialog)`` on it."""

    def poke() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind):
            action(dialog)
        else:
            QTimer.singleShot(10, poke)

    QTimer.singleShot(0, poke)


def row_of(page: StaffPage, username: str) -> int:
    return next(i for i, v in enumerate(page.model.rows) if v.username == username)


def cell(page, row: int, column: int) -> str:
    return str(page.model.index(row, column).data())


@pytest.fixture
def staff_page(show, admin_ctx):
    return show(StaffPage(admin_ctx))


def test_lists_accounts_with_role_and_status(staff_page) -> None:
    names = [v.username for v in staff_page.model.rows]
    assert names == ["boss", "chen", "li", "wang"]
    row = row_of(staff_page, "wang")
    assert cell(staff_page, row, 2) == "Counter staff"
    assert cell(staff_page, row, 4) == "Can sign in"
    assert cell(staff_page, row, 5) == "never"
    assert not staff_page.edit_button.isEnabled()  # nothing selected yet


def test_add_account_through_the_dialog(qtbot, staff_page, db) -> None:
    def type_in(dialog: StaffDialog) -> None:
        qtbot.keyClicks(dialog.username, "zhao")
        dialog.display_name.insert("赵六")
        dialog.role.setCurrentIndex(dialog.role.findData("courier"))
        qtbot.keyClicks(dialog.password, "zhao-pass-1")
        qtbot.keyClicks(dialog.password_again, "zhao-pass-1")
        dialog.submit()

    fill_modal(StaffDialog, type_in)
    staff_page.add()
    row = row_of(staff_page, "zhao")
    assert cell(staff_page, row, 2) == "Pickup courier"
    assert staff_page.selected().username == "zhao"
    with db.session() as session:
        actor = authenticate(session=session, username="zhao", password="zhao-pass-1",
                             branch_id="BR001")  # fmt: skip
    assert actor.display_name == "赵六"


def test_ctrl_n_adds_and_f2_edits_though_the_buttons_have_alt_letters(qtbot, staff_page) -> None:
    from PySide6.QtCore import Qt

    pressed: list[str] = []
    staff_page.add = lambda: pressed.append("add")  # no modal dialog in the way
    staff_page.edit = lambda: pressed.append("edit")
    staff_page.table.setFocus()
    qtbot.keyClick(staff_page.table, Qt.Key.Key_F2)  # nothing selected: Edit is disabled
    qtbot.keyClick(staff_page.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: pressed == ["add"])
    staff_page.table.selectRow(row_of(staff_page, "wang"))
    qtbot.keyClick(staff_page.table, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: pressed == ["add", "edit"])


def test_add_dialog_shows_errors_beside_fields(qtbot, show, admin_ctx) -> None:
    dialog = show(StaffDialog(admin_ctx))
    qtbot.keyClicks(dialog.username, "wang")  # taken
    qtbot.keyClicks(dialog.password, "short")
    qtbot.keyClicks(dialog.password_again, "short")
    dialog.submit()
    shown = dialog.errors.messages()
    assert "taken" in shown["username"]
    assert "display_name" in shown and "password" in shown
    assert dialog.isVisible()


def test_disable_after_confirm_then_enable(staff_page, db, boxes) -> None:
    staff_page.table.selectRow(row_of(staff_page, "wang"))
    assert staff_page.toggle_button.text() == "&Disable"
    boxes.answer = False
    staff_page.toggle_button.click()
    assert cell(staff_page, row_of(staff_page, "wang"), 4) == "Can sign in"
    boxes.answer = True
    staff_page.toggle_button.click()
    assert boxes.confirms[-1].startswith("Disable the account of 王芳")
    assert cell(staff_page, row_of(staff_page, "wang"), 4) == "Disabled"
    with pytest.raises(AuthenticationError, match="disabled"), db.session() as session:
        authenticate(
            session=session, username="wang", password=PASSWORDS["wang"], branch_id="BR001"
        )
    assert staff_page.toggle_button.text() == "E&nable"
    staff_page.toggle_button.click()
    assert cell(staff_page, row_of(staff_page, "wang"), 4) == "Can sign in"


def test_cannot_disable_yourself(staff_page, boxes) -> None:
    staff_page.table.selectRow(row_of(staff_page, "boss"))
    staff_page.toggle_button.click()
    assert boxes.errors and "own account" in boxes.errors[0].message


def test_reset_password_and_unlock(qtbot, staff_page, db, boxes) -> None:
    for _attempt in range(5):
        with pytest.raises(AuthenticationError), db.session() as session:
            authenticate(session=session, username="li", password="nope-nope", branch_id="BR001")
    staff_page.refresh()
    staff_page.table.selectRow(row_of(staff_page, "li"))
    assert cell(staff_page, row_of(staff_page, "li"), 4).startswith("Locked until")
    assert staff_page.unlock_button.isEnabled()
    staff_page.unlock_button.click()
    assert cell(staff_page, row_of(staff_page, "li"), 4) == "Can sign in"
    assert not staff_page.unlock_button.isEnabled()

    def type_in(dialog: PasswordDialog) -> None:
        qtbot.keyClicks(dialog.password, "brand-new-1")
        qtbot.keyClicks(dialog.password_again, "brand-new-1")
        dialog.submit()

    fill_modal(PasswordDialog, type_in)
    staff_page.password_button.click()
    assert boxes.infos and "new password is set" in boxes.infos[-1]
    with db.session() as session:
        assert authenticate(session=session, username="li", password="brand-new-1",
                            branch_id="BR001").username == "li"  # fmt: skip


def test_audit_page_lists_and_filters(qtbot, show, supervisor_ctx, db) -> None:
    with pytest.raises(AuthenticationError), db.session() as session:
        authenticate(session=session, username="wang", password="nope-nope", branch_id="BR001")
    page = show(AuditPage(supervisor_ctx))
    page.on_shown()
    rows = page.model.rows
    assert rows, "staff creation and the failed sign-in are in the log"
    assert rows[0].action == "login_failed"  # newest first
    assert page.model.index(0, 2).data() == "Failed sign-in"
    assert page.model.index(0, 1).data() == "nobody signed in"  # an attempt, not the system's
    assert page.model.index(0, 3).data() == "Staff account"  # not the table name
    assert page.model.index(0, 4).data() == "王芳"  # whose account, not its id
    page.action.setCurrentIndex(page.action.findData("create"))
    page.reload()
    assert page.model.rows and {r.action for r in page.model.rows} == {"create"}
    page.action.setCurrentIndex(0)
    page.entity.setCurrentIndex(page.entity.findData("staff"))
    page.actor.setCurrentIndex(page.actor.findData(supervisor_ctx.actor.staff_id))
    page.reload()
    assert page.model.rows == []  # the supervisor changed nothing
    assert page.count_label.text() == "0 entries"
    page.use_period.setChecked(True)
    page.actor.setCurrentIndex(0)
    page.reload()
    assert page.model.rows  # today is inside the default period


def test_audit_page_names_records_fields_and_the_system(show, supervisor_ctx, db) -> None:
    from branch_crm.models import Customer
    from branch_crm.services.context import system_actor, unit_of_work

    with unit_of_work(db, supervisor_ctx.actor) as session:
        customer = Customer(name="张三", customer_type="individual")
        session.add(customer)
    with unit_of_work(db, system_actor("BR001")) as session:
        row = session.get(Customer, customer.id)
        assert row is not None
        row.visit_class = "A"
    page = show(AuditPage(supervisor_ctx))
    page.entity.setCurrentIndex(page.entity.findData("customer"))
    assert page.entity.currentText() == "Customer"
    page.reload()
    cells = [[page.model.index(r, c).data() for c in range(6)] for r in range(2)]
    assert cells[0][1:] == ["System (automatic)", "Changed", "Customer", "张三",
                            "Visit class: — → Class A"]  # fmt: skip
    assert cells[1][1] == "陈静"  # the supervisor, by name
    assert cells[1][4] == "张三" and customer.id not in cells[1][5]
    assert "Type: Individual" in cells[1][5] and "customer_type" not in cells[1][5]
