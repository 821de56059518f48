"""Who a message is about.

- Names as reps write them (keqing.text.names): 欧阳总, 贺总监 (from "采购总监姓贺"), 老周, 周建国, Kevin. A
  known customer is found by name, also when the rep drops or changes the title (贺总 for 贺总监).
- "他姓钱" / "叫他钱处" while the current customer is a placeholder (a person described before the rep
  named them): the placeholder is renamed, nothing is lost.
- No name: a pronoun (他/她/这人/这位) or no person at all means the customer being discussed; a new person
  introduced by role ("今天还见了他们一个做品质的", "新客户,采购部的") gets a placeholder named after the
  company and role.
- Several people in one message: each gets their own part of the message (keqing.nlu.reader).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from keqing.customers import Customer
from keqing.dialogue.context import Step
from keqing.kb.normalize import normalize_customer
from keqing.text.accounts import find_account
from keqing.text.names import NameMatch, find_names, split_title
from keqing.text.normalize import normalize

# A new person introduced without a name.
_NEW_PERSON = re.compile(
    r"(?:还|另外|又|再)(?:见了|见到|认识了|有|约了)?(?:他们)?(?:一个|个|位|一位)|新(?:认识|见|客户|来的|接触)|"
    r"见了个|认识个|有个客户|有个|一个(?:新)?客户|新的对接人|另一个|第二个|第三个"
    # "另外他们的采购经理特别热情": another person, by role
    r"|^(?:另外|还有|再说说?|对了)[,，\s]*(?:他们|她们|对方)?(?:的|那边的?|公司的?)?(?=(?:采购|技术|质量|品质|生产|设备|财务|研发|工艺|项目|总经理|副总|老板|厂长|董事长|总工|工程师))"
)
# The rep gives the name of the person just described: "他姓钱", "叫他钱处", "她是林经理", "客户叫周建国".
_NAMING = re.compile(r"(?:他|她|这人|对方|客户|这位)(?:姓|叫|是)|叫(?:他|她)|名字(?:是|叫)|称呼")
_PRONOUN = re.compile(r"^(?:他|她|这人|这位|此人|这个人|那人|对方|人家|he|she)|(?:他|她)(?:这人|这个人|呢|啊|吧)")
_ROLE = re.compile(
    r"(?P<role>(?:采购|技术|质量|品质|生产|设备|财务|行政|研发|工艺|项目|销售|运营|供应链|仓储|车间)"
    r"(?:部)?(?:的)?(?:总监|经理|主任|主管|科长|部长|处长|负责人|工程师|专员|总|头|老大|采购|的)?"
    r"|(?:总经理|副总|老板|厂长|董事长|总工|工程师|对接人|负责人|buyer|GM|CEO|CTO))", re.I)


@dataclass
class Target:
    """A person this message is about, with the reading of their part of the message."""

    customer: Customer
    profile: Dict[str, Optional[Dict[str, Any]]]
    created: bool = False
    renamed_from: Optional[str] = None
    mention: Optional[NameMatch] = None
    account: Optional[str] = None
    notes: List[str] = field(default_factory=list)
    part: str = ""  # the part of the message about this person


def known(step: Step, match: NameMatch) -> Optional[Customer]:
    """The rep's customer this name refers to: exact, else the same surname with a related title."""
    found = step.get_customer(match.name) or step.get_customer(match.text)
    if found is not None:
        return found
    surname, _title = split_title(match.name)
    if not surname:
        return None
    key = normalize_customer(surname)
    candidates = [c for c in step.memory.list_customers(step.channel, step.sender)
                  if normalize_customer(c.display_name).startswith(key) and split_title(c.display_name)[0]
                  and normalize_customer(split_title(c.display_name)[0]) == key]
    return candidates[0] if len(candidates) == 1 else None


def current(step: Step) -> Optional[Customer]:
    name = step.turn.slot("customer")
    return step.get_customer(str(name)) if name else None


def placeholder_label(text: str, account: Optional[str]) -> str:
    role = _ROLE.search(normalize(text or ""))
    label = (account or "") + (role.group("role").rstrip("的") if role else "")
    return label or "未具名客户"


def introduces_new_person(text: str) -> bool:
    norm = normalize(text or "")
    return bool(_NEW_PERSON.search(norm)) and not _PRONOUN.search(norm)


_FILLER = re.compile(r"[\s,，。.!！?？~～]|^(?:是|叫|就是)|(?:吧|啊|呀|哈|呢)$")


def only_a_name(text: str, match: NameMatch) -> bool:
    """"赵总" / "是赵总吧": the whole message is the name."""
    rest = normalize(text or "").replace(normalize(match.text), "", 1)
    return not _FILLER.sub("", rest)


def _people_profiles(step: Step) -> Dict[str, Dict[str, Any]]:
    """The per-person readings of the NLU by the person's name: {"profile": ..., "part": text}."""
    out: Dict[str, Dict[str, Any]] = {}
    for p in step.turn.people:
        if not isinstance(p, dict) or not p.get("name"):
            continue
        spans = [c for c in p.get("clauses") or [] if isinstance(c, (list, tuple)) and len(c) == 2]
        part = "。".join(step.text[int(s):int(e)] for s, e in spans) if spans else step.text
        out[normalize(str(p["name"]))] = {"profile": p.get("customer_profile") or {}, "part": part}
    return out


def targets(step: Step, create: bool = True) -> List[Target]:
    """The people this message is about, created when new (placeholders for unnamed ones)."""
    text = step.text
    account = find_account(text)
    whole: Dict[str, Optional[Dict[str, Any]]] = dict(step.turn.profile)
    first_mentions: Dict[str, NameMatch] = {}
    for mention in find_names(text):
        first_mentions.setdefault(normalize(mention.name), mention)  # one per person, in order
    names = list(first_mentions.values())
    per_person = _people_profiles(step)
    out: List[Target] = []
    cur = current(step)
    for match in names:
        own = per_person.get(normalize(match.name))
        if len(names) > 1 and own is None and per_person:
            continue  # only mentioned ("比老周还难搞", "先问吕总"): the message is not about them
        profile = own["profile"] if own is not None and len(names) > 1 else whole
        part = own["part"] if own is not None and len(names) > 1 else text
        if len(names) > 1 and own is None:
            # no per-person reading ("冯总是决策者，何主任管质量把关"): from this name to the next one
            later = [n.start for n in names if n.start > match.start]
            part = text[match.start : min(later) if later else len(text)]
        existing = known(step, match)
        if existing is not None:
            out.append(Target(existing, profile, mention=match, account=account, part=part))
            continue
        if match.kind == "surname" and cur is not None and cur.placeholder:
            # "他姓钱": the person described before now has a name
            surname_title = match.name if match.name != match.text else match.text + (split_title(cur.display_name)[1] or "")
            renamed = step.memory.rename_customer(step.channel, step.sender, cur, surname_title)
            out.append(Target(renamed, profile, renamed_from=cur.display_name, mention=match, account=account,
                              part=part))
            continue
        naming = (step.turn.asked_slot == "customer" or bool(_NAMING.search(normalize(text)))
                  or only_a_name(text, match))
        if cur is not None and cur.placeholder and len(names) == 1 and not introduces_new_person(text) and naming:
            renamed = step.memory.rename_customer(step.channel, step.sender, cur, match.name)
            out.append(Target(renamed, profile, renamed_from=cur.display_name, mention=match, account=account,
                              part=part))
            continue
        if not create:
            continue
        customer = step.get_or_create_customer(match.name)
        out.append(Target(customer, profile, created=True, mention=match, account=account, part=part))
    if out:
        return out
    if cur is not None and not introduces_new_person(text):
        return [Target(cur, whole, account=account, part=text)]
    if not create:
        return []
    label = placeholder_label(text, account)
    return [Target(step.memory.create_placeholder(step.channel, step.sender, label), whole, created=True,
                   account=account, part=text)]
