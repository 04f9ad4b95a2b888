"""What can be done with a selected care task, shared by the Today card and the follow-ups
page: done with a note, cancel, postpone, reassign (supervisors), record the visit or call
made for it, open its customer. Each checks the right first (a courier may close and
postpone the tasks assigned to them) and opens its dialog modally."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QTableView, QWidget

from branch_crm.errors import CrmError
from branch_crm.services.care import follow_ups
from branch_crm.ui import messages
from branch_crm.ui.care.dialogs import (
    CANCEL,
    DONE,
    CloseFollowUpDialog,
    PostponeDialog,
    ReassignDialog,
)
from branch_crm.ui.care.visit_dialog import VisitDialog
from branch_crm.ui.context import AppContext

__all__ = [
    "TaskTable",
    "cancel_task",
    "mark_done",
    "may_cancel",
    "may_close",
    "may_postpone",
    "may_reassign",
    "open_task_customer",
    "postpone_task",
    "reassign_task",
    "record_visit_for_task",
]


class TaskTable(QTableView):
    """Enter opens the customer (the view would otherwise only move the cursor)."""

    sig_enter = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Qt: Enter/Return -> sig_enter."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self.sig_enter.emit()
            return
        super().keyPressEvent(event)


def may_close(ctx: AppContext, row: follow_ups.FollowUp | None) -> bool:
    """Done… is allowed on ``row`` (staff who work tasks; a courier on their own)."""
    return row is not None and follow_ups.may_close(ctx.actor, row.assignee_id)


def may_postpone(ctx: AppContext, row: follow_ups.FollowUp | None) -> bool:
    """Postpone… is allowed on ``row`` (the same people who may close it)."""
    return may_close(ctx, row)


def may_cancel(ctx: AppContext, row: follow_ups.FollowUp | None) -> bool:
    """Cancel… is allowed on ``row`` (counter staff and supervisors)."""
    return row is not None and follow_ups.may_work(ctx.actor)


def may_reassign(ctx: AppContext, row: follow_ups.FollowUp | None) -> bool:
    """Reassign… is allowed (supervisors)."""
    return row is not None and follow_ups.may_reassign(ctx.actor)


def _run(dialog: QDialog) -> QDialog:
    dialog.exec()
    return dialog


def mark_done(ctx: AppContext, row: follow_ups.FollowUp | None, parent: QWidget) -> QDialog | None:
    """Done… with what the customer was told; the dialog (None when not allowed)."""
    if row is None or not may_close(ctx, row):
        return None
    return _run(CloseFollowUpDialog(ctx, row, DONE, parent))


def cancel_task(
    ctx: AppContext, row: follow_ups.FollowUp | None, parent: QWidget
) -> QDialog | None:
    """Cancel… with a reason; the dialog (None when not allowed)."""
    if row is None or not may_cancel(ctx, row):
        return None
    return _run(CloseFollowUpDialog(ctx, row, CANCEL, parent))


def postpone_task(
    ctx: AppContext, row: follow_ups.FollowUp | None, parent: QWidget
) -> QDialog | None:
    """Postpone… to a later day; the dialog (None when not allowed)."""
    if row is None or not may_postpone(ctx, row):
        return None
    return _run(PostponeDialog(ctx, row, parent))


def reassign_task(
    ctx: AppContext, row: follow_ups.FollowUp | None, parent: QWidget
) -> QDialog | None:
    """Reassign… (supervisors); the dialog (None when not allowed or the staff unreadable)."""
    if row is None or not may_reassign(ctx, row):
        return None
    try:
        staff = ctx.read(follow_ups.assignable_staff)
    except CrmError as exc:
        messages.show_error(parent, exc)
        return None
    return _run(ReassignDialog(ctx, row, staff, parent))


def record_visit_for_task(
    ctx: AppContext, row: follow_ups.FollowUp | None, parent: QWidget
) -> QDialog | None:
    """Record the visit, call or message made for ``row`` (closing it); the dialog."""
    if row is None:
        return None
    return _run(VisitDialog.for_task(ctx, row, parent))


def open_task_customer(ctx: AppContext, row: follow_ups.FollowUp | None) -> None:
    """The profile of the task's customer."""
    if row is None:
        return
    from branch_crm.ui.counter import actions

    actions.open_customer(ctx, row.customer_id)
