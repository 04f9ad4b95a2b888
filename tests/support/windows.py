"""Every top-level window and dialog of the desktop app, opened on a small demo database.

Shared by the screen-fit test (tests/ui/screen_fit_child.py, one process per simulated
screen) and the screenshot script (scripts/screenshots.py). ``open_demo(path)`` fills a demo
database and builds the main window signed in as the demo admin; ``PAGES`` are the main
window's pages to show, ``DIALOGS`` (name, opener) open one dialog each and return it shown.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication, QWidget

DEMO_CUSTOMERS = 300


@dataclass
class Demo:
    """A demo database opened in the app: context, main window and ids to open."""

    path: Path
    ctx: Any
    main: Any
    customer_id: str
    complaint_id: str
    session: Any
    pdf: Path
    follow_up_id: str


def _first_id(path: Path, sql: str) -> str:
    connection = sqlite3.connect(path)
    try:
        return str(connection.execute(sql).fetchone()[0])
    finally:
        connection.close()


def quiet_messages() -> list[str]:
    """Message boxes answer at once (confirmations: yes) and are listed instead of shown."""
    from branch_crm.ui import messages

    shown: list[str] = []

    def note(_parent: object, text: object, *_args: object, **_kwargs: object) -> bool:
        shown.append(str(text))
        return True

    messages.confirm = note  # type: ignore[assignment]
    messages.info = note  # type: ignore[assignment]
    messages.show_error = note  # type: ignore[assignment]
    return shown


def _add_follow_up(db: Any, actor: Any, customer_id: str) -> str:
    from branch_crm.models import CareTask
    from branch_crm.services.context import unit_of_work
    from branch_crm.services.surveys.follow_ups import FOLLOW_UP_KIND
    from branch_crm.timeutil import local_today

    with unit_of_work(db, actor) as session:
        task = CareTask(
            customer_id=customer_id,
            kind=FOLLOW_UP_KIND,
            due_on=local_today() + timedelta(days=1),
            status="open",
            title="Survey follow-up",
        )
        session.add(task)
        session.flush()
        return str(task.id)


def _plan_care(db: Any, actor: Any) -> None:
    """The day's care plan (visits, greetings, birthday calls) and a few visits recorded
    with the first customers of each visit class: the Today card and the visit plan show
    real work."""
    from branch_crm.services.care.plan import plan_care
    from branch_crm.services.care.visits import record_visit
    from branch_crm.services.context import unit_of_work

    with unit_of_work(db, actor) as session:
        plan_care(session=session, actor=actor)
    connection = sqlite3.connect(db.path)
    try:
        visited = [
            str(row[0])
            for cls in ("A", "B", "C")
            for row in connection.execute(
                "SELECT id FROM customer WHERE visit_class = ? ORDER BY name LIMIT 3", (cls,)
            )
        ]
    finally:
        connection.close()
    outcomes = ("客户满意，下月增加冷链件", "电话回访，已解释延误原因", "上门拜访，商定周五取件")
    for number, customer_id in enumerate(visited):
        with unit_of_work(db, actor) as session:
            record_visit(session=session, actor=actor, customer_id=customer_id,
                         kind=("visit", "call", "visit")[number % 3],
                         outcome=outcomes[number % 3])  # fmt: skip


def open_demo(folder: Path, *, synchronous: bool = True, follow_up: bool = True) -> Demo:
    """A demo database in ``folder`` and the main window on it, signed in as admin, with
    the day's care plan and a few visits; ``follow_up``: with one more open follow-up task
    (its title in English: tests only)."""
    from branch_crm.db import open_database
    from branch_crm.services.context import unit_of_work
    from branch_crm.services.demo.fill import fill_demo
    from branch_crm.services.staff.sign_in import authenticate
    from branch_crm.services.surveys.forms import print_survey_form
    from branch_crm.services.training import sessions
    from branch_crm.ui.context import AppContext
    from branch_crm.ui.main_window import MainWindow
    from branch_crm.ui.tasks import TaskRunner
    from tests.support.training import session_input

    path = folder / "demo.db"
    result = fill_demo(path, customers=DEMO_CUSTOMERS, seed=1)
    admin = next(c for c in result.staff if c.role == "admin")
    branch = _first_id(path, "SELECT branch_id FROM staff LIMIT 1")
    db = open_database(path)
    with db.session(branch_id=branch) as session:
        actor = authenticate(
            session=session, username=admin.username, password=admin.password, branch_id=branch
        )
    with unit_of_work(db, actor) as session:
        training = sessions.create_session(session=session, actor=actor, data=session_input(12))
    customer_id = _first_id(path, "SELECT id FROM customer ORDER BY name LIMIT 1")
    pdf = folder / "survey.pdf"
    with unit_of_work(db, actor) as session:
        print_survey_form(session=session, actor=actor, customer_id=customer_id, output=pdf)
    follow_up_id = _add_follow_up(db, actor, customer_id) if follow_up else ""
    _plan_care(db, actor)
    ctx = AppContext.for_tests(db, actor, tasks=TaskRunner(synchronous=synchronous))
    main = MainWindow(ctx)
    return Demo(
        path=path,
        ctx=ctx,
        main=main,
        customer_id=customer_id,
        complaint_id=_first_id(path, "SELECT id FROM complaint ORDER BY id LIMIT 1"),
        session=training,
        pdf=pdf,
        follow_up_id=follow_up_id,
    )


def _profile(demo: Demo) -> QWidget:
    from branch_crm.ui.counter.actions import open_customer

    return open_customer(demo.ctx, demo.customer_id, parent=demo.main)


def _profile_preferences(demo: Demo) -> QWidget:
    dialog = _profile(demo)
    dialog.tabs.setCurrentIndex(1)  # type: ignore[attr-defined]
    return dialog


def _new_customer(demo: Demo) -> QWidget:
    from branch_crm.ui.counter.profile import CustomerProfileDialog

    return CustomerProfileDialog(demo.ctx, prefill_name="张", parent=demo.main)


def _take_complaint(demo: Demo) -> QWidget:
    from branch_crm.ui.complaints.take_dialog import TakeComplaintDialog

    return TakeComplaintDialog(demo.ctx, parent=demo.main)


def _complaint_detail(demo: Demo) -> QWidget:
    from branch_crm.ui.complaints.detail import ComplaintDetailDialog

    return ComplaintDetailDialog(demo.ctx, demo.complaint_id, parent=demo.main)


def _complaint_attachments(demo: Demo) -> QWidget:
    """The demo complaint with photos of the parcel, a screenshot, a scanned waybill and one
    photo still on its way from another PC ("photo pending")."""
    from tests.support.attachments import add_demo_attachments

    add_demo_attachments(demo.ctx.db, demo.ctx.actor, demo.complaint_id)
    return _complaint_detail(demo)


def _complaint_step(demo: Demo) -> QWidget:
    detail = _complaint_detail(demo)
    detail.show()
    assert detail.view is not None  # type: ignore[attr-defined]
    return detail._form_close(detail.view)  # type: ignore[attr-defined]


def _complaint_figures(demo: Demo) -> QWidget:
    from branch_crm.ui.complaints.figures import ComplaintFiguresDialog

    return ComplaintFiguresDialog(demo.ctx, parent=demo.main)


def _session_new(demo: Demo) -> QWidget:
    from branch_crm.ui.training.session_dialog import SessionDialog

    return SessionDialog(demo.ctx, parent=demo.main)


def _session_edit(demo: Demo) -> QWidget:
    from branch_crm.ui.training.session_dialog import SessionDialog

    return SessionDialog(demo.ctx, demo.session, parent=demo.main)


def _attendance(demo: Demo) -> QWidget:
    from branch_crm.ui.training.attendance_dialog import AttendanceDialog

    return AttendanceDialog(demo.ctx, demo.session, parent=demo.main)


def _print_preview(demo: Demo) -> QWidget:
    from branch_crm.ui.printing.preview import PdfPreviewDialog

    return PdfPreviewDialog(demo.pdf, "survey", demo.main)


def _pickup_sheet(demo: Demo) -> QWidget:
    from branch_crm.ui.counter.pickup_sheet import PickupSheetReady

    return PickupSheetReady(demo.pdf, 1, parent=demo.main)


def _preference_history(demo: Demo) -> QWidget:
    from branch_crm.ui.counter.preferences_editor import PreferenceHistoryDialog

    return PreferenceHistoryDialog([], parent=demo.main)


def _settings(demo: Demo) -> QWidget:
    from branch_crm.ui.shell.settings_dialog import SettingsDialog

    return SettingsDialog(demo.ctx, demo.main)


def _batch_print(demo: Demo) -> QWidget:
    from branch_crm.ui.survey_print.batch_dialog import BatchPrintDialog

    return BatchPrintDialog(demo.ctx, demo.main)


def _survey_scan(demo: Demo) -> QWidget:
    from branch_crm.ui.surveys.scan_dialog import ScanDialog

    dialog = ScanDialog(demo.ctx, demo.main)
    dialog.add_paths([demo.pdf])
    return dialog


def _survey_review(demo: Demo) -> QWidget:
    from branch_crm.ui.surveys.review_dialog import ReviewDialog

    return ReviewDialog(demo.ctx, demo.main)


def _staff(demo: Demo) -> QWidget:
    from branch_crm.ui.shell.staff_page import StaffDialog

    return StaffDialog(demo.ctx, parent=demo.main)


def _register(demo: Demo) -> QWidget:
    from branch_crm.ui.sync.register_dialog import RegisterDialog

    return RegisterDialog(demo.ctx, demo.main)


def _login(demo: Demo) -> QWidget:
    from branch_crm.ui.shell.login_dialog import LoginDialog

    return LoginDialog(demo.ctx.db, demo.ctx.actor.branch_id, branch_name="浦东网点")


def _first_admin(demo: Demo) -> QWidget:
    from branch_crm.ui.shell.first_admin_dialog import FirstAdminDialog

    return FirstAdminDialog(demo.ctx.db, branch_id="")


IMPORT_DEMO_ROWS: list[tuple[Any, ...]] = [
    ("姓名", "手机", "公司", "生日", "微信"),
    ("韩梅梅", "13911110001", "梅林贸易", "1990-03-12", "hanmm"),
    ("李雷", "139 1111 0002", None, "1988/7/8", None),
    ("林涛", "1391111", "林氏五金", None, "lintao88"),
    ("吴芳", "13911110004", None, "1992年13月1日", None),
    ("郑强", "13911110005", "强盛物流", None, None),
]
"""The import window's demo sheet: recognised Chinese headers, an unknown column, two
problem rows (a short phone, a month 13)."""


def _import_customers(demo: Demo) -> QWidget:
    import openpyxl

    from branch_crm.ui.counter.import_dialog import ImportDialog

    path = demo.path.parent / "客户名单.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "客户"
    for row in IMPORT_DEMO_ROWS:
        book.active.append(row)
    book.save(path)
    dialog = ImportDialog(demo.ctx, "customers", parent=demo.main)
    dialog.load(path)  # the preview runs inline (the demo's jobs are synchronous)
    return dialog


def _follow_up(demo: Demo) -> Any:
    from branch_crm.services.care.follow_ups import get_follow_up

    return demo.ctx.read(get_follow_up, actor=demo.ctx.actor, task_id=demo.follow_up_id)


def _follow_up_done(demo: Demo) -> QWidget:
    from branch_crm.ui.care.dialogs import DONE, CloseFollowUpDialog

    return CloseFollowUpDialog(demo.ctx, _follow_up(demo), DONE, demo.main)


def _follow_up_reassign(demo: Demo) -> QWidget:
    from branch_crm.services.care.follow_ups import assignable_staff
    from branch_crm.ui.care.dialogs import ReassignDialog

    staff = demo.ctx.read(assignable_staff, actor=demo.ctx.actor)
    return ReassignDialog(demo.ctx, _follow_up(demo), staff, demo.main)


def _visit_task(demo: Demo) -> Any:
    """The first open visit task of the demo's care plan."""
    from branch_crm.services.care.follow_ups import list_follow_ups

    rows = demo.ctx.read(list_follow_ups, actor=demo.ctx.actor, kinds=("visit",), limit=1)
    return rows[0]


def _follow_up_postpone(demo: Demo) -> QWidget:
    from branch_crm.ui.care.dialogs import PostponeDialog

    return PostponeDialog(demo.ctx, _visit_task(demo), demo.main)


def _visit_dialog(demo: Demo) -> QWidget:
    from branch_crm.ui.care.visit_dialog import VisitDialog

    return VisitDialog.for_task(demo.ctx, _visit_task(demo), demo.main)


def _staff_password(demo: Demo) -> QWidget:
    from branch_crm.services.staff.accounts import get_staff
    from branch_crm.ui.shell.staff_page import PasswordDialog

    view = demo.ctx.read(get_staff, username="counter")
    return PasswordDialog(demo.ctx, view, demo.main)


def _backup_now(demo: Demo) -> QWidget:
    from branch_crm.ui.shell.backup_dialog import BackupDialog

    return BackupDialog(demo.ctx, demo.main)


def _restore(demo: Demo) -> QWidget:
    """The restore dialog on a backup of the demo database (facts and sync words shown)."""
    from branch_crm.services.backup import backup_now
    from branch_crm.ui.shell.restore_dialog import RestoreDialog

    folder = demo.path.parent / "usb"
    folder.mkdir(exist_ok=True)
    copy = backup_now(db_path=demo.path, folder=folder, actor=demo.ctx.actor)
    return RestoreDialog(demo.ctx, demo.main, path=copy.path)


def _go_to(demo: Demo) -> QWidget:
    """Go to with an ambiguous text: the candidates listed (complaint numbers of a day)."""
    from branch_crm.ui.shell.goto_dialog import GoToDialog

    number = _first_id(demo.path, "SELECT number FROM complaint ORDER BY number DESC LIMIT 1")
    dialog = GoToDialog(demo.ctx, demo.main)
    dialog.box.setText(number[:-2])
    dialog.search_now()
    return dialog


def _merge(demo: Demo) -> QWidget:
    """Merge two customers (issue 19): the demo's first customer and another one."""
    from branch_crm.services.customers import merging
    from branch_crm.ui.records.merge_dialog import MergeDialog

    other = _first_id(demo.path, "SELECT id FROM customer ORDER BY name DESC LIMIT 1")
    preview = demo.ctx.read(merging.merge_preview, survivor_id=demo.customer_id, absorbed_id=other)
    return MergeDialog(preview, demo.main)


def _deleted_items(demo: Demo) -> QWidget:
    """Deleted items (issue 19) after a customer and a complaint were deleted."""
    from branch_crm.services import deletion
    from branch_crm.services.context import unit_of_work
    from branch_crm.ui.records.deleted_dialog import DeletedItemsDialog

    customer = _first_id(demo.path, "SELECT id FROM customer WHERE deleted_at IS NULL "
                         "ORDER BY name DESC LIMIT 1 OFFSET 1")  # fmt: skip
    actor = demo.ctx.actor
    with unit_of_work(demo.ctx.db, actor) as session:
        if not deletion.list_deleted(session=session, actor=actor):
            deletion.delete_customer(
                session=session, actor=actor, customer_id=customer, reason="重复建档 / duplicate"
            )
            deletion.delete_complaint(
                session=session, actor=actor, complaint_id=demo.complaint_id, reason="误录 / typo"
            )
    return DeletedItemsDialog(demo.ctx, demo.main)


DIALOGS: list[tuple[str, Callable[[Demo], QWidget]]] = [
    ("profile", _profile),
    ("profile_preferences", _profile_preferences),
    ("new_customer", _new_customer),
    ("take_complaint", _take_complaint),
    ("complaint_detail", _complaint_detail),
    ("complaint_attachments", _complaint_attachments),
    ("complaint_close", _complaint_step),
    ("complaint_figures", _complaint_figures),
    ("training_new", _session_new),
    ("training_edit", _session_edit),
    ("training_attendance", _attendance),
    ("print_preview", _print_preview),
    ("pickup_sheet", _pickup_sheet),
    ("preference_history", _preference_history),
    ("settings", _settings),
    ("survey_batch", _batch_print),
    ("survey_scan", _survey_scan),
    ("survey_review", _survey_review),
    ("staff_new", _staff),
    ("staff_password", _staff_password),
    ("follow_up_done", _follow_up_done),
    ("follow_up_reassign", _follow_up_reassign),
    ("follow_up_postpone", _follow_up_postpone),
    ("visit_dialog", _visit_dialog),
    ("sync_register", _register),
    ("sign_in", _login),
    ("first_admin", _first_admin),
    ("import_customers", _import_customers),
    ("backup_now", _backup_now),
    ("restore", _restore),
    ("go_to", _go_to),
    ("merge", _merge),
    ("deleted_items", _deleted_items),
]
"""(name, opener): each opener builds one top-level window (not yet shown)."""


def page_keys(demo: Demo) -> list[str]:
    """The main window's pages the demo admin sees."""
    return list(demo.main.page_keys())


def courier_form(demo: Demo) -> None:
    """Courier mode on its preferences screen (the widest page)."""
    page = demo.main.show_page("courier")
    page.open_customer(demo.customer_id)


def close_all() -> None:
    """Close every top-level window but the main window's (between two openers)."""
    for widget in QApplication.topLevelWidgets():
        if widget.isVisible() and widget.objectName() != "main_window":
            widget.close()
