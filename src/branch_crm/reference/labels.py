"""The one home of stored codes' translated labels (need tags, drop-off places, special
handling, weekdays, ...), read by services, printing and the UI alike.

Codes are stored in English (enum values); people see these labels in their language.
"""

from __future__ import annotations

from branch_crm.i18n import N_, _

CUSTOMER_TYPES = {"individual": N_("Individual"), "company": N_("Company")}

NEED_TAGS = {
    "ordinary": N_("Ordinary parcels"),
    "cold_chain": N_("Cold chain"),
    "valuables": N_("Valuables"),
    "fragile": N_("Fragile"),
    "time_sensitive": N_("Time-sensitive"),
    "ecommerce_peak": N_("E-commerce peaks"),
}

VISIT_CLASSES = {"A": N_("Class A"), "B": N_("Class B"), "C": N_("Class C")}

MATCH_KINDS = {
    "phone": N_("Phone"),
    "last4": N_("Last 4 digits"),
    "name": N_("Name"),
    "pinyin_initials": N_("Pinyin initials"),
    "pinyin": N_("Pinyin"),
    "company": N_("Company"),
}

DROP_OFF_PLACES = {
    "door": N_("At the door"),
    "parcel_locker": N_("Parcel locker"),
    "property_desk": N_("Property management desk"),
    "front_desk": N_("Front desk / reception"),
    "other": N_("Other place"),
}

SPECIAL_HANDLING = {
    "fragile": N_("Fragile"),
    "cold_chain": N_("Cold chain"),
    "valuables": N_("Valuables"),
}

WEEKDAY_NAMES = {
    "mon": N_("Mon"),
    "tue": N_("Tue"),
    "wed": N_("Wed"),
    "thu": N_("Thu"),
    "fri": N_("Fri"),
    "sat": N_("Sat"),
    "sun": N_("Sun"),
}

WEEKDAYS = tuple(WEEKDAY_NAMES)
"""The stored weekday codes, Monday first (``date.weekday()`` indexes them)."""

PHONE_KINDS = {"mobile": N_("mobile"), "landline": N_("landline")}


def label(table: dict[str, str], code: str | None) -> str:
    """The translated label of ``code`` in ``table`` (the code itself when unknown)."""
    if code is None or code == "":
        return ""
    text = table.get(code)
    return _(text) if text is not None else code


def need_tags_text(tags: str | tuple[str, ...] | list[str]) -> str:
    """Comma-joined translated need tags from a stored comma string or a sequence."""
    codes = [t for t in tags.split(",") if t] if isinstance(tags, str) else list(tags)
    return _(", ").join(label(NEED_TAGS, c) for c in codes)
