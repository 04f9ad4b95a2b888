"""The answers of one survey, typed by keyboard only.

One small field per question: digits only (1–5 for the criteria, 0–10 for NPS, 1–7 for the
effort question). A complete answer moves on by itself (NPS waits after "1", which may become
"10"); Tab and Enter move on too. After the last number the cursor goes to the suggestion;
Enter there (or Enter on the last number, or Ctrl+Enter anywhere) saves, Shift+Enter starts a
new line of the suggestion. Out-of-range numbers are shown in red beside the field at once.
The form also shows which follow-up the answers will trigger (detractor NPS, any item of 2 or
lower).
"""

from __future__ import annotations

import logging
from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from branch_crm.errors import CrmError, ValidationError
from branch_crm.i18n import _, current_language
from branch_crm.models.stored_text import render
from branch_crm.services.surveys import entry, follow_ups
from branch_crm.services.surveys.template import SurveyItem, TemplateView
from branch_crm.ui.context import AppContext
from branch_crm.ui.counter.widgets import business_today
from branch_crm.ui.messages import ERROR_LABEL_STYLE

log = logging.getLogger(__name__)


DIGIT_KEYS = {getattr(Qt.Key, f"Key_{d}"): str(d) for d in range(10)}
PASS_KEYS = {
    Qt.Key.Key_Backspace,
    Qt.Key.Key_Delete,
    Qt.Key.Key_Left,
    Qt.Key.Key_Right,
    Qt.Key.Key_Home,
    Qt.Key.Key_End,
    Qt.Key.Key_Tab,
    Qt.Key.Key_Backtab,
    Qt.Key.Key_Escape,
}


def complaint_categories(*, session: Session) -> dict[str, str]:
    """code -> label of the complaint categories (the defaults before any were seeded)."""
    from branch_crm.models import ReferenceKind
    from branch_crm.services.complaints import reference

    kind = ReferenceKind.COMPLAINT_CATEGORY
    labels = dict(reference.code_labels(session, kind))
    return labels or {code.code: code.label for code in reference.default_codes(kind)}


class AnswerField(QLineEdit):
    """A number answer: digits only, range-checked as typed, moves on when complete."""

    sig_complete = Signal(bool)
    """The answer is complete: True when Enter was pressed, False when typed in full."""
    sig_problem = Signal(str)
    """The message to show beside the field ("" when the value is fine)."""

    def __init__(
        self, template: TemplateView, item: SurveyItem, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.template = template
        self.item = item
        self.setObjectName(f"answer_{item.code}")
        self.setMaxLength(2)
        self.setFixedWidth(48)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.textEdited.connect(self._on_text_edited)

    def value(self) -> int | None:
        """The answer (None when blank); ValueError with a message when out of range."""
        return entry.parse_answer(self.template, self.item.code, self.text())

    def problem(self) -> str:
        """The message for the current text, "" when it is a valid answer or blank."""
        try:
            self.value()
        except ValueError as exc:
            return str(exc)
        return ""

    def _complete(self) -> bool:
        text = self.text()
        if not text or self.problem():
            return False
        # "1" may still become "10" when 10 is allowed
        return not (self.item.high >= 10 and text == "1")

    def _on_text_edited(self, _text: str) -> None:
        problem = self.problem()
        self.sig_problem.emit(problem)
        if not problem and self._complete():
            self.sig_complete.emit(False)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Digits and editing keys only; Enter accepts the answer as it is."""
        key = Qt.Key(event.key())
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            problem = self.problem()
            self.sig_problem.emit(problem)
            if not problem:
                self.sig_complete.emit(True)
            return
        if (
            key in DIGIT_KEYS
            or key in PASS_KEYS
            or event.modifiers()
            & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
        ):
            super().keyPressEvent(event)
            return
        event.accept()  # letters and symbols are not answers


class SuggestionEdit(QPlainTextEdit):
    """The open suggestion: Enter saves the form, Shift+Enter starts a new line."""

    sig_submit = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter submits; with Shift it is a line break."""
        key = Qt.Key(event.key())
        shift = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not shift:
            event.accept()
            self.sig_submit.emit()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.insertPlainText("\n")
            return
        super().keyPressEvent(event)


class AnswerForm(QWidget):
    """The questions of a template with their answer fields, suggestion, date, complaint."""

    sig_submit = Signal()
    """Enter on the last answer or in the suggestion: save."""
    sig_changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("surveyAnswerForm")
        self.ctx = ctx
        self.template: TemplateView | None = None
        self.fields: dict[str, AnswerField] = {}
        self.problems: dict[str, QLabel] = {}
        self.questions: dict[str, QLabel] = {}
        self.ranges: dict[str, QLabel] = {}
        self.numbers: dict[str, QLabel] = {}
        self.grid = QGridLayout()
        self.grid.setColumnStretch(1, 1)
        self.suggestion_label = QLabel(self)
        self.suggestion = SuggestionEdit(self)
        self.suggestion.setObjectName("surveySuggestion")
        self.suggestion.setTabChangesFocus(True)
        self.suggestion.setMaximumHeight(70)
        self.date_label = QLabel(self)
        self.answered_on = QDateEdit(self)
        self.answered_on.setObjectName("surveyAnsweredOn")
        self.answered_on.setCalendarPopup(True)
        self.answered_on.setDisplayFormat("yyyy-MM-dd")
        self.answered_on.setMaximumDate(business_today())
        self.answered_on.setDate(business_today())
        self.complaint = QCheckBox(self)
        self.complaint.setObjectName("surveyRaiseComplaint")
        self.category = QComboBox(self)
        self.category.setObjectName("surveyComplaintCategory")
        self.category.setEnabled(False)
        self.follow_up = QLabel(self)
        self.follow_up.setObjectName("surveyFollowUp")
        self.follow_up.setWordWrap(True)
        self.follow_up.setStyleSheet("color: #B25E00; font-weight: bold;")
        self.form_error = QLabel(self)
        self.form_error.setObjectName("surveyFormError")
        self.form_error.setStyleSheet(ERROR_LABEL_STYLE)
        self.form_error.setWordWrap(True)
        self.form_error.setVisible(False)
        self._layout()
        self.complaint.toggled.connect(self.category.setEnabled)
        self.suggestion.textChanged.connect(self.sig_changed)
        self.suggestion.sig_submit.connect(self.sig_submit)

    def _layout(self) -> None:
        extra = QGridLayout()
        extra.addWidget(self.suggestion_label, 0, 0, Qt.AlignmentFlag.AlignTop)
        extra.addWidget(self.suggestion, 0, 1, 1, 3)
        extra.addWidget(self.date_label, 1, 0)
        extra.addWidget(self.answered_on, 1, 1)
        complaint = QHBoxLayout()
        complaint.addWidget(self.complaint)
        complaint.addWidget(self.category)
        complaint.addStretch(1)
        extra.addLayout(complaint, 1, 2, 1, 2)
        extra.setColumnStretch(3, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.grid)
        layout.addLayout(extra)
        layout.addWidget(self.follow_up)
        layout.addWidget(self.form_error)

    # --- questions -----------------------------------------------------------------------------

    def set_template(self, template: TemplateView) -> None:
        """Build one row per numbered question of ``template`` (clears the answers)."""
        if self.template is not None and self.template.id == template.id:
            self.clear()
            return
        for widget in [
            *self.fields.values(),
            *self.problems.values(),
            *self.questions.values(),
            *self.ranges.values(),
            *self.numbers.values(),
        ]:
            self.grid.removeWidget(widget)
            widget.deleteLater()
        self.fields, self.problems, self.questions, self.ranges = {}, {}, {}, {}
        self.numbers = {}
        self.template = template
        items = template.scored()
        for row, item in enumerate(items):
            self._add_row(row, template, item)
        previous: QWidget | None = None
        for code in self.fields:
            if previous is not None:
                QWidget.setTabOrder(previous, self.fields[code])
            previous = self.fields[code]
        if previous is not None:
            QWidget.setTabOrder(previous, self.suggestion)
        self.retranslate_ui()
        self.clear()
        self.load_categories()

    def load_categories(self) -> None:
        """Fill the complaint categories from the head-office list."""
        try:
            self.set_categories(self.ctx.read(complaint_categories))
        except CrmError as exc:
            log.warning("complaint categories unavailable: %s", exc.message)

    def _add_row(self, row: int, template: TemplateView, item: SurveyItem) -> None:
        question = QLabel(self)
        question.setWordWrap(True)
        field = AnswerField(template, item, self)
        hint = QLabel(f"{item.low}–{item.high}", self)
        problem = QLabel(self)
        problem.setObjectName(f"error_{item.code}")
        problem.setStyleSheet(ERROR_LABEL_STYLE)
        number = QLabel(f"{row + 1}.", self)
        for column, widget in enumerate((number, question, field, hint, problem)):
            self.grid.addWidget(widget, row, column)
            widget.show()  # at once: the layout would show it only later (focus needs it now)
        self.numbers[item.code] = number
        self.fields[item.code] = field
        self.problems[item.code] = problem
        self.questions[item.code] = question
        self.ranges[item.code] = hint
        field.sig_problem.connect(lambda text, c=item.code: self._show_problem(c, text))
        field.sig_complete.connect(lambda by_enter, c=item.code: self._advance(c, by_enter))
        field.textChanged.connect(lambda _t: self._on_answers_changed())

    def retranslate_ui(self) -> None:
        """Question texts in the screen language and every label."""
        language = current_language()
        if self.template is not None:
            for item in self.template.scored():
                self.questions[item.code].setText(item.text(language))
                self.fields[item.code].setAccessibleName(item.text(language))
        self.suggestion_label.setText(_("Suggestion:"))
        self.suggestion.setAccessibleName(_("Suggestion"))
        self.date_label.setText(_("Answered on:"))
        self.answered_on.setAccessibleName(_("Answered on"))
        self.complaint.setText(_("Also raise a complaint"))
        self._update_follow_up()

    def set_categories(self, labels: dict[str, str]) -> None:
        """Complaint categories (code -> label) for the optional complaint."""
        current = self.category.currentData()
        self.category.clear()
        for code, label in labels.items():
            self.category.addItem(label, code)
        index = self.category.findData(current or "other")
        self.category.setCurrentIndex(max(0, index))

    # --- moving and checking -------------------------------------------------------------------

    def _advance(self, code: str, by_enter: bool = False) -> None:
        codes = list(self.fields)
        index = codes.index(code)
        if index + 1 < len(codes):
            self.fields[codes[index + 1]].setFocus()
            self.fields[codes[index + 1]].selectAll()
        elif by_enter:
            self.sig_submit.emit()
        else:  # the last number typed: the suggestion may follow (Enter there saves)
            self.suggestion.setFocus()

    def _show_problem(self, code: str, text: str) -> None:
        self.problems[code].setText(text)
        self.fields[code].setProperty("invalid", bool(text))

    def _on_answers_changed(self) -> None:
        self.form_error.setVisible(False)
        self._update_follow_up()
        self.sig_changed.emit()

    def _update_follow_up(self) -> None:
        if self.template is None:
            self.follow_up.clear()
            return
        reasons = follow_ups.follow_up_reasons(self.template, self.valid_answers())
        self.follow_up.setText(
            _("A follow-up task will be created: {reasons}").format(
                reasons=_(", ").join(render(reason) for reason in reasons)
            )
            if reasons
            else ""
        )

    def valid_answers(self) -> dict[str, int | None]:
        """The answers that are valid now (invalid ones count as blank)."""
        out: dict[str, int | None] = {}
        for code, field in self.fields.items():
            try:
                out[code] = field.value()
            except ValueError:
                out[code] = None
        return out

    # --- data ----------------------------------------------------------------------------------

    def focus_first(self) -> None:
        """Put the cursor on the first question."""
        if self.fields:
            first = next(iter(self.fields.values()))
            first.setFocus()
            first.selectAll()

    def clear(self) -> None:
        """Blank answers, today's date, no complaint."""
        for code, field in self.fields.items():
            field.clear()
            self._show_problem(code, "")
        self.suggestion.clear()
        self.answered_on.setMaximumDate(business_today())
        self.answered_on.setDate(business_today())
        self.complaint.setChecked(False)
        self.form_error.setVisible(False)
        self._update_follow_up()

    def load(self, view: entry.ResponseView) -> None:
        """Show stored answers (for a correction)."""
        self.clear()
        for code, value in view.answers.items():
            if code in self.fields:
                self.fields[code].setText(str(value))
        self.suggestion.setPlainText(view.suggestion or "")
        day = view.answered_on
        self.answered_on.setDate(QDate(day.year, day.month, day.day))

    def data(self) -> entry.ResponseInput:
        """The form as service input; ValidationError (by item code) for bad numbers."""
        answers: dict[str, int | None] = {}
        errors: dict[str, str] = {}
        for code, field in self.fields.items():
            try:
                answers[code] = field.value()
            except ValueError as exc:
                errors[code] = str(exc)
        if errors:
            raise ValidationError(errors)
        qdate = self.answered_on.date()
        return entry.ResponseInput(
            answers=answers,
            suggestion=self.suggestion.toPlainText().strip() or None,
            answered_on=date(qdate.year(), qdate.month(), qdate.day()),
            raise_complaint=self.complaint.isChecked(),
            complaint_category=str(self.category.currentData() or "other"),
        )

    def show_errors(self, exc: ValidationError) -> None:
        """Messages beside the questions; the rest under the form."""
        others = []
        first: AnswerField | None = None
        for key, message in exc.fields.items():
            if key in self.fields:
                self._show_problem(key, message)
                first = first or self.fields[key]
            else:
                others.append(message)
        self.form_error.setText("\n".join(others))
        self.form_error.setVisible(bool(others))
        if first is not None:
            first.setFocus()
            first.selectAll()
