"""jieba segmentation with the project's sales vocabulary, on normalised text.

A `Segmenter` owns a private jieba instance (never jieba's global one) with the packaged sales dictionary
plus the words it was given, so a trained model keeps exactly the vocabulary it was trained with, and two
models in one process (the retrain gate) never change each other's segmentation. `tokenize(text)` uses
the default segmenter (the packaged dictionary only).

Tokens carry offsets into the text as typed (normalisation keeps lengths) and are never empty or
whitespace; customer names (王总, 李经理) always stand alone, so "徐总好" → 徐总 / 好.
"""
from __future__ import annotations

import glob
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple

from keqing.text.normalize import normalize

logger = logging.getLogger(__name__)

USERDICT_DIR = Path(__file__).resolve().parent.parent / "resources" / "jieba"
WORD_FREQ = 2000


@dataclass(frozen=True)
class Tok:
    text: str  # normalised form (Simplified, half-width): what features are built from
    start: int  # offsets into the original text
    end: int


def _split_at(start: int, end: int, cuts: Sequence[int]) -> List[Tuple[int, int]]:
    inner = sorted({c for c in cuts if start < c < end})
    bounds = [start, *inner, end]
    return list(zip(bounds, bounds[1:], strict=False))


class Segmenter:
    """A jieba instance with the packaged dictionaries and `words` (cue phrases, annotated spans)."""

    def __init__(self, words: Iterable[str] = (), dictionary_dir: Optional[Path] = None) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        self._lock = threading.Lock()
        self.words: List[str] = []
        for path in sorted(glob.glob(str(Path(dictionary_dir or USERDICT_DIR) / "*.txt"))):
            self._jieba.load_userdict(path)
        self.add_words(words)

    def add_words(self, words: Iterable[str]) -> None:
        """Make multi-character phrases single tokens where jieba agrees."""
        with self._lock:
            for w in words:
                w = normalize(w).strip()
                if len(w) >= 2 and " " not in w:
                    self._jieba.add_word(w, freq=WORD_FREQ)
                    self.words.append(w)

    def tokenize(self, text: str) -> List[Tok]:
        from keqing.text.names import find_names

        norm = normalize(text)
        cuts = [b for n in find_names(norm) for b in (n.start, n.end)]
        tokens: List[Tok] = []
        with self._lock:  # jieba's lazy initialisation is not thread-safe
            pieces = list(self._jieba.tokenize(norm))
        for _word, start, end in pieces:
            for s, e in _split_at(start, end, cuts):
                piece = norm[s:e]
                if not piece.strip():
                    continue
                lstrip = len(piece) - len(piece.lstrip())
                rstrip = len(piece) - len(piece.rstrip())
                tokens.append(Tok(piece.strip(), s + lstrip, e - rstrip))
        return tokens

    def cut(self, text: str) -> List[str]:
        """jieba's own segmentation of normalised text (for dictionaries and the KB)."""
        with self._lock:
            return list(self._jieba.cut(normalize(text)))

    def cut_for_search(self, text: str) -> List[str]:
        """Every dictionary word inside `text`, long and short (内部矛盾 → 内部, 矛盾, 内部矛盾)."""
        with self._lock:
            return list(self._jieba.cut_for_search(normalize(text)))


_default: Optional[Segmenter] = None
_default_lock = threading.Lock()


def default_segmenter() -> Segmenter:
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Segmenter()
    return _default


def tokenize(text: str) -> List[Tok]:
    return default_segmenter().tokenize(text)


def words(text: str) -> Sequence[str]:
    return [t.text for t in tokenize(text)]


def segmenter() -> Segmenter:
    """The default segmenter."""
    return default_segmenter()
