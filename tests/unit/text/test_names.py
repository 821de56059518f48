"""Customer names as reps write them."""
import pytest

from keqing.text.names import find_names, name_key


@pytest.mark.parametrize("text,names", [
    ("王总说一不二", ["王总"]),
    ("饭桌上汤董一拍板,旁边副总就不吭声了", ["汤董"]),  # 旁边 is a word, not 边副总
    ("庞总只看质量和总成本", ["庞总"]),  # 和总成本 is no 和总
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
    ("欧阳总那边", ["欧阳总"]),  # a compound surname, not 阳总
    ("老周总是问价格", ["老周"]),  # 老周 + 总是, not 周总
    ("王总是个爽快人", ["王总"]),
    ("半小时后再说", []),
    ("小时候的事", []),
    ("老实说他不错", []),
    ("张工和李经理吵起来了", ["张工", "李经理"]),
    ("周建国很随和", ["周建国"]),
    ("周末很忙", []),
    ("Kevin说下周再聊", ["Kevin"]),
    ("跟David约了周五", ["David"]),
    ("Budget还没批", []),
    ("另一位是工程師阿明，什麼規格都要測試報告", ["阿明"]),
    ("阿姨说阿里那边在招人", []),
])
def test_find_names(text, names):
    found = find_names(text)
    assert [n.text for n in found] == names
    assert all(text[n.start:n.end] == n.text for n in found)


def test_name_key_strips_suffixes_and_script():
    assert name_key("李经理那边") == "李经理"
    assert name_key("王總") == "王总"


def test_a_surname_said_takes_the_title_of_its_sentence():
    found = find_names("新来的采购总监姓贺,人很直")
    assert [(n.text, n.name, n.kind) for n in found] == [("贺", "贺总监", "surname")]
    assert [n.name for n in find_names("他姓钱")] == ["钱"]


def test_split_title():
    from keqing.text.names import split_title

    assert split_title("欧阳总") == ("欧阳", "总")
    assert split_title("贺总监") == ("贺", "总监")
    assert split_title("老周") == ("", "")  # no title


@pytest.mark.parametrize("text,name", [
    ("对接人换成了孙志强主任，刚调过来", "孙主任"),
    ("质量部的负责人姓单，技术总监出身，特别较真", "单总监"),
    ("上午拜访采购部刘海峰，他看得很细", "刘海峰"),
    ("会上GM Brian全程主导", "Brian"),
    ("工程部的Cathy问了很多detail", "Cathy"),
])
def test_names_in_visit_notes(text: str, name: str) -> None:
    assert name in [n.name for n in find_names(text)]


@pytest.mark.parametrize("text,name", [("跟王建国经理聊了", "王经理"), ("分管采购的吴建华主任", "吴主任")])
def test_a_full_name_with_a_title_is_kept_as_surname_and_title(text: str, name: str) -> None:
    assert [n.name for n in find_names(text)] == [name]


@pytest.mark.parametrize("text", ["他们的常务副总经理很强势", "车间主任说了算", "他们采购部的主任很强势"])
def test_posts_are_not_full_names(text: str) -> None:
    assert all(n.kind != "full" and len(n.name) <= 4 for n in find_names(text)) and not any(
        n.name.startswith(("常", "车")) for n in find_names(text))
