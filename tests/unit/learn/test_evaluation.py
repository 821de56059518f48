"""The evaluation arithmetic and the held-out set's shape."""
from pathlib import Path

from keqing.learn import evaluation as ev


def test_scores_count_none_as_no_label():
    pairs = [("A", "A"), ("A", "B"), (None, "B"), ("B", None), (None, None), ("B", "B")]
    s = ev.classification_scores(pairs, ["A", "B"])
    assert (s["A"].tp, s["A"].fp, s["A"].fn) == (1, 0, 1)
    assert (s["B"].tp, s["B"].fp, s["B"].fn) == (1, 2, 1)
    assert s["A"].f1 == 2 * 1.0 * 0.5 / 1.5
    assert ev.macro_f1(s) == (s["A"].f1 + s["B"].f1) / 2


def test_evaluate_and_check_with_a_perfect_and_a_broken_parser():
    examples = [
        ev.Example("王总说一不二", "describe_customer", {"style": "支配型", "motive": None, "stage": None, "grade": None, "share": None}),
        ev.Example("我们占三成", "describe_customer", {"style": None, "motive": None, "stage": "初期合作", "grade": None, "share": 30}),
        ev.Example("你好", "greet"),
    ]
    gold = {e.text: e for e in examples}

    def perfect(text):
        e = gold[text]
        prof = {d: ({"value": v, "confidence": 1, "evidence": [text[:2]]} if v is not None else None) for d, v in e.labels.items()}
        return {"intent": e.intent, "customer_profile": prof}

    r = ev.evaluate("perfect", examples, perfect)
    assert r.dim_macro["style"] == 1.0 and r.share_accuracy == 1.0 and r.intent_macro == 1.0
    assert ev.check(r) == [] or all("grade" in p or "motive" in p for p in ev.check(r))

    def broken(text):
        return {"intent": "provide_share", "customer_profile": {"style": {"value": "分析型", "confidence": 1, "evidence": ["不在原文"]}}}

    b = ev.evaluate("broken", examples, broken)
    assert b.dim_macro["style"] == 0.0
    problems = ev.check(b)
    assert any("style" in p for p in problems) and any("evidence" in p for p in problems)
    assert b.intent_macro < 1.0 and any("intent" in p for p in problems)


def test_heldout_set_loads_and_is_labelled_with_allowed_values():
    examples = ev.load_heldout(Path(__file__).resolve().parents[2] / "nlu")
    descriptions = [e for e in examples if e.labels]
    assert len(descriptions) >= 200
    for e in descriptions:
        for dim in ev.PROFILE_DIMS:
            v = e.labels[dim]
            assert v is None or v in ev.VALUES[dim], (e.text, dim, v)
    assert len({e.intent for e in examples}) >= 19
