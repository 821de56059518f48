"""Text normalisation that keeps character offsets.

Reps type Simplified or Traditional Chinese, full-width Latin letters and digits, emoji. Everything
downstream (jieba, the cue lexicon, the share parser) works on one normalised form, while evidence and
entity spans must point into the text exactly as typed. The normalised text therefore always has the
same length as the original, character for character, so an offset in one is an offset in the other.
"""
from __future__ import annotations

import functools
import unicodedata
from typing import Any, Optional

MAX_CHARS = 10_000

# Characters that are not text: control characters other than whitespace, U+FFFD (broken input).
_DROP_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}


@functools.lru_cache(maxsize=1)
def _t2s() -> Any:  # OpenCC loads its dictionaries once.
    import opencc

    return opencc.OpenCC("t2s")


def _half_width(ch: str) -> str:
    code = ord(ch)
    if code == 0x3000:
        return " "
    if 0xFF01 <= code <= 0xFF5E:
        return chr(code - 0xFEE0)
    return ch


def to_simplified(text: str) -> str:
    """Traditional → Simplified, guaranteed to keep the length.

    OpenCC converts phrase by phrase, which is better than per character (e.g. 乾淨 → 干净, but 乾隆
    stays); in the rare case a conversion changes the length we fall back to character by character.
    """
    if not text:
        return text
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    out = []
    for ch in text:
        c = _t2s().convert(ch)
        out.append(c if len(c) == 1 else ch)
    return "".join(out)


@functools.lru_cache(maxsize=4096)
def _normalize(text: str) -> str:
    chars = []
    for ch in text:
        ch = _half_width(ch)
        if ch not in "\t\n\r" and unicodedata.category(ch) in _DROP_CATEGORIES:
            ch = " "
        chars.append(ch)
    return to_simplified("".join(chars))


def normalize(text: Optional[str]) -> str:
    """Same-length normal form: half-width ASCII, Simplified Chinese, control characters → space.

    Cached: one message is normalised by the tokenizer, the cue matcher, the classifier, the share
    parser and the scorer in turn."""
    if not text:
        return ""
    return _normalize(text)


def clean_input(text: Optional[str], limit: int = MAX_CHARS) -> str:
    """What a channel should pass on: a str, without NULs, cut to `limit` characters."""
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return text.replace("\x00", " ")[:limit]
