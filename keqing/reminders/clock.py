""""Now" for reminders: the local time of KEQING_TIMEZONE (default Asia/Shanghai) as a naive datetime, so that
"明天上午9点" means 9:00 in Beijing on a server that runs on UTC. Reminder times are stored in this local time."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from keqing.settings import settings


def _offset(path: str) -> float:
    try:
        with open(path, encoding="utf-8") as f:
            return float(f.read().strip() or 0)
    except (OSError, ValueError):
        return 0.0


def local_now() -> datetime:
    conf = settings()
    now = datetime.now(ZoneInfo(conf.timezone)).replace(tzinfo=None)
    if conf.clock_offset_file:
        now += timedelta(seconds=_offset(conf.clock_offset_file))
    return now
