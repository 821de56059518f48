"""Masking of personal and commercial data before harvested conversations are written."""
from __future__ import annotations

import pytest

from keqing.learn.masking import mask, mask_text, mask_value


@pytest.mark.parametrize(
    "text, expected",
    [
        # mobile numbers, with country code and separators, full-width digits
        ("王总电话13812345678", "某总电话[电话]"),
        ("手机 +86 138-1234-5678。", "手机 [电话]。"),
        ("他的号是138 1234 5678,晚上打", "他的号是[电话],晚上打"),
        ("电话１３９１２３４５６７８", "电话[电话]"),
        # landlines and service numbers
        ("座机010-62345678 转 12", "座机[电话]"),
        ("(0755)86001234", "[电话]"),
        ("客服400-800-1234", "客服[电话]"),
        # e-mail
        ("邮箱wang.zong@huawei.com,有事发邮件", "邮箱[邮箱],有事发邮件"),
        ("发到 li_jl+sales@example.com.cn 就行", "发到 [邮箱] 就行"),
        # ID numbers (18 digits / X, old 15-digit form)
        ("身份证110101199003071234", "身份证[证件号]"),
        ("证件号11010119900307123X", "证件号[证件号]"),
        ("老身份证110101900307123", "老身份证[证件号]"),
        # bank cards
        ("卡号6222021234567890123", "卡号[卡号]"),
        ("打到 6222 0212 3456 7890 就行", "打到 [卡号] 就行"),
        # money
        ("预算八十万", "预算[金额]"),
        ("年采购两千万,去年给了¥50,000", "年采购[金额],去年给了[金额]"),
        ("报价50-80万,先付3.5万元定金", "报价[金额],先付[金额]定金"),
        ("三千块的小单,五块钱也要砍", "[金额]的小单,[金额]也要砍"),
        ("预算50w左右", "预算[金额]左右"),
        ("合同金额 1200000 元", "合同金额 [金额]"),
        ("人民币300万", "[金额]"),
    ],
)
def test_masks(text: str, expected: str) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "我们占他们三成采购",  # shares are what the NLU needs
        "大概85%的量在我们这",
        "百分之八十五",
        "一半多吧",
        "采购五万台设备,一万人的厂",  # counts, not money
        "千万别提价格,十万火急",  # idioms
        "一块去吃饭,两块板子",  # 一块 = together / pieces
        "订单号20231105",  # 8 digits: neither a phone nor a card
        "2023年3月,第2次见面",
        "他是支配型的老虎,不是孔雀",  # style names are not people
        "小单也要做,老板说了",
    ],
)
def test_leaves_alone(text: str) -> None:
    assert mask_text(text) == text


def test_spans_map_onto_the_masked_text() -> None:
    text = "张总手机13812345678,人很随和,预算八十万"
    result = mask(text)
    assert result.text == "某总手机[电话],人很随和,预算[金额]"
    assert result.kinds() == {"person": 1, "phone": 1, "money": 1}
    start = text.index("随和")
    mapped = result.map_span(start, start + 2)
    assert mapped is not None and result.text[mapped[0]:mapped[1]] == "随和"
    assert result.map_span(0, 2) == (0, 2)  # before any mask
    phone = text.index("138")
    assert result.map_span(phone, phone + 3) is None  # inside a masked region


@pytest.mark.parametrize(
    "text, expected",
    [
        ("王总说一不二,开会只听结论", "某总说一不二,开会只听结论"),
        ("欧阳总那边下一步做什么", "某总那边下一步做什么"),
        ("李经理人很随和,老周总是问价格", "某经理人很随和,老某总是问价格"),
        ("采购总监姓贺,很强势", "采购总监姓某,很强势"),
        ("周建国是华瑞电子有限公司的老板", "某某是某电子有限公司的老板"),
        ("宏远机械的王总,手机13812345678", "某机械的某总,手机[电话]"),
        ("Kevin 很挑剔", "某人 很挑剔"),
        ("中鼎化工股份有限公司采购部王经理", "某化工股份有限公司采购部某经理"),
    ],
)
def test_pseudonymises_people_and_companies(text: str, expected: str) -> None:
    assert mask_text(text) == expected


def test_annotation_over_a_name_stays_on_the_pseudonym() -> None:
    text = "宏远机械的欧阳总说一不二"
    result = mask(text)
    assert result.text == "某机械的某总说一不二"
    name = text.index("欧阳总")
    mapped = result.map_span(name, name + 3)
    assert mapped is not None and result.text[mapped[0]:mapped[1]] == "某总"  # [欧阳总](customer) -> [某总](customer)
    cue = text.index("说一不二")
    mapped = result.map_span(cue, cue + 4)
    assert mapped is not None and result.text[mapped[0]:mapped[1]] == "说一不二"  # later spans shift
    assert result.map_span(name + 1, name + 4) is None  # a span cutting a name in two has no counterpart


def test_masks_every_string_in_metadata() -> None:
    value = {"text": "手机13812345678", "list": ["邮箱a@b.cn", 3], "nested": {"x": "预算八十万"}, "n": 1.5}
    assert mask_value(value) == {"text": "手机[电话]", "list": ["邮箱[邮箱]", 3], "nested": {"x": "预算[金额]"}, "n": 1.5}


def test_empty() -> None:
    assert mask_text("") == "" and mask_text(None) == "" and not mask("普通的一句话").changed
