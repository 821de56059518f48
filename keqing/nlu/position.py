"""Facts about the business that reps state outright, read by rule because a stated fact outranks a guess:

- our supplier position ("我们是他们的主供", "只是备用供应商", "primary vendor") and the
relationship stage it implies (knowledge/stages.yml: 稳定合作 is the customer's main supplier, 初期合作 a second
or backup source, 战略合作 the sole or strategic one); used when the text gives no share;
- the customer's readiness when it is stated as a step of their buying (knowledge/grades.yml): B when they
  compare several suppliers, must choose one by a date, run evaluation rounds, or wait for a tender, an approval
  or a trial; D when they say there is no more need this year or the business went elsewhere. Used when the
  classifier read no grade."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from keqing.text.normalize import normalize

_POSITIONS = (
    ("战略合作", r"独家供应商|唯一(?:的)?供应商|独家供货|战略供应商|战略合作伙伴|sole (?:supplier|source|vendor)|"
                 r"exclusive (?:supplier|vendor)|strategic (?:supplier|partner)"),
    ("稳定合作", r"主供(?!那家)|主力(?:供应商|厂商|供货商|厂家)|主要供应商|第一供应商|头号供应商|"
                 r"(?:primary|main|major) (?:vendor|supplier|source)"),
    ("初期合作", r"二供|三供|备用供应商|备选供应商|次要供应商|后备供应商|辅助供应商|补充供应商|备用厂商|"
                 r"(?<=的)备选(?:的|厂家|厂商)?(?=$|[,，。!！\n]|之一)|是备选的?|偶尔给(?:一点|点)?(?:小)?单|"
                 r"(?:下了|下过|拿到了?|接到了?)(?:第一张|第一个|首张|首个|首)(?:PO|订单|单)|first\s*PO(?:已经)?(?:下了|来了)|"
                 r"(?:second|backup|secondary|alternative) (?:source|supplier|vendor)"),
)
_PATTERN = re.compile("|".join(f"(?P<s{i}>{p})" for i, (_, p) in enumerate(_POSITIONS)), re.I)
_CLAUSE = re.compile(r"[,，。!！?？;；\n]")
_OURS = re.compile(r"我们|咱们|我司|我方|我們|\bwe\b|\bour\b|\bus\b", re.I)
_OTHERS = re.compile(r"对手|竞品|别家|另一家|另外一家|那家|友商|台资|日系|外资|老供应商|原供应商|他们家|competitor", re.I)
_WANTED = re.compile(r"(?:想|希望|争取|目标是?|力争|打算|冲击|want to|aim to)[^,，。]{0,10}$", re.I)
_NEGATED = re.compile(r"(?:不是|算不上|谈不上|称不上|还不是|并非|没当上|当不上|不算|not|no longer)[^,，。]{0,6}$", re.I)


@dataclass(frozen=True)
class Stated:
    """A stated fact: the value it gives (a stage, a grade) and the words, as typed."""

    value: str
    start: int
    end: int
    text: str


def _clause_before(norm: str, start: int) -> str:
    left = max([0] + [c.end() for c in _CLAUSE.finditer(norm, 0, start)])
    return norm[left:start]


def supplier_position(text: str) -> Optional[Stated]:
    """The last position the text states for us (not negated, not a competitor's), else None."""
    norm = normalize(text or "")
    found: Optional[Stated] = None
    for m in _PATTERN.finditer(norm):
        stage = _POSITIONS[int(next(k for k, v in m.groupdict().items() if v)[1:])][0]
        before = _clause_before(norm, m.start())
        if _NEGATED.search(before) or _WANTED.search(before):
            continue
        if _OTHERS.search(before) and not _OURS.search(before):
            continue  # "他们的主供是一家台资厂" is not us
        after = norm[m.end():m.end() + 10]
        if re.match(r"(?:一直|现在|目前|还)?(?:是|为|换成了?)", after) and not _OURS.search(after):
            continue  # the position is the subject: "他们的主供是一家台资厂"
        found = Stated(stage, m.start(), m.end(), text[m.start():m.end()])
    return found


_COMPARING = re.compile(
    r"(?:货比|比较|对比|比一比|比)(?:一下)?(?:[两二三四几多]|好几)家|(?:[两三几]|好几)家(?:之间)?(?:在|还在|一起)?(?:比|比较|对比|比价|pk)|"
    r"在(?:我们|咱们)和[^,，。]{1,10}之间|(?:两|几)家之间(?:摇摆|犹豫|权衡|选)|还在(?:比较|对比|比价|评估)|"
    r"compar(?:e|ing) (?:us|vendors|suppliers|quotes)", re.I)


def comparing_suppliers(text: str) -> Optional[Stated]:
    """"还要比三家参数才决定": the customer weighs several suppliers (grade B), unless negated."""
    return _first_stated(text, ((_COMPARING, "B"),))


_NEGATED_STEP = re.compile(r"(?:不|没|不用|不再|没有|别|无需)[^,，。]{0,3}$")


def _first_stated(text: str, patterns: tuple) -> Optional[Stated]:
    """The first match of the (pattern, grade) pairs, in order; a B step the clause negates does not count."""
    norm = normalize(text or "")
    for pattern, grade in patterns:
        for m in pattern.finditer(norm):
            if grade == "B" and _NEGATED_STEP.search(_clause_before(norm, m.start())):
                continue
            if grade == "D" and re.search(r"(?:不是|并非|也不是)$", norm[max(0, m.start() - 3) : m.start()]):
                continue  # "不是没有需求,是还没意识到"
            return Stated(grade, m.start(), m.end(), text[m.start():m.end()])
    return None


# B: a real need still being decided ("三月底前把供应商定下来", "三轮评审", "等招标公告出来", "先试用一批").
_DECIDING = re.compile(
    r"(?:(?:[一二三四五六七八九十\d]{1,2}月|年|月|季度|Q[1-4])(?:底|末|中)?|下周|本周|周[一二三四五六日])(?:前|之前|以前|内)"
    r"[^,，。]{0,4}(?:把)?(?:供应商|供方|厂家|vendor|supplier)[^,，。]{0,3}(?:定|选|确定)(?:下来|了)?"
    r"|(?:要|准备|打算|计划|正在|在|还没|没|马上|尽快)(?:重新)?(?:定|选|确定)(?:下来)?(?:新的|一家|哪家)?(?:供应商|供方|vendor|supplier)"
    r"|(?:明年|下半年|下季度|今年)(?:想|打算|准备|计划)(?:上|搞|做|试|换|定)|让我们先(?:出|做|报|send|给)|先(?:出|做|报)(?:个|一[个份])?(?:方案|报价|价)"
    r"|send\s*(?:a\s*)?proposal|再看看别家|候选名单|还没(?:决定|定|想好)(?:找谁|用谁|用哪家|选谁|哪家|选哪家)|预算还在(?:报|批|走|申请)"
    r"|(?:第[二三四2-4]|[两三几好几]+)轮(?!车|胎|子)(?:评审|评估|测试|谈判|比价|筛选)?|(?:评审会|评标|打分)[^,，。]{0,6}(?:定|选|决定)"
    r"|等(?:着)?(?:招标公告|招标|标书|审批|批复|领导批|老板批|老板点头|领导点头|预算批|预算下来|总部批|集团批)"
    r"|(?:先)?(?:试用|试一批|小批量试|送样测试|样品测试)[^,，。]{0,6}(?:再定|再说|再决定|看结果)"
    r"|(?:在|还在)(?:走)?(?:评估|评审|测试|验证)(?:阶段|流程|中)?", re.I)
# D: no business for now ("今年不要了", "已经找好人了", "跟另一家签了三年").
_CLOSED = re.compile(
    r"今年(?:都|就|也)?(?:不|没)(?:再)?(?:要|需要|采购|买|加|招|引入|考虑|打算)"
    r"|已经(?:找好|定好|选好|签了|定了|选了)(?:人|别家|另一家|供应商|别的)"
    r"|(?:跟|和|与)(?:另一家|别家|对手|竞争对手|其他家)[^,，。]{0,4}签了|没(?:有)?机会了|不考虑(?:换|新供应商|我们)|(?<!不行)(?<!不好)(?<!行就)别再(?:打|来|联系)|(?:全部|都)给了(?:别人|别家|对手|另一家)"
    r"|(?<![还没不])(?:今年|暂时|短期内|目前)?(?:就|也|都)?(?:不会|不打算|不准备|说不)换(?:供应商|厂家|别家|了)?|今年(?:就|也)?不换|没有?(?:要)?换的?打算"
    r"|(?:不会|没有?)再?有(?:新的?)?(?:采购)?(?:需求|采购计划)|(?:今年|目前)(?:确实)?(?:没|没有)(?:新的?)?(?:需求|采购计划|采购需求)"
    r"|(?:采购)?项目(?:全部|都)?(?:暂停|冻结|取消)", re.I)
# A: the customer has committed ("订单昨天已经下了", "合同在法务审", "当场同意下首单").
_COMMITTED = re.compile(
    r"(?:订单|PO|单子)(?:昨天|今天|上周|已经)*下了|(?:当场|已经|昨天|今天)(?:同意)?下(?:了)?(?:首单|订单|单)|同意下(?:首)?单"
    r"|合同(?:已经)?签了|签了(?:年度)?(?:合同|协议)|(?:合同|合约|协议)(?:正在|已经)?(?:送)?(?:法务)?(?:审|走签署|进入签署)|签署流程"
    r"|(?:订单|合同|PO)(?:正)?在走流程|最后选了我们|(?:PO|订单)(?:正在|在)(?:开|下|走)", re.I)
# C: a need the customer has not acted on ("问题不少,但还没打算换").
_LATENT = re.compile(r"(?:还|但|可|也|却)(?:是)?没(?:打算|想过?|准备|提过?)(?:要)?换")


def stated_grade(text: str) -> Optional[Stated]:
    """The grade the text states through a step of the customer's buying, else None (see the module doc)."""
    return _first_stated(text, ((_CLOSED, "D"), (_COMMITTED, "A"), (_COMPARING, "B"), (_DECIDING, "B"),
                                (_LATENT, "C")))
