"""Issue 10, "every write path authorised by the caller's branch and role": a PC's token is
its branch's, but resolving a conflict is a supervisor's act. Head office applies a change of
a conflict's status, resolution or resolver only when ``resolved_by`` names a live staff
member of that branch whose role may resolve conflicts (services.permissions); any other is
quarantined as ``forbidden`` and nothing is resolved. The staff row counts whether it came in
an earlier push or earlier in the same one."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hq_push_support import (
    WHEN,
    Office,
    Pc,
    change,
    customer,
    new_pk,
    now_stamp,
    office_at,
    phone,
    staff,
)

NUMBER = "13811110001"


@dataclass
class Clash:
    """BR1 holds a phone; BR2 pushed a customer with the same phone and got a conflict."""

    office: Office
    br1: Pc
    br2: Pc
    their_phone: str
    my_phone: str
    conflict: str

    def add_staff(self, pc: Pc, username: str, role: str, **extra: Any) -> str:
        """A staff member pushed by ``pc`` for its branch; returns the id."""
        pk = new_pk()
        data = staff(pc.branch, username, role, **extra)
        answer = self.office.push(pc, [change("staff", pk, data, now_stamp(pc.node))])
        assert answer.status_code == 200 and answer.json()["rejected"] == [], answer.text
        return pk

    def resolution(self, resolved_by: str | None, choice: str = "keep_mine") -> dict[str, Any]:
        """BR2's change resolving the conflict, naming ``resolved_by``."""
        data = {"status": "resolved", "resolution": choice, "resolved_at": WHEN}
        if resolved_by is not None:
            data["resolved_by"] = resolved_by
        return change("sync_conflict", self.conflict, data, now_stamp(self.br2.node), op="update")

    def assert_refused(self, answer: Any) -> None:
        """The resolution was quarantined as forbidden and nothing was resolved."""
        assert answer.status_code == 200, answer.text
        refused = {(r["pk"], r["reason"]) for r in answer.json()["rejected"]}
        assert (self.conflict, "forbidden") in refused, answer.text
        (stored,) = self.office.rows("sync_conflict", id=self.conflict)
        assert stored["status"] == "open" and stored["resolution"] is None
        assert stored["resolved_by"] is None
        assert self.office.rows("customer_phone", id=self.their_phone)[0]["deleted_at"] is None
        assert self.office.count("customer_phone", id=self.my_phone) == 0  # still parked
        (kept,) = self.office.rows("hq_quarantine", table_name="sync_conflict", reason="forbidden")
        assert kept["branch_code"] == "BR2" and kept["pk"] == self.conflict

    def assert_resolved(self, answer: Any, resolved_by: str) -> None:
        """The resolution was applied: BR1's phone gave the number up, BR2's went in."""
        assert answer.status_code == 200 and answer.json()["rejected"] == [], answer.text
        (stored,) = self.office.rows("sync_conflict", id=self.conflict)
        assert (stored["status"], stored["resolution"]) == ("resolved", "keep_mine")
        assert stored["resolved_by"] == resolved_by
        assert self.office.rows("customer_phone", id=self.their_phone)[0]["deleted_at"] is not None
        assert self.office.rows("customer_phone", id=self.my_phone)[0]["deleted_at"] is None
        assert self.office.count("hq_quarantine", table_name="sync_conflict") == 0


@pytest.fixture
def clash(hq_url: str) -> Iterator[Clash]:
    with office_at(hq_url) as office:
        br1, br2 = office.register("BR1", "node1"), office.register("BR2", "node2")
        c1, p1, c2, p2 = (new_pk() for _ in range(4))
        ok = office.push(
            br1,
            [
                change("customer", c1, customer("BR1", "张三"), now_stamp(br1.node)),
                change("customer_phone", p1, phone("BR1", c1, NUMBER), now_stamp(br1.node)),
            ],
        )
        assert ok.status_code == 200 and ok.json()["rejected"] == [], ok.text
        parked = office.push(
            br2,
            [
                change("customer", c2, customer("BR2", "张先生"), now_stamp(br2.node)),
                change("customer_phone", p2, phone("BR2", c2, NUMBER), now_stamp(br2.node)),
            ],
        )
        ((conflict,),) = [[c["id"] for c in parked.json()["conflicts"]]]
        yield Clash(office, br1, br2, p1, p2, conflict)


def test_a_counter_cannot_resolve_a_conflict(clash: Clash) -> None:
    counter = clash.add_staff(clash.br2, "wang", "counter")
    clash.assert_refused(clash.office.push(clash.br2, [clash.resolution(counter)]))


def test_a_supervisor_resolves_it(clash: Clash) -> None:
    boss = clash.add_staff(clash.br2, "li", "supervisor")
    clash.assert_resolved(clash.office.push(clash.br2, [clash.resolution(boss)]), boss)


def test_an_admin_resolves_it(clash: Clash) -> None:
    admin = clash.add_staff(clash.br2, "it", "admin")
    clash.assert_resolved(clash.office.push(clash.br2, [clash.resolution(admin)]), admin)


@pytest.mark.parametrize("resolved_by", [None, "no-such-staff"], ids=["nobody", "unknown"])
def test_an_unknown_or_missing_resolver_is_refused(clash: Clash, resolved_by: str | None) -> None:
    named = new_pk() if resolved_by else None
    clash.assert_refused(clash.office.push(clash.br2, [clash.resolution(named)]))


def test_another_branchs_supervisor_is_refused(clash: Clash) -> None:
    theirs = clash.add_staff(clash.br1, "zhao", "supervisor")
    clash.assert_refused(clash.office.push(clash.br2, [clash.resolution(theirs)]))


def test_a_deleted_supervisor_is_refused(clash: Clash) -> None:
    gone = clash.add_staff(clash.br2, "qian", "supervisor", deleted_at=WHEN)
    clash.assert_refused(clash.office.push(clash.br2, [clash.resolution(gone)]))


def test_a_supervisor_added_earlier_in_the_same_batch_counts(clash: Clash) -> None:
    boss, pc = new_pk(), clash.br2
    new_staff = change("staff", boss, staff("BR2", "sun", "supervisor"), now_stamp(pc.node))
    answer = clash.office.push(pc, [new_staff, clash.resolution(boss)])
    clash.assert_resolved(answer, boss)


def test_a_counter_promoted_earlier_in_the_same_batch_counts(clash: Clash) -> None:
    promoted, pc = clash.add_staff(clash.br2, "zhou", "counter"), clash.br2
    promotion = change("staff", promoted, {"role": "supervisor"}, now_stamp(pc.node), op="update")
    clash.assert_resolved(clash.office.push(pc, [promotion, clash.resolution(promoted)]), promoted)


def test_a_supervisor_demoted_earlier_in_the_same_batch_is_refused(clash: Clash) -> None:
    demoted, pc = clash.add_staff(clash.br2, "wu", "supervisor"), clash.br2
    demotion = change("staff", demoted, {"role": "courier"}, now_stamp(pc.node), op="update")
    answer = clash.office.push(pc, [demotion, clash.resolution(demoted)])
    clash.assert_refused(answer)
    assert clash.office.rows("staff", id=demoted)[0]["role"] == "courier"  # the rest went in
