"""Account news in a message: the knowledge base's opportunity and regression signals, negation respected."""
import pytest

from keqing.dialogue.signals import REGRESSION, find_signals


@pytest.mark.parametrize("text, names", [
    ("他们明年要上新车型", ["新产品上市"]),
    ("听说下个月开始年度供应商评估", ["采购时机"]),
    ("对手那边的对接人离职了", ["人员变动"]),
    ("客户投诉竞争对手交期老拖", ["服务抱怨"]),
    ("最近开始从别家进货了", [REGRESSION]),
    ("王总那边份额又掉到两成了", [REGRESSION]),
    ("订单也少了,回消息慢", [REGRESSION]),  # several cues, one signal
    ("客户在搞降本,成本压力很大", ["降低成本"]),
    ("集团下了死命令,今年物料成本要砍一成", ["降低成本"]),
    ("这两个月定单少了不少", [REGRESSION]),  # a voice typo of 订单
    ("听说他们开始在别家拿货了", [REGRESSION]),
])
def test_finds_signals(text, names):
    found = find_signals(text)
    assert [f.name for f in found] == names
    assert all(f.cue == text[f.start:f.end] for f in found)
    assert all(f.kind == ("regression" if f.name == REGRESSION else "opportunity") for f in found)


@pytest.mark.parametrize("text", [
    "王总说一不二,只听结论",
    "他们没有换人",  # negated
    "价格降到八折他才松口",  # a price, not our share
    "",
])
def test_no_signal(text):
    assert find_signals(text) == []


def test_traditional_text():
    assert [f.name for f in find_signals("聽說他們要上新車型")] == ["新产品上市"]
