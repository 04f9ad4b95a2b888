"""Row generator for demo customers (plain tuples for ``executemany``; no database access).

Profiles follow DOMAIN.md's value pyramid: ~1% strategic, ~4% key, ~15% ordinary, the rest
walk-in; cooperation stages new / stable / loyal; some customers dormant (no parcels for 6+
months) and some ordinary-or-better customers whose last month dropped sharply (churn risk).
Volumes cover the 18 months ending with the last complete month.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import accumulate

from branch_crm.services.customers.pinyin import name_pinyin
from branch_crm.services.demo import words as data
from branch_crm.timeutil import add_months, month_key

HISTORY_MONTHS = 18
SEGMENTS = (("strategic", 1.0), ("key", 4.0), ("ordinary", 15.0), ("walk_in", 80.0))
BASE_PARCELS = {
    "strategic": (5600, 16000),
    "key": (1150, 4300),
    "ordinary": (45, 850),
    "walk_in": (1, 8),
}
PRICE_CENTS = {"strategic": 520, "key": 680, "ordinary": 900, "walk_in": 1300}
NEED_WEIGHTS = (
    ("fragile", 0.10),
    ("cold_chain", 0.05),
    ("valuables", 0.04),
    ("time_sensitive", 0.08),
    ("ecommerce_peak", 0.08),
)
STAMP = "%Y-%m-%d %H:%M:%S.%f"


class IdSource:
    """Fast UUIDv7 strings for a bulk load: one millisecond stamp, then a counter in the
    random bits (unique and time-ordered; ~1 µs each instead of building UUID objects)."""

    def __init__(self, rng: random.Random) -> None:
        self.ms = int(time.time() * 1000)
        self.rand_a = rng.getrandbits(12)
        self.next = rng.getrandbits(40) << 20

    def __call__(self) -> str:
        self.next += 1
        value = (
            (self.ms & ((1 << 48) - 1)) << 80
            | 0x7 << 76
            | self.rand_a << 64
            | 0b10 << 62
            | (self.next & ((1 << 62) - 1))
        )
        h = f"{value:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass
class Rows:
    """Rows for one batch of customers, ready for ``executemany``."""

    customers: list[tuple[object, ...]] = field(default_factory=list)
    phones: list[tuple[object, ...]] = field(default_factory=list)
    volumes: list[tuple[object, ...]] = field(default_factory=list)
    preferences: list[tuple[object, ...]] = field(default_factory=list)


@dataclass
class Profile:
    """The shape of one customer's history."""

    segment: str
    first_day: date
    start: int  # index into the 18 months where shipping starts
    stop: int  # last index with shipments (inclusive)
    churn: bool


class DemoGenerator:
    """Deterministic (per seed) demo rows; ``today`` fixes the 18-month window."""

    def __init__(
        self,
        seed: int,
        today: date,
        branch_id: str,
        managers: list[str],
        recorder: str | None = None,
    ) -> None:
        self.rng = random.Random(seed)
        self.notes_rng = random.Random(seed * 7919 + 1)  # own stream: other data unchanged
        self.new_id = IdSource(random.Random(time.time_ns()))
        self.recorder = recorder
        self.today = today
        self.branch_id = branch_id
        self.managers = managers
        last = add_months(month_key(today), -1)
        self.months = [add_months(last, i - HISTORY_MONTHS + 1) for i in range(HISTORY_MONTHS)]
        self.month_stamps = [f"{m}-28 20:00:00.000000" for m in self.months]
        self.surnames: list[str] = [name for name, _weight in data.SURNAMES]
        self.surname_cum: list[float] = list(accumulate(w for _name, w in data.SURNAMES))
        self.used_phones: set[str] = set()

    # -- people ---------------------------------------------------------------------------
    def name(self) -> str:
        """A Chinese name: weighted surname, 1 or 2 given-name characters."""
        rng = self.rng
        surname = rng.choices(self.surnames, cum_weights=self.surname_cum)[0]
        given = rng.choice(data.GIVEN_CHARS)
        if rng.random() < 0.72:
            given += rng.choice(data.GIVEN_CHARS)
        return surname + given

    def mobile(self) -> str:
        """A unique, valid-looking mainland mobile number."""
        while True:
            phone = self.rng.choice(data.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone

    def landline(self) -> str:
        """A unique landline with area code (8-digit number after 3-digit codes)."""
        while True:
            code = self.rng.choice(data.AREA_CODES)
            digits = 8 if len(code) == 3 or self.rng.random() < 0.5 else 7
            local = (
                str(self.rng.randrange(2, 9))
                + f"{self.rng.randrange(10 ** (digits - 1)):0{digits - 1}d}"
            )
            phone = code + local
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone

    def company(self) -> str:
        """A company name such as 上海顺达贸易有限公司."""
        rng = self.rng
        brand = "".join(rng.sample(data.BRAND_CHARS, 2))
        return (
            rng.choice(data.COMPANY_CITIES)
            + brand
            + rng.choice(data.INDUSTRIES)
            + rng.choice(data.COMPANY_SUFFIXES)
        )

    def address(self) -> str:
        """A street address in the branch's city."""
        rng = self.rng
        street = f"{rng.choice(data.ROADS)}{rng.randrange(1, 1800)}号"
        text = f"{data.CITY}{rng.choice(data.DISTRICTS)}{street}"
        if rng.random() < 0.6:
            text += (
                f"{rng.choice(data.COMPOUNDS)}{rng.randrange(1, 40)}栋{rng.randrange(101, 3302)}室"
            )
        return text

    def need_tags(self, segment: str) -> str:
        """Comma-separated need tags (most customers just ship ordinary parcels)."""
        boost = 2.0 if segment in ("strategic", "key") else 1.0
        tags = [tag for tag, p in NEED_WEIGHTS if self.rng.random() < p * boost]
        return ",".join(tags or ["ordinary"])

    def visit_class(self, segment: str) -> str | None:
        """A for strategic, B for key, C for some ordinary customers."""
        if segment == "strategic":
            return "A"
        if segment == "key":
            return "B" if self.rng.random() < 0.8 else "A"
        if segment == "ordinary" and self.rng.random() < 0.5:
            return "C"
        return None

    # -- volumes --------------------------------------------------------------------------
    def profile(self) -> Profile:
        """Segment, cooperation start, shipping window and churn for one customer."""
        rng = self.rng
        segment = rng.choices([s for s, _ in SEGMENTS], weights=[w for _, w in SEGMENTS])[0]
        roll = rng.random()
        if roll < 0.06:
            first_day = self.today - timedelta(days=rng.randrange(1, 85))
        elif roll < 0.30:
            first_day = self.today - timedelta(days=rng.randrange(100, 360))
        else:
            first_day = self.today - timedelta(days=rng.randrange(400, 3000))
        start = max(0, self._index(first_day))
        stop = HISTORY_MONTHS - 1
        dormant_share = 0.1 if segment == "walk_in" else 0.06
        if roll >= 0.06 and start <= HISTORY_MONTHS - 7 and rng.random() < dormant_share:
            stop = rng.randrange(start, HISTORY_MONTHS - 6)
        churn = segment != "walk_in" and stop == HISTORY_MONTHS - 1 and rng.random() < 0.08
        return Profile(segment, first_day, start, stop, churn)

    def _index(self, day: date) -> int:
        """Position of the day's month in the 18-month window (may be outside it)."""
        key = month_key(day)
        first = self.months[0]
        return (int(key[:4]) - int(first[:4])) * 12 + int(key[5:7]) - int(first[5:7])

    def parcels(self, profile: Profile) -> list[int]:
        """Parcels per month over the window (0 where nothing was shipped)."""
        rng = self.rng
        low, high = BASE_PARCELS[profile.segment]
        base = rng.uniform(low, high)
        walk_in = profile.segment == "walk_in"
        chance = rng.uniform(0.1, 0.4) if walk_in else 1.0
        out = [0] * HISTORY_MONTHS
        for i in range(profile.start, profile.stop + 1):
            if walk_in:
                out[i] = rng.randrange(1, 9) if rng.random() < chance else 0
            else:
                out[i] = max(1, round(base * rng.uniform(0.85, 1.15)))
        if profile.churn:
            out[-1] = round(out[-1] * rng.uniform(0.05, 0.35))
        return out

    # -- rows -----------------------------------------------------------------------------
    def add_customer(self, rows: Rows, local_no: int) -> None:
        """Append one customer with phones, volumes and maybe pickup preferences."""
        rng = self.rng
        profile = self.profile()
        customer_id = self.new_id()
        created = datetime.combine(profile.first_day, datetime.min.time()) + timedelta(
            seconds=rng.randrange(8 * 3600, 19 * 3600)
        )
        stamp = created.strftime(STAMP)
        is_company = (profile.segment != "walk_in" and rng.random() < 0.7) or rng.random() < 0.05
        name = self.name()
        pinyin, initials = name_pinyin(name)
        manager = (
            rng.choice(self.managers) if profile.segment == "strategic" and self.managers else None
        )
        rows.customers.append(
            (
                customer_id, self.branch_id, stamp, stamp, name, pinyin, initials,
                "company" if is_company else "individual",
                self.company() if is_company or rng.random() < 0.08 else None,
                self.address() if rng.random() < 0.85 else None,
                self._birthday(), profile.first_day.isoformat(), manager,
                self.need_tags(profile.segment), self.visit_class(profile.segment),
                self._notes(), 1 if rng.random() < 0.4 else 0, local_no,
            )
        )  # fmt: skip
        self._phones(rows, customer_id, stamp, is_company)
        self._volumes(rows, customer_id, profile)
        if rng.random() < 0.15:
            rows.preferences.append(self._preference(customer_id, stamp))

    def _notes(self) -> str | None:
        """A counter clerk's note on some customers."""
        if self.notes_rng.random() >= 0.06:
            return None
        return self.notes_rng.choice(data.CUSTOMER_NOTES)

    def _birthday(self) -> str | None:
        if self.rng.random() < 0.4:
            return None
        return (self.today - timedelta(days=self.rng.randrange(18 * 365, 75 * 365))).isoformat()

    def _phones(self, rows: Rows, customer_id: str, stamp: str, is_company: bool) -> None:
        first_landline = is_company and self.rng.random() < 0.35
        numbers = [self.landline() if first_landline else self.mobile()]
        if self.rng.random() < 0.1:
            numbers.append(self.mobile() if first_landline else self.landline())
        for position, phone in enumerate(numbers):
            kind = "mobile" if phone.startswith("1") else "landline"
            rows.phones.append(
                (self.new_id(), self.branch_id, stamp, stamp, customer_id, phone, kind, position)
            )

    def _volumes(self, rows: Rows, customer_id: str, profile: Profile) -> None:
        price = PRICE_CENTS[profile.segment]
        for i, parcels in enumerate(self.parcels(profile)):
            if parcels:
                revenue = round(parcels * price * self.rng.uniform(0.9, 1.1))
                stamp = self.month_stamps[i]
                rows.volumes.append(
                    (self.new_id(), self.branch_id, stamp, stamp, customer_id, self.months[i],
                     parcels, revenue)
                )  # fmt: skip

    def _preference(self, customer_id: str, stamp: str) -> tuple[object, ...]:
        rng = self.rng
        windows = [("08:00", "12:00"), ("12:00", "18:00"), ("18:00", "21:00")]  # the form's
        weekdays = ["mon", "tue", "wed", "thu", "fri"]
        days = rng.sample(weekdays, rng.randrange(1, 6))
        picked = {d: sorted(rng.sample(windows, rng.randrange(1, 3))) for d in days}
        availability = {d: [list(w) for w in picked[d]] for d in weekdays if d in picked}
        drop_off = rng.choice(["door", "door", "parcel_locker", "property_desk", "front_desk"])
        special = [s for s in ("fragile", "cold_chain", "valuables") if rng.random() < 0.08]
        return (
            self.new_id(), self.branch_id, stamp, stamp, customer_id,
            json.dumps(availability, ensure_ascii=False),
            1 if rng.random() < 0.3 else 0, drop_off, rng.choice([0, 0, 10, 15, 30]),
            rng.choice(data.PACKAGING) if rng.random() < 0.5 else None, ",".join(special),
            rng.choice(data.PREFERENCE_NOTES) or None, self.recorder, stamp,
        )  # fmt: skip
