"""Logging: one named logger per area, a rotating log file in the data folder."""

from __future__ import annotations

import logging
import logging.handlers
import os


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
    console = logging.StreamHandler()
    console.setLevel(logging.DEBUG if os.environ.get("BRANCH_CRM_DEBUG") else logging.WARNING)
    console.setFormatter(fmt)
    root.addHandler(console)
    root._branch_crm_configured = True  # type: ignore[attr-defined]
