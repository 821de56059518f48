"""Runtime configuration read from the environment (see /work/shared/interfaces.md)."""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = REPO_ROOT / "var"
KNOWLEDGE_DIR = REPO_ROOT / "knowledge"


def _sqlite_default(filename: str) -> str:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{VAR_DIR / filename}"


def db_url() -> str:
    """SQLAlchemy URL of the knowledge base and customer memory."""
    return os.environ.get("KEQING_DB_URL") or _sqlite_default("keqing.db")


def tracker_url() -> str:
    """SQLAlchemy URL of Rasa's tracker store."""
    return os.environ.get("KEQING_TRACKER_URL") or _sqlite_default("tracker.db")
