"""ASGI entry for several uvicorn workers: ``uvicorn branch_crm.hq.asgi:app --workers N``."""

from __future__ import annotations

from branch_crm.hq.app import create_app, tune_gc
from branch_crm.hq.logs import setup_json_logging
from branch_crm.hq.settings import HqSettings

_settings = HqSettings()
setup_json_logging(_settings.log_level)
app = create_app(_settings)
tune_gc()
