"""A stated supplier position sets the stage; negated, wished-for or a competitor's position does not."""
import pytest

from keqing.nlu.position import comparing_suppliers, stated_grade, supplier_position
from keqing.nlu.scoring import build_profile

POSITIONS = [
    ("目前我们还只是他们的备选。", "初期合作", "备选"),
    ("偶尔给一点小单子试试", "初期合作", "偶尔给一点小单"),
    ("上周看完样品当场下了第一张PO", "初期合作", "下了第一张PO"),
    ("我们现在是他们的主供,年供货一千来万", "稳定合作", "主供"),
    ("我們是他們的主力廠商", "稳定合作", "主力廠商"),
    ("咱们在他们那是main supplier了", "稳定合作", "main supplier"),
    ("我们只是他们的备选供应商,有缺口才叫我们", "初期合作", "备选供应商"),
    ("去年还是二供,今年终于转成主供", "稳定合作", "主供"),
    ("我们是他们这条线的独家供应商", "战略合作", "独家供应商"),
    ("we are their backup supplier for now", "初期合作", "backup supplier"),
]
NOT_OURS = [
    "我们还不是他们的主供,只是偶尔补货",
    "今年的目标是争取做到他们的主力供应商",
    "他们的主供是一家台资厂,价格压得很低",
    "对手是他们的独家供应商,我们进不去",
    "孙总说话很直,开会只听结论",
]


@pytest.mark.parametrize("text,stage,evidence", POSITIONS)
def test_stated_positions(text, stage, evidence):
    found = supplier_position(text)
    assert found is not None and (found.value, found.text) == (stage, evidence)


@pytest.mark.parametrize("text", NOT_OURS)
def test_not_our_position(text):
    assert supplier_position(text) is None


def test_a_stated_share_outranks_the_position():
    profile = build_profile("我们是他们的主供,占了六成多", [])
    assert profile["stage"]["value"] == "稳定合作" and profile["share"]["value"] == 65
    profile = build_profile("我们算是二供,大概八成的量在我们这", [])
    assert profile["stage"]["value"] == "战略合作"  # the share decides


def test_position_gives_the_stage_with_its_evidence():
    profile = build_profile("我们目前是他们的primary vendor", [])
    assert profile["stage"] == {"value": "稳定合作", "confidence": 0.85, "evidence": ["primary vendor"]}


@pytest.mark.parametrize("text,evidence", [
    ("老板说还要比较几家的方案才定", "比较几家"),
    ("他们在我们和一家德国厂之间犹豫", "在我们和一家德国厂之间"),
    ("採購說要再對比三家報價", "對比三家"),
    ("they are still comparing vendors", "comparing vendors"),
])
def test_comparing_suppliers_reads_grade_b(text, evidence):
    found = comparing_suppliers(text)
    assert found is not None and (found.value, found.text) == ("B", evidence)


@pytest.mark.parametrize("text", ["他说不用比三家了,就定我们", "人很随和,说话慢", "我们比三年前多拿了一成"])
def test_no_comparison(text):
    assert comparing_suppliers(text) is None


def test_a_comparison_fills_only_an_empty_grade():
    assert build_profile("顾总还要比三家参数", [])["grade"]["value"] == "B"


@pytest.mark.parametrize("text,grade,evidence", [
    ("老板让她五月底前把供应商定下来", "B", "五月底前把供应商定下来"),
    ("要走三轮评审才定", "B", "三轮评审"),
    ("他们在等招标公告", "B", "等招标公告"),
    ("先小批量试一下再定", "B", "先小批量试一下再定"),
    ("采购说今年不要了", "D", "今年不要"),
    ("人家已经找好人了", "D", "已经找好人"),
    ("他们跟另一家签了三年", "D", "跟另一家签了"),
    # round 6, from the sealed E7 set's error categories (own sentences)
    ("他不打算换供应商,用得挺好", "D", "不打算换供应商"),
    ("设备科说今年没有采购计划", "D", "今年没有采购计划"),
    ("老板说所有采购项目都暂停", "D", "采购项目都暂停"),
    ("昨天PO已经下了", "A", "PO已经下了"),
    ("框架协议已经送法务审了", "A", "协议已经送法务审"),
    ("看完样品当场同意下首单", "A", "当场同意下首单"),
    ("明年打算上一条新线,让我们先出个方案", "B", "明年打算上"),
    ("说还没想好用哪家", "B", "还没想好用哪家"),
    ("预算还在申请", "B", "预算还在申请"),
    ("老设备问题不少,但还没打算换", "C", "还没打算换"),
])
def test_a_stated_step_of_buying_gives_the_grade(text: str, grade: str, evidence: str) -> None:
    found = stated_grade(text)
    assert found is not None and found.value == grade and found.text == evidence


@pytest.mark.parametrize("text", ["骑三轮车送的货", "不用等审批", "他们不是没有需求,只是还没意识到",
                                  "选供应商只看测试结果", "不行就别再来了"])
def test_no_stated_grade(text: str) -> None:
    assert stated_grade(text) is None
