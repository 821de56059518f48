"""Customer companies named in a message, and the buying roles a description suggests."""
import pytest

from keqing.text.accounts import account_key, find_account, role_of


@pytest.mark.parametrize("text, account", [
    ("恒泰建材的王总很强势", "恒泰建材"),
    ("王总,恒泰建材的", "恒泰建材"),
    ("今天见了宏远机械的老板", "宏远机械"),
    ("華瑞電子新來的採購總監", "華瑞電子"),  # as typed
    ("市三院的设备科", "市三院"),
    ("3月12号上午10点到的祥和医药,地址在高新区科技路88号", "祥和医药"),  # 和 inside a name
    ("我跟远大重工的采购经理小潘接触三个月了", "远大重工"),
    ("嗯那个恒达机电的老板龙总", "恒达机电"),
    ("我们公司明天开会", None),  # the rep's own company
    ("我司报价偏高", None),
    ("他们工厂地址在科技路88号", None),  # an address
    ("王总说一不二", None),
])
def test_find_account(text, account):
    assert find_account(text) == account


def test_account_key_ignores_the_legal_form_and_script():
    assert account_key("中鼎化工股份有限公司") == account_key("中鼎化工") == account_key("中鼎化工公司")
    assert account_key("華瑞電子") == account_key("华瑞电子")
    assert account_key("中鼎化工") != account_key("中鼎化纤")


@pytest.mark.parametrize("text, role", [
    ("老板最后拍板", "决策者"),
    ("采购经理卡价格", "把关者"),
    ("技术那边要看参数", "影响者"),
    ("车间主任天天在产线上用", "使用者"),
    ("他一直帮我们说话", "内线"),
    ("质量部的老刘总是卡我们", "反对者"),  # what he does before what his title suggests
    ("王总很随和", None),
    ("这次采购他是决策者", "决策者"),
    ("Grace是gatekeeper,所有quote都要过她那关", "把关者"),
    ("小吴是end user,天天用我们的设备", "使用者"),
    ("她跟我关系不错,厂里有什么动静都会私下跟我讲", "内线"),
])
def test_role_of(text, role):
    assert role_of(text) == role


def test_a_deed_outranks_a_title():
    from keqing.text.accounts import role_evidence

    assert role_evidence("小吴是他们用设备的工程师,天天在产线上用我们的样机") == ("使用者", True)
    assert role_evidence("小吴是工程师") == ("影响者", False)
    assert role_evidence("今天天气不错") is None


@pytest.mark.parametrize("text,account", [
    ("今天见了鑫达的两个人：王总是老板，采购小刘很细", "鑫达"),
    ("拜访了中鼎那边的采购", "中鼎"),
    ("今天见了客户的两个人", None),
    ("见了王总的助理", None),
])
def test_a_short_brand_named_as_the_place_visited(text: str, account) -> None:
    assert find_account(text) == account


def test_an_indefinite_what_is_no_question() -> None:
    from keqing.text.questions import ends_with_question

    assert not ends_with_question("她是我们的内线,有什么采购计划会提前透个风")
    assert ends_with_question("他们有什么采购计划会公开吗")
