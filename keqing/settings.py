"""The one place configuration is read: environment variables of ../shared/interfaces.md, with defaults.

    from keqing.settings import settings
    settings().db_url

`settings()` reads the environment each time it is called (cheap), so a test or a CLI command that sets a
variable sees it at once. Nothing else in the package reads `os.environ` for configuration.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional
from urllib.parse import urlsplit

from pydantic import BaseSettings, Field

REPO_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = REPO_ROOT / "var"
KNOWLEDGE_DIR = REPO_ROOT / "knowledge"
MODELS_DIR = REPO_ROOT / "models"


def _sqlite_default(filename: str) -> str:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{VAR_DIR / filename}"


def _url_password(url: Optional[str]) -> Optional[str]:
    try:
        return urlsplit(url).password if url else None
    except ValueError:
        return None


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
    # Per-rep flood limit on every channel: at most this many messages in this many seconds.
    rate_limit_messages: int = Field(30, env="KEQING_RATE_LIMIT_MESSAGES")
    rate_limit_seconds: float = Field(10.0, env="KEQING_RATE_LIMIT_SECONDS")
    # A turn slower than this gets the "系统有点忙" notice at once (WeCom, Slack); the answer follows.
    busy_after_seconds: float = Field(8.0, env="KEQING_BUSY_AFTER_SECONDS")
    # A message whose turn or reply could not go through is tried again after 1, 2, 4 ... up to this many seconds.
    inbox_retry_max_seconds: float = Field(30.0, env="KEQING_INBOX_RETRY_MAX_SECONDS")
    # a replica holds a rep's lease this long (renewed every third); a dead replica's reps are taken over
    # by the next sweep of another replica after at most lease + sweep seconds
    inbox_lease_seconds: float = Field(30.0, env="KEQING_INBOX_LEASE_SECONDS")
    inbox_sweep_seconds: float = Field(15.0, env="KEQING_INBOX_SWEEP_SECONDS")
    # Where accepted messages wait when the database cannot take them (default var/inbox-spool.jsonl).
    inbox_spool: str = Field("", env="KEQING_INBOX_SPOOL")
    # Follow-ups: reminder times are the local time of this zone; WeCom/Slack push due reminders every
    # `reminder_poll_seconds` and a weekly digest on `digest_weekday` (0 = Monday) at `digest_hour`, unless
    # `digest_enabled` is false.
    timezone: str = Field("Asia/Shanghai", env="KEQING_TIMEZONE")
    reminder_poll_seconds: float = Field(30.0, env="KEQING_REMINDER_POLL_SECONDS")
    # `digest_enabled` false: no weekly digest at all (load and fault tests, where every message sent to a
    # rep must be an answer); the day and hour still come from the two settings below.
    digest_enabled: bool = Field(True, env="KEQING_DIGEST_ENABLED")
    digest_weekday: int = Field(0, env="KEQING_DIGEST_WEEKDAY")
    digest_hour: int = Field(9, env="KEQING_DIGEST_HOUR")
    # WeCom's server-side duplicate check on reply parts (message/send `enable_duplicate_check`,
    # `duplicate_check_interval`): a reply part resent after an unconfirmed attempt (a replica died between
    # WeCom's 200 and our record of it) is dropped by WeCom if the same text already reached the same rep
    # within this many seconds. A part whose text the rep already got within the window (asked again) is sent
    # without the check, so it is delivered (docs/channels.md §7). 0: off. WeCom allows at most 4 hours.
    wecom_duplicate_check_seconds: int = Field(600, env="KEQING_WECOM_DUPLICATE_CHECK_SECONDS", ge=0, le=4 * 3600)
    # Tests only: a file holding seconds to add to "now" (lets a server test move the clock forward).
    clock_offset_file: str = Field("", env="KEQING_CLOCK_OFFSET_FILE")
    # The address REST callers reach this server at; picture URLs (the style map) are built on it.
    public_url: str = Field("", env="KEQING_PUBLIC_URL")
    # Channel secrets, read here only so that logging can redact them (the channels read their credentials).
    wecom_secret: Optional[str] = Field(None, env="WECOM_SECRET")
    wecom_token: Optional[str] = Field(None, env="WECOM_TOKEN")
    wecom_aes_key: Optional[str] = Field(None, env="WECOM_AES_KEY")
    slack_token: Optional[str] = Field(None, env="SLACK_TOKEN")
    slack_signing_secret: Optional[str] = Field(None, env="SLACK_SIGNING_SECRET")
    # The Rasa adapter that loads a model archive as a parser (keqing.learn.models).
    model_loader: str = Field("components.parser:load_parser", env="KEQING_MODEL_LOADER")

    class Config:
        case_sensitive = True

    def resolved_db_url(self) -> str:
        return self.db_url or _sqlite_default("keqing.db")

    def resolved_tracker_url(self) -> str:
        return self.tracker_url or _sqlite_default("tracker.db")

    def resolved_public_url(self) -> str:
        return (self.public_url or f"http://127.0.0.1:{self.port}").rstrip("/")

    def resolved_action_url(self) -> str:
        return self.action_url or f"http://127.0.0.1:{self.action_port}/webhook"

    def resolved_inbox_spool(self) -> Path:
        if self.inbox_spool:
            return Path(self.inbox_spool)
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        return VAR_DIR / "inbox-spool.jsonl"

    def secret_values(self) -> List[str]:
        """Every configured secret (tokens, keys, database passwords): what no log line may contain."""
        values = [self.api_token, self.rest_token, self.wecom_secret, self.wecom_token, self.wecom_aes_key,
                  self.slack_token, self.slack_signing_secret]
        for url in (self.db_url, self.tracker_url, self.redis_url):
            password = _url_password(url)
            if password:
                values.append(password)
        return [v.strip() for v in values if v and v.strip()]


def settings() -> Settings:
    return Settings()  # type: ignore[call-arg]  # pydantic fills the fields from the environment


def db_url() -> str:
    """SQLAlchemy URL of the knowledge base and customer memory."""
    return settings().resolved_db_url()


def tracker_url() -> str:
    """SQLAlchemy URL of Rasa's tracker store."""
    return settings().resolved_tracker_url()
