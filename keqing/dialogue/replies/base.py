"""Reply, buttons and layout: what every message to the rep is made of (short, numbered, split at MAX_CHARS)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, List, Mapping, Optional, Sequence, Tuple

from keqing.taxonomy import ANIMALS, label

MAX_CHARS = 600
MAX_EVIDENCE = 3
DEV_STAGE = "开发"
EARLY_STAGE = "初期合作"
CHECKLIST_STAGES = ("开发", "初期合作")  # stages whose strategy offers the 机会点 button

Button = Tuple[str, str]  # (title, payload)


@dataclass
class Reply:
    text: str
    buttons: List[Button] = field(default_factory=list)
    image: Optional[str] = None  # URL of a picture (the style map); channels that can upload it do


# -- buttons ---------------------------------------------------------------------------
BTN_NEXT: Button = ("下一步", "/ask_next_step")
BTN_DETAIL: Button = ("展开讲讲", "/ask_detail")
BTN_OPPORTUNITIES: Button = ("机会点", "/ask_opportunities")
BTN_SCRIPT: Button = ("话术示例", "/ask_script")
BTN_SWITCH: Button = ("换个客户", "/list_customers")
BTN_STRATEGY: Button = ("怎么跟进", "/ask_strategy")
BTN_YES: Button = ("有", "/affirm")
BTN_NO: Button = ("没有", "/deny")

# the entity type each style's button sends with /correct_profile (see keqing.taxonomy.ENTITY_VALUES)
_STYLE_ENTITIES = {"支配型": "style_dominant", "表达型": "style_expressive", "和蔼型": "style_amiable",
                   "分析型": "style_analytical"}


def switch_payload(name: str) -> str:
    return "/switch_customer" + _json({"customer": name})


def correct_style_payload(style: str) -> str:
    return "/correct_profile" + _json({_STYLE_ENTITIES[style]: ANIMALS[style]})


def _json(data: Mapping[str, str]) -> str:
    import json

    return json.dumps(dict(data), ensure_ascii=False)


def playbook_buttons(stage: Optional[str]) -> List[Button]:
    buttons = [BTN_NEXT, BTN_DETAIL]
    if stage in CHECKLIST_STAGES:
        buttons.append(BTN_OPPORTUNITIES)
    return buttons + [BTN_SCRIPT, BTN_SWITCH]


# -- layout helpers --------------------------------------------------------------------
def _clip(text: str, limit: int) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bullets(lines: Iterable[str], limit: int = 3) -> str:
    return "\n".join(f"· {line}" for line in list(lines)[:limit])


def _numbered(lines: Iterable[str], limit: int = 9) -> str:
    return "\n".join(f"{i}. {line}" for i, line in enumerate(list(lines)[:limit], 1))


def pack(sections: Sequence[str], buttons: Sequence[Button] = (), limit: int = MAX_CHARS) -> List[Reply]:
    """Join sections into as few messages as possible, each at most `limit` characters."""
    messages: List[str] = []
    current = ""
    for section in (s.strip() for s in sections):
        if not section:
            continue
        section = _clip(section, limit)
        candidate = f"{current}\n{section}" if current else section
        if len(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = section
    if current or not messages:
        messages.append(current)
    out = [Reply(text) for text in messages]
    out[-1].buttons = list(buttons)
    return out


def _who(customer: Optional[str]) -> str:
    return customer or "这位客户"


def _quote(evidence: Sequence[str]) -> str:
    return "".join(f"‘{_clip(e, 20)}’" for e in list(evidence)[:MAX_EVIDENCE] if e and e.strip())


def style_label(style: Optional[str]) -> str:
    return label("style", style) if style else ""


# -- errors and fallbacks ---------------------------------------------------------------
def db_unavailable() -> List[Reply]:
    return [Reply("数据库暂时连不上,请稍后再试。")]


def internal_error() -> List[Reply]:
    return [Reply("抱歉,处理这条消息时出错了,请换个说法再试。")]


def need_description(customer: Optional[str] = None) -> List[Reply]:
    who = f"{customer}" if customer else "客户"
    return [Reply(f"我还不了解{who}。说说他说话做事的特点,和你们大概占他们几成采购?")]


def need_stage(customer: Optional[str] = None) -> List[Reply]:
    return [Reply(f"还不知道{_who(customer)}在哪个阶段。你们大概占他们多少采购?比如“三成”“还没合作”。")]


def need_customer() -> List[Reply]:
    return [Reply("先告诉我是哪位客户?(比如“王总”)我好记住进度。")]


def unknown_customer(name: str) -> List[Reply]:
    return [Reply(f"还没有{name}的记录。说说他的特点,和你们大概占他们几成采购?")]
