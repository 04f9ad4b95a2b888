"""Export… buttons and File → Export…: the file asked for (dated default name), written off
the GUI thread, where it went said; pages without a list; a cancelled file dialog."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QWidget

from branch_crm.timeutil import local_today

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def customers(ctx, ctx_write) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.complaints import intake
    from branch_crm.services.customers.profile import create_customer
    from branch_crm.services.customers.validation import CustomerInput

    first = ctx_write(ctx, create_customer, data=CustomerInput(name="张三", phones=["13812345678"]))
    ctx_write(ctx, create_customer, data=CustomerInput(name="李四", phones=["13987654321"]))
    data = intake.ComplaintInput(first.id, "counter", "delay", "parcel late")
    ctx_write(ctx, intake.take_complaint, data=data)


@dataclass
class SaveDialog:
    """What the patched save dialog was offered, and the file it answers."""

    out: Path
    proposed: list[str] = field(default_factory=list)


@pytest.fixture
def save_dialog(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> SaveDialog:
    """The save dialog answers ``tmp_path/export`` (no suffix: .xlsx is added)."""
    dialog = SaveDialog(tmp_path / "export.xlsx")

    def answer(_parent: Any, _title: str, start: str, _filter: str) -> tuple[str, str]:
        dialog.proposed.append(start)
        return str(tmp_path / "export"), _filter

    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)
    return dialog


def _rows(path: Path) -> list[tuple[Any, ...]]:
    return list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))


@pytest.mark.usefixtures("customers")
def test_customer_list_button_writes_the_filtered_list(
    qtbot, ctx, show, boxes, save_dialog
) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.counter.customer_list import CustomerListPage

    page = show(CustomerListPage(ctx))
    page.on_shown()
    page.filters.tier.setCurrentIndex(page.filters.tier.findData("walk_in"))
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    out = save_dialog.out
    qtbot.waitUntil(lambda: bool(boxes.infos), timeout=5000)
    assert Path(save_dialog.proposed[0]).name == f"Customers {local_today():%Y-%m-%d}.xlsx"
    assert boxes.infos == [f"2 rows exported to {out}"] and boxes.errors == []
    rows = _rows(out)
    assert rows[1][0] == "Filters: Tier: Walk-in"
    assert [r[0] for r in rows[-2:]] == ["李四", "张三"]


@pytest.mark.usefixtures("customers")
def test_complaint_queue_button_exports_the_queue(qtbot, ctx, show, boxes, save_dialog) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.complaints.queue_page import ComplaintQueuePage

    page = show(ComplaintQueuePage(ctx))
    page.export_button.click()
    qtbot.waitUntil(lambda: bool(boxes.infos), timeout=5000)
    rows = _rows(save_dialog.out)
    assert rows[0][0] == "Complaints" and rows[1][0] == "Filters: Open complaints only: Yes"
    assert rows[-1][2] == "张三"


def test_an_empty_list_still_writes_its_header(qtbot, ctx, show, boxes, save_dialog) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.care.page import FollowUpsPage

    page = show(FollowUpsPage(ctx))
    page.export_button.click()
    qtbot.waitUntil(lambda: bool(boxes.infos), timeout=5000)
    assert boxes.infos == [f"0 rows exported to {save_dialog.out}"]
    assert _rows(save_dialog.out)[-1][0] == "Due"  # the header, nothing under it


def test_file_menu_exports_the_page_in_front(qtbot, admin_ctx, show, boxes, save_dialog) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.main_window import MainWindow

    window = show(MainWindow(admin_ctx))
    window.show_page("home")
    assert not window.action_export.isEnabled()
    window.show_page("audit")
    assert window.action_export.isEnabled()
    window.action_export.trigger()
    qtbot.waitUntil(lambda: bool(boxes.infos), timeout=5000)
    assert Path(save_dialog.proposed[0]).name.startswith("Audit log ")
    assert _rows(save_dialog.out)[0][0] == "Audit log"


def test_no_list_or_no_file_chosen(qtbot, ctx, boxes, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.export import export_page
    from branch_crm.ui.training.page import TrainingPage

    plain = QWidget()
    qtbot.addWidget(plain)
    assert export_page(ctx, plain) is None
    assert boxes.infos == ["This page has no list to export."]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: ("", ""))
    page = TrainingPage(ctx)
    qtbot.addWidget(page)
    assert export_page(ctx, page) is None  # the dialog was cancelled: nothing written
    assert list(tmp_path.glob("*.xlsx")) == []


def test_unwritable_folder_is_reported(qtbot, supervisor_ctx, boxes, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.shell.audit_page import AuditPage

    target = tmp_path / "gone" / "log.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(target), ""))
    page = AuditPage(supervisor_ctx)
    qtbot.addWidget(page)
    page.export()
    qtbot.waitUntil(lambda: bool(boxes.errors), timeout=5000)
    assert str(boxes.errors[0]).startswith(f"Could not write {target}: ")
    assert not target.parent.exists()
