"""Staff accounts (project issue 7, item 2): who manages them, PINs, lockout, and verbs that
re-read the operator from the store. Everything personal data hangs on (S6.5: full phones are
shown and exported only to the roles the policy names) starts with who is signed in."""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from complaint_tui import services as sv
from complaint_tui.db import Store
from complaint_tui.errors import InvalidInput, NotFound, RoleRefused, StepRefused
from complaint_tui.i18n import t
from complaint_tui.models import AuditEvent, Case, Staff
from complaint_tui.policy import PolicyError, load_policy
from complaint_tui.services import pin_hash
from tests.conftest import TEAM_PINS, Team
from tests.helpers import intake_form


def staff_row(store: Store, login: str) -> Staff:
    with store.read() as s:
        row = s.exec(select(Staff).where(Staff.login == login)).one()
        s.expunge(row)
        return row


def events(store: Store, action: str) -> list[AuditEvent]:
    with store.read() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))).all())


def refused_key(call: object) -> str:
    assert callable(call)
    with pytest.raises((RoleRefused, NotFound, StepRefused, InvalidInput)) as err:
        call()
    return err.value.key


# --- who may manage accounts ---------------------------------------------------------------


def test_the_first_account_of_an_empty_store_is_a_manager_with_a_pin(store: Store) -> None:
    with pytest.raises(StepRefused) as first:
        sv.add_staff(store, None, login="li", name="李强", role="handler")
    assert first.value.key == "guard.first_staff_manager"
    with pytest.raises(InvalidInput) as no_pin:
        sv.add_staff(store, None, login="wang", name="王芳", role="supervisor")
    assert no_pin.value.for_field("pin") is not None
    assert "required for a supervisor" in no_pin.value.message("en")
    assert sv.staff_count(store) == 0
    sv.add_staff(store, None, login="wang", name="王芳", role="supervisor", pin_code="2468")
    # Once the store has staff, nobody adds an account without signing in.
    with pytest.raises(RoleRefused) as later:
        sv.add_staff(store, None, login="mallory", name="马洛", role="supervisor", pin_code="1111")
    assert later.value.key == "guard.manager_required"
    assert [r.login for r in sv.list_staff(store)] == ["wang"]
    stored = staff_row(store, "wang").pin_hash or ""
    assert "2468" not in stored and stored.startswith("scrypt$")


def test_only_supervisors_and_admins_manage_accounts_and_are_named_in_the_audit(store: Store, team: Team) -> None:
    for outsider in (team.desk, team.handler):
        with pytest.raises(RoleRefused):
            sv.add_staff(store, outsider, login="qian", name="钱", role="handler")
        with pytest.raises(RoleRefused):
            sv.set_staff(store, outsider, "li", role="supervisor")
        with pytest.raises(RoleRefused):
            sv.reset_pin(store, outsider, "wang", "1111")
        with pytest.raises(RoleRefused):
            sv.unlock(store, outsider, "wang")
        with pytest.raises(RoleRefused):
            sv.set_active(store, outsider, "wang", active=False)
    sv.add_staff(store, team.admin, login="qian", name="钱多", role="handler", department="engineering")
    added = events(store, "add_staff")[-1]
    assert added.staff_id == team.admin.id and added.after and added.after["login"] == "qian"
    assert "pin_hash" not in added.after
    sv.set_staff(store, team.supervisor, "qian", name="钱多多", department="security")
    changed = events(store, "set_staff")[-1]
    assert changed.staff_id == team.supervisor.id
    assert changed.before == {"login": "qian", "name": "钱多", "department": "engineering"}
    assert changed.after == {"login": "qian", "name": "钱多多", "department": "security"}
    with pytest.raises(NotFound) as unknown:
        sv.set_staff(store, team.supervisor, "nobody", name="某人")
    assert unknown.value.message("en") == "No staff account with login nobody."


def test_roles_that_see_full_phones_need_a_pin(store: Store, team: Team) -> None:
    """Supervisors, admins and the policy's pii_roles (the desk by default) must have a PIN."""
    for role in ("supervisor", "admin", "desk"):
        with pytest.raises(InvalidInput) as err:
            sv.add_staff(store, team.supervisor, login=f"new_{role}", name="新人", role=role)
        assert err.value.for_field("pin") is not None
    sv.add_staff(store, team.supervisor, login="new_handler", name="新人", role="handler")
    # A handler without a PIN cannot be made a supervisor or desk clerk until it has one.
    with pytest.raises(InvalidInput):
        sv.set_staff(store, team.supervisor, "new_handler", role="supervisor")
    assert staff_row(store, "new_handler").role == "handler"
    sv.reset_pin(store, team.supervisor, "new_handler", "97531")
    assert sv.set_staff(store, team.supervisor, "new_handler", role="supervisor").role.value == "supervisor"


def test_a_centre_whose_handlers_see_phones_gives_them_pins(alt_store: Store) -> None:
    """The alternative policy lets handlers, not the desk, see full phones: the rule follows it."""
    store = alt_store
    sv.add_staff(store, None, login="wang", name="王芳", role="supervisor", pin_code="2468")
    boss = sv.sign_in(store, "wang", "2468")
    with pytest.raises(InvalidInput):
        sv.add_staff(store, boss, login="li", name="李强", role="handler")
    assert sv.add_staff(store, boss, login="zhao", name="赵敏", role="desk").has_pin is False


def test_an_account_without_the_pin_its_role_needs_cannot_sign_in(store: Store, team: Team) -> None:
    """A desk clerk made before PINs were required (no PIN in the row) cannot be used by naming it."""
    with store.write() as s:
        s.execute(text("UPDATE staff SET pin_hash = NULL WHERE login = 'zhao'"))
    with pytest.raises(RoleRefused) as err:
        sv.sign_in(store, "zhao")
    assert err.value.key == "error.pin_not_set"
    assert sv.sign_in(store, "li").login == "li"  # a handler needs none under the default policy


def test_the_last_active_manager_is_kept(store: Store, team: Team) -> None:
    sv.set_active(store, team.supervisor, "sun", active=False)  # the admin goes; wang is left
    with pytest.raises(StepRefused) as demote:
        sv.set_staff(store, team.supervisor, "wang", role="handler")
    assert demote.value.key == "guard.last_manager"
    with pytest.raises(StepRefused) as leave:
        sv.set_active(store, team.supervisor, "wang", active=False)
    assert leave.value.key == "guard.last_manager"
    row = staff_row(store, "wang")
    assert row.active and row.role == "supervisor"
    sv.set_active(store, team.supervisor, "sun", active=True)
    assert sv.set_active(store, team.supervisor, "wang", active=False).active is False


def test_a_deactivated_account_stays_in_the_history_and_can_do_nothing(store: Store, team: Team) -> None:
    r = sv.intake(store, team.desk, intake_form())
    sv.set_active(store, team.supervisor, "zhao", active=False)
    row = staff_row(store, "zhao")
    assert row.active is False and row.name == "赵敏"
    with store.read() as s:
        case = s.get(Case, r.case_id)
        assert case is not None and case.received_by_id == team.desk.id
    with pytest.raises(RoleRefused) as err:
        sv.intake(store, team.desk, intake_form(phone="13900001111"))
    assert err.value.key == "error.account_inactive"
    assert t("error.account_inactive", "en", login="zhao") == err.value.message("en")
    with pytest.raises(RoleRefused) as signin:
        sv.sign_in(store, "zhao", TEAM_PINS["zhao"])
    assert signin.value.key == "error.sign_in_failed"
    deactivated = events(store, "deactivate_staff")[-1]
    assert deactivated.staff_id == team.supervisor.id and deactivated.after == {"login": "zhao", "active": False}
    sv.set_active(store, team.admin, "zhao", active=True)
    assert sv.sign_in(store, "zhao", TEAM_PINS["zhao"]).id == team.desk.id


# --- verbs re-read the operator --------------------------------------------------------------


def test_a_made_up_role_on_a_real_id_cannot_force_close(store: Store, team: Team) -> None:
    """An Operator object claiming SUPERVISOR for the desk clerk's id is judged by the stored role."""
    r = sv.intake(store, team.desk, intake_form())
    forged = dataclasses.replace(team.desk, role=sv.Operator.of(staff_row(store, "wang")).role)
    with pytest.raises(RoleRefused) as err:
        sv.force_close(store, forged, r.case_id, r.version, "业主已搬离")
    assert err.value.message("en") == "A desk clerk may not force-close."
    with store.read() as s:
        case = s.get(Case, r.case_id)
        assert case is not None and case.status == "received"


def test_a_made_up_staff_id_is_not_found_cleanly(store: Store, team: Team) -> None:
    ghost = dataclasses.replace(team.supervisor, id=99999)
    with pytest.raises(NotFound) as intake_err:
        sv.intake(store, ghost, intake_form())
    assert intake_err.value.message("en") == "No staff member 99999."
    r = sv.intake(store, team.desk, intake_form())
    with pytest.raises(NotFound):
        sv.force_close(store, ghost, r.case_id, r.version, "业主已搬离")
    with pytest.raises(NotFound):
        sv.add_staff(store, ghost, login="qian", name="钱", role="handler")


def test_a_deactivated_handler_is_refused_every_verb(store: Store, team: Team) -> None:
    """Runs on SQLite and PostgreSQL (the ``store`` fixture)."""
    r = sv.intake(store, team.desk, intake_form())
    change = sv.assign(store, team.supervisor, r.case_id, r.version, team.handler.id)
    sv.set_active(store, team.supervisor, "li", active=False)
    with pytest.raises(RoleRefused) as err:
        sv.acknowledge(store, team.handler, r.case_id, change.version, "phone", "已联系业主")
    assert err.value.key == "error.account_inactive"
    with pytest.raises(RoleRefused):
        sv.add_note(store, team.handler, r.case_id, change.version, "site_inspection", "现场查看")
    assert len(events(store, "acknowledge")) == 0


def test_a_demoted_supervisor_loses_the_role_at_once(store: Store, team: Team) -> None:
    """The Operator a desk holds since sign-in carries the old role; the verb uses the new one."""
    sv.reset_pin(store, team.supervisor, "chen", "5555")
    chen = sv.set_staff(store, team.supervisor, "chen", role="supervisor")
    promoted = sv.sign_in(store, "chen", "5555")
    assert promoted.role.value == "supervisor" and chen.role.value == "supervisor"
    r = sv.intake(store, team.desk, intake_form())
    sv.set_staff(store, team.supervisor, "chen", role="handler")
    with pytest.raises(RoleRefused):
        sv.force_close(store, promoted, r.case_id, r.version, "业主已搬离")


# --- signing in: lockout, one message, audit ------------------------------------------------


def test_wrong_pins_lock_the_account_until_a_manager_unlocks_it(store: Store, team: Team) -> None:
    limit = store.policy.max_failed_pins
    assert limit == 5  # the default policy's [security] max_failed_pins
    for n in range(1, limit):
        with pytest.raises(RoleRefused):
            sv.sign_in(store, "zhao", "0000")
        assert staff_row(store, "zhao").failed_pins == n and staff_row(store, "zhao").locked_at is None
    with pytest.raises(RoleRefused) as last:
        sv.sign_in(store, "zhao", "0000")
    assert last.value.key == "error.sign_in_failed"
    assert staff_row(store, "zhao").locked_at is not None
    # Locked: the right PIN is told so; a wrong one gets the usual message.
    with pytest.raises(RoleRefused) as locked:
        sv.sign_in(store, "zhao", TEAM_PINS["zhao"])
    assert locked.value.key == "error.account_locked"
    assert "ask a supervisor" in locked.value.message("en")
    assert refused_key(lambda: sv.sign_in(store, "zhao", "9999")) == "error.sign_in_failed"
    # A desk clerk or a handler cannot unlock; a supervisor can, and is named in the audit.
    with pytest.raises(RoleRefused):
        sv.unlock(store, team.handler, "zhao")
    with pytest.raises(RoleRefused):
        sv.unlock(store, team.desk, "zhao")
    assert staff_row(store, "zhao").locked_at is not None
    sv.unlock(store, team.supervisor, "zhao")
    unlocked = events(store, "unlock_staff")[-1]
    assert unlocked.staff_id == team.supervisor.id and unlocked.before == {
        "login": "zhao",
        "failed_pins": limit,
        "locked": True,
    }
    assert sv.sign_in(store, "zhao", TEAM_PINS["zhao"]).login == "zhao"


def test_a_good_sign_in_resets_the_count(store: Store, team: Team) -> None:
    for _ in range(store.policy.max_failed_pins - 1):
        with pytest.raises(RoleRefused):
            sv.sign_in(store, "wang", "0000")
    sv.sign_in(store, "wang", TEAM_PINS["wang"])
    assert staff_row(store, "wang").failed_pins == 0
    with pytest.raises(RoleRefused):
        sv.sign_in(store, "wang", "0000")
    row = staff_row(store, "wang")
    assert row.failed_pins == 1 and row.locked_at is None


def test_the_lockout_count_comes_from_the_policy(tmp_path: Path, store: Store, team: Team) -> None:
    text_ = (Path(__file__).parent.parent / "src" / "complaint_tui" / "data" / "policy.toml").read_text("utf-8")
    strict = tmp_path / "strict.toml"
    strict.write_text(text_.replace("max_failed_pins = 5", "max_failed_pins = 2"), "utf-8")
    tight = Store(store.engine, load_policy(strict))
    assert tight.policy.max_failed_pins == 2
    for _ in range(2):
        with pytest.raises(RoleRefused):
            sv.sign_in(tight, "wang", "0000")
    assert refused_key(lambda: sv.sign_in(tight, "wang", TEAM_PINS["wang"])) == "error.account_locked"


@pytest.mark.parametrize(
    ("value", "rule"),
    [("0", "from 1 to 20"), ("21", "from 1 to 20"), ('"5"', "from 1 to 20"), ("true", "from 1 to 20")],
)
def test_a_bad_lockout_count_is_refused_with_key_and_rule(tmp_path: Path, value: str, rule: str) -> None:
    text_ = (Path(__file__).parent.parent / "src" / "complaint_tui" / "data" / "policy.toml").read_text("utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text_.replace("max_failed_pins = 5", f"max_failed_pins = {value}"), "utf-8")
    with pytest.raises(PolicyError) as err:
        load_policy(bad)
    assert err.value.policy_key == "security.max_failed_pins"
    assert "security.max_failed_pins" in err.value.message("en") and rule in err.value.message("en")


def test_the_message_never_tells_which_logins_exist(store: Store, team: Team) -> None:
    sv.set_active(store, team.supervisor, "chen", active=False)
    keys = {
        "unknown login": refused_key(lambda: sv.sign_in(store, "nobody", "1234")),
        "wrong pin": refused_key(lambda: sv.sign_in(store, "wang", "1234")),
        "no pin given": refused_key(lambda: sv.sign_in(store, "wang")),
        "inactive": refused_key(lambda: sv.sign_in(store, "chen")),
    }
    assert set(keys.values()) == {"error.sign_in_failed"}, keys
    assert t("error.sign_in_failed", "en") == "Wrong login or PIN."
    failed = events(store, "sign_in_failed")
    by_reason = {e.after["reason"]: e for e in failed if e.after}
    assert by_reason["unknown_login"].staff_id is None and by_reason["unknown_login"].after == {
        "login": "nobody",
        "reason": "unknown_login",
    }
    assert by_reason["wrong_pin"].staff_id == team.supervisor.id
    assert by_reason["inactive"].staff_id == team.handler2.id
    # A missing PIN guesses nothing and does not count towards the lock; a wrong one does.
    assert staff_row(store, "wang").failed_pins == 1


def test_an_unknown_login_takes_as_long_as_a_wrong_pin(store: Store, team: Team, real_pin_hash: object) -> None:
    """Timed in pairs (a wrong PIN, then an unknown login) and judged by the median of the pair
    ratios: a busy machine slows both of a pair alike. Without the dummy hash the ratio is about
    0.01; three wrong PINs stay under the lockout."""

    def took(login: str) -> float:
        started = time.perf_counter()
        with pytest.raises(RoleRefused):
            sv.sign_in(store, login, "0000")
        return time.perf_counter() - started

    sv.reset_pin(store, team.supervisor, "li", "13579")  # hashed under the real parameters
    pairs = [(took("li"), took("nobody")) for _ in range(3)]
    assert min(wrong for wrong, _ in pairs) > 0.1  # the real scrypt ran
    ratios = sorted(unknown / wrong for wrong, unknown in pairs)
    assert 0.5 < ratios[len(ratios) // 2] < 2.0, pairs


# --- the hash itself ------------------------------------------------------------------------


def test_pins_are_hashed_with_the_current_owasp_parameters(real_pin_hash: pin_hash.ScryptParams) -> None:
    assert (real_pin_hash.n, real_pin_hash.r, real_pin_hash.p) == (2**17, 8, 1)
    stored = pin_hash.hash_pin("2468")
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "131072", "8", "1") and len(bytes.fromhex(salt)) == 16
    expected = hashlib.scrypt(b"2468", salt=bytes.fromhex(salt), n=2**17, r=8, p=1, maxmem=2**28, dklen=32)
    assert digest == expected.hex()
    assert pin_hash.pin_matches(stored, "2468") and not pin_hash.pin_matches(stored, "2469")
    assert pin_hash.hash_pin("2468") != stored  # a fresh salt each time


def test_an_old_parameter_hash_verifies_and_is_renewed_at_sign_in(store: Store, real_pin_hash: object) -> None:
    sv.add_staff(store, None, login="wang", name="王芳", role="supervisor", pin_code="2468")
    salt = secrets.token_bytes(16)
    old_digest = hashlib.scrypt(b"2468", salt=salt, n=2**14, r=8, p=1, dklen=32)
    old = f"scrypt$16384$8$1${salt.hex()}${old_digest.hex()}"
    with store.write() as s:
        s.execute(text("UPDATE staff SET pin_hash = :h WHERE login = 'wang'"), {"h": old})
    with pytest.raises(RoleRefused):
        sv.sign_in(store, "wang", "1357")
    assert staff_row(store, "wang").pin_hash == old  # a wrong PIN renews nothing
    assert sv.sign_in(store, "wang", "2468").login == "wang"
    renewed = staff_row(store, "wang").pin_hash or ""
    assert renewed.startswith("scrypt$131072$8$1$") and renewed != old
    assert pin_hash.pin_matches(renewed, "2468")
    assert sv.sign_in(store, "wang", "2468").login == "wang"


def _old_parameter_hash(pin: str) -> str:
    """``pin`` hashed under parameters other than the current ones (it verifies, and is renewed)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=2**3, r=1, p=1, dklen=32)
    return f"scrypt$8$1$1${salt.hex()}${digest.hex()}"


def _during_the_first_check(monkeypatch: pytest.MonkeyPatch, meanwhile: object) -> None:
    """Run ``meanwhile`` once, between the first PIN check and the write that records it: what
    another desk does while this one is hashing."""
    from complaint_tui.services import staff as staff_service

    real = staff_service.pin_matches
    pending = [meanwhile]

    def checked(stored: str, value: str) -> bool:
        right = real(stored, value)
        if pending:
            pending.pop()()  # type: ignore[operator]
        return right

    monkeypatch.setattr(staff_service, "pin_matches", checked)


def test_two_desks_renewing_the_same_old_hash_both_sign_in(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second desk's hash was renewed under it by the first: it checks again, it is not refused."""
    sv.add_staff(store, None, login="wang", name="王芳", role="supervisor", pin_code="2468")
    old = _old_parameter_hash("2468")
    with store.write() as s:
        s.execute(text("UPDATE staff SET pin_hash = :h WHERE login = 'wang'"), {"h": old})
    other_desk: list[str] = []
    _during_the_first_check(monkeypatch, lambda: other_desk.append(sv.sign_in(store, "wang", "2468").login))
    assert sv.sign_in(store, "wang", "2468").login == "wang"
    assert other_desk == ["wang"]
    renewed = staff_row(store, "wang").pin_hash or ""
    assert renewed != old and pin_hash.pin_matches(renewed, "2468")
    assert staff_row(store, "wang").failed_pins == 0
    assert not [e for e in events(store, "sign_in_failed") if e.after and e.after.get("login") == "wang"]


def test_a_pin_reset_while_signing_in_with_the_old_pin_is_a_wrong_pin(
    store: Store, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    _during_the_first_check(monkeypatch, lambda: sv.reset_pin(store, team.admin, "zhao", "86420"))
    assert refused_key(lambda: sv.sign_in(store, "zhao", TEAM_PINS["zhao"])) == "error.sign_in_failed"
    assert staff_row(store, "zhao").failed_pins == 1
    assert sv.sign_in(store, "zhao", "86420").login == "zhao"


def test_reset_pin_replaces_the_pin_and_ends_a_lockout(store: Store, team: Team) -> None:
    with store.write() as s:
        s.execute(text("UPDATE staff SET failed_pins = 5, locked_at = CURRENT_TIMESTAMP WHERE login = 'zhao'"))
    sv.reset_pin(store, team.admin, "zhao", "86420")
    assert refused_key(lambda: sv.sign_in(store, "zhao", TEAM_PINS["zhao"])) == "error.sign_in_failed"
    assert sv.sign_in(store, "zhao", "86420").login == "zhao"
    reset = events(store, "reset_pin")[-1]
    assert reset.staff_id == team.admin.id and "86420" not in str(reset.after) and "scrypt" not in str(reset.after)


def test_a_store_whose_managers_have_no_pin_can_be_given_one_at_the_server(store: Store, team: Team) -> None:
    """A store made before PINs were required: nobody could sign in to set the first PIN."""
    assert refused_key(lambda: sv.reset_pin(store, None, "wang", "1111")) == "guard.manager_required"
    with store.write() as s:
        s.execute(text("UPDATE staff SET pin_hash = NULL"))
    assert refused_key(lambda: sv.reset_pin(store, None, "zhao", "1111")) == "guard.manager_required"
    sv.reset_pin(store, None, "wang", "1111")
    assert sv.sign_in(store, "wang", "1111").login == "wang"
    assert refused_key(lambda: sv.reset_pin(store, None, "sun", "2222")) == "guard.manager_required"


# --- the staff commands ---------------------------------------------------------------------


def cli_run(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``complaint-tui ARGS`` in this process (not on a terminal: nothing is asked); exit code, output."""
    from complaint_tui import cli

    monkeypatch.setattr("sys.argv", ["complaint-tui", *args])
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("COMPLAINT_TUI_PIN", raising=False)
    with pytest.raises(SystemExit) as done:
        cli.main()
    out = capsys.readouterr()
    return int(done.value.code or 0), out.out + out.err


def test_staff_commands_need_a_signed_in_manager_and_audit_them(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    team = Team(sqlite_store)
    db = ["--db", str(sqlite_store.engine.url.database)]
    boss = ["--operator", "wang", "--pin", TEAM_PINS["wang"]]
    # The testers' finding: no sign-in on a store that has staff.
    code, out = cli_run(
        ["staff", "add", "mallory", "马洛", "--role", "supervisor", "--new-pin", "1111", *db], monkeypatch, capsys
    )
    assert code == 1 and "supervisor or admin" in out and "Traceback" not in out
    code, out = cli_run(
        ["staff", "add", "mallory", "马洛", "--operator", "wang", "--pin", "1111", *db], monkeypatch, capsys
    )
    assert code == 1 and out.strip() == "Wrong login or PIN."
    mallory_as_handler = ["staff", "add", "mallory", "马洛", "--role", "handler", "--operator", "li", "--pin", "1"]
    code, out = cli_run([*mallory_as_handler, *db], monkeypatch, capsys)
    assert code == 1 and out.strip() == "A handler may not add staff."
    code, out = cli_run(["staff", "add", "mallory", "马洛", "--operator", "wang", *db], monkeypatch, capsys)
    assert code == 1 and "--pin" in out  # no PIN and no terminal to ask on
    assert "mallory" not in [r.login for r in sv.list_staff(sqlite_store, include_inactive=True)]

    code, out = cli_run(["staff", "add", "qian", "钱多", "--role", "handler", *boss, *db], monkeypatch, capsys)
    assert code == 0 and "Added qian" in out
    code, out = cli_run(["staff", "set", "qian", "--department", "security", *boss, *db], monkeypatch, capsys)
    assert code == 0 and "Security" in out
    code, out = cli_run(["staff", "deactivate", "qian", *boss, *db], monkeypatch, capsys)
    assert code == 0 and staff_row(sqlite_store, "qian").active is False
    code, out = cli_run(["staff", "activate", "qian", *boss, *db], monkeypatch, capsys)
    assert code == 0 and staff_row(sqlite_store, "qian").active is True
    code, out = cli_run(["staff", "reset-pin", "qian", "--new-pin", "55555", *boss, *db], monkeypatch, capsys)
    assert code == 0 and sv.sign_in(sqlite_store, "qian", "55555").login == "qian"
    with sqlite_store.write() as s:
        s.execute(text("UPDATE staff SET failed_pins = 5, locked_at = CURRENT_TIMESTAMP WHERE login = 'zhao'"))
    code, out = cli_run(["staff", "unlock", "zhao", *boss, *db], monkeypatch, capsys)
    assert code == 0 and staff_row(sqlite_store, "zhao").locked_at is None
    code, out = cli_run(["staff", "list", "--all", *boss, *db], monkeypatch, capsys)
    assert code == 0 and "钱多" in out and "active" in out
    code, out = cli_run(
        ["staff", "deactivate", "wang", "--operator", "sun", "--pin", TEAM_PINS["sun"], *db], monkeypatch, capsys
    )
    assert code == 0
    code, out = cli_run(
        ["staff", "deactivate", "sun", "--operator", "sun", "--pin", TEAM_PINS["sun"], *db], monkeypatch, capsys
    )
    assert code == 1 and "last active supervisor or admin" in out
    actions = ["add_staff", "set_staff", "activate_staff", "reset_pin", "unlock_staff"]
    for action in actions:
        assert events(sqlite_store, action)[-1].staff_id == team.supervisor.id, action
    first, last = events(sqlite_store, "deactivate_staff")
    assert (first.staff_id, last.staff_id) == (team.supervisor.id, team.admin.id)
