"""First start: demo data on a first run whatever the options, a question before creating a
database where none was expected (``--db`` naming no file), one running copy per database."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from argparse import Namespace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton, QWidget

from branch_crm.cli import build_parser
from branch_crm.db.instance_lock import lock_path
from branch_crm.ui.shell import new_database
from branch_crm.ui.shell.launcher import Shell
from branch_crm.ui.shell.single_instance import SingleInstance, front_window

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

ROOT = Path(__file__).resolve().parents[3]


def args(path: Path | None, **extra: Any) -> Namespace:
    values = {"db": path, "lang": None, "demo_if_new": False, "courier": False, **extra}
    return Namespace(**values)


class Answers:
    """Buttons to click in the new-database question, in order, and the texts it showed."""

    def __init__(self) -> None:
        self.clicks: list[str] = []
        self.shown: list[str] = []

    def answer(self, box: QMessageBox) -> int:
        self.shown.append(f"{box.text()}\n{box.informativeText()}")
        button = box.findChild(QPushButton, self.clicks.pop(0))
        assert button is not None
        button.click()
        return 0


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Answers:
    recorded = Answers()

    def exec_(box: QMessageBox) -> int:  # a function: QMessageBox.exec binds it to the box
        return recorded.answer(box)

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return recorded


def never_sign_in(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    asked: list[str] = []
    monkeypatch.setattr(Shell, "_first_admin", lambda self: asked.append("first") or None)
    monkeypatch.setattr(Shell, "_login_dialog", lambda self: asked.append("login") or None)
    return asked


# --- demo data on a first run ----------------------------------------------------------------


def test_first_run_with_a_language_still_gets_demo_data(qapp, tmp_path, monkeypatch) -> None:
    """``run.py --lang en`` passes ``--demo-if-new --lang en``: the default database is
    created with demo data and the accounts are reported (no question: it is expected)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import run as run_script
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    monkeypatch.setenv("BRANCH_CRM_DATA_DIR", str(tmp_path / "data"))
    parsed = build_parser().parse_args(run_script.app_arguments(["--lang", "en"]))
    assert parsed.demo_if_new and parsed.lang == "en" and parsed.db is None
    from branch_crm.ui.shell import demo_fill

    # a small demo: 12 customers instead of DEMO_CUSTOMERS (the keyword's default)
    monkeypatch.setattr(demo_fill.fill_demo_with_progress, "__kwdefaults__", {"customers": 12})
    monkeypatch.setattr(QMessageBox, "exec", lambda box: pytest.fail("nothing to ask"))
    asked = never_sign_in(monkeypatch)
    reported: list[list[str]] = []
    shell = Shell(qapp, parsed, on_demo_accounts=reported.append)
    assert shell.run() == 0
    assert asked == ["login"]  # demo staff exist: straight to signing in
    assert reported and any("counter" in line for line in reported[0])
    from branch_crm.db import open_database
    from branch_crm.models import Customer

    db = open_database(tmp_path / "data" / "branch.db")
    try:
        with db.session() as session:
            assert session.query(Customer).count() == 12
    finally:
        db.dispose()


# --- a database where none was expected --------------------------------------------------------


def test_missing_db_asks_and_quit_creates_nothing(qapp, tmp_path, answers, monkeypatch) -> None:
    asked = never_sign_in(monkeypatch)
    path = tmp_path / "typo" / "branch.db"
    answers.clicks.append("new_database_quit")
    shell = Shell(qapp, args(path, demo_if_new=True))
    assert shell.run() == 0
    assert not path.exists() and not path.parent.exists()
    assert asked == [] and shell.db is None
    (text,) = answers.shown
    assert str(path) in text
    assert "does not exist either" in text and "demo data" in text


def test_missing_db_create_here(qapp, tmp_path, answers, monkeypatch) -> None:
    asked = never_sign_in(monkeypatch)
    path = tmp_path / "new-folder" / "branch.db"
    answers.clicks.append("new_database_create")
    assert Shell(qapp, args(path)).run() == 0
    assert path.is_file() and asked == ["first"]


@pytest.fixture
def closed_db(db_path: Path, db: Any) -> Path:
    """An existing, migrated database file, closed."""
    db.dispose()
    return db_path


def test_missing_db_choose_another_file(qapp, tmp_path, answers, monkeypatch, closed_db) -> None:
    """Choose another file: the dialog's file is opened instead; cancelling it asks again."""
    db_path = closed_db
    asked = never_sign_in(monkeypatch)
    missing = tmp_path / "elsewhere" / "branch.db"
    picks = iter(["", str(db_path)])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (next(picks), ""))
    answers.clicks.extend(["new_database_choose", "new_database_choose"])
    shell = Shell(qapp, args(missing))
    assert shell.run() == 0
    assert shell.db_path() == db_path and asked == ["first"]
    assert not missing.parent.exists()
    assert len(answers.shown) == 2


def test_the_question_box_defaults_to_choose_and_escapes_to_quit(qapp, tmp_path) -> None:
    box = new_database.build_new_database_box(tmp_path / "x.db", demo=False)
    assert box.defaultButton().objectName() == "new_database_choose"
    assert box.escapeButton() is box.findChild(QPushButton, "new_database_quit")
    assert "demo" not in box.informativeText() and "does not exist" not in box.informativeText()
    box.deleteLater()


def test_default_and_existing_paths_need_no_question(tmp_path, monkeypatch, db_path, db) -> None:
    monkeypatch.setenv("BRANCH_CRM_DATA_DIR", str(tmp_path / "data"))
    default = tmp_path / "data" / "branch.db"
    assert new_database.is_expected(default, explicit=False)
    assert new_database.is_expected(default, explicit=True)  # --db naming the default file
    assert new_database.is_expected(db_path, explicit=True)  # exists
    assert not new_database.is_expected(tmp_path / "other.db", explicit=True)


# --- one copy per database ---------------------------------------------------------------------


def test_second_claim_on_the_same_database_brings_the_first_forward(qtbot, tmp_path) -> None:
    first = SingleInstance(tmp_path / "branch.db")
    other_db = SingleInstance(tmp_path / "other.db")
    second = SingleInstance(tmp_path / "." / "branch.db")  # the same file, spelled otherwise
    try:
        assert first.claim()
        assert other_db.claim()  # another database: its own copy
        with qtbot.waitSignal(first.sig_activate_requested, timeout=5000):
            assert not second.claim()
        first.release()
        assert second.claim()  # the first quit: the next start runs
    finally:
        for instance in (first, other_db, second):
            instance.release()


CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from branch_crm.ui.shell.single_instance import SingleInstance

    app = QApplication(sys.argv[:1])
    instance = SingleInstance(Path(sys.argv[1]))
    if not instance.claim(wait_ms=100):
        print("not first", flush=True)
        sys.exit(3)
    instance.sig_activate_requested.connect(lambda: (print("activated", flush=True), app.quit()))
    QTimer.singleShot(20000, app.quit)  # a deadline: never outlive the test
    print("ready", flush=True)
    app.exec()
    instance.release()
    """
)


def start_child(path: Path) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    return child


def test_a_second_process_reaches_the_first(tmp_path) -> None:
    path = tmp_path / "branch.db"
    child = start_child(path)
    here = SingleInstance(path)
    try:
        assert not here.claim()
        out, _err = child.communicate(timeout=20)
        assert out.strip() == "activated" and child.returncode == 0
        assert here.claim()  # the first one quit and gave its lock up
    finally:
        here.release()
        if child.poll() is None:
            child.kill()


def test_a_crashed_first_copy_leaves_nothing_in_the_way(tmp_path) -> None:
    path = tmp_path / "branch.db"
    child = start_child(path)
    child.kill()  # no clean-up: its lock file and socket stay behind
    child.communicate(timeout=20)
    assert lock_path(path).exists()  # beside the database; the OS let go of its lock
    here = SingleInstance(path)
    try:
        assert here.claim(wait_ms=100)
    finally:
        here.release()


def test_shell_on_a_database_in_use_quits_at_once(qtbot, qapp, db_path, db, monkeypatch) -> None:
    db.dispose()
    asked = never_sign_in(monkeypatch)
    first = SingleInstance(db_path)
    try:
        assert first.claim()
        shell = Shell(qapp, args(db_path))
        with qtbot.waitSignal(first.sig_activate_requested, timeout=5000):
            assert shell.run() == 0
        assert asked == [] and shell.db is None
    finally:
        first.release()


def test_bring_forward_prefers_the_main_window_then_the_dialog(qtbot, qapp) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    assert front_window(window) is not window  # not shown
    window.show()
    window.showMinimized()
    assert front_window(window) is window
    from branch_crm.ui.shell.single_instance import bring_forward

    bring_forward(window)
    assert not window.isMinimized()
