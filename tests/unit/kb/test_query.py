"""KnowledgeBase query API on the fixture KB (both backends) and on the real knowledge/."""
from __future__ import annotations

from pathlib import Path

import pytest

from keqing.db import KeqingDBError, KnowledgeUnavailable, migrate
from keqing.kb.loader import load
from keqing.kb.query import Cue, KnowledgeBase, UnknownTerm
from keqing.kb.schema import DIMENSION_VALUES, STAGES


@pytest.fixture(scope="module")
def kb(module_db_factory, fixture_kb_dir: Path) -> KnowledgeBase:
    url = module_db_factory()
    load(fixture_kb_dir, url)
    return KnowledgeBase(url)


@pytest.fixture(scope="module")
def real_kb(module_db_factory, real_kb_dir: Path) -> KnowledgeBase:
    url = module_db_factory()
    load(real_kb_dir, url)
    return KnowledgeBase(url)


# -- strategy / steps / opportunities -----------------------------------------------------
def test_strategy_combines_stage_style_motive_grade(kb: KnowledgeBase) -> None:
    s = kb.strategy("初期合作阶段", style="老虎型客户", motive="贪婪", grade="b")
    assert (s.stage, s.position, s.objective) == ("初期合作", "备选供应商", "成为主要供应商")
    assert [st.title for st in s.first_steps] == ["做好服务", "抓住机会"]
    assert s.style == "支配型" and s.communicate[0] == "开门见山" and s.avoid and s.phone
    assert s.motive == "贪婪型" and s.motive_tactics and "反不正当竞争法" in s.motive_compliance
    assert (s.grade, s.cadence, s.cadence_days) == ("B", "每周一次", 7)
    assert s.grade_tactics == ("找到顾虑并消除。",)


def test_strategy_stage_only_and_first_steps_limit(kb: KnowledgeBase) -> None:
    s = kb.strategy("开发", first_steps=2)
    assert [st.order for st in s.first_steps] == [1, 2]
    assert s.style is None and s.communicate == () and s.cadence is None


def test_unknown_terms_raise(kb: KnowledgeBase) -> None:
    with pytest.raises(UnknownTerm):
        kb.strategy("不存在的阶段")
    with pytest.raises(UnknownTerm):
        kb.strategy("开发", style="理智型")  # a motive is not a style
    with pytest.raises(UnknownTerm):
        kb.steps("老虎")


def test_steps_are_ordered_with_details(kb: KnowledgeBase) -> None:
    steps = kb.steps("开发")
    assert [s.title for s in steps] == ["等待机会", "找到关键人", "建立信任", "技术突破"]
    assert [s.order for s in steps] == [1, 2, 3, 4]
    step = kb.step("开发", 4)
    assert step is not None and step.details == ("安排技术交流。",) and step.authored
    assert kb.step("开发", 9) is None


def test_opportunities(kb: KnowledgeBase) -> None:
    opps = kb.opportunities()
    assert [o.name for o in opps] == ["关键人变动", "主供应商质量问题"]
    assert opps[0].question.endswith("？")
    assert kb.opportunities("开发") == []
    assert kb.create_opportunity() == ["主动提出改进方案。"]


def test_stage_for_share(kb: KnowledgeBase) -> None:
    expected = {0: "开发", 1: "初期合作", 49.5: "初期合作", 50: "稳定合作", 79: "稳定合作", 80: "战略合作", 100: "战略合作"}
    assert {share: kb.stage_for_share(share) for share in expected} == expected
    with pytest.raises(ValueError):
        kb.stage_for_share(101)
    assert [s.name for s in kb.stages()] == list(STAGES)


# -- explain ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "term, kind, name",
    [
        ("猫头鹰型", "style", "分析型"),
        ("猫头鹰", "style", "分析型"),
        ("貓頭鷹", "style", "分析型"),
        ("分析型", "style", "分析型"),
        ("老虎型客户", "style", "支配型"),
        ("优先供应", "concept", "优先供应"),
        ("优先供应关系", "concept", "优先供应"),
        ("Trust", "concept", "Trust"),
        ("trust", "concept", "Trust"),
        ("初期合作阶段", "stage", "初期合作"),
        ("A类", "grade", "A"),
        ("重视舆论", "style_variant", "重视舆论型"),
        ("倒退", "regression", "关系倒退"),
        ("技术突破", "step", "技术突破"),
        ("关键人变动", "opportunity", "关键人变动"),
    ],
)
def test_explain_resolves_names_and_aliases(kb: KnowledgeBase, term: str, kind: str, name: str) -> None:
    found = kb.explain(term)
    assert found is not None, term
    assert (found.kind, found.name) == (kind, name)
    assert found.definition


def test_explain_details(kb: KnowledgeBase) -> None:
    owl = kb.explain("猫头鹰")
    assert owl.details["animal"] == "猫头鹰" and owl.details["call_script"]["opening"]
    assert owl.details["variants"] == []
    assert kb.explain("孔雀").details["variants"] == ["重视舆论型"]
    assert kb.explain("重视舆论型").details["parent_name"] == "表达型"
    assert kb.explain("稳定合作").details["share_min"] == 50
    assert kb.explain("不存在的东西") is None
    assert kb.explain("") is None


# -- cues, compliance, regression, scripts ------------------------------------------------
def test_cue_lexicon(kb: KnowledgeBase) -> None:
    lexicon = kb.cue_lexicon()
    assert all(isinstance(c, Cue) for c in lexicon)
    dims = [c.dimension for c in lexicon]
    assert dims == sorted(dims, key=["style", "motive", "grade", "stage", "regression"].index)
    for cue in lexicon:
        if cue.dimension != "regression":
            assert cue.value in DIMENSION_VALUES[cue.dimension], cue
    assert Cue("style", "支配型", "说一不二") in lexicon
    assert Cue("regression", "关系倒退", "开始从别家进货") in lexicon
    assert len([c for c in lexicon if c.value == "分析型"]) == 20
    assert kb.cue_lexicon(["grade"]) == [c for c in lexicon if c.dimension == "grade"]


def test_compliance(kb: KnowledgeBase) -> None:
    topics = kb.compliance()
    assert [t.id for t in topics] == ["compliance.gift", "compliance.kickback"]
    gift = kb.compliance("礼品")
    assert gift.name == "送礼" and "反不正当竞争法" in gift.refusal and gift.alternatives and gift.law
    assert kb.compliance("天气") is None


@pytest.mark.parametrize(
    "text, topic, trigger",
    [
        ("要不要给他塞个紅包", "compliance.kickback", "红包"),
        ("他问能不能返点给个人", "compliance.kickback", "返点给个人"),
        ("过节给王总送点东西合适吗", "compliance.gift", "送点东西"),
        ("这单要不要送礼", "compliance.gift", "送礼"),
    ],
)
def test_compliance_match(kb: KnowledgeBase, text: str, topic: str, trigger: str) -> None:
    found = kb.compliance_match(text)
    assert found is not None and (found.id, found.matched) == (topic, trigger)


def test_compliance_no_match(kb: KnowledgeBase) -> None:
    assert kb.compliance_match("王总说一不二，现在三成份额") is None


@pytest.mark.parametrize("text", ["利用他们内部矛盾", "利用一下内部的矛盾", "利用內部矛盾"])
def test_real_compliance_trigger_with_words_between(real_kb: KnowledgeBase, text: str) -> None:
    found = real_kb.compliance_match(text)
    assert found is not None and found.matched == "利用内部矛盾"


@pytest.mark.parametrize("text", ["利用周末把内部资料整理完,矛盾的地方再说", "红色的包装", "他们内部没矛盾,我们利用好就行"])
def test_real_compliance_trigger_words_stay_close_and_in_order(real_kb: KnowledgeBase, text: str) -> None:
    found = real_kb.compliance_match(text)
    assert found is None or found.matched != "利用内部矛盾"


def test_regression(kb: KnowledgeBase) -> None:
    reg = kb.regression()
    assert reg.name == "关系倒退" and [s.order for s in reg.steps] == [1, 2]
    assert reg.steps[0].title == "查明原因" and "开始从别家进货" in reg.cues
    assert reg.signs == {"初期合作": ("订单变少",)}


def test_scripts(kb: KnowledgeBase) -> None:
    assert kb.script_examples("孔雀") == ["您这个想法很有意思。", "我们一起把它做成。"]
    assert kb.call_script("分析型") == {"opening": ["您好，我先用两分钟说明来意。"],
                                        "discovering_needs": ["您目前最关注哪几项指标？"]}
    assert kb.call_script("老虎") is None
    assert len(kb.version() or "") == 64


# -- unavailable database -------------------------------------------------------------------
def test_unreachable_database_raises_knowledge_unavailable() -> None:
    from servers import free_port

    kb = KnowledgeBase(f"postgresql+psycopg2://nobody@127.0.0.1:{free_port()}/nothing")
    with pytest.raises(KnowledgeUnavailable) as info:
        kb.strategy("开发")
    assert isinstance(info.value, KeqingDBError)
    with pytest.raises(KeqingDBError):
        kb.explain("老虎")
    with pytest.raises(KeqingDBError):
        kb.compliance_match("红包")


def test_unmigrated_and_empty_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(KnowledgeUnavailable):
        KnowledgeBase(url).explain("老虎")  # no tables
    migrate(url)
    with pytest.raises(KnowledgeUnavailable, match="empty"):
        KnowledgeBase(url).strategy("开发")  # tables but nothing loaded
    with pytest.raises(KnowledgeUnavailable):
        KnowledgeBase(url).cue_lexicon()


# -- the real knowledge base -----------------------------------------------------------------
@pytest.mark.parametrize(
    "term, kind, name",
    [
        ("猫头鹰型", "style", "分析型"),
        ("猫头鹰", "style", "分析型"),
        ("老虎型客户", "style", "支配型"),
        ("孔雀", "style", "表达型"),
        ("鸽子型", "style", "和蔼型"),
        ("初期合作阶段", "stage", "初期合作"),
        ("理智型", "motive", "理智型"),
        ("A类", "grade", "A"),
    ],
)
def test_real_explain(real_kb: KnowledgeBase, term: str, kind: str, name: str) -> None:
    found = real_kb.explain(term)
    assert found is not None and (found.kind, found.name) == (kind, name)


@pytest.mark.parametrize("term, group", [("优先供应", "relationship_type"), ("优先供应关系", "relationship_type"),
                                         ("Trust", "relationship_level")])
def test_real_explain_concepts(real_kb: KnowledgeBase, term: str, group: str) -> None:
    found = real_kb.explain(term)
    assert found is not None and found.kind == "concept" and found.details["group"] == group


@pytest.mark.parametrize("text", ["能不能给采购一点回扣", "要不要包个红包给他", "过节要不要送礼", "他要好处费",
                                  "能不能利用他们内部的矛盾", "私下给他返点行吗"])
def test_real_compliance_match(real_kb: KnowledgeBase, text: str) -> None:
    found = real_kb.compliance_match(text)
    assert found is not None and "反不正当竞争法" in found.refusal and found.alternatives


def test_real_strategy_for_every_combination(real_kb: KnowledgeBase) -> None:
    for stage in DIMENSION_VALUES["stage"]:
        for style in DIMENSION_VALUES["style"]:
            s = real_kb.strategy(stage, style=style, motive="理智型", grade="A")
            assert s.first_steps and s.communicate and s.motive_tactics and s.cadence
