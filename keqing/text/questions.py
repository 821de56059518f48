"""Whether a message asks something ("谁说了算?", "怎么处理", "能帮我做什么") or states something."""
from __future__ import annotations

import re
from typing import Sequence

from keqing.text.normalize import normalize

_QUESTION = re.compile(r"[?？]|怎么|如何|咋|谁|哪|什么|啥|吗|呢|该不该|要不要|能不能|可不可以|有没有|是不是|how|what|who|why",
                       re.I)


# "什么都他定", "谁都不信", "怎么说都没用": indefinite, not interrogative
# "有什么风吹草动都会先告诉我", "什么消息都第一时间告诉我": what follows 什么 before 都 is part of the indefinite.
_INDEFINITE = re.compile(r"(?:(?<!为)什么|啥|谁|哪(?:儿|里)?|怎么(?:说|做|劝|谈)?)(?:[\u4e00-\u9fff]{0,6}?)(?:都|也)(?!不[?？]|是)"
                         r"|有(?:什么|啥)[\u4e00-\u9fff]{0,8}?(?:会|就)(?![^,，。]*[?？吗呢])")


def is_question(text: str) -> bool:
    return bool(_QUESTION.search(_INDEFINITE.sub("", normalize(text or ""))))


_CLAUSE_END = re.compile(r"[,，。!！;；\n]+")


def ends_with_question(text: str) -> bool:
    """The rep's own question closes the message ("冷经理一直反对,我该怎么办"); a question word inside a
    report ("他常告诉我流程走到哪一步了,算是我们的内线") does not count."""
    parts = [p for p in _CLAUSE_END.split((text or "").strip()) if p.strip()]
    return bool(parts) and (is_question(parts[-1]) or (text or "").rstrip().endswith(("?", "？")))


# "鸽子型到底是啥意思", "什么叫战略合作", "A类客户指的是什么": a question about one of the product's own terms.
_MEANING = re.compile(r"(?:是|指)?(?:啥|什么)意思|指(?:的是)?(?:什么|啥)|怎么理解|(?:是|算)(?:个)?(?:什么|啥)(?:东西|概念)?[?？]?$|"
                      r"^(?:什么|啥)(?:叫|是)|解释一下|what does .* mean|what is", re.I)


def asks_meaning_of(text: str, terms: Sequence[str]) -> bool:
    """Does `text` ask what one of `terms` means?"""
    norm = normalize(text or "")
    return bool(_MEANING.search(norm)) and any(term in norm for term in terms)
