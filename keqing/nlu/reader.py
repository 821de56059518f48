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
from keqing.text.names import NameMatch, find_names
from keqing.text.tokenize import Segmenter, Tok

# Intents whose messages describe a person (the profile is read in full).
DESCRIPTIVE_INTENTS = frozenset({"describe_customer", "provide_share", "correct_profile", "nlu_fallback"})
# Intents whose messages may state the business (share, stage, grade) but not the person's traits.
BUSINESS_INTENTS = frozenset({"report_news", "ask_strategy", "ask_next_step", "switch_customer"})
# A visit note may state our share ("我们目前供应他们约七成"), never a person's traits or a grade.
NOTE_INTENTS = frozenset({"note"})
CORRECTION_INTENT = "correct_profile"
_SENTENCE = re.compile(r"[。!！?？;；\n]")


@dataclass(frozen=True)
class Person:
    name: str  # as typed
    start: int
    end: int
    segment: Tuple[int, int]  # the part of the message about this person
    profile: Dict[str, Optional[Dict[str, Any]]]
    clauses: Tuple[Tuple[int, int], ...] = ()  # the clauses about this person (all of the message for one person)

    def as_dict(self) -> Dict[str, Any]:
        return {"name": self.name, "start": self.start, "end": self.end, "segment": list(self.segment),
                "clauses": [list(c) for c in self.clauses], "customer_profile": self.profile}


def _within(profile: Dict[str, Optional[Dict[str, Any]]], text: str) -> Dict[str, Optional[Dict[str, Any]]]:
    """Evidence read from a person's clauses joined together stays only where it is in the message as typed."""
    out: Dict[str, Optional[Dict[str, Any]]] = {}
    for dim, value in profile.items():
        if value is None:
            out[dim] = None
            continue
        evidence = [e for e in value.get("evidence") or [] if e in text]
        out[dim] = dict(value, evidence=evidence)
    return out


# Words that put a person at another company than the rest of the message ("小陈是另一家的采购").
_OTHER_ACCOUNT = re.compile(r"另一家|另外一家|别家|另一个客户|另外一个客户|其他客户")


def _with_account_share(sub: Dict[str, Optional[Dict[str, Any]]], whole: Dict[str, Optional[Dict[str, Any]]],
                        text: str) -> Dict[str, Optional[Dict[str, Any]]]:
    """Several people of one account: our share of that account, said once ("目前他们100%用竞品"), holds for
    each of them when their own clauses say none, unless the message spans more than one account."""
    if sub.get("share") or not whole.get("share") or _OTHER_ACCOUNT.search(text):
        return sub
    return dict(sub, share=whole["share"], stage=whole.get("stage"))


def empty_profile() -> Dict[str, Optional[Dict[str, Any]]]:
    return {d: None for d in DIMENSIONS}


# Clause breaks: punctuation, line breaks, and spaces between Chinese words (voice and WeChat style).
_CLAUSE = re.compile(r"[,，。!！?？;；\n、]|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
# A name right after these is an object or a comparison ("比老周还难搞", "跟王总谈"), not the clause's subject.
_OBJECT_BEFORE = re.compile(r"(?:比|跟|和|对|给|(?<![顾学疑访提询])问|向|找|见|约|同|与|像|听|替|帮)$")
# A name followed by these is someone the clause relates its subject to ("吕总的助理", "Kevin下面有个Linda").
_OBJECT_AFTER = re.compile(
    r"^(?:的(?:助理|手下|下属|老板|领导|上司|上级|秘书|同事|部下|团队|人|老婆|太太|爱人|儿子|女儿|朋友|对接人|副手|搭档|徒弟|"
    r"师傅|亲戚|表弟|小舅子|(?i:boss|manager|supervisor|assistant|team|head|gm|vp|director|buyer|pa))|下面|手下|底下|身边|那边的人|旁边)")


def clauses(text: str) -> List[Tuple[int, int]]:
    spans, start = [], 0
    for m in _CLAUSE.finditer(text):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def assign_clauses(text: str, mentions: Sequence[NameMatch]) -> Dict[str, List[Tuple[int, int]]]:
    """Each person's clauses: a clause belongs to the person who is its subject, else to the person the
    message was last about (so "他…" and unnamed clauses continue with them). Keys are person names."""
    out: Dict[str, List[Tuple[int, int]]] = {}
    current: Optional[str] = None
    pending: List[Tuple[int, int]] = []  # clauses before anyone is named go to the first person
    for start, end in clauses(text):
        inside = [m for m in mentions if start <= m.start < end]
        subjects = [m for m in inside if not _OBJECT_BEFORE.search(text[max(start, m.start - 2) : m.start])
                    and not _OBJECT_AFTER.match(text[m.end : end])]
        chosen = subjects[0] if subjects else (inside[0] if inside and current is None else None)
        if chosen is not None:
            current = chosen.name
        if current is None:
            pending.append((start, end))
            continue
        spans = out.setdefault(current, [])
        if pending:
            spans.extend(pending)
            pending = []
        spans.append((start, end))
    return out


class ProfileReader:
    def __init__(self, classifier: ProfileClassifier, cues: CueMatcher, segmenter: Segmenter) -> None:
        self.classifier = classifier
        self.cues = cues
        self.segmenter = segmenter

    def profile(self, text: str, tokens: Optional[List[Tok]] = None, cues_win: bool = False,
                names: Optional[Sequence[str]] = None) -> Dict[str, Optional[Dict[str, Any]]]:
        """`cues_win`: a knowledge-base cue decides a person trait whatever the classifier thinks (a
        correction states the new value outright: "不对,他其实挺强势的")."""
        tokens = tokens if tokens is not None else self.segmenter.tokenize(text)
        votes = self.classifier.votes(text, tokens)
        signals = self.cues.match(text, tokens)
        share = parse_share(text)
        profile = build_profile(text, signals, share, votes=votes)
        if cues_win and signals:
            stated = build_profile(text, signals, share)
            profile.update({d: stated[d] for d in PERSON_TRAITS if stated.get(d)})
        return without_name_evidence(profile, text, names)

    def read(self, text: str, intent: Optional[str] = None) -> Dict[str, Any]:
        """{"customer_profile": ..., "people": [...]} for one message (`intent` decides what is read)."""
        text = text or ""
        if not text.strip():
            return {"customer_profile": empty_profile(), "people": []}
        tokens = self.segmenter.tokenize(text)
        mentions = find_names(text)  # once per message: the readings and the people both need them
        typed = [m.text for m in mentions]
        profile = self.profile(text, tokens, cues_win=intent == CORRECTION_INTENT, names=typed)
        if intent is not None and intent not in DESCRIPTIVE_INTENTS:
            keep = ("stage", "share", "grade") if intent in BUSINESS_INTENTS else \
                ("stage", "share") if intent in NOTE_INTENTS else ()
            profile = {d: (v if d in keep else None) for d, v in profile.items()}
        people: List[Person] = []
        names = list(dict.fromkeys(m.name for m in mentions))
        if len(names) >= 2 and (intent is None or intent in DESCRIPTIVE_INTENTS):
            for name, spans in assign_clauses(text, mentions).items():
                first = next(m for m in mentions if m.name == name)
                part = "。".join(text[s:e] for s, e in spans)
                sub = self.profile(part, names=typed)
                people.append(Person(name, first.start, first.end, (spans[0][0], spans[-1][1]),
                                     _with_account_share(_within(sub, text), profile, text), tuple(spans)))
        elif mentions:
            first = mentions[0]
            people.append(Person(first.name, first.start, first.end, (0, len(text)), profile, ((0, len(text)),)))
        return {"customer_profile": profile, "people": [p.as_dict() for p in people]}


def without_name_evidence(profile: Dict[str, Optional[Dict[str, Any]]], text: str,
                          names: Optional[Sequence[str]] = None) -> Dict[str, Optional[Dict[str, Any]]]:
    """A person's name is no evidence of their style, motive or grade ("石经理人还挺好的" read 和蔼型 from
    '石经理'): such evidence is dropped, and a reading left with no evidence at all is no reading."""
    names = [m.text for m in find_names(text)] if names is None else list(names)
    if not names:
        return profile
    out = dict(profile)
    for dim in ("style", "motive", "grade"):
        entry = out.get(dim)
        if not entry or not entry.get("evidence"):
            continue
        kept = [ev for ev in entry["evidence"] if not any(ev in name or (name in ev and len(ev) <= len(name) + 1)
                                                            for name in names)]
        if len(kept) != len(entry["evidence"]):
            out[dim] = dict(entry, evidence=kept) if kept else None
    return out


def person_traits(profile: Dict[str, Optional[Dict[str, Any]]]) -> Dict[str, Optional[Dict[str, Any]]]:
    return {d: profile.get(d) for d in PERSON_TRAITS}
