"""jieba segmentation with the project's sales vocabulary, on normalised text.

Tokens carry offsets into the text as typed (normalisation keeps lengths) and are never empty or
whitespace: mixed Chinese/English input makes jieba emit " " tokens, which crash DIET (Rasa issue 7910).
"""
from __future__ import annotations

import glob
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List, Optional, Sequence

from keqing.text import normalize

logger = logging.getLogger(__name__)

USERDICT_DIR = Path(__file__).parent / "resources" / "jieba"

_lock = threading.Lock()
_loaded: set = set()


@dataclass(frozen=True)
class Tok:
    text: str  # normalised form (Simplified, half-width): what features are built from
    start: int  # offsets into the original text
    end: int


def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def load_userdicts(folder: Optional[os.PathLike] = None) -> None:
    """Load every dictionary file in `folder` into jieba once (idempotent, thread-safe)."""
    folder = Path(folder or USERDICT_DIR)
    with _lock:
        for path in sorted(glob.glob(str(folder / "*.txt"))):
            key = os.path.realpath(path)
            if key in _loaded:
                continue
            _jieba().load_userdict(path)
            _loaded.add(key)
            logger.debug("loaded jieba user dictionary %s", path)


def add_words(words: Iterable[str]) -> None:
    """Make multi-character phrases (the cue lexicon) single tokens where jieba agrees."""
    jieba = _jieba()
    with _lock:
        for w in words:
            w = normalize(w).strip()
            if len(w) >= 2 and " " not in w:
                jieba.add_word(w, freq=2000)


def tokenize(text: str) -> List[Tok]:
    load_userdicts()
    norm = normalize(text)
    tokens: List[Tok] = []
    for word, start, end in _jieba().tokenize(norm):
        if not word.strip():
            continue
        # jieba keeps surrounding spaces only in whitespace tokens, but be strict.
        lstrip = len(word) - len(word.lstrip())
        rstrip = len(word) - len(word.rstrip())
        tokens.append(Tok(word.strip(), start + lstrip, end - rstrip))
    return tokens


def words(text: str) -> Sequence[str]:
    return [t.text for t in tokenize(text)]
