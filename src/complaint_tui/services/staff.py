"""Staff accounts and roles, and the salted slow hash of their sign-in PIN."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select

from complaint_tui.db import Store
from complaint_tui.errors import NotFound, RoleRefused, StepRefused
from complaint_tui.i18n import Msg
from complaint_tui.models import Role, Staff, utcnow
from complaint_tui.services.base import Operator, audit, record_dict
from complaint_tui.validation import FormCheck, login_name, one_of, person_name, pin

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
MANAGING_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})


def hash_pin(value: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(value.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def pin_matches(stored: str, value: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    got = hashlib.scrypt(value.encode(), salt=bytes.fromhex(salt), dklen=32, n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(got.hex(), digest)


@dataclass(frozen=True)
class StaffRow:
    id: int
    login: str
    name: str
    role: Role
    department: str | None
    active: bool
    has_pin: bool


def _row(s: Staff) -> StaffRow:
    assert s.id is not None
    return StaffRow(s.id, s.login, s.name, Role(s.role), s.department, s.active, bool(s.pin_hash))


def staff_count(store: Store) -> int:
    with store.read() as session:
        return int(session.exec(select(func.count()).select_from(Staff)).one())


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
    """A new account. ``operator`` None is the command line at the server, or the very first user.

    From the desk only an admin or a supervisor may add staff, except on an empty store, where the
    first account must be a supervisor (or admin) so someone can manage the rest.
    """
    c = FormCheck()
    clean_login = c.field("login", login_name, login)
    clean_name = c.field("staff_name", person_name, name)
    clean_role = c.field("role", one_of, role, [r.value for r in Role])
    if department:
        c.field("department", one_of, department, store.policy.departments)
    clean_pin = c.field("pin", pin, pin_code) if pin_code else None
    c.raise_if_any()
    if operator is not None and operator.role not in MANAGING_ROLES:
        raise RoleRefused("guard.role", action=Msg("action.add_staff"), role=Msg(f"role.{operator.role.value}"))
    with store.write() as session:
        existing = int(session.exec(select(func.count()).select_from(Staff)).one())
        if operator is None and existing == 0 and Role(clean_role or "desk") not in MANAGING_ROLES:
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
        audit(session, operator, "add_staff", None, None, record_dict(staff, exclude={"pin_hash"}))
        return _row(staff)


def list_staff(store: Store, *, include_inactive: bool = False) -> list[StaffRow]:
    with store.read() as session:
        stmt = select(Staff).order_by(col(Staff.login))
        if not include_inactive:
            stmt = stmt.where(col(Staff.active).is_(True))
        return [_row(s) for s in session.exec(stmt).all()]


def sign_in(store: Store, login: str, pin_code: str | None = None) -> Operator:
    """The operator for ``login``; the PIN is checked when the account has one."""
    with store.read() as session:
        staff = session.exec(select(Staff).where(Staff.login == login.strip())).first()
        if staff is None or not staff.active:
            raise NotFound("error.staff_unknown_login", login=login)
        if staff.pin_hash and not pin_matches(staff.pin_hash, pin_code or ""):
            raise RoleRefused("error.pin_wrong")
        return Operator.of(staff)


def needs_pin(store: Store, login: str) -> bool:
    with store.read() as session:
        staff = session.exec(select(Staff).where(Staff.login == login.strip())).first()
        return bool(staff and staff.pin_hash)
