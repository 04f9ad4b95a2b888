"""Counter desk actions reachable from several places: open a customer, new customer,
pickup sheet. One profile window per customer (opening it again raises it)."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtWidgets import QWidget

from branch_crm.db import default_data_dir
from branch_crm.i18n import _
from branch_crm.models import Role
from branch_crm.timeutil import to_local, utcnow
from branch_crm.ui import messages
from branch_crm.ui.context import AppContext

if TYPE_CHECKING:
    from branch_crm.ui.counter.profile import CustomerProfileDialog

log = logging.getLogger(__name__)

MAX_SHEET_CUSTOMERS = 300
"""A courier's round fits on a sheet; more is almost certainly a select-all by mistake."""

_open: dict[str, CustomerProfileDialog] = {}
"""Profile windows now open, by customer id (keeps them alive and avoids duplicates)."""


def _parent(ctx: AppContext, parent: QWidget | None) -> QWidget | None:
    return parent if parent is not None else ctx.main_window


def open_customer(
    ctx: AppContext, customer_id: str, parent: QWidget | None = None
) -> CustomerProfileDialog:
    """Show the profile of ``customer_id`` (raising it when already open)."""
    from branch_crm.ui.counter.profile import CustomerProfileDialog

    dialog = _open.get(customer_id)
    if dialog is not None and not shiboken6.isValid(dialog):
        _open.pop(customer_id, None)
        dialog = None
    if dialog is not None:
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog
    dialog = CustomerProfileDialog(ctx, customer_id=customer_id, parent=_parent(ctx, parent))
    _open_others(ctx, dialog)
    _track(dialog)
    dialog.show()
    return dialog


def new_customer(
    ctx: AppContext, *, name: str = "", phone: str = "", parent: QWidget | None = None
) -> CustomerProfileDialog:
    """An empty profile for a new customer, prefilled with what the counter typed."""
    from branch_crm.ui.counter.profile import CustomerProfileDialog

    dialog = CustomerProfileDialog(
        ctx, prefill_name=name, prefill_phone=phone, parent=_parent(ctx, parent)
    )
    _open_others(ctx, dialog)
    dialog.sig_created.connect(lambda _id, d=dialog: _track(d))
    dialog.show()
    return dialog


def _open_others(ctx, dialog: CustomerProfileDialog) -> None:  # type: ignore[no-untyped-def]
    """Open the profiles that ``dialog`` asks for (a duplicate phone's owner) beside it."""
    dialog.sig_open_customer.connect(
        lambda customer_id, d=dialog: open_customer(ctx, customer_id, parent=d.parentWidget())
    )


def _track(dialog: CustomerProfileDialog) -> None:
    if dialog.customer_id is None:
        return
    customer_id = dialog.customer_id
    _open[customer_id] = dialog
    dialog.finished.connect(lambda _r: _forget(customer_id, dialog))
    dialog.destroyed.connect(lambda _o=None: _forget(customer_id, dialog))


def _forget(customer_id: str, dialog: CustomerProfileDialog) -> None:
    if _open.get(customer_id) is dialog:
        del _open[customer_id]


def open_profiles() -> list[CustomerProfileDialog]:
    """Profile windows open now (tests and the main window's close look at them)."""
    return [d for d in _open.values() if shiboken6.isValid(d) and d.isVisible()]


def sheet_path(now: datetime | None = None) -> Path:
    """Where a freshly built pickup sheet goes before the user saves it elsewhere (named by
    the branch's local time, like the time printed on the sheet)."""
    stamp = to_local(now or utcnow()).strftime("%Y%m%d-%H%M%S")
    folder = default_data_dir() / "pickup-sheets"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"pickup-sheet-{stamp}.pdf"


def pickup_sheet(ctx: AppContext, customer_ids: list[str], parent: QWidget | None = None) -> None:
    """Build the courier pickup sheet of ``customer_ids`` off the GUI thread, then offer it."""
    if not customer_ids:
        messages.info(parent, _("Select one or more customers first."))
        return
    from branch_crm.services.customers.pickup_sheet import build_pickup_sheet

    courier = ctx.actor.display_name if ctx.actor.role == Role.COURIER else None

    def on_result(path: Path) -> None:
        from branch_crm.ui.counter.pickup_sheet import PickupSheetReady

        dialog = PickupSheetReady(Path(path), len(customer_ids), parent=parent)
        dialog.open()

    ctx.submit(
        build_pickup_sheet,
        kwargs={
            "customer_ids": list(customer_ids),
            "output": sheet_path(),
            "courier_name": courier,
        },
        on_result=on_result,
        on_error=lambda exc: messages.show_error(parent, exc),
        title=_("Building the pickup sheet…"),
    )
