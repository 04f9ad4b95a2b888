"""Survey test data: customers, printed forms and answers (service and UI tests share them)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from tests.support.services import run_service


def customer(db: Any, actor: Any, name: str, phone: str, tier: str | None = None) -> str:
    """Insert a customer with a primary phone (and a stats row with ``tier``)."""
    from branch_crm.models import Customer, CustomerPhone, CustomerStats
    from branch_crm.services.context import unit_of_work

    with unit_of_work(db, actor) as session:
        row = Customer(name=name)
        session.add(row)
        session.flush()
        session.add(CustomerPhone(customer_id=row.id, phone=phone, kind="mobile", position=0))
        if tier:
            session.add(CustomerStats(customer_id=row.id, tier=tier, stage="stable",
                                      lifecycle="active"))  # fmt: skip
        return str(row.id)


def printed_form(
    db: Any, actor: Any, customer_id: str, folder: Path, printed_on: date | None = None
) -> str:
    """Print one form for the customer; returns its serial. ``printed_on`` back-dates the
    form (answers may not predate their form), as if it had been printed that day."""
    from branch_crm.services.surveys.forms import print_survey_form

    result = run_service(db, actor, print_survey_form, customer_id=customer_id,
                         output=folder / f"{customer_id}.pdf")  # fmt: skip
    if printed_on is not None:
        from sqlalchemy import update

        from branch_crm.models import SurveyForm

        when = datetime.combine(printed_on, time(9), tzinfo=UTC)
        with db.session() as session:
            session.execute(
                update(SurveyForm).where(SurveyForm.serial == result.first_serial)
                .values(printed_at=when)
            )  # fmt: skip
    return str(result.first_serial)


def answers(scale: int | None = 4, nps: int | None = 9, ces: int | None = 6) -> dict[str, Any]:
    """A full set of answers with every 1-5 item at ``scale``."""
    from branch_crm.reference.defaults import DEFAULT_ITEMS

    out: dict[str, Any] = {c: scale for c, kind, _zh, _en in DEFAULT_ITEMS if kind == "scale5"}
    out["nps"] = nps
    out["ces"] = ces
    return out
