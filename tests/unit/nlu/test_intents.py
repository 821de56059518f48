"""The intent classifier: calibrated ranking, exact short examples, persistence."""
import pytest

from keqing.nlu.intents import IntentClassifier, exact_key

TEXTS = ["你好", "您好", "你好啊", "下午好", "好", "好的", "可以", "行", "对", "不用", "不要", "算了",
         "下一步做什么", "接下来怎么办", "然后呢下一步", "王总说一不二", "李经理很随和", "张工很细"]
INTENTS = ["greet"] * 4 + ["affirm"] * 5 + ["deny"] * 3 + ["ask_next_step"] * 3 + ["describe_customer"] * 3


@pytest.fixture(scope="module")
def clf():
    return IntentClassifier.fit(TEXTS * 2, INTENTS * 2)


def test_a_short_training_example_gets_its_own_intent(clf):
    # "好" shares its only character with 你好/下午好; the exact example decides
    for text in ("好", "好!", " 好 ", "好。"):
        assert clf.ranking(text)[0][0] == "affirm", text
    assert clf.ranking("你好")[0][0] == "greet"
    top = clf.ranking("好")
    assert abs(sum(p for _, p in clf.ranking("好", top=100)) - 1) < 1e-6 and top[0][1] >= 0.9


def test_longer_text_is_left_to_the_regression(clf):
    assert clf.ranking("那接下来我该怎么办")[0][0] == "ask_next_step"
    assert clf.ranking("")[:1] == []


def test_ambiguous_examples_are_not_memorised():
    clf = IntentClassifier.fit(["好", "好", "你好", "嗯"] * 3, ["affirm", "greet", "greet", "affirm"] * 3)
    assert exact_key("好") not in clf.exact and clf.exact[exact_key("嗯")] == "affirm"


def test_save_and_load(clf, tmp_path):
    clf.save(tmp_path)
    again = IntentClassifier.load(tmp_path)
    assert again.exact == clf.exact
    for text in ("好", "下一步做什么", "王总很强势"):
        assert again.ranking(text) == pytest.approx(clf.ranking(text))
