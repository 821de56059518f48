"""Replies that walk the rep through a stage: strategy, steps, the opportunity checklist, scripts, regression repair."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional, Sequence

from keqing.dialogue.replies.base import (
    BTN_DETAIL,
    BTN_NEXT,
    BTN_NO,
    BTN_OPPORTUNITIES,
    BTN_SCRIPT,
    BTN_STRATEGY,
    BTN_SWITCH,
    BTN_YES,
    CHECKLIST_STAGES,
    Reply,
    _bullets,
    _clip,
    _numbered,
    _who,
    need_description,
    pack,
    playbook_buttons,
    style_label,
)


# -- strategy ----------------------------------------------------------------------------
def strategy(s: Any, customer: Optional[str] = None) -> List[Reply]:
    """`s` is a `keqing.kb.query.Strategy`."""
    who = f"{customer}·" if customer else ""
    sections = [f"【{who}{s.stage}阶段】目标:{s.objective}"]
    if s.first_steps:
        sections.append("先做这几步:\n" + _numbered(f"{st.title}:{st.summary}" for st in s.first_steps))
    if s.style:
        sections.append(f"沟通·{style_label(s.style)}:\n" + _bullets(s.communicate, 3))
    if s.motive and s.motive_tactics:
        sections.append(f"动机·{s.motive}:\n" + _bullets(s.motive_tactics, 2))
    if s.grade and s.grade_tactics:
        cadence = f",跟进{s.cadence}" if s.cadence else ""
        sections.append(f"等级·{s.grade}类{cadence}:\n" + _bullets(s.grade_tactics, 2))
    return pack(sections, playbook_buttons(s.stage))


def advice_without_stage(
    customer: Optional[str],
    style: Optional[Any] = None,
    motive: Optional[Any] = None,
    grade: Optional[Any] = None,
) -> List[Reply]:
    """Style/motive/grade advice (ItemSummary of each, or None) while the stage is still unknown."""
    sections: List[str] = []
    if style is not None:
        tips = style.details.get("communicate") or style.tactics
        sections.append(f"{_who(customer)}是{style_label(style.name)},沟通上:\n" + _bullets(tips, 3))
    if motive is not None and motive.tactics:
        sections.append(f"动机·{motive.name}:\n" + _bullets(motive.tactics, 2))
    if grade is not None and grade.tactics:
        cadence = grade.details.get("cadence")
        sections.append(f"等级·{grade.name}类" + (f",跟进{cadence}" if cadence else "") + ":\n"
                        + _bullets(grade.tactics, 2))
    if not sections:
        return need_description(customer)
    sections.append("告诉我你们大概占他们多少采购(比如“三成”),我就能给出这个阶段的打法。")
    return pack(sections, [BTN_SCRIPT, BTN_SWITCH])


# -- steps -------------------------------------------------------------------------------
def step(step_info: Any, total: int, customer: Optional[str] = None, repair: bool = False) -> List[Reply]:
    """`step_info` is a `StepInfo`: "第2步/共4步 找到关键人:…"."""
    head = f"{customer}·" if customer else ""
    kind = "修复" if repair else ""
    text = f"{head}{kind}第{step_info.order}步/共{total}步 {step_info.title}:{step_info.summary}"
    return pack([text], [BTN_DETAIL, BTN_NEXT, BTN_SWITCH])


def step_detail(step_info: Any, total: int, customer: Optional[str] = None, repair: bool = False) -> List[Reply]:
    head = f"{customer}·" if customer else ""
    kind = "修复" if repair else ""
    title = f"{head}{kind}第{step_info.order}步/共{total}步 {step_info.title}具体做法:"
    body = _numbered(step_info.details) if step_info.details else step_info.summary
    return pack([title, body], [BTN_NEXT, BTN_SWITCH])


def plan_complete(stage: str, total: int, customer: Optional[str] = None, repair: bool = False) -> List[Reply]:
    who = _who(customer)
    if repair:
        text = (f"{who}的{total}步修复都走完了。份额或关系有变化就告诉我(比如“现在占五成”),"
                "我重新判断阶段;说“下一步”回到阶段打法。")
        return [Reply(text, [BTN_NEXT, BTN_STRATEGY, BTN_SWITCH])]
    buttons = [BTN_OPPORTUNITIES] if stage in CHECKLIST_STAGES else []
    text = (f"{who}{stage}阶段的{total}步都走完了。接下来盯住效果,份额有变化就告诉我(比如“现在占六成”),"
            "我给下一阶段的打法。")
    return [Reply(text, buttons + [BTN_SCRIPT, BTN_SWITCH])]


def repair_done_back_to_stage(total: int, customer: Optional[str], stage: str) -> List[Reply]:
    return [Reply(f"{_who(customer)}的{total}步修复都走完了,回到{stage}阶段的打法:")]


# -- opportunities -------------------------------------------------------------------------
CHECKLIST_START = "机会点排查开始"
_ANSWER_RE = re.compile(r"^机会点·(?P<name>.+):(?P<answer>有|没有) \[(?P<key>[^\]]+)\]$")


def checklist_start_note() -> str:
    """Note stored in the customer memory when a checklist starts (answers after it count)."""
    return CHECKLIST_START


def checklist_answer_note(opp: Any, present: bool) -> str:
    return f"机会点·{opp.name}:{'有' if present else '没有'} [{opp.key}]"


def checklist_state(notes: Sequence[Any]) -> Optional[Dict[str, bool]]:
    """Answers (opportunity key → present) of the latest checklist in `notes` (memory `Note`s, oldest
    first), or None when no checklist was ever started."""
    answers: Optional[Dict[str, bool]] = None
    for note in notes:
        text = getattr(note, "text", note)
        if text == CHECKLIST_START:
            answers = {}
            continue
        m = _ANSWER_RE.match(text or "")
        if m and answers is not None:
            answers[m.group("key")] = m.group("answer") == "有"
    return answers


def opportunity_step(steps: Sequence[Any]) -> Optional[Any]:
    """The stage step about seizing opportunities (its details are the tactic for a found signal)."""
    return next((st for st in steps if "机会" in st.title), None)


def checklist_question(opp: Any, index: int, total: int, customer: Optional[str] = None) -> List[Reply]:
    """Ask one of the opportunity signals: "机会点 3/8 人员变动:客户…有关键人物变动吗?"."""
    head = f"{customer}的机会点排查" if customer and index == 1 else "机会点"
    return [Reply(f"{head} {index}/{total} {opp.name}:{opp.question}", [BTN_YES, BTN_NO])]


def checklist_summary(
    customer: Optional[str],
    present: Sequence[Any],
    total: int,
    opportunity_step: Optional[Any] = None,
    create: Sequence[str] = (),
) -> List[Reply]:
    """After the last question: the signals present (with what they mean) and the tactic to use."""
    who = _who(customer)
    if present:
        sections = [f"{who}的{total}项机会点排查完了,出现了{len(present)}个机会:"]
        sections.append(_numbered(f"{o.name}:{o.description}" for o in present))
        if opportunity_step is not None and opportunity_step.details:
            sections.append(f"打法({opportunity_step.title}):\n" + _bullets(opportunity_step.details, 3))
        elif create:
            sections.append("打法:\n" + _bullets(create, 3))
    else:
        sections = [f"{who}的{total}项机会点排查完了,暂时没有现成的机会。可以用合法方式主动创造:"]
        sections.append(_bullets(create, 3))
    return pack(sections, [BTN_NEXT, BTN_SCRIPT, BTN_SWITCH])


def stage_watch(stage: str, signals: Sequence[str], customer: Optional[str] = None, entry: bool = False) -> List[Reply]:
    """Outside 初期合作: what to watch in the stage (entry signals in 开发, warning signs later)."""
    if not signals:
        return [Reply(f"{stage}阶段没有整理好的信号清单。说“下一步”看阶段打法。", [BTN_NEXT])]
    kind = "切入信号" if entry else "预警信号"
    who = f"{customer}在" if customer else ""
    head = f"{who}{stage}阶段要盯的{kind}:"
    tail = "出现一个就马上行动。" if entry else "出现任何一条,说“关系倒退”看修复步骤。"
    return pack([head, _numbered(signals, 6), tail], [BTN_NEXT, BTN_SWITCH])


def neutral_ack(affirm: bool) -> List[Reply]:
    if affirm:
        return [Reply("好的。需要的话说“下一步”或“我的客户”。")]
    return [Reply("好的。有新情况随时告诉我。")]


# -- scripts ------------------------------------------------------------------------------
def script(
    style: str,
    examples: Sequence[str],
    call_script: Optional[Mapping[str, Sequence[str]]] = None,
    customer: Optional[str] = None,
    more: bool = False,
) -> List[Reply]:
    """Sample sentences in the customer's style (`more`: the next ones, after "还有别的说法吗")."""
    who = customer or "这类客户"
    if more:
        return pack([f"跟{who}还可以这样说:\n" + _numbered(examples, 4)], [BTN_NEXT, BTN_SWITCH])
    sections = [f"{who}是{style_label(style)},可以这样说:\n" + _numbered(examples, 4)]
    if call_script:
        opening = list(call_script.get("opening") or ())[:3]
        needs = list(call_script.get("discovering_needs") or ())[:3]
        if opening:
            sections.append("电话开场:\n" + _bullets(opening, 3))
        if needs:
            sections.append("了解需求:\n" + _bullets(needs, 3))
    return pack(sections, [BTN_NEXT, BTN_SWITCH])


# -- regression ---------------------------------------------------------------------------
def regression(reg: Any, customer: Optional[str] = None, stage: Optional[str] = None) -> List[Reply]:
    """`reg` is a `keqing.kb.query.Regression`; the rep's customer now walks its repair steps."""
    who = _who(customer)
    sections = [f"注意:{who}的关系在倒退。{_clip(reg.definition, 120)}"]
    signs = reg.signs.get(stage) if stage else None
    if signs:
        sections.append(f"{stage}阶段常见的倒退信号:\n" + _bullets(signs, 3))
    if reg.steps:
        sections.append("修复步骤:\n" + _numbered(f"{st.title}:{st.summary}" for st in reg.steps))
        first = reg.steps[0]
        sections.append(f"现在做第1步 {first.title}。说“展开讲讲”看做法,“下一步”往下走。")
    return pack(sections, [BTN_DETAIL, BTN_NEXT, BTN_SWITCH])


def regression_note(text: str) -> str:
    return "关系倒退:" + _clip(text, 200)


def opportunity_list(opportunities: Sequence[Any], customer: Optional[str] = None, ask_first: bool = True) -> List[Reply]:
    """All eight opportunity signals in one message, then the first checklist question."""
    who = f"{customer}那边" if customer else "客户那边"
    lines = [f"{i}. {o.name}:{o.description}" for i, o in enumerate(opportunities, 1)]
    sections = [f"{who}可以盯这{len(opportunities)}类机会:\n" + "\n".join(lines)]
    if ask_first and opportunities:
        sections.append("要不要逐个过一遍?我一个个问,你答“有”或“没有”。")
        return pack(sections, [("好", "/affirm"), ("不用", "/deny")])
    sections.append("说出客户的名字,我陪你逐个排查。")
    return pack(sections, [BTN_NEXT])
