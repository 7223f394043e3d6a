"""Test fixtures: a store on a temporary SQLite file and on a real PostgreSQL server.

``store`` is parametrised over both backends, so every service and query test runs twice. The
schema is migrated once per session into a template (a SQLite file copied per test; a
PostgreSQL template database cloned per test), so each test starts from an empty, current store.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from complaint_tui.db import Store, make_engine, upgrade
from complaint_tui.i18n import set_language
from complaint_tui.policy import default_policy, load_policy
from complaint_tui.services import Operator, add_staff, pin_hash, sign_in
from tests.pg_server import PgServer

BACKENDS = ["sqlite", "postgresql"]
_db_counter = itertools.count()


@pytest.fixture(autouse=True)
def _english() -> None:
    set_language("en")


# scrypt at the real parameters takes a few tenths of a second per PIN; tests that do not check
# the hash itself use cheap ones. A test that names the ``real_pin_hash`` fixture keeps the real.
CHEAP_PIN_HASH = pin_hash.ScryptParams(n=2**4, r=1, p=1)


@pytest.fixture
def real_pin_hash() -> pin_hash.ScryptParams:
    return pin_hash.PARAMS


@pytest.fixture(autouse=True)
def _cheap_pin_hash(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if "real_pin_hash" not in request.fixturenames:
        monkeypatch.setattr(pin_hash, "PARAMS", CHEAP_PIN_HASH)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    server = PgServer.start()
    try:
        admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE ctui_template"))
        admin.dispose()
        engine = make_engine(server.url("ctui_template"))
        upgrade(engine)
        engine.dispose()
        yield server
    finally:
        server.stop()


def new_store_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh, migrated, empty store of ``backend`` for one test."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / f"store{next(_db_counter)}.sqlite3"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    server: PgServer = request.getfixturevalue("pg_server")
    name = f"ctui_{os.getpid()}_{next(_db_counter)}"
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE ctui_template"))
    admin.dispose()
    return server.url(name)


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return new_store_url(request.param, tmp_path, request)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    engine = make_engine(store_url)
    yield Store(engine, default_policy())
    engine.dispose()


ALT_POLICY = Path(__file__).parent / "policies" / "alt_policy.toml"


@pytest.fixture
def alt_store(store_url: str) -> Iterator[Store]:
    """Like ``store`` (both backends), run under a centre's non-default policy file."""
    engine = make_engine(store_url)
    yield Store(engine, load_policy(ALT_POLICY))
    engine.dispose()


@pytest.fixture
def sqlite_store(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Store]:
    engine = make_engine(new_store_url("sqlite", tmp_path, request))
    yield Store(engine, default_policy())
    engine.dispose()


# The PINs of the accounts whose roles need one (supervisor, admin, and the desk: the default
# policy lets desk clerks see full phone numbers); the handlers have none.
TEAM_PINS = {"wang": "2468", "zhao": "1357", "sun": "8642"}


class Team:
    """The staff of a small service centre, signed in."""

    def __init__(self, store: Store) -> None:
        pins = TEAM_PINS
        add_staff(
            store,
            None,
            login="wang",
            name="王芳",
            role="supervisor",
            department="customer_service",
            pin_code=pins["wang"],
        )
        self.supervisor: Operator = sign_in(store, "wang", pins["wang"])
        boss = self.supervisor
        add_staff(store, boss, login="li", name="李强", role="handler", department="engineering")
        add_staff(store, boss, login="chen", name="陈静", role="handler", department="customer_service")
        add_staff(
            store, boss, login="zhao", name="赵敏", role="desk", department="customer_service", pin_code=pins["zhao"]
        )
        add_staff(store, boss, login="sun", name="孙磊", role="admin", pin_code=pins["sun"])
        self.handler: Operator = sign_in(store, "li")
        self.handler2: Operator = sign_in(store, "chen")
        self.desk: Operator = sign_in(store, "zhao", pins["zhao"])
        self.admin: Operator = sign_in(store, "sun", pins["sun"])


@pytest.fixture
def team(store: Store) -> Team:
    return Team(store)


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder anyone may enter (pytest's own are the owner's only), for the tests that run a
    command as an unprivileged user; removed afterwards."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="ctui-modes-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
