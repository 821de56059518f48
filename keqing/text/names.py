"""How reps name their customers: 王总, 欧阳总, 李经理, 老周, 小林, 阿明, 周建国, Kevin, 何生, "采购总监姓贺" …

`find_names(text)` returns each mention with its span as typed and the name a record is kept under
(`NameMatch.name`: 姓贺的采购总监 → 贺总监, 歐陽總 → 欧阳总 stays as typed). Time words and ordinary words
that look like names are not names (半小时, 小时候, 老是, 老实, 老板, 小心 …). `name_key` is the key the
customer memory stores a name under.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

from keqing.text.normalize import normalize

COMPOUND_SURNAMES = (
    "欧阳 司马 上官 诸葛 东方 皇甫 慕容 令狐 西门 夏侯 尉迟 公孙 司徒 司空 申屠 宇文 长孙 轩辕 端木 澹台 百里 东郭 南宫 "
    "呼延 闻人 太叔 左丘 谷梁 宗政 司寇 亓官 漆雕 钟离 赫连 拓跋 万俟 独孤 公冶 濮阳 淳于 单于 仲孙 第五 梁丘 鲜于 "
    "闾丘 东门 西门 羊舌 微生 公良 乐正 壤驷 公西 巫马 段干 拓拔 贺兰 慕容 诸葛 上官"
).split()
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范"
    "金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
    "闻宇凤酆计冼蒲饶邬厉冀阎郦钭鄂蔺逯禹"
)
TITLES = (
    "董事长", "总经理", "副总经理", "副总裁", "副总监", "副经理", "副厂长", "副部长", "副主任", "副局长", "副总", "总监", "总裁",
    "经理", "主任", "处长", "科长", "部长", "局长", "厂长", "院长", "所长", "书记", "老板", "主管", "总工", "工程师", "老师",
    "教授", "博士", "医生", "律师", "顾问", "秘书", "助理", "专员", "课长", "襄理", "协理", "副理", "特助", "董", "总", "工",
    "姐", "哥", "处", "局", "博", "生", "女士", "先生", "小姐", "太", "sir",
)
_TITLE_RE = "|".join(sorted(TITLES, key=len, reverse=True))
# A title followed by these characters is part of another word: 常工作, 高总价, 于是 …
_NOT_AFTER = {
    "工": "作资厂程艺具人地期业序种商会钱具位区",
    "总": "体共结算之部额量价计数得会要归结包成",
    "处": "理于在置分事",
    "局": "面势部限",
    "博": "士客物览",
    "董": "事",
    "姐": "妹",
    "哥": "们儿",
    "生": "产意活气日成病命效长",
    "太": "多少大小好久贵慢快忙累难远近高低晚早",
    "老师": "傅",
}
# 老X / 小X that are ordinary words, never a person.
_NOT_OLD_YOUNG = {
    "老": "板婆公家实是大乡表练外总师兄弟妹姐哥爸妈人客东西样习字头天",
    "小": "时心孩学组姐伙子事时候区单",
}
_COMPOUND_RE = "|".join(COMPOUND_SURNAMES)
_NAME = re.compile(
    rf"(?P<c>(?:{_COMPOUND_RE}))(?P<ct>{_TITLE_RE})"
    rf"|(?P<prefix>老|小)(?P<s1>[{SURNAMES}])(?![{SURNAMES}]?[总经工])"
    rf"|(?P<s2>[{SURNAMES}])(?P<title>{_TITLE_RE})"
)
# "采购总监姓贺", "姓钱", "他姓程": a surname said on its own, the title taken from the same sentence.
_SURNAME_SAID = re.compile(rf"(?:姓|叫)(?P<s>{_COMPOUND_RE}|[{SURNAMES}])(?![\u4e00-\u9fff]{{2}})")
_ROLE_TITLE = re.compile(r"(?:采购|技术|质量|品质|生产|设备|财务|行政|研发|运营|销售|项目)?(?P<t>总监|总经理|经理|主任|主管|科长|部长|处长|厂长|总工|工程师|董事长|老板|总)")
# Full names at a name position: start of a sentence, or after 叫/名叫/见了/跟/和/找/是.
# Full names (周建国): at the start of a sentence and followed by a pause or 是/说, or after 叫/名叫.
_FULL_NAME = re.compile(
    rf"(?:^|(?<=[\n。!！?？;；])|(?<=叫))(?P<n>(?:{_COMPOUND_RE}|[{SURNAMES}])[\u4e00-\u9fff]{{1,2}})"
    rf"(?=[,，:：]|是|说|很|特别|挺|比较|非常|这人|这个人|那边|$)"
)
# "拜访采购部周建国，…", "对接人是张卫东": a full name right after the words that introduce a contact.
_FULL_AFTER_INTRO = re.compile(
    rf"(?:拜访了?|见了|见到|对接人是?|联系人是?|负责人是?|接待的是|接待我们的是|约了|采购部的?|[部处科室]的)"
    rf"(?P<n>(?:{_COMPOUND_RE}|[{SURNAMES}])[\u4e00-\u9fff]{{1,2}}?)"
    rf"(?=[,，。:：;；]|看|说|是|很|特别|挺|比较|非常|这人|全程|基本|一直|对|把|问|$)"
)
_LONG_TITLES = "董事长|总经理|副总经理|总监|经理|主任|处长|科长|部长|厂长|总工|工程师|老师|课长|院长|所长|局长|书记"
_FULL_TITLED = re.compile(
    rf"(?:^|(?<=[^\u4e00-\u9fff])|(?<=叫|是|了|见|访|和|跟|找|约|的|成))"
    rf"(?P<n>(?P<s>{_COMPOUND_RE}|[{SURNAMES}])[\u4e00-\u9fff]{{2}}(?P<t>{_LONG_TITLES}))"
)
_ORG_CHARS = set("部科处室组级务区间线厂副正代总常执行项目")  # 常务副总经理, 车间主任 are posts, not names
_FUNCTION_CHARS = set("的了是在说都也就还又和跟与这那他她们个吧啊呢吗")
_ENGLISH = re.compile(r"(?<![A-Za-z])(?:(?:Mr|Ms|Mrs|Dr)\.?\s*)?[A-Z][a-z]{2,}(?:\s[A-Z][a-z]+)?(?![A-Za-z])")
_ENGLISH_NOT_NAMES = frozenset(
    "Boss Meeting Deal Budget Sample Quote Team Email Excel Ok Okay Hi Hello Thanks Sorry Monday Tuesday Wednesday "
    "Thursday Friday Saturday Sunday January February March April May June July August September October November "
    "December Director Manager Buyer Owner Plant Supply Factory Sales Tech Customer Client Vendor Supplier Project "
    "Engineering Operations Procurement Finance Compliance Marketing Quality Account Order Price Detail Push Nice "
    "Follow The This That And But Our Their China Shanghai Beijing Japan German Germany Siemens Google Apple "
    "Linkedin Wechat Deadline Review Proposal Report Case Study Demo Launch Tender Contract Invoice Payment Today "
    "Tomorrow Yesterday Easy Going Control Freak Big Talker Social Butterfly Very Just Not Yes Please Top Down".split()
)
# 阿明, 阿强 (southern and Cantonese usage); 阿姨, 阿里, 阿拉伯 … are not people's names.
_AH = re.compile(r"阿(?P<x>[\u4e00-\u9fff])")
_NOT_AH = set("姨婆公爸妈哥弟妹嫂伯叔姐里拉根富尔胶门弥罗斯米蒙谀")
_SUFFIXES = re.compile(r"(?:那边|这边|那里|这里|那儿|这儿|的事情|的事|客户|公司|那家|家)+$")


@dataclass(frozen=True)
class NameMatch:
    text: str  # as typed
    start: int
    end: int
    name: str = ""  # the name the customer is kept under (defaults to `text`)
    kind: str = "title"  # "title" | "old_young" | "surname" | "full" | "english"

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", self.text)


@functools.lru_cache(maxsize=1)
def _common_words() -> frozenset:
    """jieba's dictionary words that are frequent enough to be ordinary words, not names."""
    import jieba

    tok = jieba.Tokenizer()
    tok.initialize()
    return frozenset(w for w, f in tok.FREQ.items() if f and f > 50 and 2 <= len(w) <= 3)


def _overlaps(found: List[NameMatch], start: int, end: int) -> bool:
    return any(start < n.end and end > n.start for n in found)


_NAME_INTRO = re.compile(r"(?:^|[^\u4e00-\u9fff]|叫|是|见了|见到|拜访了?|约了|找了|跟|和|对接人|联系人|负责人|接待的|采购部|[部处科室厂]的?)$")


def _full_name_before(norm: str, start: int) -> Optional[int]:
    """Start of the full name when the surname + title at `start` ends one (吴建|华主任 → 吴建华主任)."""
    s0 = start - 2
    if s0 < 0 or norm[s0] not in SURNAMES or not all("\u4e00" <= ch <= "\u9fff" for ch in norm[s0:start]):
        return None
    if norm[s0:start] in _common_words() or norm[s0 : start + 1] in _common_words():
        return None
    if any(ch in _FUNCTION_CHARS for ch in norm[s0 + 1 : start + 1]):
        return None
    return s0 if _NAME_INTRO.search(norm[max(0, s0 - 4) : s0]) else None


def _role_near(norm: str, pos: int) -> Optional[re.Match]:
    """The role title said in the same clause as a surname ("采购总监姓贺"), nearest before it, else after it;
    else the first in its sentence."""
    marks = "。!！?？;；\n"
    clause_marks = marks + ",，"
    for stops in (clause_marks, marks):
        begin = max((norm.rfind(p, 0, pos) for p in stops), default=-1) + 1
        end = min([i for i in (norm.find(p, pos) for p in stops) if i >= 0] or [len(norm)])
        before = list(_ROLE_TITLE.finditer(norm, begin, pos))
        if before:
            return before[-1]
        after = _ROLE_TITLE.search(norm, pos, end)
        if after:
            return after
    return None


def find_names(text: str) -> List[NameMatch]:
    norm = normalize(text or "")
    found: List[NameMatch] = []
    for m in _NAME.finditer(norm):
        if m.group("c"):
            title = m.group("ct")
        elif m.group("title"):
            title = m.group("title")
        else:
            title = None
        if title:
            nxt = norm[m.end() : m.end() + 1]
            if nxt and nxt in _NOT_AFTER.get(title, ""):
                continue
            if title in ("总", "工") and norm[m.end() : m.end() + 2] in ("经理", "监理"):
                continue
            if title == "总" and nxt == "是" and m.start() > 0 and norm[m.start() - 1] in "老小":
                # "老周总是问价格": 老周 + 总是, not 周总
                s0 = m.start() - 1
                found.append(NameMatch(text[s0 : s0 + 2], s0, s0 + 2, kind="old_young"))
                continue
        else:
            prefix, surname = m.group("prefix"), m.group("s1")
            if surname in _NOT_OLD_YOUNG.get(prefix, ""):
                continue
            if prefix == "小" and surname == "时":
                continue
            if norm[m.end() - 1 : m.end() + 1] in _common_words():
                continue  # 老关系, 小张家口 …: the surname starts another word
        start = m.start()
        if title and not m.group("c") and start > 0 and norm[start - 1 : start + 1] in _common_words():
            continue  # "旁边副总想插话": 边 ends the word 旁边, it is no surname
        # a compound surname's first character is not a surname of its own (欧阳总 is not 阳总)
        if not m.group("c") and start > 0 and norm[start - 1 : start + 1] in COMPOUND_SURNAMES:
            continue
        full = _full_name_before(norm, start) if title is not None and m.group("s2") else None
        if full is not None:  # "吴建华主任": the person is 吴主任, not 华主任
            found.append(NameMatch(text[full : m.end()], full, m.end(), name=norm[full] + str(title), kind="title"))
            continue
        found.append(NameMatch(text[start : m.end()], start, m.end(), kind="title" if title else "old_young"))
    for m in _SURNAME_SAID.finditer(norm):
        if _overlaps(found, m.start("s"), m.end("s")):
            continue
        role = _role_near(norm, m.start())
        surname = text[m.start("s") : m.end("s")]
        name = surname + (role.group("t") if role else "")
        found.append(NameMatch(surname, m.start("s"), m.end("s"), name=name, kind="surname"))
    common = _common_words()
    for m in _AH.finditer(norm):
        s0, e0 = m.span()
        if m.group("x") in _NOT_AH or _overlaps(found, s0, e0) or norm[s0:e0] in common or norm[s0 : e0 + 1] in common:
            continue
        if s0 > 0 and "\u4e00" <= norm[s0 - 1] <= "\u9fff" and norm[s0 - 1 : e0] in common:
            continue
        found.append(NameMatch(text[s0:e0], s0, e0, kind="old_young"))
    for m in _FULL_TITLED.finditer(norm):  # "孙志强主任": the person is 孙主任
        s, e = m.span("n")
        given = norm[s + len(m.group("s")) : m.start("t")]
        outside = [n for n in found if not (n.start >= s and n.end <= e)]
        if (_overlaps(outside, s, e) or norm[s : m.start("t")] in common
                or any(ch in _FUNCTION_CHARS or ch in _ORG_CHARS for ch in given)):
            continue
        found = [n for n in found if not (n.start >= s and n.end <= e)]
        found.append(NameMatch(text[s:e], s, e, name=m.group("s") + m.group("t"), kind="title"))
    introduced = {m.start("n") for m in _FULL_AFTER_INTRO.finditer(norm)}
    for m in [*_FULL_NAME.finditer(norm), *_FULL_AFTER_INTRO.finditer(norm)]:
        s, e = m.span("n")
        candidate = norm[s:e]
        # a name right after 拜访/对接人 may start like a word (刘海峰: 刘海); elsewhere that is too risky
        if _overlaps(found, s, e) or candidate in common or (candidate[:2] in common and s not in introduced):
            continue
        if any(candidate.endswith(t) for t in TITLES) or any(ch in _FUNCTION_CHARS for ch in candidate[1:]):
            continue
        found.append(NameMatch(text[s:e], s, e, kind="full"))
    for m in _ENGLISH.finditer(text or ""):
        word = m.group(0)
        base = re.sub(r"^(?:Mr|Ms|Mrs|Dr)\.?\s*", "", word)
        if base.split()[0] in _ENGLISH_NOT_NAMES or _overlaps(found, m.start(), m.end()):
            continue
        after = (text or "")[m.end() : m.end() + 4]
        if re.match(r"^\s*(?:是|这|那边|他|她|说|的|人|,|，|。|下面|手下|跟|和|也|很|特别|每|这个人|今天|超|从|把|要|在|又|就|管|负责|做|来|去|对)", after) or \
                re.search(r"(?:跟|和|找|叫|见|约|问|是|给|对接人|经理|采购|部的|GM|VP|CEO|CFO|COO|CTO|boss|Boss|buyer|director|manager)\s*$",
                          (text or "")[max(0, m.start() - 9) : m.start()]) or m.start() == 0:
            found.append(NameMatch(word, m.start(), m.end(), kind="english"))
    titled = {normalize(n.text)[:2] for n in found if n.kind == "title"} | {normalize(n.text)[:1] for n in found if n.kind == "title"}
    found = [n for n in found if not (n.kind == "surname" and normalize(n.text) in titled)]
    return sorted(found, key=lambda n: n.start)


def first_name(text: str) -> Optional[str]:
    names = find_names(text)
    return names[0].name if names else None


def name_key(name: str) -> str:
    """The key a customer is stored under: Simplified, no spaces, no 那边/客户 suffix."""
    key = re.sub(r"\s+", "", normalize(name or ""))
    return _SUFFIXES.sub("", key) or key


def split_title(name: str) -> Tuple[str, str]:
    """(surname part, title part) of a name like 贺总监 → (贺, 总监); ('', '') when it has no title."""
    norm = normalize(name or "")
    for title in sorted(TITLES, key=len, reverse=True):
        if norm.endswith(title) and len(norm) > len(title):
            return name[: len(norm) - len(title)], name[len(norm) - len(title) :]
    return "", ""
