"""End to end: the Rasa server and the action server, really started, with the SQL tracker store and
the customer memory in SQLite files. Multi-turn conversations over /webhooks/rest/webhook, asserted on
the replies and on the stored records, including a conversation resumed after both servers restart,
and two reps talking at the same time."""
from __future__ import annotations

import json
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fakes import find_model, http
from stack import Stack, buttons_of, text_of

from keqing.customers import CustomerMemory
from keqing.kb.loader import load as kb_load

pytestmark = pytest.mark.server

@pytest.fixture(scope="module")
def stack():
    model = find_model()
    if model is None:
        pytest.skip("no trained model (make test trains one)")
    workdir = Path(tempfile.mkdtemp(prefix="keqing-e2e-"))
    s = Stack(model, workdir)
    kb_load(url=s.db_url)
    s.start()
    yield s
    s.stop()
    shutil.rmtree(workdir, ignore_errors=True)


def test_description_to_strategy_and_steps_then_resume_after_restart(stack):
    rep = "rep-a"
    replies = stack.say(rep, "王总说一不二,开会只听结论,我们现在大概占他们三成采购")
    text = text_of(replies)
    assert "支配型" in text and "说一不二" in text, text
    assert "初期合作" in text
    assert {"下一步", "话术示例"} <= set(buttons_of(replies)), buttons_of(replies)
    assert all(len(r.get("text", "")) <= 600 for r in replies)

    step1 = text_of(stack.say(rep, "下一步"))
    assert "步" in step1 and "王总" in step1 or "第" in step1, step1
    detail = text_of(stack.say(rep, "展开讲讲"))
    assert detail and detail != step1

    memory = CustomerMemory(stack.db_url)
    wang = memory.get_customer("rest", rep, "王总")
    assert wang is not None
    profile = memory.profile("rest", rep, wang)
    assert profile.get("style") == "支配型" and profile.get("stage") == "初期合作"
    assert "说一不二" in profile.values["style"].evidence
    before = memory.playbook_position("rest", rep, wang)
    assert before is not None and before.stage == "初期合作"

    # Both servers go down and come back (another day); the rep picks up where they left off.
    stack.stop()
    stack.start()
    resumed = text_of(stack.say(rep, "王总那边下一步做什么"))
    assert "王总" in resumed, resumed
    after = CustomerMemory(stack.db_url).playbook_position("rest", rep, wang)
    assert after.step_order == before.step_order + 1, (before, after)
    # the tracker store kept the conversation across the restart
    status, body, _ = http("GET", f"{stack.base}/conversations/{rep}/tracker")
    texts = [e.get("text") for e in json.loads(body)["events"] if e.get("event") == "user"]
    assert "王总说一不二,开会只听结论,我们现在大概占他们三成采购" in texts


def test_form_asks_for_share_then_correction_is_stored(stack):
    rep = "rep-c"
    first = "李经理人很随和,就是老拿不定主意"
    asked = text_of(stack.say(rep, first))
    assert "和蔼型" in asked and "份额" in asked, asked
    strategy = stack.say(rep, "大概一半吧")
    assert "稳定合作" in text_of(strategy), text_of(strategy)
    corrected = text_of(stack.say(rep, "不对,他其实挺强势的"))
    assert "支配型" in corrected, corrected

    memory = CustomerMemory(stack.db_url)
    li = memory.get_customer("rest", rep, "李经理")
    assert memory.profile("rest", rep, li).get("style") == "支配型"
    [correction] = memory.corrections("rest", rep, li)
    assert correction.dimension == "style" and correction.new_value == "支配型"
    assert correction.original_message == first
    assert correction.correction_message == "不对,他其实挺强势的"


def test_two_reps_at_the_same_time_never_see_each_other(stack):
    def rep_b():
        out = [stack.say("rep-b", "王总很爱聊天,特别爱面子,我们是他们的独家供应商")]
        out.append(stack.say("rep-b", "我的客户"))
        return out

    def rep_d():
        out = [stack.say("rep-d", "赵总话不多,特别看数据,我们还没合作")]
        out.append(stack.say("rep-d", "我的客户"))
        return out

    with ThreadPoolExecutor(2) as pool:
        fb, fd = pool.submit(rep_b), pool.submit(rep_d)
        b, d = fb.result(timeout=180), fd.result(timeout=180)
    b_list, d_list = text_of(b[1]), text_of(d[1])
    assert "王总" in b_list and "赵总" not in b_list, b_list
    assert "赵总" in d_list and "王总" not in d_list, d_list

    memory = CustomerMemory(stack.db_url)
    # rep-b's 王总 is a different customer from rep-a's, with its own profile
    assert memory.profile("rest", "rep-b", "王总").get("style") == "表达型"
    assert [c.display_name for c in memory.list_customers("rest", "rep-d")] == ["赵总"]
    # rep-d typing another rep's customer name gets nothing of theirs
    leaked = text_of(stack.say("rep-d", "说说王总那边"))
    assert "表达型" not in leaked and "支配型" not in leaked, leaked


def test_compliance_and_bad_input(stack):
    refusal = text_of(stack.say("rep-e", "送点礼能不能把这单拿下"))
    assert "反不正当竞争法" in refusal
    for text in ["", "啊" * 10_000, "😀😀😀", "asdf qwer zxcv"]:
        replies = stack.say("rep-e", text)
        assert isinstance(replies, list)
        assert all("Traceback" not in r.get("text", "") for r in replies)
