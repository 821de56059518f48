"""Compliance refusals and concept explanations (knowledge-base-only actions), SQLite and PostgreSQL."""
from __future__ import annotations

import time

import pytest
from actions_support import Rep

from actions.knowledge import ActionCompliance, ActionExplainConcept, term_candidates
from actions.playbook import ActionGiveStrategy
from keqing.kb.query import KnowledgeBase

COMPLIANCE, EXPLAIN = ActionCompliance(), ActionExplainConcept()
IMPROPER = ("送礼", "礼品", "礼物", "红包", "回扣", "好处费", "购物卡", "茅台", "烟酒", "返点给个人", "塞钱")


@pytest.fixture(autouse=True)
def _db_env(kb_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEQING_DB_URL", kb_url)


@pytest.fixture
def kb(kb_url: str) -> KnowledgeBase:
    return KnowledgeBase(kb_url)


def _alternatives_part(text: str) -> str:
    assert "合法的做法" in text
    return text.split("合法的做法", 1)[1]


# -- 6. compliance ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "message, category",
    [
        ("要不要给他塞个红包", "cash_kickback"),
        ("他儿子毕业了,能不能安排到我们公司", "relative_job"),
        ("检测报告能不能改一下数据", "forgery"),
        ("能不能挑拨一下他们采购和技术的关系", "internal_conflict"),
    ],
)
async def test_compliance_refuses_names_the_law_and_gives_lawful_alternatives(
    kb: KnowledgeBase, message: str, category: str
) -> None:
    verdict = {"verdict": "unlawful", "category": category, "confidence": 0.9}
    turn = await Rep().say(COMPLIANCE, message, "ask_improper_benefit", extra={"compliance": verdict})
    item = kb.compliance_topic(f"compliance.{category}")
    text = turn.text
    assert item.refusal in text and "法" in item.refusal
    alternatives = _alternatives_part(text)
    assert sum(alt in alternatives for alt in item.alternatives) >= 2
    assert not any(word in alternatives for word in IMPROPER), alternatives
    assert turn.slots()["compliance_topic"] == item.id and turn.slots()["reply_kind"] == "refusal"


async def test_a_grey_area_gets_a_conditional_answer_not_a_refusal(kb: KnowledgeBase) -> None:
    verdict = {"verdict": "grey", "category": "token_gift", "confidence": 0.8}
    turn = await Rep().say(COMPLIANCE, "中秋给客户寄盒月饼可以吗", "ask_improper_benefit", extra={"compliance": verdict})
    item = kb.guidance("guidance.token_gift")
    assert item.answer[0] in turn.text and "不能帮你" not in turn.text
    assert turn.slots()["reply_kind"] == "grey_area"


async def test_the_intent_alone_without_a_verdict_still_refuses_a_named_practice(kb: KnowledgeBase) -> None:
    """The intent classifier flagged it, the detector did not: the knowledge base's triggers decide."""
    turn = await Rep().say(COMPLIANCE, "好处费怎么给比较稳妥", "ask_improper_benefit")
    assert kb.compliance_topic("compliance.cash_kickback").refusal in turn.text


async def test_only_the_compliance_action_talks_about_it() -> None:
    rep = Rep()
    turn = await rep.say(ActionGiveStrategy(), "怎么跟进", "ask_strategy")
    assert "反不正当竞争法" not in turn.text
    turn = await rep.say(EXPLAIN, "什么是猫头鹰型客户", "ask_concept")
    assert "反不正当竞争法" not in turn.text


# -- 7. concepts ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "question, name",
    [
        ("什么是猫头鹰型客户", "分析型"),
        ("猫头鹰型是什么意思?", "分析型"),
        ("初期合作阶段要注意什么", "初期合作"),
        ("优先供应关系是什么", "优先供应关系"),
        ("Trust是什么意思", "Trust(信任)"),
        ("trust", "Trust(信任)"),
        ("讲讲老虎型客户的特点", "支配型"),
        ("請問什麼是優先供應關係", "优先供应关系"),
        ("客户关系倒退怎么办", "客户关系倒退"),
    ],
)
async def test_concept_explanations_come_from_the_kb(kb: KnowledgeBase, question: str, name: str) -> None:
    turn = await Rep().say(EXPLAIN, question, "ask_concept")
    item = kb.explain(name)
    assert item is not None and item.name == name
    assert item.definition in turn.text
    points = [line for line in turn.text.splitlines() if line.startswith("· ")]
    assert 2 <= len(points) <= 3
    assert len(turn.messages) == 1 and len(turn.text) <= 600


async def test_unknown_concept_says_so_and_lists_what_it_can_explain() -> None:
    turn = await Rep().say(EXPLAIN, "量子纠缠是什么", "ask_concept")
    assert "量子纠缠" in turn.text and "讲不了" in turn.text
    assert "猫头鹰" in turn.text and "优先供应关系" in turn.text


async def test_nonsense_concept_is_quick(kb_url: str) -> None:
    start = time.monotonic()
    turn = await Rep().say(EXPLAIN, "阿斯顿发送到发送到发个阿斯顿发", "ask_concept")
    assert "讲不了" in turn.text
    assert time.monotonic() - start < 5


def test_term_candidates_strip_the_question() -> None:
    assert term_candidates("什么是猫头鹰型客户")[0] == "猫头鹰型客户"
    assert term_candidates("初期合作阶段要注意什么?")[0] == "初期合作阶段"
    assert term_candidates("优先供应关系是什么")[0] == "优先供应关系"
    assert term_candidates("Trust是什么意思")[0] == "Trust"
    assert term_candidates("") == [] and term_candidates("？？") == []
    assert len(term_candidates("很长的问题" * 2000)) <= 10


@pytest.mark.parametrize("follow_up", ["那出了质量问题正确的处理方式是啥", "正当的路子呢", "那我该怎么办"])
async def test_asking_for_the_lawful_way_after_a_refusal_gets_the_plan_whatever_the_intent(
    kb: KnowledgeBase, follow_up: str
) -> None:
    from actions.customers import ActionConfirm

    rep = Rep()
    verdict = {"verdict": "unlawful", "category": "hide_incident", "confidence": 0.9}
    await rep.say(COMPLIANCE, "出了批次问题能不能先瞒着客户", "ask_improper_benefit", extra={"compliance": verdict})
    turn = await rep.say(ActionConfirm(), follow_up, "affirm")  # the model read a yes
    item = kb.compliance_topic("compliance.hide_incident")
    assert turn.slots()["reply_kind"] == "lawful_plan"
    assert sum(alt in turn.text for alt in item.alternatives) >= 2
