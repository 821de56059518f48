"""One message understood: the compliance check first, then what kind of message it is and what it says.

1. Compliance: a request for an unlawful tactic becomes `ask_improper_benefit` and carries no profile, no
   people and no names, whatever the intent classifier thought (it is never stored as a description).
   A grey-area question (a token gift, a contracted rebate) becomes `ask_improper_benefit` too, unless it
   is a description of a person that merely mentions such things.
2. The profile: read in full for descriptions, shares and corrections; only the business (share, stage,
   grade) for news and questions; nothing for other messages.
3. A message the intent classifier could not place (`nlu_fallback`) but that clearly describes a customer
   is a description.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from keqing.compliance.detector import ComplianceDetector
from keqing.nlu.reader import DESCRIPTIVE_INTENTS, ProfileReader, empty_profile
from keqing.nlu.scoring import describes_customer
from keqing.nlu.share import parse_share
from keqing.taxonomy import CONCEPT_TERMS, PERSON_TRAITS
from keqing.text.names import find_names
from keqing.text.questions import asks_meaning_of, is_question

BENEFIT_INTENT = "ask_improper_benefit"
DESCRIBE_INTENT = "describe_customer"
DESCRIPTION_OVER_BENEFIT = 0.5  # the unlawful probability below which a described person wins
EXTRACTOR = "KeqingReader"
ABOUT_THE_BOT = frozenset({"help", "bot_challenge"})
MEANING_OVERRIDES = frozenset({"note", "describe_customer", "out_of_scope", "nlu_fallback", "report_news",
                               "ask_strategy", "ask_detail", "help"})
PEOPLE_QUESTIONS = frozenset({"ask_key_people", "ask_account_map"})
# Grey areas that have an intent of their own.
GREY_INTENTS = {"internal_disagreement": "ask_key_people", "competitor_public": "ask_strategy"}


@dataclass
class Understanding:
    intent: Optional[str]
    confidence: float
    profile: Dict[str, Optional[Dict[str, Any]]]
    people: List[Dict[str, Any]] = field(default_factory=list)
    compliance: Dict[str, Any] = field(default_factory=dict)
    entities: List[Dict[str, Any]] = field(default_factory=list)


def entities_of(text: str) -> List[Dict[str, Any]]:
    """`customer` names as typed and the `share` expression (what the dialogue uses)."""
    out: List[Dict[str, Any]] = []
    for n in find_names(text):
        out.append({"entity": "customer", "start": n.start, "end": n.end, "value": n.text,
                    "confidence_entity": 1.0, "extractor": EXTRACTOR})
    share = parse_share(text)
    if share is not None:
        out.append({"entity": "share", "start": share.start, "end": share.end, "value": share.text,
                    "confidence_entity": share.confidence, "extractor": EXTRACTOR})
    return sorted(out, key=lambda e: e["start"])


def understand(text: str, intent: Optional[str], confidence: float, reader: ProfileReader,
               detector: ComplianceDetector) -> Understanding:
    verdict = detector.check(text)
    if verdict.unlawful:
        return Understanding(BENEFIT_INTENT, max(confidence, verdict.confidence), empty_profile(), [],
                             verdict.as_dict(), [])
    if intent == BENEFIT_INTENT and verdict.verdict == "none" and verdict.confidence < DESCRIPTION_OVER_BENEFIT:
        # The intent classifier took it for a benefit question, the compliance check did not: a report of
        # what the customer is like ("那个采购又在暗示要点意思了,我装没听懂") is read as a description.
        described = reader.read(text, DESCRIBE_INTENT)
        profile = described["customer_profile"]
        if any((profile.get(d) or {}).get("confidence", 0) >= 0.5 for d in PERSON_TRAITS):
            intent = DESCRIBE_INTENT
    read = reader.read(text, intent)
    profile = read["customer_profile"]
    if verdict.verdict == "grey":
        describes_person = intent in DESCRIPTIVE_INTENTS and any(profile.get(d) for d in PERSON_TRAITS)
        if not describes_person:
            new_intent = GREY_INTENTS.get(verdict.category or "", BENEFIT_INTENT)
            return Understanding(new_intent, max(confidence, verdict.confidence), empty_profile(), [],
                                 verdict.as_dict(), entities_of(text))
    if intent in PEOPLE_QUESTIONS and not is_question(text) and find_names(text):
        # "晏总是决策者,老郭一直反对我们": a statement about people is a description of them
        intent = DESCRIBE_INTENT
        read = reader.read(text, intent)  # each person with their own clauses
        profile = read["customer_profile"]
    if intent in MEANING_OVERRIDES and asks_meaning_of(text, list(CONCEPT_TERMS)):
        # "顺便问一下,鸽子型到底是啥意思?": a question about the product's own term, not a note
        return Understanding("ask_concept", confidence, empty_profile(), [], verdict.as_dict(), entities_of(text))
    if intent in ABOUT_THE_BOT and find_names(text):
        # "Tony能帮我做些什么?": a question about a person, not about the assistant
        intent = "ask_key_people"
    rescued = describes_customer({"name": intent}, profile)
    if rescued:
        intent, confidence = rescued["name"], float(rescued["confidence"])
        read = reader.read(text, intent)
        profile = read["customer_profile"]
    return Understanding(intent, confidence, profile, read["people"], verdict.as_dict(), entities_of(text))
