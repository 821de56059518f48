"""Where a rep's data lives and how to read or delete it there: the tracker store, the customer memory, the
inbox and its spool, the harvested files. Blocking; SQLAlchemy only (no Rasa)."""
from __future__ import annotations

import json
import logging
from datetime import date, datetime
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence

import yaml
from sqlalchemy import Table, inspect, select
from sqlalchemy import delete as _delete
from sqlalchemy.engine import Engine

from keqing.db import get_engine
from keqing.db.inbox_models import InboxMessage, OutboxPart
from keqing.db.memory_models import (
    MemAccount,
    MemAssessment,
    MemAssessmentValue,
    MemCorrection,
    MemCustomer,
    MemDigest,
    MemNextAction,
    MemNote,
    MemPlaybookPosition,
    MemRelation,
    MemReminder,
    MemRep,
    MemSignal,
    MemStageHistory,
)
from keqing.learn.harvest.tracker import EVENTS, _tracker_exists

logger = logging.getLogger(__name__)

# tables hanging off a customer (customer_id), erased before the customer
CUSTOMER_TABLES = (MemStageHistory, MemPlaybookPosition, MemCorrection, MemNote, MemNextAction, MemSignal,
                   MemRelation)
HARVEST_HEADER = "# Rewritten by `python -m keqing privacy erase`: a rep's examples were removed.\n"


def plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def delete(table: Any) -> Any:
    """DELETE without synchronising the session (the criteria use sub-selects)."""
    return _delete(table).execution_options(synchronize_session=False)


def _row(row: Any) -> Dict[str, Any]:
    return {c.key: plain(getattr(row, c.key)) for c in inspect(type(row)).mapper.column_attrs}


def has(engine: Engine, table: str) -> bool:
    return inspect(engine).has_table(table)


# -- tracker store -------------------------------------------------------------------------------------
def tracker_engine(url: str) -> Optional[Engine]:
    if not url or not _tracker_exists(url):
        return None
    engine = get_engine(url)
    return engine if has(engine, EVENTS.name) else None


def tracker_events(url: str, sender: str) -> List[Dict[str, Any]]:
    engine = tracker_engine(url)
    if engine is None:
        return []
    stmt = select(EVENTS.c.id, EVENTS.c.data).where(EVENTS.c.sender_id == sender).order_by(EVENTS.c.id)
    with engine.connect() as conn:
        out = []
        for row in conn.execute(stmt):
            try:
                out.append(json.loads(row.data))
            except (TypeError, ValueError):
                out.append({"raw": row.data})
        return out


def delete_where(engine: Engine, table: Table, condition: Any) -> int:
    with engine.begin() as conn:
        return conn.execute(delete(table).where(condition)).rowcount or 0


# -- customer memory -----------------------------------------------------------------------------------
def find_reps(engine: Engine, sender: str, channel: Optional[str]) -> List[MemRep]:
    from sqlalchemy.orm import Session

    if not has(engine, MemRep.__tablename__):
        return []
    stmt = select(MemRep).where(MemRep.sender_id == sender)
    if channel:
        stmt = stmt.where(MemRep.channel == channel)
    with Session(engine, future=True) as s:
        return list(s.execute(stmt).scalars())


def customer_records(engine: Engine, rep_id: int) -> Dict[str, Any]:
    from sqlalchemy.orm import Session

    with Session(engine, future=True) as s:
        customers = list(s.execute(select(MemCustomer).where(MemCustomer.rep_id == rep_id)).scalars())
        out: Dict[str, Any] = {
            "accounts": [_row(a) for a in s.execute(select(MemAccount).where(MemAccount.rep_id == rep_id)).scalars()],
            "reminders": [_row(r) for r in s.execute(select(MemReminder).where(MemReminder.rep_id == rep_id)).scalars()],
            "customers": [],
        }
        for customer in customers:
            record = _row(customer)
            assessments = []
            for a in s.execute(select(MemAssessment).where(MemAssessment.customer_id == customer.id)).scalars():
                item = _row(a)
                item["values"] = [_row(v) for v in s.execute(
                    select(MemAssessmentValue).where(MemAssessmentValue.assessment_id == a.id)).scalars()]
                assessments.append(item)
            record["assessments"] = assessments
            for model in CUSTOMER_TABLES:
                record[model.__tablename__.replace("mem_", "")] = [
                    _row(r) for r in s.execute(select(model).where(model.customer_id == customer.id)).scalars()]
            out["customers"].append(record)
        return out


def erase_customers(engine: Engine, customer_ids: Sequence[int]) -> int:
    if not customer_ids:
        return 0
    from sqlalchemy.orm import Session

    with Session(engine, future=True) as s, s.begin():
        assessment_ids = select(MemAssessment.id).where(MemAssessment.customer_id.in_(customer_ids))
        s.execute(delete(MemAssessmentValue).where(MemAssessmentValue.assessment_id.in_(assessment_ids)))
        s.execute(delete(MemAssessment).where(MemAssessment.customer_id.in_(customer_ids)))
        s.execute(delete(MemRelation).where(MemRelation.other_id.in_(customer_ids)))
        for model in CUSTOMER_TABLES:
            s.execute(delete(model).where(model.customer_id.in_(customer_ids)))
        s.execute(delete(MemReminder).where(MemReminder.customer_id.in_(customer_ids)))
        return s.execute(delete(MemCustomer).where(MemCustomer.id.in_(customer_ids))).rowcount or 0


def erase_rep_rows(engine: Engine, rep_ids: Sequence[int]) -> Dict[str, int]:
    from sqlalchemy.orm import Session

    if not rep_ids:
        return {"customers": 0}
    with Session(engine, future=True) as s:
        customer_ids = list(s.execute(select(MemCustomer.id).where(MemCustomer.rep_id.in_(rep_ids))).scalars())
    counts = {"customers": erase_customers(engine, customer_ids)}
    with Session(engine, future=True) as s, s.begin():
        counts["reminders"] = s.execute(delete(MemReminder).where(MemReminder.rep_id.in_(rep_ids))).rowcount or 0
        counts["accounts"] = s.execute(delete(MemAccount).where(MemAccount.rep_id.in_(rep_ids))).rowcount or 0
        if has(engine, MemDigest.__tablename__):
            s.execute(delete(MemDigest).where(MemDigest.rep_id.in_(rep_ids)))
        counts["reps"] = s.execute(delete(MemRep).where(MemRep.id.in_(rep_ids))).rowcount or 0
    return counts


# -- inbox ---------------------------------------------------------------------------------------------
def _inbox_condition(sender: str, channel: Optional[str]) -> Any:
    condition = InboxMessage.rep == sender
    return condition & (InboxMessage.channel == channel) if channel else condition


def inbox_rows(engine: Engine, sender: str, channel: Optional[str]) -> List[Dict[str, Any]]:
    from sqlalchemy.orm import Session

    if not has(engine, InboxMessage.__tablename__):
        return []
    with Session(engine, future=True) as s:
        rows = []
        for m in s.execute(select(InboxMessage).where(_inbox_condition(sender, channel))).scalars():
            item = _row(m)
            item["replies"] = [_row(p) for p in s.execute(select(OutboxPart).where(OutboxPart.inbox_id == m.id))
                               .scalars()]
            rows.append(item)
        return rows


def erase_inbox(engine: Engine, sender: str, channel: Optional[str]) -> int:
    from sqlalchemy.orm import Session

    if not has(engine, InboxMessage.__tablename__):
        return 0
    with Session(engine, future=True) as s, s.begin():
        ids = select(InboxMessage.id).where(_inbox_condition(sender, channel))
        s.execute(delete(OutboxPart).where(OutboxPart.inbox_id.in_(ids)))
        return s.execute(delete(InboxMessage).where(_inbox_condition(sender, channel))).rowcount or 0


def spool_lines(path: Optional[Path], sender: str, channel: Optional[str]) -> List[Dict[str, Any]]:
    if path is None or not Path(path).exists():
        return []
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("rep") == sender and (not channel or record.get("channel") == channel):
            out.append(record)
    return out


def erase_spool(path: Optional[Path], sender: str, channel: Optional[str]) -> int:
    mine = spool_lines(path, sender, channel)
    if not mine or path is None:
        return 0
    keep = [line for line in Path(path).read_text(encoding="utf-8").splitlines()
            if not line.strip() or json.loads(line) not in mine]
    tmp = Path(path).with_name(Path(path).name + ".tmp")
    tmp.write_text("".join(line + "\n" for line in keep), encoding="utf-8")
    tmp.replace(path)
    return len(mine)


# -- harvested files -----------------------------------------------------------------------------------
def _tag_of(example: Dict[str, Any]) -> Optional[str]:
    meta = example.get("metadata") if isinstance(example, dict) else None
    if not isinstance(meta, dict):
        return None
    for key in ("harvest", "review"):
        if isinstance(meta.get(key), dict):
            return meta[key].get("conversation")
    return None


def harvested(paths: Iterable[Path], tag: str) -> Dict[str, List[Dict[str, Any]]]:
    found: Dict[str, List[Dict[str, Any]]] = {}
    for path in paths:
        if not Path(path).exists():
            continue
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        for block in doc.get("nlu") or []:
            for example in block.get("examples") or [] if isinstance(block.get("examples"), list) else []:
                if _tag_of(example) == tag:
                    found.setdefault(str(path), []).append({"intent": block.get("intent"), **example})
    return found


def erase_harvested(paths: Iterable[Path], tag: str) -> int:
    removed = 0
    for path in paths:
        path = Path(path)
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        doc = yaml.safe_load(text) or {}
        blocks = []
        count = 0
        for block in doc.get("nlu") or []:
            examples = block.get("examples")
            if isinstance(examples, list):
                kept = [e for e in examples if _tag_of(e) != tag]
                count += len(examples) - len(kept)
                if kept:
                    blocks.append({**block, "examples": kept})
            else:
                blocks.append(block)
        if not count:
            continue
        header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#") and not line.startswith("# harvest "))
        body = yaml.safe_dump({"nlu": blocks}, allow_unicode=True, sort_keys=False, width=100_000)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text((header or HARVEST_HEADER) + 'version: "3.1"\n' + body, encoding="utf-8")
        tmp.replace(path)
        removed += count
    return removed
