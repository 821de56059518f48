"""Rasa adapter around `keqing.nlu.reader` and `keqing.compliance`: the compliance check, then the customer
profile with evidence (shared/interfaces.md), the people a message is about, and the entities the dialogue
uses (`customer` names, the `share` expression).

Trained from the same data as the intent classifier: descriptions (labels in metadata or cue annotations),
labelled compliance requests, the knowledge base's cue lexicon. Everything it learns, including the words
its segmenter knows, is saved in the model, so two models in one process never share state.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from keqing.compliance.detector import ComplianceDetector, training_examples
from keqing.nlu.classifier import ProfileClassifier, samples_from
from keqing.nlu.cues import CueMatcher
from keqing.nlu.lexicon import load_lexicon
from keqing.nlu.reader import ProfileReader
from keqing.nlu.training import annotated_phrases, has_labels, profile_labels, training_inputs_digest
from keqing.nlu.understanding import understand
from keqing.text.tokenize import Segmenter

PROFILE_KEY = "customer_profile"
PEOPLE_KEY = "people"
COMPLIANCE_KEY = "compliance"
WORDS_FILE = "words.json"
# Training examples that can teach the profile: descriptions, shares, corrections, notes (all "none").
PROFILE_INTENTS = {"describe_customer", "provide_share", "correct_profile", "note"}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class KeqingReader(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"knowledge_path": None, "profile_C": 8.0, "compliance_C": 10.0}

    @staticmethod
    def required_packages() -> List[Text]:
        return ["sklearn", "jieba", "opencc", "cn2an"]

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 reader: Optional[ProfileReader] = None, detector: Optional[ComplianceDetector] = None) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._reader = reader
        self._detector = detector


    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """The knowledge base and the core's NLU code: a change to either retrains (see training_inputs_digest)."""
        return training_inputs_digest()

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> KeqingReader:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> KeqingReader:
        with model_storage.read_from(resource) as folder:
            folder = Path(folder)
            segmenter = Segmenter(json.loads((folder / WORDS_FILE).read_text(encoding="utf-8")))
            reader = ProfileReader(ProfileClassifier.load(folder / "profile", segmenter=segmenter),
                                   CueMatcher.load(folder), segmenter)
            detector = ComplianceDetector.load(folder, segmenter)
        return cls(config, model_storage, resource, reader, detector)

    def train(self, training_data: TrainingData) -> Resource:
        path = self._config.get("knowledge_path")
        lexicon = load_lexicon(Path(path) if path else None)
        messages = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        words = sorted({c.phrase for c in lexicon} | {p for m in messages
                                                       for p in annotated_phrases(m.get(TEXT), m.get(ENTITIES) or [])})
        segmenter = Segmenter(words)
        examples = []
        for m in messages:
            meta = (m.get("metadata") or {}).get("example")
            if m.get(INTENT) in PROFILE_INTENTS and (m.get(INTENT) == "note" or has_labels(m.get(ENTITIES) or [], meta)):
                examples.append((m.get(TEXT), profile_labels(m.get(ENTITIES) or [], meta)))
        cues = [(c.dimension, c.value, c.phrase) for c in lexicon]
        classifier = ProfileClassifier.fit(samples_from(examples, cues), c=float(self._config["profile_C"]),
                                           segmenter=segmenter)
        detector = ComplianceDetector.fit(
            training_examples((m.get(TEXT), m.get(INTENT), (m.get("metadata") or {}).get("example")) for m in messages),
            c=float(self._config["compliance_C"]), segmenter=segmenter)
        matcher = CueMatcher.build(lexicon)
        with self._model_storage.write_to(self._resource) as folder:
            folder = Path(folder)
            (folder / WORDS_FILE).write_text(json.dumps(words, ensure_ascii=False), encoding="utf-8")
            classifier.save(folder / "profile")
            matcher.save(folder)
            detector.save(folder)
        self._reader = ProfileReader(classifier, matcher, segmenter)
        self._detector = detector
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if self._reader is None or self._detector is None:
                continue
            intent = message.get(INTENT) or {}
            result = understand(message.get(TEXT) or "", intent.get(INTENT_NAME_KEY),
                                float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0), self._reader, self._detector)
            if result.intent != intent.get(INTENT_NAME_KEY):
                message.set(INTENT, {INTENT_NAME_KEY: result.intent, PREDICTED_CONFIDENCE_KEY: result.confidence},
                            add_to_output=True)
            message.set(PROFILE_KEY, result.profile, add_to_output=True)
            message.set(PEOPLE_KEY, result.people, add_to_output=True)
            message.set(COMPLIANCE_KEY, result.compliance, add_to_output=True)
            message.set(ENTITIES, result.entities, add_to_output=True)
        return messages
