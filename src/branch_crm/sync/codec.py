"""Column values on the wire: exactly what the branch's SQLite stores.

Datetimes travel as ``"YYYY-MM-DD HH:MM:SS.ffffff"`` (UTC, no zone), dates as
``"YYYY-MM-DD"``, booleans as 0/1, JSON columns as JSON text, numbers and text as themselves.
The branch writes wire values straight into SQLite; head office converts them to typed
values for its own database (PostgreSQL or SQLite) with :func:`to_python` and back with
:func:`to_wire`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import orjson
from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine

WireValue = str | int | float | bool | None
T = TypeVar("T")
WIRE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


def dumps(value: Any) -> str:
    """Compact JSON text (UTF-8, nothing escaped to ASCII): change data, clocks, pages.

    Keys may be ``str`` subclasses (SQLAlchemy column names are ``quoted_name``)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def loads(text: str | bytes) -> Any:
    """Parse JSON text (the counterpart of :func:`dumps`, also reads ``json.dumps`` output)."""
    return orjson.loads(text)


def encode_clocks(clocks: dict[str, str]) -> str:
    """A row's per-column stamps as stored (``sync_clock``, ``hq_row_clock``, parked rows):
    grouped by stamp, ``{"<stamp>": ["column", ...]}`` -- most rows have one stamp for all
    their columns, so this is a quarter of ``{"column": "<stamp>"}`` (the stamp repeated per
    column), and those tables are written for every synced row."""
    stamps = set(clocks.values())
    if len(stamps) == 1:  # the usual row: every column written by one change
        (stamp,) = stamps
        if type(stamp) is str:
            return dumps({stamp: list(clocks)})
    groups: dict[str, list[str]] = {}
    for column, stamp in clocks.items():
        if type(stamp) is not str:
            return dumps(clocks)  # not a stamp: kept as it is (read back the same)
        groups.setdefault(stamp, []).append(column)
    return dumps(groups)


def decode_clocks(text: str | bytes) -> dict[str, str]:
    """Per-column stamps from :func:`encode_clocks` text, or from the older one-entry-per-
    column form (``{"column": "<stamp>"}``, still found in databases written before)."""
    raw = loads(text)
    if not any(type(value) is list for value in raw.values()):
        return raw  # type: ignore[no-any-return]
    return {column: stamp for stamp, columns in raw.items() for column in columns}


def base_type(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    """The SQLAlchemy type a column's values are converted by (a decorator's own type)."""
    if isinstance(type_, TypeDecorator):
        impl = type_.impl
        return impl if isinstance(impl, TypeEngine) else impl()
    return type_


def _datetime_to_python(value: WireValue) -> Any:
    if value is None:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _date_to_python(value: WireValue) -> Any:
    return None if value is None else date.fromisoformat(str(value)[:10])


def _bool_to_python(value: WireValue) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "t", "yes"}
    return bool(value)


def _json_to_python(value: WireValue) -> Any:
    if value is None:
        return None
    return json.loads(value) if isinstance(value, str) else value


def _int_to_python(value: WireValue) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"{value!r} is not a whole number")
    return int(value)


def _float_to_python(value: WireValue) -> Any:
    return None if value is None else float(value)


def _text_to_python(value: WireValue) -> Any:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


_TO_PYTHON: tuple[tuple[Any, Callable[[WireValue], Any]], ...] = (
    (DateTime, _datetime_to_python),
    (Date, _date_to_python),
    (Boolean, _bool_to_python),
    (JSON, _json_to_python),
    (Integer, _int_to_python),
    (Float | Numeric, _float_to_python),
)
"""Column type -> wire-to-Python converter, the first that fits wins (text otherwise)."""


def _converter(type_: TypeEngine[Any], table: tuple[tuple[Any, T], ...], default: T) -> T:
    """The converter of ``table`` for the column type ``type_`` (its base type)."""
    base = base_type(type_)
    for kind, converter in table:
        if isinstance(base, kind):
            return converter
    return default


def python_converter(type_: TypeEngine[Any]) -> Callable[[WireValue], Any]:
    """The function turning wire values into Python values of a column of ``type_`` (what
    :func:`to_python` does, chosen once per column instead of once per value)."""
    return _converter(type_, _TO_PYTHON, _text_to_python)


def to_python(type_: TypeEngine[Any], value: WireValue) -> Any:
    """A wire value as the Python value of a column of ``type_``; ValueError if it is not one."""
    return python_converter(type_)(value)


def _datetime_to_wire(value: Any) -> WireValue:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is UTC and value.year >= 1000:  # the usual value, the same text faster
            return str(value.isoformat(" ", "microseconds")[:26])
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        if value.year >= 1000:  # the same text as WIRE_DATETIME, several times faster
            return str(value.isoformat(" ", "microseconds"))
        return str(value.strftime(WIRE_DATETIME))
    return _plain_to_wire(value)


def _date_to_wire(value: Any) -> WireValue:
    if value is None:
        return None
    if isinstance(value, date):
        return str(value.isoformat())
    return _plain_to_wire(value)


def _bool_to_wire(value: Any) -> WireValue:
    if value is None:
        return None
    return 1 if value else 0


def _json_to_wire(value: Any) -> WireValue:
    return None if value is None else str(json.dumps(value))


_PLAIN = (bool, int, float, str)


def _plain_to_wire(value: Any) -> WireValue:
    if value is None or isinstance(value, _PLAIN):
        return value
    return str(value)


def _text_to_wire(value: Any) -> WireValue:
    if value is None or type(value) is str:  # the usual case of a text column, first
        return value
    return _plain_to_wire(value)


_TO_WIRE: tuple[tuple[Any, Callable[[Any], WireValue]], ...] = (
    (DateTime, _datetime_to_wire),
    (Date, _date_to_wire),
    (Boolean, _bool_to_wire),
    (JSON, _json_to_wire),
    (String, _text_to_wire),
)
"""Column type -> Python-to-wire converter, the first that fits wins (plain otherwise)."""


def wire_converter(type_: TypeEngine[Any]) -> Callable[[Any], WireValue]:
    """The function turning Python values of a column of ``type_`` into wire values (what
    :func:`to_wire` does, chosen once per column)."""
    return _converter(type_, _TO_WIRE, _plain_to_wire)


def to_wire(type_: TypeEngine[Any], value: Any) -> WireValue:
    """A Python column value in the branch's SQLite storage form."""
    return wire_converter(type_)(value)


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
