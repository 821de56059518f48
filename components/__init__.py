"""Custom Rasa NLU components: thin adapters around `keqing`."""
