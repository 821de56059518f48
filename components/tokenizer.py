"""Chinese tokenizer for Rasa: `keqing.text.tokenize` (jieba + sales dictionary, OpenCC, full-width folding).

Unlike Rasa's JiebaTokenizer it never emits whitespace tokens (Rasa issue 7910) and its offsets point
into the text as typed. The dictionary folder, plus the cue lexicon's phrases, is copied into the model
archive at training time, so a model file is all a server needs.
"""
from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from keqing.nlu.lexicon import load_lexicon
from keqing.text import tokenize as kt
from keqing.text.normalize import normalize

logger = logging.getLogger(__name__)

LEXICON_DICT = "lexicon.txt"


def annotated_phrases(training_data: TrainingData, max_len: int = 10) -> List[str]:
    out = []
    for example in training_data.training_examples:
        text = example.get(TEXT) or ""
        for ent in example.get(ENTITIES) or []:
            if ent.get("start") is None or ent.get("end") is None:
                continue  # entities of story steps carry no span
            span = normalize(text[ent["start"] : ent["end"]]).strip()
            if 2 <= len(span) <= max_len and " " not in span:
                out.append(span)
    return out


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class KeqingTokenizer(Tokenizer):
    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        return ["zh"]

    @staticmethod
    def required_packages() -> List[Text]:
        return ["jieba", "opencc"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "dictionary_path": str(kt.USERDICT_DIR),  # a folder of jieba dictionaries
            "knowledge_path": None,  # knowledge/ folder; None = the repository's
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__(config)
        self._model_storage = model_storage
        self._resource = resource

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> KeqingTokenizer:
        kt.load_userdicts(config["dictionary_path"])
        knowledge = config.get("knowledge_path")
        kt.add_words(c.phrase for c in load_lexicon(Path(knowledge) if knowledge else None))
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> KeqingTokenizer:
        try:
            with model_storage.read_from(resource) as folder:
                kt.load_userdicts(folder)
        except ValueError:
            logger.warning("model has no tokenizer dictionaries; using the packaged ones")
            kt.load_userdicts(config["dictionary_path"])
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        knowledge = self._config.get("knowledge_path")
        phrases = {c.phrase for c in load_lexicon(Path(knowledge) if knowledge else None)}
        # Annotated spans become words too, so entity boundaries fall on token boundaries.
        phrases |= set(annotated_phrases(training_data))
        phrases = sorted(phrases)
        kt.add_words(phrases)
        with self._model_storage.write_to(self._resource) as folder:
            for path in Path(self._config["dictionary_path"]).glob("*.txt"):
                shutil.copy2(path, Path(folder) / path.name)
            (Path(folder) / LEXICON_DICT).write_text(
                "".join(f"{p} 2000\n" for p in phrases if " " not in p), encoding="utf-8"
            )
        return self._resource

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        tokens = [Token(t.text, t.start, t.end) for t in kt.tokenize(text)]
        if not tokens and text:
            # Rasa needs at least one token per non-empty text (e.g. whitespace-only input).
            tokens = [Token(text.strip() or "_", 0, len(text))]
        return self._apply_token_pattern(tokens)
