"""The profile scorer: merging signals, negation, contrast, evidence as typed."""
from keqing.nlu.classifier import Vote
from keqing.nlu.scoring import Signal, build_profile, negated
from keqing.text.normalize import normalize


def sig(text, phrase, dim, value, weight=1.0, source="lexicon", nth=0):
    start = -1
    for _ in range(nth + 1):
        start = normalize(text).index(normalize(phrase), start + 1)
    return Signal(dim, value, start, start + len(phrase), weight, source)


def test_profile_has_every_dimension_and_interface_shape():
    text = "王总说一不二,开会只听结论,我们现在大概占他们三成采购"
    p = build_profile(text, [sig(text, "说一不二", "style", "支配型"), sig(text, "只听结论", "style", "支配型")])
    assert list(p) == ["style", "motive", "stage", "grade", "share"]
    assert p["style"]["value"] == "支配型"
    assert p["style"]["evidence"] == ["说一不二", "只听结论"]
    assert 0 < p["style"]["confidence"] <= 1
    assert p["motive"] is None and p["grade"] is None
    assert p["share"] == {"value": 30, "confidence": 0.95, "evidence": ["三成"]}
    assert p["stage"]["value"] == "初期合作" and p["stage"]["evidence"] == ["三成"]


def test_negated_cue_votes_for_nothing():
    text = "他不是那种强势的人,挺好说话的"
    p = build_profile(text, [sig(text, "强势", "style", "支配型"), sig(text, "好说话", "style", "和蔼型")])
    assert p["style"]["value"] == "和蔼型"
    assert p["style"]["evidence"] == ["好说话"]
    assert negated(normalize(text), text.index("强势"))
    assert not negated(normalize(text), text.index("好说话"))


def test_contrast_the_asserted_cue_wins():
    text = "表面上很随和,其实特别有主见"
    p = build_profile(text, [sig(text, "随和", "style", "和蔼型"), sig(text, "有主见", "style", "支配型")])
    assert p["style"]["value"] == "支配型"
    assert p["style"]["evidence"] == ["有主见"]


def test_contrast_with_but():
    text = "人很热情爱聊天,但是做决定特别看数据"
    p = build_profile(
        text,
        [sig(text, "热情", "style", "表达型"), sig(text, "爱聊天", "style", "表达型"), sig(text, "看数据", "style", "分析型")],
    )
    # two cues before the contrast against one after: the contrast still decides
    assert p["style"]["value"] == "分析型"



def test_classifier_vote_resting_on_a_negated_phrase_is_damped():
    text = "他不是那种好脾气的人,定下来的事谁也别想改"
    start = text.index("好脾气")
    vote = Vote({"和蔼型": 0.55, "支配型": 0.4, "__none__": 0.05}, [(start, start + 3)])
    p = build_profile(text, [], votes={"style": vote})
    assert p["style"] is None  # "not good-tempered" is no evidence of an amiable customer
    # the same vote without the negation stands
    plain = "他是那种好脾气的人,定下来的事谁也别想改"
    s2 = plain.index("好脾气")
    vote2 = Vote({"和蔼型": 0.55, "支配型": 0.4, "__none__": 0.05}, [(s2, s2 + 3)])
    assert build_profile(plain, [], votes={"style": vote2})["style"]["value"] == "和蔼型"


def test_concessive_opener_marks_what_the_contrast_overrides():
    for opener in ("看似", "别看他", "虽然"):
        text = f"{opener}挺随和,可是谈判时一步都不让"
        s0 = text.index("一步都不让")
        vote = Vote({"和蔼型": 0.3, "支配型": 0.6, "__none__": 0.1}, [(s0, s0 + 5)])
        p = build_profile(text, [sig(text, "随和", "style", "和蔼型")], votes={"style": vote})
        assert p["style"]["value"] == "支配型", opener


def test_evidence_is_substring_of_traditional_text_as_typed():
    text = "王總說一不二,我們佔三成"
    p = build_profile(text, [sig(text, "说一不二", "style", "支配型")])
    assert p["style"]["evidence"] == ["說一不二"]
    for dim in p.values():
        if dim:
            assert all(e in text for e in dim["evidence"])


def test_a_cue_agreeing_with_the_model_raises_confidence_and_shares_evidence():
    text = "老板很强势"
    s0 = text.index("很强势")
    model_only = build_profile(text, [], votes={"style": Vote({"支配型": 0.6, "__none__": 0.4}, [(s0, s0 + 3)])})
    both = build_profile(text, [sig(text, "强势", "style", "支配型")],
                         votes={"style": Vote({"支配型": 0.6, "__none__": 0.4}, [(s0, s0 + 3)])})
    assert both["style"]["confidence"] > model_only["style"]["confidence"]
    assert both["style"]["evidence"] == ["强势"]  # the overlapping model span is not repeated


def test_weak_model_only_vote_is_not_enough():
    text = "他这个人吧"
    p = build_profile(text, [], votes={"style": Vote({"分析型": 0.2, "__none__": 0.8}, [(0, 2)])})
    assert p["style"] is None


def test_a_cue_the_model_finds_implausible_is_ignored():
    text = "他说一不二的日子早过去了"
    vote = Vote({"支配型": 0.01, "和蔼型": 0.01, "__none__": 0.98}, [])
    p = build_profile(text, [sig(text, "说一不二", "style", "支配型")], votes={"style": vote})
    assert p["style"] is None


def test_empty_text():
    p = build_profile("", [])
    assert p == {"style": None, "motive": None, "stage": None, "grade": None, "share": None}


def test_fallback_with_customer_cues_becomes_a_description():
    from keqing.nlu.scoring import describes_customer

    text = "王总说一不二"
    profile = build_profile(text, [sig(text, "说一不二", "style", "支配型"), sig(text, "说一不二", "style", "支配型", 0.9, "model")])
    rescued = describes_customer({"name": "nlu_fallback", "confidence": 0.45}, profile)
    assert rescued["name"] == "describe_customer"
    assert describes_customer({"name": "greet", "confidence": 0.9}, profile) is None
    assert describes_customer({"name": "nlu_fallback"}, build_profile("啊啊", [])) is None


def test_a_trait_needs_words_behind_it_a_grade_does_not():
    text = "听技术部讲,新涂层的盐雾测试已经做到720小时了"
    votes = {"style": Vote({"表达型": 0.9, "__none__": 0.1}, []), "grade": Vote({"C": 0.9, "__none__": 0.1}, [])}
    p = build_profile(text, [], votes=votes)
    assert p["style"] is None
    assert p["grade"]["value"] == "C"
