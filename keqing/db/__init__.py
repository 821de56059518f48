"""Database layer: engine factory, models, migrations and errors.

    from keqing.db import get_engine, migrate, KeqingDBError
"""
from keqing.db.engine import dispose_engine, get_engine
from keqing.db.errors import KeqingDBError, KnowledgeUnavailable, MemoryUnavailable
from keqing.db.migrate import current_revision, head_revision, migrate

__all__ = [
    "KeqingDBError",
    "KnowledgeUnavailable",
    "MemoryUnavailable",
    "current_revision",
    "dispose_engine",
    "get_engine",
    "head_revision",
    "migrate",
]
