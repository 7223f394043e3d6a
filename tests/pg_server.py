"""A throwaway PostgreSQL server for the test session, started from the binaries on the machine.

The server refuses to run as root, and CI runs as root: then every PostgreSQL command runs as
the unprivileged ``postgres`` user through ``runuser``. It listens on a Unix socket in a private
directory only (no TCP), with durability switched off, and is removed when the session ends.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

# One server per pytest-xdist worker; each on its own port so their socket files never clash.
PORT = 5999 - int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


def _bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    raise RuntimeError(
        f"PostgreSQL's {name} is not installed: the PostgreSQL tests need the server binaries "
        "on the PATH (Debian: apt-get install postgresql, then add its bin folder to PATH)."
    )


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@dataclass
class PgServer:
    root: Path
    data: Path
    sock: Path
    port: int = PORT

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.sock}&port={self.port}"

    @classmethod
    def start(cls) -> PgServer:
        root = Path(tempfile.mkdtemp(prefix="ctui-pg-"))
        data, sock = root / "data", root / "sock"
        data.mkdir()
        sock.mkdir()
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            for p in (root, data, sock):
                os.chown(p, user.pw_uid, user.pw_gid)
        os.chmod(root, 0o755)
        os.chmod(data, 0o700)
        server = cls(root, data, sock)
        subprocess.run(
            _as_server_user(
                [
                    _bin("initdb"),
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
            ),
            check=True,
            capture_output=True,
        )
        options = (
            f"-k {sock} -p {server.port} -c listen_addresses='' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        subprocess.run(
            _as_server_user(
                [
                    _bin("pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(data / "server.log"),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    options,
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )
        return server

    def stop(self) -> None:
        subprocess.run(
            _as_server_user([_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)
