"""Plain Rasa commands work in the repository root with no environment set: endpoints.yml has no ${VAR},
its tracker store reads KEQING_TRACKER_URL with the SQLite default, and `python -m keqing endpoints`
writes the runtime file that `make run` / `make server` use."""
from __future__ import annotations

import argparse

import yaml
from fakes import ROOT
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import read_endpoint_config

from keqing import settings
from keqing.cli import endpoints as endpoints_cli


def _store(monkeypatch) -> SQLTrackerStore:
    tracker = read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store")
    store = TrackerStore.create(tracker, Domain.load(str(ROOT / "domain.yml")))
    assert isinstance(store, SQLTrackerStore)
    return store


def test_endpoints_yml_has_no_environment_references() -> None:
    assert "${" not in (ROOT / "endpoints.yml").read_text(encoding="utf-8")


def test_tracker_store_defaults_to_sqlite_under_var(monkeypatch) -> None:
    for name in ("KEQING_TRACKER_URL", "KEQING_ACTION_URL", "KEQING_DB_URL"):
        monkeypatch.delenv(name, raising=False)
    store = _store(monkeypatch)
    assert str(store.engine.url) == f"sqlite:///{settings.VAR_DIR / 'tracker.db'}"
    action = read_endpoint_config(str(ROOT / "endpoints.yml"), "action_endpoint")
    assert action.url == "http://127.0.0.1:5055/webhook"


def test_tracker_store_follows_keqing_tracker_url(monkeypatch, tmp_path) -> None:
    db = tmp_path / "tracker.db"
    monkeypatch.setenv("KEQING_TRACKER_URL", f"sqlite:///{db}")
    assert str(_store(monkeypatch).engine.url) == f"sqlite:///{db}"


def test_runtime_endpoints_follow_the_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("KEQING_ACTION_URL", raising=False)
    monkeypatch.delenv("KEQING_REDIS_URL", raising=False)
    monkeypatch.setenv("KEQING_ACTION_PORT", "5999")
    out = tmp_path / "endpoints.runtime.yml"
    assert endpoints_cli.run(argparse.Namespace(write=str(out))) == 0
    written = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert written["action_endpoint"]["url"] == "http://127.0.0.1:5999/webhook"
    assert "lock_store" not in written
    assert read_endpoint_config(str(out), "action_endpoint").url == "http://127.0.0.1:5999/webhook"
    monkeypatch.setenv("KEQING_REDIS_URL", "redis://127.0.0.1:6399/0")
    endpoints_cli.run(argparse.Namespace(write=str(out)))
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["lock_store"]["type"] == endpoints_cli.LOCK_STORE
