"""Placeholders, renaming and merging, accounts and roles, signals, reminders (migration 0004), on SQLite
and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from keqing.customers import CustomerMemory
from keqing.db import migrate

CH = "rest"


@pytest.fixture
def mem(db_url: str) -> CustomerMemory:
    migrate(db_url)
    return CustomerMemory(db_url)


def _p(**dims) -> dict:
    return {d: ({"value": v, "confidence": c, "evidence": [e]} if v is not None else None)
            for d, (v, c, e) in {k: dims.get(k, (None, None, None)) for k in ("style", "motive", "stage", "grade", "share")}.items()}


def test_placeholders_get_distinct_names(mem: CustomerMemory) -> None:
    a = mem.create_placeholder(CH, "u1", "中鼎化工采购经理")
    b = mem.create_placeholder(CH, "u1", "中鼎化工采购经理")
    assert a.placeholder and b.placeholder
    assert (a.display_name, b.display_name) == ("中鼎化工采购经理", "中鼎化工采购经理2")


def test_renaming_a_placeholder_keeps_everything(mem: CustomerMemory) -> None:
    p = mem.create_placeholder(CH, "u1", "未具名")
    mem.record_assessment(CH, "u1", p, _p(style=("支配型", 0.9, "说一不二")), source_text="这人说一不二")
    mem.add_note(CH, "u1", p, "周五送样")
    mem.add_signal(CH, "u1", p, "opportunity", "新产品上市", "他们要上新车型")
    renamed = mem.rename_customer(CH, "u1", p, "钱处")
    assert renamed.display_name == "钱处" and not renamed.placeholder and renamed.id == p.id
    assert mem.profile(CH, "u1", "钱处").get("style") == "支配型"
    assert [n.text for n in mem.notes(CH, "u1", "钱处")] == ["周五送样"]
    assert [s.name for s in mem.signals(CH, "u1", "钱处")] == ["新产品上市"]
    assert mem.get_customer(CH, "u1", "未具名") is None


def test_renaming_onto_an_existing_name_merges_the_two(mem: CustomerMemory) -> None:
    old = mem.get_or_create_customer(CH, "u1", "小时")  # a voice-input typo for 小石
    mem.record_assessment(CH, "u1", old, _p(motive=("理智型", 0.8, "按流程走")))
    mem.add_note(CH, "u1", old, "要报价单")
    real = mem.get_or_create_customer(CH, "u1", "石经理")
    mem.record_assessment(CH, "u1", real, _p(style=("分析型", 0.9, "要数据")))
    mem.set_account(CH, "u1", old, "华东电缆")
    merged = mem.rename_customer(CH, "u1", old, "石经理")
    assert merged.id == real.id and merged.account == "华东电缆"
    profile = mem.profile(CH, "u1", "石经理")
    assert profile.get("style") == "分析型" and profile.get("motive") == "理智型"
    assert [n.text for n in mem.notes(CH, "u1", "石经理")] == ["要报价单"]
    assert [c.display_name for c in mem.list_customers(CH, "u1")] == ["石经理"]


def test_accounts_group_people_and_roles_are_checked(mem: CustomerMemory) -> None:
    wang = mem.set_account(CH, "u1", "王总", "中鼎化工")
    li = mem.set_account(CH, "u1", "李工", "中鼎化工股份有限公司")  # the same account, as typed differently
    mem.set_account(CH, "u1", "赵总", "华东电缆")
    mem.set_role(CH, "u1", wang, "决策者")
    assert [c.display_name for c in mem.account_people(CH, "u1", "中鼎化工")] == ["李工", "王总"]
    assert mem.get_customer(CH, "u1", "王总").role == "决策者"
    assert li.account == wang.account
    with pytest.raises(ValueError):
        mem.set_role(CH, "u1", wang, "大老板")
    assert mem.account_people(CH, "u2", "中鼎化工") == []  # another rep's accounts are not shared


def test_relations_between_people(mem: CustomerMemory) -> None:
    mem.get_or_create_customer(CH, "u1", "李工")
    mem.add_relation(CH, "u1", "王总", "conflict", "王总和李工不对付", other="李工")
    rel = mem.relations(CH, "u1", "王总")
    assert [(r.person, r.other, r.kind) for r in rel] == [("王总", "李工", "conflict")]


def test_reminders_are_per_rep_and_claimed_once(mem: CustomerMemory) -> None:
    now = datetime(2026, 12, 1, 9, 0)
    wang = mem.get_or_create_customer(CH, "u1", "王总")
    r1 = mem.add_reminder(CH, "u1", "给王总打电话", now - timedelta(minutes=1), customer=wang)
    mem.add_reminder(CH, "u1", "送样", now + timedelta(days=2))
    mem.add_reminder(CH, "u2", "别人的提醒", now - timedelta(hours=1))
    assert [r.text for r in mem.reminders(CH, "u1")] == ["给王总打电话", "送样"]
    due = mem.due_reminders(now, channel=CH, sender="u1")
    assert [(r.text, r.customer) for r in due] == [("给王总打电话", "王总")]
    assert {r.text for r in mem.due_reminders(now)} == {"给王总打电话", "别人的提醒"}
    assert mem.claim_reminder(r1.id, "worker-a", now)
    assert not mem.claim_reminder(r1.id, "worker-b", now)  # taken
    assert not mem.mark_delivered(r1.id, "worker-b", now)  # not the claimant
    assert mem.mark_delivered(r1.id, "worker-a", now)
    assert not mem.claim_reminder(r1.id, "worker-b", now + timedelta(hours=1))  # delivered: never again
    assert [r.text for r in mem.due_reminders(now, channel=CH, sender="u1")] == []


def test_a_crashed_workers_claim_expires(mem: CustomerMemory) -> None:
    from keqing.reminders.store import LEASE

    now = datetime(2026, 12, 1, 9, 0)
    r = mem.add_reminder(CH, "u1", "回访", now)
    assert mem.claim_reminder(r.id, "crashed", now)
    assert not mem.claim_reminder(r.id, "other", now + LEASE - timedelta(seconds=1))
    assert mem.claim_reminder(r.id, "other", now + LEASE + timedelta(seconds=1))
    assert mem.mark_delivered(r.id, "other", now + LEASE + timedelta(seconds=2))


def test_deleting_a_customer_keeps_the_reps_other_data(mem: CustomerMemory) -> None:
    mem.record_assessment(CH, "u1", "王总", _p(style=("支配型", 0.9, "说一不二")))
    mem.record_assessment(CH, "u1", "李工", _p(style=("分析型", 0.9, "要数据")))
    mem.add_signal(CH, "u1", "王总", "regression", "关系倒退", "开始从别家进货")
    assert mem.delete_customer(CH, "u1", "王总")
    assert mem.get_customer(CH, "u1", "王总") is None and mem.signals(CH, "u1", "王总") == []
    assert mem.profile(CH, "u1", "李工").get("style") == "分析型"
    assert not mem.delete_customer(CH, "u1", "王总")
