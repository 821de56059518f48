"""No knowledge-base text may recommend kickbacks, personal rebates, red envelopes, 好处费, bribes
or gifts to win business; compliance topics must exist and cite the law."""
from __future__ import annotations

from pathlib import Path

import pytest

from keqing.kb.lawful import FORBIDDEN, check_item, check_items, clause_findings
from keqing.kb.reader import read_knowledge
from keqing.kb.schema import MotiveItem


@pytest.fixture(scope="module")
def items(real_kb_dir: Path) -> list:
    return [li.item for li in read_knowledge(real_kb_dir).items]


def test_no_kb_text_recommends_improper_benefits(items: list) -> None:
    findings = check_items(items)
    assert not findings, "unlawful advice in knowledge/:\n" + "\n".join(map(str, findings))


def test_every_compliance_category_has_a_reviewed_answer(items: list) -> None:
    """Each unlawful category the detector can return has a refusal naming the law and lawful
    alternatives; each grey-area category has a conditional answer with its limits."""
    from keqing.compliance.categories import GREY, UNLAWFUL, topic_id

    by_id = {it.id: it for it in items}
    for key in UNLAWFUL:
        topic = by_id[topic_id("unlawful", key)]
        assert topic.kind == "compliance"
        assert "法" in topic.refusal, key  # the refusal names the law it rests on
        assert len(topic.alternatives) >= 2 and topic.law, key
        assert "不能" in topic.refusal or "不行" in topic.refusal or "不可以" in topic.refusal, key
    for key in GREY:
        item = by_id[topic_id("grey", key)]
        assert item.kind == "guidance" and item.answer and item.limits, key


def test_greedy_motive_is_lawful(items: list) -> None:
    greedy = next(it for it in items if it.kind == "motive" and it.name == "贪婪型")
    assert greedy.compliance and "反不正当竞争法" in greedy.compliance
    assert greedy.tactics and not check_item(greedy)


# -- the checker itself ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "适当给点回扣，单子就稳了",
        "可以私下给采购返点",
        "逢年过节送礼，关系自然就近了",
        "包个红包给他",
        "好处费按单结算",
        "找机会行贿关键人",
        "送礼很有效，不过要注意方式",  # the negation is in another clause
        "返点打到他本人卡上，写进合同",  # personal even though 合同 is mentioned
        "不妨送礼试试",  # 不妨 is not a negation
        # adversarial phrasings: a negation character that affirms
        "送礼准没错",
        "回扣给到位不会有风险",
        "红包包大点没问题",
        "好处费给了也没人知道",
        "逢年过节送点礼无妨",
        "给点回扣不要紧",
        "購物卡送過去不怕查",  # Traditional
        "意思意思少不了",
        # no forbidden word, the shape of a bribe: a benefit for a private person, concealed
        "私下给采购本人打点现金,事成之后再补",
    ],
)
def test_checker_flags_recommendations(text: str) -> None:
    assert clause_findings(text), text


@pytest.mark.parametrize(
    "text",
    [
        "不要送礼，也不要给回扣",
        "切勿私下返点给个人",
        "拒绝红包和好处费",
        "行贿违法，一律禁止",
        "用公开折扣代替回扣",
        "给客户公司的返点写进合同、如实入账",
        "别送礼，用方案说话",
        "按时交付，做好售后",
        "送礼有法律风险，千万别碰",
        "客户暗示要回扣时要当场婉拒",
    ],
)
def test_checker_accepts_prohibitions_and_lawful_text(text: str) -> None:
    assert not clause_findings(text), text


def _motive(**changes) -> MotiveItem:
    base = dict(
        id="motive.greedy", kind="motive", name="贪婪型", aliases=[], definition="在意个人好处，可能暗示要回扣。",
        traits=["暗示要回扣"], cues=[f"暗示{i}" for i in range(10)], tactics=["只谈写进合同的公开折扣。"],
        source=["seed-000"], compliance="依据反不正当竞争法，不给个人任何好处。",
    )
    base.update(changes)
    return MotiveItem(**base)


def test_checker_scope() -> None:
    # describing the customer is fine; recommending is not; avoid lists and compliance notes are exempt
    assert check_item(_motive()) == []
    assert check_item(_motive(definition="这类客户送礼就能搞定。"))  # advice hidden in a description
    bad = check_item(_motive(tactics=["适当给点回扣。"]))
    assert [(f.field, f.term) for f in bad] == [("tactics", "回扣")]
    assert "motive.greedy" in str(bad[0])
    assert set(FORBIDDEN) >= {"回扣", "返点", "红包", "好处费", "贿赂", "行贿", "送礼"}
