"""Head-office settings (pydantic-settings, environment prefix ``BRANCH_CRM_HQ_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_database_url() -> str:
    """A SQLite file ``hq.db`` in the data folder, so head office runs with nothing else."""
    from branch_crm.db import default_data_dir

    folder = default_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite+pysqlite:///{folder / 'hq.db'}"


class HqSettings(BaseSettings):
    """What head office reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="BRANCH_CRM_HQ_", extra="ignore")

    database_url: str = ""
    max_request_bytes: int = 16 * 1024 * 1024
    log_level: str = "INFO"
    clock_skew_limit_ms: int = 5 * 60 * 1000
    registration_code_days: int = 7
    pull_page_limit: int = 5000
    pool_size: int = Field(default=10, ge=1)
    """PostgreSQL connections each worker process keeps open."""
    max_overflow: int = Field(default=10, ge=0)
    """Connections a worker may open beyond ``pool_size`` under load (closed again after)."""
    pool_timeout: float = Field(default=30, gt=0)
    """Seconds a request waits for a free connection before it is answered 503."""
    environment: Literal["development", "production"] = "development"
    """``production`` switches the API pages (``/docs``, ``/redoc``, ``/openapi.json``) off
    unless ``docs`` says otherwise."""
    docs: bool | None = None
    """Serve the API pages; default: on in development, off in production."""
    metrics_token: str = ""
    """When set, ``/metrics`` wants ``Authorization: Bearer <token>``."""
    metrics_dir: str = ""
    """A folder the worker processes of one service share their counters through (set by
    ``serve --workers N`` itself; empty: one process, counters in memory)."""

    files_dir: str = ""
    """Folder of the attachments' files (hq.files); default ``hq-files`` in the data folder.
    A shared or mounted path works the same; an object store is a later step."""
    max_file_bytes: int = Field(default=64 * 1024 * 1024, ge=1)
    """Largest attachment file a branch may send."""

    def resolved_files_dir(self) -> Path:
        """The attachments' file folder."""
        if self.files_dir:
            return Path(self.files_dir)
        from branch_crm.db import default_data_dir

        return default_data_dir() / "hq-files"

    def resolved_url(self) -> str:
        """The database URL, defaulting to the SQLite file."""
        return self.database_url or default_database_url()

    def docs_enabled(self) -> bool:
        """Whether the API pages are served."""
        return self.docs if self.docs is not None else self.environment == "development"
