"""Rendered pictures in the database (shared by replicas): the action server stores, the channels read.

A picture is addressed by the sha256 of its content; REST callers fetch it at `url(key)`
(GET /webhooks/rest/pictures/<key>.png on the Rasa server), WeCom and Slack upload it."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from keqing.db import get_engine
from keqing.db.memory_models import Picture
from keqing.settings import settings

PATH = "/webhooks/rest/pictures/"
KEEP = timedelta(days=30)
_KEY = re.compile(r"/webhooks/rest/pictures/([0-9a-f]{64})\.png$")


def url(key: str) -> str:
    return f"{settings().resolved_public_url()}{PATH}{key}.png"


def key_of(image_url: str) -> Optional[str]:
    """The picture key of one of our picture URLs, None for any other URL."""
    m = _KEY.search(image_url or "")
    return m.group(1) if m else None


class Pictures:
    def __init__(self, db_url: Optional[str] = None, engine: Optional[Engine] = None) -> None:
        self.engine = engine or get_engine(db_url)

    def put(self, content: bytes, mime: str = "image/png") -> str:
        key = hashlib.sha256(content).hexdigest()
        now = datetime.utcnow()
        try:
            with Session(self.engine, future=True) as s, s.begin():
                s.execute(delete(Picture).where(Picture.created_at < now - KEEP))
                if s.get(Picture, key) is None:
                    s.add(Picture(key=key, content=content, mime=mime, created_at=now))
        except IntegrityError:  # the same picture stored at the same moment by another replica
            pass
        return key

    def get(self, key: str) -> Optional[bytes]:
        with Session(self.engine, future=True) as s:
            content = s.execute(select(Picture.content).where(Picture.key == key)).scalar()
            return bytes(content) if content is not None else None
