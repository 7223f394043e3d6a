"""Export and report against careless and hostile use (issue 7 items 1, 7 and 10; S6.5).

An export never writes over the store or, without ``--force``, over any file; its file is 0600
and appears only when complete (a ``kill -9`` leaves nothing); full phone numbers need the
operator's PIN; dates are YYYY-MM-DD within bounds; and no combination of arguments ends in a
traceback or a half-written file (a hypothesis property test).
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import pty
import select
import signal
import sqlite3
import stat
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaint_tui import safe_files
from tests.test_cli_safety import (
    PINS,
    SCRIPT,
    as_unprivileged,
    case_count,
    cli,
    digest,
    mode,
    new_store,
    one_line,
)

FULL_PHONE = "13912340000"  # the first case's phone in new_store's store


def files(folder: Path) -> list[str]:
    """The files in ``folder`` but the -wal and -shm of a store this process still has open."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(("-wal", "-shm")))


def audit_actions(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [str(r[0]) for r in conn.execute("SELECT action FROM audit_event ORDER BY id")]


@pytest.fixture
def store_file(tmp_path: Path) -> Path:
    return new_store(tmp_path / "centre.sqlite3")


# --- never over the store, over another file only with --force ----------------------------------


def test_export_refuses_an_existing_file_unless_forced_and_makes_it_private(
    store_file: Path, tmp_path: Path, umask_022: None
) -> None:
    """Issue 7 item 1: `export -o FILE` renamed its output over any existing file."""
    target = tmp_path / "cases.csv"
    target.write_text("last month's export\n", encoding="utf-8")
    line = one_line(cli("export", "--db", str(store_file), "-o", str(target)))
    assert line == f"{target} already exists; add --force to replace it, or name a new file."
    assert target.read_text(encoding="utf-8") == "last month's export\n"
    pii = ["--include-pii", "--operator", "zhao", "--pin", PINS["zhao"]]
    assert "already exists" in one_line(cli("export", "--db", str(store_file), "-o", str(target), *pii))
    assert "export_pii" not in audit_actions(store_file)  # refused before the export is put on record
    assert "已存在" in one_line(cli("export", "--db", str(store_file), "-o", str(target), lang="zh"))
    forced = cli("export", "--db", str(store_file), "-o", str(target), "--force")
    assert forced.exit_code == 0, forced.stderr
    assert target.read_text(encoding="utf-8").startswith("number,source_id,") and mode(target) == 0o600
    fresh = tmp_path / "new.xlsx"
    made = cli("export", "--db", str(store_file), "-f", "xlsx", "-o", str(fresh))
    assert made.exit_code == 0 and fresh.read_bytes().startswith(b"PK") and mode(fresh) == 0o600
    assert files(tmp_path) == ["cases.csv", "centre.sqlite3", "new.xlsx"]


STORE_SPELLINGS = ["same", "relative", "dotdot", "symlink", "hardlink", "-wal", "-shm", "-journal"]


@pytest.mark.parametrize("force", [False, True], ids=["plain", "force"])
@pytest.mark.parametrize("spelling", STORE_SPELLINGS)
def test_export_never_writes_over_the_store_however_it_is_named(
    spelling: str, force: bool, store_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 7 item 1: `export --db c.sqlite3 -o c.sqlite3` replaced the store with a CSV."""
    desk = sqlite3.connect(store_file)  # another desk has it open: its -wal and -shm are there too
    desk.execute("SELECT count(*) FROM complaint_case").fetchone()
    monkeypatch.chdir(tmp_path)
    names = {
        "same": str(store_file),
        "relative": store_file.name,
        "dotdot": f"../{tmp_path.name}/{store_file.name}",
        "symlink": str(tmp_path / "link.sqlite3"),
        "hardlink": str(tmp_path / "hard.sqlite3"),
        "-wal": f"{store_file}-wal",
        "-shm": f"{store_file}-shm",
        "-journal": f"{store_file}-journal",
    }
    (tmp_path / "link.sqlite3").symlink_to(store_file)
    os.link(store_file, tmp_path / "hard.sqlite3")
    before = digest(store_file)
    args = ["export", "--db", str(store_file), "-o", names[spelling], *(["--force"] if force else [])]
    try:
        line = one_line(cli(*args))
    finally:
        desk.close()
    assert "is the store itself" in line
    assert digest(store_file) == before and case_count(store_file) == 2
    assert not Path(f"{store_file}-journal").exists()


@pytest.mark.parametrize(
    ("output", "needle"),
    [
        ("{tmp}/no/such/folder/x.csv", "does not exist"),
        ("{tmp}", "is a folder"),
        ("{tmp}/" + "x" * 300 + ".csv", "the name is too long"),
        ("/dev/full", "the disk is full"),
    ],
    ids=["missing folder", "folder", "long name", "full disk"],
)
def test_an_unwritable_output_is_one_line_and_leaves_nothing(
    output: str, needle: str, store_file: Path, tmp_path: Path
) -> None:
    line = one_line(cli("export", "--db", str(store_file), "-o", output.replace("{tmp}", str(tmp_path))))
    assert needle in line
    assert files(tmp_path) == ["centre.sqlite3"]


def test_an_output_folder_without_write_permission_is_one_line(open_folder: Path) -> None:
    store = new_store(open_folder / "c.sqlite3")
    store.chmod(0o666)  # the store is anyone's: only the output folder is locked
    open_folder.chmod(0o777)
    cli("export", "--db", str(store), "-o", str(open_folder / "warm.csv"))  # loads what export needs
    locked = open_folder / "locked"
    locked.mkdir(mode=0o555)
    code, stderr = as_unprivileged("export", "--db", str(store), "-o", str(locked / "x.csv"))
    assert code == 1 and "no permission" in stderr and len(stderr.strip().splitlines()) == 1, stderr
    assert list(locked.iterdir()) == []


def test_a_hostile_value_can_neither_add_lines_nor_steer_the_terminal(store_file: Path) -> None:
    line = one_line(cli("export", "--db", str(store_file), "--status", "a\x1eb\x1b[2Jc\u2028d"))
    assert "unknown code 'a\\x1eb\\x1b[2Jc\\u2028d'" in line and "\x1b" not in line


# --- complete or nothing, even on kill -9 --------------------------------------------------------


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo store of 3,000 cases, made by the console script: an export of it takes a while."""
    path = tmp_path_factory.mktemp("big") / "demo.sqlite3"
    made = subprocess.run(
        [str(SCRIPT), "demo", "--db", str(path), "--cases", "3000"], capture_output=True, text=True, timeout=600
    )
    assert made.returncode == 0, made.stderr
    assert mode(path) == 0o600
    return path


def _wait_for_output_file(pid: int, folder: Path, timeout: float = 60.0) -> int:
    """Wait until process ``pid`` has a file in ``folder`` open with some bytes in it; its size."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                where = os.readlink(fd)
                size = os.stat(fd).st_size
            except OSError:
                continue
            if where.startswith(str(folder)) and size > 0:
                return size
        time.sleep(0.005)
    raise AssertionError("the export never started writing")


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_killed_mid_write_leaves_no_file(fmt: str, big_store: Path, tmp_path: Path) -> None:
    """Issue 7 item 7: a killed export left `.part` files, with full phones if --include-pii."""
    out = tmp_path / "out"
    out.mkdir()
    env = os.environ | {"LANG": "C.UTF-8", "COMPLAINT_TUI_PIN": ""}
    export = subprocess.Popen(
        [str(SCRIPT), "export", "--db", str(big_store), "-f", fmt, "-o", str(out / f"cases.{fmt}")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        assert _wait_for_output_file(export.pid, out) > 0
        export.send_signal(signal.SIGKILL)
        export.wait(timeout=60)
    finally:
        if export.poll() is None:
            export.kill()
            export.wait()
        assert export.stderr is not None
        export.stderr.close()
    assert export.returncode == -signal.SIGKILL
    assert list(out.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_without_unnamed_files_an_interrupted_export_cleans_up(signum: int, big_store: Path, tmp_path: Path) -> None:
    """Where the file system has no O_TMPFILE, the named stand-in goes on SIGTERM and Ctrl-C."""
    out = tmp_path / "out"
    out.mkdir()
    code = (
        "import sys\n"
        "from complaint_tui import safe_files\n"
        "safe_files.UNNAMED_FILES = False\n"
        "from complaint_tui.cli import main\n"
        f"sys.argv = ['complaint-tui', 'export', '--db', {str(big_store)!r}, '-o', {str(out / 'x.csv')!r}]\n"
        "main()\n"
    )
    export = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for_output_file(export.pid, out)
        assert [p.name for p in out.iterdir() if p.name.endswith(".part")]  # the stand-in is there
        export.send_signal(signum)
        _, err = export.communicate(timeout=60)
    finally:
        if export.poll() is None:
            export.kill()
            export.wait()
    assert export.returncode != 0 and b"Traceback" not in err
    assert list(out.iterdir()) == []


def test_the_named_stand_in_publishes_like_the_unnamed_file(
    store_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, umask_022: None
) -> None:
    monkeypatch.setattr(safe_files, "UNNAMED_FILES", False)
    target = tmp_path / "x.csv"
    assert cli("export", "--db", str(store_file), "-o", str(target)).exit_code == 0
    assert mode(target) == 0o600
    assert "already exists" in one_line(cli("export", "--db", str(store_file), "-o", str(target)))
    assert cli("export", "--db", str(store_file), "-o", str(target), "--force").exit_code == 0
    assert files(tmp_path) == ["centre.sqlite3", "x.csv"]


# --- full phones need the operator's PIN (S6.5) --------------------------------------------------


def test_full_phones_with_the_right_pin_are_exported_and_audited(store_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "callbacks.csv"
    args = ["export", "--db", str(store_file), "-o", str(target), "--include-pii", "--operator", "zhao"]
    result = cli(*args, "--pin", PINS["zhao"])
    assert result.exit_code == 0, result.stderr
    phones = {r["phone"] for r in csv.DictReader(io.StringIO(target.read_text(encoding="utf-8")))}
    assert FULL_PHONE in phones
    assert audit_actions(store_file).count("export_pii") == 1


@pytest.mark.parametrize(
    ("extra", "env", "needle"),
    [
        ([], {}, "need your PIN"),
        (["--pin", "0000"], {}, "PIN"),
        ([], {"COMPLAINT_TUI_PIN": "9999"}, "PIN"),
    ],
    ids=["no PIN, no terminal", "wrong PIN", "wrong PIN from the environment"],
)
def test_full_phones_without_the_right_pin_are_refused(
    extra: list[str], env: dict[str, str | None], needle: str, store_file: Path, tmp_path: Path
) -> None:
    target = tmp_path / "callbacks.csv"
    args = ["export", "--db", str(store_file), "-o", str(target), "--include-pii", "--operator", "zhao", *extra]
    line = one_line(cli(*args, env=env))
    assert needle in line
    assert not target.exists() and "export_pii" not in audit_actions(store_file)


def test_an_account_without_a_pin_never_exports_full_phones(store_file: Path, tmp_path: Path) -> None:
    """A desk account from before PINs were required: anyone could type its login."""
    with sqlite3.connect(store_file) as conn:
        conn.execute("UPDATE staff SET pin_hash = NULL WHERE login = 'zhao'")
    target = tmp_path / "callbacks.csv"
    for pin in ([], ["--pin", PINS["zhao"]], ["--pin", "0000"]):
        args = ["export", "--db", str(store_file), "-o", str(target), "--include-pii", "--operator", "zhao", *pin]
        assert "has no PIN" in one_line(cli(*args))
    assert "设置 PIN" in one_line(cli(*args, lang="zh"))
    assert not target.exists() and "export_pii" not in audit_actions(store_file)
    unknown = one_line(cli(*args[:-3], "nobody", "--pin", "1234"))  # sign-in's own refusal, as for any login
    assert "has no PIN" not in unknown and not (tmp_path / "callbacks.csv").exists()


def _on_a_terminal(args: list[str], typed: bytes) -> tuple[int, bytes]:
    """Run the console script with a terminal of its own, type ``typed`` at the first prompt;
    the exit code and everything the terminal showed."""
    main, tty = pty.openpty()

    def own_terminal() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    env = os.environ | {"LANG": "C.UTF-8", "COMPLAINT_TUI_PIN": "", "COLUMNS": "200"}
    proc = subprocess.Popen(
        [str(SCRIPT), *args], stdin=tty, stdout=tty, stderr=tty, env=env, preexec_fn=own_terminal, close_fds=True
    )
    os.close(tty)
    shown = b""
    sent = False
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(main, 4096)
                except OSError:  # EIO: the program closed its terminal
                    break
                if not chunk:
                    break
                shown += chunk
            if not sent and b"PIN of" in shown:
                os.write(main, typed)
                sent = True
            if proc.poll() is not None and not ready:
                break
        return proc.wait(timeout=60), shown
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(main)


@pytest.mark.slow
def test_on_a_terminal_the_pin_is_asked_without_echo(store_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "callbacks.csv"
    args = ["export", "--db", str(store_file), "-o", str(target), "--include-pii", "--operator", "zhao"]
    code, shown = _on_a_terminal(args, PINS["zhao"].encode() + b"\n")
    assert code == 0, shown
    assert b"PIN of zhao" in shown and PINS["zhao"].encode() not in shown
    assert FULL_PHONE in target.read_text(encoding="utf-8")
    code, shown = _on_a_terminal([*args[:4], str(tmp_path / "other.csv"), *args[5:]], b"0000\n")
    assert code == 1 and b"Traceback" not in shown and not (tmp_path / "other.csv").exists()


# --- dates: YYYY-MM-DD within bounds ---------------------------------------------------------------


@pytest.mark.parametrize("command", ["export", "report"])
@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--since", "20260101"),
        ("--since", "2026/01/01"),
        ("--since", "0001-01-01"),
        ("--until", "9999-12-31"),
        ("--until", "1999-12-31"),
        ("--since", ""),
        ("--until", "2026-02-30"),
    ],
)
def test_dates_take_one_form_within_bounds(command: str, option: str, value: str, store_file: Path) -> None:
    """Issue 7 item 1: `--since 0001-01-01` and `--until 9999-12-31` ended in tracebacks;
    `--since 20260101` was taken though the documented form is YYYY-MM-DD."""
    line = one_line(cli(command, "--db", str(store_file), option, value))
    assert option in line and f"'{value}'" in line and "YYYY-MM-DD" in line
    assert option in one_line(cli(command, "--db", str(store_file), option, value, lang="zh"))


def test_the_documented_form_works_at_the_bounds(store_file: Path) -> None:
    result = cli("report", "--db", str(store_file), "-f", "json", "--since", "2000-01-01", "--until", "2099-12-31")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["total"] == 2


# --- property: no arguments end in a traceback or a half-written file ----------------------------

CODES = {
    "--status": ["received", "closed", "resolving"],
    "--category": ["repair", "safety", "complaint"],
    "--urgency": ["high", "normal"],
    "--department": ["engineering", "customer_service"],
    "--channel": ["hotline", "wechat"],
    "--building": ["3栋", "1栋"],
}
noise = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
dates = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.strftime("%Y%m%d")),
    st.sampled_from(["2026-11-01", "2026-11-30", "2000-01-01", "2099-12-31", "0001-01-01", "9999-12-31"]),
    noise,
)


@st.composite
def argument_lists(draw: st.DrawFn) -> tuple[list[str], str | None]:
    """A command line for export or report, and the output name it asks for (if a new file)."""
    command = draw(st.sampled_from(["export", "report"]))
    args = [command]
    for option, codes in CODES.items():
        if command == "export":
            for value in draw(st.lists(st.one_of(st.sampled_from(codes), noise), max_size=2)):
                args += [option, value]
    for option in ("--since", "--until"):
        if draw(st.booleans()):
            args += [option, draw(dates)]
    if command == "report":
        if draw(st.booleans()):
            args += ["--by", draw(st.one_of(st.sampled_from(["category", "building", "week", "floor"]), noise))]
    if draw(st.booleans()):
        formats = ["csv", "jsonl", "xlsx"] if command == "export" else ["table", "md", "json"]
        args += [draw(st.sampled_from(["--format", "-f"])), draw(st.one_of(st.sampled_from(formats), noise))]
    output = None
    if command == "export":
        choice = draw(st.sampled_from(["new", "new", "existing", "store", "stdout", "noise", "none"]))
        if choice in ("new", "noise"):
            # No "/" in a random name: it stays in the example's folder (never "/etc/x" as root).
            output = "cases.out" if choice == "new" else draw(noise).replace("/", "_")
        elif choice != "none":
            output = {"existing": "existing.csv", "store": "{store}", "stdout": "-"}[choice]
        if output is not None:
            args += ["-o", output]
        for flag in ("--force", "--overdue", "--excel", "--include-pii"):
            if draw(st.booleans()):
                args.append(flag)
        if draw(st.booleans()):
            args += ["--labels", draw(st.one_of(st.sampled_from(["zh", "en"]), noise))]
        if draw(st.booleans()):
            args += ["--operator", draw(st.one_of(st.sampled_from(["zhao", "wang", "nobody"]), noise))]
        if draw(st.booleans()):
            args += ["--pin", draw(st.one_of(st.sampled_from([PINS["zhao"], "0000"]), noise))]
    if draw(st.booleans()):
        args += [draw(st.sampled_from(["--bogus", "--since", "-o", "extra"]))]  # a slip at the end
    return args, output


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return new_store(tmp_path_factory.mktemp("small") / "centre.sqlite3")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=argument_lists(), lang=st.sampled_from(["en", "zh"]))
def test_no_export_or_report_arguments_end_in_a_traceback_or_a_half_written_file(
    drawn: tuple[list[str], str | None], lang: str, small_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    args, output = drawn
    folder = tmp_path_factory.mktemp("out")
    (folder / "existing.csv").write_text("keep\n", encoding="utf-8")
    store_before = digest(small_store)
    argv = [a.replace("{store}", str(small_store)) for a in args]
    old = os.getcwd()
    os.chdir(folder)  # relative output names land in this example's own folder
    try:
        result = cli(argv[0], "--db", str(small_store), *argv[1:], lang=lang)
    finally:
        os.chdir(old)
    assert result.exception is None or isinstance(result.exception, SystemExit), (argv, result.exception)
    assert result.exit_code in (0, 1), (argv, result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr
    left = sorted(p.name for p in folder.iterdir())
    if result.exit_code == 1:
        assert len(result.stderr.splitlines()) == 1, (argv, result.stderr)
        assert left == ["existing.csv"], (argv, left)  # nothing half-written, nothing new
    else:
        assert not [n for n in left if n.endswith((".part", ".new")) or n.startswith(".complaint-tui-")], left
    if "--force" not in argv or output != "existing.csv" or result.exit_code == 1:
        assert (folder / "existing.csv").read_text(encoding="utf-8") == "keep\n"
    if "--include-pii" not in argv or result.exit_code == 1:
        assert digest(small_store) == store_before or case_count(small_store) == 2
    assert stat.S_ISREG(os.stat(small_store).st_mode) and case_count(small_store) == 2


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)
