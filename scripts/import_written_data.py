"""Convert the independent writers' files (see tests/WRITERS.md) into Rasa NLU training data.

Input: one writer's YAML (`items:` with text, form, labels and, for descriptions, the cue substrings the
writer marked). Output: Rasa NLU YAML where every example keeps the writer's labels in its metadata
(`labels`, `form`, `writer`; compliance texts also `compliance: {label, category, signals}`), and the cue
substrings, customer names and share expressions are annotated as entities (docs/conventions.md).

    python scripts/import_written_data.py descriptions T1.yml data/profile/nlu_field_t1.yml
    python scripts/import_written_data.py intents T5.yml data            # one file per feature folder
    python scripts/import_written_data.py compliance T3.yml data/compliance/nlu_t3.yml

Run once per delivery; the outputs are reviewed and committed like any other training data.
"""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from keqing.learn.harvest.spans import Span, render_example  # noqa: E402
from keqing.taxonomy import VALUE_ENTITIES  # noqa: E402

FEATURE_OF_INTENT = {
    "greet": "basics", "goodbye": "basics", "help": "basics", "bot_challenge": "basics", "out_of_scope": "basics",
    "affirm": "basics", "deny": "basics", "stop": "basics", "note": "basics",
    "describe_customer": "profile", "provide_share": "profile", "correct_profile": "profile", "ask_why": "profile",
    "ask_strategy": "playbook", "ask_next_step": "playbook", "ask_detail": "playbook", "ask_opportunities": "playbook",
    "ask_script": "playbook", "ask_more": "playbook",
    "report_news": "news",
    "switch_customer": "customers", "list_customers": "customers", "rename_customer": "customers",
    "delete_customer": "customers",
    "ask_concept": "knowledge", "ask_key_people": "knowledge",
    "ask_improper_benefit": "compliance", "ask_lawful_plan": "compliance",
    "set_reminder": "followups", "list_due": "followups", "prepare_meeting": "followups",
    "ask_account_map": "followups",
}
# Innocent compliance look-alikes: the intent a rep's message of that kind has.
COMPLIANCE_INTENT = {"internal_disagreement": "ask_key_people", "competitor_public": "ask_strategy"}
DIMS = ("style", "motive", "grade", "stage")


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> Any:
    style = '"' if ("\n" in value or value != value.strip()) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _spans(text: str, item: Dict[str, Any]) -> List[Span]:
    """Entities for the writer's cue substrings, the customer's name and the share expression."""
    out: List[Span] = []

    def add(piece: Optional[str], entity: str) -> None:
        if not piece:
            return
        start = text.find(piece)
        while start >= 0 and any(start < s.end and start + len(piece) > s.start for s in out):
            start = text.find(piece, start + 1)
        if start >= 0:
            out.append(Span(start, start + len(piece), entity))

    add(item.get("customer"), "customer")
    cues = item.get("cues") or {}
    add(cues.get("share"), "share")
    for dim in DIMS:
        value = item.get(dim)
        if value is None:
            continue
        entity = VALUE_ENTITIES.get((dim, str(value)))
        for piece in cues.get(dim) or []:
            if entity:
                add(piece, entity)
    return out


def _labels(item: Dict[str, Any]) -> Dict[str, Any]:
    return {dim: item.get(dim) for dim in (*DIMS, "share")}


def _example(text: str, spans: List[Span], metadata: Dict[str, Any]) -> Dict[str, Any]:
    return {"text": render_example(text, spans), "metadata": metadata}


def _write(path: Path, blocks: Dict[str, List[Dict[str, Any]]], header: str) -> None:
    doc = {"version": "3.1", "nlu": [{"intent": intent, "examples": examples} for intent, examples in blocks.items()]}
    path.parent.mkdir(parents=True, exist_ok=True)
    body = yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)
    path.write_text(header + body, encoding="utf-8")
    print(f"{path}: {sum(len(v) for v in blocks.values())} examples")


def descriptions(src: Path, out: Path, intent: str) -> None:
    doc = yaml.safe_load(src.read_text(encoding="utf-8"))
    writer = doc.get("writer", src.parent.name)
    examples = []
    for item in doc["items"]:
        meta = {"writer": writer, "form": item.get("form"), "labels": _labels(item)}
        examples.append(_example(item["text"], _spans(item["text"], item), meta))
    header = (f"# Written by {writer} from tests/briefs (categories and forms, never sentences); imported with\n"
              f"# scripts/import_written_data.py. `metadata.labels` are the writer's labels per dimension.\n")
    _write(out, {intent: examples}, header)


def intents(src: Path, data_dir: Path, name: str) -> None:
    doc = yaml.safe_load(src.read_text(encoding="utf-8"))
    writer = doc.get("writer", src.parent.name)
    by_feature: Dict[str, Dict[str, List[Dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for item in doc["items"]:
        spans = []
        for key in ("customer", "new_name"):
            piece = item.get(key)
            if piece and piece in item["text"]:
                start = item["text"].find(piece)
                if not any(start < s.end and start + len(piece) > s.start for s in spans):
                    spans.append(Span(start, start + len(piece), "customer"))
        meta = {"writer": writer, "form": item.get("form")}
        feature = FEATURE_OF_INTENT[item["intent"]]
        by_feature[feature][item["intent"]].append(_example(item["text"], spans, meta))
    for feature, blocks in by_feature.items():
        header = f"# Written by {writer} from tests/briefs/T5-intent-train.md; imported with scripts/import_written_data.py.\n"
        _write(data_dir / feature / f"nlu_{name}.yml", dict(blocks), header)


def compliance(src: Path, out: Path, intent_of_ordinary: Optional[Path]) -> None:
    """Unlawful requests and innocent look-alikes; `ordinary` texts get the intents a person assigned
    in `intent_of_ordinary` (YAML: text -> intent)."""
    doc = yaml.safe_load(src.read_text(encoding="utf-8"))
    writer = doc.get("writer", src.parent.name)
    assigned = yaml.safe_load(intent_of_ordinary.read_text(encoding="utf-8")) if intent_of_ordinary else {}
    blocks: Dict[str, List[Dict[str, Any]]] = defaultdict(list)
    for item in doc["items"]:
        category = item["category"]
        if item["label"] == "unlawful":
            intent = "ask_improper_benefit"
        elif category == "ordinary":
            intent = assigned.get(item["text"])
            if not intent:
                print(f"skipped (no intent assigned): {item['text'][:40]}")
                continue
        else:
            intent = COMPLIANCE_INTENT.get(category, "ask_improper_benefit")
        meta = {"writer": writer, "form": item.get("form"),
                "compliance": {"label": item["label"], "category": category, "signals": item.get("signals") or []}}
        blocks[intent].append(_example(item["text"], [], meta))
    header = (f"# Written by {writer} from tests/briefs/{writer}-compliance-train.md; imported with\n"
              f"# scripts/import_written_data.py. `metadata.compliance` is the writer's label and category.\n")
    _write(out, dict(blocks), header)


if __name__ == "__main__":
    kind, src, dst = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    if kind == "descriptions":
        descriptions(src, dst, sys.argv[4] if len(sys.argv) > 4 else "describe_customer")
    elif kind == "intents":
        intents(src, dst, sys.argv[4] if len(sys.argv) > 4 else src.parent.name.lower())
    elif kind == "compliance":
        compliance(src, dst, Path(sys.argv[4]) if len(sys.argv) > 4 else None)
    else:
        raise SystemExit(f"unknown kind {kind!r}")
