"""The two PostgreSQL roles of a shared store: the owner that migrates it, the desks that use it.

The owner role owns every table and runs ``complaint-tui db upgrade``. Desks connect as a role
that owns nothing and holds only what the desk's verbs need: read everything, add rows, change
rows, and nothing else. Without ownership it cannot ``ALTER TABLE … DISABLE TRIGGER``, ``DROP`` or
``TRUNCATE`` (no TRUNCATE privilege either); without UPDATE and DELETE on ``audit_event`` it
cannot rewrite the trail even before the append-only trigger would refuse. No verb deletes a row:
only the statistics' tallies, derived counts, grant DELETE.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, Engine, text

from complaint_tui.errors import StoreError

# What each table is to the desk role; every other table of the schema gets the default.
_DEFAULT = "SELECT, INSERT, UPDATE"
_SPECIAL = {
    "audit_event": "SELECT, INSERT",  # append-only: sealed by the chain, refused by the trigger
    "alembic_version": "SELECT",  # only the owner's db upgrade moves the schema
    # The statistics' tallies are counts derived from the cases (db check recounts them): a write
    # drops the rows its change brings to zero, so they hold what a recount gives.
    "stat_tally": "SELECT, INSERT, UPDATE, DELETE",
    "stat_day": "SELECT, INSERT, UPDATE, DELETE",
}
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _tables(conn: Connection) -> list[str]:
    rows = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"))
    return [str(r[0]) for r in rows]


def grant_desk_role(engine: Engine, role: str) -> list[str]:
    """Give ``role`` exactly the desk's privileges on every table of the store; the tables granted.

    Idempotent: run after every ``db upgrade`` so tables added by a migration are covered.
    Revokes first, so a privilege granted by hand beyond the desk's needs does not linger.
    """
    if engine.dialect.name != "postgresql":
        raise StoreError("error.roles_postgresql_only")
    if not _ROLE_NAME.match(role):
        raise StoreError("error.role_name", role=role)
    quoted = engine.dialect.identifier_preparer.quote(role)
    with engine.begin() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
        if exists is None:
            raise StoreError("error.role_missing", role=role)
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {quoted}"))
        tables = _tables(conn)
        for name in tables:
            table = engine.dialect.identifier_preparer.quote(name)
            conn.execute(text(f"REVOKE ALL ON {table} FROM {quoted}"))
            conn.execute(text(f"GRANT {_SPECIAL.get(name, _DEFAULT)} ON {table} TO {quoted}"))
        # Serial ids: nextval needs USAGE; no SETVAL (UPDATE on a sequence) for the desks.
        conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}"))
    return tables
