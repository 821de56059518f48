"""The compliance categories: unlawful tactics the assistant declines, and grey areas it answers with nuance.

The keys are those of the labelled training data (data/compliance) and of the knowledge base items
(`compliance.<key>` and `guidance.<key>` in knowledge/).
"""
from __future__ import annotations

from typing import Dict

UNLAWFUL: Dict[str, str] = {
    "cash_kickback": "回扣与红包",
    "gift_disguised": "变相送礼",
    "fake_consulting": "虚假咨询费",
    "relative_job": "给亲属安排工作",
    "private_invoice": "报销私人费用",
    "off_book_rebate": "账外返现",
    "entertainment": "旅游与娱乐招待",
    "disguised_goods": "购物卡等变名入账",
    "inspector_bribe": "收买检验验收",
    "bid_evaluator": "收买评标专家",
    "bid_rigging": "串通投标",
    "forgery": "伪造证书报告",
    "hide_incident": "隐瞒事故缺陷",
    "trade_secret": "窃取商业秘密",
    "defamation": "诋毁竞争对手",
    "fake_testimonial": "虚假宣传与评价",
    "internal_conflict": "挑拨客户内部矛盾",
}
GREY: Dict[str, str] = {
    "token_gift": "小额礼品",
    "company_rebate": "给公司的合同返利",
    "referral_fee": "公开的推荐费",
    "lucky_draw": "活动抽奖",
    "decline_banquet": "婉拒宴请礼金",
    "internal_disagreement": "客户内部分歧",
    "hospitality": "正常工作餐与考察",
    "samples": "正常样品",
    "competitor_public": "公开信息竞品分析",
    "customer_solicits": "客户索要好处时",
}
# The writers' key for "the customer hinted at a personal benefit" questions.
GREY_ALIASES = {"customer_solicits_question": "customer_solicits"}

LAWFUL = "lawful"


def topic_id(verdict: str, category: str) -> str:
    """The knowledge base item of a category: compliance.<key> or guidance.<key>."""
    return f"{'compliance' if verdict == 'unlawful' else 'guidance'}.{category}"
