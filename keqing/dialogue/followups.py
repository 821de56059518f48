"""Follow-ups reps actually ask: "为什么" (the evidence), "还有呢", "那合法的办法呢", key people, notes, and what
the assistant does not do (answered honestly, with what it can do instead)."""
from __future__ import annotations

import re
from typing import List, Optional, Tuple

from keqing.dialogue import replies
from keqing.dialogue.context import Step
from keqing.dialogue.knowledge import TOPIC_SLOT
from keqing.dialogue.opportunities import opportunities
from keqing.dialogue.people import current
from keqing.dialogue.playbook import give_strategy, next_step, script
from keqing.dialogue.signals import find_signals
from keqing.dialogue.turn import Outcome, answers
from keqing.taxonomy import PERSON_TRAITS
from keqing.text.accounts import find_account
from keqing.text.names import find_names
from keqing.text.normalize import normalize
from keqing.text.questions import ends_with_question

# Two people at odds ("采购经理跟孙总不对付"): kept as a relation of the current customer.
_CONFLICT = re.compile(r"不对付|不和|有矛盾|闹矛盾|合不来|对着干|唱反调|互相拆台")


@answers("lawful_plan")
def lawful_plan(step: Step) -> Outcome:
    """The lawful plan after a refusal (the topic of the last compliance answer)."""
    topic_id = step.turn.slot(TOPIC_SLOT)
    if isinstance(topic_id, str) and topic_id.startswith("compliance."):
        topic = step.kb.compliance_topic(topic_id)
        if topic is not None:
            return step.out.say(replies.lawful_plan(topic))
    if isinstance(topic_id, str) and topic_id.startswith("guidance."):
        guidance = step.kb.guidance(topic_id)
        if guidance is not None:
            return step.out.say(replies.guidance(guidance))
    return step.out.say(replies.lawful_plan_general())


# After a refusal, "那正确的处理方式是啥", "正当的路子呢", "那我该怎么办": the lawful plan, whatever intent was read.
_LAWFUL_ASKED = re.compile(r"(?:正确|正当|合法|合规|正规|光明正大|规范|应该)的?[^,，。!！?？]{0,6}(?:办法|路子|做法|处理|方式|方法|途径|流程|怎么|咋)"
                           r"|^那?(?:我|我们)?(?:应该|该|要)?怎么(?:办|做|处理|弄)[呢啊?？]*$")


def lawful_followup(step: Step) -> Optional[Outcome]:
    """The rep asks for the lawful way right after a refusal: the plan of the refused topic."""
    if step.turn.slot("reply_kind") not in ("refusal", "lawful_plan", "grey_area"):
        return None
    if not _LAWFUL_ASKED.search(normalize(step.text.strip())):
        return None
    return lawful_plan(step)


@answers("evidence")
def explain_reading(step: Step) -> Outcome:
    """"为什么这么判断": the stored reading of the current customer with the rep's own words behind it."""
    subject = step.subject()
    profile = subject.profile
    if profile is None:
        return step.out.say(replies.need_description(subject.name))
    reasons: List[Tuple[str, str, List[str], str]] = []
    for dim in (*PERSON_TRAITS, "stage"):
        found = profile.values.get(dim)
        if found is not None:
            reasons.append((dim, str(found.value), list(found.evidence), found.source))
    step.out.say(replies.evidence(subject.name, reasons))
    return step.sync(subject)


def more(step: Step) -> Outcome:
    """"还有呢": continue what was just shown."""
    last = step.turn.slot("reply_kind") or ""
    if last in ("refusal", "lawful_plan", "grey_area"):
        return lawful_plan(step)
    if last in ("strategy", "next_step", "step_detail", "diagnosis", "regression", "opportunities",
                "opportunity_item"):
        return next_step(step)
    if last == "key_people":
        return key_people(step, more=True)
    if last == "script":
        return script(step, more=True)
    if last == "news":
        return opportunities(step)
    return give_strategy(step)


# "他们公司谁说了算", "都有谁": the account's people, not general advice.
_WHO_IS_THERE = re.compile(r"谁说了算|谁在?拍板|谁在?做决定|谁在?做主|谁(?:来)?定|谁(?:来)?决定|都有谁|有哪些人|有谁|谁负责|谁\s*(?:decide|make)", re.I)
# "我只认识薛总", "怎么才能找到…": the rep asks how to reach more people, not for the people already known.
ONLY_KNOW = re.compile(r"只认识|就认识|只接触过?|只见过|只跟[^,，。]{1,5}打(?:过)?交道|怎么(?:才能)?找到?|怎么认识|怎么接触")


# "决策链上的人我该怎么一个个去做工作", "真正的decision maker怎么找": the buying committee, whatever intent was read.
_KEY_PEOPLE_ASKED = re.compile(r"决策链|决策人|关键人|拍板的人|说了算的人|内线|支持者|决策者|影响者|decision\s*maker|反对我们的人|挡路的|卡我们的人"
                               r"|采购委员会|采购小组|先(?:搞定|找|攻|拿下|突破)谁|从谁(?:入手|下手|突破|开始)|引荐|引见|牵线|搭桥|介绍(?:给)?(?:他们|她们)?的?(?:领导|老板|高层|决策)", re.I)


def key_people_asked(step: Step) -> Optional[Outcome]:
    text = step.text.strip()
    if len(text) > 80 or not _KEY_PEOPLE_ASKED.search(normalize(text)) or not ends_with_question(text):
        return None
    return key_people(step)


@answers("key_people")
def key_people(step: Step, more: bool = False) -> Outcome:
    """Key people, a blocker, single-threading: advice from the knowledge base, lawful only. A statement
    about people ("晏总是决策者,老郭一直反对我们") is a description; "X谁说了算" about a known account
    is the account map."""
    text = step.text
    norm = normalize(text)
    if not more and not ends_with_question(text) and find_names(text) and not ONLY_KNOW.search(norm):
        from keqing.dialogue.describe import describe

        return describe(step)
    if not more and _WHO_IS_THERE.search(norm) and not ONLY_KNOW.search(norm) and has_account(step):
        from keqing.dialogue.brief import account_map

        return account_map(step)
    cur = current(step)
    if cur is not None and _CONFLICT.search(norm):
        step.memory.add_relation(step.channel, step.sender, cur, "conflict", text)
    advice = step.kb.advice(text=text) or step.kb.advice("advice.key_people")
    if advice is None:
        return step.out.say(replies.need_description(cur.display_name if cur else None))
    people = []
    if cur is not None and cur.account:
        people = [p for p in step.memory.account_people(step.channel, step.sender, cur.account)]
    step.out.say(replies.advice(advice, cur.display_name if cur else None, [p.display_name for p in people],
                                more=more))
    return step.out


def has_account(step: Step) -> bool:
    """The message names an account the rep has people at, or the current customer belongs to one."""
    named = find_account(step.text)
    if named and step.memory.account_people(step.channel, step.sender, named):
        return True
    cur = current(step)
    return cur is not None and bool(cur.account)


@answers("note")
def note(step: Step) -> Outcome:
    """A note that is neither a description nor news (logistics, a to-do): kept with the current customer."""
    cur = current(step)
    if cur is not None:
        found = find_signals(step.text)
        if found:  # a visit note that reports a complaint, a cost target, slipping orders …: account news
            from keqing.dialogue.describe import news

            return news(step, found)
        step.memory.add_note(step.channel, step.sender, cur, step.text[:500])
    return step.out.say(replies.note_kept(cur.display_name if cur else None))


@answers("unsupported")
def unsupported(step: Step) -> Outcome:
    return step.out.say(replies.unsupported())
