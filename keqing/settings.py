"""The one place configuration is read: environment variables of ../shared/interfaces.md, with defaults.

    from keqing.settings import settings
    settings().db_url

`settings()` reads the environment each time it is called (cheap), so a test or a CLI command that sets a
variable sees it at once. Nothing else in the package reads `os.environ` for configuration.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from pydantic import BaseSettings, Field

REPO_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = REPO_ROOT / "var"
KNOWLEDGE_DIR = REPO_ROOT / "knowledge"
MODELS_DIR = REPO_ROOT / "models"


def _sqlite_default(filename: str) -> str:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{VAR_DIR / filename}"


class Settings(BaseSettings):
    """Runtime configuration. Field names map to KEQING_* variables unless `env` says otherwise."""

    db_url: str = Field("", env="KEQING_DB_URL")
    tracker_url: str = Field("", env="KEQING_TRACKER_URL")
    redis_url: Optional[str] = Field(None, env="KEQING_REDIS_URL")
    port: int = Field(5005, env="KEQING_PORT")
    action_port: int = Field(5055, env="KEQING_ACTION_PORT")
    action_url: str = Field("", env="KEQING_ACTION_URL")
    api_token: Optional[str] = Field(None, env="KEQING_API_TOKEN")
    rest_token: Optional[str] = Field(None, env="KEQING_REST_TOKEN")
    max_message_chars: int = Field(2000, env="KEQING_MAX_MESSAGE_CHARS")
    retention_days: int = Field(365, env="KEQING_RETENTION_DAYS")
    # The Rasa adapter that loads a model archive as a parser (keqing.learn.models).
    model_loader: str = Field("components.parser:load_parser", env="KEQING_MODEL_LOADER")

    class Config:
        case_sensitive = True

    def resolved_db_url(self) -> str:
        return self.db_url or _sqlite_default("keqing.db")

    def resolved_tracker_url(self) -> str:
        return self.tracker_url or _sqlite_default("tracker.db")

    def resolved_action_url(self) -> str:
        return self.action_url or f"http://127.0.0.1:{self.action_port}/webhook"


def settings() -> Settings:
    return Settings()  # type: ignore[call-arg]  # pydantic fills the fields from the environment


def db_url() -> str:
    """SQLAlchemy URL of the knowledge base and customer memory."""
    return settings().resolved_db_url()


def tracker_url() -> str:
    """SQLAlchemy URL of Rasa's tracker store."""
    return settings().resolved_tracker_url()
