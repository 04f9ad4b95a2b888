"""The customer list as the list page shows it: the filter bar's filters, sorted by name."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy.orm import Session

from branch_crm.excel.writer import NUMBER, Column
from branch_crm.i18n import _
from branch_crm.reference.labels import NEED_TAGS, VISIT_CLASSES, label, need_tags_text
from branch_crm.reference.roles import Permission
from branch_crm.services.context import Actor
from branch_crm.services.customers.classification import lifecycle_label, tier_label
from branch_crm.services.customers.listing import (
    ListFilter,
    fetch_rows,
    list_customer_keys,
)
from branch_crm.services.exports.common import ExportFilters, Table, chunked, notes, yes_no
from branch_crm.services.permissions import require


def list_filter(filters: ExportFilters) -> ListFilter:
    """The customer-list filter of ``filters``."""
    return ListFilter(
        tier=filters.tier,
        lifecycle=filters.lifecycle,
        visit_class=filters.visit_class,
        need_tag=filters.need_tag,
        churn_risk=filters.churn_risk,
    )


def _rows(session: Session, keys: Sequence[int]) -> Iterator[tuple[object, ...]]:
    for part in chunked(keys):
        for r in fetch_rows(session=session, keys=part):  # type: ignore[arg-type]
            yield (
                r.name,
                r.phone,
                r.company,
                tier_label(r.tier),
                lifecycle_label(r.lifecycle),
                label(VISIT_CLASSES, r.visit_class) if r.visit_class else "",
                need_tags_text(r.need_tags),
                yes_no(r.churn_risk),
                r.last_month_parcels,
            )


def table(session: Session, actor: Actor, filters: ExportFilters) -> Table:
    """Every customer passing the list filters, by name (pinyin order)."""
    require(actor, Permission.CUSTOMER_VIEW)
    flt = list_filter(filters)
    keys = list_customer_keys(session=session, flt=flt)
    churn = (
        None if flt.churn_risk is None else (_("At risk") if flt.churn_risk else _("Not at risk"))
    )
    used = [
        (_("Tier"), tier_label(flt.tier) if flt.tier else None),
        (_("Lifecycle"), lifecycle_label(flt.lifecycle) if flt.lifecycle else None),
        (_("Visit class"), label(VISIT_CLASSES, flt.visit_class) if flt.visit_class else None),
        (_("Need"), label(NEED_TAGS, flt.need_tag) if flt.need_tag else None),
        (_("Churn risk"), churn),
    ]
    columns = [
        Column(_("Name")),
        Column(_("Phone")),
        Column(_("Company")),
        Column(_("Tier")),
        Column(_("Lifecycle")),
        Column(_("Visit class")),
        Column(_("Needs")),
        Column(_("Churn risk")),
        Column(_("Parcels last month"), NUMBER),
    ]
    return Table(
        title=_("Customers"),
        columns=columns,
        rows=_rows(session, keys),
        notes=notes(used, actor.display_name),
        total=len(keys),
    )
