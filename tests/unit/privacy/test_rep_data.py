"""`python -m keqing privacy export|erase|purge` against real databases (SQLite and PostgreSQL): the tracker
store written through Rasa's SQLTrackerStore, the customer memory through its own API, the inbox, the
harvested files."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml
from sqlalchemy import MetaData, select

from keqing.channels.inbox import Inbox
from keqing.customers import CustomerMemory
from keqing.db import get_engine, migrate
from keqing.learn.harvest import nlu_examples
from keqing.privacy import RepLocation, conversation_tag, erase_rep, export_rep, purge

ZHANG, LI = "zhangsan-7f3a", "lisi-2b9c"
PROFILE = {"style": {"value": "支配型", "confidence": 0.9, "evidence": ["说一不二"]},
           "motive": None, "stage": None, "grade": None, "share": None}


def save_conversation(url: str, sender: str, texts: List[str], channel: str, at: float) -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(Domain.empty(), host=url)

    async def _save() -> None:
        tracker = await store.retrieve(sender) or DialogueStateTracker(sender, None)
        for i, text in enumerate(texts):
            tracker.update(UserUttered(text, {"name": "describe_customer", "confidence": 0.9}, input_channel=channel,
                                       timestamp=at + i))
            tracker.update(ActionExecuted("action_diagnose", timestamp=at + i + 0.1))
            tracker.update(BotUttered(f"记下了:{text[:4]}", timestamp=at + i + 0.2))
        await store.save(tracker)

    try:
        asyncio.run(_save())
    finally:
        store.engine.dispose()


def harvested_file(path: Path, tagged: Dict[str, str]) -> None:
    examples = [{"text": text, "metadata": {"harvest": {"label": "confirmed", "conversation": conversation_tag(s)}}}
                for s, text in tagged.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# harvested\n" + yaml.safe_dump({"version": "3.1", "nlu": [
        {"intent": "describe_customer", "examples": examples}]}, allow_unicode=True, sort_keys=False), "utf-8")


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> RepLocation:
    """Two reps' data everywhere: ZHANG on WeCom and Slack, LI on WeCom."""
    migrate(db_url)
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}" if db_url.startswith("sqlite") else db_url
    now = datetime.utcnow().timestamp()
    save_conversation(tracker_url, ZHANG, ["贺总说一不二", "宋经理很随和"], "wecom", now)
    save_conversation(tracker_url, LI, ["王总只听结论"], "wecom", now)
    mem = CustomerMemory(db_url)
    mem.record_assessment("wecom", ZHANG, "贺总", PROFILE, source_text="贺总说一不二")
    mem.add_note("wecom", ZHANG, "贺总", "贺总下周出差")
    mem.add_next_action("wecom", ZHANG, "贺总", "约贺总吃饭")
    mem.record_correction("wecom", ZHANG, "贺总", "style", "和蔼型", "贺总说一不二", "不对,贺总很随和")
    mem.add_reminder("wecom", ZHANG, "给贺总打电话", datetime.utcnow() + timedelta(days=1), "贺总")
    mem.add_signal("wecom", ZHANG, "贺总", "opportunity", "新产品上市", "贺总他们上新品")
    mem.set_account("wecom", ZHANG, "贺总", "宏远机械")
    mem.get_or_create_customer("wecom", ZHANG, "孙主任")
    mem.add_relation("wecom", ZHANG, "贺总", "conflict", "贺总和孙主任不和", other="孙主任")
    mem.record_assessment("slack", ZHANG, "宋经理", PROFILE, source_text="宋经理很随和")
    mem.record_assessment("wecom", LI, "王总", PROFILE, source_text="王总只听结论")
    inbox = Inbox(db_url)
    inbox.accept("wecom", ZHANG, "msg:1", "贺总那边怎么样", {"kind": "text"})
    inbox.accept("wecom", LI, "msg:2", "王总那边怎么样", {"kind": "text"})
    files = [tmp_path / "data" / "harvested" / "nlu.yml", tmp_path / "review" / "pending.yml"]
    harvested_file(files[0], {ZHANG: "[某总](customer)说一不二", LI: "[某总](customer)只听结论"})
    harvested_file(files[1], {ZHANG: "某经理很随和"})
    spool = tmp_path / "spool.jsonl"
    spool.write_text(json.dumps({"channel": "wecom", "rep": ZHANG, "message_key": "m9", "text": "贺总?"},
                                ensure_ascii=False) + "\n" + json.dumps({"channel": "wecom", "rep": LI,
                                                                          "message_key": "m8", "text": "王总?"},
                                                                         ensure_ascii=False) + "\n", "utf-8")
    return RepLocation(db_url, tracker_url, files, spool)


def everything(where: RepLocation) -> str:
    """Every row of every table of both databases, and the files, as one text."""
    out: List[str] = []
    for url in {where.db_url, where.tracker_url}:
        engine = get_engine(url)
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            for table in meta.sorted_tables:
                out += [json.dumps([str(v) for v in row], ensure_ascii=False) for row in conn.execute(select(table))]
    for path in [*where.harvest_files, where.spool]:
        if path is not None and Path(path).exists():
            out.append(Path(path).read_text("utf-8"))
    return "\n".join(out)


def test_export_holds_everything_of_the_rep_and_nothing_of_others(world: RepLocation) -> None:
    data = export_rep(ZHANG, where=world)
    text = json.dumps(data, ensure_ascii=False)
    assert [e["text"] for e in data["conversation"] if e.get("event") == "user"] == ["贺总说一不二", "宋经理很随和"]
    assert {r["channel"] for r in data["customer_memory"]} == {"wecom", "slack"}
    wecom = next(r for r in data["customer_memory"] if r["channel"] == "wecom")
    he = next(c for c in wecom["customers"] if c["display_name"] == "贺总")
    assert he["assessments"][0]["source_text"] == "贺总说一不二" and he["assessments"][0]["values"]
    assert he["notes"][0]["text"] == "贺总下周出差" and he["corrections"] and he["signals"] and he["relations"]
    assert wecom["reminders"][0]["text"] == "给贺总打电话" and wecom["accounts"][0]["display_name"] == "宏远机械"
    assert [m["text"] for m in data["inbox"]] == ["贺总那边怎么样"]
    assert [r["text"] for r in data["inbox_spool"]] == ["贺总?"]
    assert sum(len(v) for v in data["harvested"].values()) == 2
    assert "王总" not in text and LI not in text
    only_slack = export_rep(ZHANG, "slack", where=world)
    assert [r["channel"] for r in only_slack["customer_memory"]] == ["slack"]


def test_erase_leaves_nothing_of_the_rep_and_everything_of_others(world: RepLocation) -> None:
    before = everything(world)
    assert "贺总" in before and ZHANG in before
    counts = erase_rep(ZHANG, where=world)
    assert counts["reps"] == 2 and counts["customers"] == 3 and counts["tracker_events"] > 0
    assert counts["inbox"] == 1 and counts["inbox_spool"] == 1 and counts["harvested_examples"] == 2
    after = everything(world)
    for trace in (ZHANG, "贺总", "宋经理", "孙主任", "宏远机械", conversation_tag(ZHANG)):
        assert trace not in after, trace
    for kept in (LI, "王总只听结论", "王总?", conversation_tag(LI)):
        assert kept in after, kept
    # the harvested file is still Rasa NLU data
    doc = yaml.safe_load(world.harvest_files[0].read_text("utf-8"))
    assert doc["version"] == "3.1" and [t for _, t in nlu_examples(doc)] == ["[某总](customer)只听结论"]
    assert export_rep(LI, where=world)["customer_memory"][0]["customers"][0]["display_name"] == "王总"
    assert erase_rep(ZHANG, where=world)["tracker_events"] == 0  # a second erase finds nothing


def test_purge_deletes_what_is_older_than_the_retention(world: RepLocation, db_url: str) -> None:
    old = (datetime.utcnow() - timedelta(days=400)).timestamp()
    save_conversation(world.tracker_url, "old-rep", ["周总很强势"], "wecom", old)
    mem = CustomerMemory(db_url)
    mem.record_assessment("wecom", "old-rep", "周总", PROFILE, source_text="周总很强势")
    engine = get_engine(db_url)
    from sqlalchemy import update

    from keqing.db.memory_models import MemAssessment, MemCustomer

    with engine.begin() as conn:  # as if recorded 400 days ago
        conn.execute(update(MemCustomer).where(MemCustomer.display_name == "周总")
                     .values(created_at=datetime.utcnow() - timedelta(days=400)))
        conn.execute(update(MemAssessment).where(MemAssessment.source_text == "周总很强势")
                     .values(created_at=datetime.utcnow() - timedelta(days=400)))
    counts = purge(365, where=world)
    assert counts["tracker_events"] == 3 and counts["customers"] == 1
    after = everything(world)
    assert "周总" not in after and "贺总说一不二" in after and "王总" in after
    with pytest.raises(ValueError):
        purge(0, where=world)


def test_cli_export_and_purge(world: RepLocation, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                              capsys: pytest.CaptureFixture) -> None:
    from keqing import cli

    monkeypatch.setenv("KEQING_DB_URL", world.db_url)
    monkeypatch.setenv("KEQING_TRACKER_URL", world.tracker_url)
    monkeypatch.setenv("KEQING_INBOX_SPOOL", str(world.spool))
    out = tmp_path / "export.json"
    assert cli.main(["privacy", "export", "--rep", LI, "--out", str(out)]) == 0
    data: Dict[str, Any] = json.loads(out.read_text("utf-8"))
    assert data["rep"] == LI and data["customer_memory"][0]["customers"][0]["display_name"] == "王总"
    assert cli.main(["privacy", "purge", "--days", "30"]) == 0
    assert "已清理过期数据" in capsys.readouterr().out
