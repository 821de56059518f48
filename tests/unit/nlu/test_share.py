"""Purchase share in every form reps write it, and numbers that are not shares."""
import pytest

from keqing.nlu.share import find_shares, parse_share, stage_for_share

SHARES = [
    ("我们现在大概占他们三成采购", 30, "三成"),
    ("七八成的量都在我们这", 75, "七八成"),
    ("我们占一半", 50, "一半"),
    ("占了一半多", 55, "一半多"),
    ("大半的货是我们供的", 65, "大半"),
    ("我们只占个小头", 20, "小头"),
    ("我们是大头,别家是补充", 65, "大头"),
    ("大概四分之一的采购", 25, "四分之一"),
    ("份额百分之八十五", 85, "百分之八十五"),
    ("我们占85%", 85, "85%"),
    ("我们占他们八十五个点", 85, "八十五个点"),
    ("我们是独家供应商", 100, "独家供应商"),
    ("我们是他们唯一供应商", 100, "唯一供应商"),
    ("还没合作过", 0, "还没合作"),
    ("跟他们没有业务往来", 0, "没有业务"),
    ("我們大概佔他們三成採購", 30, "三成"),
    ("份额0.3左右", 30, "0.3"),
    ("大概三成吧", 30, "三成"),
    ("三成多", 35, "三成多"),
    ("不到一半的份额", 45, "不到一半"),
    ("我们占比30%", 30, "30%"),
    ("百分之30的采购给我们", 30, "百分之30"),
    ("以前七成,现在只剩三成了", 30, "三成"),
    ("我们占三成,对手占七成", 30, "三成"),
    ("我们占ＡＢＣ的８５％", 85, "８５％"),
]


@pytest.mark.parametrize("text,value,evidence", SHARES)
def test_share_forms(text, value, evidence):
    m = parse_share(text)
    assert m is not None, text
    assert (m.value, m.text) == (value, evidence)
    assert text[m.start : m.end] == m.text  # evidence is a substring as typed


NOT_SHARES = [
    "3月15号去拜访",
    "2024年签的合同",
    "报价八十万",
    "他们部门三个人",
    "他一半时间在出差",
    "八成是不会同意了",
    "良率85%",
    "毛利三成",
    "要求打八折",
    "下午3点开会",
    "预算50万",
    "他今年45岁",
]


@pytest.mark.parametrize("text", NOT_SHARES)
def test_non_shares(text):
    assert parse_share(text) is None, find_shares(text)


@pytest.mark.parametrize(
    "share,stage",
    [(0, "开发"), (1, "初期合作"), (30, "初期合作"), (49, "初期合作"), (50, "稳定合作"), (79, "稳定合作"), (80, "战略合作"), (100, "战略合作")],
)
def test_stage_thresholds(share, stage):
    assert stage_for_share(share) == stage
