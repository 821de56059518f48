"""The cue matcher: the knowledge base's cue phrases, matched on word boundaries, spans as typed."""
import pytest

from keqing.nlu.cues import CueMatcher
from keqing.nlu.lexicon import load_lexicon
from keqing.nlu.scoring import build_profile


@pytest.fixture(scope="module")
def matcher():
    return CueMatcher.build(load_lexicon())


@pytest.fixture(scope="module")
def reloaded(matcher, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cues")
    matcher.save(folder)
    return CueMatcher.load(folder)


CASES = [
    ("王总说一不二,开会只听结论,我们现在大概占他们三成采购", {"style": "支配型", "stage": "初期合作", "share": 30}),
    ("他不是那种强势的人,挺好说话的", {"style": "和蔼型"}),
    ("表面上很随和,其实特别有主见", {"style": "支配型"}),
    ("李經理很隨和,就是拿不定主意,我們還是備選供應商", {"style": "和蔼型", "stage": "初期合作"}),
    ("张工话不多,每次都要看测试报告,参数问得很细", {"style": "分析型"}),
    ("这哥们特别能聊,爱面子,喜欢别人夸他", {"style": "表达型"}),
    ("典型的猫头鹰型", {"style": "分析型"}),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_profiles_from_lexicon(matcher, reloaded, text, expected):
    for m in (matcher, reloaded):  # the saved-and-loaded pipeline behaves the same
        profile = build_profile(text, m.match(text))
        for dim, value in expected.items():
            assert profile[dim] is not None and profile[dim]["value"] == value, (dim, profile)
        for entry in profile.values():
            if entry:
                assert entry["evidence"] and all(e in text for e in entry["evidence"])


def test_saved_pipeline_matches_like_the_built_one(matcher, reloaded):
    text = "陈总脾气急,只看结果,预算已经批了;我们是他们的主要供应商"
    assert [(s.dimension, s.value, s.start, s.end) for s in matcher.match(text)] == [
        (s.dimension, s.value, s.start, s.end) for s in reloaded.match(text)
    ]
    assert matcher.match(text)


@pytest.mark.parametrize("text", ["", "   ", "😀", "。。。", "ROI deadline KPI"])
def test_no_match_and_no_crash_on_odd_input(matcher, text):
    assert isinstance(matcher.match(text), list)


def test_a_cue_inside_a_longer_word_is_no_match(matcher):
    from keqing.nlu.lexicon import Cue
    from keqing.text.tokenize import Segmenter

    m = CueMatcher([Cue("motive", "求稳型", "稳定")])
    seg = Segmenter(words=["稳定性测试"])
    text = "他们在做稳定性测试"
    assert m.match(text) and not m.match(text, seg.tokenize(text))
    assert m.match("他只求稳定", seg.tokenize("他只求稳定"))


def test_a_cue_joined_by_jieba_to_a_degree_adverb_or_particle_still_counts():
    from keqing.nlu.cues import _only_degree_or_particle

    norm = "他其实挺强势的"
    s = norm.index("强势")
    assert _only_degree_or_particle(norm, s - 1, s + 2, s, s + 2)  # 挺强势
    assert _only_degree_or_particle(norm, s, s + 3, s, s + 2)  # 强势的
    norm2 = "他们要求很不强势"
    s2 = norm2.index("强势")
    assert not _only_degree_or_particle(norm2, s2 - 1, s2 + 2, s2, s2 + 2)  # 不强势 is not 强势
