"""Chinese dates and times in a rep's message, resolved against "now": 下周三上午, 三天后, 大后天, 月底, 周五下午三点,
12月5号, 下个月初, 年底前, 明早, 下周 (its Monday), 下个月 (its first day) …

A kept library was tried first: dateparser 1.2 (languages=["zh"]) resolved 2 of 10 common forms (大后天,
明天上午; not 下周三, 月底, 三天后, 周五下午三点, 12月5号, 后天下午2点) and pins pytz/regex versions Rasa 3.6
refuses, so this is a small grammar of its own, with cn2an for the numbers. Without a time of day a reminder
is due at 9:00; 上午/中午/下午/晚上 without a clock time mean 9:00/12:00/14:00/19:00.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Optional

from keqing.text.normalize import normalize

WEEKDAYS = "一二三四五六日天"
_CN = "零〇一二两三四五六七八九十"
_NUM = rf"(?:\d{{1,2}}|[{_CN}]{{1,3}})"
DEFAULT_TIME = time(9, 0)
PART_OF_DAY = {"早上": 9, "上午": 9, "中午": 12, "下午": 14, "傍晚": 18, "晚上": 19, "今晚": 19, "明早": 9,
               "明晚": 19}


@dataclass(frozen=True)
class When:
    at: datetime
    text: str  # the words of the message that said it
    has_time: bool


def _num(token: str) -> Optional[int]:
    if token.isdigit():
        return int(token)
    import cn2an

    try:
        return int(cn2an.cn2an(token.replace("两", "二").replace("〇", "零"), "smart"))
    except (ValueError, KeyError, TypeError):
        return None


def _weekday(ch: str) -> int:
    return 6 if ch in "日天" else WEEKDAYS.index(ch)


def _month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _add_months(d: date, months: int) -> date:
    month = d.month - 1 + months
    year = d.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


_RELATIVE_DAY = re.compile(r"今天|明天|明儿|明早|明晚|后天|大后天|今晚")
_NEXT_PERIOD = re.compile(r"下(?:个)?(?:周|星期|礼拜)|下个?月")
_DAYS_LATER = re.compile(rf"(?P<n>{_NUM})(?:天|日)(?:之后|以后|后)|过(?P<n2>{_NUM})天")
_WEEKS_LATER = re.compile(rf"(?P<n>{_NUM}|一)(?:个)?(?:星期|周|礼拜)(?:之后|以后|后)")
_WEEKDAY = re.compile(rf"(?P<which>下下|下个?|这个?|本|)(?:周|星期|礼拜)(?P<d>[{WEEKDAYS}])")
_MONTH_PART = re.compile(r"(?P<which>下个?月|这个?月|本月|)(?<!年)(?P<part>月底|底|月初|初|月中|中旬|下旬|上旬)")
_MONTH_DAY = re.compile(rf"(?:(?P<next>下个?月)|(?P<m>{_NUM})月)(?P<d>{_NUM})(?:号|日)")
_YEAR_END = re.compile(r"年底|年末")
_CLOCK = re.compile(rf"(?P<h>{_NUM})(?:点|:|：)(?P<half>半)?(?P<min>\d{{2}}|{_NUM}分)?")


def parse_when(text: str, now: datetime) -> Optional[When]:
    """The date (and time) the message names, relative to `now`; None when it names none."""
    norm = normalize(text or "")
    today = now.date()
    day: Optional[date] = None
    spans = []
    m = _MONTH_DAY.search(norm)
    if m:
        d = _num(m.group("d"))
        if m.group("next"):
            base = _add_months(today.replace(day=1), 1)
            month, year = base.month, base.year
        else:
            month, year = _num(m.group("m")) or 0, today.year
        if d and 1 <= month <= 12 and 1 <= d <= calendar.monthrange(year, month)[1]:
            day = date(year, month, d)
            if day < today:
                day = date(year + 1, month, d)
            spans.append(m.span())
    if day is None and (m := _WEEKDAY.search(norm)):
        target = _weekday(m.group("d"))
        which = m.group("which")
        monday = today - timedelta(days=today.weekday())
        if which.startswith("下下"):
            day = monday + timedelta(days=14 + target)
        elif which.startswith("下"):
            day = monday + timedelta(days=7 + target)
        else:
            day = monday + timedelta(days=target)
            if day < today or (not which and day == today and now.hour >= 18):
                day += timedelta(days=7)
        spans.append(m.span())
    if day is None and (m := _DAYS_LATER.search(norm)):
        n = _num(m.group("n") or m.group("n2"))
        if n is not None:
            day = today + timedelta(days=n)
            spans.append(m.span())
    if day is None and (m := _WEEKS_LATER.search(norm)):
        n = _num(m.group("n")) or 1
        day = today + timedelta(weeks=n)
        spans.append(m.span())
    if day is None and (m := _RELATIVE_DAY.search(norm)):
        offset = {"今天": 0, "今晚": 0, "明天": 1, "明儿": 1, "明早": 1, "明晚": 1, "后天": 2, "大后天": 3}[m.group(0)]
        day = today + timedelta(days=offset)
        spans.append(m.span())
    if day is None and (m := _YEAR_END.search(norm)):
        day = date(today.year, 12, 31)
        spans.append(m.span())
    if day is None and (m := _MONTH_PART.search(norm)):
        base = _add_months(today.replace(day=1), 1) if m.group("which").startswith("下") else today.replace(day=1)
        part = m.group("part")
        if part in ("月底", "底", "下旬"):
            day = _month_end(base) if part != "下旬" else base.replace(day=21)
        elif part in ("月初", "初", "上旬"):
            day = base if base > today else _add_months(base, 1)
        else:
            day = base.replace(day=15)
        if day < today:
            day = _month_end(_add_months(base, 1)) if part in ("月底", "底") else _add_months(day, 1)
        spans.append(m.span())
    if day is None and (m := _NEXT_PERIOD.search(norm)):
        # "下周" / "下个月" with no day: the first working day of it
        if "月" in m.group(0):
            day = _add_months(today.replace(day=1), 1)
        else:
            day = today - timedelta(days=today.weekday()) + timedelta(days=7)
        spans.append(m.span())
    if day is None:
        return None
    at_time, has_time = DEFAULT_TIME, False
    part = next((p for p in PART_OF_DAY if p in norm), None)
    clock = _CLOCK.search(norm)
    if clock and (h := _num(clock.group("h"))) is not None and 0 <= h <= 23:
        minute = 30 if clock.group("half") else 0
        if clock.group("min"):
            minute = _num(clock.group("min").rstrip("分")) or 0
        if part in ("下午", "傍晚", "晚上", "今晚", "明晚") and h < 12:
            h += 12
        at_time, has_time = time(h, min(minute, 59)), True
        spans.append(clock.span())
    elif part:
        at_time, has_time = time(PART_OF_DAY[part], 0), True
    start = min(s for s, _ in spans)
    end = max(e for _, e in spans)
    return When(datetime.combine(day, at_time), (text or "")[start:end], has_time)


def shown(at: datetime, with_time: bool = True) -> str:
    """12月9日(周三)上午9:00 — how a confirmed date is written (shared/interfaces.md: M月D日)."""
    weekday = "一二三四五六日"[at.weekday()]
    text = f"{at.month}月{at.day}日(周{weekday})"
    if with_time:
        part = "上午" if at.hour < 12 else "下午" if at.hour < 18 else "晚上"
        hour = at.hour if at.hour <= 12 else at.hour - 12
        text += f"{part}{hour}:{at.minute:02d}"
    return text
