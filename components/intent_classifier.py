"""Rasa adapter around `keqing.nlu.intents.IntentClassifier` (character + word n-gram logistic regression)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from keqing.nlu.intents import IntentClassifier
from keqing.nlu.training import training_inputs_digest

RANKING_KEY = "intent_ranking"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class KeqingIntentClassifier(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"C": 10.0, "ranking_length": 10}

    @staticmethod
    def required_packages() -> List[Text]:
        return ["sklearn", "jieba"]

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 classifier: Optional[IntentClassifier] = None) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._classifier = classifier


    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """The knowledge base and the core's NLU code: a change to either retrains (see training_inputs_digest)."""
        return training_inputs_digest()

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> KeqingIntentClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> KeqingIntentClassifier:
        with model_storage.read_from(resource) as folder:
            classifier = IntentClassifier.load(Path(folder))
        return cls(config, model_storage, resource, classifier)

    def train(self, training_data: TrainingData) -> Resource:
        rows = [(m.get(TEXT), m.get(INTENT)) for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        self._classifier = IntentClassifier.fit([t for t, _ in rows], [i for _, i in rows], c=float(self._config["C"]))
        with self._model_storage.write_to(self._resource) as folder:
            self._classifier.save(Path(folder))
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            ranking = self._classifier.ranking(message.get(TEXT) or "", int(self._config["ranking_length"])) \
                if self._classifier else []
            if not ranking:
                message.set(INTENT, {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0}, add_to_output=True)
                continue
            name, confidence = ranking[0]
            message.set(INTENT, {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}, add_to_output=True)
            message.set(RANKING_KEY, [{INTENT_NAME_KEY: n, PREDICTED_CONFIDENCE_KEY: c} for n, c in ranking],
                        add_to_output=True)
        return messages
