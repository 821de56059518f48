"""Chinese dates and times as reps write them, resolved against a fixed "now" (Sunday 2026-11-29 10:00)."""
from datetime import datetime

import pytest

from keqing.reminders.dates import parse_when, shown

NOW = datetime(2026, 11, 29, 10, 0)  # a Sunday


@pytest.mark.parametrize(
    "text, expected, has_time",
    [
        ("下周三提醒我给王总打电话", datetime(2026, 12, 2, 9), False),
        ("大后天跟进一下", datetime(2026, 12, 2, 9), False),
        ("后天", datetime(2026, 12, 1, 9), False),
        ("明天上午", datetime(2026, 11, 30, 9), True),
        ("明早提醒我", datetime(2026, 11, 30, 9), True),
        ("明晚八点", datetime(2026, 11, 30, 20), True),
        ("周五下午三点约了他", datetime(2026, 12, 4, 15), True),
        ("周五下午3点半", datetime(2026, 12, 4, 15, 30), True),
        ("这周五", datetime(2026, 12, 4, 9), False),
        ("周一", datetime(2026, 11, 30, 9), False),
        ("下下周一", datetime(2026, 12, 7, 9), False),  # the Monday after next week's
        ("12月5号", datetime(2026, 12, 5, 9), False),
        ("12月9日上午", datetime(2026, 12, 9, 9), True),
        ("1月3日", datetime(2027, 1, 3, 9), False),  # already past this year: next year
        ("11月1号", datetime(2027, 11, 1, 9), False),
        ("三天后", datetime(2026, 12, 2, 9), False),
        ("3天以后", datetime(2026, 12, 2, 9), False),
        ("两周后", datetime(2026, 12, 13, 9), False),
        ("月底前", datetime(2026, 11, 30, 9), False),
        ("下个月初", datetime(2026, 12, 1, 9), False),
        ("下个月底", datetime(2026, 12, 31, 9), False),
        ("年底前", datetime(2026, 12, 31, 9), False),
        ("下周", datetime(2026, 11, 30, 9), False),
        ("下个月", datetime(2026, 12, 1, 9), False),
        ("今天晚上八点", datetime(2026, 11, 29, 20), True),
        ("後天下午2點", datetime(2026, 12, 1, 14), True),  # Traditional
    ],
)
def test_resolves_the_forms_reps_use(text: str, expected: datetime, has_time: bool) -> None:
    when = parse_when(text, NOW)
    assert when is not None, text
    assert (when.at, when.has_time) == (expected, has_time)
    assert when.text and when.text in text


@pytest.mark.parametrize("text", ["", "给王总打电话", "他们三成的量", "周末愉快", "2.5个点的返利"])
def test_no_date_is_none(text: str) -> None:
    assert parse_when(text, NOW) is None


def test_an_impossible_date_is_no_date() -> None:
    assert parse_when("2月30号", NOW) is None


def test_shown_in_the_interface_format() -> None:
    assert shown(datetime(2026, 12, 9, 9, 0)) == "12月9日(周三)上午9:00"
    assert shown(datetime(2026, 12, 4, 15, 30)) == "12月4日(周五)下午3:30"
    assert shown(datetime(2026, 12, 4, 15, 30), with_time=False) == "12月4日(周五)"
