"""Answers from the knowledge base alone: concept explanations, compliance refusals and grey areas.

A request for an unlawful tactic gets the refusal of its category (what the law says, with articles),
then the lawful plan for the rep's real goal; "那合法的办法呢" continues that plan (keqing.dialogue.followups).
A lawful but sensitive question (a token gift, a contracted rebate) gets a nuanced answer, not a refusal.
"""
from __future__ import annotations

import re
from typing import Any, List, Optional

from keqing.compliance import patterns
from keqing.compliance.categories import topic_id
from keqing.dialogue import replies
from keqing.dialogue.context import Step
from keqing.dialogue.turn import Outcome, answers

TOPIC_SLOT = "compliance_topic"

# Question wrappers around the term: 什么是X / X是什么(意思) / X要注意什么 / 讲讲X …
_PREFIX = re.compile(
    r"^(?:请问|问一下|问下|我想知道|想了解一下|想了解|想问问|想问|能不能|能否|可以|帮我|给我|你|顺便问一下|顺便问下|那)*"
    r"(?:讲讲|讲一下|说说|说一下|解释一下|解释|介绍一下|介绍|科普一下|科普)?(?:一下)?"
    r"(?:什么是|啥是|何为|什么叫|啥叫|什么叫做)?"
)
_SUFFIX = re.compile(
    r"(?:到底|究竟)?(?:是什么意思|是啥意思|什么意思|啥意思|的意思|意思|是什么|是啥|指的是什么|指什么|是指什么|"
    r"怎么理解|如何理解|有什么特点|有啥特点|的特点|特点|有哪些|要注意什么|要注意啥|需要注意什么|注意什么|"
    r"要注意哪些|注意事项|怎么做|怎么办|怎么应对|怎么打交道|怎么对付)?"
    r"(?:呢|吗|啊|呀|吧|哈)*$"
)
_PUNCT = re.compile(r"[\s?？!！。.,，、~～:：;；\"'“”‘’()（）]+")
_SPLIT = re.compile(r"的|和|跟|与|是|里|中|要|在")
MAX_SCAN = 16  # longest text scanned substring by substring (substrings up to MAX_TERM)
MAX_TERM = 8
MAX_PARTS = 6  # pieces of a longer question tried as terms


def term_candidates(text: str) -> List[str]:
    """Terms to look up, best first: the stripped question, its parts, then substrings (short texts)."""
    cleaned = _PUNCT.sub("", text or "")
    if not cleaned:
        return []
    core = _SUFFIX.sub("", _PREFIX.sub("", cleaned, count=1), count=1) or cleaned
    out: List[str] = []

    def add(term: str) -> None:
        if term and term not in out:
            out.append(term)

    add(core)
    for part in sorted(_SPLIT.split(core), key=len, reverse=True)[:MAX_PARTS]:
        if len(part) >= 2:
            add(part)
    if len(cleaned) <= MAX_SCAN:
        for size in range(min(len(cleaned), MAX_TERM), 1, -1):
            for start in range(0, len(cleaned) - size + 1):
                add(cleaned[start : start + size])
    return out


@answers("concept")
def explain_concept(step: Step) -> Outcome:
    candidates = term_candidates(step.text[:500])
    found: Optional[Any] = None
    for term in candidates:
        found = step.kb.explain(term)
        if found is not None:
            break
    if found is None:
        return step.out.say(replies.concept_unknown(candidates[0] if candidates else ""))
    return step.out.say(replies.concept(found))


def _grey_area(step: Step, guidance: Any) -> Outcome:
    step.out.say(replies.guidance(guidance)).as_kind("grey_area")
    return step.out.set_slots({TOPIC_SLOT: guidance.id})


@answers("refusal")
def compliance(step: Step) -> Outcome:
    """Refuse an unlawful tactic with the law and a lawful plan; answer a grey area with nuance.

    The detector's verdict decides; when the intent classifier alone took the message for a benefit
    question, the tactic comes from the explainable patterns, the detector's likeliest category, or the
    knowledge base's trigger words, and failing all of them the rep gets the general lawful boundaries,
    never an unrelated topic."""
    verdict = step.turn.compliance or {}
    category = verdict.get("category")
    if verdict.get("verdict") == "grey" and category:
        guidance = step.kb.guidance(topic_id("grey", category))
        if guidance is not None:
            return _grey_area(step, guidance)
    topic = None
    if verdict.get("verdict") == "unlawful" and category:
        topic = step.kb.compliance_topic(topic_id("unlawful", category))
    if topic is None:
        hit = patterns.strongest(step.text)
        if hit is not None and hit.category:
            topic = step.kb.compliance_topic(topic_id("unlawful", hit.category))
    if topic is None and category:
        topic = step.kb.compliance_topic(topic_id("unlawful", category))
    if topic is None and step.text.strip():
        topic = step.kb.compliance_match(step.text)
    if topic is None and verdict.get("verdict") != "unlawful":
        guidance = step.kb.guidance_match(step.text)
        if guidance is not None:  # "逢年过节送点印了logo的台历可以吗": a grey area, answered with its limits
            return _grey_area(step, guidance)
    if topic is None:
        return step.out.say(replies.compliance_general()).as_kind("compliance_general")
    step.out.say(replies.compliance(topic))
    return step.out.set_slots({TOPIC_SLOT: topic.id})
