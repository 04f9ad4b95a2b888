"""Wall times of the branch (Asia/Shanghai) as aware datetimes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(text: str, tz: ZoneInfo = SHANGHAI) -> datetime:
    """'2026-09-30 16:00' as an aware datetime in ``tz``."""
    return datetime.fromisoformat(text).replace(tzinfo=tz)
