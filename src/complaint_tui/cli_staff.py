"""The ``staff`` commands of the CLI: add, set, deactivate/activate, reset-pin, unlock, list.

On a store that has staff every command is run by a supervisor or admin who signs in with
``--operator LOGIN`` and its PIN (``--pin``, ``$COMPLAINT_TUI_PIN``, or typed without echo when
asked on a terminal), and is audited under that person. Only the first account of an empty
store is added without one (a supervisor or admin, with a PIN). ``register(staff_app)`` adds the
commands to the ``staff`` group of ``cli.py``.
"""

from __future__ import annotations

import contextlib
import getpass
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from complaint_tui.cli_help import HelpCommand
from complaint_tui.config import DbOption, OperatorOption, PinOption, PolicyOption, open_configured_store
from complaint_tui.db import Store
from complaint_tui.errors import DeskError, RoleRefused
from complaint_tui.i18n import current_language, t
from complaint_tui.models import Role
from complaint_tui.services.base import Operator
from complaint_tui.services.staff import (
    StaffRow,
    add_staff,
    pin_required,
    reset_pin,
    set_active,
    set_staff,
    sign_in,
    staff_accounts,
    staff_count,
    unlock,
)

NewPinOption = Annotated[
    str | None, typer.Option("--new-pin", help="help.opt.new_pin", metavar="help.metavar.pin", show_default=False)
]
RoleOption = Annotated[str, typer.Option("--role", help="help.opt.role", metavar="help.metavar.role")]
DepartmentOption = Annotated[
    str | None, typer.Option("--department", help="help.opt.department", metavar="help.metavar.code")
]
LoginArg = Annotated[str, typer.Argument(help="help.arg.login", metavar="help.metavar.login", show_default=False)]


def _out() -> Console:
    # markup off: a name with [brackets] is printed as typed, not read as a style.
    return Console(highlight=False, markup=False, soft_wrap=True)


def _store(db: str | None, policy: str | None) -> Store:
    return open_configured_store(db, policy)


def _ask(prompt: str) -> str | None:
    """A PIN typed on the terminal, not echoed; None when not on a terminal."""
    if not sys.stdin.isatty():
        return None
    with contextlib.suppress(EOFError):
        return getpass.getpass(prompt)
    return None


def _signed_in(store: Store, login: str | None, pin: str | None) -> Operator:
    """The operator of a staff command: a login and its PIN (the services check the role)."""
    if not login:
        raise RoleRefused("guard.manager_required")
    pin = pin or _ask(t("cli.staff_operator_pin_prompt", None, login=login))
    if not pin:
        raise DeskError("cli.staff_operator_pin_needed", login=login)
    return sign_in(store, login, pin)


def _new_pin(login: str, given: str | None, needed: bool) -> str | None:
    """The account's new PIN: ``--new-pin``, else typed twice on a terminal when ``needed``."""
    if given or not needed or not sys.stdin.isatty():
        return given
    first = _ask(t("cli.staff_new_pin_prompt", None, login=login))
    if not first:
        return None
    if _ask(t("cli.staff_new_pin_again")) != first:
        raise DeskError("cli.staff_new_pins_differ")
    return first


def _role_needs_pin(store: Store, role: str) -> bool:
    try:
        return pin_required(Role(role), store.policy)
    except ValueError:
        return False  # the service names the bad role


def staff_add(
    login: LoginArg,
    name: Annotated[str, typer.Argument(help="help.arg.name", metavar="help.metavar.name", show_default=False)],
    role: RoleOption = "desk",
    department: DepartmentOption = None,
    new_pin: NewPinOption = None,
    operator: OperatorOption = None,
    pin: PinOption = None,
    db: DbOption = None,
    policy: PolicyOption = None,
) -> None:
    """Add a staff account (help.cmd.staff_add)."""
    store = _store(db, policy)
    by = None if operator is None and staff_count(store) == 0 else _signed_in(store, operator, pin)
    account_pin = _new_pin(login, new_pin, _role_needs_pin(store, role))
    row = add_staff(store, by, login=login, name=name, role=role, department=department, pin_code=account_pin)
    _out().print(t("cli.staff_added", None, login=row.login, role=t(f"role.{row.role.value}")))


def staff_set(
    login: LoginArg,
    name: Annotated[str | None, typer.Option("--name", help="help.opt.name", metavar="help.metavar.name")] = None,
    role: Annotated[str | None, typer.Option("--role", help="help.opt.role", metavar="help.metavar.role")] = None,
    department: DepartmentOption = None,
    no_department: Annotated[bool, typer.Option("--no-department", help="help.opt.no_department")] = False,
    operator: OperatorOption = None,
    pin: PinOption = None,
    db: DbOption = None,
    policy: PolicyOption = None,
) -> None:
    """Change an account's name, role or department (help.cmd.staff_set)."""
    if name is None and role is None and department is None and not no_department:
        raise DeskError("cli.staff_nothing_to_change")
    store = _store(db, policy)
    by = _signed_in(store, operator, pin)
    row = set_staff(store, by, login, name=name, role=role, department=department, clear_department=no_department)
    dept = store.policy.label("departments", row.department, current_language()) if row.department else "-"
    _out().print(
        t("cli.staff_changed", None, login=row.login, name=row.name, role=t(f"role.{row.role.value}"), department=dept)
    )


def staff_deactivate(
    login: LoginArg,
    reactivate: Annotated[bool, typer.Option("--reactivate", help="help.opt.reactivate")] = False,
    operator: OperatorOption = None,
    pin: PinOption = None,
    db: DbOption = None,
    policy: PolicyOption = None,
) -> None:
    """Deactivate an account, or with --reactivate activate it (help.cmd.staff_deactivate)."""
    store = _store(db, policy)
    row = set_active(store, _signed_in(store, operator, pin), login, active=reactivate)
    _out().print(t("cli.staff_activated" if row.active else "cli.staff_deactivated", None, login=row.login))


def staff_activate(
    login: LoginArg,
    operator: OperatorOption = None,
    pin: PinOption = None,
    db: DbOption = None,
    policy: PolicyOption = None,
) -> None:
    """Activate a deactivated account again (help.cmd.staff_activate)."""
    store = _store(db, policy)
    row = set_active(store, _signed_in(store, operator, pin), login, active=True)
    _out().print(t("cli.staff_activated", None, login=row.login))


def staff_reset_pin(
    login: LoginArg,
    new_pin: NewPinOption = None,
    operator: OperatorOption = None,
    pin: PinOption = None,
    db: DbOption = None,
    policy: PolicyOption = None,
) -> None:
    """Give an account a new PIN, which also unlocks it (help.cmd.staff_reset_pin)."""
    store = _store(db, policy)
    by = _signed_in(store, operator, pin) if operator else None
    account_pin = _new_pin(login, new_pin, True)
    if not account_pin:
        raise DeskError("cli.staff_new_pin_needed")
    row = reset_pin(store, by, login, account_pin)
    _out().print(t("cli.staff_pin_reset", None, login=row.login))


def staff_unlock(
    login: LoginArg,
    operator: OperatorOption = None,
    pin: PinOption = None,
    db: DbOption = None,
    policy: PolicyOption = None,
) -> None:
    """Unlock an account locked after too many wrong PINs (help.cmd.staff_unlock)."""
    store = _store(db, policy)
    row = unlock(store, _signed_in(store, operator, pin), login)
    _out().print(t("cli.staff_unlocked", None, login=row.login))


def _state(row: StaffRow) -> str:
    if not row.active:
        return t("cli.state_inactive")
    return t("cli.state_locked") if row.locked else t("cli.state_active")


def staff_list(
    all_: Annotated[bool, typer.Option("--all", help="help.opt.all")] = False,
    operator: OperatorOption = None,
    pin: PinOption = None,
    db: DbOption = None,
    policy: PolicyOption = None,
) -> None:
    """List staff accounts (help.cmd.staff_list)."""
    store = _store(db, policy)
    rows = staff_accounts(store, _signed_in(store, operator, pin), include_inactive=all_)
    table = Table(
        t("cli.col_login"),
        t("cli.col_name"),
        t("cli.col_role"),
        t("cli.col_department"),
        t("cli.col_pin"),
        t("cli.col_state"),
    )
    for row in rows:
        dept = store.policy.label("departments", row.department, current_language()) if row.department else ""
        table.add_row(row.login, row.name, t(f"role.{row.role.value}"), dept, "✓" if row.has_pin else "", _state(row))
    _out().print(table)


def register(staff_app: typer.Typer) -> None:
    """Add the account commands to the ``staff`` group."""
    staff_app.command("add", cls=HelpCommand, help="help.cmd.staff_add")(staff_add)
    staff_app.command("set", cls=HelpCommand, help="help.cmd.staff_set")(staff_set)
    staff_app.command("deactivate", cls=HelpCommand, help="help.cmd.staff_deactivate")(staff_deactivate)
    staff_app.command("activate", cls=HelpCommand, help="help.cmd.staff_activate")(staff_activate)
    staff_app.command("reset-pin", cls=HelpCommand, help="help.cmd.staff_reset_pin")(staff_reset_pin)
    staff_app.command("unlock", cls=HelpCommand, help="help.cmd.staff_unlock")(staff_unlock)
    staff_app.command("list", cls=HelpCommand, help="help.cmd.staff_list")(staff_list)
