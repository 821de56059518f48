"""Reading one message: the customer profile (with evidence), who it is about, and what kind of message it is.

`ProfileReader` holds what a trained model contributes (the profile classifier, the cue lexicon, the
compliance detector and the segmenter they were trained with) and turns a message into

- `customer_profile`: the interface's five dimensions for the message as a whole;
- `people`: one entry per person the message is about, each with the profile of its own part of the
  message ("第一个是欧阳总,做事雷厉风行;第二个是小林,人很nice但是没主见" → two people, two readings);
- `compliance`: the compliance check's verdict (runs first: an unlawful request gets no profile at all).

Message kinds that are not about a person (notes, news, questions) get no person traits: the intent
says what kind of message it is, and only descriptions, shares and corrections carry a profile.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from keqing.nlu.classifier import ProfileClassifier
from keqing.nlu.cues import CueMatcher
from keqing.nlu.scoring import build_profile
from keqing.nlu.share import parse_share
from keqing.taxonomy import DIMENSIONS, PERSON_TRAITS
from keqing.text.names import find_names
from keqing.text.tokenize import Segmenter, Tok

# Intents whose messages describe a person (the profile is read in full).
DESCRIPTIVE_INTENTS = frozenset({"describe_customer", "provide_share", "correct_profile", "nlu_fallback"})
# Intents whose messages may state the business (share, stage, grade) but not the person's traits.
BUSINESS_INTENTS = frozenset({"report_news", "ask_strategy", "ask_next_step", "switch_customer"})
_SENTENCE = re.compile(r"[。!！?？;；\n]")


@dataclass(frozen=True)
class Person:
    name: str  # as typed
    start: int
    end: int
    segment: Tuple[int, int]  # the part of the message about this person
    profile: Dict[str, Optional[Dict[str, Any]]]

    def as_dict(self) -> Dict[str, Any]:
        return {"name": self.name, "start": self.start, "end": self.end, "segment": list(self.segment),
                "customer_profile": self.profile}


def empty_profile() -> Dict[str, Optional[Dict[str, Any]]]:
    return {d: None for d in DIMENSIONS}


def segments(text: str, mentions: Sequence[Tuple[int, int]]) -> List[Tuple[int, int]]:
    """The part of `text` about each mention: from the start of the sentence or clause holding it to the
    start of the next mention's clause (a message that names one person is one segment)."""
    if len(mentions) < 2:
        return [(0, len(text))] * len(mentions)
    cuts = []
    for start, _ in mentions:
        left = 0
        for m in re.finditer(r"[,，。!！?？;；\n、]", text[:start]):
            left = m.end()
        cuts.append(left)
    cuts[0] = 0
    return [(cuts[i], cuts[i + 1] if i + 1 < len(cuts) else len(text)) for i in range(len(cuts))]


class ProfileReader:
    def __init__(self, classifier: ProfileClassifier, cues: CueMatcher, segmenter: Segmenter) -> None:
        self.classifier = classifier
        self.cues = cues
        self.segmenter = segmenter

    def profile(self, text: str, tokens: Optional[List[Tok]] = None) -> Dict[str, Optional[Dict[str, Any]]]:
        tokens = tokens if tokens is not None else self.segmenter.tokenize(text)
        votes = self.classifier.votes(text, tokens)
        signals = self.cues.match(text, tokens)
        return build_profile(text, signals, parse_share(text), votes=votes)

    def read(self, text: str, intent: Optional[str] = None) -> Dict[str, Any]:
        """{"customer_profile": ..., "people": [...]} for one message (`intent` decides what is read)."""
        text = text or ""
        if not text.strip():
            return {"customer_profile": empty_profile(), "people": []}
        tokens = self.segmenter.tokenize(text)
        profile = self.profile(text, tokens)
        if intent is not None and intent not in DESCRIPTIVE_INTENTS:
            keep = ("stage", "share", "grade") if intent in BUSINESS_INTENTS else ()
            profile = {d: (v if d in keep else None) for d, v in profile.items()}
        people: List[Person] = []
        mentions = [(n.start, n.end, n.text) for n in find_names(text)]
        if len(mentions) >= 2 and (intent is None or intent in DESCRIPTIVE_INTENTS):
            for (start, end, name), seg in zip(mentions, segments(text, [(s, e) for s, e, _ in mentions])):
                part = text[seg[0] : seg[1]]
                people.append(Person(name, start, end, seg, self.profile(part)))
        elif mentions:
            start, end, name = mentions[0]
            people.append(Person(name, start, end, (0, len(text)), profile))
        return {"customer_profile": profile, "people": [p.as_dict() for p in people]}


def person_traits(profile: Dict[str, Optional[Dict[str, Any]]]) -> Dict[str, Optional[Dict[str, Any]]]:
    return {d: profile.get(d) for d in PERSON_TRAITS}
