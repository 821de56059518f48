"""Our share of the customer's purchasing ("我们占他们几成采购"), read as a small grammar.

1. Quantities: 三成, 三成五, 一成半, 七八成, 两三成, 百分之四十, 40%, 三分之一, 0.3, 一半, 大半, 大头 …, with the
   typos voice input makes of them (三城/三层/三程/三撑, 百分之八时, 一般 for 一半, 梁成 for 两成).
2. Whose quantity it is, from its clause: ours (我们占/我们拿了/我们这/给我们), the others' (竞争对手, 另一家,
   别家, 日系, 美孚 …, "另外两家分四成"), the rest (剩下的/其余的 … 是我们的), or no share at all (prices,
   discounts, growth, head counts, scores, stakes, "贵5%").
3. Whole-relationship phrases: no business yet (还没下过单, 一单都没做, 还在追第一单, 不在供应商名录里) is 0;
   all of it (独家, 唯一的供应商, 全从我们这拿, sole supplier) is 100.
4. The answer: what is said to be ours, preferring what is "actually" so over what is so "nominally"
   (名义上…实际上); else the complement of the others' part when the text gives the rest to us or
   names only the others; a competitor's part alone is never ours.

`parse_share(text)` returns that answer with the span of the text as typed that carries it.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import yaml

from keqing.text.normalize import normalize

CN = "零〇一二两三四五六七八九十百"
_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


@dataclass(frozen=True)
class ShareMatch:
    value: int
    start: int
    end: int
    text: str  # as typed
    confidence: float
    competitor: bool = False  # kept for callers that list every quantity


@dataclass(frozen=True)
class _Quantity:
    value: float
    start: int
    end: int
    owner: str  # "ours" | "others" | "rest" | "none" | "unknown"
    actual: int  # +1 after 实际上, -1 after 名义上, 0 otherwise


# -- typos of the number words that voice input makes -------------------------------------------------
_TYPOS: Sequence[Tuple[re.Pattern, str]] = (
    (re.compile(rf"(?<=[{CN}\d])(?:城|程|撑|呈|陈|诚)(?![市里区墙楼面次序])|(?<=[{CN}\d])乘(?![{CN}\d])"), "成"),
    (re.compile(r"陆(?=成)"), "六"),
    (re.compile(r"期(?=成)"), "七"),
    (re.compile(r"把(?=成的?量)"), "八"),
    (re.compile(r"是(?=分之)"), "十"),
    (re.compile(r"(?<=百分之[一二三四五六七八九])(?:时|是|事|实|石)"), "十"),
    (re.compile(r"(?<=[占有到约概是家了做拿供])(?:一般|一伴|一办)|(?:一般|一伴)(?=左右|的量)"), "一半"),
    (re.compile(r"(?<=百分)(?:只|支|知|汁)"), "之"),
    (re.compile(r"公应商|共应商|供因商"), "供应商"),
    (re.compile(r"梁(?=成)"), "两"),
    (re.compile(r"分额"), "份额"),
    (re.compile(r"(?:读|毒|犊|度)(?=家(?:供|代理|合作|协议))|(?<=我们|是我|们是)(?:读|毒|犊)(?=家)"), "独"),
)


# Homophones of a digit that voice input writes before 成 ("巴成" 八成, "气成" 七成, "酒成" 九成); only after
# words that introduce a share, so 八成 in "把成本" etc. is left alone.
_DIGIT_SOUNDS = {"衣": "一", "依": "一", "医": "一", "而": "二", "儿": "二", "山": "三", "伞": "三", "散": "三",
                 "寺": "四", "死": "四", "无": "五", "舞": "五", "午": "五", "武": "五", "溜": "六", "留": "六",
                 "气": "七", "妻": "七", "起": "七", "巴": "八", "吧": "八", "拔": "八", "酒": "九", "久": "九", "旧": "九"}
_SOUND_BEFORE_CHENG = re.compile(r"(?<=占|有|是|约|到|概|就|了|们|多)(?P<c>[" + "".join(_DIGIT_SOUNDS) + r"])(?=成)")

# 层 is a typo of 成 only where a floor cannot be meant: not after 楼/第, and followed by share words or the end.
_LAYER = re.compile(rf"(?<![楼第高])(?P<n>[{CN}]{{1,2}}|\d{{1,2}})层(?![楼高房架板面次级皮膜纸布])")


def _same_length(repl: str, m: re.Match) -> str:
    return repl if len(repl) == len(m.group(0)) else m.group(0)


def _fix_typos(norm: str) -> str:
    """Same-length corrections, so offsets still point into the text as typed."""
    for pattern, repl in _TYPOS:
        norm = pattern.sub(functools.partial(_same_length, repl), norm)
    norm = _SOUND_BEFORE_CHENG.sub(lambda m: _DIGIT_SOUNDS[m.group("c")], norm)
    return _LAYER.sub(lambda m: m.group("n") + "成", norm)


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


def _tenths(token: str) -> Optional[float]:
    """三 → 3, 七八 → 7.5 (a range said as two adjacent digits), 十 → 10."""
    if len(token) == 2 and token[0] in _DIGIT and token[1] in _DIGIT and _DIGIT[token[1]] == _DIGIT[token[0]] + 1:
        return (_DIGIT[token[0]] + _DIGIT[token[1]]) / 2
    return cn_number(token)


# Only words that name a number; 大部分, 大头, 一小部分 … say the stage (稳定合作, 初期合作) but no share.
_WORDS = {
    "一半多": 55, "一半以上": 55, "超过一半": 55, "多一半": 60, "一人一半": 50, "一家一半": 50, "不到一半": 45,
    "一小半": 40, "一大半": 60, "一半": 50, "五五开": 50, "55开": 50, "五五分": 50, "平分": 50, "各半": 50, "各一半": 50, "对半": 50, "对半分": 50, "半壁江山": 50,
}
_QUANTITY = re.compile(
    rf"(?P<pct>百分之(?P<pn>[{CN}]+(?:点[{CN}]+)?|\d+(?:\.\d+)?))"
    rf"|(?P<pct2>(?P<pn2>\d+(?:\.\d+)?)\s*(?:%|％|个百分点)|(?P<pn3>[{CN}]+)个(?:百分)?点)"
    rf"|(?P<range>(?P<ra>[一二两三四五六七八九]|\d)(?:到|至|-|~|～)(?P<rb>[一二两三四五六七八九]|\d)成)"
    rf"|(?P<ten>(?P<tn>[{CN}]{{1,3}}|\d{{1,2}}(?:\.\d)?)成(?P<half>半)?(?P<tx>[一二三四五六七八九](?![{CN}成\w])|[一二三四五六七八九](?=左右|上下))?)"
    rf"|(?P<frac>(?P<fd>\d+|[{CN}]+)分之(?P<fn>\d+|[{CN}]+))|(?P<slash>(?<![\d/])(?P<sn>\d)/(?P<sd>\d{{1,2}})(?![\d/]))"
    r"|(?P<dec>(?<![\d.])0?\.(?P<dn>\d{1,2})(?![\d%]))"
    r"|(?<!差不)(?P<word>" + "|".join(sorted(_WORDS, key=len, reverse=True)) + ")"
)

# -- whose quantity ------------------------------------------------------------------------------
_CLAUSE = re.compile(r"[,，。!！?？;；\n、:：()（）\[\]/|~～]|但是|不过|可是|而且")
_OURS = re.compile(r"你们俩|你们两家|我们|咱们|我司|我方|我家|我哋|我們|给我们|在我们|从我们|归我们|we\b|our", re.I)
_OTHERS = re.compile(
    r"对手|竞品|竞争|竞对|别家|别的|别人|隔壁|小厂|其他家|其他供应商|(?:其他|其余|另外)[一二两三四五六七八九几\d]家|另外?(?:一|两|三|几)?家|另一家|另一个|另一间|第二间|友商|老供应商|"
    r"另外(?:的)?(?=[一二两三四五六七八九\d]|$)|(?<![我你])[两三四几]家(?=[^,，。]{0,4}(?:加起来|合计|一共|总共|拿走|瓜分|分走))|(?<!我们)(?<!咱们)(?<!我)(?<![他她]们)(?<=[\u4e00-\u9fffA-Za-z]{2})那边|原供应商|现供应商|现在这家|现在那家|这家供应商|那家供应商|(?<!我们)(?<!咱们)(?:现在|目前|现有|原来)的?[\u4e00-\u9fff]{0,4}供应商|大厂|(?<=的)主力供应商|(?<=的)主供应商|主供那家|台资|日系|日本|德国|进口|本地|外资|国外|A公司|B公司|competitor|vendor|[A-Z][a-zA-Z]+(?=拿|占)|"
    r"美孚|立邦|中油|西门子|Siemens|ABB|x家|X家|那家|这家老|老的那家|主供那家|第一名|对方|他们自己的?厂|集团内部", re.I)
_REST = re.compile(r"剩下|剩余|其余|其他的?(?:都|全)?(?:是|给|归|在)|剩返|余下|the rest|rest", re.I)
_NOT_SHARE = re.compile(
    r"贵|便宜|降价|涨价|降了|涨了|降|涨|增长|增速|下降|下滑|提升|上涨|折扣|打折|返点|返利|rebate|预付|首付|定金|回款|"
    r"入股|股份|股权|持股|利润|毛利|良率|合格率|不良率|出错率|废品率|上架率|增值|产值|营收|预算|budget|税|利率|"
    r"cut|discount|\boff\b|down|growth|grow|increase|decrease|reduce|saving|margin|差咗|差了|少咗|跌咗|跌了|下跌|掉咗|高|低|"
    r"可能性|把握|概率|成功率|完成率|进度|满意度|分数|评分|得分|差.{0,2}分|时间|人数|员工|减少|少了|砍|压价|free|"
    r"提成|佣金|commission|扣|比去年|比上年|比往年|会多|要多|能多|量加|再加|加了|超了|超出|超支|价格|单价|报价|能耗|成本|市场份额|市占|送|备品|赠|样品|维保|缩减|削减|下调|上调|付款|尾款|提单|见票|电价|税率|提高|提了|误差|精度|公差|偏差|划掉|砍掉|差距|差价|掉了|掉|汇率|行业|产值|增加|增幅|高了|低了|上升|回落|波动", re.I)
# A text about taxes, invoices or exchange rates: its bare percentages are rates, unless a clause says whose share.
_MOVED_TO = re.compile(r"(?:涨|提高|提升|增加|升|降|掉|跌|减少|下降|降低|缩|变|调|做|挤|压|砍)(?:了)?(?:到|至|为|成)(?:了)?(?:现在的?|目前的?)?$")
_RATE_TEXT = re.compile(r"税率|税点|增值税|发票|开票|汇率|利率")
# Clauses about these are never our share, whatever else they say.
_NOT_SHARE_CLAUSE = re.compile(r"税率|增值税|汇率|毛利|利润率|行业|全国|国内|协会|市场份额|市占率|同比|环比|(?:出口|内销|外销|进口)(?:额)?占|"
                                r"国产化|本地化|化率|local\s*sourcing|KPI|cost\s*down|降本", re.I)
# A text about scoring ("评分表里价格占三成、品质占四成"): its price/quality parts are weights, not shares.
_WEIGHTS_TEXT = re.compile(r"评分|打分|权重|分数|score", re.I)
_WEIGHT_ITEM = re.compile(r"价格|品质|质量|交期|技术|服务|商务|成本$|售后")
_SHARE_CONTEXT = re.compile(r"占|份额|采购|供|进货|订单|单子|单|量|货|业务|生意|比例|占比|share|拿|用|给|在|归|分|business|volume|order|PO|spend", re.I)
_ACTUAL = re.compile(r"实际上|实际|其实|事实上|真正|实则|real|现在|目前|如今|这季度|本季度|今年|后来")
_NOMINAL = re.compile(r"名义上|名义|外面传|传言|传的|据说|号称|账面上|账面|说是|表面上|号称|看起来|纸面上|官方|以前|之前|原来|过去|曾经|上季度|去年|当初")
_DENIED = re.compile(r"(?:不是|并非|而不是|而非)[^,，。!！?？\n]{0,5}$")
_PROBABLY = re.compile(r"^(?:是|会|要|不(?!到|足)|能|就|得|已经|也|还|没|可能|想)")
_NOT_AFTER = re.compile(r"^ ?(?:的)?(?:以内|时间|时候|人|个人|天|年|月|号|日|点钟|万|千|亿|元|块|折|岁|周|小时|分钟|次|家|台|件|个月|公里|吨|套|分(?!之)|(?!volume|business|share|of\b|order|spend)[a-zA-Z])", re.I)

# -- whole-relationship phrases ----------------------------------------------------------------------
_UNITS = r"票|张PO|单|张单|张订单|笔单?|个单|个订单|订单|PO|order|桶|台|片|块|双|颗|吨|箱|件|套|根|卷|批|个项目|个PO|次货|粒|支|瓶|条"
_ZERO = re.compile(
    r"(?:还|仍|都|也|目前|现在)?(?:没有?|未)(?:跟我们|给我们|和我们|从我们这?)?(?:正式)?(?:下过|下)(?:单|过单|订单)"
    r"|(?:还|仍|都|也)?(?:没有?|未)(?:开过|开)(?:单|张|过单)|(?:目前|现在)?零份额|份额(?:还)?是零"
    r"|(?:还|仍)?(?:没有?|未)(?:开始)?(?:跟他们)?(?:合作|合作过|供过货|供货|成交|做成过?|做过(?:他们的?)?(?:生意|业务)|拿到过?(?:他们的?)?(?:单|订单|business))"
    r"|(?:还|仍)(?:没有?|未)(?:打|做|进|攻)(?:进去|进)|还没进(?:去|他们)?|没打进去|没做进去|还没做进去过?"
    r"|一单(?:都|也)?(?:还)?(?:没|没有|未)(?:做|成|下|拿)?(?:过|进去)?"
    r"|(?:还在|正在)(?:追|攻|争取|谈|抢|跑)(?:他们的?)?(?:第一|首)(?:单|笔|张订单|个订单)"
    r"|(?:不在|没进|没有进|没进入|未进入|还没进入)(?:他们的?)?(?:合格|准入)?(?:供应商|供方|vendor)?(?:名单|名录|名册|list)"
    r"|零合作|还是零|零供货|(?:份额|占比|share)(?:是|为|只有|就)?(?:零|0)(?![.\d%])|(?:我们|咱们)[^,，。\n]{0,8}?(?:是|为|占|就是)?(?<![\d.])(?:零|0)(?![.\d%\w])"
    r"|(?:还没有?|没有|no)\s*(?:任何)?(?:business|业务往来|生意往来|业务|往来)"
    r"|(?:之前|以前|从来|从)?没(?:给他们)?供过货|未曾合作|尚未合作|暂无(?:业务|合作)|无业务往来|没有任何合作"
    r"|(?:我们)?(?:还|仍)?没有?(?:进去|进入|打进去|做进去)|全部?(?:都)?(?:签给|给|交给)了(?:我们的)?(?:竞争对手|对手|别家|竞品|另一家|对方|人家)"
    r"|(?:还在|正在)争取进|(?:名录|名单)都?没进|才能下第一单|没跟我们下过(?:单|order|订单)"
    r"|没有?(?:拿到|接到|做过|做成|下过|收到|拿过)过?(?:他们|他们家|对方)?(?:的)?(?:任何|一张|一个|一笔|第一张|第一个|第一笔)?(?:订单|单子|单)"
    r"|(?:一张|一个|一笔|任何)(?:订单|单子|单)(?:都|也)?(?:还)?没(?:有)?(?:拿到|接到|下|做)?"
    r"|(?:我们)?第一次(?:进|进入|跟他们做|和他们做|跟他们合作|做他们)|尚无(?:任何)?(?:合作|订单|业务|往来)?"
    r"|从(?:来)?(?:没|未)(?:跟|和|与)?(?:我们|咱们)?(?:做过|合作过|下过单)|(?:还)?没(?:跟|和)(?:我们|咱们)合作过"
    # one unit of anything, denied: 一桶都没卖进去, 一台都没有, 一张单都未落过, 一单没有, 一个PO都没有
    rf"|一(?:{_UNITS})(?:货)?(?:我们的|咱们的|我们家的)?(?:都|也)?(?:还)?(?:没|没有|未|冇)(?:有|卖|供|做|落|拿|进|用|下|push)?"
    r"|连(?:样品|样|试单|试用|测试|门)都(?:还)?(?:没|没有|未)|(?:还|仍)没(?:有)?破冰|零突破还没"
    r"|(?:一直|全部?|都)(?:是|用|在|从)(?:的)?(?:另一家|另外一家|别家|某家|人家|竞争对手|对手)(?:的|拿|买|采购|供|做)?"
    r"|(?<![a-zA-Z])no\s+(?:relationship|business|order|PO)s?(?![a-zA-Z])"
    rf"|(?:没|没有|未|冇|无)(?:有)?(?:下|拿到|接到|收到|做|落|签|卖|供)?过?(?:任何一|任何|一)(?:{_UNITS})(?![a-zA-Z])"
    r"|(?:没|没有|未|冇)(?:有)?(?:下|拿到|接到|收到|做|落|签)?过?(?:任何)?(?:订单|单子|PO|order)(?![a-zA-Z])|(?:没|未|冇)(?:有)?(?:正式)?供过货|(?:没有|冇|无)任何(?:订单|order|PO|份额|业务|business|设备|合作)"
    r"|(?:一点|丝毫|半点)(?:量|份额|单|货|business)?(?:都|也)(?:没有|没|冇)|(?:还|仍|都|也)(?:没有|没|未|冇)(?:正式)?(?:订单|order|PO|份额|单子)"
    r"|(?:还没|未|没)(?:开始)?(?:正式)?下单|(?:等|谈|追|push|拿下?|争取|跑)(?:第一|首)(?:单|张单|个(?:PO|order|订单)|笔)"
    r"|(?:从没|从来没|从未|之前没|以前没|之前未|以前未|以前冇|之前冇|还没|没|未|冇)(?:有)?(?:给他们|同佢哋|跟他们|和他们|与他们)?(?:用|做|合作|供|买|采购|试用|测)过(?!半)"
    r"|(?:都|全)(?:是|係|系)(?:别人家|人家|别人|别家|对手|竞争对手|竞品|他们自己)的|(?:没|未|冇)(?:有)?(?:入围|进入?|通过)[^,，。\n]{0,6}(?:供应商|供方|vendor|名单|名录|库|list)"
    r"|(?:不在|没在)(?:他们|对方|她们)?的?(?:合格|准入|短)?(?:供应商|供方|vendor)?(?:名单|名录|库|list|清单|里面)|被[^,，。\n]{0,4}清(?:出|理出)去"
    r"|(?:share|份额|volume|business)\s*(?:是|为|=)?\s*(?:zero|0|零)(?![a-zA-Z\d])|(?<![a-zA-Z])zero(?![a-zA-Z])|(?:没|没有|not|never)\s*break\s*in|还没break|(?:零|0)份额"
    r"|(?:push|卖|打|做|供|挤)(?:了[^,，。]{0,4})?(?:都|也)?(?:没|没有|不)(?:push|卖|打|做|供|挤)?进去"
    r"|(?:还|仍|从)?(?:没有?|未)(?:在|给|跟|和|与)[^,，。!！?？\n]{0,8}?(?:供过货|做过(?:生意|业务|项目)?|合作过|打过交道|下过单)"
    r"|(?:还|仍)?没(?:有)?从(?:我们|咱们)(?:这|这里|这儿|家)?(?:买|采购|拿|进|订|下)过|(?:还)?没能?(?:挤|打|做)?进(?:去|他们)?(?:的)?(?:合格)?(?:供应商)?(?:名录|名单)?"
    r"|(?:准入|稽核|审核|认证|资格审查)(?:都)?(?:还)?没(?:有)?(?:过|通过)|没有?正式(?:交易|合作|供货|下单)过?"
    r"|(?:没|未)(?:跟|和|与)?(?:你们|我们|咱们)?打过交道|还没(?:接到|拿到|拿下|收到)(?:第一|首)(?:张单|单|个订单|笔|张订单)|(?:名录|名单|名册)(?:之)?外|全(?:部)?包给(?:了)?(?:老供应商|别家|对手|另一家|人家|别人)"
    r"|(?:没有|没|无)(?:任何)?份额|(?:还|仍)?(?:没有|没|冇|无)任何(?:订单|order|PO|份额|业务|business|合作|项目|生意|往来)"
    r"|(?:没|未)(?:拿到|接到|收到)(?:过)?(?:他们|他们家|对方|她们)(?:的)?(?:任何|一张|一个|一笔)?\s*(?:订单|单子|单|PO|order)",
    re.I,
)
# Zero as the level now, after a change ("降到0", "现在down到zero", "现在等于全没了").
_FIRST_ORDER_NOW = re.compile(r"(?<![没未])(?:这是|这就是|拿到了?|下了|签了|接到了?)(?:我们的?)?(?:第一单|首单|第一批|首批|第一个PO|第一张单)", re.I)
_ZERO_NOW = re.compile(r"(?:降|掉|跌|减|down)(?:到|为|至|成|to)\s*(?:0|零|zero)(?![.\d%])|(?:等于|已经|基本|现在)?(?:全|都)(?:没了|丢了)|"
                       r"(?:现在|目前|如今)(?:是|为)?\s*(?:0|零|zero)(?![.\d%\w])", re.I)
_ALL = re.compile(
    r"独家(?:供应商|供应|供货|合作|代理)?|唯一(?:的)?[\w]{0,6}?供应商|(?:sole|exclusive|only)\s*(?:supplier|source|vendor)"
    r"|(?:全部|全都|全|都|一直|基本都|全部都|基本上全|基本全)(?:改成|改为)?(?:是从|是由|是跟|是在|是|从|由|跟|在|给|用|走)?(?:我们|咱们|咱家|我司|我哋)(?:这|这里|这儿|家|这边)?(?:拿|供|采购|买|叫|订|做|在做|供应|提供|出|进|的(?=[,，。!！\s]|$|货|产品|料|东西|设备)|supply|supplied)"
    r"|唯一(?:的)?一家|唯一(?:的)?(?:品牌|牌子|来源|厂家)|我们一家在(?:供|做)|(?:sole|exclusive|only)\s*supply|"
    r"(?:现在|如今|后来)?全(?:部|都)?(?:给|交给|转给)了?我们|独一份|只有我们一家|(?:我们|咱们)(?:全)?包(?:了|圆)|全包给(?:了)?我们|只认我们|(?:我们|our)[^,，。]{0,30}(?:是|is)\s*exclusive|(?:订单|量|货)?全(?:部|都)?转(?:给|到)了?我们"
    r"|全(?:是|部是|部都是)我们(?:供|的|家)|(?:只|就)(?:用|跟|从|找)我们(?:一家)?|我们一家(?:供|做|包)|包圆|"
    r"百分之百|百分百|100%|全部份额|一直是我们在做|全部由我们|全是我们(?:供|印|做|生产)|只留了?我们一家|只剩我们一家"
    r"|全部(?:都)?(?:係|系)我哋|全部交给我们|全部都?是我们"
    r"|没有第二家|没(?:有)?别家(?:的份)?|只(?:收|买|认|用|进)(?:我们|咱们|我们家)(?:一家)?"
    r"|(?:全部|全都|都)(?:都)?在(?:我们|咱们)(?:这儿|这里|这边|手里|手上|家)(?![^,，。]{0,3}(?:谈|评估|测|试|看))"
    r"|(?:全部|全都)(?:都)?在(?:我们|咱们)这(?![个些样么])"
    r"|(?:所有|全部)[^,，。]{0,6}都走(?:我们|咱们)|exclusive\s*(?:distributor|agent|dealer)|全(?:是|部是)(?:你们|我们)的"
    r"|(?:所有|全部)[^,，。]{0,6}都(?:是)?从(?:我们|咱们)(?:这|这里|这儿)?(?:拉|调|提|拿|进|买|采购|订)",
    re.I,
)


_AFTER_OTHERS = re.compile(
    r"^(?:的)?(?:量|货|单|份额|订单|业务|business|volume)?(?:还|仍|都|全|基本)*(?:是|在|给|归|被|走|让|跟|从|用|买|找|拿|向)+(?:了)?"
    r"(?:另|别|竞|对手|日系|进口|台资|老供应商|那家|他们自己|集团内部|隔壁|小厂|外面|外头|其他家|competitor|[A-Z])|^的?(?:量|货)?在他们手里"
    r"|^的?(?:量|货|单)?(?:被)?(?:给|分|划)了?(?!我们|咱们|我司|我方)[他她]", re.I)
_AFTER_OURS = re.compile(r"^(?:的)?(?:量|货|单|份额|订单|业务|料|原料|材料|产品|东西|采购)?(?:都|全|基本)?(?:在|是|给|归|从)(?:了)?(?:跟|从|向|在|找)?(?:我们|咱们|我司|我方)")


def _owner(clause_before: str, clause_after: str) -> str:
    """Who the quantity belongs to: what follows it ("…给了竞对", "…都是我们的") decides first, then
    the nearest party named before it in its clause ("我们占…", "另外两家拿了…", "剩下的…")."""
    if _AFTER_OTHERS.search(clause_after[:14]):
        return "others"
    if re.search(r"我们(?:和|跟|与)[^,，。]{0,6}$", clause_before) or re.search(r"我们(?:和|跟|与)", clause_before[-12:]):
        return "ours"  # "我们和另一家对半分", "我们跟另一家一人一半": the split includes us
    if _AFTER_OURS.search(clause_after[:10]) or re.search(r"(?:我们|咱们)(?:在|跟|和)(?:那|这)家", clause_before):
        return "ours"  # "…是跟我们买的", "我们在那家也是两成"
    if re.search(r"(?:另外|其他|其余|别|对手)[^,，。]{0,4}(?:分|拿|占|瓜分)了?剩下的?$", clause_before):
        return "others"  # "另外两家分剩下的三成"
    if _REST.search(clause_before) and _OTHERS.search(clause_after[:12]) and not _OURS.search(clause_after[:12]):
        return "others"  # "剩下的大头在另一家"
    marks = [(m.end(), "rest") for m in _REST.finditer(clause_before)]
    marks += [(m.end(), "others") for m in _OTHERS.finditer(clause_before)
              if not (m.group() == "那边" and re.search(r"(?:在|跟|和|与|对|去)[^,，。]{0,10}$", clause_before[: m.start()]))
              # "我们现在是他们的主供应商": the supplier named is us
              and not re.search(r"(?:我们|咱们)(?:现在|目前|一直)?(?:是|为|算|作为)[^,，。]{0,8}$", clause_before[: m.start()])]
    marks += [(m.end(), "ours") for m in _OURS.finditer(clause_before)]
    if not marks:
        return "unknown"
    return max(marks)[1]


def _quantities(norm: str) -> List[_Quantity]:
    found: List[_Quantity] = []
    clauses = [0, *[m.end() for m in _CLAUSE.finditer(norm)], len(norm) + 1]
    for m in _QUANTITY.finditer(norm):
        value = _value(m)
        if value is None or not 0 <= value <= 100:
            continue
        s, e = m.span()
        after, before = norm[e : e + 12], norm[max(0, s - 6) : s]
        if _NOT_AFTER.match(after) and not m.group("word"):
            continue
        if m.group("dec") and s > 0 and norm[s - 1].isdigit():
            continue
        if m.group("dec") and not re.search(r"占|份额|share|比例|比重", norm[max(0, s - 12) : s], re.I):
            continue  # "做到0.88", "同轴度0.01": a price or a tolerance
        if _DENIED.search(before):
            continue
        value = _adjust(value, after, before)
        suffix = re.match(r"^(?:多|以上|出头|不到|以下|还多)", after)
        if suffix and not m.group("word"):
            e += suffix.end()  # "三成多": the evidence is what the rep said
        left = max(c for c in clauses if c <= s)
        right = min(c for c in clauses if c > e) - 1
        clause_before, clause_after = norm[left:s], norm[e:right]
        clause = norm[left:right]
        if re.search(r"(?:明年|下半年|下个?月|以后|将来|会|可以|打算|准备|计划|争取|希望|想)[^,，。]{0,6}"
                     r"(?:加到|提到|涨到|做到|增加到|提高到|给到|扩到)$", clause_before):
            continue  # "明年可以给我们加到三成": a plan, not the level now
        moved_to = (_MOVED_TO.search(clause_before[-6:])  # "从三成涨到五成": the level now
                    and not re.search(r"率|比例|指标|目标|KPI|target|国产化", clause, re.I))
        if (not moved_to and _NOT_SHARE.search(clause_before[-8:] + " " + clause_after[:8])
                and not re.search(r"占|份额|share", clause, re.I)):
            continue
        if _NOT_SHARE_CLAUSE.search(clause):
            continue
        if _WEIGHTS_TEXT.search(norm) and (_WEIGHT_ITEM.search(clause_before[-6:])
                                            or _WEIGHTS_TEXT.search(norm[e : e + 4] + clause_before[-4:])):
            continue  # "评标按价格40%、温控记录60%打分": weights
        if re.search(r"其中", clause_before) and not (_OURS.search(clause) or _OTHERS.search(clause) or _REST.search(norm)):
            continue  # "其中注塑件占35%": a part of their own purchasing
        if re.search(r"(?:原来|以前|去年|之前|往年)的?$|(?:技术|价格|服务|商务|质量|交期|品质)分(?:占)?$", clause_before) or (
                m.group("word") and re.search(r"(?:讲|说|吃|做|看|聊|谈|开|走|写|干|听)到$", clause_before)):
            continue  # "原来的一半", "讲到一半", "技术分60%"
        if m.group("pct2") and m.group("pn3") and not re.search(r"占|份额|百分|share", clause):
            continue  # "量了二十个点": points, not percentage points
        if "百分点" in norm[s:e] and not re.search(r"占|份额|share", clause, re.I):
            continue  # "高了约2个百分点": a change, not a level
        if _RATE_TEXT.search(norm) and not (_OURS.search(clause) or re.search(r"占|份额|share|采购|订单", clause, re.I)):
            continue
        if (m.group("ten") and _PROBABLY.match(after) and not _SHARE_CONTEXT.search(clause_before[-6:])
                and not _REST.search(clause_before) and not _AFTER_OURS.search(after) and not _AFTER_OTHERS.search(after)):
            continue  # "八成是不会同意了": probably, not 80 %
        if (_NOMINAL.search(norm[:s]) and re.search(r"(?:实际上?|其实)[^,，。]{0,12}$", clause_before)
                and _OURS.search(norm[:s]) and not _AFTER_OTHERS.search(clause_after[:14])):
            # "我们名义上份额是一半，但实际执行下来只有35%": what is actually ours
            found.append(_Quantity(_adjust(value, after, before), s, e, "unknown", 1))
            continue
        terse = len(re.sub(r"[大概约差不多左右上下吧的样子估计应该有我们占了啊呢嗯可能就目前现在也就其实际才只仅]", "", clause_before + clause_after)) <= 2
        if not (terse or moved_to or _SHARE_CONTEXT.search(clause) or _OURS.search(clause) or _OTHERS.search(clause)):
            continue
        owner = _owner(clause_before, clause_after)
        if owner == "unknown" and re.match(r"(?:拿到的|拿的|供的|做的|分到的)?(?:量|份额)?(?:只有|就|才|占了?|大概|约)", clause_before):
            # "我们是第二供应商，拿到的量只有一成半": a clause without a subject continues the one before it
            prev_left = max([c for c in clauses if c < left - 1] or [0])
            if not (found and found[-1].end > prev_left):  # not a restatement of the figure before it
                prev = norm[prev_left : left - 1]
                # the subject of the clause before: "我们现在是第二供应商，占他们三成" is ours
                owner = "ours" if re.match(r"^\s*(?:现在|目前|如今)?(?:我们|咱们|我司|我方)", prev) else _owner(prev, "")
        window = norm[max(0, left - 14) : s]
        actual = 1 if _ACTUAL.search(window) or moved_to else -1 if _NOMINAL.search(window) else 0
        if moved_to and "被" in clause_before and found:
            owner = found[-1].owner  # "被别家挤到两成": still our level
        if moved_to and owner == "unknown" and found:
            owner = found[-1].owner  # "我们去年只有两成,今年做到六成": the same party's level now
        each = re.search(r"(?P<n>[两二三四五])家[^,，。]{0,4}各(?:占|拿|有|分|做)?了?(?:大概|约|差不多)?$", clause_before)
        if each and owner == "others":  # "另外两家各占三成": both of them
            value = min(100.0, value * (_DIGIT[each.group("n")]))
        found.append(_Quantity(value, s, e, owner, actual))
    return found


def _value(m: re.Match) -> Optional[float]:
    if m.group("pct"):
        return cn_number(m.group("pn"))
    if m.group("pct2"):
        return cn_number(m.group("pn2") or m.group("pn3"))
    if m.group("range"):
        low, high = _tenths(m.group("ra")), _tenths(m.group("rb"))
        return None if low is None or high is None or high < low else (low + high) * 5
    if m.group("ten"):
        token = m.group("tn")
        v = _tenths(token) if len(token) <= 2 else None
        if v is None and len(token) == 2 and token[0] in _DIGIT and token[1] in _DIGIT:
            v = (_DIGIT[token[0]] + _DIGIT[token[1]]) / 2  # 两三成 ~ 25
        if v is None or v > 10:
            return None
        extra = 5 if m.group("half") else (cn_number(m.group("tx")) or 0) if m.group("tx") else 0
        return v * 10 + extra
    if m.group("frac"):
        denom, numer = cn_number(m.group("fd")), cn_number(m.group("fn"))
        if not denom or numer is None or numer > denom:
            return None
        return numer / denom * 100
    if m.group("slash"):
        numer, denom = float(m.group("sn")), float(m.group("sd"))
        return numer / denom * 100 if denom and numer <= denom else None
    if m.group("dec"):
        return float("0." + m.group("dn")) * 100
    if m.group("word"):
        return float(_WORDS[m.group("word")])
    return None


def _adjust(value: float, after: str, before: str) -> float:
    if re.match(r"^(?:多|以上|出头|还多|挂零)", after) or re.search(r"(?:超过|高于|过了|不止)$", before):
        return min(100.0, value + 5)
    if re.match(r"^(?:不到|以下|不足)", after) or re.search(r"(?:不到|不足|低于|没到|少于|还不到)$", before):
        return max(0.0, value - 3)
    return value


# A count of their buying, part of it ours: "十个桶有三个是我们的", "三条线里的一条给了我们",
# "每年用一百吨，其中六十吨是你们的", "他们五条线我们供两条".
_COUNT = r"(?:\d{1,5}(?:\.\d+)?|[一二两三四五六七八九十百千]{1,5})"
_COUNT_UNIT = r"(?:个项目|个品类|个型号|个料号|个系列|条产线|条线|公斤|千克|万元|万|个(?!月|人|小时|工作日|点)|条|吨|桶|台|件|套|款|项|批|张|箱|颗|根|卷|种|只|辆|片|家|把|品|座|包)"
_RATIO = re.compile(
    rf"(?P<n>{_COUNT})(?P<u>{_COUNT_UNIT})[\u4e00-\u9fffA-Za-z]{{0,4}}?[，,]?(?:里|中|当中|里面|之中|里头|其中|这里面)?(?:的|有|面有|头有)?"
    rf"(?:只有|就|才|大概|约)?(?P<m>{_COUNT})(?P=u)?[\u4e00-\u9fff]{{0,6}}?(?:是|给了?|归|用的?是|用|走|交给了?|都是|来自)(?:我们|你们|咱们|咱|我司)"
    # "一年采购三千万，我们才占四百来万", "85辆里装了我们的有70辆", "十台设备，这次才给我们一台"
    rf"|(?P<n3>{_COUNT})(?:来|多)?(?P<u3>{_COUNT_UNIT})[\u4e00-\u9fffA-Za-z]{{0,5}}?(?:左右|上下)?(?:的[\u4e00-\u9fff]{{0,4}})?[，,]?\s*"
    rf"(?:这次|现在|目前|今年|去年)?(?:才|只|就)?(?:给|分给)?(?:我们|咱们|我司)(?:这家|家)?(?:的)?(?:只|才|就|现在|目前)?"
    rf"(?:有|剩|剩下|做了?|做到了?|供了?|拿了?|拿到了?|占了?|接到?了?|进了?|中了?|承包了?|印了?|装了?|是)(?:大概|约|差不多)?(?P<m3>{_COUNT})(?:来|多)?(?P=u3)?(?![\d.%])"
    # "我们中了三个包里的一个"
    rf"|(?:我们|咱们)[^,，。]{{0,4}}?(?P<n4>{_COUNT})(?P<u4>{_COUNT_UNIT})[\u4e00-\u9fff]{{0,3}}?(?:里|中|当中)的?(?P<m4>{_COUNT})(?P=u4)"
    rf"|(?P<n2>{_COUNT})(?P<u2>{_COUNT_UNIT})[\u4e00-\u9fffA-Za-z]{{0,3}}?[，,]?\s*(?:我们|咱们|我司)(?:只|就|才)?"
    rf"(?:供|拿|做|占|接|有|中|拿下|拿到|供了|拿了|做了|中了|接了)了?(?:其中的?)?(?P<m2>{_COUNT})(?P=u2)")


def _ratio(norm: str) -> Optional[Tuple[float, int, int]]:
    for m in _RATIO.finditer(norm):
        total = cn_number(m.group("n") or m.group("n2") or m.group("n3") or m.group("n4"))
        part = cn_number(m.group("m") or m.group("m2") or m.group("m3") or m.group("m4"))
        if total and part and 2 <= total and 0 < part <= total:
            return part / total * 100, m.start(), m.end()
    return None


def _phrase(norm: str, pattern: re.Pattern) -> List[Tuple[int, int]]:
    return [m.span() for m in pattern.finditer(norm) if m.end() > m.start()]


def parse_share(text: str) -> Optional[ShareMatch]:
    """Our current share of the customer's purchasing, or None when the text does not say it."""
    if not text:
        return None
    norm = _fix_typos(normalize(text))
    if not _OURS.search(norm) and re.search(r"行业|协会|全国|国内|市场|同比", norm):
        return None  # market figures, not a customer's purchasing
    quantities = _quantities(norm)
    restated = set()
    for i in range(1, len(quantities)):  # "我们占了一大半，五成五左右": the second says the first more precisely
        q, prev = quantities[i], quantities[i - 1]
        gap = norm[prev.end : q.start]
        if (q.owner == "unknown" and prev.owner in ("ours", "others") and q.start - prev.end <= 4
                and (re.fullmatch(r"[\s,，、(（]*(?:大概|大约|约|也就是|差不多|就是|即)?", gap)
                     # "我们和另外两家三家平分，一家三分之一": each one's part, said again
                     or (re.fullmatch(r"[\s,，、]*(?:每家|一家|各)", gap) and prev.owner == "ours"))):
            quantities[i] = _Quantity(q.value, q.start, q.end, prev.owner, max(q.actual, prev.actual) + 1)
            restated.add(i - 1)
    quantities = [q for i, q in enumerate(quantities) if i not in restated]
    rest_ours = re.compile(r"(?:剩下|剩余|其余|余下|剩返)[^,，。]{0,8}(?:我们|我哋|咱们|咱)|(?:我们|我哋)[^,，。]{0,6}(?:剩下|其余)")
    quantities = [_Quantity(q.value, q.start, q.end, "others", q.actual)
                  if q.owner == "unknown" and rest_ours.search(norm, q.end) else q for q in quantities]

    ours = [q for q in quantities if q.owner == "ours"]
    rest = [q for q in quantities if q.owner == "rest"]
    others = [q for q in quantities if q.owner == "others"]
    unknown = [q for q in quantities if q.owner == "unknown"]
    zero, full = _phrase(norm, _ZERO), _phrase(norm, _ALL)
    # "别的牌子一台没有" is the others' zero; "原来没做过,这是第一单" is no longer zero
    zero = [(s0, e0) for s0, e0 in zero if not re.search(r"(?:别的|其他|别家|对手|竞品|人家)(?!.*(?:我们|咱们))", norm[max(0, s0 - 6) : s0])
            and not re.search(r"(?:不是|并不是|也不是|倒不是)$", norm[max(0, s0 - 4) : s0])]  # "不是没合作"
    if _FIRST_ORDER_NOW.search(norm):
        zero = []

    def match(value: float, start: int, end: int, conf: float) -> ShareMatch:
        return ShareMatch(int(round(max(0.0, min(100.0, value)))), start, end, text[start:end], conf)

    def pick(qs: List[_Quantity]) -> _Quantity:
        # what is "actually" so beats what is "nominally" so; then the last one said
        return max(qs, key=lambda q: (q.actual, q.start))

    if ours and (all(q.actual < 0 for q in ours) or (max(q.actual for q in ours) <= 0 and unknown[-1:] and unknown[-1].actual > 0)) \
            and unknown and unknown[-1].start > ours[-1].start:
        q = unknown[-1]  # "名义上是50%，实际上…也就20%"
        return match(q.value, q.start, q.end, 0.85)
    now_zero = [(s0, e0) for s0, e0 in _phrase(norm, _ZERO_NOW)]
    now_full = [(s0, e0) for s0, e0 in _phrase(norm, _ALL)]
    if ours and max(q.actual for q in ours) <= 0:
        last = max(q.end for q in ours)
        later = [(s0, e0, 0) for s0, e0 in now_zero if s0 >= last] + [(s0, e0, 100) for s0, e0 in now_full if s0 > last
                                                                         and _ACTUAL.search(norm[max(0, s0 - 8) : s0])]
        if later:  # "之前一人一半,现在全给我们了", "我们之前也有20%,现在down到zero"
            s0, e0, v = later[-1]
            return match(v, s0, e0, 0.85)
    if ours:
        q = pick(ours)
        return match(q.value, q.start, q.end, 0.95)
    ratio = _ratio(norm)
    if ratio:
        return match(*ratio, 0.85)
    actual_unknown = [q for q in unknown if q.actual > 0 and _NOMINAL.search(norm)]
    if actual_unknown:
        q = actual_unknown[-1]  # "名义上是第一供应商，实际上量只有三成半"
        return match(q.value, q.start, q.end, 0.85)
    if rest and others:
        taken = sum(q.value for q in others if q.start < rest[0].start) or sum(q.value for q in others)
        q = rest[0]
        return match(100 - taken, q.start, q.end, 0.85)
    if rest:
        q = pick(rest)
        return match(q.value, q.start, q.end, 0.85)
    supplier_us = re.search(r"我们(?:是|在|算|为)?[^,，。]{0,8}(?:主供|供应商|供货|在供|独家|supplier|vendor|incumbent|exclusive)",
                            norm, re.I) or (_NOMINAL.search(norm) and _phrase(norm, _ALL))
    if others and not ours and max(o.value for o in others) >= 100:
        q = max(others, key=lambda o: o.value)  # "100%用竞品": nothing is ours
        return match(0, q.start, q.end, 0.85)
    # "其他三家加起来占九成": the others together, so the rest is ours
    together = (re.search(r"(?:(?:其他|其余|另外)[一二两三四五六七八九几\d]?|[两三四几])家[^,，。]{0,6}(?:加起来|合计|一共|总共|共|加在一起)", norm)
                or (len(others) == 1 and re.search(r"(?:就|只有|一共|总共|共)两家(?:供|供应商|在供|在做|做)", norm)))
    if others and (_REST.search(norm) or re.search(r"剩下|其余|其他.{0,3}(?:是|给|归|在)我们", norm) or supplier_us
                   or together):
        q = others[-1]
        return match(100 - sum(o.value for o in others), q.start, q.end, 0.8)
    full = [(s, e) for s, e in full
            if not ((re.search(r"(?:他们|对方|那家|同行|竞争对手|对手)(?:家)?(?:是|才是)?$", norm[max(0, s - 6) : s])
                     or (norm[s:e].startswith("独家")  # "跟另一家签了三年独家": someone else's exclusivity
                         and re.search(r"另一家|另外一家|别家|一家\w{1,3}|原来那家|跟他们签", norm[max(0, s - 12) : s])))
                    and not re.search("我们|咱们|我司", norm[max(0, s - 8) : e]))]
    if full and not (zero and zero[-1][0] > full[-1][0]):
        s, e = full[-1]
        if not unknown or unknown[-1].start < s:
            return match(100, s, e, 0.9)
    if zero:
        s, e = zero[-1]
        if not unknown or unknown[-1].start < s:
            return match(0, s, e, 0.9)
    if unknown:
        q = pick(unknown)
        if q.actual >= 0 or len(unknown) == 1:
            return match(q.value, q.start, q.end, 0.8)
    return None


def find_shares(text: str) -> List[ShareMatch]:
    """Every quantity the grammar reads as a share of someone (ours or others'), in order."""
    norm = _fix_typos(normalize(text or ""))
    return [ShareMatch(int(round(q.value)), q.start, q.end, text[q.start : q.end], 0.8, competitor=q.owner == "others")
            for q in _quantities(norm) if q.owner != "none"]


# -- stage by share ------------------------------------------------------------------------------
STAGES_FILE = Path(__file__).resolve().parents[2] / "knowledge" / "stages.yml"


@functools.lru_cache(maxsize=4)
def stage_bands(path: Path = STAGES_FILE) -> Tuple[Tuple[str, float, float], ...]:
    """(stage, share_min, share_max) from the knowledge base, in order of share."""
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    bands = [(it["name"], float(it["share_min"]), float(it["share_max"])) for it in doc["items"]
             if it.get("kind") == "stage" and "share_min" in it]
    return tuple(sorted(bands, key=lambda b: (b[1], b[2])))


def stage_for_share(share: float, bands: Optional[Sequence[Tuple[str, float, float]]] = None) -> str:
    """0 → 开发; above 0 and below 50 → 初期合作; 50 to below 80 → 稳定合作; 80 to 100 → 战略合作 (the
    thresholds of knowledge/stages.yml)."""
    bands = bands or stage_bands()
    for name, lo, hi in bands:
        if lo == hi == share:
            return name
    for name, lo, hi in bands:
        if lo < hi and (lo < share or (lo == share and lo > 0)) and share < hi:
            return name
    return bands[-1][0] if share >= bands[-1][2] or share > 0 else bands[0][0]
