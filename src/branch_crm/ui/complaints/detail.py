"""Complaint detail: facts, SLA clocks, the timeline and the workflow actions.

Every action is a button with a keyboard shortcut (shown in its tooltip); a button the role
or the state does not allow is disabled and its tooltip says why. One window per complaint.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from branch_crm.errors import CrmError
from branch_crm.i18n import N_, _
from branch_crm.models import ComplaintStatus
from branch_crm.reference.roles import Permission
from branch_crm.services.complaints import events as cs_events
from branch_crm.services.complaints import labels, reference, views, workflow
from branch_crm.services.complaints import labels as sla_labels
from branch_crm.services.complaints import queue as cq
from branch_crm.services.complaints.labels import format_minutes
from branch_crm.services.permissions import allowed
from branch_crm.timeutil import to_local, utcnow
from branch_crm.ui import messages
from branch_crm.ui.complaints import visuals
from branch_crm.ui.complaints.step_dialog import StepDialog, combo, money_field, text_field
from branch_crm.ui.context import AppContext
from branch_crm.ui.icons import icon
from branch_crm.ui.widgets.screen_fit import fit_window

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Action:
    """A button of the detail window."""

    key: str
    label: str
    shortcut: str
    icon: str
    steps: tuple[str, ...]
    """Workflow steps behind it; the button is enabled when any of them is allowed."""


ACTIONS = (
    Action("accept", N_("Accept and start"), "F2", "complaint_accept", ("accept",)),
    Action("wait", N_("Wait for customer"), "F3", "complaint_paused", ("wait",)),
    Action("resume", N_("Resume"), "F4", "complaint_accept", ("resume",)),
    Action("feedback", N_("Give feedback"), "F5", "complaint_feedback", ("feedback",)),
    Action("close", N_("Close…"), "F6", "complaint_closed", ("close", "force_close")),
    Action("reopen", N_("Reopen"), "F7", "complaint_reopened", ("reopen",)),
    Action("note", N_("Note"), "F8", "complaint_note", ("note",)),
    Action("compensation", N_("Compensation"), "F9", "complaint_compensation", ("compensation",)),
    Action("regrade", N_("Regrade"), "Ctrl+G", "complaint_regrade", ("regrade",)),
    Action("assign_me", N_("Take over"), "Ctrl+T", "complaint_assign", ("assign_me",)),
)

_open: dict[str, ComplaintDetailDialog] = {}


def open_complaint(
    ctx: AppContext, complaint_id: str, parent: QWidget | None = None
) -> ComplaintDetailDialog:
    """Show the detail of ``complaint_id`` (raising it when already open)."""
    dialog = _open.get(complaint_id)
    if dialog is None:
        dialog = ComplaintDetailDialog(ctx, complaint_id, parent=parent)
        _open[complaint_id] = dialog
        dialog.finished.connect(lambda _r, cid=complaint_id: _open.pop(cid, None))
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog


def open_details() -> list[ComplaintDetailDialog]:
    """Detail windows open now."""
    return list(_open.values())


class ComplaintDetailDialog(QDialog):
    """One complaint: what, who, when it is due, what happened, what can be done now."""

    sig_changed = Signal(str)

    def __init__(self, ctx: AppContext, complaint_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("complaintDetail")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.ctx = ctx
        self.complaint_id = complaint_id
        self.view: views.ComplaintView | None = None
        self._events: list[cs_events.EventView] = []
        self.step_dialog: StepDialog | None = None
        self.buttons: dict[str, QPushButton] = {}
        self._build()
        ctx.bus.sig_data_changed.connect(self._on_bus_data_changed)
        self.retranslate_ui()
        self.reload()
        fit_window(self, (900, 720))

    # -- construction -----------------------------------------------------------------
    def _build(self) -> None:
        self.header = QLabel(self)
        self.header.setObjectName("complaintHeader")
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.header.font()
        font.setPointSize(font.pointSize() + 3)
        self.header.setFont(font)
        self.customer_button = QPushButton(self)
        self.customer_button.setObjectName("complaintOpenCustomer")
        self.customer_button.clicked.connect(self.open_customer)
        self.facts = QGroupBox(self)
        self.fact_labels: dict[str, tuple[QLabel, QLabel]] = {}
        facts = QFormLayout(self.facts)
        for key in FACTS:
            caption, value = QLabel(self.facts), QLabel(self.facts)
            value.setObjectName(f"complaintFact_{key}")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            facts.addRow(caption, value)
            self.fact_labels[key] = (caption, value)
        self.description = QPlainTextEdit(self)
        self.description.setObjectName("complaintDescriptionView")
        self.description.setReadOnly(True)
        self.description.setMaximumHeight(150)
        self.timeline = QTreeWidget(self)
        self.timeline.setObjectName("complaintTimeline")
        self.timeline.setRootIsDecorated(False)
        self.timeline.setColumnCount(4)
        self.timeline.setWordWrap(True)
        self.timeline.setUniformRowHeights(False)
        self.timeline.setIconSize(QSize(24, 24))  # attachments show their thumbnail
        for column, width in enumerate((130, 330, 100)):
            self.timeline.setColumnWidth(column, width)
        action_box = QGridLayout()
        for i, action in enumerate(ACTIONS):
            button = QPushButton(self)
            button.setObjectName(f"complaintAction_{action.key}")
            button.setIcon(visuals.named_icon(action.icon))
            button.setAutoDefault(False)
            button.clicked.connect(partial(self.run_action, action.key))
            action_box.addWidget(button, i // 5, i % 5)
            self.buttons[action.key] = button
        self.print_button = self._make_print_button()
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.print_button)
        top.addWidget(self.customer_button)
        self._build_delete_button(top)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.facts)
        layout.addLayout(action_box)
        layout.addLayout(self._build_middle())
        layout.addWidget(self.timeline, 1)

    def _build_delete_button(self, row: QHBoxLayout) -> None:
        """Delete… for supervisors (issue 19: a complaint entered by mistake)."""
        self.delete_button: QPushButton | None = None
        if allowed(self.ctx.actor, Permission.RECORD_DELETE):
            self.delete_button = QPushButton(icon("record_delete"), "", self)
            self.delete_button.setObjectName("complaintDelete")
            self.delete_button.setAutoDefault(False)
            self.delete_button.clicked.connect(self.delete_complaint)
            row.addWidget(self.delete_button)

    def _make_print_button(self) -> QPushButton:
        button = QPushButton(self)
        button.setObjectName("complaintPrint")
        button.setIcon(visuals.named_icon("print"))
        button.setAutoDefault(False)
        button.clicked.connect(self.print_complaint)
        return button

    def _build_middle(self) -> QHBoxLayout:
        """What happened beside its photos and scans (the timeline keeps its room); an
        attachment's event on the timeline opens it."""
        from branch_crm.ui.attachments.strip import AttachmentStrip

        self.attachments = AttachmentStrip(self.ctx, "complaint", self.complaint_id, self)
        self.attachments.sig_changed.connect(self._after_step)
        self.timeline.itemActivated.connect(self._on_timeline_activated)
        middle = QHBoxLayout()
        middle.addWidget(self.description, 2)
        middle.addWidget(self.attachments, 3)
        return middle

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.setWindowTitle(_("Complaint"))
        self.facts.setTitle(_("Facts and service level"))
        for key, (caption, _value) in self.fact_labels.items():
            caption.setText(_(FACTS[key]))
        self.timeline.setHeaderLabels([_("When"), _("What"), _("Who"), _("Note")])
        self.timeline.setAccessibleName(_("Complaint timeline"))
        self.description.setAccessibleName(_("What happened"))
        self.customer_button.setText(_("Customer profile"))
        self.print_button.setText(_("Print…"))
        self.print_button.setShortcut(QKeySequence.StandardKey.Print)
        self.print_button.setToolTip(_("Print the complaint with its photos (Ctrl+P)"))
        self.print_button.setAccessibleName(_("Print the complaint"))
        self.customer_button.setToolTip(_("Open the customer's profile"))
        if self.delete_button is not None:
            self.delete_button.setText(_("Delete… (Ctrl+Shift+D)"))
            self.delete_button.setShortcut(QKeySequence("Ctrl+Shift+D"))
            self.delete_button.setAccessibleName(_("Delete this complaint"))
            self.delete_button.setToolTip(
                _("Delete a complaint entered by mistake (with a reason)")
            )
        for action in ACTIONS:
            button = self.buttons[action.key]
            button.setText(f"{_(action.label)} ({action.shortcut})")
            button.setShortcut(QKeySequence(action.shortcut))  # setText() resets it
            button.setAccessibleName(_(action.label))
        if self.view is not None:
            self._show(self.view, self._events)

    # -- data -----------------------------------------------------------------------
    def reload(self) -> None:
        """Read the complaint and its timeline again."""
        try:
            view = self.ctx.read(views.get_complaint, complaint_id=self.complaint_id)
            events = self.ctx.read(cs_events.complaint_events, complaint_id=self.complaint_id)
        except CrmError as exc:
            messages.show_error(self, exc)
            return
        self._show(view, events)

    def _show(self, view: views.ComplaintView, events: list[cs_events.EventView]) -> None:
        self.view, self._events = view, events
        self.setWindowTitle(_("Complaint {number}").format(number=view.number))
        self.header.setText(
            f"{view.number} · {view.status_label} · {labels.grade_label(view.grade)} · "
            f"{view.customer_name}"
        )
        self.header.setAccessibleName(self.header.text())
        for key, (_caption, label) in self.fact_labels.items():
            label.setText(fact_text(key, view))
        self.description.setPlainText(view.description)
        self._show_timeline(events)
        self._enable_actions(view)

    def _show_timeline(self, events: list[cs_events.EventView]) -> None:
        self.timeline.clear()
        for event in reversed(events):  # newest first
            item = QTreeWidgetItem(
                [
                    f"{to_local(event.at):%Y-%m-%d %H:%M}",
                    event.title,
                    event.actor_name,
                    event.note or "",
                ]
            )
            item.setIcon(1, self._event_icon(event))
            item.setToolTip(3, event.note or "")
            item.setData(0, Qt.ItemDataRole.UserRole, event.kind)
            self.timeline.addTopLevelItem(item)

    def _event_icon(self, event: cs_events.EventView) -> QIcon:
        """The event's icon; an attachment's own thumbnail for an attachment added."""
        if event.kind == "attachment":
            from branch_crm.ui.attachments.strip import thumbnail

            found = next((v for v in self.attachments.views
                          if v.id == event.data.get("attachment_id")), None)  # fmt: skip
            if found is not None:
                return thumbnail(found, 48)
        return visuals.event_icon(event.kind)

    def _on_timeline_activated(self, item: QTreeWidgetItem) -> None:
        """Enter or a double-click on an attachment's event opens the attachment."""
        row = self.timeline.indexOfTopLevelItem(item)
        events = list(reversed(self._events))
        if not 0 <= row < len(events) or events[row].kind != "attachment":
            return
        wanted = events[row].data.get("attachment_id")
        for index, view in enumerate(self.attachments.views):
            if view.id == wanted:
                self.attachments.list.setCurrentRow(index)
                self.attachments.open_selected()
                return

    def _enable_actions(self, view: views.ComplaintView) -> None:
        steps = workflow.available_steps(self.ctx.actor, view.status)
        for action in ACTIONS:
            reasons = [steps[s] for s in action.steps]
            enabled = any(r is None for r in reasons)
            button = self.buttons[action.key]
            button.setEnabled(enabled)
            hint = _("Shortcut: {key}").format(key=action.shortcut)
            if not enabled:
                hint = f"{reasons[0]} ({hint})"
            button.setToolTip(hint)
        if view.assignee_id == self.ctx.actor.staff_id:
            self.buttons["assign_me"].setEnabled(False)
            self.buttons["assign_me"].setToolTip(_("You are already the assignee."))

    def _on_bus_data_changed(self, what: frozenset[str]) -> None:
        if "complaint" in what or "sync" in what:
            self.attachments.reload()
            self.reload()

    def delete_complaint(self) -> None:
        """Delete this complaint, entered by mistake (supervisors; undo offered)."""
        if self.view is None:
            return
        from branch_crm.ui.records.actions import delete_complaint

        delete_complaint(self.ctx, self.complaint_id, self.view.number, self)

    def open_customer(self) -> None:
        """Open the complaining customer's profile."""
        if self.view is None:
            return
        from branch_crm.ui.counter import actions

        actions.open_customer(self.ctx, self.view.customer_id)

    def print_complaint(self) -> None:
        """The complaint and its photos as a PDF, in the print preview."""
        from branch_crm.services.attachments.printout import print_complaint
        from branch_crm.ui.attachments.strip import printout_path

        output = printout_path(f"complaint-{self.view.number if self.view else 'x'}")
        self.ctx.submit(print_complaint, kwargs={"complaint_id": self.complaint_id,
                                                 "output": output},
                        kind="cpu", on_result=self._on_printed)  # fmt: skip

    def _on_printed(self, path: object) -> None:
        from pathlib import Path

        from branch_crm.ui.printing.preview import preview_pdf

        self.preview = preview_pdf(self, Path(str(path)), self.windowTitle())

    # -- actions --------------------------------------------------------------------
    def run_action(self, key: str) -> None:
        """Do the action behind button ``key`` (a small form first where one is needed)."""
        if self.view is None or not self.buttons[key].isEnabled():
            return
        direct: dict[str, Callable[..., Any]] = {
            "accept": workflow.accept_complaint,
            "resume": workflow.resume_complaint,
            "assign_me": workflow.assign_to_me,
        }
        if key in direct:
            self._call(direct[key])
            return
        builder = getattr(self, f"_form_{key}")
        dialog: StepDialog = builder(self.view)
        self.step_dialog = dialog
        dialog.accepted.connect(self._after_step)
        dialog.open()

    def _call(self, fn: Callable[..., Any], **kwargs: Any) -> None:
        """Write a step without a form; refresh and announce once stored, explain a refusal."""
        self.ctx.write(
            fn,
            complaint_id=self.complaint_id,
            **kwargs,
            busy=self,
            on_done=lambda _result: self._after_step(),
            on_error=self._on_step_failed,
        )

    def _on_step_failed(self, exc: BaseException) -> None:
        messages.show_error(self, exc)
        self.reload()

    def _after_step(self) -> None:
        self.ctx.bus.changed("complaint")
        self.reload()
        self.sig_changed.emit(self.complaint_id)

    def _form(self, title: str, fields: list[tuple[str, str, QWidget]], fn: Callable[..., Any],
              intro: str = "") -> StepDialog:  # fmt: skip
        fixed = {"complaint_id": self.complaint_id}
        return StepDialog(title, fields, self.ctx, fn, fixed=fixed, intro=intro, parent=self)

    def _form_wait(self, view: views.ComplaintView) -> StepDialog:
        return self._form(
            _("Wait for the customer"),
            [("note", _("What are we waiting for?"), text_field(_("e.g. photos of the box")))],
            workflow.wait_for_customer,
            _("The resolution clock stops until you resume."),
        )

    def _form_feedback(self, view: views.ComplaintView) -> StepDialog:
        return self._form(
            _("Feedback to the customer"),
            [("note", _("What was the customer told?"), text_field())],
            workflow.give_feedback,
        )

    def _form_reopen(self, view: views.ComplaintView) -> StepDialog:
        return self._form(
            _("Reopen"),
            [("note", _("Why is the customer not satisfied?"), text_field())],
            workflow.reopen_complaint,
        )

    def _form_note(self, view: views.ComplaintView) -> StepDialog:
        return self._form(_("Note"), [("note", _("Note"), text_field())], workflow.add_note)

    def _form_close(self, view: views.ComplaintView) -> StepDialog:
        causes = self.ctx.read(reference.reference_codes, kind="root_cause")
        confirmed = QCheckBox()
        can_force = allowed(self.ctx.actor, Permission.COMPLAINT_SUPERVISE)
        # never ticked for the clerk: it records what the customer said, so someone ticks it;
        # it can be ticked only once feedback was given (the customer has something to confirm)
        confirmed.setChecked(False)
        confirmed.setEnabled(view.status == ComplaintStatus.FEEDBACK_GIVEN)
        confirmed.setText(_("The customer confirmed the solution"))
        if not can_force:
            confirmed.setToolTip(
                _("Tick it once the customer confirmed the solution; only a supervisor may "
                  "close without the customer's confirmation.")
            )  # fmt: skip
        return self._form(
            _("Close the complaint"),
            [
                ("root_cause", _("Root cause"),
                 combo([(_("— choose —"), "")] + [(c.label, c.code) for c in causes])),
                ("corrective_action", _("Corrective action"),
                 text_field(_("What changes so it does not happen again?"))),
                ("customer_confirmed", _("Confirmation"), confirmed),
                ("note", _("Note"), text_field()),
            ],
            workflow.close_complaint,
        )  # fmt: skip

    def _form_compensation(self, view: views.ComplaintView) -> StepDialog:
        limit = self.ctx.read(_limit)
        intro = _("Requested: {requested}. Up to {limit} without a supervisor.").format(
            requested=labels.format_money(view.compensation_requested_cents),
            limit=labels.format_money(limit),
        )
        return self._form(
            _("Compensation"),
            [
                ("amount_cents", _("Granted in total"), money_field(
                    view.compensation_granted_cents or view.compensation_requested_cents)),
                ("note", _("For what"), text_field()),
            ],
            workflow.grant_compensation,
            intro,
        )  # fmt: skip

    def _form_regrade(self, view: views.ComplaintView) -> StepDialog:
        return self._form(
            _("Regrade"),
            [
                ("grade", _("New grade"),
                 combo([(labels.grade_label(g), g) for g in labels.GRADES], view.grade)),
                ("reason", _("Reason"), text_field()),
            ],
            workflow.regrade_complaint,
            _("Due times are recomputed; a breach already recorded stays."),
        )  # fmt: skip


def _limit(*, session: Session) -> int:
    from branch_crm.services.settings import values as settings

    return int(settings.get(session, "complaint.compensation_limit_cents"))


FACTS: dict[str, str] = {
    "customer": N_("Customer"),
    "category": N_("Category"),
    "waybill": N_("Waybill"),
    "channel": N_("Channel"),
    "received": N_("Received"),
    "response": N_("Response"),
    "resolution": N_("Resolution"),
    "escalation": N_("Escalation"),
    "assignee": N_("Assignee"),
    "grade": N_("Grade"),
    "compensation": N_("Compensation"),
    "root_cause": N_("Root cause and corrective action"),
}


def _when(value: datetime | None) -> str:
    return f"{to_local(value):%Y-%m-%d %H:%M}" if value else "-"


def _clock(
    done: datetime | None, due: datetime | None, breached: bool, paused: bool = False
) -> str:
    """'due 11-23 10:00, 1 h 05 min left', 'done 11-23 09:40, on time', ..."""
    if done is not None:
        verdict = _("target missed") if breached else _("on time")
        return _("done {when}, {verdict}").format(when=_when(done), verdict=verdict)
    if due is None:
        return "-"
    if paused:
        return _("due {when}, paused while waiting for the customer").format(when=_when(due))
    left = (due - utcnow()).total_seconds()
    span = format_minutes(abs(left) / 60)
    if left < 0:
        return _("due {when}, overdue by {time}").format(when=_when(due), time=span)
    text = _("due {when}, {time} left").format(when=_when(due), time=span)
    if breached:
        text += " · " + cq.state_label(cq.BREACHED)
    return text


def fact_text(key: str, v: views.ComplaintView) -> str:
    """The text shown for one fact of a complaint."""
    texts: dict[str, Callable[[], str]] = {
        "customer": lambda: f"{v.customer_name}  {_phone(v.customer_phone)}",
        "category": lambda: v.category_label,
        "waybill": lambda: v.waybill_no or "-",
        "channel": lambda: labels.channel_label(v.channel),
        "received": lambda: _when(v.received_at),
        "response": lambda: _clock(v.responded_at, v.response_due_at, v.response_breached),
        "resolution": lambda: _clock(
            v.resolved_at, v.resolution_due_at, v.resolution_breached, v.paused_since is not None
        ),
        "escalation": lambda: sla_labels.escalation_label(v.escalation_level),
        "assignee": lambda: v.assignee_name or _("nobody yet"),
        "grade": lambda: _grade_text(v),
        "compensation": lambda: _("requested {requested}, granted {granted}").format(
            requested=labels.format_money(v.compensation_requested_cents),
            granted=labels.format_money(v.compensation_granted_cents),
        ),
        "root_cause": lambda: (
            f"{v.root_cause_label}: {v.corrective_action}" if v.root_cause_label else "-"
        ),
    }
    return texts[key]()


def _grade_text(v: views.ComplaintView) -> str:
    text = labels.grade_label(v.grade)
    if v.grade != v.suggested_grade:
        text += " " + _("(suggested {grade})").format(grade=labels.grade_label(v.suggested_grade))
    reasons = [v.grade_reason] if v.grade_reason else [r.text for r in v.grade_rules]
    if reasons:
        text += " — " + "; ".join(reasons)
    return text


def _phone(digits: str) -> str:
    from branch_crm.services.customers.search import format_phone

    return format_phone(digits) if digits else ""
