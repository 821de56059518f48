"""The custom actions' run() against the real knowledge base, on SQLite and PostgreSQL.

Each test is one or more reps (fresh sender ids) talking to the actions through rasa_sdk Trackers;
the database (migrated + `kb load` of knowledge/) is shared by the tests of a module and backend.
"""
from __future__ import annotations

import pytest
from actions_support import DOMAIN, Rep, dim, entities, make_tracker, profile
from sqlalchemy.future import create_engine

from actions.customers import ActionConfirm, ActionListCustomers, ActionSwitchCustomer
from actions.playbook import (
    ActionGiveStrategy,
    ActionNextStep,
    ActionOpportunities,
    ActionScript,
    ActionStepDetail,
)
from actions.profile import ActionCorrectProfile, ActionDiagnose, ActionNews, ValidateProfileForm
from keqing.customers import CustomerMemory
from keqing.kb.query import KnowledgeBase

DIAGNOSE, STRATEGY, NEXT, DETAIL = ActionDiagnose(), ActionGiveStrategy(), ActionNextStep(), ActionStepDetail()
OPPS, ANSWER, SCRIPT, CORRECT = ActionOpportunities(), ActionConfirm(), ActionScript(), ActionCorrectProfile()
REGRESSION, SWITCH, LIST, FORM = ActionNews(), ActionSwitchCustomer(), ActionListCustomers(), ValidateProfileForm()

WANG_TEXT = "王总说一不二,开会只听结论,我们现在大概占他们三成采购"
WANG_PROFILE = profile(
    style=dim("支配型", "说一不二", "只听结论"),
    stage=dim("初期合作", "三成", confidence=0.95),
    share=dim(30, "三成", confidence=0.95),
)


@pytest.fixture(autouse=True)
def _db_env(kb_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEQING_DB_URL", kb_url)


@pytest.fixture
def kb(kb_url: str) -> KnowledgeBase:
    return KnowledgeBase(kb_url)


def fresh_memory(url: str) -> CustomerMemory:
    """A CustomerMemory on a brand-new engine: nothing cached from the actions' process state."""
    return CustomerMemory(engine=create_engine(url, future=True))


async def describe_wang(rep: Rep):
    return await rep.say(DIAGNOSE, WANG_TEXT, "describe_customer", WANG_PROFILE, entities(customer="王总"))


# -- 1. diagnosis ----------------------------------------------------------------------------------
async def test_diagnosis_restates_evidence_and_stores_the_assessment(kb_url: str) -> None:
    rep = Rep()
    turn = await describe_wang(rep)
    assert len(turn.messages) == 1
    text = turn.text
    assert "王总" in text and "支配型(老虎)" in text
    assert "‘说一不二’" in text and "‘只听结论’" in text
    assert "初期合作" in text and "‘三成’" in text
    assert turn.slots() == {"customer": "王总", "style": "支配型", "motive": None, "grade": None,
                            "stage": "初期合作", "share": 30.0, "needs_share": False, "reply_kind": "diagnosis"}
    mem = fresh_memory(kb_url)
    stored = mem.profile(rep.channel, rep.sender, "王总")
    assert stored.get("style") == "支配型" and stored.get("stage") == "初期合作"
    assert stored.values["style"].evidence == ("说一不二", "只听结论")
    assert stored.values["style"].message == WANG_TEXT
    assert [h.stage for h in mem.stage_history(rep.channel, rep.sender, "王总")] == ["初期合作"]


async def test_new_evidence_overrides_per_dimension_and_stage_history_grows(kb_url: str) -> None:
    rep = Rep()
    await describe_wang(rep)
    turn = await rep.say(DIAGNOSE, "王总那边现在大部分量在我们这,他做事按流程走", "describe_customer",
                         profile(motive=dim("理智型", "按流程走"), stage=dim("稳定合作", "大部分量在我们这")),
                         entities(customer="王总"))
    assert "理智型" in turn.text and "‘按流程走’" in turn.text and "稳定合作" in turn.text
    assert "初期合作阶段 → 稳定合作阶段" in turn.text and "退了一步" not in turn.text
    slots = turn.slots()
    assert slots["style"] == "支配型" and slots["motive"] == "理智型" and slots["stage"] == "稳定合作"
    mem = fresh_memory(kb_url)
    assert [h.stage for h in mem.stage_history(rep.channel, rep.sender, "王总")] == ["初期合作", "稳定合作"]
    # and back: a regression is pointed out
    turn = await rep.say(DIAGNOSE, "王总那边又只占三成了", "provide_share",
                         profile(stage=dim("初期合作", "三成"), share=dim(30, "三成")), entities(customer="王总"))
    assert "稳定合作阶段 → 初期合作阶段" in turn.text and "退了一步" in turn.text


async def test_nothing_detected_asks_for_traits_and_creates_no_one(kb_url: str) -> None:
    rep = Rep()
    turn = await rep.say(DIAGNOSE, "嗯嗯", "describe_customer", profile())
    assert "说说他说话做事的特点" in turn.text
    assert len(turn.messages) == 1 and "customer" not in turn.slots()
    assert fresh_memory(kb_url).list_customers(rep.channel, rep.sender) == []


async def test_known_customer_mentioned_in_text_is_resolved(kb_url: str) -> None:
    rep = Rep()
    await describe_wang(rep)
    rep.slots["customer"] = None
    turn = await rep.say(DIAGNOSE, "王总最近特别爱要数据", "describe_customer", profile(style=dim("分析型", "要数据")))
    assert turn.slots()["customer"] == "王总" and turn.slots()["stage"] == "初期合作"
    # one remark does not overturn a reading from a full description: the reply says so
    assert "王总" in turn.text and "仍按支配型" in turn.text


# -- 10. the form ------------------------------------------------------------------------------------
async def test_a_nameless_description_is_kept_and_named_later(kb_url: str) -> None:
    rep = Rep()
    desc = "这人说一不二,只听结论"
    turn = await rep.say(DIAGNOSE, desc, "describe_customer", profile(style=dim("支配型", "说一不二", "只听结论")))
    assert "支配型(老虎)" in turn.text and "先记作“未具名”" in turn.text
    assert turn.slots()["customer"] == "未具名" and turn.slots()["needs_share"] is True
    # the name alone: the placeholder becomes 赵总, with what was said about it
    turn = await rep.say(DIAGNOSE, "赵总", "describe_customer", profile(), entities(customer="赵总"))
    assert "赵总(原“未具名”)" in turn.text and "支配型(老虎)" in turn.text
    assert turn.slots()["customer"] == "赵总" and turn.slots()["style"] == "支配型"
    mem = fresh_memory(kb_url)
    assert [c.display_name for c in mem.list_customers(rep.channel, rep.sender)] == ["赵总"]
    stored = mem.profile(rep.channel, rep.sender, "赵总")
    assert stored.get("style") == "支配型" and stored.values["style"].message == desc
    # the stage, from a share given while the form asks for it
    rep.slots["requested_slot"] = "stage"
    rep.events.append({"event": "slot", "name": "requested_slot", "value": "stage"})
    turn = await rep.say(FORM, "一半吧", "provide_share", profile(stage=dim("稳定合作", "一半"), share=dim(50, "一半")))
    assert turn.slots()["stage"] == "稳定合作" and turn.slots()["share"] == 50.0
    assert mem.profile(rep.channel, rep.sender, "赵总").get("stage") == "稳定合作"


async def test_he_is_called_renames_the_placeholder(kb_url: str) -> None:
    rep = Rep()
    await rep.say(DIAGNOSE, "新客户,采购部的,特别能聊,爱面子", "describe_customer",
                  profile(style=dim("表达型", "特别能聊", "爱面子")))
    placeholder = rep.slots["customer"]
    assert placeholder and "采购" in placeholder
    turn = await rep.say(DIAGNOSE, "他姓吴", "describe_customer", profile())
    assert turn.slots()["customer"].startswith("吴") and turn.slots()["style"] == "表达型"
    assert f"(原“{placeholder}”)" in turn.text
    names = [c.display_name for c in fresh_memory(kb_url).list_customers(rep.channel, rep.sender)]
    assert names == [turn.slots()["customer"]]


def _form_tracker(text: str, requested: str, intent: str = "nlu_fallback", **kw):
    return make_tracker(text, intent, slots={"requested_slot": requested}, **kw)


def test_extract_and_validate_stage() -> None:
    t = _form_tracker("三成", "stage", intent="provide_share",
                      prof=profile(stage=dim("初期合作", "三成"), share=dim(30, "三成")))
    assert FORM.extract_stage(None, t, DOMAIN) == {"stage": "初期合作"}
    assert FORM.extract_stage(None, _form_tracker("不清楚", "stage"), DOMAIN) == {}
    assert FORM.validate_stage("初期合作阶段", None, t, DOMAIN) == {"stage": "初期合作", "share": 30.0}
    assert FORM.validate_stage("胡说", None, t, DOMAIN) == {"stage": None}


def test_a_share_about_another_person_does_not_answer_the_form() -> None:
    other = make_tracker("马总那边我们占三成", "provide_share", prof=profile(stage=dim("初期合作", "三成"), share=dim(30, "三成")),
                         slots={"requested_slot": "stage", "customer": "何经理"})
    assert FORM.extract_stage(None, other, DOMAIN) == {}
    same = make_tracker("何经理那边我们占三成", "provide_share", prof=profile(stage=dim("初期合作", "三成"), share=dim(30, "三成")),
                        slots={"requested_slot": "stage", "customer": "何经理"})
    assert FORM.extract_stage(None, same, DOMAIN) == {"stage": "初期合作"}
    # a new description that happens to state a share is the description's, not the form's
    described = make_tracker("这人很强势,我们占三成", "describe_customer",
                             prof=profile(style=dim("支配型", "很强势"), stage=dim("初期合作", "三成"), share=dim(30, "三成")),
                             slots={"requested_slot": "stage", "customer": "何经理"})
    assert FORM.extract_stage(None, described, DOMAIN) == {}


async def test_form_run_sets_the_stage_and_share() -> None:
    rep = Rep()
    await describe_wang(rep)
    rep.slots.update({"requested_slot": "stage", "stage": None})
    rep.events.append({"event": "slot", "name": "requested_slot", "value": "stage"})
    turn = await rep.say(FORM, "一半左右", "provide_share", profile(stage=dim("稳定合作", "一半"), share=dim(50, "一半")))
    # rasa_sdk's FormValidationAction.run with our domain: extraction + validation events
    assert turn.slots().get("stage") == "稳定合作" and turn.slots().get("share") == 50.0


# -- 2. strategy -------------------------------------------------------------------------------------
async def test_strategy_has_the_objective_steps_style_advice_and_buttons(kb: KnowledgeBase) -> None:
    rep = Rep()
    await describe_wang(rep)
    turn = await rep.say(STRATEGY, "那我接下来该怎么跟进他", "ask_strategy")
    stage = kb.stage("初期合作")
    steps = kb.steps("初期合作")
    assert stage.objective in turn.text
    assert steps[0].title in turn.text and steps[1].title in turn.text
    assert kb.strategy("初期合作", style="支配型").communicate[0] in turn.text
    assert all(len(t) <= 600 for t in turn.texts)
    assert turn.titles == ["下一步", "展开讲讲", "机会点", "话术示例", "换个客户"]
    assert ("机会点", "/ask_opportunities") in turn.buttons


async def test_strategy_splits_long_advice_and_hides_opportunities_in_stable(kb: KnowledgeBase) -> None:
    rep = Rep()
    await rep.say(DIAGNOSE, "李经理很随和,按流程走,预算批了,大部分量在我们这", "describe_customer",
                  profile(style=dim("和蔼型", "很随和"), motive=dim("理智型", "按流程走"), grade=dim("A", "预算批了"),
                          stage=dim("稳定合作", "大部分量在我们这")), entities(customer="李经理"))
    turn = await rep.say(STRATEGY, "怎么跟进", "ask_strategy")
    assert kb.stage("稳定合作").objective in turn.text
    assert "理智型" in turn.text and "A类" in turn.text
    assert all(0 < len(t) <= 600 for t in turn.texts)
    assert "机会点" not in turn.titles and "下一步" in turn.titles
    assert turn.messages[-1].get("buttons") and not turn.messages[0].get("buttons") or len(turn.messages) == 1


async def test_strategy_without_stage_gives_style_advice_and_asks_for_share(kb: KnowledgeBase) -> None:
    rep = Rep()
    await rep.say(DIAGNOSE, "周总话不多,老是要数据", "describe_customer",
                  profile(style=dim("分析型", "话不多", "要数据")), entities(customer="周总"))
    turn = await rep.say(STRATEGY, "怎么跟进", "ask_strategy")
    communicate = kb.explain("分析型").details["communicate"]
    assert communicate[0] in turn.text
    assert "采购" in turn.text and "阶段" in turn.text
    nothing = await Rep().say(STRATEGY, "怎么跟进", "ask_strategy")
    assert "特点" in nothing.text


# -- 3. steps ------------------------------------------------------------------------------------------
async def test_next_step_advances_and_persists(kb_url: str, kb: KnowledgeBase) -> None:
    rep = Rep()
    await describe_wang(rep)
    steps = kb.steps("初期合作")
    for order in (1, 2, 3):
        turn = await rep.say(NEXT, "下一步", "ask_next_step")
        assert f"第{order}步/共{len(steps)}步 {steps[order - 1].title}" in turn.text
        assert steps[order - 1].summary in turn.text
        position = fresh_memory(kb_url).playbook_position(rep.channel, rep.sender, "王总")
        assert (position.stage, position.step_order) == ("初期合作", order)
    detail = await rep.say(DETAIL, "展开讲讲", "ask_detail")
    assert steps[2].title in detail.text
    assert all(d in detail.text for d in steps[2].details)
    assert steps[1].details[0] not in detail.text
    await rep.say(NEXT, "下一步", "ask_next_step")  # step 4 of 4
    done = await rep.say(NEXT, "下一步", "ask_next_step")
    assert "都走完了" in done.text
    assert fresh_memory(kb_url).playbook_position(rep.channel, rep.sender, "王总").step_order == len(steps)


async def test_detail_before_any_step_is_the_first_step(kb: KnowledgeBase) -> None:
    rep = Rep()
    await describe_wang(rep)
    turn = await rep.say(DETAIL, "具体怎么做", "ask_detail")
    first = kb.steps("初期合作")[0]
    assert first.title in turn.text and first.details[0] in turn.text
    nxt = await rep.say(NEXT, "下一步", "ask_next_step")
    assert "第2步" in nxt.text


async def test_next_step_names_another_customer_and_resumes_it(kb: KnowledgeBase) -> None:
    rep = Rep()
    await describe_wang(rep)
    await rep.say(NEXT, "下一步", "ask_next_step")
    await rep.say(NEXT, "下一步", "ask_next_step")
    await rep.say(DIAGNOSE, "李经理很随和,我们还是备选供应商", "describe_customer",
                  profile(style=dim("和蔼型", "很随和"), stage=dim("初期合作", "备选供应商")), entities(customer="李经理"))
    assert rep.slots["customer"] == "李经理"
    # another day: a new conversation, empty slots
    later = Rep(sender=rep.sender, channel=rep.channel)
    turn = await later.say(NEXT, "王总那边下一步做什么", "ask_next_step", ents=entities(customer="王总"))
    assert "王总" in turn.text and "第3步" in turn.text and kb.steps("初期合作")[2].title in turn.text
    assert turn.slots()["customer"] == "王总" and turn.slots()["style"] == "支配型"
    # no entity, the name is found in the text
    turn = await later.say(NEXT, "李经理那边接下来呢", "ask_next_step")
    assert turn.slots()["customer"] == "李经理" and "第1步" in turn.text


async def test_next_step_without_anything_known_asks() -> None:
    turn = await Rep().say(NEXT, "下一步", "ask_next_step")
    assert "特点" in turn.text
    rep = Rep()
    await rep.say(DIAGNOSE, "孙总说一不二", "describe_customer", profile(style=dim("支配型", "说一不二")),
                  entities(customer="孙总"))
    turn = await rep.say(NEXT, "下一步", "ask_next_step")
    assert "采购" in turn.text  # the stage is missing


# -- 3b. opportunities ------------------------------------------------------------------------------------
async def test_opportunity_checklist_asks_eight_questions_and_summarises(kb_url: str, kb: KnowledgeBase) -> None:
    rep = Rep()
    await describe_wang(rep)
    opps = kb.opportunities("初期合作")
    assert len(opps) == 8
    turn = await rep.say(OPPS, "有哪些机会点", "ask_opportunities")
    assert all(o.name in turn.text for o in opps) and "逐个过一遍" in turn.text
    assert all(len(t) <= 600 for t in turn.texts)
    assert turn.buttons == [("好", "/affirm"), ("不用", "/deny")]
    turn = await rep.say(ANSWER, "好", "affirm")  # yes, let us go through them: the first question
    assert opps[0].question in turn.text and "1/8" in turn.text
    assert turn.buttons == [("有", "/affirm"), ("没有", "/deny")]
    answers = [True, False, True, False, False, False, False, True]
    for i, present in enumerate(answers):
        turn = await rep.say(ANSWER, "有" if present else "没有", "affirm" if present else "deny")
        if i < 7:
            assert opps[i + 1].question in turn.text and f"{i + 2}/8" in turn.text
    summary = turn.text
    for opp, present in zip(opps, answers, strict=False):
        assert (opp.name in summary) == present, opp.name
    assert opps[0].description in summary
    assert kb.steps("初期合作")[2].details[0] in summary  # the tactic of 制造成功机会
    mem = fresh_memory(kb_url)
    notes = [n.text for n in mem.notes(rep.channel, rep.sender, "王总")]
    assert sum("机会点·" in n for n in notes) == 8
    recorded = {s.name for s in mem.signals(rep.channel, rep.sender, "王总")}
    assert recorded == {o.name for o, present in zip(opps, answers, strict=False) if present}
    # the checklist is over: another 有 is just acknowledged
    after = await rep.say(ANSWER, "有", "affirm")
    assert len(after.text) < 60 and "?" not in after.text
    # asked how to use what was found: the plan for those signals, not the list again
    plan = await rep.say(OPPS, "这几个机会我该怎么抓", "ask_opportunities")
    assert opps[0].name in plan.text and opps[1].name not in plan.text


async def test_affirm_outside_a_checklist_is_neutral() -> None:
    rep = Rep()
    await describe_wang(rep)
    turn = await rep.say(ANSWER, "好的", "affirm")
    assert turn.text and len(turn.text) < 60
    turn = await rep.say(ANSWER, "不用", "deny")
    assert turn.text and len(turn.text) < 60


async def test_checklist_interrupted_then_resumed_with_a_new_start(kb: KnowledgeBase) -> None:
    rep = Rep()
    await describe_wang(rep)
    opps = kb.opportunities("初期合作")
    await rep.say(OPPS, "机会点", "ask_opportunities")
    await rep.say(ANSWER, "好", "affirm")
    await rep.say(ANSWER, "有", "affirm")
    await rep.say(STRATEGY, "怎么跟进", "ask_strategy")
    off = await rep.say(ANSWER, "有", "affirm")  # not an answer any more
    assert opps[2].question not in off.text
    again = await rep.say(OPPS, "机会点", "ask_opportunities")
    assert "逐个过一遍" in again.text
    first = await rep.say(ANSWER, "好", "affirm")
    assert opps[0].question in first.text
    declined = await Rep().say(ANSWER, "不用", "deny", slots={"reply_kind": "opportunities"})
    assert "?" not in declined.text


async def test_opportunities_without_a_customer_list_them_and_ask_for_a_name() -> None:
    turn = await Rep().say(OPPS, "有哪些机会点", "ask_opportunities")
    assert "新产品上市" in turn.text and "说出客户的名字" in turn.text
    assert ("有", "/affirm") not in turn.buttons


# -- 5. regression -------------------------------------------------------------------------------------------
async def test_regression_warns_gives_repair_steps_and_next_walks_them(kb_url: str, kb: KnowledgeBase) -> None:
    rep = Rep()
    await describe_wang(rep)
    await rep.say(NEXT, "下一步", "ask_next_step")
    text = "最近他们开始从别家进货了"
    turn = await rep.say(REGRESSION, text, "report_regression")
    reg = kb.regression()
    assert "倒退" in turn.text
    assert all(st.title in turn.text for st in reg.steps)
    assert all(len(t) <= 600 for t in turn.texts)
    mem = fresh_memory(kb_url)
    assert [(g.kind, g.message) for g in mem.signals(rep.channel, rep.sender, "王总")] == [("regression", text)]
    assert mem.profile(rep.channel, rep.sender, "王总").get("style") == "支配型"  # news is not a description
    assert mem.playbook_position(rep.channel, rep.sender, "王总").stage == reg.name
    detail = await rep.say(DETAIL, "展开讲讲", "ask_detail")
    assert reg.steps[0].details[0] in detail.text
    nxt = await rep.say(NEXT, "那下一步怎么办", "ask_next_step")
    assert f"第2步/共{len(reg.steps)}步 {reg.steps[1].title}" in nxt.text
    for _ in range(len(reg.steps) - 2):
        await rep.say(NEXT, "下一步", "ask_next_step")
    back = await rep.say(NEXT, "下一步", "ask_next_step")
    assert "修复都走完了" in back.text and kb.steps("初期合作")[0].title in back.text


async def test_regression_with_a_lower_share_records_the_stage() -> None:
    rep = Rep()
    await rep.say(DIAGNOSE, "李经理那边大部分量在我们这", "describe_customer",
                  profile(stage=dim("稳定合作", "大部分量在我们这")), entities(customer="李经理"))
    turn = await rep.say(REGRESSION, "李经理那边份额掉到两成了", "report_regression",
                         profile(stage=dim("初期合作", "两成"), share=dim(20, "两成")), entities(customer="李经理"))
    assert turn.slots()["stage"] == "初期合作" and turn.slots()["share"] == 20.0
    assert "倒退" in turn.text


# -- 8. customers ------------------------------------------------------------------------------------------
async def test_list_and_switch_customers(kb: KnowledgeBase) -> None:
    rep = Rep()
    empty = await rep.say(LIST, "我的客户", "list_customers")
    assert "还没有客户" in empty.text
    await describe_wang(rep)
    await rep.say(NEXT, "下一步", "ask_next_step")
    await rep.say(DIAGNOSE, "李经理很随和", "describe_customer", profile(style=dim("和蔼型", "很随和")),
                  entities(customer="李经理"))
    turn = await rep.say(LIST, "我的客户", "list_customers")
    text = turn.text
    assert text.index("李经理") < text.index("王总")  # newest first
    assert "初期合作" in text and "支配型(老虎)" in text and "和蔼型(鸽子)" in text
    assert f"第1步 {kb.steps('初期合作')[0].title}" in text
    assert [t for t, _ in turn.buttons] == ["李经理", "王总"]
    # switch by name
    turn = await rep.say(SWITCH, "说说王总那边", "switch_customer", ents=entities(customer="王总"))
    assert turn.slots()["customer"] == "王总" and turn.slots()["stage"] == "初期合作"
    assert "王总" in turn.text and "第1步" in turn.text
    # switching and asking how in one message: the plan of the customer switched to
    await rep.say(SWITCH, "说说李经理", "switch_customer", ents=entities(customer="李经理"))
    turn = await rep.say(SWITCH, "王总这边先怎么突破", "switch_customer", ents=entities(customer="王总"))
    assert turn.slots()["customer"] == "王总" and turn.slots()["reply_kind"] == "strategy"
    assert kb.steps("初期合作")[0].title in turn.text
    # "换个客户" without a name: buttons
    turn = await rep.say(SWITCH, "换个客户", "switch_customer")
    assert {t for t, _ in turn.buttons} == {"王总", "李经理"}
    assert all(p.startswith("/switch_customer{") for _, p in turn.buttons)
    # unknown name: slots cleared for the new customer, asked to describe
    turn = await rep.say(SWITCH, "换到陈工", "switch_customer", ents=entities(customer="陈工"))
    assert turn.slots()["customer"] == "陈工" and turn.slots()["stage"] is None
    assert "陈工" in turn.text


async def test_switch_answers_the_forms_question_with_the_pending_description(kb_url: str) -> None:
    rep = Rep()
    desc = "这人很随和,就是拿不定主意"
    await rep.say(DIAGNOSE, desc, "describe_customer", profile(style=dim("和蔼型", "很随和")))
    rep.events.append({"event": "slot", "name": "requested_slot", "value": "customer"})
    turn = await rep.say(SWITCH, "张工", "switch_customer", ents=entities(customer="张工"))
    assert turn.slots()["customer"] == "张工" and turn.slots()["style"] == "和蔼型"
    stored = fresh_memory(kb_url).profile(rep.channel, rep.sender, "张工")
    assert stored.values["style"].message == desc


# -- isolation between reps ------------------------------------------------------------------------------------
async def test_reps_never_see_each_others_customers(kb_url: str) -> None:
    alice = Rep(sender="same-person", channel="rest")
    bob = Rep()  # another sender
    carol = Rep(sender="same-person", channel="wecom")  # same sender id, another channel
    await describe_wang(alice)
    await alice.say(NEXT, "下一步", "ask_next_step")
    await alice.say(NEXT, "下一步", "ask_next_step")
    await bob.say(DIAGNOSE, "王总很随和", "describe_customer", profile(style=dim("和蔼型", "很随和")),
                  entities(customer="王总"))
    for other in (bob, carol):
        listing = await other.say(LIST, "我的客户", "list_customers")
        assert "支配型" not in listing.text and "第2步" not in listing.text
        nxt = await other.say(NEXT, "王总那边下一步做什么", "ask_next_step", ents=entities(customer="王总"))
        assert "第3步" not in nxt.text
    carol_list = await carol.say(LIST, "我的客户", "list_customers")
    assert "还没有客户记录" in carol_list.text and not carol_list.buttons
    mem = fresh_memory(kb_url)
    assert mem.profile("rest", "same-person", "王总").get("style") == "支配型"
    assert mem.profile(bob.channel, bob.sender, "王总").get("style") == "和蔼型"
    assert mem.profile("wecom", "same-person", "王总") is None
    mine = await alice.say(NEXT, "王总那边下一步做什么", "ask_next_step", ents=entities(customer="王总"))
    assert "第3步" in mine.text


async def test_channel_defaults_to_rest_when_the_tracker_has_none(kb_url: str) -> None:
    rep = Rep(channel=None)  # type: ignore[arg-type]
    await describe_wang(rep)
    assert fresh_memory(kb_url).profile("rest", rep.sender, "王总") is not None


def test_every_action_in_the_domain_is_registered() -> None:
    import inspect

    import yaml
    from rasa_sdk import Action
    from rasa_sdk.executor import ActionExecutor
    from rasa_sdk.utils import all_subclasses

    from keqing.settings import REPO_ROOT

    domain = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
    executor = ActionExecutor()
    executor.register_package("actions")
    ours = {cls().name() for cls in all_subclasses(Action)
            if cls.__module__.startswith("actions.") and not inspect.isabstract(cls)}
    assert ours == set(domain["actions"])
    assert ours <= set(executor.actions)


async def test_through_the_action_server_executor(kb_url: str) -> None:
    """The way `rasa run actions` calls us: JSON in, JSON-serialisable events and responses out."""
    import json

    import yaml
    from rasa_sdk.executor import ActionExecutor

    from keqing.settings import REPO_ROOT

    domain = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
    executor = ActionExecutor()
    executor.register_package("actions")
    tracker = make_tracker(WANG_TEXT, "describe_customer", entities(customer="王总"), WANG_PROFILE,
                           sender="executor-rep", channel="rest")
    call = {"next_action": "action_diagnose", "sender_id": "executor-rep", "tracker": tracker.current_state(),
            "domain": domain, "version": "3.6.2"}
    call["tracker"]["events"] = tracker.events
    result = json.loads(json.dumps(await executor.run(call), ensure_ascii=False))
    assert "‘说一不二’" in result["responses"][0]["text"]
    assert {"event": "slot", "timestamp": None, "name": "stage", "value": "初期合作"} in result["events"]
    # the form, with the domain's real form definition
    tracker = make_tracker("一半吧", "provide_share", prof=profile(stage=dim("稳定合作", "一半"), share=dim(50, "一半")),
                           slots={"requested_slot": "stage", "customer": "王总"}, sender="executor-rep")
    call = {"next_action": "validate_profile_form", "sender_id": "executor-rep", "tracker": tracker.current_state(),
            "domain": domain, "version": "3.6.2"}
    call["tracker"]["events"] = tracker.events
    result = await executor.run(call)
    slots = {e["name"]: e["value"] for e in result["events"] if e["event"] == "slot"}
    assert slots["stage"] == "稳定合作" and slots["share"] == 50.0


async def test_news_about_the_company_is_news_even_with_a_fairly_sure_style_reading(kb_url: str) -> None:
    rep = Rep()
    await describe_wang(rep)
    text = "他们下半年要扩一条新生产线,主要接出口订单"
    turn = await rep.say(DIAGNOSE, text, "describe_customer", profile(style=dim("表达型", "出口", confidence=0.85)))
    assert turn.slots()["reply_kind"] == "news" and "新产品上市" in turn.text
    mem = fresh_memory(kb_url)
    assert mem.profile(rep.channel, rep.sender, "王总").get("style") == "支配型"
    assert [g.message for g in mem.signals(rep.channel, rep.sender, "王总")] == [text]


async def test_a_checklist_answer_read_as_a_description_still_answers_the_question(kb_url: str,
                                                                                   kb: KnowledgeBase) -> None:
    rep = Rep()
    await describe_wang(rep)
    opps = kb.opportunities("初期合作")
    await rep.say(OPPS, "有哪些机会点", "ask_opportunities")
    await rep.say(ANSWER, "好", "affirm")
    # the model reads the details as a description of the boss: it is the answer to question 1
    turn = await rep.say(DIAGNOSE, "有的,他们下个月要出一款新机型", "describe_customer",
                         profile(motive=dim("任务型", "下个月", confidence=0.8)))
    assert opps[1].question in turn.text and "2/8" in turn.text
    turn = await rep.say(DIAGNOSE, "没有,这块他们一直很稳定", "describe_customer", profile(style=dim("和蔼型", "稳定")))
    assert opps[2].question in turn.text and "3/8" in turn.text
    mem = fresh_memory(kb_url)
    # question 1 answered yes, and the signal the rep named in that answer is kept too
    assert {s.name for s in mem.signals(rep.channel, rep.sender, "王总")} == {opps[0].name, "新产品上市"}
    assert mem.profile(rep.channel, rep.sender, "王总").get("style") == "支配型"
    turn = await rep.say(DIAGNOSE, "有,他们现在的供应商上个月出了质量问题,整批退货", "describe_customer",
                         profile(motive=dim("理智型", "质量", confidence=0.8)))
    assert opps[3].question in turn.text and "4/8" in turn.text
    assert "产品质量" in {s.name for s in fresh_memory(kb_url).signals(rep.channel, rep.sender, "王总")}


@pytest.mark.parametrize("text,first", [("好，一个个过", True), ("挨个来吧", True), ("不用了", False)])
async def test_the_offer_to_go_through_the_signals_is_answered_in_words(kb: KnowledgeBase, text: str,
                                                                         first: bool) -> None:
    rep = Rep()
    await describe_wang(rep)
    opps = kb.opportunities("初期合作")
    await rep.say(OPPS, "有哪些机会点", "ask_opportunities")
    # the model may read a "go ahead" as anything, here as a description with nothing in it
    turn = await rep.say(DIAGNOSE, text, "describe_customer")
    assert (opps[0].question in turn.text and "1/8" in turn.text) == first
