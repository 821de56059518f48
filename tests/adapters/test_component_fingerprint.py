"""Rasa's component cache must see the knowledge base and the core's NLU code."""
from keqing.nlu.training import training_inputs_digest


def test_the_components_add_it_to_their_fingerprint() -> None:
    from components.intent_classifier import KeqingIntentClassifier
    from components.reader import KeqingReader

    assert KeqingReader.fingerprint_addon({}) == KeqingIntentClassifier.fingerprint_addon({}) == training_inputs_digest()
