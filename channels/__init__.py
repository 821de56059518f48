"""Thin Rasa input channels; the logic lives in keqing.channels. Importing any of them redacts secrets in logs."""
from keqing import logsafe

logsafe.install()
