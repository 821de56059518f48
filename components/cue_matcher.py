"""Rasa component around `keqing.nlu.cues.CueMatcher`: matches the knowledge base's cue lexicon.

The spaCy pipeline is built at training time and stored in this component's resource, i.e. inside the
model archive. Matches are kept on the message (`keqing_cues`) for the profile component.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from keqing.nlu.cues import CueMatcher
from keqing.nlu.lexicon import load_lexicon

logger = logging.getLogger(__name__)

CUES_KEY = "keqing_cues"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class CueLexiconMatcher(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"knowledge_path": None}

    @staticmethod
    def required_packages() -> List[Text]:
        return ["spacy", "jieba"]

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 matcher: Optional[CueMatcher] = None) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._matcher = matcher

    @classmethod
    def create(cls, config, model_storage, resource, execution_context: ExecutionContext) -> CueLexiconMatcher:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config, model_storage, resource, execution_context, **kwargs: Any) -> CueLexiconMatcher:
        with model_storage.read_from(resource) as folder:
            matcher = CueMatcher.load(Path(folder))
        return cls(config, model_storage, resource, matcher)

    def train(self, training_data: TrainingData) -> Resource:
        path = self._config.get("knowledge_path")
        self._matcher = CueMatcher.build(load_lexicon(Path(path) if path else None))
        with self._model_storage.write_to(self._resource) as folder:
            self._matcher.save(Path(folder))
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            cues = self._matcher.match(text) if self._matcher else []
            message.set(CUES_KEY, cues)
        return messages
