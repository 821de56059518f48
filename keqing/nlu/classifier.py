"""A sentence-level classifier per profile dimension (character n-grams + logistic regression).

Reps describe the same trait in ways no lexicon lists; character n-grams carry over to paraphrases
("问得很细" → "问得特别细"). Labels come from the annotated training data (the value whose cue spans a
description carries) plus the knowledge base's cue phrases. Each dimension also has a "none" class,
because most descriptions say nothing about most dimensions. Its evidence is the n-grams that pushed
hardest towards the predicted value, mapped to spans of the text as typed.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from keqing.text.normalize import normalize

NONE = "__none__"
NGRAMS = (1, 3)  # 5-fold CV on the training data: (1,3) beat (1,2), (1,4), (2,3)


@dataclass
class _DimModel:
    vocabulary: Dict[str, int]
    idf: np.ndarray
    coef: np.ndarray  # (classes, features)
    intercept: np.ndarray
    classes: List[str]


_PUNCT = set(",.!?;:，。！？；：、\"'“”‘’()（）[]【】<>《》~～-—_/\\|@#$%^&*+=` \t\n")


def _wordlike(gram: str) -> bool:
    """Evidence must read as words: no punctuation or spaces, not a lone Latin fragment."""
    return not any(c in _PUNCT for c in gram) and not gram.isascii()


def _vectorizer() -> Any:
    """Training only; prediction computes the same features directly (see `char_ngrams`)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer="char", ngram_range=NGRAMS, sublinear_tf=True, lowercase=True, min_df=1)


_WHITESPACE_RUNS = re.compile(r"\s\s+")


def char_ngrams(norm: str) -> Dict[str, int]:
    """Counts of the character n-grams the vectorizer's analyzer yields (lower-cased, runs of
    whitespace folded to one space). sklearn's transform costs ~1 ms a call in validation alone;
    this keeps `/model/parse` fast."""
    doc = _WHITESPACE_RUNS.sub(" ", norm.lower())
    counts: Dict[str, int] = {}
    lo, hi = NGRAMS
    for n in range(lo, min(hi, len(doc)) + 1):
        for i in range(len(doc) - n + 1):
            gram = doc[i : i + n]
            counts[gram] = counts.get(gram, 0) + 1
    return counts


class ProfileClassifier:
    def __init__(self, models: Optional[Dict[str, _DimModel]] = None) -> None:
        self.models: Dict[str, _DimModel] = models or {}

    @classmethod
    def fit(cls, samples: Dict[str, List[Tuple[str, Optional[str]]]], c: float = 20.0) -> ProfileClassifier:
        """samples: dimension -> [(text, value or None)]. Classes are weighted inversely to their
        frequency (5-fold CV: a heavier 'none' class lost more recall than it gained precision)."""
        from sklearn.linear_model import LogisticRegression

        models = {}
        for dim, rows in samples.items():
            texts = [normalize(t) for t, _ in rows]
            labels = [v if v else NONE for _, v in rows]
            if len(set(labels)) < 2:
                continue
            vec = _vectorizer()
            x = vec.fit_transform(texts)
            lr = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
            lr.fit(x, labels)
            models[dim] = _DimModel(dict(vec.vocabulary_), vec.idf_, lr.coef_, lr.intercept_, list(lr.classes_))
        return cls(models)

    def save(self, folder: Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        meta = {}
        for dim, m in self.models.items():
            np.savez(folder / f"{dim}.npz", idf=m.idf, coef=m.coef, intercept=m.intercept)
            meta[dim] = {"vocabulary": m.vocabulary, "classes": m.classes}
        (folder / "classifier.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> ProfileClassifier:
        folder = Path(folder)
        meta = json.loads((folder / "classifier.json").read_text(encoding="utf-8"))
        models = {}
        for dim, m in meta.items():
            arrays = np.load(folder / f"{dim}.npz")
            models[dim] = _DimModel(m["vocabulary"], arrays["idf"], arrays["coef"], arrays["intercept"], m["classes"])
        return cls(models)

    def _logits(self, m: _DimModel, counts: Dict[str, int]) -> np.ndarray:
        """The logistic-regression scores of one dimension: sublinear TF-IDF over the model's
        vocabulary, L2-normalised (exactly what `TfidfVectorizer(sublinear_tf=True)` computes), then
        a dot product with the coefficient columns of the n-grams present."""
        idx: List[int] = []
        weights: List[float] = []
        for gram, count in counts.items():
            j = m.vocabulary.get(gram)
            if j is not None:
                idx.append(j)
                weights.append((1.0 + math.log(count)) * m.idf[j])
        if not idx:
            return m.intercept.copy()
        w = np.asarray(weights)
        w /= np.sqrt(w @ w)
        return m.coef[:, idx] @ w + m.intercept

    def predict(self, text: str) -> Dict[str, Dict[str, float]]:
        """dimension -> {value: probability} (the 'none' class included as NONE)."""
        counts = char_ngrams(normalize(text))
        out = {}
        for dim, m in self.models.items():
            logits = self._logits(m, counts)
            if len(m.classes) == 2 and m.coef.shape[0] == 1:  # binary LR keeps one row
                p1 = 1 / (1 + np.exp(-logits[0]))
                probs = np.array([1 - p1, p1])
            else:
                e = np.exp(logits - logits.max())
                probs = e / e.sum()
            out[dim] = {c: float(p) for c, p in zip(m.classes, probs, strict=False)}
        return out

    def evidence(self, text: str, dim: str, value: str, top: int = 2) -> List[Tuple[int, int]]:
        """Spans (start, end) of the n-grams that pushed most towards `value`, merged and widened to
        at least two characters."""
        m = self.models.get(dim)
        if not m or value not in m.classes:
            return []
        norm = normalize(text).lower()
        row = m.coef[m.classes.index(value)] if m.coef.shape[0] > 1 else m.coef[0]
        scored = []
        for n in (3, 2):
            for i in range(len(norm) - n + 1):
                gram = norm[i : i + n]
                j = m.vocabulary.get(gram)
                if j is not None and row[j] > 0 and _wordlike(gram):
                    scored.append((row[j] * m.idf[j], i, i + n))
        scored.sort(reverse=True)
        spans: List[Tuple[int, int]] = []
        for _, s, e in scored:
            if any(s < e2 and e > s2 for s2, e2 in spans):
                continue
            spans.append((s, e))
            if len(spans) >= top:
                break
        return sorted(spans)


def training_samples(examples: Iterable[Tuple[str, Dict[str, List[str]]]],
                     cue_phrases: Iterable[Tuple[str, str, str]],
                     dims: Sequence[str]) -> Dict[str, List[Tuple[str, Optional[str]]]]:
    """examples: (text, {dimension: [values of its annotated cue spans]}); cue_phrases:
    (dimension, value, phrase). The label of a text is its most frequent annotated value."""
    samples: Dict[str, List[Tuple[str, Optional[str]]]] = {d: [] for d in dims}
    for text, values in examples:
        for d in dims:
            vals = values.get(d) or []
            label = max(set(vals), key=vals.count) if vals else None
            samples[d].append((text, label))
    for d, v, phrase in cue_phrases:
        if d in samples:
            samples[d].append((phrase, v))
    return samples


def votes(classifier: ProfileClassifier, text: str) -> Dict[str, Any]:
    """The classifier's `ClassifierVote` per dimension, with evidence spans for its best value."""
    from keqing.nlu.scoring import ClassifierVote

    out = {}
    for dim, probs in classifier.predict(text).items():
        best = max((v for v in probs if v != NONE), key=lambda v: probs[v], default=None)
        spans = {best: classifier.evidence(text, dim, best)} if best else {}
        out[dim] = ClassifierVote(probs, spans)
    return out
