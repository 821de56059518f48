"""Errors raised by the database layer; callers catch `KeqingDBError` to answer the rep politely."""
from __future__ import annotations


class KeqingDBError(Exception):
    """Base class: the database cannot serve the request."""


class KnowledgeUnavailable(KeqingDBError):
    """The knowledge base cannot be reached, or has not been migrated/loaded."""


class MemoryUnavailable(KeqingDBError):
    """The customer memory cannot be reached or has not been migrated."""


def translate_db_errors(error: type, what: str):
    """Decorator: driver/connection errors (SQLAlchemy DBAPIError) become `error`, so callers can
    answer the rep politely instead of showing a traceback."""
    import functools

    from sqlalchemy.exc import DBAPIError

    def decorate(method):
        @functools.wraps(method)
        def wrapper(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except DBAPIError as exc:
                raise error(f"{what} unavailable: {exc.orig}") from exc

        return wrapper

    return decorate
