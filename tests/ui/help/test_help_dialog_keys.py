"""The keys tables written by hand in the dialogs' help topics name only keys those dialogs
register (a renamed shortcut cannot leave the help behind), in both languages."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtWidgets import QWidget

from branch_crm import i18n
from branch_crm.ui.help import key_tables, topics
from tests.support.ui import new_windows_closed  # noqa: F401 (fixture)

pytestmark = [
    pytest.mark.qt_log_ignore("This plugin does not support"),
    pytest.mark.usefixtures("new_windows_closed"),
]
CHORD = re.compile(r"^(?:(?:Ctrl|Alt|Shift)\+)+(?:[A-Z0-9,]|Enter|F\d+)$|^F\d+$")
"""A key a window registers (plain Enter, Esc, arrows and digits are handled by the widgets
themselves and are not checked)."""


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    yield
    i18n.set_language("en")


def documented_keys(language: str, name: str) -> set[str]:
    """The chords in the first column of the topic's tables headed "Key" / "按键"."""
    found = topics.topic(language, name)
    assert found is not None
    keys: set[str] = set()
    in_keys_table = False
    for line in found.source.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|"):
            in_keys_table = False
            continue
        if cells[0] in ("Key", "按键"):
            in_keys_table = True
            continue
        if not in_keys_table or set(cells[0]) <= {"-", " "}:
            continue
        for part in re.split(r"\s*(?:/|,|、)\s*", cells[0].split("（")[0].split(" (")[0]):
            if CHORD.match(part):
                keys.add(part)
    return keys


@pytest.fixture
def dialogs(request) -> dict[str, list[Callable[[], QWidget]]]:  # type: ignore[no-untyped-def]
    """Topic -> the windows it describes."""
    ctx, admin_ctx, supervisor_ctx, ctx_write = (
        request.getfixturevalue(n) for n in ("ctx", "admin_ctx", "supervisor_ctx", "ctx_write")
    )
    from branch_crm.services.complaints import intake
    from branch_crm.services.customers.profile import create_customer
    from branch_crm.services.customers.validation import CustomerInput
    from branch_crm.ui.care.visit_dialog import VisitDialog
    from branch_crm.ui.complaints.detail import ComplaintDetailDialog
    from branch_crm.ui.complaints.take_dialog import TakeComplaintDialog
    from branch_crm.ui.counter.profile import CustomerProfileDialog
    from branch_crm.ui.records.deleted_dialog import DeletedItemsDialog
    from branch_crm.ui.shell.settings_dialog import SettingsDialog
    from branch_crm.ui.surveys.review_dialog import ReviewDialog
    from branch_crm.ui.surveys.scan_dialog import ScanDialog

    data = CustomerInput(name="张三", phones=["13812345678"])
    customer = str(ctx_write(ctx, create_customer, data=data).id)
    complaint = intake.ComplaintInput(customer, "counter", "delay", "parcel late")
    complaint_id = str(ctx_write(ctx, intake.take_complaint, data=complaint).id)
    return {
        "customer_profile": [lambda: CustomerProfileDialog(ctx, customer_id=customer)],
        "complaint_take": [lambda: TakeComplaintDialog(ctx)],
        "complaint_detail": [lambda: ComplaintDetailDialog(supervisor_ctx, complaint_id)],
        "care_visit": [lambda: VisitDialog(ctx, customer, "张三")],
        "survey_scan": [lambda: ScanDialog(ctx), lambda: ReviewDialog(ctx)],
        "settings": [lambda: SettingsDialog(admin_ctx)],
        "deleted_items": [lambda: DeletedItemsDialog(supervisor_ctx)],
    }


@pytest.mark.parametrize("language", sorted(i18n.LANGUAGES))
def test_dialog_topics_list_only_registered_keys(show, dialogs, language: str) -> None:  # type: ignore[no-untyped-def]
    i18n.set_language(language)
    wrong = []
    for name, factories in dialogs.items():
        listed = documented_keys(language, name)
        assert listed, f"{language}/{name}.md lists no keys"
        registered: set[str] = set()
        for factory in factories:
            dialog = show(factory())
            registered |= {key for key, _text in key_tables.rows_of(dialog, dialog)}
            if hasattr(dialog, "_close_confirmed"):
                dialog._close_confirmed = True
            dialog.close()
        wrong += [f"{language}/{name}.md: {key}" for key in sorted(listed - registered)]
    assert wrong == []


def test_the_parser_reads_a_keys_table() -> None:
    assert {"Ctrl+S", "Ctrl+N", "Ctrl+Shift+V", "Alt+E", "Alt+I"} <= documented_keys(
        "en", "customer_profile"
    )
    assert {"F2", "F3", "F4", "F9", "Ctrl+G"} <= documented_keys("zh_CN", "complaint_detail")
