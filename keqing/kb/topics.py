"""Compliance topics, grey-area guidance and advice items of the knowledge base (part of `KnowledgeBase`)."""
from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from keqing.db.errors import KnowledgeUnavailable, translate_db_errors
from keqing.db.kb_models import KbCompliance, KbItem, KbItemText
from keqing.kb.normalize import normalize_text, trigger_pattern
from keqing.kb.records import Advice, ComplianceTopic, Guidance

_guard = translate_db_errors(KnowledgeUnavailable, "knowledge base")


class TopicQueries:
    """Needs `_session`, `_texts` and `_resolve` from `KnowledgeBase`."""

    def _session(self) -> Session:
        raise NotImplementedError

    def _texts(self, s: Session, item_id: str, field_name: str) -> Tuple[str, ...]:
        raise NotImplementedError

    def _resolve(self, s: Session, term: str, kinds: Sequence[str] = ()) -> Optional[KbItem]:
        raise NotImplementedError

    # -- compliance ------------------------------------------------------------------
    def _topic(self, s: Session, item: KbItem, matched: Optional[str] = None) -> ComplianceTopic:
        comp = s.get(KbCompliance, item.id)
        return ComplianceTopic(
            id=item.id,
            name=item.name,
            triggers=self._texts(s, item.id, "triggers"),
            refusal=comp.refusal,
            alternatives=self._texts(s, item.id, "alternatives"),
            law=comp.law,
            note=item.compliance,
            matched=matched,
            goal=next(iter(self._texts(s, item.id, "goal")), None),
            decline=self._texts(s, item.id, "decline"),
            tactics=self._texts(s, item.id, "tactics"),
        )

    @_guard
    def compliance_topic(self, topic_id: str) -> Optional[ComplianceTopic]:
        """The compliance topic with this id (compliance.<category>), None if the KB has none."""
        with self._session() as s:
            item = s.get(KbItem, topic_id)
            return self._topic(s, item) if item is not None and item.kind == "compliance" else None

    @_guard
    def guidance(self, topic_id: str) -> Optional[Guidance]:
        """A grey-area topic (guidance.<category>) answered with nuance, None if the KB has none."""
        with self._session() as s:
            item = s.get(KbItem, topic_id)
            if item is None or item.kind != "guidance":
                return None
            return Guidance(item.id, item.name, item.definition or "", self._texts(s, item.id, "answer"),
                            self._texts(s, item.id, "limits"), next(iter(self._texts(s, item.id, "guidance_law")), None))

    @_guard
    def compliance(self, topic: Optional[str] = None) -> Any:
        """All compliance topics (topic=None) or the one named/aliased `topic` (None if unknown)."""
        with self._session() as s:
            if topic is None:
                stmt = select(KbItem).where(KbItem.kind == "compliance").order_by(KbItem.id)
                return [self._topic(s, it) for it in s.execute(stmt).scalars()]
            item = self._resolve(s, topic, ("compliance",))
            return self._topic(s, item) if item else None

    @_guard
    def compliance_match(self, text: str) -> Optional[ComplianceTopic]:
        """The compliance topic whose trigger occurs in `text` (longest trigger wins), else None. A trigger
        of several words also matches with a few characters between them ("利用他们内部矛盾")."""
        with self._session() as s:
            found = self._trigger_match(s, text, "compliance")
            return self._topic(s, s.get(KbItem, found[0]), matched=found[1]) if found else None

    @_guard
    def guidance_match(self, text: str) -> Optional[Guidance]:
        """The grey-area topic whose trigger occurs in `text` ("印了logo的台历可以送吗"), else None."""
        with self._session() as s:
            found = self._trigger_match(s, text, "guidance")
        return self.guidance(found[0]) if found else None

    def _trigger_match(self, s: Session, text: str, kind: str) -> Optional[Tuple[str, str]]:
        """(item id, trigger) of the `kind` item whose trigger occurs in `text`, longest trigger first."""
        haystack = normalize_text(text)
        stmt = (
            select(KbItemText.item_id, KbItemText.text)
            .join(KbItem, KbItem.id == KbItemText.item_id)
            .where(KbItemText.field == "triggers", KbItem.kind == kind)
            .order_by(KbItemText.item_id, KbItemText.position)
        )
        hits = [(len(trig), item_id, trig) for item_id, trig in s.execute(stmt)
                if normalize_text(trig) in haystack or trigger_pattern(trig).search(haystack)]
        if not hits:
            return None
        _, item_id, trig = sorted(hits, key=lambda h: (-h[0], h[1]))[0]
        return item_id, trig

    @_guard
    def advice(self, topic_id: Optional[str] = None, text: str = "") -> Optional[Advice]:
        """An advice item by id, else the one whose trigger occurs in `text`, else None."""
        with self._session() as s:
            item_id = topic_id
            if item_id is None and text:
                found = self._trigger_match(s, text, "advice")
                item_id = found[0] if found else None
            item = s.get(KbItem, item_id) if item_id else None
            if item is None or item.kind != "advice":
                return None
            return Advice(item.id, item.name, item.definition or "", self._texts(s, item.id, "tactics"),
                          self._texts(s, item.id, "questions"), self._texts(s, item.id, "avoid"))

