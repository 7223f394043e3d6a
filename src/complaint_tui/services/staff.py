"""Staff accounts: adding and changing them, deactivating, PINs, sign-in with lockout.

Who may manage accounts: an active supervisor or admin, re-read from the store in the same
transaction (never the role an ``Operator`` object claims). Only on an empty store may the first
account be added without one, and it must be a supervisor or admin with a PIN. Supervisors,
admins and every role the policy lets see full phone numbers (``pii_roles``) must have a PIN,
and the last active supervisor or admin can be neither deactivated nor demoted.

Sign-in (SPEC S6.5): wrong PINs are counted and audited; at the policy's ``max_failed_pins`` the
account locks until a supervisor unlocks it. An unknown login, a wrong PIN and an inactive
account get the same message and take the same time (a dummy hash is run for an unknown login);
only a locked account given its right PIN is told it is locked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from complaint_tui.db import Store
from complaint_tui.errors import NotFound, RoleRefused, StepRefused
from complaint_tui.i18n import Msg
from complaint_tui.models import Role, Staff, utcnow
from complaint_tui.policy import Policy
from complaint_tui.services.base import Operator, audit, current_operator, record_dict
from complaint_tui.services.pin_hash import burn_time, hash_pin, needs_rehash, pin_matches
from complaint_tui.validation import FormCheck, login_name, one_of, person_name, pin

MANAGING_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})
# The one message of a refused sign-in, whatever the reason: it never tells which logins exist.
SIGN_IN_FAILED = "error.sign_in_failed"
_AUDIT_FIELDS = ("login", "name", "role", "department", "active")

__all__ = [
    "MANAGING_ROLES",
    "StaffRow",
    "add_staff",
    "hash_pin",
    "list_staff",
    "needs_pin",
    "pin_matches",
    "pin_required",
    "reset_pin",
    "set_active",
    "set_staff",
    "sign_in",
    "staff_accounts",
    "staff_count",
    "unlock",
]


@dataclass(frozen=True)
class StaffRow:
    id: int
    login: str
    name: str
    role: Role
    department: str | None
    active: bool
    has_pin: bool
    locked: bool = False
    failed_pins: int = 0


def _row(s: Staff) -> StaffRow:
    assert s.id is not None
    return StaffRow(
        s.id,
        s.login,
        s.name,
        Role(s.role),
        s.department,
        s.active,
        bool(s.pin_hash),
        s.locked_at is not None,
        s.failed_pins,
    )


def pin_required(role: Role, policy: Policy) -> bool:
    """Whether accounts of ``role`` must have a PIN: managers, and roles that see full phones."""
    return role in MANAGING_ROLES or role.value in policy.pii_roles


def staff_count(store: Store) -> int:
    with store.read() as session:
        return int(session.exec(select(func.count()).select_from(Staff)).one())


def list_staff(store: Store, *, include_inactive: bool = False) -> list[StaffRow]:
    with store.read() as session:
        stmt = select(Staff).order_by(col(Staff.login))
        if not include_inactive:
            stmt = stmt.where(col(Staff.active).is_(True))
        return [_row(s) for s in session.exec(stmt).all()]


def needs_pin(store: Store, login: str) -> bool:
    """Whether the account ``login`` has a PIN (the sign-in screen asks for it then)."""
    with store.read() as session:
        staff = session.exec(select(Staff).where(Staff.login == login.strip())).first()
        return bool(staff and staff.pin_hash)


# --- managing accounts ---------------------------------------------------------------------


def _manager(session: Session, operator: Operator, action: str) -> Operator:
    """``operator`` as the store knows it now, if an active supervisor or admin."""
    fresh = current_operator(session, operator)
    if fresh.role not in MANAGING_ROLES:
        raise RoleRefused("guard.role", action=Msg(f"action.{action}"), role=Msg(f"role.{fresh.role.value}"))
    return fresh


def _by_login(session: Session, store: Store, login: str) -> Staff:
    stmt = select(Staff).where(Staff.login == login.strip())
    if store.dialect == "postgresql":
        stmt = stmt.with_for_update()
    staff = session.exec(stmt).first()
    if staff is None:
        raise NotFound("error.staff_no_login", login=login.strip())
    return staff


def _active_managers(session: Session, store: Store) -> list[int]:
    """The ids of the active supervisors and admins, their rows locked on PostgreSQL so two
    managers demoting each other at once cannot both pass the last-manager check."""
    stmt = select(Staff).where(col(Staff.active).is_(True), col(Staff.role).in_([r.value for r in MANAGING_ROLES]))
    if store.dialect == "postgresql":
        stmt = stmt.with_for_update()
    return [s.id for s in session.exec(stmt).all() if s.id is not None]


def _keep_a_manager(session: Session, store: Store, target: Staff) -> None:
    if _active_managers(session, store) == [target.id]:
        raise StepRefused("guard.last_manager", login=target.login)


def _pin_rule(c: FormCheck, role: Role, policy: Policy, has_pin: bool) -> None:
    if not has_pin and pin_required(role, policy):
        c.fail("pin", "pin_required_for_role", role=Msg(f"role.{role.value}"))


def add_staff(
    store: Store,
    operator: Operator | None,
    *,
    login: str,
    name: str,
    role: str,
    department: str | None = None,
    pin_code: str | None = None,
) -> StaffRow:
    """A new account, added by a supervisor or admin (``operator``).

    ``operator`` None is allowed on an empty store only, for the first account: a supervisor or
    admin with a PIN, so someone can sign in and manage the rest.
    """
    c = FormCheck()
    clean_login = c.field("login", login_name, login)
    clean_name = c.field("staff_name", person_name, name)
    clean_role = c.field("role", one_of, role, [r.value for r in Role])
    if department:
        c.field("department", one_of, department, store.policy.departments)
    clean_pin = c.field("pin", pin, pin_code) if pin_code else None
    # Without an operator only a first manager may be added: any other role is refused below.
    if clean_role and not pin_code and (operator is not None or Role(clean_role) in MANAGING_ROLES):
        _pin_rule(c, Role(clean_role), store.policy, has_pin=False)
    c.raise_if_any()
    with store.write() as session:
        by = None
        if operator is not None:
            by = _manager(session, operator, "add_staff")
        else:
            existing = int(session.exec(select(func.count()).select_from(Staff)).one())
            if existing:
                raise RoleRefused("guard.manager_required")
            if Role(clean_role or "desk") not in MANAGING_ROLES:
                raise StepRefused("guard.first_staff_manager")
        if session.exec(select(Staff).where(Staff.login == clean_login)).first() is not None:
            raise StepRefused("guard.login_taken", login=clean_login or "")
        staff = Staff(
            login=clean_login or "",
            name=clean_name or "",
            role=clean_role or "",
            department=department or None,
            pin_hash=hash_pin(clean_pin) if clean_pin else None,
            created_at=utcnow(),
        )
        session.add(staff)
        session.flush()
        audit(session, by, "add_staff", None, None, record_dict(staff, exclude={"pin_hash"}))
        return _row(staff)


def staff_accounts(store: Store, operator: Operator, *, include_inactive: bool = False) -> list[StaffRow]:
    """Every account with its lock state, for a supervisor or admin (``staff list``)."""
    with store.read() as session:
        _manager(session, operator, "manage_staff")
    return list_staff(store, include_inactive=include_inactive)


def set_staff(
    store: Store,
    operator: Operator,
    login: str,
    *,
    name: str | None = None,
    role: str | None = None,
    department: str | None = None,
    clear_department: bool = False,
) -> StaffRow:
    """Change an account's name, role or department (``None`` leaves a field as it is)."""
    c = FormCheck()
    clean_name = c.field("staff_name", person_name, name) if name is not None else None
    clean_role = c.field("role", one_of, role, [r.value for r in Role]) if role is not None else None
    if department:
        c.field("department", one_of, department, store.policy.departments)
    c.raise_if_any()
    with store.write() as session:
        by = _manager(session, operator, "manage_staff")
        target = _by_login(session, store, login)
        if clean_role and Role(clean_role) not in MANAGING_ROLES and Role(target.role) in MANAGING_ROLES:
            if target.active:
                _keep_a_manager(session, store, target)
        if clean_role:
            _pin_rule(c, Role(clean_role), store.policy, has_pin=bool(target.pin_hash))
            c.raise_if_any()
        before = record_dict(target, exclude={"pin_hash"})
        if clean_name is not None:
            target.name = clean_name
        if clean_role is not None:
            target.role = clean_role
        if department:
            target.department = department
        elif clear_department:
            target.department = None
        return _audited(session, by, "set_staff", target, before)


def set_active(store: Store, operator: Operator, login: str, *, active: bool) -> StaffRow:
    """Deactivate an account (the row stays, so history still names it; it can do nothing), or
    activate it again."""
    with store.write() as session:
        by = _manager(session, operator, "manage_staff")
        target = _by_login(session, store, login)
        if not active and target.active and Role(target.role) in MANAGING_ROLES:
            _keep_a_manager(session, store, target)
        before = record_dict(target, exclude={"pin_hash"})
        target.active = active
        return _audited(session, by, "activate_staff" if active else "deactivate_staff", target, before)


def reset_pin(store: Store, operator: Operator | None, login: str, new_pin: str | None) -> StaffRow:
    """Give an account a new PIN; it also ends a lockout (the person was spoken to).

    ``operator`` None is only for a store where no active supervisor or admin has a PIN (one
    made before PINs were required): then nobody could sign in to set one, so the server's
    command line may set the PIN of a supervisor or admin.
    """
    c = FormCheck()
    clean_pin = c.field("pin", pin, new_pin)
    c.raise_if_any()
    assert clean_pin is not None
    new_hash = hash_pin(clean_pin)  # the slow part, before the write lock is taken
    with store.write() as session:
        target = _by_login(session, store, login)
        if operator is not None:
            by: Operator | None = _manager(session, operator, "manage_staff")
        else:
            by = None
            managers = [session.get(Staff, i) for i in _active_managers(session, store)]
            if any(m is not None and m.pin_hash for m in managers) or Role(target.role) not in MANAGING_ROLES:
                raise RoleRefused("guard.manager_required")
        before = {"login": target.login, "failed_pins": target.failed_pins, "locked": target.locked_at is not None}
        target.pin_hash, target.failed_pins, target.locked_at = new_hash, 0, None
        after = {"login": target.login, "pin": "new", "failed_pins": 0, "locked": False}
        audit(session, by, "reset_pin", None, before, after)
        return _row(target)


def unlock(store: Store, operator: Operator, login: str) -> StaffRow:
    """End a lockout: the count of wrong PINs starts again from zero."""
    with store.write() as session:
        by = _manager(session, operator, "manage_staff")
        target = _by_login(session, store, login)
        before = {"login": target.login, "failed_pins": target.failed_pins, "locked": target.locked_at is not None}
        target.failed_pins, target.locked_at = 0, None
        audit(session, by, "unlock_staff", None, before, {"login": target.login, "failed_pins": 0, "locked": False})
        return _row(target)


def _audited(session: Session, by: Operator, action: str, target: Staff, before: dict[str, Any]) -> StaffRow:
    after = record_dict(target, exclude={"pin_hash"})
    changed = [k for k in _AUDIT_FIELDS if before.get(k) != after.get(k)]
    if changed:
        audit(
            session,
            by,
            action,
            None,
            {"login": before["login"]} | {k: before[k] for k in changed},
            {"login": target.login} | {k: after[k] for k in changed},
        )
    return _row(target)


# --- signing in ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Attempt:
    staff_id: int
    checked_hash: str | None  # the hash the PIN was checked against (it may change meanwhile)
    right: bool
    pin_given: bool
    new_hash: str | None  # the right PIN under the current parameters, for an old-parameter hash


def sign_in(store: Store, login: str, pin_code: str | None = None) -> Operator:
    """The operator for ``login``, if its PIN is right (or it has none and its role needs none).

    Refused with one message for an unknown login, a wrong PIN and an inactive account; a locked
    account is told so only when the PIN given is right. Every refusal is audited
    (``sign_in_failed``). The PIN hash is checked outside any transaction (it takes a few tenths
    of a second); the count, the lock and the audit event are written in one short transaction.
    """
    typed = (login or "").strip()
    value = pin_code or ""
    # A hash that changed between the check and the write is checked again: two desks signing in
    # with the same old-parameter hash both renew it, and the second must not be refused for it.
    for _ in range(_CHECKS):
        outcome = _attempt(store, typed, value, bool(pin_code))
        if isinstance(outcome, Operator):
            return outcome
        if outcome != _CHECK_AGAIN:
            raise RoleRefused(outcome)
    with store.write() as session:
        audit(session, None, "sign_in_failed", None, None, {"login": typed[:64], "reason": "pin_changed"})
    raise RoleRefused(SIGN_IN_FAILED)


# How often a sign-in checks a PIN whose hash keeps changing under it before it gives up.
_CHECKS = 3
_CHECK_AGAIN = "check_again"


def _attempt(store: Store, typed: str, value: str, pin_given: bool) -> Operator | str:
    """One check of ``value`` against the stored hash and its recording; the operator, the
    refusal's message key, or ``_CHECK_AGAIN`` when the hash changed meanwhile."""
    with store.read() as session:
        staff = session.exec(select(Staff).where(Staff.login == typed)).first()
    if staff is None or staff.id is None:
        burn_time(value)
        with store.write() as session:
            audit(session, None, "sign_in_failed", None, None, {"login": typed[:64], "reason": "unknown_login"})
        return SIGN_IN_FAILED
    if staff.pin_hash:
        right = pin_matches(staff.pin_hash, value)
    else:
        right = staff.active and staff.locked_at is None and not pin_required(Role(staff.role), store.policy)
        if not right:
            burn_time(value)
    renew = right and staff.pin_hash is not None and needs_rehash(staff.pin_hash)
    attempt = _Attempt(staff.id, staff.pin_hash, right, pin_given, hash_pin(value) if renew else None)
    with store.write() as session:
        return _settle(session, store, attempt)


def _settle(session: Session, store: Store, attempt: _Attempt) -> Operator | str:
    """Record one sign-in attempt on the account's row; the operator, or the refusal's message key."""
    stmt = select(Staff).where(Staff.id == attempt.staff_id)
    if store.dialect == "postgresql":
        stmt = stmt.with_for_update()
    staff = session.exec(stmt).one()
    who = Operator.of(staff)

    def failed(reason: str, **more: Any) -> None:
        audit(session, who, "sign_in_failed", None, None, {"login": staff.login, "reason": reason} | more)

    if staff.pin_hash != attempt.checked_hash:  # renewed or reset meanwhile: check against the new one
        return _CHECK_AGAIN
    if not staff.active:
        failed("inactive")
        return SIGN_IN_FAILED
    if staff.locked_at is not None:
        failed("locked")
        return "error.account_locked" if attempt.right else SIGN_IN_FAILED
    if not staff.pin_hash and pin_required(Role(staff.role), store.policy):
        failed("no_pin_set")
        return "error.pin_not_set"
    if not attempt.right:
        if not attempt.pin_given:  # nothing was guessed: not counted towards the lock
            failed("no_pin_given")
            return SIGN_IN_FAILED
        staff.failed_pins += 1
        locked = staff.failed_pins >= store.policy.max_failed_pins
        if locked:
            staff.locked_at = utcnow()
        failed("wrong_pin", failed_pins=staff.failed_pins, locked=locked)
        return SIGN_IN_FAILED
    if staff.failed_pins:
        staff.failed_pins = 0
    if attempt.new_hash is not None:
        staff.pin_hash = attempt.new_hash
    return who
