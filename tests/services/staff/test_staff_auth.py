"""Staff accounts and sign-in: argon2 hashes, first admin, roles, lock-out, audit rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from branch_crm.errors import AuthenticationError, PermissionDenied, ValidationError
from branch_crm.models import AuditEntry, Role, Staff
from branch_crm.services.context import system_actor, unit_of_work
from branch_crm.services.settings import values as settings
from branch_crm.services.staff import accounts, passwords, sign_in

BRANCH = "BR001"
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def first_admin(db):
    with db.session(branch_id=BRANCH) as session:
        return accounts.create_first_admin(
            session=session,
            username="Boss",
            display_name="王老板",
            password="admin-pass-1",
            branch_id="br001",
            branch_name="浦东网点",
        )


@pytest.fixture
def admin_actor(first_admin):
    from branch_crm.services.context import Actor

    return Actor(first_admin.id, first_admin.username, first_admin.display_name, Role.ADMIN, BRANCH)


def login(db, username: str, password: str):
    with db.session(branch_id=BRANCH) as session:
        return sign_in.authenticate(
            session=session, username=username, password=password, branch_id=BRANCH
        )


def audit_actions(db) -> list[tuple[str, str | None]]:
    with db.session() as session:
        rows = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "staff")
            .order_by(AuditEntry.at, AuditEntry.id)
        )
        return [(row.action, row.actor_id) for row in rows]


def test_password_hash_is_argon2_salted_and_verifies() -> None:
    first, second = passwords.hash_password("secret-123"), passwords.hash_password("secret-123")
    assert first.startswith("$argon2id$")
    assert first != second  # salted
    assert passwords.verify_password(first, "secret-123")
    assert not passwords.verify_password(first, "secret-124")
    assert not passwords.verify_password("not a hash", "secret-123")


def test_password_rules() -> None:
    assert "at least 8" in (passwords.password_problem("short") or "")
    assert passwords.password_problem(" leading-space") is not None
    assert passwords.password_problem("long enough") is None


def test_first_admin_only_once_and_stores_branch(db, first_admin) -> None:
    assert first_admin.role == "admin" and first_admin.username == "boss"
    with db.session(branch_id=BRANCH) as session:
        assert not accounts.needs_first_admin(session=session)
        assert settings.get(session, "branch.code") == "BR001"
        assert settings.get(session, "branch.name") == "浦东网点"
        stored = session.scalars(select(Staff)).one()
        assert stored.password_hash.startswith("$argon2id$")
        assert stored.branch_id == "BR001"
    with pytest.raises(AuthenticationError), db.session(branch_id=BRANCH) as session:
        accounts.create_first_admin(
            session=session, username="x2", display_name="X", password="12345678", branch_id="B2"
        )


def test_needs_first_admin_on_empty_database(db) -> None:
    with db.session() as session:
        assert accounts.needs_first_admin(session=session)


def test_first_admin_validation_names_every_field(db) -> None:
    with pytest.raises(ValidationError) as caught, db.session(branch_id=BRANCH) as session:
        accounts.create_first_admin(
            session=session, username="a b", display_name=" ", password="short", branch_id="?"
        )
    assert set(caught.value.fields) == {"username", "display_name", "password", "branch_id"}
    with db.session() as session:
        assert accounts.needs_first_admin(session=session)  # nothing half-written


def test_login_returns_actor_and_audits(db, first_admin) -> None:
    actor = login(db, " BOSS ", "admin-pass-1")
    assert actor.staff_id == first_admin.id
    assert actor.role == Role.ADMIN and actor.branch_id == BRANCH
    assert ("login", first_admin.id) in audit_actions(db)
    with db.session() as session:
        assert session.get(Staff, first_admin.id).last_login_at is not None


def test_wrong_password_and_unknown_user_read_the_same(db, first_admin) -> None:
    with pytest.raises(AuthenticationError) as wrong_password:
        login(db, "boss", "nope-nope")
    with pytest.raises(AuthenticationError) as unknown_user:
        login(db, "nobody", "nope-nope")
    assert wrong_password.value.message == unknown_user.value.message
    assert wrong_password.value.message == "Wrong user name or password."
    actions = audit_actions(db)
    assert actions.count(("login_failed", None)) == 2


def test_lockout_after_max_failures_and_expiry(clock, db, first_admin) -> None:
    with db.session(branch_id=BRANCH) as session:
        settings.put(session, None, "auth.max_failed_logins", 3)
        settings.put(session, None, "auth.lockout_minutes", 10)
    for _attempt in range(2):
        with pytest.raises(AuthenticationError, match=r"^Wrong user name or password\.$"):
            login(db, "boss", "bad-password")
    with pytest.raises(AuthenticationError, match="locked until 09:10"):
        login(db, "boss", "bad-password")
    # even the right password is refused while locked, with the time it ends
    with pytest.raises(AuthenticationError, match="locked until 09:10"):
        login(db, "boss", "admin-pass-1")
    clock.move_to(START + timedelta(minutes=9, seconds=59))
    with pytest.raises(AuthenticationError, match="locked"):
        login(db, "boss", "admin-pass-1")
    clock.move_to(START + timedelta(minutes=10, seconds=1))
    assert login(db, "boss", "admin-pass-1").username == "boss"
    actions = [a for a, _who in audit_actions(db)]
    assert actions.count("login_failed") == 3
    assert actions.count("locked") == 1
    assert actions[-1] == "login"


def test_failed_count_resets_after_success(db, first_admin) -> None:
    with db.session(branch_id=BRANCH) as session:
        settings.put(session, None, "auth.max_failed_logins", 2)
    with pytest.raises(AuthenticationError):
        login(db, "boss", "bad-password")
    login(db, "boss", "admin-pass-1")
    with pytest.raises(AuthenticationError, match=r"^Wrong user name or password\.$"):
        login(db, "boss", "bad-password")  # one failure again, not two


def test_login_state_does_not_touch_synced_columns(db, first_admin) -> None:
    with db.session() as session:
        before = session.get(Staff, first_admin.id).updated_at
    with pytest.raises(AuthenticationError):
        login(db, "boss", "bad-password")
    login(db, "boss", "admin-pass-1")
    with db.session() as session:
        assert session.get(Staff, first_admin.id).updated_at == before


def test_disabled_account_refused_with_clear_message(db, admin_actor) -> None:
    with unit_of_work(db, admin_actor) as session:
        clerk = accounts.create_staff(
            session=session,
            actor=admin_actor,
            username="li",
            display_name="李柜台",
            role="counter",
            password="counter-pass",
        )
        accounts.disable_staff(session=session, actor=admin_actor, staff_id=clerk.id)
    with pytest.raises(AuthenticationError, match="disabled"):
        login(db, "li", "counter-pass")
    with pytest.raises(AuthenticationError, match=r"^Wrong user name or password\.$"):
        login(db, "li", "wrong-pass")  # a wrong password does not reveal the state


def test_only_admins_manage_staff(db, admin_actor, counter, supervisor) -> None:
    for actor in (counter, supervisor):
        with pytest.raises(PermissionDenied), unit_of_work(db, actor) as session:
            accounts.create_staff(
                session=session,
                actor=actor,
                username="x1",
                display_name="X",
                role="counter",
                password="12345678",
            )
        with pytest.raises(PermissionDenied), unit_of_work(db, actor) as session:
            accounts.list_staff(session=session, actor=actor)


def test_create_staff_validation_and_unique_names(db, admin_actor) -> None:
    with unit_of_work(db, admin_actor) as session:
        accounts.create_staff(
            session=session,
            actor=admin_actor,
            username="zhang",
            display_name="张三",
            role="courier",
            password="courier-pass",
            phone="138 1234 5678",
        )
    with pytest.raises(ValidationError) as caught, unit_of_work(db, admin_actor) as session:
        accounts.create_staff(
            session=session,
            actor=admin_actor,
            username="ZHANG",
            display_name="x" * 51,
            role="boss",
            password="1234567",
            phone="abc",
        )
    assert set(caught.value.fields) == {"username", "display_name", "role", "password", "phone"}
    assert "taken" in caught.value.fields["username"]
    with unit_of_work(db, admin_actor) as session:
        names = [v.username for v in accounts.list_staff(session=session, actor=admin_actor)]
    assert names == ["boss", "zhang"]


def test_last_admin_is_protected(db, admin_actor) -> None:
    with (
        pytest.raises(ValidationError, match="own account"),
        unit_of_work(db, admin_actor) as session,
    ):
        accounts.disable_staff(session=session, actor=admin_actor, staff_id=admin_actor.staff_id)
    with pytest.raises(ValidationError) as caught, unit_of_work(db, admin_actor) as session:
        accounts.update_staff(
            session=session, actor=admin_actor, staff_id=admin_actor.staff_id, role="counter"
        )
    assert "only administrator" in caught.value.fields["role"]


def test_reset_password_unlocks_and_audit_masks_hash(clock, db, admin_actor) -> None:
    with unit_of_work(db, admin_actor) as session:
        clerk = accounts.create_staff(
            session=session,
            actor=admin_actor,
            username="wang",
            display_name="王",
            role="counter",
            password="first-pass",
        )
    for _attempt in range(5):
        with pytest.raises(AuthenticationError):
            login(db, "wang", "wrong-pass")
    with unit_of_work(db, admin_actor) as session:
        view = accounts.get_staff(session=session, username="wang")
        assert view.is_locked()
        accounts.reset_password(
            session=session, actor=admin_actor, staff_id=clerk.id, password="second-pass"
        )
    assert login(db, "wang", "second-pass").staff_id == clerk.id
    with db.session() as session:
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_id == clerk.id)
            .order_by(AuditEntry.at, AuditEntry.id)
        ).all()
    changed_hash = [e for e in entries if "password_hash" in e.changes]
    assert changed_hash, "the hash change is audited"
    for entry in changed_hash:
        assert all("argon2" not in str(v) for v in entry.changes["password_hash"])
        assert entry.changes["password_hash"][1] == "***"
    reset = next(e for e in entries if e.action == "password_reset")
    assert reset.actor_id == admin_actor.staff_id


def test_unlock(db, admin_actor) -> None:
    for _attempt in range(5):
        with pytest.raises(AuthenticationError):
            login(db, "boss", "wrong-pass")
    with db.session(branch_id=BRANCH) as session:
        accounts.unlock_staff(
            session=session, actor=system_actor(BRANCH), staff_id=admin_actor.staff_id
        )
    assert login(db, "boss", "admin-pass-1").staff_id == admin_actor.staff_id
    assert "unlocked" in [a for a, _who in audit_actions(db)]


def test_change_own_password(db, admin_actor) -> None:
    with pytest.raises(ValidationError) as caught, unit_of_work(db, admin_actor) as session:
        accounts.change_own_password(
            session=session, actor=admin_actor, old_password="bad", new_password="new-pass-99"
        )
    assert "old_password" in caught.value.fields
    with unit_of_work(db, admin_actor) as session:
        accounts.change_own_password(
            session=session,
            actor=admin_actor,
            old_password="admin-pass-1",
            new_password="new-pass-99",
        )
    assert login(db, "boss", "new-pass-99").username == "boss"
