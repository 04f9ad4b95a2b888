"""The care plan: the care tasks the customer data calls for, generated once per customer,
reason and period (issue 15; DOMAIN.md "Customer classification").

Reasons (``CareTask.kind``) and their periods:

* ``birthday``: customers who consented to marketing, birthday within the next
  ``care.lead_days`` days (today included); period: the year. A 29 February birthday falls
  on 28 February in other years.
* ``anniversary``: the same for the cooperation anniversary (first-shipment date), from the
  first year on; period: the year.
* ``greeting``: visit-class A and B customers, a festival (reference.festivals: New Year,
  Spring Festival, Labour Day, Dragon Boat, Mid-Autumn, National Day) within the next
  ``care.lead_days`` days; period: "<year>-<festival>". Festivals on the same day
  (Mid-Autumn on National Day, 2031-10-01) make one greeting naming both, period
  "<year>-<festival>+<festival>".
* ``visit``: visit-class A/B/C customers whose next visit falls due within ``care.lead_days``
  days: the next visit agreed at the last visit, else the last contact plus the class's
  interval (``care.visit_days_a|b|c``),
  else (never visited) the first day of this month or the day the customer was recorded,
  whichever is later; none while a visit task is open; period: that due date.
* ``win_back``: customers whose classification turned dormant (they shipped before);
  period: their last shipping month.
* ``churn_call``: customers flagged as churn risk; period: the month the figures are for.
* ``feedback``: visit-class A/B/C customers with fewer survey answers this month than their
  class's quota (``care.feedback_a|b|c``: feedback forms per month); one task per form
  still due, the next once the one before is closed (recording a survey answer for the
  customer closes it: services.care.feedback); the k-th form of the month falls due by day
  ceil(k * days in month / quota); period: "<month>#<k>".

Idempotent and safe across PCs: a task's id is a function of (branch, customer, reason,
period) and every value of a generated row follows from synced data, so running the plan
again, or on another PC of the branch while offline, makes the very same row (written once
here; the other PC's copy merges into it). Its insert is stamped at the floor of time
(:mod:`branch_crm.sync.generated`), so a generated copy arriving late never reopens a task
someone closed meanwhile.

All of it is set-based SQL on the session's connection: candidates with their English title
and stored message into a temporary table (each statement fills only its own placeholders),
their ids (a Python SQL function), one ``INSERT ... SELECT`` of the new tasks in id order
and one of their outbox rows (a scan of the table's new tail); no ORM object per task (see
bench/care_plan.py).
"""

from __future__ import annotations

import calendar
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from branch_crm.i18n import N_
from branch_crm.models import AuditEntry
from branch_crm.reference.festivals import FESTIVALS
from branch_crm.reference.ids import deterministic_id
from branch_crm.services.care.festivals import festival_dates
from branch_crm.services.care.visits import month_bounds
from branch_crm.services.context import Actor, system_actor
from branch_crm.services.dbapi import raw_connection
from branch_crm.services.settings import values as settings
from branch_crm.sync.capture import capture_suspended, max_rowid
from branch_crm.sync.generated import queue_generated
from branch_crm.timeutil import BUSINESS_TZ, local_today, month_key, utcnow

REASONS: tuple[str, ...] = (
    "birthday",
    "anniversary",
    "greeting",
    "visit",
    "win_back",
    "churn_call",
    "feedback",
)
"""The reasons the plan generates, in the order it reports them."""

MESSAGES: dict[str, str] = {
    "birthday": N_("Birthday on {date}"),
    "anniversary": N_("{years}-year cooperation anniversary on {date}"),
    "greeting": N_("{festival} greeting on {date}"),
    "greeting_joint": N_("{festival} and {other} greeting on {date}"),
    "visit": N_("Visit due (class {visit_class}); last contact {last}"),
    "visit_first": N_("Visit due (class {visit_class}); no visit recorded yet"),
    "win_back": N_("Win back: no shipments since {month}"),
    "churn_call": N_("Churn risk: only {parcels} parcels in {month}"),
    "feedback": N_("Feedback form {number} of {quota} for {month} (class {visit_class})"),
}
"""The reason a clerk reads, stored as a message id and values (models.stored_text)."""

_ID_EPOCH_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z: fixed time part of plan ids


def task_id(branch: str, customer_id: str, reason: str, period: str) -> str:
    """The id of the generated task for one customer, reason and period (the same on every
    PC of the branch)."""
    return deterministic_id(_ID_EPOCH_MS, "care_task", branch, customer_id, reason, period)


@dataclass(frozen=True)
class PlanResult:
    """What one run of the plan created."""

    day: date
    created: dict[str, int] = field(default_factory=dict)
    """Reason -> new tasks (every reason of :data:`REASONS`, 0 included)."""

    @property
    def total(self) -> int:
        """New tasks of every reason."""
        return sum(self.created.values())


# --- the SQL -----------------------------------------------------------------------------

_CANDIDATES = """
CREATE TEMP TABLE IF NOT EXISTS care_plan (
  customer_id TEXT NOT NULL, kind TEXT NOT NULL, period TEXT NOT NULL, due_on TEXT NOT NULL,
  title TEXT NOT NULL, message TEXT NOT NULL, assignee_id TEXT, id TEXT,
  PRIMARY KEY (customer_id, kind, period))
"""
_INTO = (
    "INSERT OR IGNORE INTO temp.care_plan "
    "(customer_id, kind, period, due_on, title, message, assignee_id)"
)

_LIVE = "c.deleted_at IS NULL AND c.branch_id = :branch"


def _title(msg: str, args: Sequence[tuple[str, str, str | None]]) -> str:
    """SQL: the English ``title`` of a candidate: ``msg`` (a parameter) with its placeholders
    replaced; ``args`` as (placeholder, SQL value in the stored message, SQL text in the
    English title, None: the value itself). Each statement replaces only its own
    placeholders."""
    title = msg
    for name, value, english in args:
        title = f"replace({title}, '{{{name}}}', {english or value})"
    return f"substr({title}, 1, 200)"


def _message(msg: str, args: Sequence[tuple[str, str, str | None]]) -> str:
    """SQL: the stored message (models.stored_text) of a candidate, as JSON text."""
    pairs = ", ".join(f"'{name}', {value}" for name, value, _english in args)
    return f"json_object('msg', {msg}, 'args', json_object({pairs}))"


def _texts(msg: str, args: Sequence[tuple[str, str, str | None]]) -> str:
    """SQL: the ``title, message`` columns of a candidate."""
    return f"{_title(msg, args)}, {_message(msg, args)}"


def _occurrence(column: str, year: str, leap: str) -> str:
    """SQL: the day of ``column``'s month and day in ``year`` (29 Feb -> 28 Feb unless
    ``leap``)."""
    return (
        f"(CASE WHEN substr({column}, 6, 5) = '02-29' AND NOT {leap} "
        f"THEN {year} || '-02-28' ELSE {year} || substr({column}, 5, 6) END)"
    )


def _yearly_sql(kind: str, column: str, *, extra: str, texts: str, year: str, leap: str) -> str:
    occurrence = _occurrence(f"c.{column}", year, leap)
    return f"""
{_INTO}
SELECT id, '{kind}', CAST({year} AS TEXT), occ, {texts}, account_manager_id FROM (
  SELECT c.id, c.account_manager_id, c.{column} AS since, {occurrence} AS occ
  FROM customer c
  WHERE {_LIVE} AND c.{column} IS NOT NULL {extra}
) WHERE occ BETWEEN :today AND :horizon
"""


def _yearly(raw: sqlite3.Connection, base: dict[str, Any], today: date) -> None:
    """Birthdays and cooperation anniversaries of customers who consented to marketing."""
    consent = "AND c.marketing_consent = 1"
    for year in (today.year, today.year + 1):
        leap = "1" if _is_leap(year) else "0"
        birthday = _yearly_sql(
            "birthday",
            "birthday",
            extra=consent,
            texts=_texts(":msg", [("date", "occ", None)]),
            year=str(year),
            leap=leap,
        )
        raw.execute(birthday, {**base, "msg": MESSAGES["birthday"]})
        years = f"({year} - CAST(substr(since, 1, 4) AS INTEGER))"
        anniversary = _yearly_sql(
            "anniversary",
            "first_shipment_date",
            extra=f"{consent} AND CAST(substr(c.first_shipment_date, 1, 4) AS INTEGER) < {year}",
            texts=_texts(":msg", [("years", years, None), ("date", "occ", None)]),
            year=str(year),
            leap=leap,
        )
        raw.execute(anniversary, {**base, "msg": MESSAGES["anniversary"]})


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


_FESTIVAL = ("festival", "json_object('msg', :festival)", ":festival")
_OTHER = ("other", "json(:others)", ":other")
_DAY = ("date", ":day", None)
_GREETING_SQL = f"""
{_INTO}
SELECT c.id, 'greeting', :period, :day, {{texts}}, c.account_manager_id
FROM customer c
WHERE {_LIVE} AND c.visit_class IN ('A', 'B')
"""
_ONE_GREETING_SQL = _GREETING_SQL.format(texts=_texts(":msg", [_FESTIVAL, _DAY]))
_JOINT_GREETING_SQL = _GREETING_SQL.format(texts=_texts(":msg", [_FESTIVAL, _OTHER, _DAY]))


def festival_days(
    session: Session, today: date, horizon: date
) -> list[tuple[date, tuple[str, ...]]]:
    """(day, festival codes in calendar order) of the greeting festivals from ``today`` to
    ``horizon``: festivals falling on the same day (Mid-Autumn on National Day, 2031-10-01)
    share one entry, so their customers get one greeting naming both."""
    days: dict[date, list[str]] = {}
    for code, day in festival_dates(session=session, years=(today.year, horizon.year)):
        if today <= day <= horizon:
            days.setdefault(day, []).append(code)
    order = list(FESTIVALS)
    return [(day, tuple(sorted(codes, key=order.index))) for day, codes in sorted(days.items())]


def greeting_period(day: date, codes: Sequence[str]) -> str:
    """The period of a greeting: '<year>-<festival>', festivals sharing the day joined by
    '+' ('2031-mid_autumn+national_day')."""
    return f"{day.year}-{'+'.join(codes)}"


def _greetings(raw: sqlite3.Connection, session: Session, base: dict[str, Any]) -> None:
    """Festival greetings to visit-class A and B customers: one per day, naming every
    festival of that day."""
    today, horizon = date.fromisoformat(base["today"]), date.fromisoformat(base["horizon"])
    for day, codes in festival_days(session, today, horizon):
        params = {
            **base,
            "period": greeting_period(day, codes),
            "day": day.isoformat(),
            "festival": FESTIVALS[codes[0]],
        }
        if len(codes) == 1:
            raw.execute(_ONE_GREETING_SQL, {**params, "msg": MESSAGES["greeting"]})
        else:  # two festivals on one day (three never coincide)
            others = [FESTIVALS[c] for c in codes[1:]]
            joint = {
                **params,
                "msg": MESSAGES["greeting_joint"],
                "other": ", ".join(others),
                "others": json.dumps([{"msg": name} for name in others]),
            }
            raw.execute(_JOINT_GREETING_SQL, joint)


_CLASS = ("visit_class", "visit_class", None)
_LAST = ("last", "last", None)
_VISIT_SQL = f"""
{_INTO}
SELECT id, 'visit', due, due,
  CASE WHEN last IS NULL THEN {_title(":msg_first", [_CLASS])}
       ELSE {_title(":msg", [_CLASS, _LAST])} END,
  CASE WHEN last IS NULL THEN {_message(":msg_first", [_CLASS])}
       ELSE {_message(":msg", [_CLASS, _LAST])} END,
  account_manager_id
FROM (
  SELECT c.id, c.visit_class, c.account_manager_id, date(v.last_at, :zone) AS last,
    COALESCE(v.next_on, date(v.last_at, :zone, '+' || (CASE c.visit_class WHEN 'A' THEN :days_a
      WHEN 'B' THEN :days_b ELSE :days_c END) || ' days'),
      max(:month_start, date(c.created_at, :zone))) AS due
  FROM customer c
  LEFT JOIN (
    SELECT customer_id, MAX(at) AS last_at, next_visit_on AS next_on
    FROM visit WHERE deleted_at IS NULL GROUP BY customer_id
  ) v ON v.customer_id = c.id
  WHERE {_LIVE} AND c.visit_class IN ('A', 'B', 'C')
    AND NOT EXISTS (SELECT 1 FROM care_task t WHERE t.customer_id = c.id AND t.kind = 'visit'
                    AND t.status = 'open' AND t.deleted_at IS NULL)
) WHERE due <= :horizon_visit
"""
# (SQLite takes next_visit_on from the row holding MAX(at): the latest visit's agreement.)

_WIN_BACK_SQL = f"""
{_INTO}
SELECT c.id, 'win_back', s.last_shipment_month, :month_start,
  {_texts(":msg", [("month", "s.last_shipment_month", None)])}, c.account_manager_id
FROM customer_stats s JOIN customer c ON c.id = s.customer_id
WHERE {_LIVE} AND s.lifecycle = 'dormant' AND s.last_shipment_month IS NOT NULL
"""

_CHURN_SQL = f"""
{_INTO}
SELECT c.id, 'churn_call', s.computed_for, :month_start,
  {_texts(":msg", [("parcels", "s.last_month_parcels", None), ("month", "s.computed_for", None)])},
  c.account_manager_id
FROM customer_stats s JOIN customer c ON c.id = s.customer_id
WHERE {_LIVE} AND s.churn_risk = 1 AND s.computed_for != ''
"""

_FEEDBACK_ARGS = [
    ("number", "done + 1", None),
    ("quota", "quota", None),
    ("month", ":month", None),
    ("visit_class", "visit_class", None),
]
_FEEDBACK_TEXTS = _texts(":msg", _FEEDBACK_ARGS)
_FEEDBACK_SQL = f"""
{_INTO}
SELECT id, 'feedback', :month || '#' || (done + 1), due, {_FEEDBACK_TEXTS},
  account_manager_id
FROM (
  SELECT id, visit_class, account_manager_id, quota, done,
    max(date(:month_start, '+' || (((done + 1) * :month_days + quota - 1) / quota - 1) || ' days'),
        created) AS due
  FROM (
    SELECT c.id, c.visit_class, c.account_manager_id, date(c.created_at, :zone) AS created,
      CASE c.visit_class WHEN 'A' THEN :fb_a WHEN 'B' THEN :fb_b ELSE :fb_c END AS quota,
      (SELECT count(*) FROM survey_response r WHERE r.customer_id = c.id
         AND r.deleted_at IS NULL AND r.answered_on >= :month_from AND r.answered_on < :month_to
         AND NOT EXISTS (SELECT 1 FROM survey_response s WHERE s.supersedes_id = r.id)) AS done
    FROM customer c
    WHERE {_LIVE} AND c.visit_class IN ('A', 'B', 'C')
  ) WHERE done < quota
) WHERE due <= :horizon_visit
"""
# The k-th form of the month is due by day ceil(k * days / quota): the quota spread over the
# month (2 a month: the 15th and the month's last day).

_INSERT_SQL = """
INSERT INTO care_task (id, branch_id, customer_id, kind, due_on, status, title, title_message,
  assignee_id, period, created_at, updated_at)
SELECT id, :branch, customer_id, kind, due_on, 'open', title, message, assignee_id, period,
  :now, :now
FROM temp.care_plan ORDER BY id
"""


def _params(session: Session, actor: Actor, today: date) -> dict[str, Any]:
    values = settings.get_many(session, "care.")
    offset = BUSINESS_TZ.utcoffset(datetime(today.year, today.month, today.day))
    seconds = int(offset.total_seconds()) if offset is not None else 0
    lead = int(values["care.lead_days"])
    month_from, month_to = month_bounds(month_key(today))
    return {
        "branch": actor.branch_id,
        "today": today.isoformat(),
        "horizon": (today + timedelta(days=lead)).isoformat(),
        "horizon_visit": (today + timedelta(days=lead)).isoformat(),
        "month_start": today.replace(day=1).isoformat(),
        "zone": f"{seconds:+d} seconds",
        "days_a": int(values["care.visit_days_a"]),
        "days_b": int(values["care.visit_days_b"]),
        "days_c": int(values["care.visit_days_c"]),
        "fb_a": int(values["care.feedback_a"]),
        "fb_b": int(values["care.feedback_b"]),
        "fb_c": int(values["care.feedback_c"]),
        "month": month_key(today),
        "month_days": calendar.monthrange(today.year, today.month)[1],
        "month_from": month_from,
        "month_to": month_to,
        "now": utcnow().strftime("%Y-%m-%d %H:%M:%S.%f"),
    }


def _collect(raw: sqlite3.Connection, session: Session, base: dict[str, Any]) -> None:
    """Every candidate task into temp.care_plan."""
    today = date.fromisoformat(base["today"])
    _yearly(raw, base, today)
    _greetings(raw, session, base)
    visit = {**base, "msg": MESSAGES["visit"], "msg_first": MESSAGES["visit_first"]}
    raw.execute(_VISIT_SQL, visit)
    raw.execute(_WIN_BACK_SQL, {**base, "msg": MESSAGES["win_back"]})
    raw.execute(_CHURN_SQL, {**base, "msg": MESSAGES["churn_call"]})
    raw.execute(_FEEDBACK_SQL, {**base, "msg": MESSAGES["feedback"]})


def _keep_new(raw: sqlite3.Connection, branch: str) -> None:
    """Give the candidates their ids and drop those whose task exists (any state)."""
    raw.create_function(
        "care_task_id", 3, lambda c, k, p: task_id(branch, c, k, p), deterministic=True
    )
    raw.execute("UPDATE temp.care_plan SET id = care_task_id(customer_id, kind, period)")
    raw.execute(
        "DELETE FROM temp.care_plan WHERE EXISTS "
        "(SELECT 1 FROM care_task t WHERE t.id = temp.care_plan.id)"
    )


def plan_care(*, session: Session, actor: Actor, today: date | None = None) -> PlanResult:
    """Create the care tasks due by ``today`` (default: the business day) that do not exist
    yet; returns how many of each reason. Run it as often as you like: a second run the same
    day creates nothing. Generated tasks are the system's (no author); one audit entry
    records the run when it created any."""
    day = today or local_today()
    raw = raw_connection(session)
    base = _params(session, actor, day)
    raw.execute(_CANDIDATES)
    raw.execute("DELETE FROM temp.care_plan")
    try:
        _collect(raw, session, base)
        _keep_new(raw, actor.branch_id)
        counts = dict(
            raw.execute("SELECT kind, count(*) FROM temp.care_plan GROUP BY kind").fetchall()
        )
        if counts:
            after = max_rowid(raw, "care_task")
            with capture_suspended(raw):
                raw.execute(_INSERT_SQL, base)
            queue_generated(raw, "care_task", after)
    finally:
        raw.execute("DELETE FROM temp.care_plan")
    result = PlanResult(day, {reason: int(counts.get(reason, 0)) for reason in REASONS})
    if result.total:
        _audit(session, actor, result)
    raw.execute(
        "INSERT INTO local_setting (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (LAST_RUN_KEY, json.dumps({"value": day.isoformat()})),
    )
    return result


LAST_RUN_KEY = "care.plan_day"
"""local_setting row: the last day this PC ran the plan (the app runs it once a day)."""


def plan_if_due(*, session: Session, actor: Actor, today: date | None = None) -> PlanResult | None:
    """Run the plan unless this PC ran it already for ``today`` (the app's start-up and its
    minute timer call this; None when there was nothing to do). The tasks and the audit entry
    are the system's, whoever is signed in."""
    day = today or local_today()
    row = (
        raw_connection(session)
        .execute("SELECT value FROM local_setting WHERE key = ?", (LAST_RUN_KEY,))
        .fetchone()
    )
    if row is not None and json.loads(row[0]).get("value") == day.isoformat():
        return None
    return plan_care(session=session, actor=system_actor(actor.branch_id), today=day)


def _audit(session: Session, actor: Actor, result: PlanResult) -> None:
    """One audit entry for the run (the tasks themselves are many, and the system's)."""
    now = utcnow()
    session.add(
        AuditEntry(
            at=now,
            actor_id=actor.staff_id,
            action="care_plan",
            entity="care_task",
            entity_id=None,
            changes={
                "day": result.day.isoformat(),
                **{k: v for k, v in result.created.items() if v},
            },
            branch_id=actor.branch_id,
            created_by=actor.staff_id,
            updated_by=actor.staff_id,
        )
    )
    session.flush()
