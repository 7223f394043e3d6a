"""One place resolves a run's configuration (issue 10 item 5): flag, then environment variable,
then default, the same for every command; a database password is never shown.

The environment variables are the ones the README documents: COMPLAINT_TUI_DB,
COMPLAINT_TUI_POLICY, COMPLAINT_TUI_LANG and COMPLAINT_TUI_PIN.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from complaint_tui.cli import app
from complaint_tui.config import db_url, display_url, language_from, passwords_in, scrub
from complaint_tui.errors import DeskError

ALT_POLICY = Path(__file__).parent / "policies" / "alt_policy.toml"
URL = "postgresql+psycopg://ctui:s3cret%40pw@db.example:5432/complaints"


def cli(*args: str, **env: str | None) -> Result:
    base: dict[str, str | None] = {
        "LANG": "C.UTF-8",
        "LC_ALL": None,
        "LC_MESSAGES": None,
        "COMPLAINT_TUI_DB": None,
        "COMPLAINT_TUI_POLICY": None,
        "COMPLAINT_TUI_LANG": None,
        "COMPLAINT_TUI_PIN": None,
        "COLUMNS": "250",
    }
    return CliRunner().invoke(app, list(args), env=base | env)


def refused(result: Result) -> str:
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.fixture
def centre(tmp_path: Path) -> Path:
    path = tmp_path / "centre.sqlite3"
    assert cli("db", "upgrade", "--db", str(path)).exit_code == 0
    return path


# --- the store: flag, environment, default -------------------------------------------------


def test_the_store_is_the_flag_else_the_environment_else_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("COMPLAINT_TUI_DB", raising=False)
    assert db_url() == f"sqlite:///{tmp_path / 'data' / 'complaint-tui' / 'complaints.sqlite3'}"
    monkeypatch.setenv("COMPLAINT_TUI_DB", str(tmp_path / "env.sqlite3"))
    assert db_url() == f"sqlite:///{tmp_path / 'env.sqlite3'}"
    assert db_url(str(tmp_path / "flag.sqlite3")) == f"sqlite:///{tmp_path / 'flag.sqlite3'}"
    monkeypatch.setenv("COMPLAINT_TUI_DB", "")  # set but empty: as if not set
    assert db_url().endswith("/complaint-tui/complaints.sqlite3")


def test_a_url_is_a_url_and_a_path_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 9: a PostgreSQL URL was read as a file path ('The folder …/postgresql+psycopg:/…')."""
    assert db_url(URL) == URL
    monkeypatch.chdir(tmp_path)
    assert db_url("centre.sqlite3") == f"sqlite:///{tmp_path / 'centre.sqlite3'}"
    with pytest.raises(DeskError) as bad:
        db_url("postgresql+psycopg://ctui:s3cret@db.example:54x32/complaints")
    words = bad.value.message("en")
    assert "s3cret" not in words and "ctui:***@db.example" in words


def test_the_environment_names_the_store_of_every_command(centre: Path, tmp_path: Path) -> None:
    """$COMPLAINT_TUI_DB reaches each command through typer (envvar=), and a subcommand run with
    it set is not told that --db belongs after the command: only a typed --db is."""
    for args in (
        ("db", "check"),
        ("report",),
        ("export",),
        ("staff", "add", "wang", "王芳", "--role", "admin", "--new-pin", "2468"),
    ):
        result = cli(*args, COMPLAINT_TUI_DB=str(centre))
        assert result.exit_code == 0, (args, result.stderr)
    line = refused(cli("--db", str(centre), "db", "check"))
    assert "--db" in line and "db" in line
    missing = tmp_path / "typo.sqlite3"
    assert "No store at" in refused(cli("report", COMPLAINT_TUI_DB=str(missing)))
    assert not missing.exists()
    # The flag beats the environment.
    assert cli("report", "--db", str(centre), COMPLAINT_TUI_DB=str(missing)).exit_code == 0


def test_the_environment_names_the_policy(centre: Path) -> None:
    """$COMPLAINT_TUI_POLICY: the channel `letter` exists only in the alternative policy."""
    args = ("export", "--db", str(centre), "--channel", "letter")
    assert "letter" in refused(cli(*args))
    assert cli(*args, COMPLAINT_TUI_POLICY=str(ALT_POLICY)).exit_code == 0
    assert cli(*args, "--policy", str(ALT_POLICY)).exit_code == 0


def test_the_language_is_the_flag_else_the_environment_else_the_locale(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere.sqlite3")
    english = refused(cli("report", "--db", missing))
    chinese = refused(cli("report", "--db", missing, COMPLAINT_TUI_LANG="zh"))
    assert english.startswith("No store at") and chinese.startswith(f"{missing} 处没有存储")
    assert refused(cli("report", "--db", missing, LANG="zh_CN.UTF-8")) == chinese
    assert refused(cli("--lang", "en", "report", "--db", missing, COMPLAINT_TUI_LANG="zh")) == english
    assert refused(cli("report", "--db", missing, LANG="zh_CN.UTF-8", COMPLAINT_TUI_LANG="en")) == english
    assert "'fr'" in refused(cli("report", "--db", missing, COMPLAINT_TUI_LANG="fr"))
    assert language_from(["--lang", "zh"], {"LANG": "C"}) == "zh"
    assert language_from(["--", "--lang", "zh"], {"LANG": "C"}) == "en"  # after --: an argument


def test_the_pin_comes_from_the_environment(centre: Path) -> None:
    """$COMPLAINT_TUI_PIN signs the operator in as --pin does; a wrong one is refused."""
    add = cli("staff", "add", "wang", "王芳", "--role", "supervisor", "--new-pin", "2468", "--db", str(centre))
    assert add.exit_code == 0, add.stderr
    assert "PIN" in refused(cli("staff", "list", "--operator", "wang", "--db", str(centre)))
    listing = cli("staff", "list", "--operator", "wang", "--db", str(centre), COMPLAINT_TUI_PIN="2468")
    assert listing.exit_code == 0 and "王芳" in listing.stdout
    refused(cli("staff", "list", "--operator", "wang", "--db", str(centre), COMPLAINT_TUI_PIN="9999"))


def _options(name: str) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []

    def walk(path: str, cmd: Any) -> None:
        for param in cmd.params:
            if f"--{name}" in param.opts:
                found.append((path, param))
        for sub_name, sub in getattr(cmd, "commands", {}).items():
            walk(f"{path} {sub_name}".strip(), sub)

    walk("", typer.main.get_command(app))
    return found


@pytest.mark.parametrize(
    ("name", "envvar"),
    [("db", "COMPLAINT_TUI_DB"), ("policy", "COMPLAINT_TUI_POLICY"), ("pin", "COMPLAINT_TUI_PIN")],
)
def test_every_command_reads_the_same_option_from_the_same_variable(name: str, envvar: str) -> None:
    """One definition per option: every command that takes it reads the same variable and says
    the same about it (the demo's --db names a new store and reads no variable)."""
    found = [(path, p) for path, p in _options(name) if path != "demo"]
    assert len(found) >= 3
    assert {p.envvar for _, p in found} == {envvar}
    assert len({p.help for _, p in found}) == 1


# --- passwords ------------------------------------------------------------------------------


def test_a_shown_url_has_its_password_masked() -> None:
    assert display_url(URL) == "postgresql+psycopg://ctui:***@db.example:5432/complaints"
    # A URL that does not parse is masked all the same.
    assert display_url("postgresql://ctui:s3cret@db:54x32/c") == "postgresql://ctui:***@db:54x32/c"
    assert display_url("/srv/centre.sqlite3") == "/srv/centre.sqlite3"


def test_the_passwords_of_a_run_are_found_in_either_spelling_and_scrubbed() -> None:
    found = passwords_in(["export", f"--db={URL}", None, "postgresql://a:b2@h/d"])
    assert {"s3cret%40pw", "s3cret@pw", "b2"} <= found
    # A URL that does not parse (a port that is no number): both spellings all the same.
    assert {"p%40ss", "p@ss"} <= passwords_in(["postgresql://u:p%40ss@h:54x32/d"])
    text = "could not connect to postgresql://ctui:s3cret%40pw@db (s3cret@pw)"
    assert scrub(text, found) == "could not connect to postgresql://ctui:***@db (***)"


def test_a_driver_error_quoting_the_url_does_not_show_its_password() -> None:
    """An unknown driver: SQLAlchemy refuses the URL and the message quotes it; the CLI's line
    has the password scrubbed, whether the URL came from --db or $COMPLAINT_TUI_DB."""
    address = "postgresql+nodriver://ctui:T0p-s3cret@db.example/complaints"
    for result in (cli("report", "--db", address), cli("report", COMPLAINT_TUI_DB=address)):
        line = refused(result)
        assert "T0p-s3cret" not in line and "***" in line


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://desk:s3cr3t-pw@db:99x/c",
        "nosuch://desk:s3cr3t-pw@db/c",
        "postgresql+nodriver://desk:s3cr3t-pw@db/c",
    ],
)
def test_the_engine_never_shows_the_password_of_a_url_it_refuses(url: str) -> None:
    """The desk opens stores without the CLI's scrubbing: make_engine's own refusal masks it."""
    from complaint_tui.db import make_engine
    from complaint_tui.errors import StoreError

    with pytest.raises(StoreError) as refused:
        make_engine(url)
    for lang in ("en", "zh"):
        words = refused.value.message(lang)
        assert "s3cr3t-pw" not in words and "desk:***@db" in words
