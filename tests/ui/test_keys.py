"""The one keyboard model: no window has two bindings of one key (clashing Alt+letter
mnemonics or ambiguous shortcuts), in either language and on every tab; F1 lists a window's
keys; the focus ring is drawn on every kind of focusable widget."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTabWidget, QWidget

from branch_crm import i18n
from branch_crm.ui import keys
from tests.support.ui import new_windows_closed  # noqa: F401 (fixture)

pytestmark = [
    pytest.mark.qt_log_ignore("This plugin does not support"),
    pytest.mark.usefixtures("new_windows_closed"),
]


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    yield
    i18n.set_language("en")


@pytest.fixture
def customer_id(ctx, ctx_write) -> str:  # type: ignore[no-untyped-def]
    from branch_crm.services.customers.profile import create_customer
    from branch_crm.services.customers.validation import CustomerInput

    data = CustomerInput(name="张三", phones=["13812345678"], address="上海市浦东新区")
    return str(ctx_write(ctx, create_customer, data=data).id)


@pytest.fixture
def complaint_id(ctx, ctx_write, customer_id) -> str:  # type: ignore[no-untyped-def]
    from branch_crm.services.complaints import intake

    data = intake.ComplaintInput(customer_id, "counter", "delay", "parcel late")
    return str(ctx_write(ctx, intake.take_complaint, data=data).id)


def one_page_pdf(path: Path) -> Path:
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(path))
    canvas.drawString(72, 720, "page")
    canvas.save()
    return path


def tab_states(window: QWidget) -> Iterator[str]:
    """Show each tab of each tab widget of ``window`` in turn (one at a time)."""
    yield "first tabs"
    for tabs in window.findChildren(QTabWidget):
        for index in range(tabs.count()):
            if tabs.isTabEnabled(index) and tabs.isVisibleTo(window):
                tabs.setCurrentIndex(index)
                yield f"{tabs.objectName() or 'tabs'} #{index}"


def describe(found: dict[str, list[keys.Key]]) -> list[str]:
    return [
        f"{sequence}: " + " / ".join(f"{k.kind} {k.description!r}" for k in bound)
        for sequence, bound in sorted(found.items())
    ]


def assert_no_clashes(window: QWidget, name: str) -> None:
    problems = []
    for state in tab_states(window):
        problems += [f"{name} [{state}] {line}" for line in describe(keys.clashes(window))]
    assert problems == []


@pytest.fixture
def windows(request, tmp_path):  # type: ignore[no-untyped-def]
    """(name, factory) of the windows and dialogs a user meets."""
    ctx, supervisor_ctx, admin_ctx, db, customer_id, complaint_id = (
        request.getfixturevalue(name)
        for name in ("ctx", "supervisor_ctx", "admin_ctx", "db", "customer_id", "complaint_id")
    )
    from branch_crm.ui.complaints.detail import ComplaintDetailDialog
    from branch_crm.ui.complaints.figures import ComplaintFiguresDialog
    from branch_crm.ui.complaints.take_dialog import TakeComplaintDialog
    from branch_crm.ui.counter.preferences_editor import PreferenceHistoryDialog
    from branch_crm.ui.counter.profile import CustomerProfileDialog
    from branch_crm.ui.printing.preview import PdfPreviewDialog
    from branch_crm.ui.shell.first_admin_dialog import FirstAdminDialog
    from branch_crm.ui.shell.login_dialog import LoginDialog
    from branch_crm.ui.shell.settings_dialog import SettingsDialog
    from branch_crm.ui.shell.staff_page import StaffDialog
    from branch_crm.ui.survey_print.batch_dialog import BatchPrintDialog
    from branch_crm.ui.sync.register_dialog import RegisterDialog
    from branch_crm.ui.training.session_dialog import SessionDialog

    factories: list[tuple[str, Callable[[], QWidget]]] = [
        ("profile", lambda: CustomerProfileDialog(ctx, customer_id=customer_id)),
        ("new customer", lambda: CustomerProfileDialog(ctx, prefill_phone="138")),
        ("take complaint", lambda: TakeComplaintDialog(ctx)),
        ("take complaint for", lambda: TakeComplaintDialog(ctx, customer_id=customer_id)),
        ("complaint detail", lambda: ComplaintDetailDialog(supervisor_ctx, complaint_id)),
        ("complaint figures", lambda: ComplaintFiguresDialog(supervisor_ctx)),
        ("settings", lambda: SettingsDialog(admin_ctx)),
        ("staff account", lambda: StaffDialog(admin_ctx)),
        ("survey batch", lambda: BatchPrintDialog(supervisor_ctx)),
        ("training session", lambda: SessionDialog(supervisor_ctx)),
        ("sign in", lambda: LoginDialog(db, "BR001", branch_name="浦东网点")),
        ("first admin", lambda: FirstAdminDialog(db)),
        ("register this PC", lambda: RegisterDialog(admin_ctx)),
        ("preference history", lambda: PreferenceHistoryDialog([])),
        ("pdf preview", lambda: PdfPreviewDialog(one_page_pdf(tmp_path / "a.pdf"), "PDF")),
    ]
    return factories


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_no_dialog_binds_a_key_twice(language, show, windows) -> None:  # type: ignore[no-untyped-def]
    i18n.set_language(language)
    for name, factory in windows:
        window = show(factory())
        assert_no_clashes(window, name)
        window.close()


@pytest.fixture
def demo(qapp, boxes, tmp_path):  # type: ignore[no-untyped-def]
    """The demo database open in the main window (tests/support/windows.py): the dialogs
    that need data to open (follow-ups, a staff account, a training session, a PDF)."""
    from tests.support import windows

    opened = windows.open_demo(tmp_path)
    yield opened
    windows.close_all()
    opened.main.close()
    opened.ctx.close()
    opened.ctx.db.dispose()


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_no_window_of_the_demo_binds_a_key_twice(language, show, demo) -> None:  # type: ignore[no-untyped-def]
    """Every dialog of tests/support/windows.py, opened on the demo data, the follow-up
    close/reassign, staff password, training attendance and pickup-sheet windows included."""
    from tests.support import windows

    i18n.set_language(language)
    names = [name for name, _opener in windows.DIALOGS]
    assert {"follow_up_done", "follow_up_reassign", "staff_password"} <= set(names)
    assert {"training_attendance", "pickup_sheet"} <= set(names)
    for name, opener in windows.DIALOGS:
        window = show(opener(demo))
        assert_no_clashes(window, name)
        windows.close_all()


def test_main_window_binds_no_key_twice_on_any_page(show, admin_ctx) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.main_window import MainWindow

    window = show(MainWindow(admin_ctx))
    for language in ("en", "zh_CN"):
        i18n.set_language(language)  # the window re-translates itself
        for page in window.page_keys():
            window.show_page(page)
            assert_no_clashes(window, f"main window, page {page}, {language}")


def test_profile_is_clash_free_across_its_tabs(show, ctx, customer_id) -> None:  # type: ignore[no-untyped-def]
    """Stricter than Qt (which ignores a hidden tab's labels): every mnemonic of the profile
    is unique in the whole window, so Alt+letter means one thing whichever tab is in front."""
    from branch_crm.ui.counter.profile import CustomerProfileDialog

    for language in ("en", "zh_CN"):
        i18n.set_language(language)
        dialog = show(CustomerProfileDialog(ctx, customer_id=customer_id))
        seen: dict[str, str] = {}
        for _state in tab_states(dialog):
            for key in keys.window_keys(dialog):
                if key.kind == "mnemonic":
                    owner = seen.setdefault(key.sequence, key.description)
                    assert owner == key.description, (language, key.sequence, owner)
        assert {"Alt+E", "Alt+I", "Alt+C", "Alt+S"} <= set(seen)  # tabs and the actions
        dialog._close_confirmed = True
        dialog.close()


def test_profile_actions_have_keys(qtbot, show, ctx, customer_id, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.counter import hooks
    from branch_crm.ui.counter.profile import CustomerProfileDialog

    ran: list[str] = []
    actions = tuple(
        hooks.CustomerAction(
            a.label, a.icon, lambda _c, _id, _p, n=a.icon: ran.append(n), a.shortcut
        )
        for a in hooks.PROFILE_ACTIONS
    )
    monkeypatch.setattr(hooks, "PROFILE_ACTIONS", actions)
    dialog = show(CustomerProfileDialog(ctx, customer_id=customer_id))
    assert all(a.shortcut for a in actions)
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(ran) == 2, timeout=2000)  # a button's click is animated
    assert ran == ["complaint_new", "survey_print"]
    dialog._close_confirmed = True
    dialog.close()


def test_shift_f1_lists_the_keys_of_the_window_in_front(qtbot, show, ctx, customer_id) -> None:  # type: ignore[no-untyped-def]
    """(F1 itself opens the help topic: tests/ui/help/test_help.py.)"""
    from branch_crm.ui.counter.profile import CustomerProfileDialog

    keys.install_help(QApplication.instance())  # type: ignore[arg-type]
    i18n.set_language("zh_CN")
    dialog = show(CustomerProfileDialog(ctx, customer_id=customer_id))
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_F1, Qt.KeyboardModifier.ShiftModifier)
    helps = [w for w in QApplication.topLevelWidgets() if isinstance(w, keys.KeyboardHelp)]
    assert len(helps) == 1 and helps[0].isVisible()
    rows = dict(helps[0].rows())
    assert rows["Ctrl+S"] == i18n._(keys.SAVE)
    assert rows["Ctrl+N"] == "新建投诉"  # the action, without its "(&C)"
    assert rows["F1"] and rows["Shift+F1"] and rows["Esc"]
    assert "Alt+E" in rows  # the details tab's mnemonic
    assert all(text for text in rows.values())
    helps[0].close()
    dialog._close_confirmed = True
    dialog.close()


def test_help_menu_keys_opens_the_f1_list(show, admin_ctx) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.main_window import MainWindow

    i18n.set_language("zh_CN")
    window = show(MainWindow(admin_ctx))
    assert window.action_keys in window.help_menu.actions()
    assert window.action_keys.text() == "本窗口快捷键(&K)（Shift+F1）"
    window.action_keys.trigger()
    helps = [w for w in QApplication.topLevelWidgets() if isinstance(w, keys.KeyboardHelp)]
    assert len(helps) == 1 and helps[0].isVisible()
    rows = dict(helps[0].rows())
    assert rows["Shift+F1"] == i18n._(keys.HELP)
    assert rows["F1"] == i18n._(keys.TOPIC_HELP)
    assert rows["Ctrl+Q"]  # the main window's own keys, as F1 there lists them
    helps[0].close()


@pytest.mark.parametrize(
    "page", ["lookup", "customers", "complaints", "care", "surveys", "training"]
)
def test_f1_describes_every_key_of_a_counter_page(show, admin_ctx, page) -> None:  # type: ignore[no-untyped-def]
    """A page's own shortcuts are described (or named by the button whose tooltip shows the
    key): no "(no description)" line in the F1 list."""
    from branch_crm.ui.main_window import MainWindow

    i18n.set_language("zh_CN")
    window = show(MainWindow(admin_ctx))
    window.show_page(page)
    help_ = keys.show_help(window)
    rows = dict(help_.rows())
    assert "Ctrl+Shift+S" in rows  # sync now, from the status bar
    assert all(text and text != i18n._("(no description)") for text in rows.values()), rows
    help_.close()
