"""The Monday digest: once a week (Monday 09:00 local time by default) each rep with customers gets what is
due and overdue this week, unless they turned it off by chat ("关掉周报", "不要每周提醒了"; "打开周报")."""
from __future__ import annotations

import re
from datetime import datetime
from typing import List, Optional

from keqing.customers import CustomerMemory
from keqing.dialogue import replies
from keqing.kb.query import KnowledgeBase
from keqing.text.normalize import normalize

_WEEKLY = r"(?:周报|每周提醒|每周的提醒|每周推送|每周汇总|周一提醒|每周一的提醒|每周总结|每周一提醒)"
_OFF = re.compile(rf"(?:不要|不用|别再?|关掉|关闭|关了|取消|停掉|停止|退订|不想(?:再)?收)(?:再|了)?(?:发)?(?:我)?{_WEEKLY}"
                  rf"|{_WEEKLY}(?:关掉|关了|关闭|不要了|别发了|取消|停了)")
_ON = re.compile(rf"(?:打开|开启|开通|恢复|重新(?:打开|开启)?|继续|还是要)(?:发)?(?:我)?{_WEEKLY}"
                 rf"|{_WEEKLY}(?:打开|开启|恢复)")


def digest_command(text: str) -> Optional[bool]:
    """False for "turn the weekly digest off", True for "turn it on", None when the text is neither."""
    norm = normalize(text or "").replace(" ", "")
    if len(norm) > 30:
        return None
    if _ON.search(norm):
        return True
    if _OFF.search(norm):
        return False
    return None


def answer_command(memory: CustomerMemory, channel: str, sender: str, text: str) -> Optional[List[replies.Reply]]:
    """Store the rep's choice and confirm it, when the text turns the digest on or off; else None."""
    on = digest_command(text)
    if on is None:
        return None
    memory.set_weekly_digest(channel, sender, on)
    return replies.digest_switched(on)


def week_of(local: datetime) -> str:
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def digest_time(local: datetime, weekday: int = 0, hour: int = 9) -> bool:
    """Whether `local` is within the digest's day, at or after its hour (a server down all that day skips it)."""
    return local.weekday() == weekday and local.hour >= hour


def compose(memory: CustomerMemory, kb: KnowledgeBase, channel: str, sender: str, local: datetime) -> List[str]:
    """The texts of one rep's digest."""
    from keqing.dialogue.schedule import due_items  # schedule reads the rep's commands from here

    upcoming, overdue = due_items(memory, kb, channel, sender, local)  # due by next Monday, and overdue
    return [r.text for r in replies.weekly_digest(upcoming, overdue)]
