"""Strict checks of the reference-data files head office publishes (SLA policy, survey
template) before they are stored and flow to every branch.

Branches are lenient with what arrives (a faulty policy falls back to the default, a faulty
survey question is skipped) so that printing and the complaint clock never stop; head office
is where a mistake can still be told to the person who made it. ``check_reference(kind, data)``
returns the values to store or raises ``ValueError`` naming every problem and where it is.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TIME = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$|^24:00$")

Text = Annotated[str, Field(min_length=1, max_length=200)]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _minutes(text: str) -> int:
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
                if _minutes(end) <= _minutes(start):
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
        return self


FILES: dict[str, type[_Strict]] = {
    "sla_policy": SlaPolicyFile,
    "survey_template": SurveyTemplateFile,
}


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
        raise ValueError("; ".join(_problem(e) for e in exc.errors())) from None
    return checked.model_dump(mode="json")
