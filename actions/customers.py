"""The rep's customers: switch between them and list them."""
from __future__ import annotations

from typing import Dict, List, Optional

from rasa_sdk.events import EventType

from actions.base import Ctx, KeqingAction, slot_events
from actions.profile import attach_pending, pending_description
from keqing import replies
from keqing.kb.normalize import customer_display_name
from keqing.memory import Customer
from keqing.names import first_name

MAX_LISTED = 20


def customer_line(ctx: Ctx, customer: Customer, cache: Optional[Dict[str, list]] = None) -> replies.CustomerLine:
    """Name, stage, style and current step of one customer."""
    cache = {} if cache is None else cache
    profile = ctx.mem("profile", customer)
    stage = profile.get("stage") if profile else None
    style = profile.get("style") if profile else None
    position = ctx.mem("playbook_position", customer)
    order = title = None
    repair = False
    if position is not None:
        if position.stage not in cache:
            if position.stage in replies.STAGES:
                cache[position.stage] = ctx.kb.steps(position.stage)
            else:
                reg = ctx.kb.regression()
                cache[position.stage] = list(reg.steps) if reg.name == position.stage else []
        steps = cache[position.stage]
        repair = position.stage not in replies.STAGES
        if steps and (repair or position.stage == stage):
            order = min(position.step_order, len(steps))
            title = steps[order - 1].title
    return replies.CustomerLine(customer.display_name, stage, style, order, title, repair)


class ActionSwitchCustomer(KeqingAction):
    def name(self) -> str:
        return "action_switch_customer"

    def act(self, ctx: Ctx) -> List[EventType]:
        named = ctx.entity("customer") or first_name(ctx.text[:500])
        customer = ctx.mem("get_customer", named) if named else None
        if customer is None and ctx.text:
            customer = ctx.mem("find_customer", ctx.text)
        if customer is None and named and customer_display_name(named):
            if pending_description(ctx.tracker) is not None:
                # the form was asking whom a description was about: this is the answer
                customer = ctx.mem("get_or_create_customer", named)
                attach_pending(ctx.memory, ctx.channel, ctx.sender, customer, ctx.tracker)
            else:
                name = customer_display_name(named)
                ctx.say(replies.switched(replies.CustomerLine(name)))
                return slot_events(name, {})
        if customer is None:
            customers = ctx.mem("list_customers")[:MAX_LISTED]
            ctx.say(replies.choose_customer([replies.CustomerLine(c.display_name) for c in customers]))
            return []
        customer = ctx.mem("touch_customer", customer)
        subject = ctx.subject_of(customer)
        ctx.say(replies.switched(customer_line(ctx, customer)))
        return slot_events(subject.name, subject.values)


class ActionListCustomers(KeqingAction):
    def name(self) -> str:
        return "action_list_customers"

    def act(self, ctx: Ctx) -> List[EventType]:
        customers = ctx.mem("list_customers")[:MAX_LISTED]
        cache: Dict[str, list] = {}
        ctx.say(replies.customer_list([customer_line(ctx, c, cache) for c in customers]))
        return []
