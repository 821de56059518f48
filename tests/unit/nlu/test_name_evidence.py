"""A person's name is never the evidence of a reading."""
from keqing.nlu.reader import without_name_evidence


def _entry(value: str, *evidence: str) -> dict:
    return {"value": value, "confidence": 0.8, "evidence": list(evidence)}


def test_a_reading_whose_only_evidence_is_the_name_is_dropped() -> None:
    out = without_name_evidence({"style": _entry("和蔼型", "石经理"), "grade": _entry("B", "Peter", "manager")},
                                "石经理人还挺好的,Peter是manager")
    assert out["style"] is None
    assert out["grade"]["evidence"] == ["manager"]


def test_evidence_beside_the_name_stays() -> None:
    profile = {"style": _entry("支配型", "说一不二"), "share": {"value": 30, "evidence": ["三成"]}}
    assert without_name_evidence(profile, "王总说一不二,我们占三成") == profile
