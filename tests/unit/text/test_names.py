"""Customer names as reps write them."""
import pytest

from keqing.text.names import find_names, name_key


@pytest.mark.parametrize("text,names", [
    ("王总说一不二", ["王总"]),
    ("说说李经理那边", ["李经理"]),
    ("老周这人挺好", ["老周"]),
    ("华为那边的张工很细", ["张工"]),
    ("王總那邊下一步做什麼", ["王總"]),
    ("小王是新来的采购", ["小王"]),
    ("陈主任和赵总监都在", ["陈主任", "赵总监"]),
    ("常工作到很晚", []),
    ("我总觉得他不靠谱", []),
    ("老板很强势", []),
    ("高总价太贵", []),
])
def test_find_names(text, names):
    found = find_names(text)
    assert [n.text for n in found] == names
    assert all(text[n.start:n.end] == n.text for n in found)


def test_name_key_strips_suffixes_and_script():
    assert name_key("李经理那边") == "李经理"
    assert name_key("王總") == "王总"
