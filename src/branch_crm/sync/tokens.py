"""Where a branch keeps its head-office token: the OS credential store (keyring), else a
file only this user can read (mode 0600) in the data folder.

``BRANCH_CRM_KEYRING=off`` skips the credential store (tests, headless servers).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

SERVICE = "BranchCRM sync"


def _fallback_file() -> Path:
    from branch_crm.db import default_data_dir

    return default_data_dir() / "sync-tokens.json"


def _use_keyring() -> bool:
    return os.environ.get("BRANCH_CRM_KEYRING", "").lower() not in {"off", "0", "no", "false"}


def _read_file() -> dict[str, str]:
    path = _fallback_file()
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_file(tokens: dict[str, str]) -> Path:
    path = _fallback_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(tokens, handle)
    os.chmod(path, 0o600)
    return path


def save_token(node_id: str, token: str) -> str:
    """Store the token of this installation; returns where ("keyring" or the file path)."""
    if _use_keyring():
        try:
            import keyring

            keyring.set_password(SERVICE, node_id, token)
            return "keyring"
        except Exception as exc:  # no usable credential store on this machine
            log.info(
                "credential store unavailable (%s); using the user-only file", type(exc).__name__
            )
    tokens = _read_file()
    tokens[node_id] = token
    return str(_write_file(tokens))


def load_token(node_id: str) -> str | None:
    """The stored token of this installation, if any."""
    if _use_keyring():
        try:
            import keyring

            token = keyring.get_password(SERVICE, node_id)
            if token:
                return str(token)
        except Exception:
            log.debug("credential store unavailable", exc_info=True)
    return _read_file().get(node_id)


def delete_token(node_id: str) -> None:
    """Forget the token (both places)."""
    if _use_keyring():
        try:
            import keyring

            keyring.delete_password(SERVICE, node_id)
        except Exception:
            log.debug("no token in the credential store", exc_info=True)
    tokens = _read_file()
    if tokens.pop(node_id, None) is not None:
        _write_file(tokens)
