"""A sentence-level classifier per profile dimension (style, motive, stage, grade).

Reps describe the same trait in ways no lexicon lists; a logistic regression over character and word
n-grams (`keqing.nlu.features`) carries over to paraphrases and typos. Each dimension has a "none"
class, trained on the descriptions that say nothing about it and on messages about no person at all, so
a shipping note is not read as a customer type. Probabilities are temperature-calibrated on held-out
folds of the training data. Evidence comes from the words that pulled towards the predicted value
(`keqing.nlu.evidence`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from keqing.nlu.evidence import phrases
from keqing.nlu.features import TextFeatures, grams
from keqing.nlu.linear import LinearModel
from keqing.taxonomy import CATEGORICAL
from keqing.text.tokenize import Segmenter, Tok

NONE = "__none__"
DEFAULT_C = 8.0


@dataclass(frozen=True)
class Sample:
    text: str
    labels: Mapping[str, Optional[str]]  # dimension -> value or None (None = says nothing about it)


@dataclass(frozen=True)
class Vote:
    """The classifier's view of one dimension: probability per value (NONE included) and, for its best
    value, the evidence spans (start, end) in the text as typed, strongest first."""

    probs: Dict[str, float]
    spans: List[Tuple[int, int]]

    @property
    def best(self) -> Optional[str]:
        values = [v for v in self.probs if v != NONE]
        return max(values, key=lambda v: self.probs[v]) if values else None


class ProfileClassifier:
    def __init__(self, models: Dict[str, LinearModel], segmenter: Optional[Segmenter] = None) -> None:
        self.models = models
        self.segmenter = segmenter

    @classmethod
    def fit(cls, samples: Sequence[Sample], dims: Sequence[str] = CATEGORICAL, c: float = DEFAULT_C,
            segmenter: Optional[Segmenter] = None) -> ProfileClassifier:
        texts = [s.text for s in samples]
        features = TextFeatures.fit(texts, segmenter=segmenter)  # one vocabulary for every dimension
        matrix = features.matrix(texts)
        models: Dict[str, LinearModel] = {}
        for dim in dims:
            labels = [str(s.labels.get(dim)) if s.labels.get(dim) is not None else NONE for s in samples]
            if len(set(labels)) < 2:
                continue
            models[dim] = LinearModel.fit(texts, labels, c=c, features=features, matrix=matrix)
        return cls(models, segmenter)

    def save(self, folder: Path) -> None:
        for dim, model in self.models.items():
            model.save(folder, dim)

    @classmethod
    def load(cls, folder: Path, dims: Sequence[str] = CATEGORICAL,
             segmenter: Optional[Segmenter] = None) -> ProfileClassifier:
        folder = Path(folder)
        models = {d: LinearModel.load(folder, d, segmenter) for d in dims if (folder / f"{d}.json").exists()}
        return cls(models, segmenter)

    def tokens(self, text: str) -> List[Tok]:
        seg = self.segmenter
        if seg is None:
            from keqing.text.tokenize import default_segmenter

            seg = default_segmenter()
        return seg.tokenize(text)

    def votes(self, text: str, tokens: Optional[List[Tok]] = None) -> Dict[str, Vote]:
        """One `Vote` per dimension."""
        tokens = tokens if tokens is not None else self.tokens(text)
        found = grams(text, tokens)
        out: Dict[str, Vote] = {}
        for dim, model in self.models.items():
            probs = model.probabilities(text, found)
            best = max((v for v in probs if v != NONE), key=lambda v: probs[v], default=None)
            spans: List[Tuple[int, int]] = []
            if best is not None:
                pulls = model.contributions(text, best, found)
                spans = [(p.start, p.end) for p in phrases(text, tokens, pulls)]
            out[dim] = Vote(probs, spans)
        return out


def samples_from(examples: Iterable[Tuple[str, Mapping[str, Optional[str]]]],
                 cue_phrases: Iterable[Tuple[str, str, str]] = (), dims: Sequence[str] = CATEGORICAL) -> List[Sample]:
    """Training samples: (text, labels) pairs, plus each knowledge-base cue phrase as a short sample
    labelled with its value for its own dimension (and unknown, so left out, for the others)."""
    out = [Sample(text, {d: labels.get(d) for d in dims}) for text, labels in examples]
    for dim, value, phrase in cue_phrases:
        if dim in dims:
            out.append(Sample(phrase, {d: (value if d == dim else None) for d in dims}))
    return out
