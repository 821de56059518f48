"""Read API over the loaded knowledge base, used by the Rasa actions.

    kb = KnowledgeBase()                      # KEQING_DB_URL or var/keqing.db
    s = kb.strategy("初期合作", style="老虎", motive="理智型", grade="B")
    kb.explain("猫头鹰型客户")                 # -> ItemSummary of 分析型
    kb.compliance_match("要不要给他塞个红包")   # -> ComplianceTopic(matched="红包")

Every method raises KnowledgeUnavailable (a KeqingDBError) when the database cannot be reached,
is not migrated or holds no knowledge, and UnknownTerm (a LookupError) for a stage/style/...
name that matches nothing.
"""
from __future__ import annotations

from typing import (
    Any,
    Dict,
    Iterable,
    List,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
)

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from keqing.db import get_engine
from keqing.db.errors import KnowledgeUnavailable, translate_db_errors
from keqing.db.kb_models import (
    KbAlias,
    KbCue,
    KbItem,
    KbItemText,
    KbMeta,
    KbOpportunity,
    KbStage,
    KbStep,
)
from keqing.kb.normalize import normalize_term
from keqing.kb.records import (  # noqa: F401
    Advice,
    ComplianceTopic,
    Cue,
    Guidance,
    ItemSummary,
    OpportunityInfo,
    Regression,
    StageInfo,
    StepInfo,
    Strategy,
    UnknownTerm,
)
from keqing.kb.topics import TopicQueries

# When a term matches items of several kinds, the first kind here wins.
KIND_PRIORITY = ("style", "motive", "grade", "stage", "regression", "style_variant", "concept", "compliance")
LEXICON_DIMENSIONS = ("style", "motive", "grade", "stage", "regression")
_COMMON_FIELDS = {"id", "kind", "name", "aliases", "definition", "traits", "cues", "tactics", "source", "authored",
                  "compliance"}

T = TypeVar("T")
_guard = translate_db_errors(KnowledgeUnavailable, "knowledge base")


class KnowledgeBase(TopicQueries):
    def __init__(self, url: Optional[str] = None, engine: Optional[Engine] = None):
        self.engine = engine or get_engine(url)

    # -- helpers ---------------------------------------------------------------------
    def _session(self) -> Session:
        return Session(self.engine, future=True)

    def _texts(self, s: Session, item_id: str, field_name: str) -> Tuple[str, ...]:
        stmt = (
            select(KbItemText.text)
            .where(KbItemText.item_id == item_id, KbItemText.field == field_name)
            .order_by(KbItemText.position)
        )
        return tuple(s.execute(stmt).scalars())

    def _empty_check(self, s: Session) -> None:
        if not s.execute(select(func.count()).select_from(KbItem)).scalar():
            raise KnowledgeUnavailable("knowledge base is empty: run `python -m keqing kb load`")

    def _resolve(self, s: Session, term: str, kinds: Sequence[str] = KIND_PRIORITY) -> Optional[KbItem]:
        """Item whose name or alias matches `term`: exact first, then normalised."""
        items = list(s.execute(select(KbItem).where(KbItem.kind.in_(kinds))).scalars())
        if not items:
            self._empty_check(s)
            return None
        by_id = {it.id: it for it in items}
        aliases = list(s.execute(select(KbAlias).where(KbAlias.item_id.in_(by_id))).scalars())
        term = (term or "").strip()
        norm = normalize_term(term)
        rank = {kind: i for i, kind in enumerate(KIND_PRIORITY)}
        passes: List[Iterable[str]] = [
            [it.id for it in items if it.name == term],
            [a.item_id for a in aliases if a.alias == term],
            [it.id for it in items if norm and normalize_term(it.name) == norm],
            [a.item_id for a in aliases if norm and a.norm == norm],
        ]
        for ids in passes:
            found = sorted({by_id[i] for i in ids}, key=lambda it: (rank.get(it.kind, 99), it.id))
            if found:
                return found[0]
        return None

    def _require(self, s: Session, term: str, kind: str) -> KbItem:
        item = self._resolve(s, term, (kind,))
        if item is None:
            raise UnknownTerm(f"unknown {kind}: {term!r}")
        return item

    def _steps(self, s: Session, item: KbItem) -> List[StepInfo]:
        stmt = select(KbStep).where(KbStep.item_id == item.id).order_by(KbStep.order)
        return [
            StepInfo(item.name, st.order, st.key, st.title, st.summary, tuple(st.details), st.authored)
            for st in s.execute(stmt).scalars()
        ]

    def _stage_info(self, s: Session, item: KbItem) -> StageInfo:
        st = s.get(KbStage, item.id)
        return StageInfo(item.id, item.name, st.order, st.share_min, st.share_max, st.position, st.objective)

    # -- stages and steps ------------------------------------------------------------
    @_guard
    def stages(self) -> List[StageInfo]:
        with self._session() as s:
            stmt = select(KbStage, KbItem.name).join(KbItem, KbItem.id == KbStage.item_id).order_by(KbStage.order)
            return [
                StageInfo(st.item_id, name, st.order, st.share_min, st.share_max, st.position, st.objective)
                for st, name in s.execute(stmt)
            ]

    @_guard
    def stage(self, stage: str) -> StageInfo:
        with self._session() as s:
            return self._stage_info(s, self._require(s, stage, "stage"))

    def stage_for_share(self, share: float) -> str:
        """Stage name for a share 0..100 using the loaded thresholds (0 → 开发, 30 → 初期合作, ...)."""
        if not 0 <= share <= 100:
            raise ValueError(f"share must be within 0..100, got {share}")
        stages = self.stages()
        exact = [st for st in stages if st.share_min == st.share_max == share]
        ranged = [st for st in stages if st.share_min <= share < st.share_max or share == st.share_max == 100]
        found = exact or ranged
        if not found:
            raise UnknownTerm(f"no stage covers share {share}")
        return found[0].name

    @_guard
    def steps(self, stage: str) -> List[StepInfo]:
        with self._session() as s:
            return self._steps(s, self._require(s, stage, "stage"))

    @_guard
    def step(self, stage: str, order: int) -> Optional[StepInfo]:
        with self._session() as s:
            return next((st for st in self._steps(s, self._require(s, stage, "stage")) if st.order == order), None)

    @_guard
    def opportunities(self, stage: str = "初期合作") -> List[OpportunityInfo]:
        with self._session() as s:
            item = self._require(s, stage, "stage")
            stmt = select(KbOpportunity).where(KbOpportunity.item_id == item.id).order_by(KbOpportunity.order)
            return [
                OpportunityInfo(item.name, o.order, o.key, o.name, o.description, o.question)
                for o in s.execute(stmt).scalars()
            ]

    @_guard
    def create_opportunity(self, stage: str = "初期合作") -> List[str]:
        with self._session() as s:
            return list(self._texts(s, self._require(s, stage, "stage").id, "create_opportunity"))

    # -- strategy --------------------------------------------------------------------
    @_guard
    def strategy(
        self,
        stage: str,
        style: Optional[str] = None,
        motive: Optional[str] = None,
        grade: Optional[str] = None,
        first_steps: int = 3,
    ) -> Strategy:
        """Advice for a customer: stage objective/position + first steps, and the style/motive/grade parts."""
        with self._session() as s:
            st_item = self._require(s, stage, "stage")
            info = self._stage_info(s, st_item)
            parts: Dict[str, Any] = dict(
                stage=st_item.name,
                position=info.position,
                objective=info.objective,
                first_steps=tuple(self._steps(s, st_item)[:first_steps]),
            )
            if style:
                it = self._require(s, style, "style")
                parts.update(
                    style=it.name,
                    communicate=self._texts(s, it.id, "communicate"),
                    avoid=self._texts(s, it.id, "avoid"),
                    phone=self._texts(s, it.id, "phone"),
                )
            if motive:
                it = self._require(s, motive, "motive")
                parts.update(motive=it.name, motive_tactics=self._texts(s, it.id, "tactics"),
                             motive_compliance=it.compliance)
            if grade:
                it = self._require(s, grade, "grade")
                parts.update(grade=it.name, grade_tactics=self._texts(s, it.id, "tactics"), cadence=it.cadence,
                             cadence_days=it.cadence_days)
            return Strategy(**parts)

    @_guard
    def script_examples(self, style: str) -> List[str]:
        with self._session() as s:
            return list(self._texts(s, self._require(s, style, "style").id, "script_examples"))

    @_guard
    def call_script(self, style: str) -> Optional[Dict[str, List[str]]]:
        """{opening: [...], discovering_needs: [...]} where the style has one (分析型), else None."""
        with self._session() as s:
            it = self._require(s, style, "style")
            script = it.raw.get("call_script")
            return dict(script) if script else None

    # -- explain ---------------------------------------------------------------------
    @_guard
    def explain(self, term: str) -> Optional[ItemSummary]:
        """Summary of the item named `term` (name or alias, any kind), else of a step/opportunity title."""
        with self._session() as s:
            item = self._resolve(s, term)
            if item is not None:
                return self._summary(s, item)
            return self._explain_fallback(s, term)

    def _summary(self, s: Session, item: KbItem) -> ItemSummary:
        raw = dict(item.raw)
        details = {k: v for k, v in raw.items() if k not in _COMMON_FIELDS}
        if item.kind == "style_variant" and item.parent_id:
            parent = s.get(KbItem, item.parent_id)
            details["parent_name"] = parent.name if parent else None
        if item.kind == "style":
            stmt = select(KbItem.name).where(KbItem.parent_id == item.id).order_by(KbItem.id)
            details["variants"] = list(s.execute(stmt).scalars())
        return ItemSummary(
            id=item.id,
            kind=item.kind,
            name=item.name,
            definition=item.definition,
            aliases=tuple(raw.get("aliases", ())),
            traits=tuple(raw.get("traits", ())),
            tactics=tuple(raw.get("tactics", ())),
            compliance=item.compliance,
            authored=item.authored,
            source=tuple(item.source),
            details=details,
        )

    def _explain_fallback(self, s: Session, term: str) -> Optional[ItemSummary]:
        norm = normalize_term(term)
        if not norm:
            return None
        for st, owner in s.execute(select(KbStep, KbItem.name).join(KbItem, KbItem.id == KbStep.item_id)):
            if normalize_term(st.title) == norm:
                return ItemSummary(
                    id=st.key, kind="step", name=st.title, definition=st.summary, authored=st.authored,
                    details={"stage": owner, "order": st.order, "details": list(st.details)},
                )
        for o, owner in s.execute(select(KbOpportunity, KbItem.name).join(KbItem, KbItem.id == KbOpportunity.item_id)):
            if normalize_term(o.name) == norm:
                return ItemSummary(
                    id=o.key, kind="opportunity", name=o.name, definition=o.description,
                    details={"stage": owner, "order": o.order, "question": o.question},
                )
        return None

    # -- cues ------------------------------------------------------------------------
    @_guard
    def cue_lexicon(self, dimensions: Sequence[str] = LEXICON_DIMENSIONS) -> List[Cue]:
        """(dimension, value, phrase) for the NLU cue matcher, ordered by dimension, item, position."""
        with self._session() as s:
            stmt = (
                select(KbCue.dimension, KbCue.value, KbCue.phrase)
                .where(KbCue.dimension.in_(list(dimensions)))
                .order_by(KbCue.dimension, KbCue.item_id, KbCue.position)
            )
            rows = [Cue(*row) for row in s.execute(stmt)]
            if not rows:
                self._empty_check(s)
            order = {d: i for i, d in enumerate(dimensions)}
            return sorted(rows, key=lambda c: order[c.dimension])  # stable: keeps item/position order

    # -- regression ------------------------------------------------------------------
    @_guard
    def regression(self) -> Regression:
        with self._session() as s:
            item = s.execute(select(KbItem).where(KbItem.kind == "regression").order_by(KbItem.id)).scalars().first()
            if item is None:
                self._empty_check(s)
                raise UnknownTerm("the knowledge base has no regression item")
            signs: Dict[str, Tuple[str, ...]] = {}
            for st in self._stage_items(s):
                found = self._texts(s, st.id, "regression_signs")
                if found:
                    signs[st.name] = found
            return Regression(
                id=item.id,
                name=item.name,
                definition=item.definition,
                cues=tuple(item.raw.get("cues", ())),
                tactics=self._texts(s, item.id, "tactics"),
                steps=tuple(self._steps(s, item)),
                signs=signs,
            )

    def _stage_items(self, s: Session) -> List[KbItem]:
        stmt = select(KbItem).join(KbStage, KbStage.item_id == KbItem.id).order_by(KbStage.order)
        return list(s.execute(stmt).scalars())

    @_guard
    def cadence_days(self, grade: str) -> Optional[int]:
        """How often a customer of this grade is followed up (knowledge/grades.yml), in days."""
        with self._session() as s:
            item = self._resolve(s, grade, ("grade",))
            return int(item.cadence_days) if item is not None and item.cadence_days else None

    # -- misc ------------------------------------------------------------------------
    @_guard
    def version(self) -> Optional[str]:
        """Content hash of the loaded YAML (changes whenever the knowledge changes), None if never loaded."""
        with self._session() as s:
            return s.execute(select(KbMeta.value).where(KbMeta.key == "content_hash")).scalar()
