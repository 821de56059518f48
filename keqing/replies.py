"""Everything the rep reads, composed from knowledge-base and customer-memory data.

No Rasa imports: each function takes plain values or the dataclasses of `keqing.kb.query` /
`keqing.memory` and returns a list of `Reply` (text + quick-reply buttons). Advice always comes from
the knowledge base's own text; this module only adds short connecting words, numbering and layout.
Every message is kept to at most `MAX_CHARS` characters (long answers are split, buttons go on the
last message).

    from keqing import replies
    for r in replies.strategy(kb.strategy("初期合作", style="支配型"), customer="王总"):
        send(r.text, r.buttons)
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from keqing.taxonomy import ANIMALS, VALUES, label

MAX_CHARS = 600
MAX_EVIDENCE = 3
STAGES = VALUES["stage"]
DEV_STAGE = "开发"
EARLY_STAGE = "初期合作"
CHECKLIST_STAGES = ("开发", "初期合作")  # stages whose strategy offers the 机会点 button

Button = Tuple[str, str]  # (title, payload)


@dataclass
class Reply:
    text: str
    buttons: List[Button] = field(default_factory=list)


# -- buttons ---------------------------------------------------------------------------
BTN_NEXT: Button = ("下一步", "/ask_next_step")
BTN_DETAIL: Button = ("展开讲讲", "/ask_detail")
BTN_OPPORTUNITIES: Button = ("机会点", "/ask_opportunities")
BTN_SCRIPT: Button = ("话术示例", "/ask_script")
BTN_SWITCH: Button = ("换个客户", "/list_customers")
BTN_STRATEGY: Button = ("怎么跟进", "/ask_strategy")
BTN_YES: Button = ("有", "/affirm")
BTN_NO: Button = ("没有", "/deny")

# the entity type each style's button sends with /correct_profile (see keqing.taxonomy.ENTITY_VALUES)
_STYLE_ENTITIES = {"支配型": "style_dominant", "表达型": "style_expressive", "和蔼型": "style_amiable",
                   "分析型": "style_analytical"}


def switch_payload(name: str) -> str:
    return "/switch_customer" + _json({"customer": name})


def correct_style_payload(style: str) -> str:
    return "/correct_profile" + _json({_STYLE_ENTITIES[style]: ANIMALS[style]})


def _json(data: Mapping[str, str]) -> str:
    import json

    return json.dumps(dict(data), ensure_ascii=False)


def playbook_buttons(stage: Optional[str]) -> List[Button]:
    buttons = [BTN_NEXT, BTN_DETAIL]
    if stage in CHECKLIST_STAGES:
        buttons.append(BTN_OPPORTUNITIES)
    return buttons + [BTN_SCRIPT, BTN_SWITCH]


# -- layout helpers --------------------------------------------------------------------
def _clip(text: str, limit: int) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bullets(lines: Iterable[str], limit: int = 3) -> str:
    return "\n".join(f"· {line}" for line in list(lines)[:limit])


def _numbered(lines: Iterable[str], limit: int = 9) -> str:
    return "\n".join(f"{i}. {line}" for i, line in enumerate(list(lines)[:limit], 1))


def pack(sections: Sequence[str], buttons: Sequence[Button] = (), limit: int = MAX_CHARS) -> List[Reply]:
    """Join sections into as few messages as possible, each at most `limit` characters."""
    messages: List[str] = []
    current = ""
    for section in (s.strip() for s in sections):
        if not section:
            continue
        section = _clip(section, limit)
        candidate = f"{current}\n{section}" if current else section
        if len(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = section
    if current or not messages:
        messages.append(current)
    out = [Reply(text) for text in messages]
    out[-1].buttons = list(buttons)
    return out


def _who(customer: Optional[str]) -> str:
    return customer or "这位客户"


def _quote(evidence: Sequence[str]) -> str:
    return "".join(f"‘{_clip(e, 20)}’" for e in list(evidence)[:MAX_EVIDENCE] if e and e.strip())


def style_label(style: Optional[str]) -> str:
    return label("style", style) if style else ""


# -- errors and fallbacks ---------------------------------------------------------------
def db_unavailable() -> List[Reply]:
    return [Reply("数据库暂时连不上,请稍后再试。")]


def internal_error() -> List[Reply]:
    return [Reply("抱歉,处理这条消息时出错了,请换个说法再试。")]


def need_description(customer: Optional[str] = None) -> List[Reply]:
    who = f"{customer}" if customer else "客户"
    return [Reply(f"我还不了解{who}。说说他说话做事的特点,和你们大概占他们几成采购?")]


def need_stage(customer: Optional[str] = None) -> List[Reply]:
    return [Reply(f"还不知道{_who(customer)}在哪个阶段。你们大概占他们多少采购?比如“三成”“还没合作”。")]


def need_customer() -> List[Reply]:
    return [Reply("先告诉我是哪位客户?(比如“王总”)我好记住进度。")]


def unknown_customer(name: str) -> List[Reply]:
    return [Reply(f"还没有{name}的记录。说说他的特点,和你们大概占他们几成采购?")]


# -- diagnosis ---------------------------------------------------------------------------
def diagnosis(
    customer: Optional[str],
    detected: Mapping[str, Optional[Mapping[str, Any]]],
    previous_stage: Optional[str] = None,
    regressed: bool = False,
    advanced: bool = False,
) -> List[Reply]:
    """One short message restating what was detected, each value with its evidence in quotes.

    `detected` is the NLU `customer_profile` (dimension → {value, confidence, evidence} or None)."""
    who = _who(customer)
    parts: List[str] = []
    style = detected.get("style")
    if style and style.get("value") in ANIMALS:
        hedge = "可能偏" if (style.get("confidence") or 1) < 0.5 else "偏"
        parts.append(f"{who}{hedge}{style_label(style['value'])}:{_quote(style.get('evidence') or ())}。")
    for dim, name in (("motive", "决策动机"), ("grade", "客户等级"), ("stage", "关系阶段")):
        found = detected.get(dim)
        if not found or found.get("value") is None:
            continue
        value = f"{found['value']}类" if dim == "grade" else str(found["value"])
        if (found.get("confidence") or 1) < 0.5:
            value = "可能是" + value
        quoted = _quote(found.get("evidence") or ())
        prefix = "" if parts else f"{who}的"
        parts.append(f"{prefix}{name}:{value}({quoted})。" if quoted else f"{prefix}{name}:{value}。")
    if not parts:
        return nothing_detected(customer)
    if regressed and previous_stage:
        parts.append(f"比之前的{previous_stage}退了一步,说“关系倒退”看修复办法。")
    elif advanced and previous_stage:
        parts.append(f"比之前的{previous_stage}进了一步。")
    return [Reply("".join(parts))]


def nothing_detected(customer: Optional[str] = None) -> List[Reply]:
    head = f"从这句话还看不出{customer}的类型。" if customer else "从这句话还看不出客户的类型。"
    return [Reply(head + "说说他说话做事的特点?")]


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
) -> List[Reply]:
    who = customer or "这类客户"
    sections = [f"{who}是{style_label(style)},可以这样说:\n" + _numbered(examples, 4)]
    if call_script:
        opening = list(call_script.get("opening") or ())[:3]
        needs = list(call_script.get("discovering_needs") or ())[:3]
        if opening:
            sections.append("电话开场:\n" + _bullets(opening, 3))
        if needs:
            sections.append("了解需求:\n" + _bullets(needs, 3))
    return pack(sections, [BTN_NEXT, BTN_SWITCH])


# -- corrections ---------------------------------------------------------------------------
_DIM_NAMES = {"style": "沟通风格", "motive": "决策动机", "grade": "客户等级", "stage": "关系阶段"}


def value_label(dimension: str, value: Any) -> str:
    if dimension == "style":
        return style_label(value)
    if dimension == "grade":
        return f"{value}类"
    if dimension == "stage":
        return f"{value}阶段"
    return str(value)


def correction_done(
    changes: Sequence[Tuple[str, Optional[Any], Any]],
    advice: Sequence[str] = (),
    customer: Optional[str] = None,
) -> List[Reply]:
    """`changes`: (dimension, old value, new value). `advice`: the new value's tips from the KB."""
    parts = []
    for dim, old, new in changes:
        if old is not None and str(old) == str(new):
            parts.append(f"{_DIM_NAMES.get(dim, dim)}本来就是{value_label(dim, new)},保持不变。")
        else:
            parts.append(f"已改为{value_label(dim, new)}。")
    who = f"好,{customer}" if customer else "好,"
    sections = [who + "".join(parts)]
    if advice:
        header = "沟通上换成:" if changes and changes[0][0] == "style" else "接下来这样做:"
        sections.append(header + "\n" + _bullets(advice, 3))
    return pack(sections, [BTN_NEXT, BTN_SCRIPT])


def ask_which_style() -> List[Reply]:
    buttons = [(f"{ANIMALS[s]}({s})", correct_style_payload(s)) for s in VALUES["style"]]
    return [Reply("那他更像哪一种?", buttons)]


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


# -- compliance ---------------------------------------------------------------------------
def compliance(topic: Any) -> List[Reply]:
    """`topic` is a `ComplianceTopic`: the KB's refusal (it names the law), the law, lawful alternatives."""
    sections = [topic.refusal]
    if topic.law:
        sections.append("依据:" + _clip(topic.law, 160))
    if topic.alternatives:
        sections.append("合法的做法:\n" + _numbered(topic.alternatives, 4))
    return pack(sections, [BTN_STRATEGY, BTN_SCRIPT])


def compliance_fallback() -> List[Reply]:
    """Only when the knowledge base holds no compliance topic at all."""
    return [Reply("这个不能帮你做:给客户人员送财物、回扣或红包属于商业贿赂,违反反不正当竞争法。"
                  "我们用方案、服务和写进合同的公司优惠来争取。", [BTN_STRATEGY])]


# -- concepts -----------------------------------------------------------------------------
def concept(summary: Any) -> List[Reply]:
    """`summary` is an `ItemSummary`: definition + 2–3 key points."""
    kind = summary.kind
    name = style_label(summary.name) if kind == "style" else summary.name
    head = f"【{name}】{summary.definition}"
    points: List[str] = []
    details = summary.details or {}
    if kind == "stage":
        if details.get("objective"):
            points.append("目标:" + details["objective"])
        points += list(summary.tactics)[:2]
    elif kind in ("step", "opportunity"):
        if kind == "step":
            points += list(details.get("details") or ())[:3]
        elif details.get("question"):
            points.append("可以问:" + details["question"])
    elif kind == "compliance":
        points += list(summary.traits)[:2]
        points.append("这条线不能碰,说说你的情况,我帮你想合法的做法。")
    else:
        points += list(summary.traits)[:2]
        points += list(summary.tactics)[:1]
    body = "要点:\n" + _bullets(points, 3) if points else ""
    return pack([head, body])


def concept_unknown(term: str, examples: Sequence[str] = ()) -> List[Reply]:
    shown = f"“{_clip(term, 20)}”" if term else "这个"
    examples = list(examples) or ["猫头鹰型客户", "初期合作阶段", "优先供应关系", "Trust(信任)", "客户关系倒退"]
    return [Reply(f"{shown}我还讲不了。可以问我:" + "、".join(examples[:6]) + "。")]


# -- customers ----------------------------------------------------------------------------
@dataclass(frozen=True)
class CustomerLine:
    """One customer in the rep's list."""

    name: str
    stage: Optional[str] = None
    style: Optional[str] = None
    step_order: Optional[int] = None
    step_title: Optional[str] = None
    repair: bool = False


def _describe(c: CustomerLine) -> str:
    bits = []
    if c.stage:
        bits.append(c.stage)
    if c.style:
        bits.append(style_label(c.style))
    if c.step_order and c.step_title:
        bits.append(f"{'修复' if c.repair else ''}第{c.step_order}步 {c.step_title}")
    return " · ".join(bits) if bits else "还没有画像"


def customer_list(customers: Sequence[CustomerLine], max_buttons: int = 5) -> List[Reply]:
    if not customers:
        return no_customers()
    lines = [f"{i}. {c.name}:{_describe(c)}" for i, c in enumerate(customers, 1)]
    sections = [f"你的客户(共{len(customers)}位,最近聊的在前):"]
    text = sections[0]
    shown = 0
    for line in lines:
        if len(text) + len(line) + 20 > MAX_CHARS:
            break
        text += "\n" + line
        shown += 1
    if shown < len(lines):
        text += f"\n……还有{len(lines) - shown}位"
    buttons = [(c.name, switch_payload(c.name)) for c in customers[:max_buttons]]
    return [Reply(text, buttons)]


def no_customers() -> List[Reply]:
    return [Reply("还没有客户记录。描述一位客户我就会记下,比如“王总说一不二,我们占他们三成采购”。")]


def choose_customer(customers: Sequence[CustomerLine], max_buttons: int = 8) -> List[Reply]:
    if not customers:
        return no_customers()
    buttons = [(c.name, switch_payload(c.name)) for c in customers[:max_buttons]]
    return [Reply("换到哪位客户?", buttons)]


def switched(line: CustomerLine) -> List[Reply]:
    if not (line.stage or line.style):
        return [Reply(f"好,说{line.name}。还不了解他,说说他的特点和你们占多少采购?")]
    text = f"好,切到{line.name}:{_describe(line)}。"
    if line.step_order:
        text += "说“下一步”接着往下走。"
        buttons = [BTN_NEXT, BTN_DETAIL, BTN_SWITCH]
    else:
        text += "说“怎么跟进”看打法。"
        buttons = [BTN_STRATEGY, BTN_NEXT, BTN_SWITCH]
    return [Reply(text, buttons)]
