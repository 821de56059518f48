"""The sentence-level profile classifier: none class, persistence, evidence on word boundaries."""
import numpy as np
import pytest

from keqing.nlu.classifier import NONE, ProfileClassifier, Sample, samples_from
from keqing.nlu.features import TextFeatures
from keqing.nlu.scoring import build_profile

EXAMPLES = [
    ("王总说一不二,很强势", {"style": "支配型"}),
    ("老板脾气急,只要结论", {"style": "支配型"}),
    ("他特别强势,拍板很快", {"style": "支配型"}),
    ("李总做事雷厉风行,强势", {"style": "支配型"}),
    ("张工话不多,要看数据", {"style": "分析型"}),
    ("参数问得很细,要测试报告", {"style": "分析型"}),
    ("他很谨慎,反复对比数据", {"style": "分析型"}),
    ("王工什么都要数据,问得很细", {"style": "分析型"}),
    ("我们占三成", {"style": None}),
    ("你好", {"style": None}),
    ("下一步做什么", {"style": None}),
    ("明天发货,物流单号发你", {"style": None}),
]
CUES = [("style", "支配型", "说一不二"), ("style", "分析型", "抠细节"), ("motive", "求利型", "看价格")]


@pytest.fixture(scope="module")
def clf():
    return ProfileClassifier.fit(samples_from(EXAMPLES, CUES, ["style"]), dims=["style"])


def test_samples_add_each_cue_for_its_own_dimension_only():
    s = samples_from(EXAMPLES, CUES, ["style"])
    assert Sample("抠细节", {"style": "分析型"}) in s
    assert Sample("你好", {"style": None}) in s
    assert not any(x.text == "看价格" for x in s)  # motive is not a trained dimension here


def test_predicts_paraphrases_and_none(clf):
    p = clf.votes("刘总特别强势")["style"]
    assert p.best == "支配型" and p.probs["支配型"] > p.probs["分析型"]
    q = clf.votes("数据问得很细")["style"]
    assert q.best == "分析型"
    r = clf.votes("明天发货")["style"]
    assert max(r.probs, key=r.probs.get) == NONE
    assert abs(sum(p.probs.values()) - 1) < 1e-6


def test_a_dimension_without_two_classes_is_not_trained():
    clf = ProfileClassifier.fit([Sample("a", {"style": None}), Sample("b", {"style": None})], dims=["style"])
    assert clf.models == {} and clf.votes("强势") == {}


def test_save_load_roundtrip(clf, tmp_path):
    clf.save(tmp_path)
    again = ProfileClassifier.load(tmp_path, dims=["style"])
    text = "刘总特别强势"
    assert again.votes(text)["style"].probs == pytest.approx(clf.votes(text)["style"].probs)
    assert again.votes(text)["style"].spans == clf.votes(text)["style"].spans


def test_evidence_spans_are_in_the_text_as_typed(clf):
    text = "劉總特別強勢,拍板很快"
    v = clf.votes(text)["style"]
    assert v.spans and all(0 <= s < e <= len(text) for s, e in v.spans)
    profile = build_profile(text, [], votes={"style": v})
    assert profile["style"]["value"] == "支配型"
    assert profile["style"]["evidence"] and all(e in text for e in profile["style"]["evidence"])


@pytest.mark.parametrize("text", ["刘总特别强势", "劉總  特別強勢!! OK", "PPT   只看两页", "强", "", "   "])
def test_fast_prediction_equals_the_sparse_matrix_it_was_trained_on(clf, text):
    """votes() builds the feature vector itself; it must equal the training matrix row."""
    model = clf.models["style"]
    features: TextFeatures = model.features
    row = features.matrix([text]).toarray()[0]
    logits = model.coef @ row + model.intercept
    z = logits / model.temperature
    e = np.exp(z - z.max())
    expected = dict(zip(model.classes, e / e.sum()))
    assert clf.votes(text)["style"].probs == pytest.approx(expected, abs=1e-9)
