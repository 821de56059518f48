"""The evaluation sets stay independent of what the product is built from.

A knowledge-base cue phrase or a training example copied from an evaluation text would make the
evaluation measure memory, not understanding."""
from __future__ import annotations

from pathlib import Path
from typing import List

from keqing.nlu.lexicon import load_lexicon
from keqing.text.normalize import normalize
from keqing.text.yamlfile import load_yaml_text

ROOT = Path(__file__).resolve().parents[2]
EVAL_FILES = [ROOT / "tests/nlu/descriptions.yml", ROOT / "tests/nlu/no_person.yml", ROOT / "tests/nlu/intents.yml",
              ROOT / "tests/compliance/requests.yml",
              *sorted((ROOT / "tests/sealed").glob("E*/*.yml"))]  # the sealed sets too, conversations included
BASELINE = ROOT / "tests/data/cues_before_independent_sets.txt"  # knowledge/ cues before the sets were written
LONG_CUE = 5  # a new cue this long inside an evaluation text is a copy, not a common word
# Standard procurement terms added after the sets were written, reviewed as not copied from them.
STANDARD_TERMS = frozenset({"供应商评审", "供应商审核", "供应商大会", "年度采购计划",
                            "想换供应商", "供应商评估"})  # in knowledge/ before the sealed sets were written


def _eval_texts() -> List[str]:
    out = []
    for path in EVAL_FILES:
        for item in load_yaml_text(path.read_text(encoding="utf-8")).get("items") or []:  # conversations have none
            out.append(normalize(str(item["text"])))
    for path in [ROOT / "tests/conversations/conversations.yml", *sorted((ROOT / "tests/sealed").glob("E*/conversations.yml"))]:
        convs = load_yaml_text(path.read_text(encoding="utf-8"))
        for conv in convs.get("conversations") or []:
            out += [normalize(str(t.get("user") or "")) for t in conv.get("turns") or []]
    return out


def _training_texts() -> List[str]:
    out = []
    for path in sorted((ROOT / "data").glob("*/nlu*.yml")):
        for block in load_yaml_text(path.read_text(encoding="utf-8")).get("nlu") or []:
            examples = block.get("examples")
            if isinstance(examples, str):
                out += [line.strip()[2:] for line in examples.splitlines() if line.strip().startswith("- ")]
            elif isinstance(examples, list):
                out += [str(e.get("text", "")) for e in examples if isinstance(e, dict)]
    return out


def test_no_cue_phrase_is_copied_from_an_evaluation_text() -> None:
    texts = _eval_texts()
    assert len(texts) > 1000
    before = {line.strip() for line in BASELINE.read_text(encoding="utf-8").splitlines()
              if line.strip() and not line.startswith("#")}
    new = {normalize(c.phrase) for c in load_lexicon()} - before - STANDARD_TERMS
    copied = [(p, t) for p in sorted(new) if len(p) >= LONG_CUE for t in texts if p in t]
    assert not copied, copied[:10]


def test_no_evaluation_text_is_a_training_example() -> None:
    import re

    def plain(text: str) -> str:
        return re.sub(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}", lambda m: m.group(1) or m.group(2) or "", text)

    training = {normalize(plain(t)).strip() for t in _training_texts()}
    shared = [t for t in _eval_texts() if len(t) >= 8 and t.strip() in training]
    assert not shared, shared[:10]
