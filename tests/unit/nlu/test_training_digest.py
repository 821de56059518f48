"""Rasa's component cache must see the knowledge base and the core's NLU code."""
from pathlib import Path

from keqing.nlu.training import training_inputs_digest


def test_the_digest_changes_with_a_cue_and_only_then(tmp_path: Path) -> None:
    (tmp_path / "knowledge").mkdir()
    (tmp_path / "keqing" / "nlu").mkdir(parents=True)
    cues = tmp_path / "knowledge" / "styles.yml"
    cues.write_text("cues: [重感情]\n", encoding="utf-8")
    (tmp_path / "keqing" / "nlu" / "features.py").write_text("X = 1\n", encoding="utf-8")
    first = training_inputs_digest(tmp_path)
    assert training_inputs_digest(tmp_path) == first
    (tmp_path / "README.md").write_text("not an input", encoding="utf-8")
    assert training_inputs_digest(tmp_path) == first
    cues.write_text("cues: [重感情, 讲感情]\n", encoding="utf-8")
    assert training_inputs_digest(tmp_path) != first

