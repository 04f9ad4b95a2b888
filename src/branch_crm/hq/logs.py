"""Structured JSON logs for head office. Secrets never reach a record: requests are logged
by method, path, status and branch only, and the formatter masks anything token-shaped."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from branch_crm.logsetup import StderrHandler

SECRET_PATTERN = re.compile(r"(?i)(bearer\s+)\S+|\b[0-9a-f]{16}\.[A-Za-z0-9_\-]{20,}")


def redact(text: str) -> str:
    """Mask bearer tokens and token-shaped strings."""
    return SECRET_PATTERN.sub(lambda m: (m.group(1) or "") + "[redacted]", text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any ``extra`` fields."""

    EXTRA = ("method", "path", "status", "ms", "client", "branch", "bytes", "changes")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key in self.EXTRA:
            if key in record.__dict__:
                entry[key] = record.__dict__[key]
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def setup_json_logging(level: str = "INFO", stream: object = None) -> None:
    """Route every log record (uvicorn's too) to one JSON handler on stderr."""
    handler: logging.Handler = (
        StderrHandler() if stream is None else logging.StreamHandler(stream)  # type: ignore[call-overload]
    )
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_hq_json", False):
            root.removeHandler(existing)
    handler._hq_json = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # our middleware logs requests
