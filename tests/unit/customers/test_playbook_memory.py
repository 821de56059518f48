"""CustomerMemory.set_playbook_step: the small addition the actions need (repair playbook position)."""
from __future__ import annotations

import pytest

from keqing.customers import CustomerMemory, UnknownCustomer
from keqing.db import migrate

CH = "rest"


@pytest.fixture
def mem(db_url: str) -> CustomerMemory:
    migrate(db_url)
    return CustomerMemory(db_url)


def test_set_playbook_step_accepts_a_non_stage_playbook(mem: CustomerMemory) -> None:
    pos = mem.set_playbook_step(CH, "u1", "王总", "客户关系倒退", 1)
    assert (pos.stage, pos.step_order) == ("客户关系倒退", 1)
    stored = mem.playbook_position(CH, "u1", "王总")
    assert (stored.stage, stored.step_order) == ("客户关系倒退", 1)
    mem.set_playbook_step(CH, "u1", "王总", "客户关系倒退", 3)
    assert mem.playbook_position(CH, "u1", "王总").step_order == 3
    mem.set_playbook_step(CH, "u1", "王总", "初期合作", 1)  # back to a stage
    assert mem.playbook_position(CH, "u1", "王总").stage == "初期合作"
    assert mem.playbook_position(CH, "u2", "王总") is None  # another rep
    assert mem.last_customer(CH, "u1").display_name == "王总"  # it counts as talking about him


def test_set_playbook_step_validates(mem: CustomerMemory) -> None:
    with pytest.raises(ValueError):
        mem.set_playbook_step(CH, "u1", "王总", "", 1)
    with pytest.raises(ValueError):
        mem.set_playbook_step(CH, "u1", "王总", "长" * 21, 1)
    with pytest.raises(ValueError):
        mem.set_playbook_step(CH, "u1", "王总", "客户关系倒退", 0)
    other = mem.get_or_create_customer(CH, "u2", "王总")
    with pytest.raises(UnknownCustomer):  # another rep's Customer object is never used
        mem.set_playbook_step(CH, "u1", other, "客户关系倒退", 1)
