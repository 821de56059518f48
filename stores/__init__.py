"""Rasa store adapters named in endpoints.yml: the tracker store (and, in a cluster, the lock store).
Importing the package redacts secrets in logs (it is loaded by every `make run` / `make server`)."""
from keqing import logsafe

logsafe.install()
