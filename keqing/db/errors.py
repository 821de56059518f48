"""Errors raised by the database layer; callers catch `KeqingDBError` to answer the rep politely."""
from __future__ import annotations


class KeqingDBError(Exception):
    """Base class: the database cannot serve the request."""


class KnowledgeUnavailable(KeqingDBError):
    """The knowledge base cannot be reached, or has not been migrated/loaded."""


class MemoryUnavailable(KeqingDBError):
    """The customer memory cannot be reached or has not been migrated."""
