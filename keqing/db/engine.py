"""Engine factory: one cached `future=True` engine per URL."""
from __future__ import annotations

import threading
from typing import Any, Dict, Optional

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.future import create_engine

from keqing import settings as config

_engines: Dict[str, Engine] = {}
_lock = threading.Lock()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:  # a DBAPI connection
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")  # off by default in SQLite; our cascades need it
    cur.close()


def _new_engine(url: str) -> Engine:
    parsed = make_url(url)
    kwargs: dict = {"future": True, "pool_pre_ping": True}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": 30}  # wait for a concurrent writer instead of failing
    elif parsed.get_backend_name() == "postgresql":
        # Fail fast when the server is down so the bot can still answer the rep.
        kwargs["connect_args"] = {"connect_timeout": 5}
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def get_engine(url: Optional[str] = None) -> Engine:
    """The engine for `url` (default `config.db_url()`), created once per URL."""
    url = url or config.db_url()
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = _new_engine(url)
        return engine


def dispose_engine(url: Optional[str] = None) -> None:
    """Close pooled connections of one URL (all URLs when None) and forget the engine(s)."""
    with _lock:
        urls = [url] if url else list(_engines)
        for key in urls:
            engine = _engines.pop(key, None)
            if engine is not None:
                engine.dispose()
