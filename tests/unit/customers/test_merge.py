"""Memory that only gets better: how stored readings of one person combine."""
from datetime import datetime, timezone

from keqing.customers.merge import Candidate, merge
from keqing.customers.records import DimensionValue

NOW = datetime(2026, 11, 30, tzinfo=timezone.utc)


def _reading(seq: int, value: str, confidence: float, *evidence: str, source: str = "assessment") -> Candidate:
    return Candidate("style", seq, DimensionValue(value, confidence, tuple(evidence), source, NOW))


def test_a_passing_remark_does_not_overwrite_a_full_description() -> None:
    full = _reading(1, "支配型", 0.9, "拍板特别快", "说话直接", "只看结果")
    remark = _reading(2, "表达型", 0.92, "聊了几句")  # as sure, but one piece of evidence against three
    assert merge([full, remark])["style"].value == "支配型"


def test_a_less_sure_reading_does_not_overwrite() -> None:
    first = _reading(1, "分析型", 0.9, "逐项对比", "检测报告")
    later = _reading(2, "和蔼型", 0.85, "人很好", "好说话")
    assert merge([first, later])["style"].value == "分析型"


def test_a_surer_and_as_well_supported_reading_replaces() -> None:
    first = _reading(1, "和蔼型", 0.7, "人不错")
    later = _reading(2, "分析型", 0.9, "逐项对比", "检测报告")
    assert merge([first, later])["style"].value == "分析型"


def test_a_correction_wins_whatever_its_confidence() -> None:
    first = _reading(1, "支配型", 0.95, "说一不二", "拍板快")
    fix = _reading(2, "分析型", 0.0, source="correction")
    after = _reading(3, "支配型", 0.99, "强势", "拍板")
    assert merge([first, fix, after])["style"].value == "分析型"


def test_the_same_value_again_keeps_the_higher_confidence_and_pools_evidence() -> None:
    merged = merge([_reading(1, "分析型", 0.9, "数据"), _reading(2, "分析型", 0.7, "报告")])["style"]
    assert merged.confidence == 0.9 and set(merged.evidence) == {"数据", "报告"}
