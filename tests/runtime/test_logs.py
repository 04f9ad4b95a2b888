"""Log files per kind of process, shared safely (logsetup): two writers lose no line and
never raise; a rotation the OS refuses (Windows, while another process holds the file) is
not an error."""

from __future__ import annotations

import logging
import logging.handlers
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from branch_crm import logsetup
from branch_crm.logsetup import SharedRotatingFileHandler, process_kind

SRC = str(Path(__file__).resolve().parents[2] / "src")

WRITER = textwrap.dedent(
    """
    import logging, sys
    from branch_crm.logsetup import SharedRotatingFileHandler
    handler = SharedRotatingFileHandler(sys.argv[1], 8_000, 200)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log = logging.getLogger("w")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    for i in range(int(sys.argv[3])):
        log.info("%s line %05d %s", sys.argv[2], i, "x" * 40)
    handler.close()
    """
)


def _all_lines(folder: Path) -> list[str]:
    lines: list[str] = []
    for path in folder.glob("jobs-sync.log*"):
        if path.suffix != ".lock":
            lines += path.read_text(encoding="utf-8").splitlines()
    return lines


def test_two_processes_writing_one_log_lose_no_line(tmp_path: Path) -> None:
    target = tmp_path / "jobs-sync.log"
    count = 1500
    env = {**os.environ, "PYTHONPATH": SRC}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(target), name, str(count)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("A", "B")
    ]
    outputs = [w.communicate(timeout=60) for w in writers]
    assert [w.returncode for w in writers] == [0, 0]
    assert outputs == [("", ""), ("", "")]  # no "--- Logging error ---"
    lines = _all_lines(tmp_path)
    for name in ("A", "B"):
        mine = sorted(line.split()[2] for line in lines if line.startswith(f"{name} line"))
        assert mine == [f"{i:05d}" for i in range(count)]  # each once, none lost
    rotated = [p for p in tmp_path.glob("jobs-sync.log.*") if p.suffix != ".lock"]
    assert len(rotated) >= 10  # it did rotate, many times, under both writers
    assert all(p.stat().st_size < 8_000 + 2_000 for p in rotated)


def test_a_refused_rotation_keeps_writing_and_is_tried_again(tmp_path, monkeypatch) -> None:
    handler = SharedRotatingFileHandler(tmp_path / "app.log", 2_000, 3)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log = logging.getLogger("refused-rotation")
    log.addHandler(handler)
    log.propagate = False
    real_rotate = handler.rotate

    def refuse(_source: str, _dest: str) -> None:
        raise PermissionError(32, "The process cannot access the file")  # WinError 32

    errors: list[logging.LogRecord | None] = []
    monkeypatch.setattr(handler, "handleError", errors.append)
    monkeypatch.setattr(handler, "rotate", refuse)
    monkeypatch.setattr(logsetup, "RETRY_AFTER_BYTES", 1_000)
    try:
        for i in range(100):
            log.warning("held %03d %s", i, "y" * 50)
        assert handler.refused_rotations >= 2  # tried again after more was written
        assert not errors
        text = (tmp_path / "app.log").read_text(encoding="utf-8")
        assert all(f"held {i:03d}" in text for i in range(100))
        monkeypatch.setattr(handler, "rotate", real_rotate)
        for i in range(40):
            log.warning("free %03d %s", i, "z" * 50)
        assert (tmp_path / "app.log.1").exists()  # the other process let go: rotated
        assert not errors
    finally:
        log.removeHandler(handler)
        handler.close()


@pytest.mark.parametrize(
    ("argv", "kind"),
    [
        ([], "app"),
        (["--db", "x.db", "--lang", "en"], "app"),
        (["--demo-if-new"], "app"),
        (["--db", "sync", "sync"], "jobs-sync"),
        (["--lang", "zh_CN", "complaints", "sweep"], "jobs-complaints"),
        (["care", "plan"], "jobs-care"),
        (["C:\\weird"], "jobs"),
    ],
)
def test_each_kind_of_process_has_its_own_file(argv, kind) -> None:
    assert process_kind(argv) == kind


def test_the_app_and_a_command_write_different_files(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("BRANCH_CRM_DATA_DIR", str(tmp_path))
    assert logsetup.log_file("app") == tmp_path / "logs" / "app.log"
    assert logsetup.log_file(process_kind(["sync"])) == tmp_path / "logs" / "jobs-sync.log"
    root = logging.getLogger()
    root._branch_crm_configured = False  # type: ignore[attr-defined]
    logsetup.setup_logging(kind="jobs-sync")
    logging.getLogger("branch_crm.test").info("from the job")
    for handler in root.handlers:
        handler.flush()
    assert "from the job" in (tmp_path / "logs" / "jobs-sync.log").read_text(encoding="utf-8")
    assert not (tmp_path / "logs" / "app.log").exists()
