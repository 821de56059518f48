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
from typing import Any, Iterable, List, Optional, Sequence, Tuple

from keqing.text.normalize import normalize

logger = logging.getLogger(__name__)

USERDICT_DIR = Path(__file__).resolve().parent.parent / "resources" / "jieba"

_lock = threading.Lock()
_loaded: set = set()


@dataclass(frozen=True)
class Tok:
    text: str  # normalised form (Simplified, half-width): what features are built from
    start: int  # offsets into the original text
    end: int


_instance = None


def new_segmenter() -> Any:
    """A private jieba segmenter (not jieba's global one), so that dictionaries added for one purpose
    (e.g. the cue matcher's) do not change how another component segments."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba.Tokenizer()


def _jieba() -> Any:
    global _instance
    if _instance is None:
        with _lock:
            if _instance is None:
                _instance = new_segmenter()
    return _instance


def load_userdicts(folder: Optional[os.PathLike] = None, segmenter: Any = None) -> None:
    """Load every dictionary file in `folder` into the segmenter once (idempotent, thread-safe)."""
    folder = Path(folder or USERDICT_DIR)
    seg = segmenter or _jieba()
    with _lock:
        for path in sorted(glob.glob(str(folder / "*.txt"))):
            key = (id(seg), os.path.realpath(path))
            if key in _loaded:
                continue
            seg.load_userdict(path)
            _loaded.add(key)
            logger.debug("loaded jieba user dictionary %s", path)


def add_words(words: Iterable[str], segmenter: Any = None) -> None:
    """Make multi-character phrases (cue lexicon, annotated spans) single tokens where jieba agrees."""
    seg = segmenter or _jieba()
    with _lock:
        for w in words:
            w = normalize(w).strip()
            if len(w) >= 2 and " " not in w:
                seg.add_word(w, freq=2000)


def _split_at(norm: str, start: int, end: int, cuts: Sequence[int]) -> List[Tuple[int, int]]:
    inner = sorted({c for c in cuts if start < c < end})
    bounds = [start, *inner, end]
    return list(zip(bounds, bounds[1:], strict=False))


def tokenize(text: str) -> List[Tok]:
    """Tokens of `text`; customer names (王总, 李经理) always stand alone, so "徐总好" → 徐总 / 好."""
    from keqing.text.names import find_names

    load_userdicts()
    norm = normalize(text)
    cuts = [b for n in find_names(norm) for b in (n.start, n.end)]
    tokens: List[Tok] = []
    for _word, start, end in _jieba().tokenize(norm):
        for s, e in _split_at(norm, start, end, cuts):
            piece = norm[s:e]
            if not piece.strip():
                continue
            # strip surrounding whitespace; jieba only keeps it in whitespace tokens, but be strict.
            lstrip = len(piece) - len(piece.lstrip())
            rstrip = len(piece) - len(piece.rstrip())
            tokens.append(Tok(piece.strip(), s + lstrip, e - rstrip))
    return tokens


def segmenter() -> Any:
    """The project's jieba instance with the sales dictionary loaded."""
    load_userdicts()
    return _jieba()


def words(text: str) -> Sequence[str]:
    return [t.text for t in tokenize(text)]
