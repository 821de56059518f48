"""Whether a message asks something ("谁说了算?", "怎么处理", "能帮我做什么") or states something."""
from __future__ import annotations

import re

from keqing.text.normalize import normalize

_QUESTION = re.compile(r"[?？]|怎么|如何|咋|谁|哪|什么|啥|吗|呢|该不该|要不要|能不能|可不可以|有没有|是不是|how|what|who|why",
                       re.I)


def is_question(text: str) -> bool:
    return bool(_QUESTION.search(normalize(text or "")))
