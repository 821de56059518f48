"""The explainable compliance patterns: the bribe shape and the category frames, clause by clause."""
import pytest

from keqing.compliance.patterns import hits, strongest


@pytest.mark.parametrize(
    "text, category",
    [
        ("检测报告的数据能不能帮忙改一下", "forgery"),
        ("找两家关系好的公司来陪标", "bid_rigging"),
        ("评标专家那边能不能打点一下让他打高分", "bid_evaluator"),
        ("验收的时候让质检睁一只眼放行", "inspector_bribe"),
        ("能不能搞到竞争对手的底价", "trade_secret"),
        ("找几个人匿名发帖抹黑对手", "defamation"),
        ("编几个成功案例放到官网上", "fake_testimonial"),
        ("上批货起火的事先瞒着客户", "hide_incident"),
        ("他老婆能不能来我们公司挂名拿工资", "relative_job"),
        ("样机送他了,不用还", "gift_disguised"),
        ("茅台记成办公用品", "disguised_goods"),
        ("把技术的意见透给采购,让他们斗起来,我们渔翁得利", "internal_conflict"),
    ],
)
def test_category_frames(text: str, category: str) -> None:
    hit = strongest(text)
    assert hit is not None and hit.category == category, hits(text)
    assert all(w for w in hit.words)


def test_the_bribe_shape_needs_a_benefit_and_a_person_or_concealment() -> None:
    full = strongest("私下给采购个人打点好处费")
    assert full is not None and full.category is None and full.score >= 0.9
    assert strongest("好处费") is None  # a benefit alone is no request
    weak = strongest("给点好处,事成之后")
    assert weak is not None and weak.score < full.score


def test_the_words_must_stand_in_one_sentence() -> None:
    assert strongest("检测报告下周出。我们改一下交期") is None or strongest("检测报告下周出。我们改一下交期").category != "forgery"


def test_wanting_to_stay_lawful_weakens_a_hit() -> None:
    plain = strongest("采购暗示要回扣,私下给他个人")
    declining = strongest("采购暗示要回扣,私下给他个人?我想婉拒,怎么说")
    assert plain is not None and declining is not None and declining.score < plain.score


@pytest.mark.parametrize("text", ["", "   ", "王总说一不二,我们占三成", "明天发货,物流单号发你", "😀" * 50])
def test_ordinary_text_has_no_hit(text: str) -> None:
    assert hits(text) == []


def test_traditional_text_is_read_too() -> None:
    hit = strongest("檢測報告能不能改一下數據")
    assert hit is not None and hit.category == "forgery"


@pytest.mark.parametrize("text", ["送点礼能不能把这单拿下", "给采购塞个红包,这单就稳了", "拿点现金出来把订单签下"])
def test_a_gift_for_the_deal_itself_is_named(text):
    hit = strongest(text)
    assert hit is not None and hit.kind == "deal" and hit.score >= 0.8


@pytest.mark.parametrize("text", ["不送礼能把单子拿下吗", "他过生日,送个礼物合适吗", "年底按订单量给客户返利合规吗"])
def test_no_deal_hit_without_the_exchange(text):
    hit = strongest(text)
    assert hit is None or hit.kind != "deal"


def test_spreading_word_about_a_competitor_is_defamation_but_hearing_it_is_not() -> None:
    hit = strongest("要不我去同行圈子里放点风，说对手的货有质量问题")
    assert hit is not None and hit.category == "defamation"
    assert strongest("同行圈子里都在说对手的货有质量问题") is None


@pytest.mark.parametrize("text,category", [
    ("想在他们采购和技术之间制造点矛盾", "internal_conflict"),
    ("找人去集团信访，说他生活作风有问题", "internal_conflict"),
    ("帮我虚构两个成功案例放进方案", "fake_testimonial"),
    ("有一个项目是虚的，帮我弄一份验收证明", "forgery"),
    ("召回的事先瞒着这个客户", "hide_incident"),
    ("买通他们的仓管", "trade_secret"),
])
def test_tactics_named_outright(text: str, category: str) -> None:
    hit = strongest(text)
    assert hit is not None and hit.category == category and hit.kind == "word" and hit.score >= 0.8


@pytest.mark.parametrize("text", ["怎么防止对手挑拨我们和客户的关系", "公司严格禁止送礼，客户暗示了怎么回应得体",
                                  "样机签借用协议，到期收回"])
def test_declining_or_returnable_weakens_a_hit(text: str) -> None:
    hit = strongest(text)
    assert hit is None or hit.score < 0.5
