"""How reps name their customers: 王总, 李经理, 张工, 老周, 小王, 刘姐 …

A deterministic extractor (surname + title) that the NLU uses alongside the trained model, and the
normalised key under which the customer memory stores a name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional

from keqing.text.normalize import normalize

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范"
    "金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
TITLES = (
    "董事长", "总经理", "总监", "总裁", "经理", "主任", "处长", "科长", "部长", "局长", "厂长", "院长", "所长", "书记",
    "老板", "老师", "主管", "总工", "总", "工", "董", "姐", "哥", "处", "局", "博",
)
_TITLE_RE = "|".join(sorted(TITLES, key=len, reverse=True))
# A title followed by these characters is part of another word: 常工作, 高总价, 于是 …
_NOT_AFTER = {
    "工": "作资厂程艺具人地期业序种商会",
    "总": "体共结算之部额量价计数是得会要归",
    "处": "理于在置分",
    "局": "面势部限",
    "博": "士客物",
    "董": "事",
    "姐": "妹",
    "哥": "们儿",
}
_NAME = re.compile(rf"(?:(?P<prefix>老|小)(?P<s1>[{SURNAMES}])(?![{SURNAMES}]?[总经工])|(?P<s2>[{SURNAMES}])(?P<title>{_TITLE_RE}))")
_SUFFIXES = re.compile(r"(?:那边|这边|那里|这里|那儿|这儿|的事情|的事|客户|公司|那家|家)+$")


@dataclass(frozen=True)
class NameMatch:
    text: str  # as typed
    start: int
    end: int


def find_names(text: str) -> List[NameMatch]:
    norm = normalize(text)
    found: List[NameMatch] = []
    for m in _NAME.finditer(norm):
        title = m.group("title")
        if title:
            nxt = norm[m.end() : m.end() + 1]
            if nxt and nxt in _NOT_AFTER.get(title, ""):
                continue
        elif m.group("prefix") == "老" and norm[m.end() : m.end() + 1] in ("板", "婆", "公", "家", "实", "是"):
            continue
        # the character before a surname must not glue it into another word (e.g. 不少王总? fine; 有李 ok)
        found.append(NameMatch(text[m.start() : m.end()], m.start(), m.end()))
    return found


def first_name(text: str) -> Optional[str]:
    names = find_names(text)
    return names[0].text if names else None


def name_key(name: str) -> str:
    """The key a customer is stored under: Simplified, no spaces, no 那边/客户 suffix."""
    key = re.sub(r"\s+", "", normalize(name or ""))
    return _SUFFIXES.sub("", key) or key
