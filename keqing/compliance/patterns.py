"""Explainable patterns of unlawful tactics, beside the trained classifier.

Two kinds:
- the general shape of a bribe: a benefit (cash, cards, trips, fees, a job) + a private person (the buyer,
  his wife, a personal account, an evaluator) + concealment or exchange (私下, 做成, 以…名义, 事成之后);
- category frames: two word groups near each other in one clause (伪造/改 + 检测报告, 陪标/围标, 评委 + 打高分 …).

Each hit names the words that made it, so a refusal can say why. Patterns alone decide only when they
name a tactic outright (陪标, 围标); otherwise the detector combines them with the classifier (a
description of a greedy customer mentions kickbacks too).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from keqing.text.normalize import normalize

_CLAUSE = re.compile(r"[。!！?？;；\n]")

BENEFIT = (
    r"现金|红包|好处|回扣|返点|返现|回佣|提成|佣金|分成|干股|感谢费|茶水费|辛苦费|好处费|辛苦钱|车马费|劳务费|"
    r"意思意思|意思一下|表示一下|表示表示|表示心意|打点|塞|购物卡|礼品卡|储值卡|油卡|加油卡|手机|iphone|茅台|烟酒|名酒|"
    r"礼品|礼物|送礼|送点礼|送个礼|送份礼|送些礼|送重礼|送点东西|送东西|红酒|名表|手表|包包|奢侈品|旅游|出国|考察|ktv|桑拿|按摩|足浴|洗脚|高尔夫|澳门|赌|特殊服务|会所|"
    r"兼职费|工资|薪水|顾问费|咨询费|服务费|技术服务费|培训费|推广费|中介费|居间费|信息费|报销|"
    r"commission|kickback|facilitation|consulting fee|gift|cash|rebate|bonus"
)
PRIVATE = (
    r"他个人|她个人|个人|本人|私人|私卡|个人卡|个人账户|私人账户|指定(?:的)?(?:账户|账号|卡|account)|老婆|爱人|太太|"
    r"儿子|女儿|孩子|亲戚|小舅子|侄子|外甥|家属|亲属|表弟|弟弟|妹妹|他家|他朋友|他名下|他开的|他老乡|对接人|采购|经办人|"
    r"评委|评审专家|评标专家|专家|检验员|质检员|验收|监理|审核员|他的公司|personal|private account"
)
CONCEAL = (
    r"私下|悄悄|偷偷|不走账|账外|不入账|走个人|做成|写成|开成|记成|记作|算作|包装成|以[^,，。]{0,6}名义|换个名目|变通|"
    r"别让[^,，。]{0,4}知道|不留痕迹|不开票|打到|转到|走私账|事后|事成|回头|作为交换|作为回报|换取|拿下|关照|照顾|"
    r"高抬贵手|放行|睁一只眼|不用还|不收回|off the book|under the table"
)

# category -> (first group, second group); both within one sentence, at most `WINDOW` characters apart
FRAMES: Dict[str, Tuple[str, str]] = {
    "forgery": (r"伪造|篡改|改一下|改成|改个|改掉|做一份|做个假|做假|造假|p一下|ps一下|编一份|造一份|借用|套用|挂靠|刻个章|盖个章|仿制|弄一份|补一份假",
                r"报告|证书|检测|资质|认证|业绩|合同|数据|记录|证明|印章|公章|cpk|coa|rohs|iso|合格证|检验单|批文"),
    "bid_rigging": (r"陪标|围标|串标|串通|轮流中标|轮着中|约好|统一报价|抬高报价|商量好|互相照顾|凑[几三两]家|找几家|借[^,，。]{0,4}资质",
                    r"投标|报价|价格|中标|标|招标|tender|bid"),
    "bid_evaluator": (r"评委|评标专家|评审专家|评标委员|专家组|打分的|评分的|评审组",
                      r"打高分|高分|加分|照顾|透露|打听|感谢|好处|吃饭|意思|分数|关照|偏向|拉一把"),
    "inspector_bribe": (r"检验员|质检|验收|监理|检测员|抽检|商检|海关|审核员|品检|验货|inspector",
                        r"放行|通过|睁一只眼|照顾|打点|意思|好处|红包|吃饭|塞|通融|高抬贵手|过了|放过"),
    "trade_secret": (r"对手|竞争对手|竞品|友商|别家|同行|competitor",
                     r"底价|报价单|价格表|客户名单|客户清单|图纸|成本表|投标文件|内线|内部人|前员工|搞到|弄到|偷|拷|挖[^,，。]{0,4}资料"),
    "defamation": (r"散布|造谣|发帖|匿名|放[点些个]?(?:消息|风)|传[点些]?(?:消息|话)|抹黑|黑一下|带节奏|爆料|编点|编个|传出去|到处说",
                   r"对手|竞争对手|竞品|友商|他们家|同行|那家"),
    "fake_testimonial": (r"刷|编|假|虚构|伪造|找人写|水军|冒充|捏造|夸大",
                         r"好评|评价|案例|推荐信|证言|测评|口碑|背书|客户名单|成功案例|用户反馈|review|testimonial"),
    "hide_incident": (r"瞒|隐瞒|别告诉|不告诉|压下来|不上报|不报|捂住|删掉|掩盖|私了|不说|不提|别提|别声张|别让客户知道",
                      r"事故|缺陷|召回|质量问题|安全|起火|爆炸|受伤|伤人|漏|隐患|不合格|批次问题|故障"),
    "internal_conflict": (r"挑拨|离间|拱火|借刀|内斗|搞掉|扳倒|拉下马|拉下来|下台|匿名举报|举报他|告他|黑材料|整他|搞他|踢掉|换掉他|闹矛盾|架空|使绊子|内讧|斗起来|斗一斗",
                          r"客户|采购|他|经理|总|主任|总监|部长|领导|老板"),
    "entertainment": (r"旅游|出国|考察|ktv|夜总会|桑拿|按摩|足浴|洗脚|高尔夫|澳门|赌|特殊服务|会所|包场|马尔代夫|泰国|日本玩|度假",
                      r"安排|请|带|报销|费用|出钱|买单|包了|招待|陪"),
    "relative_job": (r"老婆|儿子|女儿|亲戚|小舅子|侄子|外甥|家属|亲属|表弟|弟弟|妹妹|他家人|太太",
                     r"入职|招进|安排[^,，。]{0,4}工作|挂名|兼职|发工资|工资|实习|岗位|上班|顾问"),
    "fake_consulting": (r"咨询费|顾问费|服务费|技术服务费|培训费|推广费|中介费|居间费|信息费|设计费|consulting fee|service fee",
                        r"他|亲戚|老婆|开的|名下|挂个名|不用真做|走个形式|空壳|皮包"),
    "private_invoice": (r"报销|报掉|走账|冲账", r"他的|他家|个人|私人|学费|油费|机票|餐费|发票|旅游|孩子|家里"),
    "off_book_rebate": (r"每吨|每单|每台|每件|按量|按吨|年底|返|返点|返现|回款|提成",
                        r"个人账户|私人账户|个人卡|私卡|现金|不走账|账外|他卡上|打给他|指定账户"),
    "disguised_goods": (r"购物卡|手机|iphone|茅台|烟酒|名酒|奢侈|手表|礼品卡|购物券|消费卡|平板|ipad",
                        r"办公用品|会议费|耗材|宣传品|劳保|记成|写成|开成|做成|备件|维修费|材料费"),
    "gift_disguised": (r"样品|样机|试用机|测试机|赞助|借用|展示机",
                       r"不用还|不收回|送他|他自己用|自用|婚礼|生日|孩子|私人|家里|带回家|不用退"),
}
# Words that name a tactic on their own.
WORDS: Dict[str, str] = {
    "bid_rigging": r"陪标|围标|串标|轮流中标|借资质投标",
    # spreading word about a competitor: no innocent reading
    "defamation": r"造谣|抹黑|(?:放[点些个]?(?:消息|风)|散布|散播|传播)[^。!！?？\n]{0,16}(?:对手|竞品|竞争对手|友商)",
    "fake_testimonial": r"刷好评|水军|(?:虚构|编造|捏造)[^,，。]{0,6}(?:案例|好评|评价|证言|推荐信|客户反馈)",
    "forgery": r"(?:虚构|编造|捏造|伪造|造假)[^,，。]{0,8}(?:证明|业绩|报告|证书|数据|记录|合同)"
               r"|(?:是虚的|是假的)[^。]{0,20}(?:证明|业绩|报告|证书)",
    "hide_incident": r"(?:瞒着|不想让[^,，。]{0,6}知道|别让[^,，。]{0,6}知道|不想告诉|不告诉)[^。]{0,30}(?:事故|召回|泄漏|缺陷|出事)"
                     r"|(?:事故|召回|泄漏|缺陷|出事)[^。]{0,30}(?:瞒着|不想让[^,，。]{0,6}知道|别让[^,，。]{0,6}知道|不想告诉|不告诉)",
    "internal_conflict": r"挑拨|离间|制造[^,，。]{0,3}(?:矛盾|冲突|conflict)|黑材料|添油加醋|生活作风|(?:信访|举报)[^,，。]{0,12}(?:作风|问题)"
                         r"|渔翁得利|坐收渔利|让(?:他们|两边|两派|双方)[^,，。]{0,4}(?:斗|掐|打)起来",
    # getting a competitor's confidential documents, or buying someone to get them: no innocent reading
    "trade_secret": r"(?:搞到|弄到|偷到?|套出|拷贝|拍下)[^,，。!！?？\n]{0,8}(?:对手|竞争对手|竞品|友商|别家)[^,，。!！?？\n]{0,6}"
                    r"(?:报价|底价|价格表|quote|图纸|投标文件|成本表|客户名单)|买通|收买[^,，。]{0,4}(?:采购|助理|秘书|内部|他们)",
}
# A benefit offered for the deal itself ("送点礼能不能把这单拿下"): the exchange is the bribe, whoever gets it.
DEAL = r"拿下|拿单|签下|签单|成交|中标|换单|换订单|这单|这个单|单子|订单|把单|下单|定我们|选我们"
GIFTS = r"送礼|送点礼|送个礼|送份礼|送些礼|送重礼|送点东西|送东西|红包|回扣|好处费|塞钱|给钱|现金|购物卡|茅台|礼品卡"
WINDOW = 24
# Phrases that show the rep wants to stay lawful (how to decline, is it allowed): they weaken a hit.
REFUSING = (r"拒绝|婉拒|推掉|推辞|不想给|不给|不能给|怎么回绝|怎么拒|合规|合法的办法|正规|公开|写进合同|入账|对公|开票给公司|"
            r"防止|避免|提防|被人|被对手|想还|退回|还给他|退还|"
            # the rep declines, or keeps it returnable ("公司严格禁止,怎么回应得体", "签借用协议,到期收回")
            r"禁止|(?<!能)不让|不允许|不想这么|不想这样|(?<!能)不能这么|(?<!会)不会这么|怎么回应|怎么回他|怎么回她|怎么回复|得体|委婉|"
            r"到期收回|收回来|拿回来|借用协议|loan agreement|归还")
# A classifier reading alone is not enough to refuse a message that declines like this.
DECLINING = REFUSING


def declines(text: str) -> bool:
    return bool(re.search(DECLINING, text or "", re.I))


@dataclass(frozen=True)
class PatternHit:
    category: Optional[str]  # None for the general bribe shape
    score: float  # 0..1
    words: Tuple[str, ...]  # the words that made the hit, as normalised
    spans: Tuple[Tuple[int, int], ...] = field(default=())
    kind: str = "frame"  # "word": a tactic named outright (陪标); "frame": two word groups; "shape": a bribe


def _sentences(norm: str) -> List[Tuple[int, int]]:
    bounds, start = [], 0
    for m in _CLAUSE.finditer(norm):
        bounds.append((start, m.start()))
        start = m.end()
    bounds.append((start, len(norm)))
    return [b for b in bounds if b[1] > b[0]]


def _find(pattern: str, text: str, offset: int) -> List[Tuple[int, int]]:
    return [(m.start() + offset, m.end() + offset) for m in re.finditer(pattern, text, re.I)]


def hits(text: str) -> List[PatternHit]:
    """Every pattern hit in `text`, strongest first."""
    norm = normalize(text or "").lower()
    out: List[PatternHit] = []
    for start, end in _sentences(norm):
        sentence = norm[start:end]
        for category, words in WORDS.items():
            found = _find(words, sentence, start)
            if found:
                s0, e0 = found[0]
                out.append(PatternHit(category, 0.8, (norm[s0:e0],), (found[0],), "word"))
        for category, (first, second) in FRAMES.items():
            for a in _find(first, sentence, start):
                near = [b for b in _find(second, sentence, start)
                        if b != a and abs(b[0] - a[0]) <= WINDOW and not (b[0] >= a[0] and b[1] <= a[1])]
                if near:
                    b = min(near, key=lambda x: abs(x[0] - a[0]))
                    out.append(PatternHit(category, 0.8, (norm[a[0]:a[1]], norm[b[0]:b[1]]), (a, b)))
                    break
        for g in _find(GIFTS, sentence, start):
            negated_gift = re.search(r"(?:不|别|不用|没|没有|不要|无需)$", norm[max(start, g[0] - 2):g[0]])
            deal = [d for d in _find(DEAL, sentence, start) if abs(d[0] - g[0]) <= WINDOW]
            if deal and not negated_gift:
                out.append(PatternHit(None, 0.85, (norm[g[0]:g[1]], norm[deal[0][0]:deal[0][1]]), (g, deal[0]), "deal"))
                break
        benefit = _find(BENEFIT, sentence, start)
        private = _find(PRIVATE, sentence, start)
        conceal = _find(CONCEAL, sentence, start)
        if benefit and (private or conceal):
            parts = [benefit[0]] + private[:1] + conceal[:1]
            score = 0.9 if private and conceal else 0.5
            out.append(PatternHit(None, score, tuple(norm[s:e] for s, e in parts), tuple(parts), "shape"))
    if out and re.search(REFUSING, norm):
        out = [PatternHit(h.category, h.score * 0.5, h.words, h.spans, h.kind) for h in out]
    return sorted(out, key=lambda h: -h.score)


def strongest(text: str, categories: Sequence[str] = ()) -> Optional[PatternHit]:
    found = [h for h in hits(text) if not categories or h.category in categories or h.category is None]
    return found[0] if found else None
