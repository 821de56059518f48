"""keqing.dialogue.replies: wording and layout, without a database (KB dataclasses built by hand)."""
from __future__ import annotations

import json
import re

from keqing.customers import Note
from keqing.dialogue import replies
from keqing.kb.query import ComplianceTopic, ItemSummary, OpportunityInfo, Regression, StepInfo, Strategy

CJK = re.compile(r"[\u4e00-\u9fff]")


def step(order: int, title: str = "找到关键人", details=("画出组织结构图", "估计影响比重")) -> StepInfo:
    return StepInfo("开发", order, f"stage.dev.s{order}", title, f"{title}的概要。", tuple(details), False)


def opp(order: int, name: str) -> OpportunityInfo:
    return OpportunityInfo("初期合作", order, f"opp.k{order}", name, f"{name}的说明。", f"{name}有吗?")


def strategy(**kw) -> Strategy:
    base = dict(stage="初期合作", position="次要供应商。", objective="从次要供应商发展成主要供应商。",
                first_steps=(step(1, "编织关系网"), step(2, "提升客户期望"), step(3, "制造成功机会")))
    base.update(kw)
    return Strategy(**base)


# -- layout ------------------------------------------------------------------------------------------
def test_pack_splits_at_sections_and_puts_buttons_last() -> None:
    sections = ["甲" * 300, "乙" * 250, "丙" * 200]
    out = replies.pack(sections, [replies.BTN_NEXT])
    assert [len(r.text) for r in out] == [551, 200]
    assert out[0].buttons == [] and out[-1].buttons == [replies.BTN_NEXT]
    huge = replies.pack(["长" * 5000])
    assert len(huge) == 1 and len(huge[0].text) == 600 and huge[0].text.endswith("…")
    assert replies.pack([]) == [replies.Reply("")]


def test_error_messages() -> None:
    assert replies.db_unavailable()[0].text == "数据库暂时连不上,请稍后再试。"
    assert replies.internal_error()[0].text == "抱歉,处理这条消息时出错了,请换个说法再试。"


# -- diagnosis ---------------------------------------------------------------------------------------
def test_diagnosis_is_one_short_message_with_quoted_evidence() -> None:
    detected = {
        "style": {"value": "支配型", "confidence": 0.9, "evidence": ["说一不二", "只听结论"]},
        "motive": None,
        "stage": {"value": "初期合作", "confidence": 0.95, "evidence": ["三成"]},
        "grade": None,
        "share": {"value": 30, "confidence": 0.95, "evidence": ["三成"]},
    }
    [r] = replies.diagnosis("王总", detected)
    assert r.text == "王总偏支配型(老虎):‘说一不二’‘只听结论’。关系阶段:初期合作(‘三成’)。"
    [r] = replies.diagnosis(None, {"grade": {"value": "B", "confidence": 0.3, "evidence": ["在比价"]}})
    assert r.text == "这位客户的客户等级:可能是B类(‘在比价’)。"
    [r] = replies.diagnosis("李经理", {"stage": {"value": "开发", "evidence": []}}, "初期合作", regressed=True)
    assert "退了一步" in r.text
    assert "特点" in replies.diagnosis("王总", {})[0].text


# -- strategy -----------------------------------------------------------------------------------------
def test_strategy_sections_and_buttons() -> None:
    s = strategy(style="支配型", communicate=("开门见山", "干脆自信", "给选项", "第四条不显示"),
                 motive="理智型", motive_tactics=("坦诚", "不夸大", "第三条不显示"),
                 grade="B", grade_tactics=("问清原因", "逐个解决"), cadence="每周一次")
    out = replies.strategy(s, "王总")
    text = "\n".join(r.text for r in out)
    assert text.startswith("【王总·初期合作阶段】目标:从次要供应商发展成主要供应商。")
    assert "1. 编织关系网" in text and "3. 制造成功机会" in text
    assert "开门见山" in text and "第四条不显示" not in text and "第三条不显示" not in text
    assert "每周一次" in text
    assert [t for t, _ in out[-1].buttons] == ["下一步", "展开讲讲", "机会点", "话术示例", "换个客户"]
    stable = replies.strategy(strategy(stage="稳定合作"))
    assert "机会点" not in [t for t, _ in stable[-1].buttons]


def test_long_strategy_is_split_under_the_limit() -> None:
    long_steps = tuple(step(i, "步骤" * 10, ()) for i in range(1, 4))
    s = strategy(first_steps=long_steps, objective="目标" * 100, style="分析型", communicate=("要点" * 60,) * 3,
                 motive="任务型", motive_tactics=("做法" * 60,) * 2)
    out = replies.strategy(s)
    assert len(out) >= 2 and all(len(r.text) <= replies.MAX_CHARS for r in out)
    assert out[-1].buttons and not out[0].buttons


def test_advice_without_stage_asks_for_the_share() -> None:
    style = ItemSummary("style.analytical", "style", "分析型", "定义", details={"communicate": ["放慢语速", "给依据"]})
    [r] = replies.advice_without_stage("周工", style)
    assert "周工是分析型(猫头鹰)" in r.text and "放慢语速" in r.text and "采购" in r.text
    assert "特点" in replies.advice_without_stage(None)[0].text


# -- steps ----------------------------------------------------------------------------------------------
def test_step_and_detail_and_completion() -> None:
    [r] = replies.step(step(2), 4, "王总")
    assert r.text == "王总·第2步/共4步 找到关键人:找到关键人的概要。"
    assert ("展开讲讲", "/ask_detail") in r.buttons
    [r] = replies.step_detail(step(2), 4)
    assert "1. 画出组织结构图" in r.text and "2. 估计影响比重" in r.text
    assert "都走完了" in replies.plan_complete("初期合作", 4, "王总")[0].text
    assert "修复都走完了" in replies.plan_complete("客户关系倒退", 6, "王总", repair=True)[0].text
    [r] = replies.step(step(2), 6, repair=True)
    assert r.text.startswith("修复第2步/共6步")


# -- checklist ------------------------------------------------------------------------------------------
def test_checklist_notes_roundtrip() -> None:
    o1, o2 = opp(1, "新产品上市"), opp(2, "人员变动")
    notes = [Note(1, "别的笔记", None), Note(2, replies.checklist_answer_note(o1, True), None)]
    assert replies.checklist_state(notes) is None  # an answer without a start does not count
    notes += [Note(3, replies.checklist_start_note(), None), Note(4, replies.checklist_answer_note(o1, False), None),
              Note(5, replies.checklist_answer_note(o2, True), None)]
    assert replies.checklist_state(notes) == {"opp.k1": False, "opp.k2": True}
    notes.append(Note(6, replies.checklist_start_note(), None))
    assert replies.checklist_state(notes) == {}
    assert replies.checklist_state([t.text for t in notes[:4]]) == {"opp.k1": False}


def test_checklist_question_and_summary() -> None:
    [q] = replies.checklist_question(opp(3, "人员变动"), 3, 8)
    assert q.text == "机会点 3/8 人员变动:人员变动有吗?" and q.buttons == [("有", "/affirm"), ("没有", "/deny")]
    tactic = step(3, "制造成功机会", ("第一时间拿方案",))
    [s] = replies.checklist_summary("王总", [opp(1, "新产品上市")], 8, tactic, ["做成本分析"])
    assert "出现了1个机会" in s.text and "新产品上市的说明" in s.text and "第一时间拿方案" in s.text
    [none] = replies.checklist_summary("王总", [], 8, tactic, ["做成本分析"])
    assert "没有现成的机会" in none.text and "做成本分析" in none.text
    assert replies.opportunity_step([step(1, "编织关系网"), tactic]) is tactic


def test_neutral_ack_is_short() -> None:
    assert len(replies.neutral_ack(True)[0].text) < 40 and len(replies.neutral_ack(False)[0].text) < 40


# -- corrections, regression, compliance, concepts -----------------------------------------------------
def test_correction_and_style_buttons() -> None:
    [r] = replies.correction_done([("style", "支配型", "和蔼型")], ["语气温和"], "王总")
    assert "已改为和蔼型(鸽子)" in r.text and "语气温和" in r.text
    [ask] = replies.ask_which_style()
    assert [t for t, _ in ask.buttons] == ["老虎(支配型)", "孔雀(表达型)", "鸽子(和蔼型)", "猫头鹰(分析型)"]
    payload = ask.buttons[3][1]
    assert payload.startswith("/correct_profile") and json.loads(payload[len("/correct_profile"):]) == {
        "style_analytical": "猫头鹰"}


def test_regression_lists_repair_steps() -> None:
    reg = Regression("regression", "客户关系倒退", "倒退是渐进的。", (), (), (step(1, "确认信号"), step(2, "查明原因")),
                     {"初期合作": ("试单后没续单",)})
    out = replies.regression(reg, "王总", "初期合作")
    text = "\n".join(r.text for r in out)
    assert "王总" in text and "倒退" in text and "1. 确认信号" in text and "2. 查明原因" in text
    assert "试单后没续单" in text


def test_compliance_reply_has_refusal_law_and_alternatives() -> None:
    topic = ComplianceTopic("compliance.gifts", "送礼拿单", ("送礼",), "不能建议用送礼来拿单,违反反不正当竞争法。",
                            ("方案演示", "合同优惠"), "反不正当竞争法 第七条")
    [r] = replies.compliance(topic)
    assert r.text.startswith("不能建议用送礼来拿单") and "依据:反不正当竞争法" in r.text
    assert "1. 方案演示" in r.text and "2. 合同优惠" in r.text
    general = replies.compliance_general()[0].text
    assert "反不正当竞争法" in general and "写进合同" in general and len(general) < 300


def test_concept_reply() -> None:
    item = ItemSummary("concept.x", "concept", "优先供应关系", "客户仍偏向我方。", traits=("甲", "乙", "丙"),
                       tactics=("丁",))
    [r] = replies.concept(item)
    assert r.text.startswith("【优先供应关系】客户仍偏向我方。") and r.text.count("· ") == 3
    style = ItemSummary("style.analytical", "style", "分析型", "话少。", traits=("甲",), tactics=("乙",))
    assert replies.concept(style)[0].text.startswith("【分析型(猫头鹰)】")
    unknown = replies.concept_unknown("量子")[0].text
    assert "“量子”" in unknown and "猫头鹰" in unknown


# -- customers ----------------------------------------------------------------------------------------
def test_customer_list_switch_and_empty() -> None:
    lines = [replies.CustomerLine("王总", "初期合作", "支配型", 2, "提升客户期望"), replies.CustomerLine("李经理")]
    [r] = replies.customer_list(lines)
    assert "1. 王总:初期合作 · 支配型(老虎) · 第2步 提升客户期望" in r.text and "2. 李经理:还没有画像" in r.text
    assert r.buttons[0] == ("王总", '/switch_customer{"customer": "王总"}')
    many = [replies.CustomerLine(f"客户{i}", "初期合作", "支配型", 1, "编织关系网") for i in range(60)]
    [r] = replies.customer_list(many)
    assert len(r.text) <= replies.MAX_CHARS and "还有" in r.text and len(r.buttons) == 5
    assert "还没有客户记录" in replies.customer_list([])[0].text
    assert "继续" not in replies.switched(replies.CustomerLine("陈工"))[0].text
    assert "下一步" in replies.switched(lines[0])[0].text


def test_every_reply_is_short_simplified_chinese() -> None:
    samples = [
        replies.need_description("王总"), replies.need_stage(), replies.need_customer(), replies.unknown_customer("张工"),
        replies.nothing_detected(), replies.no_customers(), replies.neutral_ack(True), replies.ask_which_style(),
    ]
    for out in samples:
        for r in out:
            assert 0 < len(r.text) <= replies.MAX_CHARS and CJK.search(r.text)
            assert not re.search(r"[們這說們麼對]", r.text)  # no Traditional characters
