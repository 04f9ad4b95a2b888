"""The one schema of the reference data head office publishes (SLA policy, survey template),
used by both sides.

Head office is strict: ``check_reference(kind, data)`` returns the values to store or raises
``ValueError`` naming every problem and where it is, so a mistake is told to the person who
made it. Branches read the stored rows with the same models but leniently
(:func:`read_policy` raises and the caller falls back to the default policy;
:func:`read_items` skips a faulty survey question) so printing and the complaint clock never
stop.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from branch_crm.reference.labels import WEEKDAYS

log = logging.getLogger(__name__)

TIME = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$|^24:00$")

Text = Annotated[str, Field(min_length=1, max_length=200)]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def minutes_of_day(text: str) -> int:
    """Minutes from midnight of a checked time of day ("HH:MM", up to "24:00")."""
    hours, _sep, minutes = text.partition(":")
    return int(hours) * 60 + int(minutes)


class SlaTarget(_Strict):
    grade: Literal[1, 2, 3]
    category: Code | None = None
    response_minutes: int = Field(gt=0, le=60 * 24 * 60)
    resolution_minutes: int = Field(gt=0, le=60 * 24 * 365)

    @model_validator(mode="after")
    def _order(self) -> SlaTarget:
        if self.resolution_minutes < self.response_minutes:
            raise ValueError("resolution_minutes is shorter than response_minutes")
        return self


class SlaEscalation(_Strict):
    supervisor_ratio: float = Field(default=1.0, gt=0, le=10)
    head_office_ratio: float = Field(default=1.5, gt=0, le=10)

    @model_validator(mode="after")
    def _order(self) -> SlaEscalation:
        if self.head_office_ratio < self.supervisor_ratio:
            raise ValueError("head_office_ratio is below supervisor_ratio")
        return self


class SlaPolicyFile(_Strict):
    """What ``branch-crm-hq ref sla FILE`` accepts (minutes, times of day as "HH:MM")."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    version: int = Field(ge=1)
    active: bool = True
    calendar: Literal["24x7", "working_hours"] = "24x7"
    working_hours: dict[str, list[tuple[str, str]]] = Field(default_factory=dict)
    timezone: str = "Asia/Shanghai"
    warn_ratio: float = Field(default=0.75, gt=0, lt=1)
    targets: list[SlaTarget]
    escalation: SlaEscalation = Field(default_factory=SlaEscalation)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, value: dict[str, list[tuple[str, str]]]) -> dict[str, list[tuple[str, str]]]:
        for day, spans in value.items():
            if day not in (*WEEKDAYS, "makeup"):
                raise ValueError(f"unknown day {day!r} (use {', '.join(WEEKDAYS)} or makeup)")
            for start, end in spans:
                for text in (start, end):
                    if not TIME.match(text):
                        raise ValueError(f"{day}: {text!r} is not a time of day (HH:MM)")
                if minutes_of_day(end) <= minutes_of_day(start):
                    raise ValueError(f"{day}: {start}-{end} ends before it starts")
        return value

    @model_validator(mode="after")
    def _whole(self) -> SlaPolicyFile:
        general = {t.grade for t in self.targets if t.category is None}
        missing = [str(g) for g in (1, 2, 3) if g not in general]
        if missing:
            raise ValueError(f"no target without a category for grade {', '.join(missing)}")
        keys = [(t.grade, t.category) for t in self.targets]
        if len(keys) != len(set(keys)):
            raise ValueError("two targets for the same grade and category")
        if self.calendar == "working_hours" and not any(
            self.working_hours.get(day) for day in WEEKDAYS
        ):
            raise ValueError("a working_hours calendar needs working hours on some weekday")
        return self


KINDS = ("scale5", "nps", "ces", "text")
"""Kinds of survey question: three scored on a scale, one answered in words."""
RANGES = {"scale5": (1, 5), "nps": (0, 10), "ces": (1, 7)}
"""The answers a scored kind allows (lowest, highest)."""


class SurveyItemFile(_Strict):
    code: Code
    kind: Literal["scale5", "nps", "ces", "text"]
    text_zh: Annotated[str, Field(min_length=1, max_length=500)]
    text_en: Annotated[str, Field(min_length=1, max_length=500)]


class SurveyTemplateFile(_Strict):
    """What ``branch-crm-hq ref survey-template FILE`` accepts."""

    code: Code
    version: int = Field(ge=1)
    title_zh: Text
    title_en: Text
    active: bool = True
    items: list[SurveyItemFile] = Field(min_length=1, max_length=60)

    @model_validator(mode="after")
    def _items(self) -> SurveyTemplateFile:
        codes = [item.code for item in self.items]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"question code used twice: {', '.join(twice)}")
        if all(item.kind == "text" for item in self.items):
            raise ValueError("a template needs at least one scored question")
        if sum(item.kind == "nps" for item in self.items) > 1:
            raise ValueError("a template has at most one NPS question")
        from branch_crm.reference.form_layout import MAX_PAGES, form_layout

        layout = form_layout([(item.code, item.kind) for item in self.items])
        if not layout.printable:
            scales = sum(item.kind == "scale5" for item in self.items)
            raise ValueError(
                f"the printed form would need {layout.page_count} pages and a form has at most "
                f"{MAX_PAGES} ({len(self.items)} questions, {scales} of them on the 1-5 scale); "
                "remove questions so that it can be printed"
            )
        return self


FILES: dict[str, type[_Strict]] = {
    "sla_policy": SlaPolicyFile,
    "survey_template": SurveyTemplateFile,
}


def _problems(exc: ValidationError) -> str:
    return "; ".join(_problem(e) for e in exc.errors())


def _problem(error: Any) -> str:
    """'targets.0.grade: Input should be 1, 2 or 3', or the message alone for the whole file."""
    message = str(error["msg"]).removeprefix("Value error, ")
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {message}" if where else message


def check_reference(table: str, data: Any) -> dict[str, Any]:
    """The values to store for a reference file of ``table``; ValueError lists the problems."""
    model = FILES.get(table)
    if model is None:
        raise ValueError(f"{table} is not a reference file")
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    try:
        checked = model.model_validate(data)
    except ValidationError as exc:
        raise ValueError(_problems(exc)) from None
    return checked.model_dump(mode="json")


POLICY_COLUMNS = tuple(SlaPolicyFile.model_fields)
"""The columns of a stored policy row the schema checks."""


def read_policy(row: Any) -> SlaPolicyFile:
    """A stored policy row (anything with the schema's columns as attributes) checked by the
    schema; ValueError names every problem (the branch then falls back to another policy)."""
    values = {name: getattr(row, name) for name in POLICY_COLUMNS if hasattr(row, name)}
    values = {k: v for k, v in values.items() if v is not None}  # a NULL column: the default
    try:
        return SlaPolicyFile.model_validate(values)
    except ValidationError as exc:
        raise ValueError(_problems(exc)) from None


def read_item(raw: Any) -> SurveyItemFile | None:
    """One stored survey question, or None when it is faulty (a missing kind is a 1-5 scale,
    a missing text is the other language's or the code)."""
    if not isinstance(raw, Mapping):
        return None
    code = str(raw.get("code") or "").strip()
    values = {
        "code": code,
        "kind": raw.get("kind", "scale5"),
        "text_zh": str(raw.get("text_zh") or raw.get("text_en") or code),
        "text_en": str(raw.get("text_en") or raw.get("text_zh") or code),
    }
    try:
        return SurveyItemFile.model_validate(values)
    except ValidationError:
        return None


def read_items(raw_items: Any) -> tuple[SurveyItemFile, ...]:
    """The questions of a stored template; entries head office got wrong are left out (an
    unknown kind, no code, a code used twice) so one bad line cannot stop printing."""
    items: list[SurveyItemFile] = []
    seen: set[str] = set()
    for raw in raw_items if isinstance(raw_items, list) else ():
        item = read_item(raw)
        if item is None or item.code in seen:
            log.warning("survey template item skipped: %r", raw)
            continue
        seen.add(item.code)
        items.append(item)
    return tuple(items)
