"""Requests recognised from the text whatever the intent, answered before (instead of) the action's handler:
the weekly digest on/off ("关掉周报", "不要每周提醒了", "打开周报") and the style map ("画一下他们公司的风格图")."""
from __future__ import annotations

import re
from typing import Optional

from keqing.dialogue.brief import draw_style_map
from keqing.dialogue.context import Step
from keqing.dialogue.schedule import digest_setting
from keqing.dialogue.turn import Outcome
from keqing.text.normalize import normalize

_STYLE_MAP = re.compile(r"风格图|风格象限|(?:画|做|给我|出)[^,，。]{0,8}(?:风格|象限|四象限)")


def command(step: Step) -> Optional[Outcome]:
    found = digest_setting(step)
    if found is not None:
        return found
    if _STYLE_MAP.search(normalize(step.text)):
        return draw_style_map(step)
    return None
