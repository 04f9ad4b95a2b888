"""The customer's timeline: every feature's events about one customer, newest first.

It sits above the feature packages and asks each of them for its entries (``SOURCES``), so
what it answers never depends on which other modules happen to be imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session

from branch_crm.services.care.timeline import care_timeline
from branch_crm.services.care.visits import visit_timeline
from branch_crm.services.complaints.timeline import complaint_timeline
from branch_crm.services.customers.history import customer_changes
from branch_crm.services.customers.preferences import preference_history
from branch_crm.services.customers.profile import live_customer
from branch_crm.services.surveys.timeline import survey_timeline
from branch_crm.services.timeline_entry import TimelineEntry

Source = Callable[[Session, str], Iterable[TimelineEntry]]
"""``source(session, customer_id)``: one feature's entries about the customer."""


def _preferences(session: Session, customer_id: str) -> list[TimelineEntry]:
    return preference_history(session=session, customer_id=customer_id)


SOURCES: tuple[Source, ...] = (
    customer_changes,
    _preferences,
    care_timeline,
    visit_timeline,
    complaint_timeline,
    survey_timeline,
)
"""Every feature with entries on the timeline; entries of one instant keep this order."""


def customer_timeline(*, session: Session, customer_id: str) -> list[TimelineEntry]:
    """Every event of the customer from every feature, newest first."""
    live_customer(session, customer_id)
    entries: list[TimelineEntry] = []
    for source in SOURCES:
        entries.extend(source(session, customer_id))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries
