"""The import window: a good file previews and imports, problems keep Import disabled, a bad
file is said in the window, Cancel writes nothing; the File menu entry follows the permission."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PySide6.QtWidgets import QFileDialog
from sqlalchemy import select

from branch_crm.models import Customer

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

GOOD = [("姓名", "手机", "公司"), ("王五", "13811112222", "甲公司"), ("赵六", "13933334444", None)]


def _xlsx(path: Path, rows: list[tuple[Any, ...]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def _answer(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(path), ""))


def _names(ctx: Any) -> list[str]:
    def names(*, session: Any) -> list[str]:
        return sorted(session.scalars(select(Customer.name)))

    return ctx.read(names)


def _dialog(ctx: Any, show: Any) -> Any:
    from branch_crm.ui.counter.import_dialog import ImportDialog

    dialog = ImportDialog(ctx, "customers")
    show(dialog)
    return dialog


def test_good_file_previews_and_imports(ctx, show, boxes, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _answer(monkeypatch, _xlsx(tmp_path / "客户.xlsx", GOOD))
    dialog = _dialog(ctx, show)
    assert not dialog.import_button.isEnabled()
    dialog.choose_button.click()
    assert dialog.preview is not None and dialog.preview.add == 2
    assert dialog.problems_table.rowCount() == 0
    assert dialog.columns_table.cellWidget(1, 1).currentData() == "phone"
    assert "2" in dialog.summary.text()
    assert dialog.import_button.isEnabled()
    assert _names(ctx) == []  # a preview writes nothing
    dialog.import_button.click()
    assert _names(ctx) == ["王五", "赵六"]
    assert dialog.imported is not None and dialog.imported.add == 2
    assert boxes.infos and "2" in boxes.infos[-1]


def test_problems_are_listed_and_import_stays_disabled(
    ctx, show, boxes, monkeypatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    rows = [*GOOD, ("钱七", "12345", None), ("孙八", "13811112222", None)]
    _answer(monkeypatch, _xlsx(tmp_path / "bad rows.xlsx", rows))
    dialog = _dialog(ctx, show)
    dialog.choose_button.click()
    table = dialog.problems_table
    assert table.rowCount() == 2
    assert {table.item(r, 0).text() for r in range(2)} == {"4", "5"}
    assert table.item(0, 1).text() == "手机"
    assert table.item(0, 2).text()
    assert not dialog.import_button.isEnabled()
    dialog.start_import()  # Ctrl+S does nothing either
    assert _names(ctx) == []


def test_mapping_a_column_previews_again(ctx, show, boxes, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [("姓名", "号码"), ("王五", "13811112222")]
    _answer(monkeypatch, _xlsx(tmp_path / "odd.xlsx", rows))
    dialog = _dialog(ctx, show)
    dialog.choose_button.click()
    assert not dialog.import_button.isEnabled()  # no column for the phone
    combo = dialog.columns_table.cellWidget(1, 1)
    combo.setCurrentIndex(combo.findData("phone"))
    combo.activated.emit(combo.currentIndex())
    assert dialog.preview is not None and dialog.preview.clean, dialog.preview
    assert dialog.import_button.isEnabled()


def test_bad_file_is_said_in_the_window(ctx, show, boxes, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "old.xls"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    _answer(monkeypatch, bad)
    dialog = _dialog(ctx, show)
    dialog.choose_button.click()
    assert dialog.error_label.isVisible()
    assert ".xlsx" in dialog.error_label.text()
    assert not dialog.import_button.isEnabled()
    assert not boxes.errors


def test_cancel_leaves_nothing_written(ctx, show, boxes, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.tasks import JobControl

    _answer(monkeypatch, _xlsx(tmp_path / "客户.xlsx", GOOD))
    dialog = _dialog(ctx, show)
    dialog.choose_button.click()
    assert dialog.import_button.isEnabled()
    monkeypatch.setattr(JobControl, "cancelled", property(lambda _self: True))
    dialog.import_button.click()
    assert _names(ctx) == []
    assert dialog.error_label.isVisible() and dialog.imported is None


@pytest.mark.usefixtures("qapp", "boxes")
@pytest.mark.parametrize(("role", "shown"), [("counter", True), ("courier", False)])
def test_menu_entry_follows_the_permission(db, request, role, shown) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.main_window import MainWindow
    from tests.support.ui import make_ctx

    window = MainWindow(make_ctx(db, request.getfixturevalue(role)))
    try:
        assert ("customers" in window.import_actions) is shown
    finally:
        window.close()
        window.deleteLater()


def test_ctrl_s_imports_and_esc_closes(qtbot, ctx, show, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    _answer(monkeypatch, _xlsx(tmp_path / "客户.xlsx", GOOD))
    dialog = _dialog(ctx, show)
    dialog.choose_button.click()
    qtbot.keyClick(dialog.existing_combo, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert _names(ctx) == ["王五", "赵六"]
    qtbot.keyClick(dialog.close_button, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_monthly_volumes_import(ctx, ctx_write, show, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.customers.profile import create_customer
    from branch_crm.services.customers.validation import CustomerInput
    from branch_crm.ui.counter.import_dialog import ImportDialog

    ctx_write(ctx, create_customer, data=CustomerInput(name="王五", phones=["13811112222"]))
    rows = [
        ("手机", "月份", "件数"),
        ("13811112222", "2026-10", 12),
        ("13811112222", "2026-11", 30),
    ]
    _answer(monkeypatch, _xlsx(tmp_path / "件量.xlsx", rows))
    dialog = show(ImportDialog(ctx, "volumes"))
    assert dialog.windowTitle() == "Import monthly volumes"
    dialog.choose_button.click()
    assert dialog.preview is not None and dialog.preview.clean, dialog.preview
    dialog.import_button.click()
    assert dialog.imported is not None and dialog.imported.rows == 2
    assert not dialog.import_button.isEnabled()


def test_stopped_preview_says_so_and_a_closed_window_is_not_called(
    ctx, show, monkeypatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.tasks import JobControl

    _answer(monkeypatch, _xlsx(tmp_path / "客户.xlsx", GOOD))
    dialog = _dialog(ctx, show)
    with monkeypatch.context() as patch:
        patch.setattr(JobControl, "cancelled", property(lambda _self: True))
        dialog.choose_button.click()
    assert "Preview" in dialog.error_label.text()
    assert not dialog.import_button.isEnabled()
    stale = dialog._latest(dialog._on_preview, dialog._on_failed)
    dialog.run_preview()  # a newer preview: the older one's result is dropped
    stale["on_error"](RuntimeError("late"))
    assert not dialog.error_label.isVisible()
    assert dialog.import_button.isEnabled()
