"""The style map: PNG with a CJK font, the text fallback, the picture store, and WeCom's image upload."""
from __future__ import annotations

import struct
import sys
from pathlib import Path
from typing import Iterator

import pytest

from keqing.channels.wecom import Outgoing, WeComSender, WeComSettings, render_bot_messages
from keqing.charts import stylemap
from keqing.charts.store import Pictures, key_of, url
from keqing.customers import CustomerMemory
from keqing.db import migrate
from keqing.dialogue.brief import draw_style_map
from keqing.dialogue.context import Services, Step
from keqing.dialogue.turn import Turn

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import fakes  # noqa: E402

PEOPLE = [("欧阳总", "决策者", "支配型"), ("老郭", "采购经理", "分析型"), ("刘工", None, "和蔼型"),
          ("小王", None, "表达型"), ("孙总", None, "支配型"), ("李经理", None, None)]


def _png_size(png: bytes) -> tuple:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def test_cjk_font_is_found() -> None:
    font = stylemap.find_cjk_font()
    assert font is not None and font.is_file(), "fonts-noto-cjk missing: run scripts/system-deps.sh"


def test_png_is_rendered_with_sane_size() -> None:
    png = stylemap.render_png("宏远机械", PEOPLE)
    assert png is not None
    assert _png_size(png) == (800, 800)
    assert 20_000 < len(png) < 500_000


def test_without_a_font_there_is_no_picture(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stylemap, "find_cjk_font", lambda: None)
    assert stylemap.render_png("宏远机械", PEOPLE) is None


def test_text_map_places_each_person_in_the_quadrant_of_their_style() -> None:
    text = stylemap.text_map("宏远机械", PEOPLE)
    assert "表达高 | 老虎支配型: 欧阳总(决策者)、孙总 | 孔雀表达型: 小王" in text
    assert "表达低 | 猫头鹰分析型: 老郭(采购经理) | 鸽子和蔼型: 刘工" in text
    assert "风格还不清楚: 李经理" in text


def test_people_in_one_quadrant_do_not_overlap() -> None:
    spots = [(x, y) for _, _, _, x, y in stylemap.placed(PEOPLE)]
    assert len(spots) == 5 and len(set(spots)) == 5
    assert all(0 < x < 0.5 and y > 0.5 for (n, _, _, x, y) in stylemap.placed(PEOPLE) if n in ("欧阳总", "孙总"))


@pytest.fixture
def mem(tmp_path: Path) -> CustomerMemory:
    db = f"sqlite:///{tmp_path / 'k.db'}"
    migrate(db)
    return CustomerMemory(db)


def _account(mem: CustomerMemory, channel: str) -> None:
    for name, style in (("欧阳总", "支配型"), ("老郭", "分析型")):
        c = mem.get_or_create_customer(channel, "u1", name)
        mem.set_account(channel, "u1", c, "宏远机械")
        mem.record_assessment(channel, "u1", c, {"style": {"value": style, "confidence": 0.9, "evidence": ["x"]}})


@pytest.mark.parametrize("channel", ["wecom", "rest"])
def test_style_map_request_gives_a_picture(mem: CustomerMemory, channel: str) -> None:
    _account(mem, channel)
    step = Step(Turn(channel=channel, sender="u1", text="画一下他们公司的风格图",
                     slots={"customer": "欧阳总"}), Services(None, mem))  # type: ignore[arg-type]
    replies = draw_style_map(step).replies
    assert len(replies) == 1 and replies[0].image
    key = key_of(replies[0].image)
    assert key and replies[0].image == url(key)
    assert _png_size(Pictures(engine=mem.engine).get(key) or b"") == (800, 800)
    if channel == "rest":  # the shell and REST also get the text quadrant
        assert "老虎支配型: 欧阳总" in replies[0].text and "猫头鹰分析型: 老郭" in replies[0].text
    else:
        assert replies[0].text == ""


@pytest.fixture
def fake_wecom_api() -> Iterator[fakes.FakeWeComAPI]:
    api = fakes.FakeWeComAPI().start()
    yield api
    api.stop()


def test_wecom_uploads_the_picture_and_sends_an_image(fake_wecom_api: fakes.FakeWeComAPI, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    db = f"sqlite:///{tmp_path / 'k.db'}"
    monkeypatch.setenv("KEQING_DB_URL", db)
    migrate(db)
    png = stylemap.render_png("宏远机械", PEOPLE)
    assert png is not None
    link = url(Pictures(db).put(png))
    rendered = render_bot_messages([{"text": "宏远机械的人:…", "image": link}], "markdown").messages
    assert [m.msgtype for m in rendered] == ["markdown", "image"]
    env = {"WECOM_CORP_ID": fakes.WECOM_CORP_ID, "WECOM_AGENT_ID": fakes.WECOM_AGENT_ID,
           "WECOM_SECRET": fakes.WECOM_SECRET, "WECOM_TOKEN": fakes.WECOM_TOKEN, "WECOM_AES_KEY": fakes.WECOM_AES_KEY}
    sender = WeComSender(WeComSettings.from_sources({"api_base": fake_wecom_api.base_url}, env))
    assert sender.send_all("u1", rendered) == 2
    media = fake_wecom_api.media.items
    assert len(media) == 1 and media[0]["type"] == "image" and media[0]["content"] == png
    image = fake_wecom_api.sent.items[1]
    assert image["msgtype"] == "image" and image["image"] == {"media_id": media[0]["media_id"]}
    # a picture that is not (or no longer) stored is a permanent failure, not retried
    assert sender.send_all("u1", [Outgoing("image", url("0" * 64))]) == 0
