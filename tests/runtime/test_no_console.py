"""A process with no console (a windowed executable, ``pythonw``: ``sys.stdout`` and
``sys.stderr`` are None): the command line runs, says what it would have printed in its log
file and returns its exit code; nothing raises ``AttributeError``, no traceback window."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from branch_crm import cli
from branch_crm.logsetup import LogStream, has_console

SRC = str(Path(__file__).resolve().parents[2] / "src")


@pytest.fixture
def no_console(monkeypatch, tmp_path) -> Callable[[], Path]:
    """Call it in the test (pytest puts its own streams back between set-up and the test):
    sys.stdout, sys.stderr and sys.stdin None; returns the log folder."""
    monkeypatch.setenv("BRANCH_CRM_DATA_DIR", str(tmp_path))
    root = logging.getLogger()
    monkeypatch.setattr(root, "_branch_crm_configured", False, raising=False)

    def detach() -> Path:
        for name in ("stdout", "stderr", "stdin"):
            monkeypatch.setattr(sys, name, None)
        return tmp_path / "logs"

    return detach


def _flush_logs() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()


@pytest.mark.skipif(sys.platform == "win32", reason="closes the streams with /bin/sh")
def test_a_command_with_closed_output_says_its_error_in_the_log(tmp_path: Path) -> None:
    """A real process started with standard input, output and error closed."""
    code = textwrap.dedent(
        """
        import sys
        from branch_crm.cli import main
        assert sys.stdout is None and sys.stderr is None
        code = main(["--lang", "en", "--db", sys.argv[1], "complaints", "sweep"])
        open(sys.argv[2], "w").write(str(code))
        """
    )
    result = tmp_path / "code.txt"
    missing = tmp_path / "missing.db"
    env = {**os.environ, "PYTHONPATH": SRC, "BRANCH_CRM_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        ["/bin/sh", "-c", 'exec "$0" -c "$1" "$2" "$3" <&- >&- 2>&-', sys.executable, code,
         str(missing), str(result)],
        env=env,
        timeout=60,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0
    assert result.read_text() == "2"
    text = (tmp_path / "logs" / "jobs-complaints.log").read_text(encoding="utf-8")
    assert "started without a console" in text
    assert f"database at {missing}" in text and "error: " in text
    assert not missing.exists()


def test_staff_add_without_a_console_fails_clearly(no_console, tmp_path: Path) -> None:
    logs = no_console()
    code = cli.main(["--lang", "en", "--db", str(tmp_path / "b.db"), "staff", "add", "bob",
                     "--name", "Bob", "--role", "counter"])  # fmt: skip
    assert code != 0
    assert not has_console()
    assert isinstance(sys.stderr, LogStream)
    _flush_logs()
    text = (logs / "jobs-staff.log").read_text(encoding="utf-8")
    assert "error: no terminal to type a password in; use --password" in text
    assert "Traceback" not in text


def test_an_unexpected_failure_is_logged_not_raised(no_console, monkeypatch) -> None:
    def broken(_args: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "_run", broken)
    logs = no_console()
    assert cli.main(["--lang", "en", "sync", "status"]) == 1
    _flush_logs()
    text = (logs / "jobs-sync.log").read_text(encoding="utf-8")
    assert "RuntimeError: boom" in text  # the traceback is in the log
    assert "error: unexpected failure; the details are in the log file" in text


def test_with_a_console_an_unexpected_failure_still_raises(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("BRANCH_CRM_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(cli, "_run", lambda argv: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        cli.main(["sync", "status"])


def test_log_stream_writes_whole_lines_and_never_loops(caplog) -> None:
    stream = LogStream("branch_crm.console", logging.WARNING)
    with caplog.at_level(logging.INFO, logger="branch_crm.console"):
        print("one", "two", file=stream)
        stream.write("half")
        stream.write(" line\nrest")
        stream.flush()
    assert [r.getMessage() for r in caplog.records] == ["one two", "half line", "rest"]
    assert all(r.levelno == logging.WARNING for r in caplog.records)


def test_demo_accounts_without_a_console_go_to_the_log(no_console, caplog) -> None:
    from branch_crm.cli.app import _print_demo_accounts
    from branch_crm.logsetup import attach_missing_streams

    no_console()
    assert attach_missing_streams()
    with caplog.at_level(logging.INFO, logger="branch_crm.console"):
        _print_demo_accounts(["admin / admin-1234  (Administrator)"])
    assert "admin / admin-1234  (Administrator)" in caplog.text
