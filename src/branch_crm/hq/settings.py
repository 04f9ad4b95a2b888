"""Head-office settings (pydantic-settings, environment prefix ``BRANCH_CRM_HQ_``)."""

from __future__ import annotations

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

    def resolved_url(self) -> str:
        """The database URL, defaulting to the SQLite file."""
        return self.database_url or default_database_url()
