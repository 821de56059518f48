"""Company names reps mention ("宏远机械的老板", "华瑞电子新来的采购总监", "市三院"), and the roles of people.

A company is a run of 2–6 characters ending in a business word (机械, 电子, 物流, 化工, 集团, 公司, 医院 …),
not starting with a function word; the rep's own company (我们公司, 我司) is never an account.
"""
from __future__ import annotations

import re
from typing import Optional, Tuple

from keqing.text.normalize import normalize

_BUSINESS = (
    "有限公司|股份公司|集团|公司|机械|电子|物流|化工|科技|食品|汽配|实业|制造|五金|家电|医疗|软件|超市|酒店|银行|医院|"
    "学校|大学|研究院|研究所|工厂|厂|电器|能源|纺织|制药|药业|钢铁|建工|地产|电气|塑胶|乳业|饮料|光电|半导体|通信|传媒|"
    "商贸|贸易|百货|航空|港口|船厂|院|建材|医药|物业|机电|钢构|生物|精工|重工|化纤|服饰|家居|陶瓷|光伏|新能源|环保|电力|"
    "水务|矿业|包装"
)
_ACCOUNT = re.compile(rf"(?P<name>[\u4e00-\u9fffA-Za-z]{{1,8}}?(?:{_BUSINESS}))(?![\u4e00-\u9fff]{{0,1}}(?:公司|集团))")
_LEADING = re.compile(r"^(?:(?:我们|我|咱们|他们|他|她)(?:跟|和|与|给|找|对|向|帮)|嗯|啊|呃|哦|额|哎|唉|诶|今天|昨天|上周|刚|去|到|在|是|跟|和|的|了|拜访|见|见了|那家|这家|一家|某|个|他们|我们|咱们|那个|这个|就是|还有|对|给|新|来|从|又|也|做)+")
_OWN = re.compile(r"^(?:我们|我司|咱们|本|我)")
_NOT_ACCOUNTS = frozenset({"公司", "工厂", "集团", "医院", "学校", "客户公司", "对方公司", "这家公司", "那家公司", "总公司", "分公司"})

# Role words → the buying-committee role they usually mean.
ROLE_WORDS = {
    "决策者": r"老板|董事长|总经理|老总|ceo|gm|一把手|拍板|说了算|最后签字",
    "把关者": r"采购|采购部|采购经理|采购总监|buyer|procurement",
    "使用者": r"车间|使用部门|生产部|操作|用户|一线",
    "影响者": r"技术|工程师|研发|质量|品质|质检|工艺|设备科|设备部|总工",
    "内线": r"支持我们|帮我们说话|站在我们这边|内线|向着我们|给我们透露",
    "反对者": r"反对我们|卡我们|不对付|不配合|刁难|挡路|作梗|不喜欢我们",
}


_ADDRESS = re.compile(r"地址|路|街|区|号|镇|县|大道|园区|楼")
_TIED = re.compile(r"^(?:的|那边|那家|这家|采购|老板|公司|集团|是|,|，|\s)")


def find_account(text: str) -> Optional[str]:
    """The customer company named in `text`, as typed, or None: the candidate most tied to a person
    ("恒泰建材的王总", "王总，恒泰建材的"), never an address ("科技路88号") or the rep's own company."""
    norm = normalize(text or "")
    best: Optional[tuple] = None
    for m in _ACCOUNT.finditer(norm):
        start, end = m.span("name")
        piece = norm[start:end]
        cut = max((i + 1 for i, ch in enumerate(piece[:-2]) if ch in "的到了在去是见"), default=0)
        stripped = _LEADING.sub("", piece[cut:])
        start += len(piece) - len(stripped)
        if _OWN.match(stripped) or stripped in _NOT_ACCOUNTS or len(stripped) < 3 or _ADDRESS.search(stripped):
            continue
        if re.search(r"(?:地址在|位于|地址是)$", norm[max(0, start - 4) : start]):
            continue
        score = 2 if _TIED.match(norm[end:]) else 0
        if best is None or score > best[0]:
            best = (score, start, end)
    if best is None:
        return _visited_account(text or "", norm)
    return (text or "")[best[1] : best[2]]


# "今天见了鑫达的两个人", "拜访了中鼎那边的采购": a short brand with no business word, named as the place visited.
_VISITED = re.compile(r"(?:见了|拜访了?|去了|跑了|约了|走访了?)(?P<name>[\u4e00-\u9fffA-Za-z]{2,6}?)(?:的|那边的?)"
                      r"(?=[两二三四五几]个人|[两二三四五几]位|人|老板|采购|技术|[\u4e00-\u9fff](?:总|经理|工|主任|总监))")


_GENERIC = re.compile(r"客户|对方|甲方|那家|这家|一家|厂家|供应商|朋友|领导|同事|老板")


def _visited_account(text: str, norm: str) -> Optional[str]:
    from keqing.text.names import find_names

    m = _VISITED.search(norm)
    if m is None:
        return None
    start, end = m.span("name")
    name = norm[start:end]
    if _OWN.match(name) or _LEADING.match(name) or _GENERIC.search(name) or any(n.start < end and n.end > start for n in find_names(text)):
        return None
    return text[start:end]


_LEGAL_FORM = re.compile(r"(?:\(中国\)|（中国）)?(?:股份有限公司|有限责任公司|有限公司|股份公司|公司)$")


def account_key(name: str) -> str:
    """The key an account is stored under: 中鼎化工股份有限公司, 中鼎化工公司 and 中鼎化工 are one account."""
    key = re.sub(r"\s+", "", normalize(name or "")).lower()
    return _LEGAL_FORM.sub("", key) or key


# What the rep says the person does in the buying decision, before what their title suggests.
ROLE_DEEDS = {
    "反对者": r"反对我们|反对换|反对用我们|不同意用我们|卡我们|不对付|刁难|挡路|作梗|不喜欢我们|帮(?:竞争)?对手说话|向着对手|站在对手那边",
    "内线": r"支持我们|帮我们说话|站在我们这边|内线|向着我们|给我们透露|给我透露|私下告诉我|透露(?:一些)?内部|通风报信|帮我们打听"
          r"|私下(?:跟|和|对)我(?:们)?(?:说|讲)|(?:内部|里面)(?:有)?(?:啥|什么|的)?(?:消息|动静|情况)[^,，。]{0,6}(?:跟我|告诉我|给我)|给我们?通气|偷偷告诉我",
    "把关者": r"把关|把關|过他那关|过她那关|技术把关|质量把关|审核|签字前要过|管预算|控预算|卡预算|预算(?:她|他)?(?:就)?会卡|审批|gate\s*keeper|过(?:她|他)那一?关",
    "决策者": r"拍板|拍版|说了算|最后签字|决定权|一把手|最后定|做决定的|决策人|(?<!不是)决策者|final\s*decision|decision\s*maker",
    "使用者": r"用设备|用我们的|天天在(?:产线|车间)|产线上用|一线|操作工|使用部门|用户|end\s*user|天天用",
}


def role_evidence(text: str) -> Optional[Tuple[str, bool]]:
    """(role, said by a deed) a description suggests: what the person does first (把关, 拍板, 用设备,
    支持我们 — True), then their title (老板 → 决策者, 采购 → 把关者, 工程师 → 影响者 — False)."""
    norm = normalize(text or "").lower()
    for role, pattern in ROLE_DEEDS.items():
        if re.search(pattern, norm):
            return role, True
    for role in ("决策者", "把关者", "影响者", "使用者"):
        if re.search(ROLE_WORDS[role], norm):
            return role, False
    return None


def role_of(text: str) -> Optional[str]:
    """The buying-committee role a description suggests, or None when nothing says it."""
    found = role_evidence(text)
    return found[0] if found else None
