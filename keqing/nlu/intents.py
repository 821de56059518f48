"""The intent classifier: what kind of message this is (a description, a question, news, a correction …).

A logistic regression over the same character and word n-grams as the profile classifier; trains in a
minute on the project's data, predicts in well under a millisecond, and gives calibrated confidences that
the fallback threshold can rely on.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from keqing.nlu.linear import LinearModel
from keqing.text.normalize import normalize
from keqing.text.tokenize import Segmenter

MODEL_NAME = "intents"
EXACT_FILE = "intents_exact.json"
DEFAULT_C = 10.0
# Short messages that are exactly a training example ("好", "行", "在吗") are answered by that example's
# intent: n-grams of one or two characters say too little for the regression ("好" is in 你好 and 好的).
EXACT_MAX_CHARS = 6
_PUNCT = re.compile(r"[\s,，。.!！?？~～、…]+")


def exact_key(text: str) -> str:
    return _PUNCT.sub("", normalize(text or "")).lower()


class IntentClassifier:
    def __init__(self, model: Optional[LinearModel], exact: Optional[Dict[str, str]] = None) -> None:
        self.model = model
        self.exact = exact or {}

    @classmethod
    def fit(cls, texts: Sequence[str], intents: Sequence[str], c: float = DEFAULT_C,
            segmenter: Optional[Segmenter] = None) -> IntentClassifier:
        if len(set(intents)) < 2:
            return cls(None)
        seen: Dict[str, set] = {}
        for text, intent in zip(texts, intents):
            key = exact_key(text)
            if key and len(key) <= EXACT_MAX_CHARS:
                seen.setdefault(key, set()).add(intent)
        exact = {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}  # only unambiguous examples
        return cls(LinearModel.fit(texts, intents, c=c, segmenter=segmenter), exact)

    def ranking(self, text: str, top: int = 10) -> List[Tuple[str, float]]:
        """(intent, confidence) best first."""
        if self.model is None or not (text or "").strip():
            return []
        probs: Dict[str, float] = self.model.probabilities(text)
        known = self.exact.get(exact_key(text))
        if known is not None and known in probs:
            # the regression keeps its say on the others, scaled below the exact match
            rest = 1.0 - probs[known]
            probs = {k: (0.98 if k == known else (p / rest * 0.02 if rest > 0 else 0.0)) for k, p in probs.items()}
        return sorted(probs.items(), key=lambda kv: -kv[1])[:top]

    def save(self, folder: Path) -> None:
        if self.model is not None:
            self.model.save(folder, MODEL_NAME)
            (Path(folder) / EXACT_FILE).write_text(json.dumps(self.exact, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, segmenter: Optional[Segmenter] = None) -> IntentClassifier:
        path = Path(folder) / f"{MODEL_NAME}.json"
        exact_path = Path(folder) / EXACT_FILE
        exact = json.loads(exact_path.read_text(encoding="utf-8")) if exact_path.exists() else {}
        return cls(LinearModel.load(folder, MODEL_NAME, segmenter) if path.exists() else None, exact)
