"""The NLU training data meets what the profile NLU needs, and never contains a held-out text."""
import re
from collections import Counter
from pathlib import Path

import pytest

from keqing.learn.evaluation import load_heldout
from keqing.learn.harvest import nlu_examples, plain_text
from keqing.taxonomy import ENTITY_VALUES
from keqing.text.normalize import normalize
from keqing.text.yamlfile import load_yaml_text

ROOT = Path(__file__).resolve().parents[2]
ENTITY = re.compile(r"\]\((\w+)\)|\]\{[^}]*\"entity\":\s*\"(\w+)\"")
DESCRIPTION_INTENTS = {"describe_customer", "provide_share"}


def _examples():
    """(intent, plain text, annotated entity types) of every training example."""
    out = []
    for path in sorted((ROOT / "data").rglob("nlu*.yml")):
        for intent, raw in nlu_examples(load_yaml_text(path.read_text(encoding="utf-8"))):
            entities = [m.group(1) or m.group(2) for m in ENTITY.finditer(raw)]
            out.append((intent, plain_text(raw), entities))
    return out


@pytest.fixture(scope="module")
def examples():
    return _examples()


def test_every_intent_has_at_least_30_examples(examples):
    counts = Counter(intent for intent, _, _ in examples)
    assert {i: n for i, n in counts.items() if n < 30} == {}


def test_annotated_descriptions_cover_every_value(examples):
    desc = [(t, e) for i, t, e in examples if i in DESCRIPTION_INTENTS and any(x in ENTITY_VALUES for x in e)]
    assert len(desc) >= 500
    per_value = Counter(x for _, e in desc for x in set(e) if x in ENTITY_VALUES)
    assert {v: per_value[v] for v in ENTITY_VALUES if per_value[v] < 30} == {}
    multi = sum(len({ENTITY_VALUES[x][0] for x in e if x in ENTITY_VALUES}) > 1 for _, e in desc)
    assert multi >= 0.2 * len(desc)


def test_traditional_and_english_shares(examples):
    desc = [t for i, t, _ in examples if i in DESCRIPTION_INTENTS]
    traditional = sum(normalize(t) != t and any(ord(c) > 0x2E80 and normalize(c) != c for c in t) for t in desc)
    english = sum(bool(re.search(r"[A-Za-z]{2,}", t)) for t in desc)
    assert traditional >= 0.15 * len(desc), traditional / len(desc)
    assert english >= 0.10 * len(desc), english / len(desc)


# Closed-class replies have a handful of common forms ("你好", "好的", "不用了"); a held-out set without
# them would not measure what reps type, so only these may repeat a training text.
CLOSED_CLASS = {"greet", "goodbye", "affirm", "deny", "help", "bot_challenge"}


def test_no_heldout_text_is_in_the_training_data(examples):
    train = {normalize(t).strip() for _, t, _ in examples}
    leaked = [e.text for e in load_heldout(ROOT / "tests" / "nlu")
              if e.intent not in CLOSED_CLASS and normalize(e.text).strip() in train]
    assert leaked == []
