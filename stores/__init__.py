"""Rasa store adapters named in endpoints.yml: the tracker store (and, in a cluster, the lock store)."""
