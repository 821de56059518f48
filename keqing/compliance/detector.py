"""The compliance check that runs on every message before anything is read or stored.

A classifier over character and word n-grams (`keqing.nlu.linear`) trained on labelled requests for
unlawful tactics (17 categories, with disguises, euphemisms, Traditional and English-mixed text), their
innocent look-alikes (token gifts, contracted rebates …, 10 grey-area categories) and every other
training message as lawful, combined with the explainable patterns of `keqing.compliance.patterns`:

- unlawful when the classifier's probability for the unlawful categories together reaches
  `UNLAWFUL_PROB`, or `PATTERN_PROB` with a pattern hit, or when a pattern names the tactic outright;
- grey when a grey-area category is the most likely class;
- otherwise none.

The verdict names the category (the knowledge base item that answers it) and the words behind it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

from keqing.compliance import patterns
from keqing.compliance.categories import GREY, GREY_ALIASES, LAWFUL, UNLAWFUL
from keqing.nlu.evidence import phrases
from keqing.nlu.linear import LinearModel
from keqing.text.tokenize import Segmenter

UNLAWFUL_PROB = 0.7
DECLINING_PROB = 0.95
PATTERN_PROB = 0.25
GREY_PROB = 0.4
SUSPECT_PROB = 0.15
MODEL_NAME = "compliance"


@dataclass(frozen=True)
class Verdict:
    verdict: str  # "unlawful" | "grey" | "none"
    category: Optional[str] = None
    confidence: float = 0.0
    evidence: Tuple[str, ...] = ()  # words of the message as typed
    reasons: Tuple[str, ...] = field(default=())  # pattern words that fired

    @property
    def unlawful(self) -> bool:
        return self.verdict == "unlawful"

    def as_dict(self) -> Dict[str, Any]:
        return {"verdict": self.verdict, "category": self.category, "confidence": round(self.confidence, 3),
                "evidence": list(self.evidence), "reasons": list(self.reasons)}


NONE = Verdict("none")


def label_of(label: str, category: Optional[str]) -> str:
    """The classifier's class for a labelled example: unlawful:<cat>, grey:<cat> or lawful."""
    category = GREY_ALIASES.get(category or "", category)
    if label == "unlawful" and category in UNLAWFUL:
        return f"unlawful:{category}"
    if label == "innocent" and category in GREY:
        return f"grey:{category}"
    return LAWFUL


class ComplianceDetector:
    def __init__(self, model: Optional[LinearModel], segmenter: Optional[Segmenter] = None) -> None:
        self.model = model
        self.segmenter = segmenter

    @classmethod
    def fit(cls, examples: Iterable[Tuple[str, str]], c: float = 10.0,
            segmenter: Optional[Segmenter] = None) -> ComplianceDetector:
        """examples: (text, class) with classes from `label_of`."""
        rows = list(examples)
        if len({label for _, label in rows}) < 2:
            return cls(None, segmenter)
        model = LinearModel.fit([t for t, _ in rows], [label for _, label in rows], c=c, segmenter=segmenter)
        return cls(model, segmenter)

    def save(self, folder: Path) -> None:
        if self.model is not None:
            self.model.save(folder, MODEL_NAME)

    @classmethod
    def load(cls, folder: Path, segmenter: Optional[Segmenter] = None) -> ComplianceDetector:
        path = Path(folder) / f"{MODEL_NAME}.json"
        return cls(LinearModel.load(folder, MODEL_NAME, segmenter) if path.exists() else None, segmenter)

    def check(self, text: str) -> Verdict:
        text = text or ""
        if not text.strip():
            return NONE
        probs: Dict[str, float] = self.model.probabilities(text) if self.model is not None else {}
        unlawful = {k.split(":", 1)[1]: p for k, p in probs.items() if k.startswith("unlawful:")}
        grey = {k.split(":", 1)[1]: p for k, p in probs.items() if k.startswith("grey:")}
        p_unlawful = sum(unlawful.values())
        hit = patterns.strongest(text)
        pattern_score = hit.score if hit else 0.0
        category = max(unlawful, key=lambda k: unlawful[k]) if unlawful else None
        # 陪标, 围标, or a gift for the deal itself: no innocent reading
        named = hit is not None and hit.kind in ("word", "deal") and pattern_score >= 0.8
        # a rep who declines ("公司严格禁止,怎么回应") needs a pattern to be refused, not the classifier alone
        model_bar = DECLINING_PROB if patterns.declines(text) else UNLAWFUL_PROB
        if named or p_unlawful >= model_bar or (hit is not None and pattern_score >= 0.5 and p_unlawful >= PATTERN_PROB):
            if hit is not None and hit.category and (named or category is None
                                                     or unlawful.get(category, 0) < 0.5 * p_unlawful):
                category = hit.category  # the pattern names the tactic when the classifier is split
            confidence = max(p_unlawful, pattern_score * 0.9) if hit else p_unlawful
            return Verdict("unlawful", category, confidence, self._evidence(text, f"unlawful:{category}"),
                           hit.words if hit else ())
        if grey:
            best = max(grey, key=lambda k: grey[k])
            p_lawful = probs.get(LAWFUL, 0.0)
            if sum(grey.values()) >= GREY_PROB and grey[best] >= p_lawful:
                return Verdict("grey", best, sum(grey.values()), self._evidence(text, f"grey:{best}"))
        if category is not None and p_unlawful >= SUSPECT_PROB:
            # not a refusal, but the likeliest tactic, for when the message is answered as a benefit question
            return Verdict("none", category, p_unlawful)
        return NONE

    def _evidence(self, text: str, label: str) -> Tuple[str, ...]:
        if self.model is None or label not in self.model.classes:
            return ()
        tokens = (self.segmenter.tokenize(text) if self.segmenter else None) or []
        if not tokens:
            from keqing.text.tokenize import tokenize

            tokens = tokenize(text)
        found = self.model.features.grams(text)
        pulls = self.model.contributions(text, label, found)
        return tuple(text[p.start : p.end] for p in phrases(text, tokens, pulls))


BENEFIT_INTENT = "ask_improper_benefit"


def training_examples(messages: Iterable[Tuple[str, Optional[str], Optional[Dict[str, Any]]]]) -> List[Tuple[str, str]]:
    """(text, class) from training messages (text, intent, metadata): those with `compliance` metadata by
    their label; questions about benefits without a label are left out (their category is unknown);
    every other message is lawful."""
    out: List[Tuple[str, str]] = []
    for text, intent, meta in messages:
        comp = meta.get("compliance") if isinstance(meta, dict) else None
        if isinstance(comp, dict):
            out.append((text, label_of(str(comp.get("label")), comp.get("category"))))
        elif intent != BENEFIT_INTENT:
            out.append((text, LAWFUL))
    return out
