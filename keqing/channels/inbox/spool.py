"""While the database cannot take an accepted message, it waits in a local JSON-lines file (fsync'ed before
the channel answers 200); `drain` moves it into the inbox once the database is back (idempotent per key)."""
from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List

logger = logging.getLogger(__name__)


class Spool:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def append(self, record: Dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)

    def pending(self) -> bool:
        return self.path.exists() and self.path.stat().st_size > 0

    def drain(self, accept: Callable[[Dict[str, Any]], Any]) -> int:
        """Hand every spooled record to `accept` (oldest first); the file is removed only when all were taken."""
        with self._lock:
            if not self.pending():
                return 0
            records: List[Dict[str, Any]] = []
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    records.append(json.loads(line))
                except ValueError:
                    logger.error("inbox spool: unreadable line skipped (%d bytes)", len(line))
            for record in records:
                accept(record)  # raises while the database is still down: the file stays
            self.path.unlink()
            return len(records)
