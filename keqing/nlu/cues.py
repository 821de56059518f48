"""The explainable half of the profile: a spaCy pipeline (blank `zh`, jieba segmenter) whose
EntityRuler holds the cue lexicon. Built at training time, saved to a folder (which the Rasa
component puts inside the model archive), loaded from there by the server."""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Iterable, List, Optional

from keqing.nlu.lexicon import Cue
from keqing.nlu.scoring import Signal
from keqing.text import tokenize as kt
from keqing.text.normalize import normalize

logger = logging.getLogger(__name__)

PHRASES_FILE = "phrases.json"
RULER_CONFIG = {"phrase_matcher_attr": "LOWER", "overwrite_ents": True}


def _blank_zh() -> Any:
    import spacy

    return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})


def _attach_segmenter(nlp: Any, phrases: Iterable[str]) -> None:
    """Give the pipeline its own jieba segmenter holding the sales dictionary and the cue phrases, so
    cue phrases are tokens and no other vocabulary splits them differently."""
    seg = kt.new_segmenter()
    kt.load_userdicts(segmenter=seg)
    kt.add_words(phrases, segmenter=seg)
    nlp.tokenizer.jieba_seg = seg


class CueMatcher:
    def __init__(self, nlp: Any, phrases: Optional[List[str]] = None) -> None:
        self.nlp = nlp
        self._phrases: List[str] = phrases or []

    @classmethod
    def build(cls, lexicon: Iterable[Cue]) -> CueMatcher:
        lexicon = list(lexicon)
        nlp = _blank_zh()
        _attach_segmenter(nlp, [c.phrase for c in lexicon])
        ruler = nlp.add_pipe("entity_ruler", config=RULER_CONFIG)
        ruler.add_patterns(
            [{"label": c.dimension, "pattern": c.phrase, "id": c.value} for c in lexicon]
        )
        return cls(nlp, sorted({c.phrase for c in lexicon}))

    def save(self, folder: Path) -> None:
        folder = Path(folder)
        self.nlp.to_disk(folder / "spacy")
        (folder / PHRASES_FILE).write_text(json.dumps(self._phrases, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> CueMatcher:
        import spacy

        folder = Path(folder)
        phrases = json.loads((folder / PHRASES_FILE).read_text(encoding="utf-8"))
        nlp = spacy.load(folder / "spacy")
        _attach_segmenter(nlp, phrases)
        # The saved ruler tokenised its patterns with jieba's default dictionary while loading;
        # tokenise them again with the attached segmenter so patterns and texts agree.
        patterns = nlp.get_pipe("entity_ruler").patterns  # type: ignore[attr-defined]
        nlp.remove_pipe("entity_ruler")
        nlp.add_pipe("entity_ruler", config=RULER_CONFIG).add_patterns(patterns)  # type: ignore[attr-defined]
        return cls(nlp, phrases)

    def match(self, text: str) -> List[Signal]:
        norm = normalize(text)
        if not norm.strip():
            return []
        doc = self.nlp(norm)
        return [
            Signal(ent.label_, ent.ent_id_, ent.start_char, ent.end_char, 1.0, "lexicon")
            for ent in doc.ents
            if ent.ent_id_
        ]
