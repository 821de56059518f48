"""Customer memory (migration 0002) on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date

import pytest

from keqing.customers import CustomerMemory, UnknownCustomer
from keqing.db import KeqingDBError, MemoryUnavailable, migrate

CH = "rest"


@pytest.fixture
def mem(db_url: str) -> CustomerMemory:
    migrate(db_url)
    return CustomerMemory(db_url)


def _profile(style=None, stage=None, share=None, motive=None, grade=None) -> dict:
    def dim(value, evidence):
        return None if value is None else {"value": value, "confidence": 0.9, "evidence": evidence}

    return {
        "style": dim(style, ["说一不二"]),
        "motive": dim(motive, ["按流程走"]),
        "stage": dim(stage, ["三成"]),
        "grade": dim(grade, ["有预算"]),
        "share": dim(share, ["三成"]),
    }


# -- customers ------------------------------------------------------------------------------
def test_customer_names_are_normalised(mem: CustomerMemory) -> None:
    a = mem.get_or_create_customer(CH, "u1", "李经理那边")
    assert (a.display_name, a.key) == ("李经理", "李经理")
    assert mem.get_or_create_customer(CH, "u1", "李經理的事").id == a.id  # Traditional + suffix
    assert mem.get_or_create_customer(CH, "u1", "客户李经理").id == a.id
    assert mem.get_customer(CH, "u1", "李经理这边").id == a.id
    assert mem.get_customer(CH, "u1", "王总") is None
    assert [c.display_name for c in mem.list_customers(CH, "u1")] == ["李经理"]


def test_find_customer_in_text(mem: CustomerMemory) -> None:
    li = mem.get_or_create_customer(CH, "u1", "李经理")
    wang = mem.get_or_create_customer(CH, "u1", "王总")
    wangzj = mem.get_or_create_customer(CH, "u1", "王总监")
    assert mem.find_customer(CH, "u1", "说说李经理那边") == li
    assert mem.find_customer(CH, "u1", "說說李經理那邊吧") == li
    assert mem.find_customer(CH, "u1", "王总最近怎么样") == wang
    assert mem.find_customer(CH, "u1", "王总监又压价了") == wangzj  # longest name wins
    assert mem.find_customer(CH, "u1", "张工那边怎么办") is None
    assert mem.find_customer(CH, "u2", "说说李经理那边") is None  # other rep knows no 李经理


def test_last_customer_and_list_order(mem: CustomerMemory) -> None:
    assert mem.last_customer(CH, "u1") is None
    mem.get_or_create_customer(CH, "u1", "李经理")
    mem.get_or_create_customer(CH, "u1", "王总")
    assert mem.last_customer(CH, "u1").display_name == "王总"
    mem.add_note(CH, "u1", "李经理", "周三拜访")
    assert mem.last_customer(CH, "u1").display_name == "李经理"
    assert [c.display_name for c in mem.list_customers(CH, "u1")] == ["李经理", "王总"]
    mem.touch_customer(CH, "u1", "王总")
    assert mem.last_customer(CH, "u1").display_name == "王总"


# -- profile ------------------------------------------------------------------------------
def test_assessment_and_profile(mem: CustomerMemory) -> None:
    assert mem.record_assessment(CH, "u1", "王总", _profile(), "你好") is None  # nothing to store
    mem.record_assessment(CH, "u1", "王总", _profile(style="支配型", stage="初期合作", share=30), "王总说一不二，三成")
    mem.record_assessment(CH, "u1", "王总", _profile(motive="理智型", grade="A"), "按流程走，有预算")
    prof = mem.profile(CH, "u1", "王总那边")
    assert prof.get("style") == "支配型" and prof.get("motive") == "理智型" and prof.get("grade") == "A"
    assert prof.get("stage") == "初期合作" and prof.get("share") == 30
    assert prof.values["style"].evidence == ("说一不二",) and prof.values["style"].message == "王总说一不二，三成"
    as_dict = prof.as_dict()
    assert as_dict["style"] == {"value": "支配型", "confidence": 0.9, "evidence": ["说一不二"]}
    assert set(as_dict) == {"style", "motive", "stage", "grade", "share"}
    # later assessments replace earlier ones per dimension
    mem.record_assessment(CH, "u1", "王总", _profile(style="分析型"), "其实他很抠细节")
    assert mem.profile(CH, "u1", "王总").get("style") == "分析型"
    assert mem.profile(CH, "u1", "李经理") is None


def test_corrections_override_assessments(mem: CustomerMemory) -> None:
    mem.record_assessment(CH, "u1", "王总", _profile(style="支配型", stage="初期合作", share=30), "王总说一不二，三成")
    corr = mem.record_correction(CH, "u1", "王总", "style", "分析型", correction_message="不对，他是猫头鹰")
    assert (corr.old_value, corr.new_value) == ("支配型", "分析型")
    assert corr.original_message == "王总说一不二，三成"
    assert mem.profile(CH, "u1", "王总").get("style") == "分析型"
    # a later NLU guess does not undo what the rep said about the person...
    mem.record_assessment(CH, "u1", "王总", _profile(style="支配型"), "他拍板很快")
    assert mem.profile(CH, "u1", "王总").values["style"].source == "correction"
    # ...but stage/share follow the latest statement
    mem.record_correction(CH, "u1", "王总", "share", 60, correction_message="不是三成，是六成")
    assert mem.profile(CH, "u1", "王总").get("share") == 60
    mem.record_assessment(CH, "u1", "王总", _profile(stage="战略合作", share=85), "现在85%")
    prof = mem.profile(CH, "u1", "王总")
    assert (prof.get("stage"), prof.get("share")) == ("战略合作", 85)
    assert [c.dimension for c in mem.corrections(CH, "u1", "王总")] == ["style", "share"]


def test_invalid_values_are_rejected(mem: CustomerMemory) -> None:
    with pytest.raises(ValueError):
        mem.record_assessment(CH, "u1", "王总", {"style": {"value": "老虎", "confidence": 1, "evidence": []}})
    with pytest.raises(ValueError):
        mem.record_correction(CH, "u1", "王总", "mood", "happy")
    with pytest.raises(ValueError):
        mem.set_stage(CH, "u1", "王总", "开发", share=120)
    with pytest.raises(ValueError):
        mem.get_or_create_customer(CH, "u1", "  ，")  # no name at all
    assert mem.list_customers(CH, "u1") == []


# -- stage, playbook ----------------------------------------------------------------------------
def test_stage_history_and_regression(mem: CustomerMemory) -> None:
    first = mem.set_stage(CH, "u1", "王总", "初期合作", 30, "首次记录")
    assert first.previous is None and not first.regressed and not first.advanced
    up = mem.set_stage(CH, "u1", "王总", "稳定合作", 60, "拿下主供")
    assert up.advanced and up.previous == "初期合作"
    down = mem.set_stage(CH, "u1", "王总", "初期合作", 20, "开始从别家进货")
    assert down.regressed and down.previous == "稳定合作"
    history = mem.stage_history(CH, "u1", "王总")
    assert [(h.stage, h.share) for h in history] == [("初期合作", 30), ("稳定合作", 60), ("初期合作", 20)]
    assert history[-1].reason == "开始从别家进货"
    assert mem.profile(CH, "u1", "王总").get("share") == 20


def test_playbook_position(mem: CustomerMemory) -> None:
    assert mem.playbook_position(CH, "u1", "王总") is None
    with pytest.raises(ValueError):
        mem.advance_step(CH, "u1", "王总")  # no stage known yet
    mem.set_stage(CH, "u1", "王总", "开发", 0)
    assert mem.advance_step(CH, "u1", "王总").step_order == 1  # starts at the profile's stage
    assert mem.advance_step(CH, "u1", "王总", max_order=3).step_order == 2
    assert mem.advance_step(CH, "u1", "王总", max_order=3).step_order == 3
    assert mem.advance_step(CH, "u1", "王总", max_order=3).step_order == 3  # capped
    pos = mem.advance_step(CH, "u1", "王总", stage="初期合作")
    assert (pos.stage, pos.step_order) == ("初期合作", 1)  # new stage restarts
    mem.set_playbook_position(CH, "u1", "王总", "稳定合作", 4)
    pos = mem.playbook_position(CH, "u1", "王总")
    assert (pos.stage, pos.step_order) == ("稳定合作", 4)


def test_notes_and_next_actions(mem: CustomerMemory) -> None:
    mem.add_note(CH, "u1", "王总", "喜欢看数据")
    mem.add_note(CH, "u1", "王总", "下周出差")
    assert [n.text for n in mem.notes(CH, "u1", "王总")] == ["喜欢看数据", "下周出差"]
    late = mem.add_next_action(CH, "u1", "王总", "发报价", date(2030, 5, 2))
    mem.add_next_action(CH, "u1", "王总", "约技术交流", date(2030, 5, 1))
    mem.add_next_action(CH, "u1", "李经理", "回访")
    assert [a.text for a in mem.next_actions(CH, "u1", "王总")] == ["约技术交流", "发报价"]
    assert [a.text for a in mem.next_actions(CH, "u1")] == ["约技术交流", "发报价", "回访"]
    assert mem.complete_action(CH, "u1", late.id)
    assert [a.text for a in mem.next_actions(CH, "u1", "王总")] == ["约技术交流"]
    done = [a for a in mem.next_actions(CH, "u1", "王总", include_done=True) if a.done]
    assert done[0].id == late.id and done[0].done_at is not None and done[0].due == date(2030, 5, 2)


def test_delete_customer_removes_everything(mem: CustomerMemory) -> None:
    mem.record_assessment(CH, "u1", "王总", _profile(style="支配型"), "x")
    mem.add_note(CH, "u1", "王总", "n")
    mem.set_stage(CH, "u1", "王总", "开发")
    assert mem.delete_customer(CH, "u1", "王总")
    assert mem.profile(CH, "u1", "王总") is None and mem.notes(CH, "u1", "王总") == []
    assert not mem.delete_customer(CH, "u1", "王总")


# -- isolation between reps ------------------------------------------------------------------------
def test_reps_never_see_each_others_customers(mem: CustomerMemory) -> None:
    a = mem.get_or_create_customer(CH, "rep-a", "王总")
    b = mem.get_or_create_customer(CH, "rep-b", "王总")
    assert a.id != b.id
    mem.record_assessment(CH, "rep-a", "王总", _profile(style="支配型", stage="初期合作", share=30), "A 的王总")
    mem.record_assessment(CH, "rep-b", "王总", _profile(style="和蔼型"), "B 的王总")
    mem.record_correction(CH, "rep-a", "王总", "grade", "A", correction_message="A 类")
    mem.set_stage(CH, "rep-a", "王总", "稳定合作", 60)
    mem.set_playbook_position(CH, "rep-a", "王总", "稳定合作", 2)
    mem.add_note(CH, "rep-a", "王总", "A 的笔记")
    action = mem.add_next_action(CH, "rep-a", "王总", "A 的待办")
    mem.add_next_action(CH, "rep-a", "李经理", "A 的另一个客户")

    pa, pb = mem.profile(CH, "rep-a", "王总"), mem.profile(CH, "rep-b", "王总")
    assert (pa.get("style"), pa.get("grade"), pa.get("stage")) == ("支配型", "A", "稳定合作")
    assert (pb.get("style"), pb.get("grade"), pb.get("stage"), pb.get("share")) == ("和蔼型", None, None, None)
    assert mem.notes(CH, "rep-b", "王总") == []
    assert mem.next_actions(CH, "rep-b") == []
    assert mem.corrections(CH, "rep-b", "王总") == []
    assert mem.stage_history(CH, "rep-b", "王总") == []
    assert mem.playbook_position(CH, "rep-b", "王总") is None
    assert [c.display_name for c in mem.list_customers(CH, "rep-b")] == ["王总"]
    assert mem.find_customer(CH, "rep-b", "李经理怎么样") is None
    assert not mem.complete_action(CH, "rep-b", action.id)  # cannot touch rep-a's action
    # a Customer object of rep-a is refused for rep-b, for reads and writes
    assert mem.profile(CH, "rep-b", a) is None
    with pytest.raises(UnknownCustomer):
        mem.add_note(CH, "rep-b", a, "偷看")
    with pytest.raises(UnknownCustomer):
        mem.record_assessment(CH, "rep-b", a, _profile(style="支配型"))
    assert not mem.delete_customer(CH, "rep-b", a)
    # the same sender id on another channel is another rep
    assert mem.list_customers("slack", "rep-a") == []
    assert mem.profile(CH, "rep-a", "王总").get("style") == "支配型"
    assert [n.text for n in mem.notes(CH, "rep-a", "王总")] == ["A 的笔记"]


def test_unreachable_database_raises_memory_unavailable() -> None:
    from servers import free_port

    mem = CustomerMemory(f"postgresql+psycopg2://nobody@127.0.0.1:{free_port()}/nothing")
    with pytest.raises(MemoryUnavailable) as info:
        mem.list_customers(CH, "u1")
    assert isinstance(info.value, KeqingDBError)
    with pytest.raises(KeqingDBError):
        mem.get_or_create_customer(CH, "u1", "王总")
