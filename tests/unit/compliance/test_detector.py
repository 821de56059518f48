"""The compliance detector: classifier + patterns → unlawful / grey / none with category and evidence."""
from __future__ import annotations

import pytest

from keqing.compliance.detector import NONE, ComplianceDetector, label_of, training_examples

UNLAWFUL = [
    ("给采购塞个红包", "cash_kickback"), ("包个大红包给他", "cash_kickback"), ("私下给他点好处费", "cash_kickback"),
    ("返点打到他个人卡上", "off_book_rebate"), ("每吨返他现金,不走账", "off_book_rebate"),
    ("把检测报告数据改一下", "forgery"), ("做一份假的检测报告", "forgery"), ("证书过期了,P一下日期", "forgery"),
]
GREY = [("中秋寄盒月饼给客户可以吗", "token_gift"), ("给客户公司年度返利写进合同", "company_rebate"),
        ("端午送点粽子给采购部", "token_gift"), ("合同里约定对公返利行不行", "company_rebate")]
LAWFUL = ["王总说一不二", "我们占三成", "下一步做什么", "明天发货", "他很随和", "怎么写跟进邮件", "有哪些机会点",
          "张工要测试报告", "报告明天发给你", "李经理爱面子"]


@pytest.fixture(scope="module")
def detector() -> ComplianceDetector:
    rows = [(t, label_of("unlawful", c)) for t, c in UNLAWFUL] + [(t, label_of("innocent", c)) for t, c in GREY]
    rows += [(t, "lawful") for t in LAWFUL]
    return ComplianceDetector.fit(rows * 3)


def test_labels() -> None:
    assert label_of("unlawful", "forgery") == "unlawful:forgery"
    assert label_of("innocent", "token_gift") == "grey:token_gift"
    assert label_of("innocent", "customer_solicits_question") == "grey:customer_solicits"
    assert label_of("unlawful", "no_such_category") == "lawful"


def test_training_examples_from_labelled_messages() -> None:
    rows = training_examples([
        ("塞红包", "ask_improper_benefit", {"compliance": {"label": "unlawful", "category": "cash_kickback"}}),
        ("送礼行吗", "ask_improper_benefit", None),  # unlabelled benefit question: category unknown, left out
        ("你好", "greet", None),
    ])
    assert rows == [("塞红包", "unlawful:cash_kickback"), ("你好", "lawful")]


def test_unlawful_requests_name_their_category_and_evidence(detector: ComplianceDetector) -> None:
    v = detector.check("能不能给他塞点红包")
    assert v.unlawful and v.category == "cash_kickback"
    assert v.evidence and all(e in "能不能给他塞点红包" for e in v.evidence)
    f = detector.check("检测报告能不能改一下")
    assert f.unlawful and f.category == "forgery"


def test_grey_and_lawful(detector: ComplianceDetector) -> None:
    g = detector.check("中秋给客户寄点月饼可以吗")
    assert g.verdict == "grey" and g.category == "token_gift"
    assert detector.check("王总很随和,我们占三成") == NONE or not detector.check("王总很随和,我们占三成").unlawful


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01", "a" * 20_000])
def test_odd_input_is_no_verdict(detector: ComplianceDetector, text: str) -> None:
    assert not detector.check(text).unlawful


def test_save_and_load(detector: ComplianceDetector, tmp_path) -> None:
    detector.save(tmp_path)
    again = ComplianceDetector.load(tmp_path)
    for text in ("能不能给他塞点红包", "中秋给客户寄点月饼可以吗", "下一步做什么"):
        assert again.check(text) == detector.check(text)


def test_without_a_model_only_a_named_tactic_refuses() -> None:
    """Patterns decide alone only when they name the tactic outright; the bribe shape needs the classifier
    (a description of a greedy customer mentions kickbacks too)."""
    empty = ComplianceDetector(None)
    assert empty.check("私下给采购个人打点好处费") == NONE
    v = empty.check("我能不能找两家关系好的公司来陪标")
    assert v.unlawful and v.category == "bid_rigging" and "陪标" in v.reasons
    assert not empty.check("客户让我们去陪标,我想推掉,怎么说").unlawful  # declining weakens the hit


def test_a_rep_who_declines_is_not_refused_on_the_classifier_alone() -> None:
    from keqing.compliance.detector import ComplianceDetector

    class Sure:  # a classifier that reads every message as a kickback
        classes = ["unlawful:cash_kickback", "lawful"]

        def probabilities(self, text: str) -> dict:
            return {"unlawful:cash_kickback": 0.85, "lawful": 0.15}

    detector = ComplianceDetector(Sure())  # type: ignore[arg-type]
    detector._evidence = lambda text, label: ()  # type: ignore[method-assign]
    assert detector.check("对方暗示要点好处,公司严格禁止,怎么回应比较得体").verdict != "unlawful"
    assert detector.check("要不要给他点好处").verdict == "unlawful"
