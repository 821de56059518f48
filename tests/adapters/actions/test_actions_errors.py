"""Nothing crashes: a dead database, a broken knowledge base, empty and 10,000-character messages."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Tuple

import pytest
from actions_support import DOMAIN, Rep, dim, entities, make_tracker, profile
from servers import free_port

from actions.base import KeqingAction
from actions.knowledge import ActionExplainConcept
from actions.playbook import ActionGiveStrategy
from actions.profile import ActionDiagnose, ValidateProfileForm
from keqing.db import migrate
from keqing.dialogue.turn import Outcome
from keqing.kb.query import KnowledgeBase

DB_DOWN = "数据库暂时连不上,请稍后再试。"
OOPS = "抱歉,处理这条消息时出错了,请换个说法再试。"


def _registered() -> Dict[str, Any]:
    import inspect

    from rasa_sdk.utils import all_subclasses

    import actions  # noqa: F401  (registers every action module)
    from actions import customers, followups, knowledge, playbook, profile  # noqa: F401

    found = {cls().name(): cls() for cls in all_subclasses(KeqingAction) if not inspect.isabstract(cls)
             and cls.__module__.startswith("actions.")}
    found["validate_profile_form"] = ValidateProfileForm()
    return found


def _intent_of(action_name: str) -> str:
    """The intent a rule maps to the action (data/*/rules.yml), else a neutral one."""
    import yaml

    if action_name == "validate_profile_form":
        return "provide_share"  # the form's answer
    from keqing.settings import REPO_ROOT

    for path in sorted((REPO_ROOT / "data").glob("*/rules.yml")):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8")).get("rules") or []:
            steps = rule.get("steps") or []
            for a, b in zip(steps, steps[1:]):
                if "intent" in a and b.get("action") == action_name:
                    return str(a["intent"])
    return "describe_customer"


# (action, intent) for every action of the domain
ACTIONS: List[Tuple[Any, str]] = [(a, _intent_of(n)) for n, a in sorted(_registered().items())]
IDS = [a.name() for a, _ in ACTIONS]
LONG = ("王总说一不二,只听结论,我们占三成。" + "这是一段很长很长的描述,啊啊啊。" * 700)[:10_000]


def _in_checklist_events() -> List[Dict[str, Any]]:
    return [{"event": "action", "name": "action_opportunities"}, {"event": "bot", "text": "?"},
            {"event": "slot", "name": "reply_kind", "value": "opportunities"}]


async def _run(action: Any, intent: str, text: str, **kw: Any):
    from rasa_sdk.executor import CollectingDispatcher

    tracker = make_tracker(text, intent, events=_in_checklist_events(), **kw)
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, DOMAIN)
    return dispatcher.messages, events


def _dead_urls(tmp_path) -> List[str]:
    return [
        f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/keqing",  # nothing listens there
        f"sqlite:///{tmp_path / 'no-such-dir' / 'keqing.db'}",  # cannot be created
    ]


# -- a dead database ---------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["closed-port", "unwritable-path"])
@pytest.mark.parametrize("action, intent", ACTIONS, ids=IDS)
async def test_dead_database_gives_the_polite_message(
    action: Any, intent: str, which: str, tmp_path, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    url = _dead_urls(tmp_path)[0 if which == "closed-port" else 1]
    monkeypatch.setenv("KEQING_DB_URL", url)
    caplog.set_level(logging.WARNING, logger="actions.base")
    messages, events = await _run(
        action, intent, "王总那边要不要送礼?什么是猫头鹰型", ents=entities(customer="王总"),
        prof=profile(style=dim("支配型", "说一不二"), stage=dim("初期合作", "三成")),
        slots={"customer": "王总", "stage": "初期合作", "requested_slot": "stage"}, sender="dead-db-rep",
    )
    assert [m["text"] for m in messages] == [DB_DOWN]
    assert events == []
    assert "dead-db-rep" in caplog.text


async def test_database_not_migrated_is_unavailable_too(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEQING_DB_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    messages, _ = await _run(ActionGiveStrategy(), "ask_strategy", "怎么跟进", slots={"stage": "开发"})
    assert [m["text"] for m in messages] == [DB_DOWN]


async def test_migrated_but_empty_knowledge_base_is_unavailable(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'nokb.db'}"
    migrate(url)
    monkeypatch.setenv("KEQING_DB_URL", url)
    messages, _ = await _run(ActionExplainConcept(), "ask_concept", "什么是猫头鹰型客户")
    assert [m["text"] for m in messages] == [DB_DOWN]


# -- loaded database: odd messages ------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["", "   ", LONG, "😀😀😀", "asdf qwer zxcv", "/ask_next_step{\"x\": 1}"],
                         ids=["empty", "blank", "10k", "emoji", "latin-nonsense", "payload"])
@pytest.mark.parametrize("action, intent", ACTIONS, ids=IDS)
async def test_odd_messages_get_a_short_answer(
    action: Any, intent: str, text: str, kb_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEQING_DB_URL", kb_url)
    prof = profile(style=dim("支配型", "说一不二"), stage=dim("初期合作", "三成")) if text == LONG else None
    messages, events = await _run(action, intent, text, prof=prof, sender=f"odd-{len(text)}")
    texts = [m.get("text") or "" for m in messages]
    assert OOPS not in texts and DB_DOWN not in texts
    assert all(len(t) <= 600 for t in texts)
    if not isinstance(action, ValidateProfileForm):
        assert texts and all(texts)
    assert isinstance(events, list)


async def test_ten_thousand_characters_through_a_whole_conversation(kb_url: str, monkeypatch) -> None:
    monkeypatch.setenv("KEQING_DB_URL", kb_url)
    rep = Rep()
    prof = profile(style=dim("支配型", "说一不二", "只听结论"), stage=dim("初期合作", "三成"), share=dim(30, "三成"))
    turn = await rep.say(ActionDiagnose(), LONG, "describe_customer", prof, entities(customer="王总"))
    assert "‘说一不二’" in turn.text
    for action, intent in ACTIONS:
        if isinstance(action, (ActionDiagnose, ValidateProfileForm)):
            continue
        turn = await rep.say(action, LONG, intent)
        assert turn.texts and all(0 < len(t) <= 600 for t in turn.texts)
        assert OOPS not in turn.text and DB_DOWN not in turn.text


# -- any other failure ---------------------------------------------------------------------------------------
async def test_unexpected_error_gives_the_generic_message_and_is_logged(
    kb_url: str, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    monkeypatch.setenv("KEQING_DB_URL", kb_url)

    def boom(*_a: Any, **_k: Any) -> None:
        raise RuntimeError("kaputt")

    monkeypatch.setattr(KnowledgeBase, "strategy", boom)
    caplog.set_level(logging.ERROR, logger="actions.base")
    messages, events = await _run(ActionGiveStrategy(), "ask_strategy", "怎么跟进", slots={"stage": "开发"},
                                  sender="broken-rep")
    assert [m["text"] for m in messages] == [OOPS] and events == []
    assert "broken-rep" in caplog.text and "kaputt" in caplog.text


async def test_partial_replies_are_not_sent_when_an_action_fails(kb_url: str, monkeypatch) -> None:
    monkeypatch.setenv("KEQING_DB_URL", kb_url)

    def half(step: Any) -> Outcome:
        step.out.say([__import__("keqing.dialogue.replies").dialogue.replies.Reply("half")])
        raise ValueError("after the first message")

    class Half(KeqingAction):
        handler = staticmethod(half)

        def name(self) -> str:
            return "action_half"

    messages, _ = await _run(Half(), "greet", "hi")
    assert [m["text"] for m in messages] == [OOPS]


async def test_garbage_slot_values_are_ignored(kb_url: str, monkeypatch) -> None:
    monkeypatch.setenv("KEQING_DB_URL", kb_url)
    from actions.playbook import ActionGiveStrategy

    messages, _ = await _run(ActionGiveStrategy(), "ask_strategy", "怎么跟进",
                             slots={"stage": "火星阶段", "style": "外星型", "share": 300})
    assert messages and OOPS not in messages[0]["text"] and "特点" in messages[0]["text"]
