"""Head office's log handlers follow sys.stderr: a handler left holding a replaced and
closed stream failed on every later record ("--- Logging error ---" in whatever output was
being captured then: a command's stderr, another test's)."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from branch_crm.hq.logs import JsonFormatter
from branch_crm.logsetup import StderrHandler


def test_the_handler_writes_to_the_stderr_of_the_moment(monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    handler = StderrHandler()
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("branch_crm.hq.test_stream")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("one")
        first.close()  # the stream the handler was made with is gone
        monkeypatch.setattr(sys, "stderr", second)
        logger.warning("two")
    finally:
        logger.removeHandler(handler)
    assert '"two"' in second.getvalue()
    assert "Logging error" not in second.getvalue()
