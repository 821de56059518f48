"""Lookup keys for KB terms and customer names, on top of keqing.text.normalize / keqing.text.names."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import List, Tuple

from keqing.text.names import name_key
from keqing.text.normalize import normalize

# Suffixes a rep tacks onto a term: 猫头鹰型 / 老虎型客户 / 优先供应关系 / 初期合作阶段.
TERM_SUFFIXES: Tuple[str, ...] = ("客户", "关系", "阶段", "型", "类")
# Suffixes around a customer's name: 李经理那边 / 王总的事 / 张工客户.
CUSTOMER_SUFFIXES: Tuple[str, ...] = ("那边", "这边", "那里", "这里", "的事", "客户", "的")
CUSTOMER_PREFIXES: Tuple[str, ...] = ("客户",)

_PUNCT = re.compile(r"[\s\u3000\"'“”‘’「」『』《》<>()（）\[\]【】,，。.!！?？:：;；、~～`·]+")


def to_simplified(text: str) -> str:
    """Half-width, Simplified Chinese (keqing.text.normalize, the NLU's normal form)."""
    return normalize(text or "")


def _strip_affixes(text: str, suffixes: Tuple[str, ...], prefixes: Tuple[str, ...] = ()) -> str:
    changed = True
    while changed:
        changed = False
        for suffix in suffixes:
            if text.endswith(suffix) and len(text) > len(suffix):
                text, changed = text[: -len(suffix)], True
        for prefix in prefixes:
            if text.startswith(prefix) and len(text) > len(prefix):
                text, changed = text[len(prefix) :], True
    return text


def normalize_term(term: str) -> str:
    """Key for matching KB names/aliases: '老虎型客户' → '老虎', 'Trust' → 'trust', '初期合作阶段' → '初期合作'."""
    text = _PUNCT.sub("", to_simplified(term or "")).lower()
    return _strip_affixes(text, TERM_SUFFIXES)


def normalize_customer(name: str) -> str:
    """Key for a customer: '李经理那边' → '李经理', '王總的事' → '王总' (keqing.text.names.name_key + case/punct)."""
    key = _PUNCT.sub("", name_key(name or "")).lower()
    return _strip_affixes(key, CUSTOMER_SUFFIXES, CUSTOMER_PREFIXES)


def customer_display_name(name: str) -> str:
    """The name as typed, minus the suffixes: '李經理那边' → '李經理' (script untouched)."""
    text = _PUNCT.sub("", unicodedata.normalize("NFKC", name or ""))
    return _strip_affixes(text, CUSTOMER_SUFFIXES, CUSTOMER_PREFIXES)


def normalize_text(text: str) -> str:
    """Running text for substring search (keeps everything but folds script, width and case)."""
    return to_simplified(text or "").lower()


# Between the words of a trigger a rep may insert a few characters ("利用他们内部矛盾" for
# "利用内部矛盾"), never a clause break.
_TRIGGER_GAP = r"[^,，。.!！?？;；\n]{0,4}"


def _sub_words(word: str) -> List[str]:
    """A compound split into the dictionary words it is made of (内部矛盾 → 内部 / 矛盾), else itself."""
    from keqing.text.tokenize import segmenter

    if len(word) < 3:
        return [word]
    known = {w for w in segmenter().cut_for_search(word) if 1 < len(w) < len(word)}
    parts, i = [], 0
    while i < len(word):
        for j in range(len(word), i + 1, -1):
            if word[i:j] in known:
                parts.append(word[i:j])
                i = j
                break
        else:
            return [word]
    return parts


@lru_cache(maxsize=1024)
def trigger_pattern(trigger: str) -> re.Pattern[str]:
    """A pattern for a compliance trigger over `normalize_text` text: its words in order, each whole,
    at most a few characters apart within one clause. A one-word trigger matches only as typed."""
    from keqing.text.tokenize import words

    norm = normalize_text(trigger)
    parts = [p for w in words(norm) if w.strip() for p in _sub_words(w)] or [norm]
    return re.compile(_TRIGGER_GAP.join(re.escape(p) for p in parts))
