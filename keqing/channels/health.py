"""Is a dependency up? A quick GET of the action server's /health (the URL derived from its webhook URL)."""
from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from typing import Optional


def health_url(action_webhook_url: Optional[str]) -> Optional[str]:
    """http://host:5055/webhook -> http://host:5055/health"""
    if not action_webhook_url:
        return None
    parts = urllib.parse.urlsplit(action_webhook_url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/health", "", ""))


def reachable(url: str, timeout: float = 2.0) -> bool:
    """True when `url` answers 2xx within `timeout` seconds. Blocking."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback/internal: never a proxy
    try:
        with opener.open(url, timeout=timeout) as res:
            return 200 <= res.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False
