"""Every value a branch pushes, checked against head office's column before it is written.

Head office's database refuses what a branch's SQLite happily stores (text longer than its
column, a NUL character, a number beyond the column's integer type, a malformed date, JSON
PostgreSQL cannot read); a refused statement would fail the whole push, at every round.
These checks, built once per column from the table metadata (type, length, nullability),
find such a value first, so that one change is quarantined and the rest of its batch is
applied. SQLite and PostgreSQL are held to the same rules (PostgreSQL's), so a head office
behaves the same on either.

Each check turns a wire value into the Python value head office stores, or raises
:class:`Invalid` with words a supervisor can read ("customer.name: text longer than 50
characters") -- never the value itself, which may be a customer's data.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
)

from branch_crm.hq import tables as t
from branch_crm.i18n import N_
from branch_crm.sync import codec
from branch_crm.sync.codec import WireValue
from branch_crm.sync.protocol import Change

Check = Callable[[WireValue], Any]
"""Wire value -> the value head office stores; raises :class:`Invalid`."""

INTEGER_BITS = {SmallInteger: 16, BigInteger: 64, Integer: 32}
"""Bits of each integer type as PostgreSQL stores it (most specific type first)."""
MAX_JSON_DEPTH = 64
NODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
STAMP = re.compile(r"[0-9]{13}\.[0-9]{10}\.[A-Za-z0-9_-]{1,32}")
"""A stamp as :mod:`branch_crm.sync.hlc` writes it, with a node id a branch can have."""
TRUE = frozenset({"1", "true", "t", "yes"})
FALSE = frozenset({"0", "false", "f", "no"})


class Invalid(Exception):
    """A value (or change) head office cannot store: an ``N_()`` template and its values,
    like :class:`~branch_crm.hq.errors.HqError` (``.detail`` is the English sentence)."""

    def __init__(self, message: str, /, **params: object) -> None:
        self.message, self.params = message, params
        self.detail = message.format(**params)
        super().__init__(self.detail)

    def render(self, translate: Callable[[str], str]) -> str:
        """The sentence in the language of ``translate`` (English if the template breaks)."""
        try:
            return translate(self.message).format(**self.params)
        except (KeyError, IndexError, ValueError):
            return self.detail


@dataclass(frozen=True)
class Screened:
    """A change whose values all fit head office's columns (converted, defaults added)."""

    change: Change
    values: dict[str, Any]


# --- single values ---------------------------------------------------------------------


def _text(name: str, length: int | None) -> Check:
    def check(value: WireValue) -> Any:
        if value is None:
            return None
        text = value if isinstance(value, str) else str(value)
        if "\x00" in text:
            raise Invalid(N_("{column}: text with a NUL character"), column=name)
        if length is not None and len(text) > length:
            raise Invalid(
                N_("{column}: text longer than {length} characters"), column=name, length=length
            )
        return text

    return check


def _integer(name: str, bits: int) -> Check:
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    convert = codec.python_converter(Integer())

    def check(value: WireValue) -> Any:
        if value is None:
            return None
        try:
            number = convert(value)
        except (ValueError, TypeError, OverflowError):
            if isinstance(value, float) and math.isfinite(value):
                raise Invalid(N_("{column}: not a whole number"), column=name) from None
            raise Invalid(N_("{column}: not a number"), column=name) from None
        if not low <= number <= high:
            raise Invalid(N_("{column}: number out of range"), column=name)
        return number

    return check


def _float(name: str) -> Check:
    def check(value: WireValue) -> Any:
        if value is None:
            return None
        try:
            number = float(value)
        except (ValueError, TypeError, OverflowError):
            raise Invalid(N_("{column}: not a number"), column=name) from None
        if not math.isfinite(number):
            raise Invalid(N_("{column}: not a finite number"), column=name)
        return number

    return check


def _boolean(name: str) -> Check:
    def check(value: WireValue) -> Any:
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in TRUE | FALSE:
            return value.strip().lower() in TRUE
        raise Invalid(N_("{column}: not true or false"), column=name)

    return check


def _converted(name: str, type_: Any, message: str) -> Check:
    """A date or datetime column: codec's conversion, any failure of it refused."""
    convert = codec.python_converter(type_)

    def check(value: WireValue) -> Any:
        try:
            return convert(value)
        except (ValueError, TypeError, OverflowError):
            raise Invalid(message, column=name) from None

    return check


def _json(name: str) -> Check:
    def check(value: WireValue) -> Any:
        if value is None:
            return None
        try:
            parsed = json.loads(value) if isinstance(value, str) else value
        except RecursionError:
            raise Invalid(N_("{column}: JSON nested too deeply"), column=name) from None
        except ValueError:
            raise Invalid(N_("{column}: not valid JSON"), column=name) from None
        _check_json(name, parsed)
        return parsed

    return check


def _check_json(name: str, parsed: Any) -> None:
    """Refuse JSON PostgreSQL (or the way back to the branches) cannot carry: non-finite
    numbers, text that is not Unicode, nesting deeper than ``MAX_JSON_DEPTH``."""
    stack: list[tuple[Any, int]] = [(parsed, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise Invalid(N_("{column}: JSON nested too deeply"), column=name)
        if isinstance(item, float) and not math.isfinite(item):
            raise Invalid(N_("{column}: not a finite number"), column=name)
        if isinstance(item, str):
            _unicode(name, item)
        elif isinstance(item, dict):
            stack.extend((key, depth) for key in item)
            stack.extend((entry, depth + 1) for entry in item.values())
        elif isinstance(item, list):
            stack.extend((entry, depth + 1) for entry in item)


def _unicode(name: str, text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid(N_("{column}: text that is not valid Unicode"), column=name) from None


def column_check(table: str, column: Column[Any]) -> Check:  # noqa: PLR0911
    """The check of one column of head office's table ``table``."""
    name = f"{table}.{column.name}"
    base = codec.base_type(column.type)
    if isinstance(base, DateTime):
        return _converted(name, column.type, N_("{column}: not a date and time"))
    if isinstance(base, Date):
        return _converted(name, column.type, N_("{column}: not a date"))
    if isinstance(base, Boolean):
        return _boolean(name)
    if isinstance(base, JSON):
        return _json(name)
    if isinstance(base, Integer):
        bits = next(n for kind, n in INTEGER_BITS.items() if isinstance(base, kind))
        return _integer(name, bits)
    if isinstance(base, Float | Numeric):
        return _float(name)
    if isinstance(base, String | Text):
        return _text(name, getattr(base, "length", None))
    return _converted(name, column.type, N_("{column}: not a valid value"))


@cache
def checks(table: str) -> dict[str, Check]:
    """Column name -> check, for every column of a synced table (built once)."""
    return {c.name: column_check(table, c) for c in t.ENTITIES[table][0].columns}


@cache
def _required(table: str) -> dict[str, tuple[bool, WireValue]]:
    """NOT NULL columns (the key aside) -> (has a scalar default, the default in wire form)."""
    required: dict[str, tuple[bool, WireValue]] = {}
    for column in t.ENTITIES[table][0].columns:
        if column.nullable or column.primary_key:
            continue
        default = column.default
        if default is None or not getattr(default, "is_scalar", False):
            required[column.name] = (False, None)
            continue
        value = getattr(default, "arg", None)
        value = value.value if isinstance(value, Enum) else value
        required[column.name] = (True, codec.to_wire(column.type, value))
    return required


# --- whole changes ---------------------------------------------------------------------


def check_stamp(text: str) -> None:
    """Refuse a stamp that is not ``<13 digits>.<10 digits>.<node id>``."""
    if STAMP.fullmatch(text) is None:
        raise Invalid(N_("the change's stamp (HLC) is malformed"))


def screen(change: Change) -> Screened:
    """The change's values as head office stores them, or :class:`Invalid` naming the first
    thing wrong: an unknown table, a malformed stamp or key, a value that does not fit its
    column, a required column missing on insert (its default taken if it has one) or set
    to null. Columns head office does not know are left out."""
    if change.table not in t.ENTITIES:
        raise Invalid(N_("unknown table '{table}'"), table=change.table)
    check_stamp(change.hlc)
    column_checks = checks(change.table)
    column_checks["id"](change.pk)
    values = _checked(column_checks, change.data)
    if "id" in values and values.pop("id") != change.pk:
        raise Invalid(N_("{column}: not the row's key"), column=f"{change.table}.id")
    required = _required(change.table)
    for name in sorted(required.keys() - values.keys()) if change.op == "insert" else ():
        has_default, default = required[name]
        if not has_default:
            raise Invalid(N_("{column}: a value is required"), column=f"{change.table}.{name}")
        values[name] = column_checks[name](default)
    if None in values.values():  # sent as null: refused for a required column
        for name in sorted(required.keys() & {k for k, v in values.items() if v is None}):
            raise Invalid(N_("{column}: a value is required"), column=f"{change.table}.{name}")
    return Screened(change, values)


def _checked(column_checks: dict[str, Check], data: dict[str, WireValue]) -> dict[str, Any]:
    """``data`` through its columns' checks; columns head office does not know left out."""
    try:  # the usual change: every column known
        return {name: column_checks[name](value) for name, value in data.items()}
    except KeyError:
        pass
    return {
        name: check(value)
        for name, value in data.items()
        if (check := column_checks.get(name)) is not None
    }
