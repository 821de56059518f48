"""Load `knowledge/*.yml` into the database in one transaction.

Strategy: validate everything first (KnowledgeError on any problem, nothing written), then in a
single transaction delete every KB row and insert the new ones. All KB tables have natural keys,
so loading the same YAML twice leaves identical rows, and items dropped from the YAML disappear.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from sqlalchemy import delete, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from keqing import settings as config
from keqing.db import get_engine, migrate
from keqing.db.errors import KnowledgeUnavailable
from keqing.db.kb_models import KB_TABLES, KbMeta
from keqing.kb.errors import KnowledgeError, Problem
from keqing.kb.normalize import normalize_term
from keqing.kb.reader import KnowledgeSet, read_knowledge
from keqing.kb.schema import CUE_DIMENSIONS

__all__ = ["KnowledgeError", "Problem", "LoadSummary", "read_knowledge", "load", "dump"]

_ADVISORY_LOCK_KEY = 7_342_001  # serialises concurrent `kb load` runs on PostgreSQL
# Ordered string lists stored in kb_item_texts, by attribute (dotted = nested).
_TEXT_FIELDS = (
    "traits",
    "tactics",
    "communicate",
    "avoid",
    "phone",
    "script_examples",
    "call_script.opening",
    "call_script.discovering_needs",
    "create_opportunity",
    "regression_signs",
    "stages",
    "triggers",
    "alternatives",
    "decline",
    "answer",
    "limits",
    "questions",
    "goal",  # a single string, stored as a one-element list
    "guidance_law",
)


@dataclass
class LoadSummary:
    counts: Dict[str, int]  # items per kind
    cues: int
    aliases: int
    steps: int
    opportunities: int
    changed: bool  # False when the DB already held exactly this content
    content_hash: str
    warnings: List[str] = field(default_factory=list)


def _get(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _rows(kset: KnowledgeSet) -> Dict[str, List[dict]]:
    rows: Dict[str, List[dict]] = defaultdict(list)
    for li in kset.sorted():
        it = li.item
        rows["kb_items"].append(
            dict(
                id=it.id,
                kind=it.kind,
                name=it.name,
                definition=it.definition,
                source=list(it.source),
                authored=it.authored,
                compliance=it.compliance,
                file=li.file.replace("\\", "/").rsplit("/", 1)[-1],
                parent_id=getattr(it, "parent", None),
                group=getattr(it, "group", None),
                cadence=getattr(it, "cadence", None),
                cadence_days=getattr(it, "cadence_days", None),
                raw=it.dict(),
            )
        )
        for alias in it.aliases:
            rows["kb_aliases"].append(dict(item_id=it.id, alias=alias, norm=normalize_term(alias)))
        dimension = CUE_DIMENSIONS[it.kind]
        for pos, cue in enumerate(it.cues, start=1):
            rows["kb_cues"].append(dict(item_id=it.id, position=pos, dimension=dimension, value=it.name, phrase=cue))
        for fname in _TEXT_FIELDS:
            values = _get(it, "law" if fname == "guidance_law" and it.kind == "guidance" else fname) or []
            if fname == "guidance_law" and it.kind != "guidance":
                values = []
            if isinstance(values, str):
                values = [values]
            for pos, value in enumerate(values, start=1):
                rows["kb_item_texts"].append(dict(item_id=it.id, field=fname, position=pos, text=value))
        if it.kind == "stage":
            rows["kb_stages"].append(
                dict(
                    item_id=it.id,
                    name=it.name,
                    order=it.order,  # type: ignore[attr-defined]
                    share_min=float(it.share_min),  # type: ignore[attr-defined]
                    share_max=float(it.share_max),  # type: ignore[attr-defined]
                    position=it.position,  # type: ignore[attr-defined]
                    objective=it.objective,  # type: ignore[attr-defined]
                )
            )
            for pos, opp in enumerate(it.opportunities, start=1):  # type: ignore[attr-defined]
                rows["kb_opportunities"].append(
                    dict(item_id=it.id, order=pos, key=opp.id, name=opp.name,
                         description=opp.description, question=opp.question)
                )
        for step in getattr(it, "steps", None) or []:
            rows["kb_steps"].append(
                dict(item_id=it.id, order=step.order, key=step.id, title=step.title, summary=step.summary,
                     details=list(step.details), authored=step.authored)
            )
        if it.kind == "compliance":
            rows["kb_compliance"].append(dict(item_id=it.id, refusal=it.refusal, law=it.law))  # type: ignore[attr-defined]
    rows["kb_meta"] = [dict(key="content_hash", value=kset.content_hash)]
    return rows


def _summary(kset: KnowledgeSet, rows: Dict[str, List[dict]], changed: bool) -> LoadSummary:
    return LoadSummary(
        counts=kset.counts(),
        cues=len(rows["kb_cues"]),
        aliases=len(rows["kb_aliases"]),
        steps=len(rows["kb_steps"]),
        opportunities=len(rows["kb_opportunities"]),
        changed=changed,
        content_hash=kset.content_hash,
        warnings=list(kset.warnings),
    )


def write(kset: KnowledgeSet, url: Optional[str] = None, force: bool = False) -> LoadSummary:
    """Replace the KB rows at `url` by `kset` in one transaction (no-op when already identical)."""
    rows = _rows(kset)
    engine = get_engine(url)
    try:
        with Session(engine, future=True) as session, session.begin():
            if engine.dialect.name == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK_KEY})
            stored = session.execute(select(KbMeta.value).where(KbMeta.key == "content_hash")).scalar()
            if stored == kset.content_hash and not force:
                return _summary(kset, rows, changed=False)
            for table in reversed(KB_TABLES):  # children before kb_items
                session.execute(delete(table))
            for table in KB_TABLES:
                if rows.get(table.name):
                    session.execute(insert(table), rows[table.name])
    except DBAPIError as exc:
        raise KnowledgeUnavailable(f"cannot write the knowledge base: {exc.orig}") from exc
    return _summary(kset, rows, changed=True)


def load(
    path: Union[str, Path, None] = None,
    url: Optional[str] = None,
    *,
    migrate_first: bool = True,
    force: bool = False,
) -> LoadSummary:
    """Validate `path` (default knowledge/), migrate `url` to head, then write. Raises KnowledgeError."""
    kset = read_knowledge(path or config.KNOWLEDGE_DIR)
    if migrate_first:
        migrate(url)
    return write(kset, url, force=force)


def dump(url: Optional[str] = None) -> Dict[str, List[dict]]:
    """Every KB row, ordered by primary key: a comparable snapshot for tests and debugging."""
    out: Dict[str, List[dict]] = {}
    with get_engine(url).connect() as conn:
        for table in KB_TABLES:
            stmt = select(table).order_by(*table.primary_key.columns)
            out[table.name] = [dict(row._mapping) for row in conn.execute(stmt)]
    return out


