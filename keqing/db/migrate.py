"""Programmatic Alembic: `migrate(url)` upgrades the database at `url` to head.

No alembic.ini is needed; the script location is this package's `migrations/` directory and the
connection is handed to env.py through `Config.attributes`, so the URL is never interpolated by
ConfigParser (passwords with `%` stay intact) and cwd does not matter.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import DBAPIError

from keqing.db.engine import get_engine
from keqing.db.errors import KeqingDBError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: Optional[str] = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["url"] = url
    return cfg


def migrate(url: Optional[str] = None, revision: str = "head") -> None:
    """Upgrade the schema at `url` (default KEQING_DB_URL / var/keqing.db) to `revision`."""
    engine = get_engine(url)
    cfg = alembic_config(url)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except DBAPIError as exc:
        raise KeqingDBError(f"cannot migrate database: {exc.orig}") from exc


def current_revision(url: Optional[str] = None) -> Optional[str]:
    with get_engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise KeqingDBError("no migrations found")
    return head
