"""Rasa component around `keqing.nlu.classifier.ProfileClassifier`: a sentence-level classifier per profile
dimension, trained from the annotated descriptions and the cue lexicon, saved in the model archive."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from keqing.nlu.classifier import ProfileClassifier, training_samples, votes
from keqing.nlu.lexicon import load_lexicon
from keqing.taxonomy import CATEGORICAL, entity_value

VOTES_KEY = "keqing_votes"
DIMS = CATEGORICAL


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class ProfileDimensionClassifier(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"knowledge_path": None, "C": 20.0}  # 5-fold CV on the training data: C in 2..40

    @staticmethod
    def required_packages() -> List[Text]:
        return ["sklearn"]

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 classifier: Optional[ProfileClassifier] = None) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._classifier = classifier

    @classmethod
    def create(cls, config, model_storage, resource, execution_context: ExecutionContext):
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config, model_storage, resource, execution_context, **kwargs: Any):
        with model_storage.read_from(resource) as folder:
            classifier = ProfileClassifier.load(Path(folder))
        return cls(config, model_storage, resource, classifier)

    def train(self, training_data: TrainingData) -> Resource:
        examples = []
        for ex in training_data.training_examples:
            text = ex.get(TEXT)
            if not text or not ex.get(INTENT):
                continue  # responses and story turns are not rep messages
            values: Dict[str, List[str]] = {}
            for ent in ex.get(ENTITIES) or []:
                mapped = entity_value(ent.get("entity", ""))
                if mapped:
                    values.setdefault(mapped[0], []).append(mapped[1])
            examples.append((text, values))
        path = self._config.get("knowledge_path")
        cues = [(c.dimension, c.value, c.phrase) for c in load_lexicon(Path(path) if path else None)]
        self._classifier = ProfileClassifier.fit(training_samples(examples, cues, DIMS), c=float(self._config["C"]))
        with self._model_storage.write_to(self._resource) as folder:
            self._classifier.save(Path(folder))
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if self._classifier and text.strip():
                message.set(VOTES_KEY, votes(self._classifier, text))
        return messages
