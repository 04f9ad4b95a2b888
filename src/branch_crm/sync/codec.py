"""Column values on the wire: exactly what the branch's SQLite stores.

Datetimes travel as ``"YYYY-MM-DD HH:MM:SS.ffffff"`` (UTC, no zone), dates as
``"YYYY-MM-DD"``, booleans as 0/1, JSON columns as JSON text, numbers and text as themselves.
The branch writes wire values straight into SQLite; head office converts them to typed
values for its own database (PostgreSQL or SQLite) with :func:`to_python` and back with
:func:`to_wire`.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, Numeric
from sqlalchemy.types import TypeDecorator, TypeEngine

WireValue = str | int | float | bool | None
WIRE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


def _base(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    if isinstance(type_, TypeDecorator):
        impl = type_.impl
        return impl if isinstance(impl, TypeEngine) else impl()
    return type_


def to_python(type_: TypeEngine[Any], value: WireValue) -> Any:  # noqa: PLR0911
    """A wire value as the Python value of a column of ``type_``; ValueError if it is not one."""
    if value is None:
        return None
    base = _base(type_)
    if isinstance(base, DateTime):
        parsed = datetime.fromisoformat(str(value))
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    if isinstance(base, Date):
        return date.fromisoformat(str(value)[:10])
    if isinstance(base, Boolean):
        if isinstance(value, str):
            return value.strip().lower() in {"1", "true", "t", "yes"}
        return bool(value)
    if isinstance(base, JSON):
        return json.loads(value) if isinstance(value, str) else value
    if isinstance(base, Integer):
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(f"{value!r} is not a whole number")
        return int(value)
    if isinstance(base, Float | Numeric):
        return float(value)
    return value if isinstance(value, str) else str(value)


def to_wire(type_: TypeEngine[Any], value: Any) -> WireValue:  # noqa: PLR0911
    """A Python column value in the branch's SQLite storage form."""
    if value is None:
        return None
    base = _base(type_)
    if isinstance(base, DateTime) and isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return str(value.strftime(WIRE_DATETIME))
    if isinstance(base, Date) and isinstance(value, date):
        return str(value.isoformat())
    if isinstance(base, Boolean):
        return 1 if value else 0
    if isinstance(base, JSON):
        return str(json.dumps(value))
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def normalize(type_: TypeEngine[Any], value: Any) -> Any:
    """A comparable form of a stored value (wire or Python), for convergence checks."""
    if isinstance(value, str | int | float | bool) or value is None:
        try:
            return to_python(type_, value)
        except (ValueError, TypeError):
            return value
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
