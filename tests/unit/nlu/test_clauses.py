"""Which person each clause of a message is about."""
import pytest

from keqing.nlu.reader import assign_clauses
from keqing.text.names import find_names


@pytest.mark.parametrize("text,subject,other", [
    ("Kevin的boss叫Linda，人很nice，做决定很慢", "Linda", "Kevin"),
    ("吕总的助理小孙，特别细，每个数都要核", "小孙", "吕总"),
    ("老周的manager叫Grace，凡事都要看数据", "Grace", "老周"),
])
def test_a_person_named_only_as_a_relation_is_not_the_subject(text: str, subject: str, other: str) -> None:
    out = assign_clauses(text, find_names(text))
    assert subject in out and other not in out


def test_each_person_keeps_their_own_clauses() -> None:
    text = "王总说一不二，开会只听结论；小林人很好，就是没主见"
    out = assign_clauses(text, find_names(text))
    assert [text[s:e] for s, e in out["王总"]] == ["王总说一不二", "开会只听结论"]
    assert [text[s:e] for s, e in out["小林"]] == ["小林人很好", "就是没主见"]
