"""Settings dialog: language (live), branch, head office, sign-in rules, head-office policy
numbers with local overrides. Problems show beside the fields; nothing is saved until all
values are valid."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from branch_crm import i18n
from branch_crm.errors import ValidationError
from branch_crm.i18n import N_, _
from branch_crm.services.settings import form as settings_form
from branch_crm.services.settings.form import SettingView
from branch_crm.ui import keys, messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.messages import ERROR_LABEL_STYLE, FieldErrors
from branch_crm.ui.shell.language import notifier
from branch_crm.ui.shell.widgets import LanguageBox
from branch_crm.ui.widgets.screen_fit import fit_window

log = logging.getLogger(__name__)

TABS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("general", N_("General"), ("language", "branch.code", "branch.name", "company.name")),
    ("hq", N_("Head office"), ("hq.url", "hq.ca_file", "sync.interval_minutes")),
    ("auth", N_("Sign-in"), ("auth.max_failed_logins", "auth.lockout_minutes")),
    ("backup", N_("Backups"), ("backup.keep_days", "backup.folder")),
)
POLICY_TAB = ("policy", N_("Head-office rules"))
OTHER_TAB = ("other", N_("Other"))
INT_LIMIT = 1_000_000_000


def _format(value: object, money: bool = False) -> str:
    if money and isinstance(value, int | float):
        return f"¥{settings_form.yuan(value):,.2f}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _shown(view: SettingView, value: Any) -> Any:
    """A stored value as its editor shows it (yuan for an amount kept in fen)."""
    return settings_form.yuan(value) if view.money else value


def _stored(view: SettingView, value: Any) -> Any:
    """An editor's value as stored (fen for an amount typed in yuan)."""
    return settings_form.fen(value) if view.money else value


class PolicyEditor(QWidget):
    """Head office's value, an "override here" check box and the local value."""

    def __init__(self, view: SettingView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.head_office = QLabel(self)
        self.override = QCheckBox(self)
        self.override.setObjectName(f"override_{view.key}")
        self.value = _number_editor(view, self)
        self.value.setObjectName(f"setting_{view.key}")
        self.value.setFixedWidth(130)  # the same for whole and decimal numbers: columns align
        layout.addWidget(self.head_office, 1)
        layout.addWidget(self.override)
        layout.addWidget(self.value)
        self.override.setChecked(view.overridden)
        self.value.setEnabled(view.overridden and view.editable)
        self.override.setEnabled(view.editable)
        self.override.toggled.connect(self._on_override_toggled)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """Re-apply the translated texts."""
        self.head_office.setText(
            _("Head office: {value}").format(value=_format(self.view.head_office, self.view.money))
        )
        widest = _("Head office: {value}").format(value="0000000")  # columns line up
        self.head_office.setMinimumWidth(self.head_office.fontMetrics().horizontalAdvance(widest))
        self.override.setText(_("Override here"))
        self.override.setAccessibleName(
            _("Override {setting}").format(setting=_(settings_label(self.view.key)))
        )

    def _on_override_toggled(self, checked: bool) -> None:
        self.value.setEnabled(checked and self.view.editable)
        if not checked:
            self.value.setValue(_shown(self.view, self.view.head_office))


def settings_label(key: str) -> str:
    """The N_-marked label of a setting (translated by the caller)."""
    from branch_crm.services.settings.values import SETTINGS

    return SETTINGS[key].label


def _number_editor(view: SettingView, parent: QWidget) -> QSpinBox | QDoubleSpinBox:
    editor: QSpinBox | QDoubleSpinBox
    if view.money:  # kept in fen, typed in yuan
        editor = QDoubleSpinBox(parent)
        editor.setDecimals(2)
        editor.setSingleStep(10)
        editor.setPrefix("¥")
        editor.setGroupSeparatorShown(False)
        low = settings_form.yuan(view.minimum or 0)
        editor.setRange(low, settings_form.yuan(view.maximum or INT_LIMIT))
    elif view.kind == "float":
        editor = QDoubleSpinBox(parent)
        editor.setDecimals(2)
        editor.setSingleStep(0.05)
        editor.setRange(view.minimum or 0.0, view.maximum if view.maximum is not None else 1e9)
    else:
        editor = QSpinBox(parent)
        editor.setRange(
            int(view.minimum) if view.minimum is not None else -INT_LIMIT,
            int(view.maximum) if view.maximum is not None else INT_LIMIT,
        )
        editor.setGroupSeparatorShown(False)
    editor.setValue(_shown(view, view.value))
    editor.setMinimumWidth(110)
    return editor


class SettingsDialog(QDialog):
    """Every setting of services.settings, grouped in tabs."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("settings_dialog")
        fit_window(self, (900, 620))
        self.original_language = i18n.current_language()
        self.views = {v.key: v for v in ctx.read(settings_form.settings_overview)}
        self.editors: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        self.policy: dict[str, PolicyEditor] = {}
        self.errors = FieldErrors(self)

        layout = QVBoxLayout(self)
        self.read_only_note = QLabel(self)
        self.read_only_note.setObjectName("settings_read_only")
        self.read_only_note.setWordWrap(True)
        self.read_only_note.setVisible(not any(v.editable for k, v in self.views.items()
                                               if k != "language"))  # fmt: skip
        layout.addWidget(self.read_only_note)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("settings_tabs")
        layout.addWidget(self.tabs, 1)
        self.tab_titles: list[tuple[QWidget, str]] = []
        self._build_tabs()
        self._add_register_button()
        self.general_error = QLabel(self)
        self.general_error.setObjectName("settings_error")
        self.general_error.setStyleSheet(ERROR_LABEL_STYLE)
        self.general_error.setWordWrap(True)
        self.general_error.setVisible(False)
        layout.addWidget(self.general_error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("settings_ok")
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setObjectName("settings_cancel")
        self.buttons.accepted.connect(self.save)
        keys.save_shortcut(self, self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        notifier().sig_language_changed.connect(self._on_language_changed)
        self.retranslate_ui()

    # --- building ------------------------------------------------------------------------

    def _form_tab(self, title: str, keys: list[str], *, scroll: bool = False) -> None:
        page = QWidget()
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key in keys:
            view = self.views[key]
            editor = self._editor(view, page)
            label = QLabel(page)
            label.setBuddy(editor)
            label.setWordWrap(not scroll)  # wrapped labels get squeezed in a scroll area
            form.addRow(label, editor)
            self.labels[key] = label
            self.editors[key] = editor
            self.errors.add(key, editor)
        widget: QWidget = page
        if scroll:
            area = QScrollArea()
            area.setWidgetResizable(True)
            area.setWidget(page)
            widget = area
        self.tabs.addTab(widget, "")
        self.tab_titles.append((widget, title))

    def _add_register_button(self) -> None:
        """The Head office tab also registers this PC (a button under the address)."""
        from branch_crm.ui.sync.register_dialog import may_register

        editor = self.editors.get("hq.url")
        self.register_button: QPushButton | None = None
        if editor is None or not may_register(self.ctx.actor):
            return
        page = editor.parentWidget()
        assert page is not None  # every editor sits on a tab page
        form = page.layout()
        if isinstance(form, QFormLayout):
            self.register_button = QPushButton(page)
            self.register_button.setObjectName("settings_register_hq")
            self.register_button.clicked.connect(self._on_register_clicked)
            form.addRow("", self.register_button)

    def _on_register_clicked(self) -> None:
        from branch_crm.ui.sync.register_dialog import RegisterDialog

        RegisterDialog(self.ctx, self).exec()

    def _build_tabs(self) -> None:
        placed: set[str] = set()
        for _name, title, field_keys in TABS:
            present = [k for k in field_keys if k in self.views]
            placed.update(present)
            self._form_tab(title, present)
        policy = [k for k, v in self.views.items() if v.scope == "policy"]
        others = [k for k, v in self.views.items() if v.scope == "local" and k not in placed]
        self._form_tab(POLICY_TAB[1], policy, scroll=True)
        if others:
            self._form_tab(OTHER_TAB[1], others, scroll=True)

    def _editor(self, view: SettingView, parent: QWidget) -> QWidget:
        editor: QWidget
        if view.key == "language":
            box = LanguageBox(parent, live=True, with_default=True)
            box.select(str(view.value or ""))
            editor = box
        elif view.scope == "policy":
            policy = PolicyEditor(view, parent)
            self.policy[view.key] = policy
            editor = policy
        elif view.kind in ("int", "float"):
            editor = _number_editor(view, parent)
        else:
            line = QLineEdit(str(view.value or ""), parent)
            line.setMaxLength(
                settings_form.URL_MAX if view.key == "hq.url" else settings_form.NAME_MAX
            )
            editor = line
        if view.scope != "policy":
            editor.setObjectName(f"setting_{view.key}")
        editor.setEnabled(view.editable or view.scope == "policy")
        return editor

    # --- language ------------------------------------------------------------------------

    def retranslate_ui(self) -> None:
        """Re-apply every translated text (the language box switches the app live)."""
        self.setWindowTitle(_("Settings — Branch CRM"))
        self.setAccessibleName(_("Settings"))
        self.read_only_note.setText(
            _("Only an administrator can change these settings; you may change the language.")
        )
        for widget, title in self.tab_titles:
            self.tabs.setTabText(self.tabs.indexOf(widget), _(title))
        for key, label in self.labels.items():
            text = _(settings_label(key))
            label.setText(_("{label}:").format(label=text))
            self.editors[key].setAccessibleName(text)
        for policy in self.policy.values():
            policy.retranslate_ui()
        if "hq.url" in self.editors:
            editor = self.editors["hq.url"]
            if isinstance(editor, QLineEdit):
                editor.setPlaceholderText(_("for example https://hq.example.com"))
        if self.register_button is not None:
            self.register_button.setText(_("Register with head office…"))
        language = self.editors.get("language")
        if isinstance(language, LanguageBox):
            language.retranslate_ui()
        self.ok_button.setText(_("Save"))
        self.ok_button.setAccessibleName(_("Save settings"))
        self.cancel_button.setText(_("Cancel"))
        self.cancel_button.setAccessibleName(_("Cancel"))

    def _on_language_changed(self, _language: str) -> None:
        self.retranslate_ui()

    # --- saving --------------------------------------------------------------------------

    def collected(self) -> tuple[dict[str, object], list[str]]:
        """(values to store, policy overrides to remove) from the editable fields."""
        values: dict[str, object] = {}
        clear: list[str] = []
        for key, view in self.views.items():
            if not view.editable:
                continue
            editor = self.editors[key]
            if isinstance(editor, PolicyEditor):
                if editor.override.isChecked():
                    values[key] = _stored(view, editor.value.value())
                elif view.overridden:
                    clear.append(key)
            elif isinstance(editor, LanguageBox):
                values[key] = editor.code()
            elif isinstance(editor, QLineEdit):
                values[key] = editor.text()
            elif isinstance(editor, QSpinBox | QDoubleSpinBox):
                values[key] = _stored(view, editor.value())
        return values, clear

    def save(self) -> None:
        """Store everything or show what is wrong beside each field."""
        values, clear = self.collected()
        self.general_error.setVisible(False)
        old_code = self.views["branch.code"].value if "branch.code" in self.views else None
        new_code = str(values.get("branch.code", old_code) or "").strip().upper()
        if old_code is not None and new_code and new_code != old_code and not messages.confirm(
            self,
            _(
                "Change the branch code from {old} to {new}? Head office identifies this"
                " branch by its code; change it only when head office tells you to."
            ).format(old=old_code, new=new_code),
        ):  # fmt: skip
            return
        self.ctx.write(
            settings_form.save_settings,
            values=values,
            clear_overrides=clear,
            busy=self,
            on_done=lambda changed: self._on_saved(changed, values),
            on_error=self._on_save_failed,
        )

    def _on_saved(self, changed: list[str], values: dict[str, Any]) -> None:
        self._apply(changed, values)
        self.accept()

    def _on_save_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            unplaced = self.errors.show(exc)
            self._select_tab_of_first_error(exc)
            if unplaced:
                self._show_general("\n".join(unplaced.values()))
            return
        self._show_general(messages.error_text(exc))

    def _select_tab_of_first_error(self, exc: ValidationError) -> None:
        for key in exc.fields:
            editor = self.editors.get(key)
            if editor is None:
                continue
            for index in range(self.tabs.count()):
                tab = self.tabs.widget(index)
                if tab is not None and tab.isAncestorOf(editor):
                    self.tabs.setCurrentIndex(index)
                    editor.setFocus()
                    return

    def _show_general(self, text: str) -> None:
        self.general_error.setText(text)
        self.general_error.setVisible(True)

    def _apply(self, changed: list[str], values: dict[str, object]) -> None:
        window = self.ctx.main_window
        if window is not None and "branch.name" in changed:
            window.set_branch_name(str(values.get("branch.name", "")).strip())
        if changed:
            self.ctx.bus.changed("settings")
        log.info("settings saved: %s", ", ".join(changed) or "nothing changed")

    def reject(self) -> None:
        """Cancel: the language tried out in the dialog is taken back."""
        if i18n.current_language() != self.original_language:
            i18n.set_language(self.original_language)
        super().reject()
