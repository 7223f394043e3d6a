"""The command line against careless and hostile use (issue 7): no command makes a store out of
a typo or migrates into a file that is not a store, store and backup files are private, and
every ending that is not success is one line in the user's language with exit code 1.

In process through typer's ``CliRunner`` (what a user sees: exit code, stdout, stderr, files on
disk) and, for the traceback sweep, through the installed console script.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from typer.testing import CliRunner, Result

from complaint_tui import db as db_module
from complaint_tui.cli import app
from complaint_tui.db import Store, open_store
from complaint_tui.errors import StoreError
from complaint_tui.paths import db_url
from complaint_tui.services import add_staff, intake, sign_in
from tests.batch.conftest import csv_text, row
from tests.helpers import intake_form

SCRIPT = Path(sys.executable).with_name("complaint-tui")
PINS = {"wang": "2468", "zhao": "1357"}
ROOT = os.geteuid() == 0  # root reads and writes whatever the mode bits say


def cli(*args: str, lang: str = "en", env: dict[str, str | None] | None = None) -> Result:
    """``complaint-tui ARGS`` in this process, under an English or Chinese locale."""
    base: dict[str, str | None] = {
        "LANG": "zh_CN.UTF-8" if lang == "zh" else "C.UTF-8",
        "LC_ALL": None,
        "LC_MESSAGES": None,
        "COMPLAINT_TUI_DB": None,
        "COMPLAINT_TUI_PIN": None,
        "COLUMNS": "250",
    }
    return CliRunner().invoke(app, list(args), env=base | (env or {}))


def one_line(result: Result) -> str:
    """The single line a refused command printed on stderr (and nothing on stdout)."""
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_store(path: Path, cases: int = 2) -> Path:
    """A current store at ``path`` made the way a person makes one, with two PIN-holding
    accounts and ``cases`` phone intakes; checkpointed, so the file alone holds it all."""
    assert cli("db", "upgrade", "--db", str(path)).exit_code == 0
    store = open_store(db_url(path))
    try:
        add_staff(store, None, login="wang", name="王芳", role="supervisor", pin_code=PINS["wang"])
        boss = sign_in(store, "wang", PINS["wang"])
        add_staff(store, boss, login="zhao", name="赵敏", role="desk", department="customer_service", pin_code="1357")
        desk = sign_in(store, "zhao", PINS["zhao"])
        for n in range(cases):
            intake(store, desk, intake_form(phone=f"1391234{n:04d}", room=f"{1500 + n}"))
    finally:
        store.engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


_templates: dict[int, bytes] = {}


def new_store(path: Path, cases: int = 2) -> Path:
    """``build_store``'s store, built once per size and copied (mode 0600, as the product makes it)."""
    if cases not in _templates:
        built = build_store(path.with_name(f"template-{cases}.sqlite3"), cases)
        _templates[cases] = built.read_bytes()
        for leftover in built.parent.glob(f"{built.name}*"):
            leftover.unlink()
    path.write_bytes(_templates[cases])
    path.chmod(0o600)
    return path


def case_count(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM complaint_case").fetchone()[0])


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, under which a file made without care would be 0644."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- a store is made only on purpose -----------------------------------------------------------

REFUSING_COMMANDS = [
    ["db", "check"],
    ["db", "backup", "{tmp}/backup.sqlite3"],
    ["staff", "list"],
    ["staff", "add", "li", "李强", "--role", "handler"],
    ["export"],
    ["export", "-o", "{tmp}/cases.csv"],
    ["report"],
    ["import", "{tmp}/intake.csv", "--operator", "zhao"],
]


@pytest.mark.parametrize("command", REFUSING_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_mistyped_db_is_refused_and_no_store_is_made(command: list[str], tmp_path: Path) -> None:
    """Issue 7 item 4: staff list / staff add / db backup used to create an empty store silently."""
    (tmp_path / "intake.csv").write_text(csv_text([row(1)]), encoding="utf-8")
    typo = tmp_path / "centre.sqlite"  # the store is centre.sqlite3
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    line = one_line(cli(*args, "--db", str(typo)))
    assert str(typo) in line and "complaint-tui db upgrade --db" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["intake.csv"]


def test_the_environment_variable_and_the_desk_refuse_a_missing_store_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import complaint_tui.app

    opened: list[Store] = []  # were the desk to open anyway, it must not wait on a terminal here
    monkeypatch.setattr(complaint_tui.app, "run_app", lambda settings, store: opened.append(store))
    typo = tmp_path / "centre.sqlite"
    line = one_line(cli("staff", "list", env={"COMPLAINT_TUI_DB": str(typo)}))
    assert str(typo) in line
    line = one_line(cli("--db", str(typo)))  # the desk on a named store
    assert f"complaint-tui db upgrade --db {typo}" in line
    line = one_line(cli(env={"COMPLAINT_TUI_DB": str(typo)}, lang="zh"))
    assert "没有存储" in line and f"complaint-tui db upgrade --db {typo}" in line
    assert list(tmp_path.iterdir()) == [] and not opened


def test_the_desk_makes_its_default_store_on_first_run_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, umask_022: None
) -> None:
    """The one store made without asking: the desk's default file, on its first run."""
    opened: list[Store] = []
    import complaint_tui.app

    monkeypatch.setattr(complaint_tui.app, "run_app", lambda settings, store: opened.append(store))
    result = cli(env={"XDG_DATA_HOME": str(tmp_path / "data")})
    assert result.exit_code == 0, result.stderr
    (store_file,) = (tmp_path / "data").rglob("*.sqlite3")
    assert mode(store_file) == 0o600
    assert opened and opened[0].url_for_display().endswith(str(store_file))
    opened[0].engine.dispose()


def test_created_stores_backups_and_their_wal_files_are_private(tmp_path: Path, umask_022: None) -> None:
    """Issue 7 item 10: store and backup files were created 0644."""
    store_file = tmp_path / "centre.sqlite3"
    assert cli("db", "upgrade", "--db", str(store_file)).exit_code == 0
    assert mode(store_file) == 0o600
    store = open_store(db_url(store_file))
    with store.write() as session:  # an open write leaves the -wal and -shm files there
        session.execute(text("SELECT 1"))
        wal = [p for p in tmp_path.iterdir() if p.name.endswith(("-wal", "-shm"))]
        assert wal and all(mode(p) == 0o600 for p in wal)
    backup = tmp_path / "backup.sqlite3"
    result = cli("db", "backup", str(backup), "--db", str(store_file))
    assert result.exit_code == 0, result.stderr
    assert mode(backup) == 0o600 and backup.read_bytes().startswith(b"SQLite format 3\x00")
    store.engine.dispose()


# --- a file that is not a store is never taken for one ------------------------------------------


def _csv(path: Path) -> None:
    path.write_text("number,phone\nTS1,13812345678\n", encoding="utf-8")


def _random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


def _other_program(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")


def _empty_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 1")  # a valid header, no tables


def _empty_file(path: Path) -> None:
    path.write_bytes(b"")


NOT_STORES: dict[str, Callable[[Path], None]] = {
    "csv": _csv,
    "random bytes": _random_bytes,
    "another program's database": _other_program,
    "empty SQLite database": _empty_sqlite,
    "empty file": _empty_file,
}


@pytest.mark.parametrize("kind", list(NOT_STORES))
@pytest.mark.parametrize(
    "command",
    [
        ["db", "upgrade"],
        ["db", "check"],
        ["db", "backup", "{tmp}/b.sqlite3"],
        ["staff", "list"],
        ["export"],
        ["report"],
        [],
    ],
    ids=lambda c: " ".join(c[:2]) or "desk",
)
def test_a_file_that_is_not_a_store_is_refused_and_left_as_it_was(
    kind: str, command: list[str], tmp_path: Path
) -> None:
    path = tmp_path / "x.sqlite3"
    NOT_STORES[kind](path)
    before = digest(path)
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    line = one_line(cli(*args, "--db", str(path)))
    assert f"{path} is not a complaint-tui store" in line and "nothing was changed" in line
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.sqlite3"]  # no -wal, no backup


def test_a_folder_or_an_unparsable_address_is_one_line(tmp_path: Path) -> None:
    assert "is not a file" in one_line(cli("db", "check", "--db", str(tmp_path)))
    line = one_line(cli("export", "--db", "postgresql+psycopg://[::1"))
    assert line == "Not a usable database address: postgresql+psycopg://[::1"
    assert "数据库地址" in one_line(cli("report", "--db", "postgresql+psycopg://host:port/x", lang="zh"))


def test_db_check_on_a_damaged_store_ends_in_words(tmp_path: Path) -> None:
    path = new_store(tmp_path / "c.sqlite3")
    data = bytearray(path.read_bytes())
    data[100:4096] = os.urandom(3996)  # the schema page, past the header
    path.write_bytes(bytes(data))
    line = one_line(cli("db", "check", "--db", str(path)))
    assert "damaged" in line or "cannot be read" in line
    assert "已损坏" in one_line(cli("db", "check", "--db", str(path), lang="zh"))


def as_unprivileged(*args: str) -> tuple[int, str]:
    """``complaint-tui ARGS`` (exit code, stderr) as a user that file modes bind: this process,
    or, as root (CI runs as root, and root reads and writes whatever the mode says), a forked
    child that drops to ``nobody`` first. The caller runs the command once before, as itself, so
    that every module and catalog it needs is loaded: ``nobody`` may not read the virtual
    environment's folder."""
    if not ROOT:
        result = cli(*args)
        return result.exit_code, result.stderr
    import pwd

    nobody = pwd.getpwnam("nobody")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop root for good, run, report through the pipe
        code = 1
        try:
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            result = cli(*args)
            os.write(write_end, f"{result.exit_code}\n{result.stderr}".encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        got = pipe.read().decode()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the unprivileged child failed"
    exit_code, _, stderr = got.partition("\n")
    return int(exit_code), stderr


def test_a_store_without_read_permission_is_one_line(open_folder: Path) -> None:
    path = new_store(open_folder / "c.sqlite3")
    cli("db", "check", "--db", str(path))  # loads what the command needs (see as_unprivileged)
    path.chmod(0)
    try:
        code, stderr = as_unprivileged("db", "check", "--db", str(path))
    finally:
        path.chmod(0o600)
    assert (code, stderr.strip()) == (1, f"Cannot read {path}: no permission.")


# --- a full disk and a read-only store --------------------------------------------------------


def no_room(monkeypatch: pytest.MonkeyPatch, pages_free: int = 0) -> None:
    """From now on every store the commands open can grow by ``pages_free`` pages at most: then
    the disk is full, as SQLite reports it."""
    real = db_module.make_engine

    def make_engine(url: str, **kwargs: Any) -> Any:
        engine = real(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _cap(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
            pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
            dbapi_conn.execute(f"PRAGMA max_page_count = {max(int(pages) + pages_free, 1)}")

        return engine

    monkeypatch.setattr(db_module, "make_engine", make_engine)


def test_import_on_a_full_disk_says_so_and_keeps_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store_file = new_store(tmp_path / "c.sqlite3")
    no_room(monkeypatch)
    csv_file = tmp_path / "intake.csv"
    csv_file.write_text(csv_text([row(n) for n in range(1, 120)]), encoding="utf-8")
    line = one_line(cli("import", str(csv_file), "--db", str(store_file), "--operator", "zhao", "--pin", "1357"))
    assert line.startswith("The disk is full") and "Nothing was saved" in line
    assert case_count(store_file) == 2
    assert "磁盘已满" in one_line(
        cli("import", str(csv_file), "--db", str(store_file), "--operator", "zhao", "--pin", "1357", lang="zh")
    )


def test_demo_on_a_full_disk_says_so_and_leaves_no_half_built_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "demo.sqlite3"
    no_room(monkeypatch)  # not even the schema fits: open_store takes back the file it made
    line = one_line(cli("demo", "--db", str(target), "--cases", "50"))
    assert line.startswith("The disk is full")
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    no_room(monkeypatch, pages_free=120)  # the schema fits, the cases do not: demo takes it back
    one_line(cli("demo", "--db", str(target), "--cases", "300"))
    assert list(tmp_path.iterdir()) == []


def test_backup_on_a_full_disk_says_so_and_leaves_no_partial_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_file = new_store(tmp_path / "c.sqlite3", cases=20)
    target = tmp_path / "backup.sqlite3"
    real = sqlite3.connect

    def connect(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = real(database, *args, **kwargs)
        if str(database) == str(target):
            conn.execute("PRAGMA max_page_count = 3")  # the backup's disk holds three pages
        return conn

    monkeypatch.setattr(db_module.sqlite3, "connect", connect)
    line = one_line(cli("db", "backup", str(target), "--db", str(store_file)))
    assert line.startswith("The disk is full")
    assert not target.exists() and not Path(f"{target}-journal").exists()


def test_backup_never_replaces_a_file(tmp_path: Path) -> None:
    store_file = new_store(tmp_path / "c.sqlite3")
    other = tmp_path / "notes.txt"
    other.write_text("keep me", encoding="utf-8")
    for target in (other, store_file, Path(f"{store_file}-wal")):
        existed = target.exists()
        before = digest(target) if existed else None
        line = one_line(cli("db", "backup", str(target), "--db", str(store_file)))
        if existed:
            assert "already exists" in line and digest(target) == before
    assert case_count(store_file) == 2


def test_a_read_only_store_says_so_and_writes_nothing(tmp_path: Path) -> None:
    """Opened read-only (as a store on a read-only mount or without write permission is)."""
    store_file = new_store(tmp_path / "c.sqlite3")
    read_only = f"sqlite:///file:{store_file}?mode=ro&uri=true"
    csv_file = tmp_path / "intake.csv"
    csv_file.write_text(csv_text([row(1)]), encoding="utf-8")
    line = one_line(cli("import", str(csv_file), "--db", read_only, "--operator", "zhao", "--pin", "1357"))
    assert line.startswith("The store is read-only") and "Nothing was saved" in line
    assert case_count(store_file) == 2
    assert cli("report", "--db", read_only, "-f", "json").exit_code == 0  # reading still works


@pytest.mark.skipif(ROOT, reason="root writes a file whatever its mode")
def test_a_store_file_without_write_permission_is_read_only(tmp_path: Path) -> None:
    store_file = new_store(tmp_path / "c.sqlite3")
    csv_file = tmp_path / "intake.csv"
    csv_file.write_text(csv_text([row(1)]), encoding="utf-8")
    store_file.chmod(0o400)
    try:
        line = one_line(cli("import", str(csv_file), "--db", str(store_file), "--operator", "zhao", "--pin", "1357"))
        assert "read-only" in line
    finally:
        store_file.chmod(0o600)
    assert case_count(store_file) == 2


def test_the_desk_gets_the_same_words_and_the_transaction_rolls_back(tmp_path: Path) -> None:
    """Store.write maps the refusals, so the desk's screens show what the command line shows."""
    store_file = new_store(tmp_path / "c.sqlite3")
    read_only = Store(db_module.make_engine(f"sqlite:///file:{store_file}?mode=ro&uri=true"))
    with pytest.raises(StoreError) as refused, read_only.write() as session:
        session.execute(text("DELETE FROM complaint_case"))
    assert refused.value.key == "error.store_read_only"
    read_only.engine.dispose()
    full = Store(db_module.make_engine(db_url(store_file)))
    with pytest.raises(StoreError) as refused, full.write() as session:
        session.execute(text("UPDATE complaint_case SET matter_what = 'x'"))
        pages = session.execute(text("PRAGMA page_count")).scalar()
        session.execute(text(f"PRAGMA max_page_count = {pages}"))
        session.execute(text("CREATE TABLE filler (x BLOB)"))
        session.execute(text("INSERT INTO filler VALUES (zeroblob(1000000))"))
    assert refused.value.key == "error.disk_full"
    full.engine.dispose()
    with sqlite3.connect(store_file) as conn:
        assert conn.execute("SELECT count(*) FROM complaint_case WHERE matter_what = 'x'").fetchone()[0] == 0
        assert not conn.execute("SELECT name FROM sqlite_master WHERE name = 'filler'").fetchall()


# --- typing slips: one line in the user's language ----------------------------------------------

SLIPS = [
    (["--bogus"], "Unknown option --bogus", "未知选项 --bogus"),
    (["export", "--stat", "x"], "did you mean --estate, --status?", "是否想用 --estate、--status"),
    (["db", "backup"], "Missing FILE", "缺少 FILE"),
    (["demo", "--cases", "5"], "Missing option --db", "缺少选项 --db"),
    (
        ["demo", "--db", "{tmp}/d.sqlite3", "--cases", "many"],
        "--cases: 'many' is not accepted; a whole number",
        "需要一个整数",
    ),
    (
        ["demo", "--db", "{tmp}/d.sqlite3", "--cases", "0"],
        "--cases: '0' is not accepted; it must be at least 1",
        "不能小于 1",
    ),
    (["export", "--db"], "--db needs a value", "--db 需要一个值"),
    (["export", "--overdue=yes"], "--overdue takes no value", "--overdue 不带值"),
    (["nosuch"], "No command 'nosuch'", "没有命令“nosuch”"),
    (["report", "extra", "words"], "Unexpected extra argument(s): extra words", "多余的参数"),
    (["--lang", "fr", "report"], "--lang: 'fr' is not a language", "不是可用语言"),
    (["--db", "{tmp}/c.sqlite3", "staff", "list"], "--db belongs after the command", "--db 应写在命令之后"),
]


@pytest.mark.parametrize(("args", "english", "chinese"), SLIPS, ids=[" ".join(s[0]) for s in SLIPS])
def test_slips_on_the_command_line_are_one_line_in_the_users_language(
    args: list[str], english: str, chinese: str, tmp_path: Path
) -> None:
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert english in one_line(cli(*argv))
    zh = one_line(cli(*argv, lang="zh"))
    assert chinese in zh and "Usage" not in zh and "Error" not in zh
    if argv[0] != "--lang":
        assert chinese in one_line(cli("--lang", "zh", *argv))  # --lang wins over an English locale
    assert list(tmp_path.iterdir()) == []


def test_version_is_the_installed_version(monkeypatch: pytest.MonkeyPatch) -> None:
    import complaint_tui.app

    monkeypatch.setattr(complaint_tui.app, "run_app", lambda settings, store: None)  # never a desk here
    result = cli("--version", env={"COMPLAINT_TUI_DB": "no-store-here.sqlite3"})
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout == f"complaint-tui {metadata.version('complaint-tui')}\n"


def test_a_group_alone_shows_its_help() -> None:
    result = cli("db")
    assert result.exit_code == 0 and "upgrade" in result.stdout + result.stderr


# --- the console script never shows a traceback -----------------------------------------------

HOSTILE = [
    ["report", "--since", "0001-01-01", "--db", "{store}"],
    ["export", "--until", "9999-12-31", "--db", "{store}"],
    ["export", "--since", "20260101", "--db", "{store}"],
    ["export", "--db", "postgresql+psycopg://[::1"],
    ["export", "--db", "{store}", "-o", "/dev/full"],
    ["export", "--db", "{store}", "-o", "{tmp}/" + "x" * 300 + ".csv"],
    ["export", "--db", "{store}", "-o", "{tmp}/no/such/folder/x.csv"],
    ["export", "--db", "{store}", "-o", "{store}", "--force"],
    ["db", "check", "--db", "{tmp}/random.sqlite3"],
    ["db", "check", "--db", "{tmp}/text.sqlite3"],
    ["db", "upgrade", "--db", "{tmp}/text.sqlite3"],
    ["staff", "list", "--db", "{tmp}/typo.sqlite3"],
    ["db", "backup", "{store}", "--db", "{store}"],
    ["--version", "--bogus"],
    ["--bogus"],
    ["import", "{tmp}/random.sqlite3", "--db", "{store}", "--operator", "zhao", "--pin", "1357"],
]


@pytest.mark.parametrize("args", HOSTILE, ids=lambda a: " ".join(a)[:60])
def test_the_console_script_ends_hostile_input_in_one_line(args: list[str], tmp_path: Path) -> None:
    """Issue 7 item 1: each of these printed a traceback."""
    store_file = new_store(tmp_path / "c.sqlite3")
    (tmp_path / "random.sqlite3").write_bytes(os.urandom(4096))
    (tmp_path / "text.sqlite3").write_text("not a database\n" * 50, encoding="utf-8")
    argv = [a.replace("{store}", str(store_file)).replace("{tmp}", str(tmp_path)) for a in args]
    for lang in ("C.UTF-8", "zh_CN.UTF-8"):
        env = os.environ | {"LANG": lang, "COLUMNS": "80"}  # a narrow terminal must not wrap the line
        env.pop("LC_ALL", None)
        env.pop("COMPLAINT_TUI_DB", None)
        done = subprocess.run([str(SCRIPT), *argv], capture_output=True, text=True, env=env, timeout=120, check=False)
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr
        assert len(done.stderr.splitlines()) == 1, done.stderr
        if lang.startswith("zh"):
            assert re.search(r"[\u4e00-\u9fff]", done.stderr), done.stderr
    assert case_count(store_file) == 2


def test_on_postgresql_only_db_upgrade_makes_a_store_of_an_empty_database(
    pg_server: Any, request: pytest.FixtureRequest
) -> None:
    """An empty PostgreSQL database is where `db upgrade` makes a store; every other command
    refuses it, and a database holding another program's tables is refused by all."""
    from sqlalchemy import create_engine

    name = f"ctui_empty_{os.getpid()}_{request.node.nodeid.__hash__() & 0xFFFF}"
    admin = create_engine(pg_server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
        conn.execute(text(f"CREATE DATABASE {name}_other"))
    admin.dispose()
    url, other = pg_server.url(name), pg_server.url(f"{name}_other")
    other_engine = create_engine(other)
    with other_engine.begin() as conn:
        conn.execute(text("CREATE TABLE contacts (name text)"))
    other_engine.dispose()
    assert "holds no complaint-tui store yet" in one_line(cli("report", "--db", url))
    assert "没有 complaint-tui 存储" in one_line(cli("staff", "list", "--db", url, lang="zh"))
    for command in (["db", "upgrade"], ["db", "check"], ["export"]):
        assert "is not a complaint-tui store (a database with other tables)" in one_line(cli(*command, "--db", other))
    made = cli("db", "upgrade", "--db", url)
    assert made.exit_code == 0, made.stderr
    assert cli("report", "--db", url, "-f", "json").exit_code == 0
