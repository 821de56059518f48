"""Managing people by chat through the actions: renaming, deleting with a confirmation, several people in
one message, the account map, key-people questions, and fallbacks that name a customer (SQLite and
PostgreSQL)."""
from __future__ import annotations

import pytest
from actions_support import Rep, dim, entities, profile

from actions.customers import (
    ActionConfirm,
    ActionDeleteCustomer,
    ActionListCustomers,
    ActionRenameCustomer,
    ActionRephrase,
)
from actions.followups import ActionAccountMap
from actions.knowledge import ActionCompliance, ActionKeyPeople
from actions.playbook import ActionMore, ActionScript
from actions.profile import ActionDiagnose
from keqing.customers import CustomerMemory

DIAGNOSE, RENAME, DELETE, CONFIRM = ActionDiagnose(), ActionRenameCustomer(), ActionDeleteCustomer(), ActionConfirm()
LIST, KEY, MAP, REPHRASE = ActionListCustomers(), ActionKeyPeople(), ActionAccountMap(), ActionRephrase()


@pytest.fixture(autouse=True)
def _db_env(kb_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEQING_DB_URL", kb_url)


def names(url: str, rep: Rep) -> list:
    return sorted(c.display_name for c in CustomerMemory(url).list_customers(rep.channel, rep.sender))


async def _wang(rep: Rep, name: str = "王总") -> None:
    await rep.say(DIAGNOSE, f"{name}说话很冲,什么都要他亲自拍板", "describe_customer",
                  profile(style=dim("支配型", "说话很冲", "拍板")), entities(customer=name))


@pytest.mark.parametrize("text, old, new", [
    ("名字记错了,不是王总,是汪总,三点水那个汪。", "王总", "汪总"),
    ("不是王总,名字记错了,是黄总。", "王总", "黄总"),
    ("王总改名成王志强", "王总", "王志强"),
    ("把王总改成王工", "王总", "王工"),
])
async def test_renaming_keeps_the_record(kb_url: str, text: str, old: str, new: str) -> None:
    rep = Rep()
    await _wang(rep, old)
    turn = await rep.say(RENAME, text, "rename_customer")
    assert new in turn.text and turn.slots()["customer"] == new and turn.slots()["style"] == "支配型"
    assert names(kb_url, rep) == [new]


async def test_rename_without_a_new_name_asks() -> None:
    rep = Rep()
    await _wang(rep)
    turn = await rep.say(RENAME, "名字记错了", "rename_customer")
    assert "改成什么名字" in turn.text


async def test_delete_asks_then_keeps_or_deletes(kb_url: str) -> None:
    rep = Rep()
    await _wang(rep)
    await _wang(rep, "李工")
    ask = await rep.say(DELETE, "删掉王总", "delete_customer")
    assert "确定删除王总" in ask.text and ask.slots()["pending_delete"] == "王总"
    # "算了,先别删了" can be read as another delete request: it keeps the record
    keep = await rep.say(DELETE, "算了,先别删了", "delete_customer")
    assert "不删" in keep.text and keep.slots()["pending_delete"] is None
    assert names(kb_url, rep) == ["李工", "王总"]
    await rep.say(DELETE, "删掉王总", "delete_customer")
    # "对 删" reads like a delete request too: it confirms the pending one, not the current customer
    done = await rep.say(DELETE, "对 删", "delete_customer")
    assert "已删除王总" in done.text
    assert names(kb_url, rep) == ["李工"]


async def test_a_short_answer_to_the_delete_question_wins_over_the_intent(kb_url: str) -> None:
    rep = Rep()
    await _wang(rep)
    await _wang(rep, "李工")
    await rep.say(DELETE, "把李工删了吧", "delete_customer")
    # the model may read "确定" as a description (a grade-A cue): it is the answer to the question
    done = await rep.say(DIAGNOSE, "确定", "describe_customer", profile(grade=dim("A", "确定")))
    assert "已删除李工" in done.text and names(kb_url, rep) == ["王总"]
    await rep.say(DELETE, "把王总删了吧", "delete_customer")
    kept = await rep.say(DIAGNOSE, "不了", "describe_customer")
    assert "不删" in kept.text and names(kb_url, rep) == ["王总"]
    after = await rep.say(DIAGNOSE, "确定", "describe_customer", profile(grade=dim("A", "确定")))
    assert "已删除" not in after.text and "王总" in names(kb_url, rep)  # nothing pending any more


async def test_a_person_only_mentioned_is_not_described(kb_url: str) -> None:
    rep = Rep()
    await rep.say(DIAGNOSE, "老周说一不二", "describe_customer", profile(style=dim("支配型", "说一不二")),
                  entities(customer="老周"))
    text = "然后小林是他手下的工程师,做事特别死板,每个数据都要核对三遍,这人比老周还难搞"
    part = profile(style=dim("分析型", "每个数据", "核对"))
    people = [{"name": "小林", "start": 2, "end": 4, "segment": [0, len(text)], "clauses": [[0, len(text)]],
               "customer_profile": part}]
    turn = await rep.say(DIAGNOSE, text, "describe_customer", part, extra={"people": people})
    assert "小林" in turn.text and "老周" not in turn.text
    mem = CustomerMemory(kb_url)
    assert mem.profile(rep.channel, rep.sender, "老周").get("style") == "支配型"
    assert mem.profile(rep.channel, rep.sender, "小林").get("style") == "分析型"


async def test_roles_come_from_each_persons_own_clauses(kb_url: str) -> None:
    rep = Rep()
    text = "恒达机电的老板龙总,他是最后拍板的。还有个技术顾问老杜,一直帮竞争对手说话"
    split = text.index("还有")
    people = [
        {"name": "龙总", "clauses": [[0, split]], "customer_profile": profile(style=dim("支配型", "拍板"))},
        {"name": "老杜", "clauses": [[split, len(text)]], "customer_profile": profile()},
    ]
    await rep.say(DIAGNOSE, text, "describe_customer", profile(style=dim("支配型", "拍板")), extra={"people": people})
    mem = CustomerMemory(kb_url)
    long, du = mem.get_customer(rep.channel, rep.sender, "龙总"), mem.get_customer(rep.channel, rep.sender, "老杜")
    assert (long.role, du.role) == ("决策者", "反对者")
    assert long.account == du.account == "恒达机电"
    # the account map, asked by the account's name
    turn = await rep.say(KEY, "恒达机电那边谁说了算?", "ask_key_people")
    assert turn.slots()["reply_kind"] == "account_map"
    assert "龙总" in turn.text and "决策者" in turn.text and "反对者" in turn.text


async def test_a_statement_about_people_is_a_description(kb_url: str) -> None:
    rep = Rep()
    turn = await rep.say(KEY, "晏总是决策者,最后都是他拍板", "ask_key_people", profile(style=dim("支配型", "拍板")))
    assert turn.slots()["reply_kind"] == "diagnosis" and names(kb_url, rep) == ["晏总"]


async def test_single_contact_warning_in_the_account_map() -> None:
    rep = Rep()
    await rep.say(DIAGNOSE, "宏远机械的采购张工很细", "describe_customer", profile(style=dim("分析型", "很细")),
                  entities(customer="张工"))
    turn = await rep.say(MAP, "他们公司谁说了算", "ask_account_map")
    assert "单线联系" in turn.text and "拍板" in turn.text


async def test_a_supporter_question_gets_supporter_advice() -> None:
    rep = Rep()
    turn = await rep.say(KEY, "那小潘这种愿意帮我们的人,怎么用好?", "ask_key_people")
    assert "内部支持者" in turn.text and "个人好处" in turn.text


async def test_fallback_naming_a_customer_gives_their_summary() -> None:
    rep = Rep()
    await _wang(rep)
    turn = await rep.say(REPHRASE, "王总现在什么情况?", "nlu_fallback")
    assert turn.slots()["reply_kind"] == "customer_summary" and "王总" in turn.text
    other = await rep.say(REPHRASE, "啊这个那个", "nlu_fallback")
    assert other.slots()["reply_kind"] == "rephrase" and "换个说法" in other.text


async def test_a_benefit_question_of_unknown_tactic_gets_the_general_boundaries() -> None:
    turn = await Rep().say(ActionCompliance(), "你能直接帮我给滕总发个微信吗", "ask_improper_benefit",
                           extra={"compliance": {"verdict": "none"}})
    assert turn.slots()["reply_kind"] == "compliance_general" and "月饼" not in turn.text
    conflict = await Rep().say(ActionCompliance(), "能不能想办法让老郭跟晏总闹矛盾,把他架空", "ask_improper_benefit",
                               extra={"compliance": {"verdict": "none"}})
    assert conflict.slots()["compliance_topic"] == "compliance.internal_conflict"


async def test_more_scripts_after_a_script() -> None:
    rep = Rep()
    await _wang(rep)
    first = await rep.say(ActionScript(), "给我一段话术", "ask_script")
    more = await rep.say(ActionMore(), "还有别的说法吗", "ask_more")
    assert more.slots()["reply_kind"] == "script" and more.text
    assert not set(more.texts[0].splitlines()[1:]) & set(first.texts[0].splitlines()[1:])


async def test_a_message_saying_the_name_was_wrong_renames_whatever_the_intent(kb_url: str) -> None:
    # the model may read it as a correction of the profile; the wording says the name was wrong
    from actions.profile import ActionCorrectProfile

    rep = Rep()
    await _wang(rep, "Jason")
    turn = await rep.say(ActionCorrectProfile(), "sorry名字搞错了，他叫Jackson，不是Jason", "correct_profile")
    assert "Jackson" in turn.text and turn.slots()["customer"] == "Jackson" and turn.slots()["style"] == "支配型"
    assert names(kb_url, rep) == ["Jackson"]


@pytest.mark.parametrize("text", ["决策链上的人我该怎么一个个去做工作", "真正的decision maker是谁我都搞不清，怎么找"])
async def test_a_question_about_the_buying_committee_gets_key_people_advice_whatever_the_intent(text: str) -> None:
    from actions.playbook import ActionGiveStrategy

    rep = Rep()
    await _wang(rep)
    turn = await rep.say(ActionGiveStrategy(), text, "ask_strategy")
    assert turn.slots()["reply_kind"] == "key_people"


async def test_a_statement_about_roles_is_not_a_key_people_question(kb_url: str) -> None:
    rep = Rep()
    await _wang(rep)
    turn = await rep.say(DIAGNOSE, "王总是决策者，拍板很快", "describe_customer", profile(style=dim("支配型", "拍板很快")))
    assert turn.slots()["reply_kind"] != "key_people"


async def test_a_switch_read_as_a_description_switches(kb_url: str) -> None:
    rep = Rep()
    await _wang(rep)
    await _wang(rep, "李工")
    turn = await rep.say(DIAGNOSE, "我们接着聊王总", "describe_customer")
    assert turn.slots()["customer"] == "王总" and turn.slots()["reply_kind"] == "customer_summary"


@pytest.mark.parametrize("text,kind", [("要是他们老板一直不见我呢", "key_people"), ("那接下来该咋办呢", "strategy")])
async def test_a_question_read_as_a_description_is_answered_not_stored(kb_url: str, text: str, kind: str) -> None:
    rep = Rep()
    await _wang(rep)
    turn = await rep.say(DIAGNOSE, text, "describe_customer")
    assert turn.slots()["reply_kind"] == kind
    assert names(kb_url, rep) == ["王总"]


@pytest.mark.parametrize("text,old,new", [("打错了 是Annie 不是Amy", "Amy", "Annie"),
                                          ("老叶这个叫法不对，他是叶总", "老叶", "叶总"),
                                          ("哎不对 是欧阳总监 不是欧阳经理", "欧阳经理", "欧阳总监")])
async def test_short_swaps_of_a_stored_name_rename(kb_url: str, text: str, old: str, new: str) -> None:
    rep = Rep()
    await _wang(rep, old)
    turn = await rep.say(CONFIRM, text, "affirm")
    assert turn.slots()["customer"] == new and names(kb_url, rep) == [new]


async def test_a_traditional_yes_confirms_a_delete(kb_url: str) -> None:
    rep = Rep()
    await _wang(rep)
    await _wang(rep, "邱小姐")
    await rep.say(DELETE, "刪除邱小姐", "delete_customer")
    turn = await rep.say(DIAGNOSE, "確定", "describe_customer")
    assert names(kb_url, rep) == ["王总"] and turn.slots()["reply_kind"] == "deleted"


async def test_roles_without_per_person_readings_come_from_each_name_onwards(kb_url: str) -> None:
    rep = Rep()
    await rep.say(DIAGNOSE, "宁总性格温和,什么都好商量", "describe_customer", profile(style=dim("和蔼型", "好商量")),
                  entities(customer="宁总"))
    await rep.say(DIAGNOSE, "戴主任很强势,说一不二", "describe_customer", profile(style=dim("支配型", "说一不二")),
                  entities(customer="戴主任"))
    await rep.say(DIAGNOSE, "这回宁总是决策者,戴主任负责质量把关", "describe_customer", profile())
    mem = CustomerMemory(kb_url)
    ning, dai = mem.get_customer(rep.channel, rep.sender, "宁总"), mem.get_customer(rep.channel, rep.sender, "戴主任")
    assert (ning.role, dai.role) == ("决策者", "把关者")


async def test_another_person_by_role_is_a_new_record(kb_url: str) -> None:
    rep = Rep()
    await rep.say(DIAGNOSE, "柯工负责技术把关,看东西很细", "describe_customer", profile(style=dim("分析型", "很细")),
                  entities(customer="柯工"))
    await rep.say(DIAGNOSE, "另外他们的采购经理很爱热闹,喜欢被捧", "describe_customer",
                  profile(style=dim("表达型", "爱热闹")))
    mem = CustomerMemory(kb_url)
    assert mem.profile(rep.channel, rep.sender, "柯工").get("style") == "分析型"
    assert len(names(kb_url, rep)) == 2


async def test_who_decides_at_a_named_account_is_the_account_map(kb_url: str) -> None:
    rep = Rep()
    await rep.say(DIAGNOSE, "嘉禾电子的采购总监柏总很细", "describe_customer", profile(style=dim("分析型", "很细")),
                  entities(customer="柏总"))
    turn = await rep.say(KEY, "嘉禾电子那边是谁在做决定", "ask_key_people")
    assert turn.slots()["reply_kind"] == "account_map" and "柏总" in turn.text


async def test_knowing_only_one_person_gets_advice_on_reaching_more() -> None:
    rep = Rep()
    await rep.say(DIAGNOSE, "嘉禾电子的采购总监柏总很细", "describe_customer", profile(style=dim("分析型", "很细")),
                  entities(customer="柏总"))
    turn = await rep.say(MAP, "他们那边关键的人还有谁?我只认识柏总", "ask_account_map")
    assert turn.slots()["reply_kind"] == "key_people"
    intro = await rep.say(REPHRASE, "怎么让柏总帮我引荐一下他们老板?", "out_of_scope")
    assert intro.slots()["reply_kind"] == "key_people"


async def test_a_small_branded_gift_is_a_grey_area_not_a_refusal() -> None:
    turn = await Rep().say(ActionCompliance(), "中秋寄点印了公司logo的台历给客户可以吗", "ask_improper_benefit",
                           extra={"compliance": {"verdict": "none"}})
    assert turn.slots()["reply_kind"] == "grey_area"


async def test_a_full_name_given_renames_but_a_slip_about_an_order_does_not(kb_url: str) -> None:
    rep = Rep()
    await rep.say(DIAGNOSE, "小谢做事按流程,只求不出错", "describe_customer", profile(motive=dim("任务型", "不出错")),
                  entities(customer="小谢"))
    turn = await rep.say(DIAGNOSE, "小谢全名叫谢敏,以后就叫她谢敏", "describe_customer", profile())
    assert turn.slots()["reply_kind"] == "rename" and names(kb_url, rep) == ["谢敏"]
    slip = await rep.say(DIAGNOSE, "不对,我记错了,谢敏那单根本没批下来", "correct_profile", profile(grade=dim("D", "没批下来")))
    assert slip.slots()["reply_kind"] != "rename" and names(kb_url, rep) == ["谢敏"]


async def test_how_to_act_in_words_the_model_did_not_place_gets_the_strategy() -> None:
    rep = Rep()
    await _wang(rep)
    turn = await rep.say(REPHRASE, "那我报价要怎么调", "nlu_fallback")
    assert turn.slots()["reply_kind"] == "strategy"
    first = await rep.say(REPHRASE, "那我应该先搞定谁?", "nlu_fallback")
    assert first.slots()["reply_kind"] == "key_people"
