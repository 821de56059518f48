"""The Chinese text handling: normalisation keeps offsets, tokens are never empty or whitespace."""
import pytest

from keqing.text.normalize import clean_input, normalize, to_simplified
from keqing.text.tokenize import tokenize

MIXED = "他们的ROI要求很高, deadline 很紧"


def _check_offsets(text):
    tokens = tokenize(text)
    for t in tokens:
        assert t.text.strip() == t.text and t.text, f"bad token {t!r}"
        assert 0 <= t.start < t.end <= len(text)
        # the span as typed normalises to the token text
        assert normalize(text[t.start : t.end]) == t.text
    return tokens


def test_normalize_keeps_length_and_folds_width_and_script():
    text = "客戶關係很穩定,ＲＯＩ　１００％"
    norm = normalize(text)
    assert len(norm) == len(text)
    assert norm == "客户关系很稳定,ROI 100%"


def test_to_simplified_falls_back_per_character_when_length_would_change():
    for text in ["乾隆年間的發展", "他說話很強勢", "佔三成", "後來"]:
        assert len(to_simplified(text)) == len(text)
    assert to_simplified("他說話很強勢") == "他说话很强势"


def test_mixed_chinese_english_has_no_whitespace_tokens():
    tokens = _check_offsets(MIXED)
    texts = [t.text for t in tokens]
    assert "ROI" in texts and "deadline" in texts
    assert all(t.strip() for t in texts)


def test_traditional_input_tokens_point_into_original():
    text = "王總說一不二,我們大概佔三成"
    tokens = _check_offsets(text)
    by_text = {t.text: t for t in tokens}
    assert "说一不二" in by_text  # sales dictionary word, Simplified
    t = by_text["说一不二"]
    assert text[t.start : t.end] == "說一不二"  # as typed


def test_full_width_input():
    text = "ＫＰＩ压力大，预算５０万"
    tokens = _check_offsets(text)
    assert "KPI" in [t.text for t in tokens]
    kpi = next(t for t in tokens if t.text == "KPI")
    assert text[kpi.start : kpi.end] == "ＫＰＩ"


@pytest.mark.parametrize("text", ["😀😀 老板很强势 👍", "。。。！！！", "???", "   ", "", "\t\n"])
def test_emoji_punctuation_and_blank_inputs(text):
    tokens = _check_offsets(text)
    if not text.strip():
        assert tokens == []


def test_ten_thousand_characters():
    text = ("王总说一不二,开会只听结论。ROI很重要 😀 " * 500)[:10_000]
    tokens = _check_offsets(text)
    assert len(tokens) > 1000
    assert tokens[-1].end <= 10_000


def test_clean_input_handles_bytes_nul_and_length():
    assert clean_input(b"\xe7\x8e\x8b\xe6\x80\xbb\xff") == "王总\ufffd"
    assert clean_input("a\x00b") == "a b"
    assert len(clean_input("字" * 20_000)) == 10_000
    assert clean_input(None) == ""


def test_control_characters_become_spaces_not_tokens():
    text = "王总\x07很强势\u200b"
    assert len(normalize(text)) == len(text)
    _check_offsets(text)
