"""Logging: one named logger per area, a rotating log file in the data folder."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from typing import TextIO


class StderrHandler(logging.StreamHandler[TextIO]):
    """A handler writing to whatever ``sys.stderr`` is when a record comes, not to the
    stream it was at set-up: a handler left holding a replaced and closed stream (a test's
    captured output, an embedding program's) would fail on every later record."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass  # always the current sys.stderr


def setup_logging(level: int = logging.INFO) -> None:
    """Log to ``branch-crm.log`` (rotating) in the data folder and warnings to stderr."""
    from branch_crm.db import default_data_dir

    root = logging.getLogger()
    if getattr(root, "_branch_crm_configured", False):
        return
    root.setLevel(level)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        folder = default_data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            folder / "branch-crm.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
        handler.setFormatter(fmt)
        root.addHandler(handler)
    except OSError:
        pass
    console = StderrHandler()
    console.setLevel(logging.DEBUG if os.environ.get("BRANCH_CRM_DEBUG") else logging.WARNING)
    console.setFormatter(fmt)
    root.addHandler(console)
    # a marker on the root logger itself (tests/conftest.py saves and restores it)
    root._branch_crm_configured = True  # type: ignore[attr-defined]
