"""Purchase share ("我们占他们几成采购") from the way reps write it.

`find_shares(text)` returns every share expression with its value (0–100) and its span in the text as
typed; `parse_share(text)` picks the one that describes us now. Numbers go through cn2an. A number is
only a share when its clause talks about share/purchasing/supply or the message is little more than
the number itself: dates, prices, head counts and "一半时间在出差" are not shares.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

from keqing.text.normalize import normalize

CN_DIGITS = "零〇一二两三四五六七八九十百"
NUM = rf"(?:\d+(?:\.\d+)?|[{CN_DIGITS}]+)"

# Clause boundaries: punctuation, line breaks, and contrast/sequence words that start a new thought.
_CLAUSE_SPLIT = re.compile(r"[,，。.!！?？;；\n、~～]|但是|不过|可是|现在|目前|如今")

_CONTEXT = re.compile(
    r"占|份额|采购|供应|供货|进货|订单|单子|量|货|业务|生意|比例|占比|给我们|在我们|从我们|我们家|我们这|"
    r"拿|用我们|份|盘子|钱包|买我们|下单|剩|掉到|降到|涨到|做到|提到|只有|只占|share|百分比|"
    r"我们|咱们|我司|我家|那边|那里|那儿|他们家"
)
_COMPETITOR = re.compile(r"对手|竞品|竞争|别家|其他家|另一家|友商|其他供应商|别的供应商|另外一家|老供应商")
# What follows a number that makes it not a share.
_NOT_SHARE_AFTER = re.compile(
    r"^\s*(?:的)?(?:时间|时候|人|个人|天|年|月|号|日|点钟|万|千|元|块|折|岁|周|小时|分钟|次|家|台|件|个月|公里)"
)
# Rates and ratios that are not our share of the customer's purchasing.
_NOT_SHARE_CLAUSE = re.compile(
    r"良率|合格率|毛利|利润|增长|增速|涨价|降价|折扣|打折|税|利率|概率|成功率|把握|可能性|完成率|进度|满意度|预付|首付|定金|回款|"
    r"下降|下滑|降了|减少|少了|砍|压价|提升|上涨|涨了|库存|节能|节省|营收|成本|提成|分他|分给他|时间|预算|超了|超出|超支"
)
_STRONG_CONTEXT = re.compile(r"占|份额|采购|供应|供货|进货|比例|占比")
_SUFFIX = re.compile(r"^(?:多|以上|出头|不到|以下|还多)")
_DENIED = re.compile(r"(?:不是|并非|而不是|而非)$")
_PROBABLY = re.compile(r"^(?:是|会|要|不(?!到|足)|能|就|得|已经|也|还|没|可能|想)")


@dataclass(frozen=True)
class ShareMatch:
    value: int
    start: int
    end: int
    text: str  # as typed
    confidence: float
    competitor: bool = False


def cn_number(token: str) -> Optional[float]:
    """'八十五' → 85, '两' → 2, '85' → 85, '0.3' → 0.3."""
    token = token.strip()
    if not token:
        return None
    try:
        return float(token)
    except ValueError:
        pass
    import cn2an

    try:
        return float(cn2an.cn2an(token.replace("两", "二").replace("〇", "零"), "smart"))
    except (ValueError, KeyError, TypeError):
        return None


def _pair_or_single(token: str) -> Optional[float]:
    """'七八' → 7.5 (a range said as two adjacent digits), '三' → 3, '十' → 10."""
    singles = "一二两三四五六七八九"
    if len(token) == 2 and all(c in singles for c in token):
        a, b = cn_number(token[0]), cn_number(token[1])
        if a is not None and b is not None and b == a + 1:
            return (a + b) / 2
    return cn_number(token)


def _adjust(value: float, after: str, before: str) -> float:
    if re.match(r"^(?:多|以上|出头|还多|挂零)", after) or re.search(r"(?:超过|高于|过了|不止)$", before):
        return value + 5
    if re.match(r"^(?:不到|以下|不足)", after) or re.search(r"(?:不到|不足|低于|没到|少于|还不到)$", before):
        return value - 5
    return value


# (pattern, kind); kinds decide how the value is computed and whether context is required.
_PATTERNS = [
    (re.compile(rf"百分之([{CN_DIGITS}]+(?:点[{CN_DIGITS}]+)?|\d+(?:\.\d+)?)"), "percent"),
    (re.compile(rf"(\d+(?:\.\d+)?|[{CN_DIGITS}]+)\s*(?:%|个百分点|个点)"), "percent"),
    (re.compile(rf"([{CN_DIGITS}]+)个(?:百分)?点"), "percent"),
    (re.compile(rf"([{CN_DIGITS}]{{1,3}})成([一二三四五六七八九](?![{CN_DIGITS}]))?"), "tenths"),
    (re.compile(r"(?:份额|占比|share)\s*(?:是|为|只有|就)?\s*(?P<span>零|0)(?![.\d%])"), "none"),
    (re.compile(rf"({NUM})分之({NUM})"), "fraction"),
    (re.compile(r"0?\.(\d{1,2})(?!\d)"), "decimal"),
    (re.compile(r"一大半|大半|过半|一半多|一半以上|超过一半|多一半|大多数|绝大部分|大部分"), "word"),
    (re.compile(r"一小半|小半|不到一半|少一半|一少半|一小部分|小部分"), "word"),
    (re.compile(r"一半|五五开|对半|半壁江山"), "word"),
    (re.compile(r"大头"), "word"),
    (re.compile(r"小头|零头|一点点|一丁点"), "word"),
    (re.compile(r"独家(?:供应商|供应|供货|合作)?|唯一(?:的)?供应商|全部(?:都)?(?:是|从|在|给|用)我们|全都(?:是|从|在|给|用)我们|全包了|百分之百|百分百|全部份额"), "all"),
    (
        re.compile(
            r"还没(?:有)?(?:开始)?(?:合作|供货|下单|做过|成交|业务)|没有(?:任何)?(?:业务|合作|往来|供货)|零合作|"
            r"没做过(?:他们|他家|这家)?(?:的)?生意|从来?没(?:合作|供过货|成交)|无业务往来|暂无业务"
        ),
        "none",
    ),
]

_WORD_VALUES = {
    "一大半": 65, "大半": 65, "过半": 55, "一半多": 55, "一半以上": 55, "超过一半": 55, "多一半": 60,
    "大多数": 70, "绝大部分": 85, "大部分": 65,
    "一小半": 35, "小半": 35, "不到一半": 45, "少一半": 40, "一少半": 35, "一小部分": 15, "小部分": 20,
    "一半": 50, "五五开": 50, "对半": 50, "半壁江山": 50,
    "大头": 65, "小头": 20, "零头": 5, "一点点": 5, "一丁点": 5,
}


def _value(kind: str, m: re.Match) -> Optional[float]:
    if kind == "percent":
        return cn_number(m.group(1))
    if kind == "tenths":
        v = _pair_or_single(m.group(1))
        if v is None or v > 10:
            return None
        extra = cn_number(m.group(2)) if m.group(2) else 0  # 七成五 = 75
        return v * 10 + (extra or 0)
    if kind == "fraction":
        denom, numer = cn_number(m.group(1)), cn_number(m.group(2))
        if not denom or numer is None or numer > denom:
            return None
        return numer / denom * 100
    if kind == "decimal":
        return float("0." + m.group(1)) * 100
    if kind == "word":
        return _WORD_VALUES.get(m.group(0))
    if kind == "all":
        return 100
    if kind == "none":
        return 0
    return None


def _clause_bounds(norm: str, start: int, end: int) -> Tuple[int, int]:
    left = 0
    for m in _CLAUSE_SPLIT.finditer(norm, 0, start):
        left = m.end()
    right_m = _CLAUSE_SPLIT.search(norm, end)
    right = right_m.start() if right_m else len(norm)
    return left, right


def find_shares(text: str) -> List[ShareMatch]:
    norm = normalize(text)
    taken: List[range] = []
    found: List[ShareMatch] = []
    for pattern, kind in _PATTERNS:
        for m in pattern.finditer(norm):
            s, e = m.span("span") if "span" in pattern.groupindex else m.span()
            if any(s < r.stop and e > r.start for r in taken):
                continue
            raw = _value(kind, m)
            if raw is None:
                continue
            after, before = norm[e : e + 4], norm[max(0, s - 4) : s]
            if kind not in ("all", "none") and _NOT_SHARE_AFTER.match(after):
                continue
            # Digits glued to the match (e.g. "2023.5") are dates or amounts, not shares.
            if kind == "decimal" and s > 0 and norm[s - 1].isdigit():
                continue
            suffix = _SUFFIX.match(norm[e:])
            if suffix and kind in ("percent", "tenths", "fraction"):
                e += suffix.end()
            left, right = _clause_bounds(norm, s, e)
            clause = norm[left:right]
            rest = (clause[: s - left] + clause[e - left :]).strip()
            has_context = bool(_CONTEXT.search(clause))
            terse = len(re.sub(r"[大概约差不多左右上下吧的样子估计应该有我们占了啊呢嗯可能就目前现在]", "", rest)) <= 1
            if kind not in ("all", "none") and _NOT_SHARE_CLAUSE.search(clause) and not _STRONG_CONTEXT.search(clause):
                continue
            if kind == "tenths" and not has_context and _PROBABLY.match(after):
                continue  # "八成是不会同意了": probably, not 80 %
            if kind not in ("all", "none", "tenths") and not (has_context or terse):
                continue
            if _DENIED.search(before):
                continue  # "我们占五成不是三成"
            value = max(0, min(100, round(_adjust(raw, after, before))))
            exact = kind in ("percent", "tenths", "fraction", "decimal", "all", "none")
            conf = 0.95 if exact and has_context else 0.85 if exact else 0.75
            found.append(
                ShareMatch(value, s, e, text[s:e], conf, competitor=bool(_COMPETITOR.search(clause)))
            )
            taken.append(range(s, e))
    found.sort(key=lambda x: x.start)
    return found


def parse_share(text: str) -> Optional[ShareMatch]:
    """Our current share: the last expression that is not about a competitor."""
    ours = [m for m in find_shares(text) if not m.competitor]
    return ours[-1] if ours else None


def stage_for_share(share: float) -> str:
    """Stage by share, thresholds as in the product's interface."""
    if share <= 0:
        return "开发"
    if share < 50:
        return "初期合作"
    if share < 80:
        return "稳定合作"
    return "战略合作"
