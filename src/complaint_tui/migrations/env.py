"""Alembic environment: migrations run on the connection the caller passes in."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import complaint_tui.models  # noqa: F401  (registers the tables)

connection = context.config.attributes.get("connection")
if connection is None:  # `alembic` run by hand against a URL, e.g. to autogenerate
    from sqlalchemy import create_engine

    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "give sqlalchemy.url or pass a connection"
    with create_engine(url).connect() as conn:
        context.configure(connection=conn, target_metadata=SQLModel.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
