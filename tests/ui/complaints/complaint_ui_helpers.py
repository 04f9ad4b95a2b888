"""Helpers of the complaint UI tests (a module with a unique name, importable by tests)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_time(text: str) -> datetime:
    """'2026-11-23 09:00' in Shanghai, aware."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def make_context(db: Any, actor: Any) -> Any:
    """An app context on ``db`` for ``actor`` with a synchronous task runner."""
    from branch_crm.ui.context import AppContext
    from branch_crm.ui.tasks import TaskRunner

    return AppContext.for_tests(db, actor, tasks=TaskRunner(synchronous=True))
