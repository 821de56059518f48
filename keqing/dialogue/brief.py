"""Meeting prep and the buying committee: "明天要见王总,帮我准备一下", "他们公司谁说了算".

The meeting brief fits one screen (well under 1,500 characters): who he is (style, motive, grade with the
rep's own words), the stage and the step we are on, open account news, three openers in his style, two
questions to ask, what to avoid, and a compliance reminder when his motive calls for one. Everything
comes from the customer memory and the knowledge base.

The account map lists the people of the customer's company with their roles and styles, and warns like a
deal review would: a single contact (单线联系), no decision-maker reached, no word for weeks.
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

from keqing.charts import store as pictures
from keqing.charts import stylemap
from keqing.customers import Customer
from keqing.dialogue import replies
from keqing.dialogue.context import Step
from keqing.dialogue.manage import _mentioned
from keqing.dialogue.people import current
from keqing.dialogue.playbook import current_playbook
from keqing.dialogue.replies import Reply
from keqing.dialogue.schedule import now
from keqing.dialogue.turn import Outcome, answers, profile_slots
from keqing.text.accounts import find_account
from keqing.text.names import find_names
from keqing.text.normalize import normalize

QUIET_DAYS = 30


def _named(step: Step) -> Optional[Customer]:
    names = find_names(step.text)
    return (step.get_customer(names[0].name) if names else None) or _mentioned(step, step.text) or current(step)


@answers("meeting_prep")
def prepare_meeting(step: Step) -> Outcome:
    customer = _named(step)
    if customer is None:
        names = find_names(step.text)
        return step.out.say(replies.need_description(names[0].name if names else None))
    subject = step.subject_of(customer)
    profile = subject.profile
    values = subject.values
    style_item = step.kb.explain(values["style"]) if values.get("style") else None
    motive_item = step.kb.explain(values["motive"]) if values.get("motive") else None
    playbook, position = current_playbook(step, subject)
    step_title = None
    if playbook is not None:
        order = position.step_order if position is not None and position.stage == playbook.name else 1
        step_title = playbook.step(order).title
    signals = [s.name for s in step.memory.signals(step.channel, step.sender, customer)][-3:]
    openers = list(step.kb.script_examples(values["style"]))[:3] if values.get("style") else []
    questions = [o.question for o in step.kb.opportunities()
                 if o.name not in signals][:2]
    avoid = list((style_item.details.get("avoid") or []) if style_item else [])[:2]
    compliance = motive_item.compliance if motive_item is not None and motive_item.compliance else None
    evidence = {d: list(v.evidence) for d, v in (profile.values.items() if profile else [])}
    step.out.say(replies.meeting_brief(customer.display_name, customer.account, values, evidence, step_title,
                                       signals, openers, questions, avoid, compliance))
    return step.out.set_slots(profile_slots(subject.name, subject.values))


@answers("account_map")
def account_map(step: Step) -> Outcome:
    named_account = find_account(step.text)
    from keqing.dialogue.followups import ONLY_KNOW, key_people

    if not named_account and ONLY_KNOW.search(normalize(step.text)):
        return key_people(step)  # "关键人物都有谁,我只认识薛总": how to reach more people
    people: List[Customer] = []
    if named_account:
        people = step.memory.account_people(step.channel, step.sender, named_account)
    customer = people[0] if people else _named(step)
    if customer is None:
        return step.out.say(replies.account_unknown())
    if not people:
        people = [customer]
        if customer.account:
            people = step.memory.account_people(step.channel, step.sender, customer.account) or [customer]
    rows = []
    for person in people:
        profile = step.profile_of(person)
        rows.append((person.display_name, person.role, profile.get("style") if profile else None))
    warnings = []
    if len(people) == 1:
        warnings.append("只认识一位联系人(单线联系):对方一调岗就全断了,尽快认识技术、使用和决策层的人。")
    if not any(role == "决策者" for _, role, _ in rows):
        warnings.append("还没接触到拍板的人:弄清最后谁签字。")
    last = {a.customer: a.last for a, _ in step.memory.activity(step.channel, step.sender)}
    today = now()
    quiet = [name for name, _, _ in rows if last.get(name) and (today - (last[name] or today)).days >= QUIET_DAYS]
    if quiet:
        warnings.append("、".join(quiet) + f"超过{QUIET_DAYS}天没有动静了。")
    step.out.say(replies.account_map(customer.account, rows, warnings))
    if any(style for _, _, style in rows):
        step.out.say(style_map(step, customer.account, rows))
    return step.out


PICTURE_CHANNELS = ("wecom", "slack")  # they upload the picture; elsewhere the text map goes with its URL


def style_map(step: Step, account: Optional[str], people: Sequence[Tuple[str, Optional[str], Any]]) -> List[Reply]:
    """The account's people on the 情感度 × 表达度 quadrant: a picture, with the text map where it cannot be shown."""
    rows = [(name, role, str(style) if style else None) for name, role, style in people]
    text = stylemap.text_map(account, rows)
    png = stylemap.render_png(account, rows)
    if png is None:
        return [Reply(text)]
    link = pictures.url(pictures.Pictures(engine=step.memory.engine).put(png))
    return [Reply("", image=link)] if step.channel in PICTURE_CHANNELS else [Reply(text, image=link)]


@answers("style_map")
def draw_style_map(step: Step) -> Outcome:
    """"画一下他们公司的风格图": the account map's people as the style picture only."""
    named_account = find_account(step.text)
    people = step.memory.account_people(step.channel, step.sender, named_account) if named_account else []
    customer = people[0] if people else _named(step)
    if customer is None:
        return step.out.say(replies.account_unknown())
    if not people:
        people = (step.memory.account_people(step.channel, step.sender, customer.account)
                  if customer.account else []) or [customer]
    rows = []
    for person in people:
        profile = step.profile_of(person)
        rows.append((person.display_name, person.role, profile.get("style") if profile else None))
    return step.out.say(style_map(step, customer.account, rows))

