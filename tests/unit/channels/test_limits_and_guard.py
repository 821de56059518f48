"""Per-rep flood limits (keqing.channels.limits) and the input checks (keqing.channels.guard)."""
from __future__ import annotations

import json
import os
from typing import Dict

import pytest

from keqing.channels.guard import REST_MAX_BODY_BYTES, BadInput, bearer_matches, parse_rest_body
from keqing.channels.limits import ALLOW, DROP, SLOW_DOWN, FloodGuard, RateLimiter, SlidingWindowLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_thirty_in_ten_seconds_then_refused_others_unaffected():
    clock = Clock()
    limiter = SlidingWindowLimiter(30, 10.0, clock)
    assert all(limiter.allow("wecom:a") for _ in range(30))
    assert not limiter.allow("wecom:a")
    assert limiter.allow("wecom:b") and limiter.allow("slack:a")  # another rep, the same id elsewhere
    clock.now += 9.9
    assert not limiter.allow("wecom:a")  # refused events are not counted, but the window has not moved
    clock.now += 0.2
    assert limiter.allow("wecom:a")  # the first events left the window


def test_flood_guard_tells_the_rep_once_per_window():
    clock = Clock()
    guard = FloodGuard.in_memory(3, 10.0, clock)
    assert [guard.check("r") for _ in range(6)] == [ALLOW, ALLOW, ALLOW, SLOW_DOWN, DROP, DROP]
    clock.now += 10.5
    assert guard.check("r") == ALLOW


def test_a_shared_backend_plugs_in_through_the_protocol():
    class Counter:  # what a Redis backend would be: allow(key) -> bool
        def __init__(self) -> None:
            self.seen: Dict[str, int] = {}

        def allow(self, key: str) -> bool:
            self.seen[key] = self.seen.get(key, 0) + 1
            return self.seen[key] <= 1

    backend: RateLimiter = Counter()
    guard = FloodGuard(backend)
    assert [guard.check("k") for _ in range(3)] == [ALLOW, SLOW_DOWN, SLOW_DOWN]


def test_limiter_forgets_old_keys():
    limiter = SlidingWindowLimiter(1, 10.0, Clock(), max_keys=2)
    for key in ("a", "b", "c"):
        assert limiter.allow(key)
    assert limiter.allow("a")  # "a" was dropped as the least recently used


def test_bearer_token():
    assert bearer_matches("Bearer s3cret", "s3cret") and bearer_matches("bearer  s3cret ", "s3cret")
    for header in (None, "", "s3cret", "Basic s3cret", "Bearer s3cre", "Bearer s3cretx", "Bearer 令牌"):
        assert not bearer_matches(header, "s3cret")
    assert not bearer_matches("Bearer ", "") and not bearer_matches("Bearer x", None)


def body(**fields) -> bytes:
    return json.dumps(fields, ensure_ascii=False).encode("utf-8")


def test_rest_body_is_read():
    message = parse_rest_body(body(sender="zhangsan", message=" 你好\x00 ", metadata={"a": 1}), "application/json")
    assert (message.sender, message.text, message.metadata) == ("zhangsan", "你好", {"a": 1})
    assert parse_rest_body(body(sender=42, message="hi"), None).sender == "42"


@pytest.mark.parametrize("raw, content_type, status", [
    (b"", "application/json", 400),
    (b"   ", "application/json", 400),
    (os.urandom(512), "application/json", 400),
    ('{"sender": "x", "message": "你好"}'.encode("gbk"), "application/json", 400),
    (b"[" * 200_000 + b"]" * 200_000, "application/json", 400),
    (b'{"a": ' * 5000 + b"1" + b"}" * 5000, "application/json", 400),
    (b"[1, 2]", "application/json", 400),
    (body(message="hi"), "application/json", 400),
    (body(sender="", message="hi"), "application/json", 400),
    (body(sender="x" * 201, message="hi"), "application/json", 400),
    (body(sender="x", message=["hi"]), "application/json", 400),
    (body(sender="x", message="hi", metadata=[1]), "application/json", 400),
    (body(sender="x", message="hi"), "text/plain", 415),
    (b"<xml/>", "application/xml", 415),
    (b"x" * (REST_MAX_BODY_BYTES + 1), "application/json", 413),
], ids=["empty", "blank", "binary", "gbk", "deep-list", "deep-object", "not-object", "no-sender", "empty-sender",
        "long-sender", "message-list", "metadata-list", "text-plain", "xml", "too-large"])
def test_rest_body_refused(raw, content_type, status):
    with pytest.raises(BadInput) as info:
        parse_rest_body(raw, content_type)
    assert info.value.status == status
