"""Text features shared by the intent, profile and compliance classifiers.

Two blocks of sublinear TF-IDF, each L2-normalised: character 1–3-grams of the normalised text (they carry
over to paraphrases and voice-input typos: 问得很细 → 问得特别细, 三城 → 三成) and word 1–2-grams of its
jieba tokens (they make evidence a rep can read: whole words, never fragments). Word features are keyed
``w:<word>`` and ``w:<word> <word>``. The vocabulary and IDF are fitted once and saved with the model;
`vector` computes a text's features without sklearn, which keeps `/model/parse` fast.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from keqing.text.normalize import normalize
from keqing.text.tokenize import Segmenter, Tok, default_segmenter

CHAR_NGRAMS = (1, 3)
WORD_PREFIX = "w:"
_WHITESPACE_RUNS = re.compile(r"\s\s+")


@dataclass(frozen=True)
class Gram:
    """One feature occurrence: its key and where it sits in the text (offsets as typed)."""

    key: str
    start: int
    end: int


def char_grams(text: str) -> List[Gram]:
    """Lower-cased character n-grams of the normalised text (whitespace runs folded to one space)."""
    norm = normalize(text).lower()
    out: List[Gram] = []
    lo, hi = CHAR_NGRAMS
    for n in range(lo, hi + 1):
        for i in range(len(norm) - n + 1):
            gram = norm[i : i + n]
            if gram.strip() and not _WHITESPACE_RUNS.search(gram):
                out.append(Gram(gram, i, i + n))
    return out


def word_grams(text: str, tokens: Optional[Sequence[Tok]] = None, segmenter: Optional[Segmenter] = None) -> List[Gram]:
    """Word unigrams and bigrams of the jieba tokens."""
    if tokens is None:
        tokens = (segmenter or default_segmenter()).tokenize(text)
    toks = [t for t in tokens if t.text.strip()]
    out = [Gram(WORD_PREFIX + t.text.lower(), t.start, t.end) for t in toks]
    out += [Gram(f"{WORD_PREFIX}{a.text.lower()} {b.text.lower()}", a.start, b.end) for a, b in zip(toks, toks[1:])]
    return out


def grams(text: str, tokens: Optional[Sequence[Tok]] = None, segmenter: Optional[Segmenter] = None) -> List[Gram]:
    return char_grams(text) + word_grams(text, tokens, segmenter)


def _block(key: str) -> int:
    return 1 if key.startswith(WORD_PREFIX) else 0


class TextFeatures:
    """A fitted vocabulary with IDF weights: text → sparse feature vector."""

    def __init__(self, vocabulary: Dict[str, int], idf: np.ndarray, segmenter: Optional[Segmenter] = None) -> None:
        self.vocabulary = vocabulary
        self.idf = idf
        self.segmenter = segmenter  # the model's own; None = the default one

    @classmethod
    def fit(cls, texts: Iterable[str], min_df: int = 2, segmenter: Optional[Segmenter] = None) -> TextFeatures:
        df: Dict[str, int] = {}
        n = 0
        for text in texts:
            n += 1
            for key in {g.key for g in grams(text, segmenter=segmenter)}:
                df[key] = df.get(key, 0) + 1
        keys = sorted(k for k, c in df.items() if c >= min_df)
        vocabulary = {k: i for i, k in enumerate(keys)}
        # sklearn's smooth IDF: ln((1 + n) / (1 + df)) + 1
        idf = np.array([math.log((1 + n) / (1 + df[k])) + 1 for k in keys])
        return cls(vocabulary, idf, segmenter)

    def grams(self, text: str) -> List[Gram]:
        return grams(text, segmenter=self.segmenter)

    def vector(self, text: str, found: Optional[List[Gram]] = None) -> Tuple[np.ndarray, np.ndarray]:
        """(feature indices, weights) of `text`; each block (characters, words) has unit length."""
        counts: Dict[int, int] = {}
        for g in found if found is not None else self.grams(text):
            j = self.vocabulary.get(g.key)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=float, count=len(counts))
        w = (1.0 + np.log(tf)) * self.idf[idx]
        blocks = self.block_of(idx)
        for b in (0, 1):
            mask = blocks == b
            norm = math.sqrt(float(w[mask] @ w[mask])) if mask.any() else 0.0
            if norm:
                w[mask] /= norm
        return idx, w

    def block_of(self, idx: np.ndarray) -> np.ndarray:
        if not hasattr(self, "_blocks"):
            keys = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
            self._blocks = np.array([_block(k) for k in keys], dtype=np.int8)
        return self._blocks[idx]

    def matrix(self, texts: Sequence[str]) -> object:
        """A scipy CSR matrix of `texts` (training only)."""
        from scipy.sparse import csr_matrix

        rows, cols, vals = [], [], []
        for i, text in enumerate(texts):
            idx, w = self.vector(text)
            rows += [i] * len(idx)
            cols += idx.tolist()
            vals += w.tolist()
        return csr_matrix((vals, (rows, cols)), shape=(len(texts), len(self.vocabulary)))

