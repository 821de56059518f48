"""A description of one or more people: read, merged into memory, and said back with what changed.

News about the account in a message that says nothing about the person (新车型要上市, 他们开始从别家进货)
is news, not a description: it is kept as a signal and never changes the person's traits.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

from keqing.customers import Customer, Profile
from keqing.dialogue import replies
from keqing.dialogue.context import Step
from keqing.dialogue.news import news, record_signals
from keqing.dialogue.people import Target, targets
from keqing.dialogue.signals import FoundSignal, find_signals
from keqing.dialogue.turn import Outcome, answers, profile_slots
from keqing.taxonomy import DIMENSIONS, PERSON_TRAITS, STAGES
from keqing.text.accounts import find_account, role_evidence
from keqing.text.names import find_names
from keqing.text.normalize import normalize
from keqing.text.questions import ends_with_question

DESCRIPTIVE = ("describe_customer", "provide_share", "nlu_fallback")


@dataclass
class Change:
    dimension: str
    before: Any
    after: Any
    read: Any  # what this message said (None: it said nothing about the dimension)
    evidence: List[str]


def _values(profile: Optional[Profile]) -> Dict[str, Any]:
    return {d: profile.get(d) for d in DIMENSIONS} if profile else {d: None for d in DIMENSIONS}


def store_reading(step: Step, customer: Customer, reading: Dict[str, Optional[Dict[str, Any]]]) -> None:
    """An NLU reading into memory: the assessment, and the stage history when the stage changes."""
    detected = {d: v for d, v in reading.items() if v}
    if not detected:
        return
    before = step.profile_of(customer)
    stage = (detected.get("stage") or {}).get("value")
    if stage in STAGES and stage != (before.get("stage") if before else None):
        share = (detected.get("share") or {}).get("value")
        step.memory.set_stage(step.channel, step.sender, customer, stage, share=share, reason=step.text[:500])
    step.memory.record_assessment(step.channel, step.sender, customer, detected, source_text=step.text)


def changes(before: Optional[Profile], after: Optional[Profile],
            reading: Dict[str, Optional[Dict[str, Any]]]) -> List[Change]:
    b, a = _values(before), _values(after)
    out = []
    for dim in DIMENSIONS:
        read = (reading.get(dim) or {}).get("value")
        if read is None and b[dim] == a[dim]:
            continue
        out.append(Change(dim, b[dim], a[dim], read, list((reading.get(dim) or {}).get("evidence") or [])))
    return out


def _apply(step: Step, target: Target) -> replies.PersonUpdate:
    before = step.profile_of(target.customer)
    store_reading(step, target.customer, target.profile)
    customer = target.customer
    if target.account and not customer.account:
        customer = step.memory.set_account(step.channel, step.sender, customer, target.account)
    found = role_evidence(target.part or step.text)
    role = found[0] if found else None
    # what the person does ("天天在产线上用") outranks what a title suggests ("工程师"), and is kept
    if found and role != customer.role and (found[1] or not customer.role):
        customer = step.memory.set_role(step.channel, step.sender, customer, role)
    after = step.profile_of(customer)
    return replies.PersonUpdate(customer.display_name, [c.__dict__ for c in changes(before, after, target.profile)],
                                created=target.created, placeholder=customer.placeholder,
                                renamed_from=target.renamed_from, known=_values(after))


# With account news in the message, a reading of the person must be this sure to make it a description.
SURE = 0.75
ASK_SHARE = "needs_share"


def describes_person(step: Step, min_confidence: float = 0.0, traits: Sequence[str] = PERSON_TRAITS) -> bool:
    profiles = [step.turn.profile] + [p.get("customer_profile") or {} for p in step.turn.people]
    return any((p.get(d) or {}).get("confidence", 1.0) >= min_confidence for p in profiles for d in traits
               if p.get(d))


# Beside account news only a trait of the person makes a message a description: news itself moves the
# grade reading ("她们老板对现在那家的服务意见很大" reads like a need), which is the account's business.
NEWS_OVERRIDING_TRAITS = ("style", "motive")


def says_anything(step: Step) -> bool:
    """A name, an account, a role or any reading: enough to remember someone by."""
    if describes_person(step) or step.turn.profile.get("stage") or step.turn.profile.get("share"):
        return True
    text = step.text
    return bool(find_names(text) or find_account(text) or role_evidence(text))


# A message whose subject is the company ("他们明年要上一条新生产线") is about the account.
_ACCOUNT_SUBJECT = re.compile(r"^(?:听说|据说|另外|还有|对了|哦对)?[,，\s]*(?:他们|他們|对方|客户那边|这家|那家)(?:公司|厂|工厂|集团|那边)?(?!的?(?:老板|总|经理|采购|主任|工))")
SURE_ABOUT_ACCOUNT = 0.9
_ABOUT_PEOPLE = re.compile(r"老板|领导|决策|拍板|说了算|不见|见不到|约不到|反对|内线|支持我们|关键人")
_SWITCH_WORDS = re.compile(r"接着聊|继续聊|接着说|继续说|回到|换到|切到|切换到|说说|聊聊|谈谈|看看|再聊")
# "她上周跟我讲,她们老板对现在那家的服务意见很大": what the customer reported is news about the account.
_REPORTED = re.compile(r"^(?:他|她|他们|她们|对方|[^,，。\s]{1,5}?)(?:上周|昨天|今天|刚才|刚刚|前两天|前几天|那天)?"
                       r"(?:跟我|和我|对我|私下)?(?:说|讲|提到|透露|告诉我|抱怨|反映)(?!一不二|话|了算|到做到)")


@answers("diagnosis")
def describe(step: Step) -> Outcome:
    found: List[FoundSignal] = find_signals(step.text)
    norm = normalize(step.text).strip()
    about_account = (bool(_ACCOUNT_SUBJECT.match(norm)) and not find_names(step.text)) or bool(_REPORTED.match(norm))
    if found and not describes_person(step, SURE_ABOUT_ACCOUNT if about_account else SURE, NEWS_OVERRIDING_TRAITS):
        return news(step, found)
    reads_someone = bool(describes_person(step) or step.turn.profile.get("stage") or step.turn.profile.get("share"))
    if not (found or reads_someone) and ends_with_question(step.text):
        # "要是他们老板一直不见我呢": a question the model took for a description; nothing to store
        if _ABOUT_PEOPLE.search(norm):
            from keqing.dialogue.followups import key_people

            return key_people(step)
        from keqing.dialogue.playbook import give_strategy

        return give_strategy(step)
    if not found and not says_anything(step):
        return step.out.say(replies.nothing_detected(step.turn.slot("customer")))
    if not found and not reads_someone and _SWITCH_WORDS.search(norm) and find_names(step.text):
        from keqing.dialogue.customers import switch_customer

        return switch_customer(step)  # "我们接着聊段经理": a switch, nothing to read
    people = targets(step)
    updates = [_apply(step, t) for t in people]
    last = people[-1].customer
    if found:
        record_signals(step, last, found)
    step.out.say(replies.people_updates(updates, [s.name for s in found]))
    subject = step.subject_of(step.memory.touch_customer(step.channel, step.sender, last))
    # the form asks for our share once, when this customer's stage is still open
    return step.out.set_slots({**profile_slots(subject.name, subject.values), ASK_SHARE: not subject.values.get("stage")})
