"""Alembic environment: uses the models' metadata and the connection/URL given by keqing.db.migrate."""
from __future__ import annotations

from alembic import context

from keqing.db.engine import get_engine
from keqing.db.models import metadata

config = context.config


def _configure(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # ALTER support on SQLite
        compare_type=True,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    # Called by the alembic CLI: use the URL from the config or the environment default.
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url") or None
    with get_engine(url).begin() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()


def run_migrations_offline() -> None:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
