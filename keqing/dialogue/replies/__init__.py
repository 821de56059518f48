"""Everything the rep reads, composed from knowledge-base and customer-memory data.

No Rasa imports: each function takes plain values or the dataclasses of `keqing.kb.query` /
`keqing.customers.memory` and returns a list of `Reply` (text + quick-reply buttons). Advice always comes from
the knowledge base's own text; this module only adds short connecting words, numbering and layout.
Every message is kept to at most `MAX_CHARS` characters (long answers are split, buttons go on the
last message).

    from keqing.dialogue import replies
    for r in replies.strategy(kb.strategy("初期合作", style="支配型"), customer="王总"):
        send(r.text, r.buttons)
"""
from keqing.dialogue.replies.base import (  # noqa: F401
    _STYLE_ENTITIES,
    BTN_DETAIL,
    BTN_NEXT,
    BTN_NO,
    BTN_OPPORTUNITIES,
    BTN_SCRIPT,
    BTN_STRATEGY,
    BTN_SWITCH,
    BTN_YES,
    CHECKLIST_STAGES,
    DEV_STAGE,
    EARLY_STAGE,
    MAX_CHARS,
    MAX_EVIDENCE,
    Button,
    Reply,
    _bullets,
    _clip,
    _json,
    _numbered,
    _quote,
    _who,
    correct_style_payload,
    db_unavailable,
    internal_error,
    need_customer,
    need_description,
    need_stage,
    pack,
    playbook_buttons,
    style_label,
    switch_payload,
    unknown_customer,
)
from keqing.dialogue.replies.brief import account_map, account_unknown, meeting_brief  # noqa: F401,E402
from keqing.dialogue.replies.customers import (  # noqa: F401  # noqa: F401,E402
    CustomerLine,
    _describe,
    choose_customer,
    customer_list,
    delete_cancelled,
    delete_confirm,
    delete_unclear,
    deleted,
    no_customers,
    please_rephrase,
    rename_unclear,
    renamed,
    stopped,
    switched,
)
from keqing.dialogue.replies.followups import (  # noqa: F401,E402  # noqa: F401,E402
    advice,
    digest_switched,
    due_list,
    due_reminders,
    evidence,
    note_kept,
    reminder_set,
    reminder_when,
    unsupported,
    weekly_digest,
)
from keqing.dialogue.replies.knowledge import (  # noqa: F401  # noqa: F401,E402
    BTN_LAWFUL,
    compliance,
    compliance_general,
    concept,
    concept_unknown,
    guidance,
    lawful_plan,
    lawful_plan_general,
)
from keqing.dialogue.replies.people import PersonUpdate, news_noted, people_updates, person_line  # noqa: F401,E402
from keqing.dialogue.replies.playbook import (  # noqa: F401
    _ANSWER_RE,
    CHECKLIST_START,
    advice_without_stage,
    checklist_answer_note,
    checklist_question,
    checklist_start_note,
    checklist_state,
    checklist_summary,
    neutral_ack,
    opportunity_list,  # noqa: F401,E402
    opportunity_step,
    plan_complete,
    regression,
    regression_note,
    repair_done_back_to_stage,
    script,
    stage_watch,
    step,
    step_detail,
    strategy,
)
from keqing.dialogue.replies.profile import (  # noqa: F401
    ask_which_style,
    correction_done,
    diagnosis,
    nothing_detected,
    value_label,
)
from keqing.taxonomy import STAGES  # noqa: F401,E402
