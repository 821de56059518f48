"""endpoints.yml really resolves the project's environment variables (Rasa substitutes ${VAR} only in
unquoted YAML scalars), and the tracker store it describes is a working SQL store."""
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import read_endpoint_config

from fakes import ROOT


def test_endpoints_resolve_environment(monkeypatch, tmp_path):
    db = tmp_path / "tracker.db"
    monkeypatch.setenv("KEQING_TRACKER_URL", f"sqlite:///{db}")
    monkeypatch.setenv("KEQING_ACTION_URL", "http://127.0.0.1:5999/webhook")
    action = read_endpoint_config(str(ROOT / "endpoints.yml"), "action_endpoint")
    assert action.url == "http://127.0.0.1:5999/webhook"
    tracker = read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store")
    store = TrackerStore.create(tracker, Domain.load(str(ROOT / "domain.yml")))
    assert isinstance(store, SQLTrackerStore)
    assert str(store.engine.url) == f"sqlite:///{db}"
