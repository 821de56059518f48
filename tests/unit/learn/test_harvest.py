"""`python -m keqing harvest` against real tracker stores (SQLite and PostgreSQL).

Conversations are written with Rasa's own SQLTrackerStore API (the events a running server stores:
user messages with their parse data incl. `customer_profile`, bot actions, slots), then harvested into
temporary copies of data/ and review/.
"""
from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from keqing.learn import harvest as hv
from keqing.text.yamlfile import load_yaml_text

REPO = Path(__file__).resolve().parents[3]

PHONE = "13812345678"
EMAIL = "li.jingli@example.com"
ID_NUMBER = "110101199003071234"
CARD = "6222021234567890123"
MONEY = "八十万"


# ------------------------------------------------------------------------------------ helpers


def profile(**dims: Any) -> Dict[str, Optional[dict]]:
    """customer_profile with the given dims: style=("支配型", 0.9, ["说一不二"])."""
    out: Dict[str, Optional[dict]] = {d: None for d in ("style", "motive", "stage", "grade", "share")}
    for dim, (value, conf, evidence) in dims.items():
        out[dim] = {"value": value, "confidence": conf, "evidence": list(evidence)}
    return out


def entity(text: str, piece: str, kind: str) -> dict:
    start = text.index(piece)
    return {"entity": kind, "start": start, "end": start + len(piece), "value": piece,
            "confidence_entity": 1.0, "extractor": "CustomerProfiler"}


def user(text: str, intent: str, confidence: float, prof: Optional[dict] = None,
         entities: Optional[List[dict]] = None, ranking: Optional[List[tuple]] = None,
         compliance: Optional[dict] = None):
    from rasa.shared.core.events import UserUttered

    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
        "intent_ranking": [{"name": n, "confidence": c} for n, c in (ranking or [(intent, confidence)])],
        "customer_profile": prof or profile(),
        "compliance": compliance or {"verdict": "none"},
    }
    return UserUttered(text, parse["intent"], parse["entities"], parse, input_channel="rest")


def bot(*actions: str, slots: Optional[dict] = None, text: str = "好的") -> list:
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet

    events: list = []
    for name in actions:
        events.append(ActionExecuted(name))
        if name.startswith("utter_") or name.startswith("action_"):
            events.append(BotUttered(text))
    for key, value in (slots or {}).items():
        events.append(SlotSet(key, value))
    events.append(ActionExecuted("action_listen"))
    return events


def session_start() -> list:
    from rasa.shared.core.events import ActionExecuted, SessionStarted

    return [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]


def save_conversations(url: str, conversations: Dict[str, list]) -> None:
    """Write trackers through Rasa's SQLTrackerStore, as `rasa run` does with endpoints.yml."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(Domain.empty(), host=url)
    try:
        for sender, events in conversations.items():

            async def _save(sender: str, events: List[Any]) -> None:
                tracker = await store.retrieve(sender) or DialogueStateTracker(sender, None)
                for event in events:
                    tracker.update(event)
                await store.save(tracker)

            asyncio.run(_save(sender, events))
    finally:
        store.engine.dispose()


def training_examples(nlu_dir: Path, intent: str) -> List[str]:
    texts: List[str] = []
    for path in sorted(nlu_dir.rglob("nlu*.yml")):
        texts += [hv.plain_text(t) for i, t in hv.nlu_examples(load_yaml_text(path.read_text("utf-8"))) if i == intent]
    return texts


def read_examples(path: Path) -> List[dict]:
    doc = load_yaml_text(path.read_text(encoding="utf-8"))
    assert doc["version"] == "3.1"
    out = []
    for block in doc["nlu"]:
        for ex in block["examples"]:
            out.append({"intent": block["intent"], "text": ex["text"], "metadata": ex["metadata"]})
    return out


@pytest.fixture
def workspace(tmp_path: Path) -> Dict[str, Path]:
    """Copies of data/ (the de-duplication reference, by feature) and an empty review/."""
    nlu = tmp_path / "data"
    shutil.copytree(REPO / "data", nlu, ignore=shutil.ignore_patterns("harvested"))
    review = tmp_path / "review"
    review.mkdir()
    return {"root": tmp_path, "nlu": nlu, "harvested": nlu / hv.HARVESTED_NAME, "pending": review / "pending.yml"}


def run_harvest(url: str, ws: Dict[str, Path], **kwargs: Any) -> hv.HarvestResult:
    kwargs.setdefault("now", time.time() + 7200)  # every conversation idle: all descriptions decided
    kwargs.setdefault("grace_seconds", 0)
    return hv.harvest(tracker_url=url, db_url=url, nlu_dir=ws["nlu"], harvested_path=ws["harvested"],
                      pending_path=ws["pending"], heldout_dir=REPO / "tests" / "nlu", **kwargs)


# ------------------------------------------------------------------------------------ conversations

D_CORRECTED = f"张总看着很随和,就是话不多,手机{PHONE},我们占他们三成"
C_CORRECTION = "不对,他其实挺随和的"
D_CONFIRMED = f"李经理说一不二,开会只听结论,邮箱{EMAIL},预算{MONEY}"
D_NO_CUE = "王经理最近不怎么回消息,约了两次都没见上"
C_NO_CUE = "不对,他是孔雀型"
LOW_CONF = f"帮我看看这个,身份证{ID_NUMBER}"
FALLBACK = f"给我订张去上海的机票,卡号{CARD}"


def conversations(nlu_dir: Path) -> Dict[str, list]:
    dup_description = training_examples(nlu_dir, "describe_customer")[0]
    dup_greeting = training_examples(nlu_dir, "greet")[0]
    heldout_text = load_yaml_text((REPO / "tests" / "nlu" / "descriptions.yml").read_text("utf-8"))["items"][0]["text"]
    return {
        # a description, the rep corrects the style: a labelled example with the corrected cue
        "rep-correction": [
            *session_start(),
            user(D_CORRECTED, "describe_customer", 0.97,
                 profile(style=("分析型", 0.8, ["话不多"]), share=(30, 0.95, ["三成"]), stage=("初期合作", 0.95, ["三成"])),
                 [entity(D_CORRECTED, "张总", "customer"), entity(D_CORRECTED, "三成", "share")]),
            *bot("action_diagnose", "profile_form", slots={"customer": "张总", "style": "分析型", "stage": "初期合作"}),
            user(C_CORRECTION, "correct_profile", 0.95, profile(style=("和蔼型", 0.8, ["挺随和"]))),
            *bot("action_correct_profile", slots={"style": "和蔼型"}),
        ],
        # a description, the rep goes on: a confirmed diagnosis
        "rep-confirmed": [
            *session_start(),
            user(D_CONFIRMED, "describe_customer", 0.95,
                 profile(style=("支配型", 0.9, ["说一不二", "只听结论"])),
                 [entity(D_CONFIRMED, "李经理", "customer")]),
            *bot("action_diagnose", "profile_form", slots={"customer": "李经理", "style": "支配型"}),
            user("下一步怎么做", "ask_next_step", 0.96),
            *bot("action_next_step"),
        ],
        # low confidence, a fallback, a correction without the cue in the description
        "rep-review": [
            *session_start(),
            user(LOW_CONF, "ask_detail", 0.31, ranking=[("ask_detail", 0.31), ("ask_script", 0.22)]),
            *bot("action_step_detail"),
            user(FALLBACK, "nlu_fallback", 0.45, ranking=[("nlu_fallback", 0.45), ("out_of_scope", 0.38), ("ask_script", 0.1)]),
            *bot("action_default_fallback"),
            user(D_NO_CUE, "describe_customer", 0.9, profile(style=("分析型", 0.6, ["不怎么回消息"])),
                 [entity(D_NO_CUE, "王经理", "customer")]),
            *bot("action_diagnose", "profile_form"),
            user(C_NO_CUE, "correct_profile", 0.93, profile(style=("表达型", 0.8, ["孔雀型"]))),
            *bot("action_correct_profile", slots={"style": "表达型"}),
        ],
        # texts that are already training data / held-out test data
        "rep-duplicates": [
            *session_start(),
            user(dup_greeting, "greet", 0.2),  # low confidence, but already a training example
            *bot("utter_greet"),
            user(dup_description, "describe_customer", 0.95, profile(style=("支配型", 0.9, [dup_description[2:6]]))),
            *bot("action_diagnose"),
            user("具体怎么做", "ask_strategy", 0.95),
            *bot("action_give_strategy"),
            user(heldout_text, "describe_customer", 0.3),  # low confidence, but in the held-out set
            *bot("action_diagnose"),
        ],
    }


# ------------------------------------------------------------------------------------ tests


def test_harvest_writes_labelled_and_review_files(db_url: str, workspace: Dict[str, Path]) -> None:
    save_conversations(db_url, conversations(workspace["nlu"]))
    result = run_harvest(db_url, workspace)

    assert result.labelled == {"corrected": 1, "confirmed": 1}
    assert result.review == {"low_confidence": 1, "fallback": 1, "corrected_no_span": 1}
    assert result.skipped == {"training": 2, "heldout": 1}
    assert result.conversations == 4 and result.user_messages == 12
    assert result.watermark_after == max_event_id(db_url) and result.events > 0
    assert result.masked == {"phone": 1, "email": 1, "money": 1, "id_number": 1, "card": 1, "person": 3}

    harvested = {e["metadata"]["harvest"]["label"]: e for e in read_examples(workspace["harvested"])}
    corrected = harvested["corrected"]
    assert corrected["intent"] == "describe_customer"
    # the corrected value's cue is annotated, the span the model read as 分析型 is not
    assert corrected["text"] == "[某总](customer)看着[很随和](style_amiable),就是话不多,手机[电话],我们占他们[三成](share)"
    meta = corrected["metadata"]["harvest"]
    assert meta["correction"] == {"messages": [C_CORRECTION], "values": {"style": "和蔼型"}}
    assert meta["predicted"]["profile"]["style"]["value"] == "分析型"
    confirmed = harvested["confirmed"]
    assert confirmed["text"] == "[某经理](customer)[说一不二](style_dominant),开会[只听结论](style_dominant),邮箱[邮箱],预算[金额]"

    pending = {e["metadata"]["review"]["reason"]: e for e in read_examples(workspace["pending"])}
    assert pending["low_confidence"]["intent"] == "ask_detail"
    assert pending["low_confidence"]["text"] == "帮我看看这个,身份证[证件号]"
    assert pending["low_confidence"]["metadata"]["review"]["predicted"]["confidence"] == 0.31
    assert pending["fallback"]["intent"] == "out_of_scope"  # the model's best real intent
    assert pending["fallback"]["text"] == "给我订张去上海的机票,卡号[卡号]"
    no_span = pending["corrected_no_span"]
    assert no_span["intent"] == "describe_customer" and no_span["text"] == D_NO_CUE.replace("王经理", "某经理")
    assert no_span["metadata"]["review"]["correction"]["values"] == {"style": "表达型"}
    assert no_span["metadata"]["review"]["predicted"]["profile"]["style"]["evidence"] == ["不怎么回消息"]

    written = workspace["harvested"].read_text("utf-8") + workspace["pending"].read_text("utf-8")
    for secret in (PHONE, EMAIL, ID_NUMBER, CARD, MONEY, "张总", "李经理", "王经理"):
        assert secret not in written

    # a second harvest reads nothing new and writes nothing
    before = {p: p.read_bytes() for p in (workspace["harvested"], workspace["pending"])}
    again = run_harvest(db_url, workspace)
    assert again.events == 0 and again.written == 0 and again.watermark_after == result.watermark_after
    assert {p: p.read_bytes() for p in before} == before

    # rescanning everything (watermark forgotten) still writes nothing twice
    rescan = run_harvest(db_url, workspace, reset=True)
    assert rescan.events == result.events and rescan.written == 0
    assert rescan.skipped.get("harvested") == 2 and rescan.skipped.get("pending") == 3
    assert {p: p.read_bytes() for p in before} == before

    if db_url.startswith("sqlite"):  # the Rasa checks once (they take a while)
        check_with_rasa(workspace)


def check_with_rasa(ws: Dict[str, Path]) -> None:
    """Rasa reads both files (its YAML schema included) with the project's domain: intents and entities
    exist, spans as meant. (`rasa data validate --fail-on-warnings` over data/ runs once in make test; run
    here too it cost two minutes, nearly all of it Rasa's schema check of the files already in data/.)"""
    from rasa.shared.core.domain import Domain
    from rasa.shared.nlu.training_data.loading import load_data

    domain = Domain.load(str(REPO / "domain.yml"))
    for path in (ws["harvested"], ws["pending"]):
        data = load_data(str(path))
        assert data.intent_examples, path
        assert {m.get("intent") for m in data.intent_examples} <= set(domain.intents)
        assert data.entities <= set(domain.entities), data.entities
    corrected = [m for m in load_data(str(ws["harvested"])).intent_examples if m.get("text").startswith("某总")][0]
    assert [(e["entity"], e["value"]) for e in corrected.get("entities")] == [
        ("customer", "某总"), ("style_amiable", "很随和"), ("share", "三成")]


def test_refused_requests_go_to_review_with_their_category(tmp_path: Path, workspace: Dict[str, Path]) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    bribe = "王总那边要不要私下给他点好处费,做成咨询费"
    disguised = "李经理很强势,他儿子的公司能不能开张咨询费发票给我们"  # read as a description by the intent model
    save_conversations(url, {"rep": [
        *session_start(),
        user(bribe, "ask_improper_benefit", 0.99, compliance={"verdict": "unlawful", "category": "fake_consulting"}),
        *bot("action_compliance", slots={"reply_kind": "refusal"}),
        user(disguised, "describe_customer", 0.9, profile(style=("支配型", 0.9, ["很强势"])),
             compliance={"verdict": "unlawful", "category": "fake_consulting"}),
        *bot("action_diagnose"),
        user("下一步怎么做", "ask_next_step", 0.96),  # would confirm a description
        *bot("action_next_step"),
    ]})
    result = run_harvest(url, workspace)
    assert result.labelled == {} and result.review == {"refused": 2}
    pending = read_examples(workspace["pending"])
    assert {e["intent"] for e in pending} == {"ask_improper_benefit"}
    assert {e["metadata"]["review"]["detail"] for e in pending} == {"compliance category: fake_consulting"}
    assert not workspace["harvested"].exists() or "咨询费" not in workspace["harvested"].read_text("utf-8")


def test_description_waits_for_the_reps_reaction(tmp_path: Path, workspace: Dict[str, Path]) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    text = "周总特别能聊,喜欢被夸"
    desc = user(text, "describe_customer", 0.95, profile(style=("表达型", 0.9, ["特别能聊", "喜欢被夸"])),
                [entity(text, "周总", "customer")])
    save_conversations(url, {"rep": [*session_start(), desc, *bot("action_diagnose")]})

    # the rep may still correct it: nothing is decided, the watermark stays before the description
    first = run_harvest(url, workspace, now=time.time())
    assert first.waiting == 1 and first.written == 0
    assert first.watermark_after < desc_event_id(url, text)

    save_conversations(url, {"rep": [user("好的,那下一步呢", "ask_next_step", 0.9), *bot("action_next_step"),
                                     user("钱总那边怎么样", "switch_customer", 0.9), *bot("action_switch_customer")]})
    second = run_harvest(url, workspace, now=time.time())
    assert second.waiting == 0 and second.labelled == {"confirmed": 1}
    assert read_examples(workspace["harvested"])[0]["text"] == \
        "[某总](customer)[特别能聊](style_expressive),[喜欢被夸](style_expressive)"
    assert second.watermark_after == max_event_id(url)

    third = run_harvest(url, workspace, now=time.time())
    assert third.events == 0 and third.written == 0


def max_event_id(url: str) -> int:
    from sqlalchemy import create_engine, func, select

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.max(hv.EVENTS.c.id))).scalar_one())
    finally:
        engine.dispose()


def desc_event_id(url: str, text: str) -> int:
    from sqlalchemy import create_engine, select

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            for row in conn.execute(select(hv.EVENTS.c.id, hv.EVENTS.c.data).where(hv.EVENTS.c.type_name == "user")):
                if json.loads(row.data)["text"] == text:
                    return int(row.id)
    finally:
        engine.dispose()
    raise AssertionError(text)


def test_cli_prints_progress_and_summary(tmp_path: Path, workspace: Dict[str, Path], capsys: pytest.CaptureFixture) -> None:
    from keqing.cli import main

    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    db = f"sqlite:///{tmp_path / 'keqing.db'}"
    save_conversations(url, {"rep": [*session_start(), user(FALLBACK, "nlu_fallback", 0.4), *bot("action_default_fallback")]})
    args = ["harvest", "--tracker-url", url, "--db-url", db, "--nlu-dir", str(workspace["nlu"]),
            "--review", str(workspace["pending"]), "--heldout", str(REPO / "tests" / "nlu")]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "reading conversations" in out and "to review: fallbacks" in out and "wrote 0 labelled examples and 1 to review" in out
    assert CARD not in out
    assert main(args) == 0
    assert "nothing new" in capsys.readouterr().out


def test_missing_tracker_store_is_not_an_error(tmp_path: Path, workspace: Dict[str, Path]) -> None:
    url = f"sqlite:///{tmp_path / 'nowhere.db'}"
    result = hv.harvest(tracker_url=url, db_url=f"sqlite:///{tmp_path / 'keqing.db'}", nlu_dir=workspace["nlu"],
                        pending_path=workspace["pending"])
    assert result.written == 0 and result.notes
    assert not (tmp_path / "nowhere.db").exists()


def test_render_example_keeps_plain_brackets_plain() -> None:
    # "[微笑](呵呵)" typed by the rep must not become an entity annotation
    spans = [hv.Span(0, 2, "customer")]
    rendered = hv.render_example("王总发了个[微笑](呵呵)", spans)
    assert rendered == "[王总](customer)发了个[微笑]\uff08呵呵)"
    assert hv.plain_text(rendered) == "王总发了个[微笑]\uff08呵呵)"
