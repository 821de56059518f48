"""The sentence-level profile classifier: training, persistence, evidence as typed."""
import pytest

from keqing.nlu.classifier import NONE, ProfileClassifier, training_samples, votes
from keqing.nlu.scoring import build_profile

EXAMPLES = [
    ("王总说一不二,很强势", {"style": ["支配型"]}),
    ("老板脾气急,只要结论", {"style": ["支配型", "支配型"]}),
    ("他特别强势,拍板很快", {"style": ["支配型"]}),
    ("张工话不多,要看数据", {"style": ["分析型"]}),
    ("参数问得很细,要测试报告", {"style": ["分析型"]}),
    ("他很谨慎,反复对比数据", {"style": ["分析型"]}),
    ("我们占三成", {}),
    ("你好", {}),
    ("下一步做什么", {}),
]
CUES = [("style", "支配型", "说一不二"), ("style", "分析型", "抠细节")]


@pytest.fixture(scope="module")
def clf():
    return ProfileClassifier.fit(training_samples(EXAMPLES, CUES, ["style"]))


def test_training_labels_are_the_majority_annotation():
    s = training_samples(EXAMPLES, CUES, ["style"])["style"]
    assert ("老板脾气急,只要结论", "支配型") in s and ("你好", None) in s and ("抠细节", "分析型") in s


def test_predicts_paraphrases_and_none(clf):
    p = clf.predict("李总特别强势")["style"]
    assert max(p, key=p.get) == "支配型"
    q = clf.predict("数据问得很细")["style"]
    assert max(q, key=q.get) == "分析型"
    assert abs(sum(p.values()) - 1) < 1e-6 and NONE in p


def test_save_load_roundtrip(clf, tmp_path):
    clf.save(tmp_path)
    again = ProfileClassifier.load(tmp_path)
    assert again.predict("李总特别强势")["style"] == pytest.approx(clf.predict("李总特别强势")["style"])


def test_evidence_spans_are_in_the_text_as_typed(clf):
    text = "李總特別強勢,拍板很快"
    v = votes(clf, text)["style"]
    spans = v.spans["支配型"]
    assert spans and all(0 <= s < e <= len(text) for s, e in spans)
    profile = build_profile(text, [], votes={"style": v})
    assert profile["style"]["value"] == "支配型"
    assert profile["style"]["evidence"] and all(e in text for e in profile["style"]["evidence"])


@pytest.mark.parametrize("text", ["李总特别强势", "李總  特別強勢!! OK", "PPT   只看两页", "强", "", "   ", "数据数据数据问得很细"])
def test_fast_features_equal_sklearn_tfidf(clf, text):
    """predict() computes TF-IDF itself for speed; it must equal the vectorizer it was trained with."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    from keqing.nlu.classifier import NGRAMS
    from keqing.text.normalize import normalize

    m = clf.models["style"]
    vec = TfidfVectorizer(analyzer="char", ngram_range=NGRAMS, sublinear_tf=True, lowercase=True,
                          vocabulary=m.vocabulary)
    vec.idf_ = m.idf
    logits = np.asarray(vec.transform([normalize(text)]) @ m.coef.T).ravel() + m.intercept
    e = np.exp(logits - logits.max())
    expected = dict(zip(m.classes, e / e.sum(), strict=False))
    assert clf.predict(text)["style"] == pytest.approx(expected, abs=1e-9)

