"""Errors raised by the database layer; callers catch `KeqingDBError` to answer the rep politely."""
from __future__ import annotations

from typing import Any, Callable, Type, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])


class KeqingDBError(Exception):
    """Base class: the database cannot serve the request."""


class KnowledgeUnavailable(KeqingDBError):
    """The knowledge base cannot be reached, or has not been migrated/loaded."""


class MemoryUnavailable(KeqingDBError):
    """The customer memory cannot be reached or has not been migrated."""


def translate_db_errors(error: Type[Exception], what: str) -> Callable[[F], F]:
    """Decorator: driver/connection errors (SQLAlchemy DBAPIError) become `error`, so callers can
    answer the rep politely instead of showing a traceback."""
    import functools

    from sqlalchemy.exc import DBAPIError

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except DBAPIError as exc:
                raise error(f"{what} unavailable: {exc.orig}") from exc

        return cast(F, wrapper)

    return decorate
