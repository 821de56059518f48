"""All ORM models; importing this module registers every table on `metadata`."""
from keqing.db.base import Base, metadata
from keqing.db.harvest_models import HarvestWatermark
from keqing.db.kb_models import (
    KB_TABLES,
    KbAlias,
    KbCompliance,
    KbCue,
    KbItem,
    KbItemText,
    KbMeta,
    KbOpportunity,
    KbStage,
    KbStep,
)
from keqing.db.memory_models import (
    MemAssessment,
    MemAssessmentValue,
    MemCorrection,
    MemCustomer,
    MemNextAction,
    MemNote,
    MemPlaybookPosition,
    MemRep,
    MemStageHistory,
)

__all__ = [
    "Base",
    "metadata",
    "KB_TABLES",
    "HarvestWatermark",
    "KbAlias",
    "KbCompliance",
    "KbCue",
    "KbItem",
    "KbItemText",
    "KbMeta",
    "KbOpportunity",
    "KbStage",
    "KbStep",
    "MemAssessment",
    "MemAssessmentValue",
    "MemCorrection",
    "MemCustomer",
    "MemNextAction",
    "MemNote",
    "MemPlaybookPosition",
    "MemRep",
    "MemStageHistory",
]
