"""One message understood: compliance first, then the reading, with the rules that tie intent and reading."""
from __future__ import annotations

import pytest

from keqing.compliance.detector import ComplianceDetector, label_of
from keqing.nlu.classifier import ProfileClassifier, samples_from
from keqing.nlu.cues import CueMatcher
from keqing.nlu.lexicon import Cue
from keqing.nlu.reader import ProfileReader
from keqing.nlu.understanding import understand
from keqing.text.tokenize import Segmenter

DESCRIPTIONS = [
    ("王总说一不二,很强势", {"style": "支配型"}), ("老板脾气急,只要结论", {"style": "支配型"}),
    ("他特别强势,拍板很快", {"style": "支配型"}), ("李总做事雷厉风行", {"style": "支配型"}),
    ("张工话不多,要看数据", {"style": "分析型"}), ("参数问得很细,要测试报告", {"style": "分析型"}),
    ("他很谨慎,反复对比数据", {"style": "分析型"}), ("王工什么都要数据", {"style": "分析型"}),
    ("那个采购总暗示要好处,压价很狠", {"motive": "贪婪型"}), ("他老想要点意思,价格压到底", {"motive": "贪婪型"}),
    ("采购经理每次都暗示要好处", {"motive": "贪婪型"}), ("他在乎个人利益,暗示要意思", {"motive": "贪婪型"}),
    ("明天发货", {}), ("下一步做什么", {}), ("你好", {}), ("报价单发你了", {}),
]
COMPLIANCE = [("给采购塞个红包", "unlawful", "cash_kickback"), ("私下给他点好处费", "unlawful", "cash_kickback"),
              ("包个大红包给他", "unlawful", "cash_kickback"), ("返点打到他个人卡上", "unlawful", "off_book_rebate"),
              ("中秋寄盒月饼可以吗", "innocent", "token_gift"), ("端午送点粽子给采购部", "innocent", "token_gift")]


@pytest.fixture(scope="module")
def parts():
    seg = Segmenter()
    clf = ProfileClassifier.fit(samples_from(DESCRIPTIONS * 3), segmenter=seg)
    reader = ProfileReader(clf, CueMatcher([Cue("style", "支配型", "说一不二")]), seg)
    rows = [(t, label_of(lab, cat)) for t, lab, cat in COMPLIANCE] + [(t, "lawful") for t, _ in DESCRIPTIONS]
    return reader, ComplianceDetector.fit(rows * 3, segmenter=seg)


def test_an_unlawful_request_gets_no_profile_no_people_no_entities(parts) -> None:
    reader, detector = parts
    u = understand("王总那边要不要给他塞个红包", "describe_customer", 0.9, reader, detector)
    assert u.intent == "ask_improper_benefit" and u.compliance["verdict"] == "unlawful"
    assert all(v is None for v in u.profile.values()) and u.people == [] and u.entities == []


def test_a_description_is_read_with_entities(parts) -> None:
    reader, detector = parts
    u = understand("王总说一不二,很强势", "describe_customer", 0.9, reader, detector)
    assert u.profile["style"]["value"] == "支配型" and u.compliance["verdict"] == "none"
    assert [e["value"] for e in u.entities if e["entity"] == "customer"] == ["王总"]


def test_a_benefit_intent_the_compliance_check_does_not_confirm_reads_a_described_person(parts) -> None:
    reader, detector = parts
    u = understand("采购经理又在暗示要好处,压价很狠", "ask_improper_benefit", 0.7, reader, detector)
    assert u.intent == "describe_customer" and u.profile["motive"]["value"] == "贪婪型"
    # without a described person the benefit question stays one (answered from the knowledge base)
    q = understand("这种情况一般怎么办", "ask_improper_benefit", 0.7, reader, detector)
    assert q.intent == "ask_improper_benefit"


def test_a_question_about_a_named_person_is_not_about_the_bot(parts) -> None:
    reader, detector = parts
    u = understand("Tony能帮我做些什么", "help", 0.8, reader, detector)
    assert u.intent == "ask_key_people"
    assert understand("你能做什么", "help", 0.8, reader, detector).intent == "help"


def test_non_descriptive_intents_get_no_person_traits(parts) -> None:
    reader, detector = parts
    u = understand("下一步做什么,他很强势", "ask_next_step", 0.9, reader, detector)
    assert u.profile["style"] is None


@pytest.mark.parametrize("text,intent", [
    ("对了,老虎型到底指的是什么?", "note"),
    ("什么叫稳定合作", "describe_customer"),
    ("B类客户是啥意思啊", "out_of_scope"),
])
def test_a_question_about_the_products_own_terms_is_a_concept_question(parts, text, intent) -> None:
    reader, detector = parts
    u = understand(text, intent, 0.6, reader, detector)
    assert u.intent == "ask_concept" and all(v is None for v in u.profile.values())


def test_a_description_using_a_term_stays_a_description(parts) -> None:
    reader, detector = parts
    u = understand("王总说一不二,典型的老虎型", "describe_customer", 0.9, reader, detector)
    assert u.intent == "describe_customer" and u.profile["style"]["value"] == "支配型"
    assert understand("我也不知道他什么意思,反正很强势", "describe_customer", 0.9, reader, detector).intent \
        == "describe_customer"


def test_a_statement_about_several_people_reads_each_of_them(parts) -> None:
    reader, detector = parts
    text = "胡总是拍板的人,什么都他定;他们质量部的老钱一直不认我们的货"
    u = understand(text, "ask_key_people", 0.7, reader, detector)
    assert u.intent == "describe_customer"
    assert [p["name"] for p in u.people] == ["胡总", "老钱"]
